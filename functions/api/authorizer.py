"""The HTTP API's Lambda authorizer (payload 2.0, simple responses): JWTs and personal API keys.

Every request is let through (`isAuthorized: true`) with `context` = the caller's principal
(`voiceclone.principal.Principal.to_context`) or, when the credentials are refused, the refusal's code
and message; the handler's resolver (functions.api.common.ApiResolver) answers that with 401 and the
platform's error body, which an authorizer's own deny (403 `{"message": "Forbidden"}`) cannot carry.
Why, and what it costs: docs/decisions/0011-api-keys-and-authorizer.md.

Kept light for latency: no Powertools event handler, PyJWT + pymongo only. The verifier (issuer's JWKS)
and the key cache live as long as the execution environment.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from voiceclone.authenticator import Authenticator, authorizer_context
from voiceclone.config import get_settings
from voiceclone.jwks import IssuerJwtVerifier
from voiceclone.store import get_store

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def authenticator() -> Authenticator:
    settings = get_settings()
    verifier = IssuerJwtVerifier(settings.jwt_issuer, [settings.jwt_audience])
    return Authenticator(verifier, get_store(settings).api_keys)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    headers = {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}
    answer = authorizer_context(authenticator(), headers)
    if "auth_error" in answer:
        logger.info("credentials refused: %s", answer["auth_error"])
    return {"isAuthorized": True, "context": answer}
