"""A remote engine's failures as the workflows' errors, for the remote steps (remote-synthesize, remote-clone).

No key or not a remote engine -> EngineNotAvailable; a refused key (401/403) -> EngineNotAvailable with the
provider's status and message; any other 4xx -> JobNotRunnable; 429/5xx, timeouts (once the client's retries
are spent) and undecodable audio stay ProviderError, whose message names the provider and its status.
Never the key: ProviderError's messages are redacted by the clients.
"""

from __future__ import annotations

from voiceclone.engines.remote.errors import ProviderAudioInvalid, ProviderError, ProviderNotConfigured
from voiceclone.workflows.errors import EngineNotAvailable, JobNotRunnable


def engine_not_available(engine: str, error: Exception) -> EngineNotAvailable:
    """For a client that could not be made: the engine has no key, or is not a remote engine."""
    reason = "has no API key configured" if isinstance(error, ProviderNotConfigured) else "is not a remote engine"
    return EngineNotAvailable(f"engine not available: '{engine}' {reason}")


def workflow_error(error: ProviderError, refused: str = "refused the request") -> Exception:
    if error.auth_refused:
        return EngineNotAvailable(
            f"engine not available: {error.provider} refused the platform's API key (HTTP {error.status}: {error.message})"
        )
    if error.retryable or isinstance(error, ProviderAudioInvalid):
        return error
    return JobNotRunnable(f"{error.provider} {refused}: {error}")
