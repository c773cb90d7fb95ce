"""The real-time app (`voiceclone.realtime`) for the local run, mounted by the gateway at `/v1`.

Built as the gpu-synth container builds it (voiceclone.workers.synth_service): the synth worker's
engines and voice cache, the same JWTs and API keys as the API. It shares the local CPU synth worker's
handler when the stack has one (`stack.synth_handler`), else builds its own (engines load lazily, so
only what real-time speech uses is loaded twice). Without the package, or if it fails to build, the
gateway serves no `/v1` (logged) and the API serves on.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from voiceclone.local.asgi_app import ASGIApp

logger = logging.getLogger(__name__)

REALTIME_PREFIX = "/v1"


def realtime_app(stack: Any) -> ASGIApp | None:
    """The app to mount at REALTIME_PREFIX, or None when the real-time package is not installed."""
    if importlib.util.find_spec("voiceclone.realtime") is None:
        logger.info("voiceclone.realtime not present: no %s routes", REALTIME_PREFIX)
        return None
    from voiceclone.authenticator import Authenticator
    from voiceclone.realtime import create_realtime_app
    from voiceclone.realtime.backend import SynthesisBackend
    from voiceclone.store import get_store

    settings = stack.settings
    try:
        store = get_store(settings)
        handler = getattr(stack, "synth_handler", None) or own_synth_handler(settings, stack.client("s3"), store)
        authenticator = Authenticator(stack.signing_key.verifier(), store.api_keys)
        return create_realtime_app(settings, store, SynthesisBackend.of_handler(handler), authenticator)
    except Exception:  # the API serves on without /v1; the log says why
        logger.exception("the real-time app could not be built: no %s routes", REALTIME_PREFIX)
        return None


def own_synth_handler(settings: Any, s3: Any, store: Any) -> Any:
    """A synth handler (engine registry, voice cache and loader) like the synth worker's."""
    from voiceclone.workers import resources
    from voiceclone.workers.synth import SynthHandler, voice_failer
    from voiceclone.workers.voice_cache import VoiceCache

    registry = resources.engine_registry(settings, resources.xtts_model_dir(settings, s3))
    cache = VoiceCache(settings.worker_voice_cache_mb * 1024 * 1024)
    return SynthHandler(settings, registry, s3, cache, voice_files_missing=voice_failer(store))
