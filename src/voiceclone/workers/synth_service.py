"""The gpu-synth container's entry point: the synth queue worker and the real-time app in one process.

The real-time app (voiceclone.realtime: WebSocket and streamed /v1/audio/speech) runs under uvicorn on
REALTIME_PORT in a thread beside the queue loop, on the worker's own engines and voice cache (one copy
of the model on the GPU). It verifies the API's JWTs (the issuer's JWKS, as the Lambda authorizer does)
and API keys. Behind the real-time ALB (infra/constructs/realtime_endpoint.py): its health check is
GET /v1/health. On SIGTERM the worker finishes its job, then uvicorn closes its streams gracefully.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from voiceclone.config import Settings, get_settings
from voiceclone.observability import Service, configure_worker_logging
from voiceclone.workers import resources, synth

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8080
# Longer than any ALB idle timeout (at most 4000 s): the ALB, not the target, closes idle connections
# (AWS's advice; a target closing first can meet a request in flight: a 502).
KEEP_ALIVE_S = 4005
GRACEFUL_S = 100  # within the container's 120 s stop timeout


def realtime_app(settings: Settings, handler: Any) -> Any:
    """The real-time Starlette app on `handler`'s (a SynthHandler's) engines and voice cache."""
    from voiceclone.authenticator import Authenticator
    from voiceclone.jwks import IssuerJwtVerifier
    from voiceclone.realtime import create_realtime_app
    from voiceclone.realtime.backend import SynthesisBackend
    from voiceclone.store import get_store

    if not settings.jwt_issuer or not settings.jwt_audience:
        raise SystemExit("VOICECLONE_JWT_ISSUER and VOICECLONE_JWT_AUDIENCE are needed to verify real-time clients")
    store = get_store(settings)
    authenticator = Authenticator(IssuerJwtVerifier(settings.jwt_issuer, [settings.jwt_audience]), store.api_keys)
    return create_realtime_app(settings, store, SynthesisBackend.of_handler(handler), authenticator)


def realtime_server(app: Any, port: int) -> Any:
    import uvicorn

    return uvicorn.Server(uvicorn.Config(
        app, host="0.0.0.0", port=port, ws="websockets-sansio", lifespan="on",  # only the ALB's SG reaches it
        timeout_keep_alive=KEEP_ALIVE_S, timeout_graceful_shutdown=GRACEFUL_S,
        # the ALB adds X-Forwarded-For; only it can reach this port (security groups)
        proxy_headers=True, forwarded_allow_ips="*",
        log_config=None, access_log=False, server_header=False,
    ))


def main() -> int:
    configure_worker_logging(Service.SYNTH_WORKER)
    settings = get_settings()
    worker = synth.build_worker(settings)
    single = getattr(worker.handler, "single", worker.handler)  # SynthQueueHandler wraps the SynthHandler
    server = realtime_server(realtime_app(settings, single), int(os.environ.get("REALTIME_PORT", DEFAULT_PORT)))
    serving = threading.Thread(target=server.run, name="realtime", daemon=True)  # no signal handlers off the main thread
    serving.start()
    registration = resources.register_engines(worker, settings)
    worker.install_signal_handlers()
    try:
        worker.run()
    finally:
        server.should_exit = True
        serving.join(GRACEFUL_S + 5)
        if registration is not None:
            registration.withdraw()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
