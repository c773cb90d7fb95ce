"""How a refusal reaches a real-time client: a WebSocket close code mirroring its HTTP status, or OpenAI's shape.

WebSocket close codes are 4000 + the HTTP status the same refusal gets from the REST API (4404 for a
voice you cannot use, 4429 for a quota), so a client maps them like HTTP errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceclone.auth import AuthError
from voiceclone.domain.errors import DomainError
from voiceclone.engines.base import BadInput

CLOSE_NORMAL = 1000
CLOSE_INTERNAL = 1011
CLOSE_CODE_BASE = 4000


class ServiceBusy(DomainError):
    """Every real-time synthesis slot of this worker is taken: try again shortly (503, Retry-After)."""

    status_code = 503
    code = "service_busy"


class SessionTimeout(DomainError):
    """The client sent no start frame in time, or the session ran past its longest duration."""

    status_code = 408
    code = "timeout"


class SessionEnded(DomainError):
    """The session's record was ended from outside (cancelled through the API, failed by the sweeper)."""

    status_code = 409
    code = "session_ended"


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str
    param: str | None = None

    @property
    def close_code(self) -> int:
        return CLOSE_CODE_BASE + self.status if 400 <= self.status < 1000 else CLOSE_INTERNAL


def refusal_of(error: Exception) -> Refusal | None:
    """The client-facing refusal for a known error; None for a bug (answered as an internal error)."""
    if isinstance(error, AuthError):
        return Refusal(401, error.code, error.message)
    if isinstance(error, BadInput):  # the engine refuses the text (language, nothing to say)
        return Refusal(422, "validation_error", str(error))
    if isinstance(error, DomainError):
        return Refusal(error.status_code, error.code, error.message, getattr(error, "param", None))
    return None
