"""A JWT verifier on a remote issuer's keys, as the API Gateway JWT authorizer finds them.

`IssuerJwtVerifier(issuer, audiences)` reads `{issuer}/.well-known/openid-configuration` (OIDC
discovery), then its `jwks_uri`, on first use; a token naming a key id the JWKS lacks makes it read
them again (the issuer rotated its keys), at most once per `REFRESH_INTERVAL_S`, so forged key ids
cannot make it hammer the issuer. Verification itself is `voiceclone.auth.JwtVerifier`'s.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

from voiceclone.auth import JwtVerifier, UnknownSigningKey

DISCOVERY_PATH = "/.well-known/openid-configuration"
FETCH_TIMEOUT_S = 3.0
REFRESH_INTERVAL_S = 300.0

FetchJson = Callable[[str], dict[str, Any]]


def fetch_json(url: str) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as response:
        document = json.load(response)
    if not isinstance(document, dict):
        raise TypeError(f"{url} did not answer a JSON object")
    return document


class IssuerJwtVerifier:
    """`verify(token)` with the issuer's current JWKS; thread-safe."""

    def __init__(self, issuer: str, audiences: Iterable[str], *, fetch: FetchJson = fetch_json,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._issuer = issuer
        self._audiences = tuple(audiences)
        self._fetch = fetch
        self._clock = clock
        self._verifier: JwtVerifier | None = None
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def verify(self, token: str) -> dict[str, Any]:
        verifier = self._verifier or self._load()
        try:
            return verifier.verify(token)
        except UnknownSigningKey:
            if self._clock() - self._loaded_at < REFRESH_INTERVAL_S:
                raise
            return self._load().verify(token)

    def _load(self) -> JwtVerifier:
        with self._lock:
            discovery = self._fetch(self._issuer.rstrip("/") + DISCOVERY_PATH)
            jwks = self._fetch(str(discovery["jwks_uri"]))
            self._verifier = JwtVerifier(jwks, self._issuer, self._audiences)
            self._loaded_at = self._clock()
            return self._verifier
