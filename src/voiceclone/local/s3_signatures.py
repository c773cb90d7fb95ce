"""AWS signatures as S3 computes them to check presigned requests, for the local run's fixed credentials.

- Signature Version 4: POST policies (HMAC of the base64 policy) and presigned URLs (HMAC of the
  canonical request: method, path as sent, sorted re-encoded query without X-Amz-Signature, signed
  headers, UNSIGNED-PAYLOAD).
- Signature Version 2: POST policies only (base64 HMAC-SHA1 of the policy).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

from voiceclone.local.aws import FAKE_CREDENTIALS
from voiceclone.local.s3_errors import S3Refusal

ALGORITHM_V4 = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
QUERY_SAFE = "-_.~"


@dataclass(frozen=True)
class LocalCredentials:
    secret_key: str
    session_token: str | None


# The only identity the local platform has (moto accepts any key; the local checks accept this one).
LOCAL_CREDENTIALS: Mapping[str, LocalCredentials] = {
    FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"]: LocalCredentials(
        FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"], FAKE_CREDENTIALS["AWS_SESSION_TOKEN"]
    )
}


@dataclass(frozen=True)
class CredentialScope:
    """`AKID/20250101/us-east-1/s3/aws4_request` split into its parts."""

    access_key: str
    date: str
    region: str
    service: str

    @classmethod
    def parse(cls, text: str, refusal: S3Refusal) -> CredentialScope:
        parts = text.split("/")
        if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts[:4]):
            raise refusal
        return cls(*parts[:4])

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def credentials_for(access_key: str, session_token: str | None) -> LocalCredentials:
    """The secret of a known access key; a wrong session token is refused as S3 does."""
    credentials = LOCAL_CREDENTIALS.get(access_key)
    if credentials is None:
        raise S3Refusal(
            403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.",
            AWSAccessKeyId=access_key,
        )
    if session_token is not None and session_token != credentials.session_token:
        raise S3Refusal(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
    return credentials


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def signing_key_v4(secret_key: str, scope: CredentialScope) -> bytes:
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), scope.date)
    for part in (scope.region, scope.service, "aws4_request"):
        key = _hmac(key, part)
    return key


def post_policy_signature_v4(secret_key: str, scope: CredentialScope, policy: str) -> str:
    return hmac.new(signing_key_v4(secret_key, scope), policy.encode("utf-8"), hashlib.sha256).hexdigest()


def post_policy_signature_v2(secret_key: str, policy: str) -> str:
    digest = hmac.new(secret_key.encode("utf-8"), policy.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def canonical_query(raw_query: str, leave_out: str = "X-Amz-Signature") -> str:
    """Every parameter but the signature, decoded, re-encoded as SigV4 wants and sorted."""
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        name, _, value = part.partition("=")
        name, value = unquote(name), unquote(value)
        if name != leave_out:
            pairs.append((quote(name, safe=QUERY_SAFE), quote(value, safe=QUERY_SAFE)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def presigned_url_signature_v4(
    secret_key: str,
    scope: CredentialScope,
    amz_date: str,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
) -> str:
    """The signature S3 expects for a presigned (query-authenticated) request; `headers` lowercased."""
    canonical_headers = "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed_headers)
    canonical_request = "\n".join(
        [method.upper(), raw_path, canonical_query(raw_query), canonical_headers, ";".join(signed_headers), UNSIGNED_PAYLOAD]
    )
    string_to_sign = "\n".join(
        [ALGORITHM_V4, amz_date, scope.scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()]
    )
    return hmac.new(signing_key_v4(secret_key, scope), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def same_signature(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
