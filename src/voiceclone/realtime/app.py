"""`create_realtime_app`: the real-time speech service as a Starlette app (docs/realtime.md).

Routes: `WS /v1/text-to-speech/stream`, `POST /v1/audio/speech`, `GET /v1/models`, `GET /v1/health`.
Paths are absolute: mount the app at the root (`Mount("/", app)`), or send it every `/v1/` request.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from voiceclone.config import Settings
from voiceclone.realtime.backend import SynthesisBackend
from voiceclone.realtime.context import HeaderAuthenticator, RealtimeContext, RealtimeLimits
from voiceclone.realtime.openai_speech import models_endpoint, speech_endpoint
from voiceclone.realtime.websocket import stream_endpoint
from voiceclone.store import Store

STREAM_PATH = "/v1/text-to-speech/stream"
SPEECH_PATH = "/v1/audio/speech"
MODELS_PATH = "/v1/models"
HEALTH_PATH = "/v1/health"


def create_realtime_app(
    settings: Settings,
    store: Store,
    backend: SynthesisBackend,
    authenticator: HeaderAuthenticator,
    limits: RealtimeLimits | None = None,
) -> Starlette:
    context = RealtimeContext(settings, store, backend, authenticator, limits or RealtimeLimits())

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "serves": backend.served(), "max_streams": backend.max_streams})

    app = Starlette(routes=[
        WebSocketRoute(STREAM_PATH, stream_endpoint(context)),
        Route(SPEECH_PATH, speech_endpoint(context), methods=["POST"]),
        Route(MODELS_PATH, models_endpoint(context), methods=["GET"]),
        Route(HEALTH_PATH, health, methods=["GET"]),
    ])
    app.state.realtime = context
    return app
