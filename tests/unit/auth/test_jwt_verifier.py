"""JwtVerifier rejects every token the API Gateway JWT authorizer would reject, with a named error."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from voiceclone import auth

ISSUER = "http://127.0.0.1:8000/auth"
AUDIENCE = "voiceclone"


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory):
    return auth.LocalSigningKey.load_or_create(tmp_path_factory.mktemp("keys"), ISSUER, AUDIENCE)


@pytest.fixture(scope="module")
def verifier(signing_key):
    return signing_key.verifier()


def sign(signing_key, claims, headers=None):
    """Sign arbitrary claims with the local key (the private key is read back from its PEM)."""
    private = signing_key._private_key
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": signing_key.kid, **(headers or {})})


def base_claims(**overrides):
    now = int(time.time())
    claims = {"sub": "alice", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_token_gives_its_claims(signing_key, verifier):
    token = signing_key.issue_token("alice", groups=["admin"], ttl=60)
    claims = verifier.verify(token)
    assert claims["sub"] == "alice"
    assert claims["cognito:groups"] == ["admin"]
    assert claims["iss"] == ISSUER and claims["aud"] == AUDIENCE


def test_access_token_with_client_id_instead_of_aud_is_accepted(signing_key, verifier):
    token = sign(signing_key, base_claims(aud=None, client_id=AUDIENCE, token_use="access"))
    assert verifier.verify(token)["client_id"] == AUDIENCE


def test_audience_list_containing_ours_is_accepted(signing_key, verifier):
    token = sign(signing_key, base_claims(aud=["other", AUDIENCE]))
    assert verifier.verify(token)["sub"] == "alice"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_token(header):
    with pytest.raises(auth.MissingToken):
        auth.bearer_token(header)


def test_bearer_prefix_is_optional():
    assert auth.bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    assert auth.bearer_token("abc.def.ghi") == "abc.def.ghi"


def test_other_scheme_is_malformed():
    with pytest.raises(auth.MalformedToken):
        auth.bearer_token("Basic dXNlcjpwYXNz")


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b",
        "a.b.c",
        "....",
        b64({"alg": "RS256"}) + ".x.y",
        # Headers PyJWT rejects with InvalidTokenError, not DecodeError: still a 401, never a crash.
        b64({"alg": "RS256", "kid": ["k"]}) + "." + b64({"sub": "a"}) + ".c2ln",
        b64({"alg": "RS256", "crit": 5}) + "." + b64({"sub": "a"}) + ".c2ln",
    ],
)
def test_malformed(verifier, token):
    with pytest.raises(auth.MalformedToken):
        verifier.verify(token)


def test_expired(signing_key, verifier):
    now = int(time.time())
    token = sign(signing_key, base_claims(iat=now - 120, nbf=now - 120, exp=now - 60))
    with pytest.raises(auth.TokenExpired):
        verifier.verify(token)


def test_not_yet_valid(signing_key, verifier):
    now = int(time.time())
    token = sign(signing_key, base_claims(nbf=now + 300, iat=now, exp=now + 600))
    with pytest.raises(auth.TokenNotYetValid):
        verifier.verify(token)


def test_missing_exp(signing_key, verifier):
    token = sign(signing_key, base_claims(exp=None))
    with pytest.raises(auth.MissingClaim):
        verifier.verify(token)


def test_wrong_issuer(signing_key, verifier):
    token = sign(signing_key, base_claims(iss="https://evil.example/auth"))
    with pytest.raises(auth.InvalidIssuer):
        verifier.verify(token)


def test_wrong_audience(signing_key, verifier):
    token = sign(signing_key, base_claims(aud="someone-else"))
    with pytest.raises(auth.InvalidAudience):
        verifier.verify(token)


def test_no_audience_at_all(signing_key, verifier):
    token = sign(signing_key, base_claims(aud=None))
    with pytest.raises(auth.InvalidAudience):
        verifier.verify(token)


def test_alg_none(signing_key, verifier):
    token = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': signing_key.kid})}.{b64(base_claims())}."
    with pytest.raises(auth.UnsupportedAlgorithm):
        verifier.verify(token)


def test_hs256_signed_with_the_public_key(signing_key, verifier):
    public_pem = signing_key._private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64({"alg": "HS256", "typ": "JWT", "kid": signing_key.kid})
    payload = b64(base_claims())
    import hashlib
    import hmac

    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    token = f"{header}.{payload}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(auth.UnsupportedAlgorithm):
        verifier.verify(token)


def test_tampered_payload(signing_key, verifier):
    header, _, signature = signing_key.issue_token("alice").split(".")
    forged = f"{header}.{b64(base_claims(sub='mallory'))}.{signature}"
    with pytest.raises(auth.InvalidSignature):
        verifier.verify(forged)


def test_unknown_kid(signing_key, verifier):
    token = sign(signing_key, base_claims(), headers={"kid": "not-our-key"})
    with pytest.raises(auth.UnknownSigningKey):
        verifier.verify(token)


def test_signed_by_another_key_with_our_kid(signing_key, verifier):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(base_claims(), stranger, algorithm="RS256", headers={"kid": signing_key.kid})
    with pytest.raises(auth.InvalidSignature):
        verifier.verify(token)


def test_every_auth_error_has_a_code_and_message(signing_key, verifier):
    with pytest.raises(auth.AuthError) as caught:
        verifier.verify(sign(signing_key, base_claims(aud="x")))
    assert caught.value.code == "invalid_audience"
    assert "x" in caught.value.message


def test_key_is_persisted_and_reused(tmp_path):
    first = auth.LocalSigningKey.load_or_create(tmp_path, ISSUER, AUDIENCE)
    second = auth.LocalSigningKey.load_or_create(tmp_path, ISSUER, AUDIENCE)
    assert first.kid == second.kid
    assert second.verifier().verify(first.issue_token("bob"))["sub"] == "bob"
    assert (tmp_path / auth.LocalSigningKey.FILENAME).stat().st_mode & 0o077 == 0


def test_jwks_holds_only_the_public_key(signing_key):
    (key,) = signing_key.jwks()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["kid"] == signing_key.kid
    assert "d" not in key and "p" not in key


# RFC 7519 types, as the API Gateway JWT authorizer checks them: a token signed with the real key but
# with a claim of the wrong JSON type is refused, never coerced ("123" is not a NumericDate).
def sign_payload(signing_key, payload: bytes) -> str:
    """Sign raw payload bytes (PyJWT's encode refuses some of the claims these tests need)."""
    return jwt.api_jws.PyJWS().encode(payload, signing_key._private_key, algorithm="RS256",
                                      headers={"kid": signing_key.kid, "typ": "JWT"})


def far_future() -> int:
    return int(time.time()) + 600


@pytest.mark.parametrize(
    ("overrides", "claim"),
    [
        ({"exp": str(far_future())}, "exp"),
        ({"exp": f"{far_future()}.0"}, "exp"),
        ({"exp": True}, "exp"),
        ({"exp": [far_future()]}, "exp"),
        ({"exp": {"value": far_future()}}, "exp"),
        ({"exp": float("inf")}, "exp"),
        ({"exp": float("nan")}, "exp"),
        ({"nbf": str(int(time.time()) - 60)}, "nbf"),
        ({"nbf": False}, "nbf"),
        ({"iat": str(int(time.time()))}, "iat"),
        ({"iat": None}, "iat"),
        ({"aud": {AUDIENCE: True}}, "aud"),
        ({"aud": [AUDIENCE, 7]}, "aud"),
        ({"aud": [[AUDIENCE]]}, "aud"),
        ({"aud": 5}, "aud"),
        ({"iss": [ISSUER]}, "iss"),
        ({"iss": {"url": ISSUER}}, "iss"),
        ({"sub": 12345}, "sub"),
        ({"sub": ["alice"]}, "sub"),
        ({"sub": {"id": "alice"}}, "sub"),
        ({"aud": None, "client_id": [AUDIENCE], "token_use": "access"}, "client_id"),
    ],
)
def test_claim_of_the_wrong_json_type_is_refused(signing_key, verifier, overrides, claim):
    claims = {**base_claims(), **overrides}
    claims = {name: value for name, value in claims.items() if not (name == "aud" and value is None)}
    token = sign_payload(signing_key, json.dumps(claims).encode())
    with pytest.raises(auth.InvalidClaim) as caught:
        verifier.verify(token)
    assert caught.value.code == "invalid_claim"
    assert repr(claim) in caught.value.message


def test_numeric_string_exp_in_the_past_is_still_a_type_error_not_expired(signing_key, verifier):
    token = sign(signing_key, base_claims(exp=str(int(time.time()) - 60)))
    with pytest.raises(auth.InvalidClaim, match="must be a JSON number"):
        verifier.verify(token)


def test_fractional_numeric_dates_are_numbers(signing_key, verifier):
    now = time.time()
    token = sign(signing_key, base_claims(iat=now - 1.5, nbf=now - 1.5, exp=now + 600.25))
    assert verifier.verify(token)["exp"] == pytest.approx(now + 600.25)


def test_a_huge_integer_exp_is_a_number_not_a_crash(signing_key, verifier):
    token = sign(signing_key, base_claims(exp=10**400))
    assert verifier.verify(token)["sub"] == "alice"


def test_iat_in_the_future_is_not_yet_valid(signing_key, verifier):
    now = int(time.time())
    token = sign(signing_key, base_claims(iat=now + 300, nbf=now, exp=now + 600))
    with pytest.raises(auth.TokenNotYetValid, match="iat"):
        verifier.verify(token)


def test_empty_audience_array_is_not_our_audience(signing_key, verifier):
    with pytest.raises(auth.InvalidAudience):
        verifier.verify(sign(signing_key, base_claims(aud=[])))


@pytest.mark.parametrize("claim", ["exp", "iss", "sub"])
def test_required_claim_set_to_null_is_missing(signing_key, verifier, claim):
    claims = {**base_claims(), claim: None}
    with pytest.raises(auth.MissingClaim, match=repr(claim)):
        verifier.verify(sign_payload(signing_key, json.dumps(claims).encode()))


def test_a_payload_that_is_not_an_object_is_malformed(signing_key, verifier):
    with pytest.raises(auth.MalformedToken):
        verifier.verify(sign_payload(signing_key, b"[1, 2]"))
