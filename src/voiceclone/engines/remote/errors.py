"""What a remote engine call can fail with. Messages are the provider's own words, never its key."""

from __future__ import annotations

from voiceclone.domain.errors import UserFacingError


class ProviderError(UserFacingError):
    """The provider refused or failed a request: its HTTP status (None: no answer) and message."""

    def __init__(self, provider: str, status: int | None, message: str, *, attempts: int = 1):
        self.provider = provider
        self.status = status
        self.message = message
        self.attempts = attempts
        super().__init__(str(self))

    def __str__(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "no answer"
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.provider} failed ({status}{tries}): {self.message}"

    @property
    def retryable(self) -> bool:
        """A passing fault (rate limit, server error, timeout): worth trying again later."""
        return self.status is None or self.status == 429 or self.status >= 500

    @property
    def auth_refused(self) -> bool:
        return self.status in (401, 403)


class ProviderTimeout(ProviderError):
    """The provider did not answer within the timeout."""

    def __init__(self, provider: str, message: str, *, attempts: int = 1):
        super().__init__(provider, None, message, attempts=attempts)


class ProviderNotConfigured(ProviderError):
    """No key for the provider: the engine is not available here."""

    def __init__(self, provider: str, message: str):
        super().__init__(provider, None, message)

    @property
    def retryable(self) -> bool:
        return False


class ProviderAudioInvalid(ProviderError):
    """The provider answered 200 with audio that cannot be decoded."""

    def __init__(self, provider: str, message: str):
        super().__init__(provider, 200, message)

    def __str__(self) -> str:
        return f"{self.provider} {self.message}"

    @property
    def retryable(self) -> bool:
        return False
