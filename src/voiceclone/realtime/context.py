"""What every real-time endpoint needs: settings, store, synthesis backend, authenticator and limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from voiceclone.config import Settings
from voiceclone.principal import SCOPE_TTS, InsufficientScope, Principal
from voiceclone.realtime.backend import SynthesisBackend
from voiceclone.store import Store


class HeaderAuthenticator(Protocol):
    """`voiceclone.authenticator.Authenticator`: headers -> Principal, or an AuthError (401)."""

    def authenticate(self, headers: Mapping[str, str]) -> Principal: ...


@dataclass(frozen=True)
class RealtimeLimits:
    start_timeout_s: float = 10.0  # from the WebSocket's opening to its start frame
    reauth_interval_s: float = 2.0  # credentials re-checked while connected (a revoked key: closed 4401)
    idle_timeout_s: float = 120.0  # no text and nothing to say for this long: closed 4408
    queue_pieces: int = 4  # encoded pieces waiting for a slow client before synthesis waits
    segment_characters: int = 400  # longest segment spoken without a sentence end
    retry_after_s: int = 5  # told to a client when every synthesis slot is busy


@dataclass(frozen=True)
class RealtimeContext:
    settings: Settings
    store: Store
    backend: SynthesisBackend
    authenticator: HeaderAuthenticator
    limits: RealtimeLimits = field(default_factory=RealtimeLimits)

    def speaker_principal(self, headers: Mapping[str, str]) -> Principal:
        """The caller, who must be allowed to speak (a key without the `tts` scope: 403)."""
        principal = self.authenticator.authenticate(headers)
        if not principal.allows(SCOPE_TTS):
            raise InsufficientScope("this API key lacks the 'tts' scope needed for real-time speech")
        return principal
