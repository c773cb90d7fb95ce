"""The local gateway as an ASGI app: `Gateway.handle` for every path, other ASGI apps mounted beside it.

`HandlerApp` turns an ASGI HTTP request into an `HttpRequest`, runs the synchronous `handle` on a
bounded thread pool (the Lambda handlers block: MongoDB, boto3) and sends its `HttpResponse` back,
with the gateway's own JSON errors for a handler that fails (500), hangs (504) or answers what HTTP
cannot carry (502). `gateway_asgi_app` sends the requests under a mounted prefix (the real-time app at
`/v1`: WebSocket, streamed HTTP) to that app and runs the mounted apps' lifespans.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import h11
from starlette.routing import Router

from voiceclone.local.events import HttpRequest, HttpResponse, error_response

logger = logging.getLogger(__name__)

Handle = Callable[[HttpRequest], HttpResponse]
ASGIApp = Any  # an ASGI 3 application: async (scope, receive, send) -> None
FRAMING_HEADERS = ("content-length", "connection", "transfer-encoding")


class HandlerApp:
    """`handle` as an ASGI app; `close()` stops its thread pool."""

    def __init__(self, handle: Handle, workers: int, handler_timeout_s: float) -> None:
        self.handle, self.handler_timeout_s = handle, handler_timeout_s
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="gateway-worker")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":  # only mounted apps speak WebSocket
            await _refuse_websocket(scope, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away (or the request timed out: the HTTP layer answered)
        response = await self._respond(_request_of(scope, body))
        await _send(response, send)

    def close(self) -> None:
        # Running handlers finish on their own (a thread cannot be stopped); queued ones are dropped.
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _respond(self, request: HttpRequest) -> HttpResponse:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._pool, self.handle, request),
                                          self.handler_timeout_s)
        except TimeoutError:
            return error_response(504, "gateway_timeout",
                                  f"The handler did not answer within {self.handler_timeout_s:g} s.")
        except Exception:
            logger.exception("gateway failed on %s %s", request.method, request.path)
            return error_response(500, "internal_error", "The gateway failed; see the server log.")


async def _refuse_websocket(scope: dict[str, Any], send: Any) -> None:
    """The handshake answered with the gateway's JSON 404 (ASGI's denial response), not a bare 403."""
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1008, "reason": "No WebSocket route here."})
        return
    path = scope["raw_path"].decode("latin-1")
    response = error_response(404, "route_not_found", f"No WebSocket route for {path}.")
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "websocket.http.response.start", "status": response.status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": response.body})


async def _read_body(receive: Any) -> bytes | None:
    """The whole body (its size was checked against Content-Length before); None if the client left."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return bytes(body)


def _request_of(scope: dict[str, Any], body: bytes) -> HttpRequest:
    # raw_path: API Gateway's rawPath is the path as sent, percent-escapes kept
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
    client = scope.get("client")
    return HttpRequest(scope["method"], scope["raw_path"].decode("latin-1"), scope["query_string"].decode("latin-1"),
                       headers, body, client[0] if client else "127.0.0.1")


async def _send(response: HttpResponse, send: Any) -> None:
    headers = [(name, value) for name, value in response.headers if name.lower() not in FRAMING_HEADERS]
    headers.append(("content-length", str(len(response.body))))
    try:
        h11.Response(status_code=response.status, headers=headers)  # validates: no CR/LF, a final status
        encoded = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    except (h11.LocalProtocolError, UnicodeEncodeError) as error:
        logger.error("invalid response from the handler: %s", error)
        await _send(error_response(502, "invalid_handler_response",
                                   "The handler returned a response HTTP cannot carry."), send)
        return
    await send({"type": "http.response.start", "status": response.status, "headers": encoded})
    await send({"type": "http.response.body", "body": response.body})


def gateway_asgi_app(handler_app: ASGIApp, mounts: Mapping[str, ASGIApp] | None = None) -> ASGIApp:
    """`handler_app` for every path but the `mounts` prefixes (e.g. {"/v1": the real-time app})."""
    apps = dict(mounts or {})
    return Router([], redirect_slashes=False, default=PrefixDispatch(apps, handler_app),
                  lifespan=_lifespans_of(apps.values()))


class PrefixDispatch:
    """Requests for `prefix` or below it go to its app with the scope unchanged (the real-time app's
    routes are absolute: `/v1/audio/speech`), the rest to `default`."""

    def __init__(self, apps: Mapping[str, ASGIApp], default: ASGIApp) -> None:
        self._apps = sorted(((prefix.rstrip("/"), app) for prefix, app in apps.items()), key=lambda item: -len(item[0]))
        self._default = default

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        path: str = scope.get("path", "")
        for prefix, app in self._apps:
            if path == prefix or path.startswith(prefix + "/"):
                await app(scope, receive, send)
                return
        await self._default(scope, receive, send)


def _lifespans_of(apps: Any) -> Callable[[Any], Any]:
    """Starlette does not run a mounted app's lifespan: this runs each one's (a Starlette app's router's)."""
    mounted = list(apps)

    @asynccontextmanager
    async def lifespan(_router: Any) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for app in mounted:
                context = getattr(getattr(app, "router", None), "lifespan_context", None)
                if context is not None:
                    await stack.enter_async_context(context(app))
            yield

    return lifespan
