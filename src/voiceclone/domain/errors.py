"""Domain exceptions, each named for what went wrong and carrying the HTTP status it maps to."""

from __future__ import annotations


class UserFacingError(Exception):
    """Marks an error whose message is written for the user: a failed job shows it as it is.

    A workflow step that raises a subclass fails with the class name as its error; a worker reports
    one with SendTaskFailure under the class's `error_name`. `voiceclone.workflows.errors` derives the
    names it trusts from the subclasses; any other error's text stays in the log.
    """

    error_name: str = ""  # the name a worker reports it under, when that is not the class name


class DomainError(UserFacingError):
    """Base of every error a client can cause; `status_code` and `code` shape the JSON answer."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404
    code = "not_found"

    def __init__(self, kind: str, object_id: str):
        super().__init__(f"{kind} '{object_id}' not found")
        self.kind = kind
        self.object_id = object_id


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class LimitExceeded(DomainError):
    """A plan limit (voices, text length) forbids the request: 403 naming the limit."""

    status_code = 403
    code = "limit_exceeded"

    def __init__(self, limit: str, allowed: int, message: str):
        super().__init__(f"{message} (limit '{limit}' = {allowed})")
        self.limit = limit
        self.allowed = allowed


class QuotaExceeded(LimitExceeded):
    """A rate-like limit (monthly characters, concurrent jobs) is used up for now: 429."""

    status_code = 429
    code = "quota_exceeded"


class InvalidInput(DomainError):
    status_code = 422
    code = "validation_error"


class SamplesNotUsable(InvalidInput):
    """Some samples are not the caller's ready, suitable samples."""

    code = "samples_not_usable"

    def __init__(self, problems: dict[str, str]):
        details = "; ".join(f"{sample_id}: {why}" for sample_id, why in problems.items())
        super().__init__(f"samples not usable for training: {details}")
        self.problems = problems


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class EngineUnavailable(Conflict):
    """The voice's engine is not available now (no key, weights not in place, no worker serving it)."""

    code = "engine_unavailable"


class InvalidTransition(Conflict):
    """A status change the job's life cycle does not allow (e.g. completed -> processing)."""

    code = "invalid_transition"

    def __init__(self, kind: str, object_id: str, current: str, target: str):
        super().__init__(f"{kind} '{object_id}' is {current}; it cannot become {target}")
        self.current = current
        self.target = target


class Gone(DomainError):
    status_code = 410
    code = "gone"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class IdempotencyKeyReused(InvalidInput):
    """The Idempotency-Key was already used with a different request body."""

    code = "idempotency_key_reused"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"
