"""JWT verification as the API Gateway HTTP API JWT authorizer does it, and the local signing key.

`JwtVerifier.verify(token)` accepts only RS256 tokens whose `kid` is in the JWKS, whose signature
checks out, whose registered claims have their RFC 7519 types (`exp`/`nbf`/`iat` JSON numbers, `iss`,
`sub` and `client_id` strings, `aud` a string or an array of strings), whose `iss` matches, whose `aud`
(or, for access tokens, `client_id`) is one of the audiences, and which are inside `nbf`..`exp` with
`iat` not in the future. Every other token raises a specific `AuthError`, which the local gateway
answers with 401 and `{"error": {"code", "message"}}`.

`LocalSigningKey` is the local run's identity provider: an RSA key persisted under the local data
folder (created once), its JWKS document and `issue_token(user, groups, ttl)`.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

if TYPE_CHECKING:
    from jwt.types import Options

ALGORITHM = "RS256"
GROUPS_CLAIM = "cognito:groups"


class AuthError(Exception):
    """A request without a valid token; `code` goes into the 401 error body."""

    code = "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingToken(AuthError):
    code = "missing_token"


class MalformedToken(AuthError):
    code = "malformed_token"


class UnsupportedAlgorithm(AuthError):
    code = "unsupported_algorithm"


class UnknownSigningKey(AuthError):
    code = "unknown_signing_key"


class InvalidSignature(AuthError):
    code = "invalid_signature"


class TokenExpired(AuthError):
    code = "token_expired"


class TokenNotYetValid(AuthError):
    code = "token_not_yet_valid"


class InvalidIssuer(AuthError):
    code = "invalid_issuer"


class InvalidAudience(AuthError):
    code = "invalid_audience"


class MissingClaim(AuthError):
    code = "missing_claim"


class InvalidClaim(AuthError):
    """A registered claim of the wrong JSON type (e.g. `exp` as a numeric string, `aud` as an object)."""

    code = "invalid_claim"


REQUIRED_CLAIMS = ("exp", "iss", "sub")
NUMERIC_DATE_CLAIMS = ("exp", "nbf", "iat")
STRING_CLAIMS = ("iss", "sub", "client_id")


def bearer_token(authorization: str | None) -> str:
    """The token of an Authorization header; API Gateway accepts it with or without `Bearer `."""
    if not authorization or not authorization.strip():
        raise MissingToken("The Authorization header is missing: send 'Authorization: Bearer <JWT>'.")
    scheme, _, rest = authorization.strip().partition(" ")
    if rest and scheme.lower() == "bearer":
        return rest.strip()
    if rest:
        raise MalformedToken(f"Unsupported authorization scheme {scheme!r}: use 'Bearer <JWT>'.")
    return scheme


class JwtVerifier:
    """Verifies tokens against a JWKS document, an issuer and a set of audiences."""

    def __init__(self, jwks: Mapping[str, Any], issuer: str, audiences: Iterable[str]) -> None:
        self._keys = {
            key["kid"]: jwt.PyJWK.from_dict(dict(key))
            for key in jwks.get("keys", [])
            if key.get("kid") and key.get("kty") == "RSA"
        }
        self._issuer = issuer
        self._audiences = frozenset(audiences)

    def verify(self, token: str) -> dict[str, Any]:
        header = _unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise UnsupportedAlgorithm(f"Token algorithm {header.get('alg')!r} is not accepted; only RS256.")
        key = self._keys.get(header.get("kid"))
        if key is None:
            raise UnknownSigningKey(f"Token key id {header.get('kid')!r} is not in the JWKS.")
        claims = _decode(token, key)
        _check_required(claims)
        _check_types(claims)
        _check_times(claims, time.time())
        self._check_issuer(claims)
        self._check_audience(claims)
        return claims

    def _check_issuer(self, claims: Mapping[str, Any]) -> None:
        if claims.get("iss") != self._issuer:
            raise InvalidIssuer(f"Token issuer {claims.get('iss')!r} is not {self._issuer!r}.")

    def _check_audience(self, claims: Mapping[str, Any]) -> None:
        # ID tokens carry `aud`; Cognito access tokens carry `client_id` instead.
        audience = claims.get("aud", claims.get("client_id"))
        presented = {audience} if isinstance(audience, str) else set(audience or [])  # types checked before
        if not presented & self._audiences:
            raise InvalidAudience(f"Token audience {audience!r} is not one of {sorted(self._audiences)}.")


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.exceptions.InvalidTokenError as error:  # DecodeError, or a bad `kid`/`crit` header
        raise MalformedToken(f"The token is not a well-formed JWT: {error}.") from None


_SIGNATURE_ONLY: Options = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
    "require": [],
}


def _decode(token: str, key: jwt.PyJWK) -> dict[str, Any]:
    """The claims of a token whose signature checks out; claim checks are ours (PyJWT casts "123" to 123)."""
    try:
        claims = jwt.decode(token, key.key, algorithms=[ALGORITHM], options=_SIGNATURE_ONLY)
    except jwt.exceptions.InvalidSignatureError:
        raise InvalidSignature("The token signature does not match the JWKS key.") from None
    except jwt.exceptions.PyJWTError as error:
        raise MalformedToken(f"The token could not be verified: {error}.") from None
    if not isinstance(claims, dict):
        raise MalformedToken("The token payload is not a JSON object.")
    return claims


def _check_required(claims: Mapping[str, Any]) -> None:
    for name in REQUIRED_CLAIMS:
        if claims.get(name) is None:
            raise MissingClaim(f"The token lacks the required claim {name!r}.")


def _check_types(claims: Mapping[str, Any]) -> None:
    """RFC 7519 §4.1 types, as the API Gateway JWT authorizer enforces them."""
    for name in NUMERIC_DATE_CLAIMS:
        if name in claims and not _is_numeric_date(claims[name]):
            raise InvalidClaim(f"The token's {name!r} claim must be a JSON number (NumericDate), "
                               f"not {_json_type(claims[name])}.")
    for name in STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            raise InvalidClaim(f"The token's {name!r} claim must be a string, not {_json_type(claims[name])}.")
    if "aud" in claims and not _is_audience(claims["aud"]):
        raise InvalidClaim(f"The token's 'aud' claim must be a string or an array of strings, "
                           f"not {_json_type(claims['aud'])}.")


def _check_times(claims: Mapping[str, Any], now: float) -> None:
    if claims["exp"] <= now:
        raise TokenExpired("The token has expired.")
    for name in ("nbf", "iat"):
        if name in claims and claims[name] > now:
            raise TokenNotYetValid(f"The token is not valid yet ({name} in the future).")


def _is_numeric_date(value: Any) -> bool:
    # bool is an int in Python but not a number in JSON; NaN/Infinity are not JSON at all.
    return type(value) is int or (type(value) is float and math.isfinite(value))


def _is_audience(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(item, str) for item in value))


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number" if math.isfinite(value) else "a non-finite number"
    names = {str: "a string", list: "an array", dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


class LocalSigningKey:
    """The local run's RSA signing key, persisted as PEM so tokens survive restarts."""

    FILENAME = "jwt-signing-key.pem"

    def __init__(self, private_key: rsa.RSAPrivateKey, issuer: str, audience: str) -> None:
        self._private_key = private_key
        self.issuer = issuer
        self.audience = audience
        public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
        self.kid = _thumbprint(public_jwk)
        self._public_jwk = {**public_jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    @classmethod
    def load_or_create(cls, directory: Path | str, issuer: str, audience: str) -> LocalSigningKey:
        path = Path(directory) / cls.FILENAME
        if not path.exists():
            _write_private(path, rsa.generate_private_key(public_exponent=65537, key_size=2048))
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise TypeError(f"{path} holds a {type(private_key).__name__}, not the RSA key RS256 signs with")
        return cls(private_key, issuer, audience)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(self._public_jwk)]}

    def verifier(self) -> JwtVerifier:
        return JwtVerifier(self.jwks(), self.issuer, [self.audience])

    def issue_token(self, user: str, groups: Iterable[str] = (), ttl: int = 3600) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": user,
            "username": user,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "token_use": "id",
        }
        if groups := list(groups):
            claims[GROUPS_CLAIM] = groups
        return jwt.encode(claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.kid})


def _thumbprint(public_jwk: Mapping[str, Any]) -> str:
    """RFC 7638 key id: stable across restarts for the same key."""
    import base64
    import hashlib

    canonical = json.dumps({k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _write_private(path: Path, private_key: rsa.RSAPrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(pem)
    temporary.chmod(0o600)
    try:
        os.link(temporary, path)  # fails if another process created the key first: theirs wins
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
