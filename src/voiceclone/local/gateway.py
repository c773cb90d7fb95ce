"""The local API gateway: authenticates as the AWS Lambda authorizer does, builds the API Gateway v2
event, calls the handler module.

Authentication is `voiceclone.authenticator.Authenticator` (JWT or API key), as the Lambda authorizer
(functions/api/authorizer.py) runs it in AWS; the handler gets the principal's context under
`requestContext.authorizer.lambda`, the event AWS builds. A refused request is answered 401 here, never
reaching the handler; in AWS the authorizer passes the refusal on and the handler answers the same 401
(docs/decisions/0011-api-keys-and-authorizer.md).

`Gateway.handle(request)` is the whole behaviour (tested and benchmarked without sockets);
`GatewayServer` serves it over HTTP/1.1 (voiceclone.local.http_server: timeouts, limits, a bounded
worker pool, JSON errors). Calls into one handler module are serialised, as one Lambda instance
serves one request at a time (Powertools resolvers keep the current event on the module's `app`).
HEAD is answered as GET (the HTTP layer sends no body), so every GET route answers HEAD.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

from voiceclone.auth import AuthError, JwtVerifier
from voiceclone.authenticator import Authenticator
from voiceclone.local.events import HttpRequest, HttpResponse, error_response, from_result, to_event
from voiceclone.local.http_server import HttpServer, ServerLimits
from voiceclone.local.lambdas import LambdaContext

logger = logging.getLogger(__name__)

JWKS_PATH = "/.well-known/jwks.json"
# Asked in order for a path no API route serves (the web console's files, the local token endpoint);
# each answers a response or None.
FallbackHandler = Callable[[HttpRequest], HttpResponse | None]
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
        authenticator: Authenticator | JwtVerifier,
        jwks: Mapping[str, Any],
        load_module: Callable[[str], ModuleType] = importlib.import_module,
        fallbacks: Sequence[FallbackHandler] = (),
    ) -> None:
        self._routes = routes
        self._fallbacks = tuple(fallbacks)
        # A bare verifier: JWTs only (no key store), for gateways in tests.
        self._authenticator = (
            authenticator if isinstance(authenticator, Authenticator) else Authenticator(authenticator)
        )
        self._jwks_body = json.dumps(jwks).encode()
        self._load_module = load_module
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.method == "HEAD":
            request = replace(request, method="GET")
        if request.path == JWKS_PATH and request.method == "GET":
            return HttpResponse(200, [("content-type", "application/json")], self._jwks_body)
        route = self._routes.match(request.path)
        if route is None:
            for fallback in self._fallbacks:
                if (answer := fallback(request)) is not None:
                    return answer
            # the same code the handlers use for a path they do not serve
            return error_response(404, "route_not_found", f"No route for {request.method} {request.path}.")
        authorizer = None
        if not self._routes.is_public(request.path):
            try:
                authorizer = self._authenticator.authenticate(_first_values(request.headers)).to_context()
            except AuthError as error:
                challenge = f'Bearer error="invalid_token", error_description="{error.message}"'
                return error_response(401, error.code, error.message, [("www-authenticate", challenge)])
        if len(request.body) > MAX_BODY_BYTES:
            return error_response(413, "payload_too_large", f"Request bodies are limited to {MAX_BODY_BYTES} bytes.")
        return self._invoke(route, request, authorizer)

    def _invoke(self, route: Route, request: HttpRequest, authorizer: Mapping[str, str] | None) -> HttpResponse:
        proxy = request.path[len(route.prefix) :].strip("/")
        route_key = f"ANY {route.prefix}/{{proxy+}}" if proxy else f"ANY {route.prefix}"
        event = to_event(
            request, route_key=route_key, path_parameters={"proxy": proxy} if proxy else None, authorizer=authorizer
        )
        function_name = route.module.rsplit(".", 1)[-1]
        try:
            handler = self._load_module(route.module).lambda_handler
            with self._lock_for(route.module):
                result = handler(event, LambdaContext(function_name=f"api-{function_name}", timeout_s=29))
        except Exception:  # a handler crash is the server's fault: 500, as API Gateway answers
            logger.exception("handler %s failed on %s %s", route.module, request.method, request.path)
            return error_response(500, "internal_error", "The request handler failed; see the server log.")
        try:
            return from_result(result)
        except (TypeError, ValueError, AttributeError):  # API Gateway: a malformed Lambda response is a 502
            logger.exception("handler %s returned a malformed result: %r", route.module, result)
            return error_response(502, "invalid_handler_response", "The request handler returned a malformed result.")

    def _lock_for(self, module: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(module, threading.Lock())


def _first_values(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased names, the first value of a repeated header (a credential is never a list)."""
    first: dict[str, str] = {}
    for name, value in headers:
        first.setdefault(name.lower(), value)
    return first


class GatewayServer(HttpServer):
    """The gateway over HTTP on `host:port` (0 = a free port); limits and timeouts in `ServerLimits`."""

    def __init__(self, gateway: Gateway, host: str = "127.0.0.1", port: int = 8000,
                 limits: ServerLimits | None = None) -> None:
        self.gateway = gateway
        super().__init__(gateway.handle, host, port, limits)
