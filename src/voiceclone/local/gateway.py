"""The local API gateway: verifies the JWT, builds the API Gateway v2 event, calls the handler module.

`Gateway.handle(request)` is the whole behaviour (tested and benchmarked without sockets);
`GatewayServer` serves it over HTTP/1.1 with a thread per connection. Calls into one handler module
are serialised, as one Lambda instance serves one request at a time (Powertools resolvers keep the
current event on the module's `app`).
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

from voiceclone.auth import AuthError, JwtVerifier, bearer_token
from voiceclone.local.events import HttpRequest, HttpResponse, error_response, from_result, to_event
from voiceclone.local.lambdas import LambdaContext

logger = logging.getLogger(__name__)

JWKS_PATH = "/.well-known/jwks.json"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


@dataclass(frozen=True)
class Route:
    """Requests under `prefix` go to `module`'s `lambda_handler`."""

    prefix: str
    module: str

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix.rstrip("/") + "/")


class RouteTable:
    """Path prefix → handler module, longest prefix first, plus the paths that need no token."""

    def __init__(self, routes: Iterable[Route], public_paths: Iterable[str] = ()) -> None:
        self.routes = sorted(routes, key=lambda route: len(route.prefix), reverse=True)
        self.public_paths = frozenset(public_paths)

    @classmethod
    def from_mapping(cls, modules: Mapping[str, Iterable[str]], public_paths: Iterable[str] = ()) -> RouteTable:
        """From {module: [prefixes]}, the shape of `functions.api.routes`."""
        routes = [Route(prefix, module) for module, prefixes in modules.items() for prefix in prefixes]
        return cls(routes, public_paths)

    def match(self, path: str) -> Route | None:
        return next((route for route in self.routes if route.matches(path)), None)

    def is_public(self, path: str) -> bool:
        return path.rstrip("/") in self.public_paths

    @classmethod
    def from_api_routes(cls) -> RouteTable:
        """The table of `functions.api.routes` (the same one CDK deploys)."""
        from functions.api import routes

        return cls.from_mapping(routes.ROUTES, routes.UNAUTHENTICATED_PATHS)


class Gateway:
    """What API Gateway does for one request: authorize, build the event, invoke, map the result."""

    def __init__(
        self,
        routes: RouteTable,
        verifier: JwtVerifier,
        jwks: Mapping[str, Any],
        load_module: Callable[[str], ModuleType] = importlib.import_module,
    ) -> None:
        self._routes = routes
        self._verifier = verifier
        self._jwks_body = json.dumps(jwks).encode()
        self._load_module = load_module
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.path == JWKS_PATH and request.method in ("GET", "HEAD"):
            return HttpResponse(200, [("content-type", "application/json")], self._jwks_body)
        route = self._routes.match(request.path)
        if route is None:
            return error_response(404, "not_found", f"No route for {request.method} {request.path}.")
        claims = None
        if not self._routes.is_public(request.path):
            try:
                claims = self._verifier.verify(bearer_token(_header(request.headers, "authorization")))
            except AuthError as error:
                challenge = f'Bearer error="invalid_token", error_description="{error.message}"'
                return error_response(401, error.code, error.message, [("www-authenticate", challenge)])
        if len(request.body) > MAX_BODY_BYTES:
            return error_response(413, "payload_too_large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes.")
        return self._invoke(route, request, claims)

    def _invoke(self, route: Route, request: HttpRequest, claims: Mapping[str, Any] | None) -> HttpResponse:
        proxy = request.path[len(route.prefix) :].strip("/")
        route_key = f"ANY {route.prefix}/{{proxy+}}" if proxy else f"ANY {route.prefix}"
        event = to_event(
            request, route_key=route_key, path_parameters={"proxy": proxy} if proxy else None, claims=claims
        )
        function_name = route.module.rsplit(".", 1)[-1]
        try:
            handler = self._load_module(route.module).lambda_handler
            with self._lock_for(route.module):
                result = handler(event, LambdaContext(function_name=f"api-{function_name}", timeout_s=29))
        except Exception:  # a handler crash is the server's fault: 500, as API Gateway answers
            logger.exception("handler %s failed on %s %s", route.module, request.method, request.path)
            return error_response(500, "internal_error", "The request handler failed; see the server log.")
        return from_result(result)

    def _lock_for(self, module: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(module, threading.Lock())


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    server: GatewayServer

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            self._send(error_response(411, "length_required", "Send a Content-Length; chunked bodies are not accepted."))
            return
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = -1
        if length < 0:  # unparseable or negative: a read would crash or wait for EOF
            self.close_connection = True
            self._send(error_response(400, "bad_content_length", "Content-Length must be a non-negative integer."))
            return
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._send(error_response(413, "payload_too_large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes."))
            return
        body = self.rfile.read(length) if length else b""
        request = HttpRequest(
            method=self.command,
            path=path,
            query=query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
        )
        self._send(self.server.gateway.handle(request))

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class GatewayServer(ThreadingHTTPServer):
    """The gateway over HTTP on `host:port` (0 = a free port)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, gateway: Gateway, host: str = "127.0.0.1", port: int = 8000) -> None:
        self.gateway = gateway
        super().__init__((host, port), _RequestHandler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(5)
