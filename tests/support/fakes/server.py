"""A local HTTP server standing in for a speech provider: each request is checked against the provider's
vendored API definition (specs/), recorded, and answered with real speech, or with a scripted fault
(an error status, a Retry-After, a hang past the client's timeout, malformed audio)."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPECS = Path(__file__).parent / "specs"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, value: Any, **headers: str) -> Answer:
        return cls(status, json.dumps(value).encode(), {"Content-Type": "application/json", **headers})


@dataclass
class Fault:
    kind: str  # "status" | "hang" | "malformed"
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0


class SpecViolation(Exception):
    """The request does not follow the provider's API definition."""


class OpenApiSpec:
    """A vendored OpenAPI excerpt: JSON Schema validation of bodies against its component schemas."""

    def __init__(self, filename: str):
        self.document = json.loads((SPECS / filename).read_text())
        self._registry = Registry().with_resource("spec", DRAFT202012.create_resource(self.document))

    def schema(self, name: str) -> dict[str, Any]:
        return self.document["components"]["schemas"][name]

    def check(self, value: Any, schema_name: str) -> None:
        validator = jsonschema.Draft202012Validator({"$ref": f"spec#/components/schemas/{schema_name}"}, registry=self._registry)
        errors = sorted(validator.iter_errors(value), key=lambda error: list(error.absolute_path))
        if errors:
            where = lambda error: ".".join(map(str, error.absolute_path)) or "(body)"
            raise SpecViolation("; ".join(f"{where(error)}: {error.message}" for error in errors))

    def enum(self, schema_name: str) -> list[Any]:
        return list(self.schema(schema_name)["enum"])


class FakeProvider:
    """Subclasses implement `route(request) -> Answer`, `error(status, message) -> Answer` and
    `malformed(request) -> Answer`; `check_auth(request)` returns False to answer 401."""

    name = "provider"

    def __init__(self, api_key: str):
        self.api_key = api_key
        self.requests: list[Request] = []
        self.violations: list[str] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a hung request must not hold up stop()
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"fake-{self.name}", daemon=True)

    # lifecycle
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # scripted faults, taken one per request in order
    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        self._faults.extend(Fault("status", status, retry_after) for _ in range(times))

    def hang_next(self, seconds: float, times: int = 1) -> None:
        self._faults.extend(Fault("hang", seconds=seconds) for _ in range(times))

    def malformed_next(self, times: int = 1) -> None:
        self._faults.extend(Fault("malformed") for _ in range(times))

    # to implement
    def route(self, request: Request) -> Answer:
        raise NotImplementedError

    def error(self, status: int, message: str) -> Answer:
        raise NotImplementedError

    def malformed(self, request: Request) -> Answer:
        raise NotImplementedError

    def check_auth(self, request: Request) -> bool:
        raise NotImplementedError

    # serving
    def answer(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            fault = self._faults.popleft() if self._faults else None
        if fault and fault.kind == "hang":
            time.sleep(fault.seconds)
        if not self.check_auth(request):
            return self.error(401, "invalid api key")
        if fault and fault.kind == "status":
            answer = self.error(fault.status, f"scripted {fault.status}")
            if fault.retry_after is not None:
                answer.headers["Retry-After"] = fault.retry_after
            return answer
        try:
            answer = self.route(request)
        except SpecViolation as violation:
            self.violations.append(f"{request.method} {request.path}: {violation}")
            return self.error(self.violation_status, str(violation))
        if fault and fault.kind == "malformed" and answer.status == 200:
            return self.malformed(request)
        return answer

    violation_status = 400

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(self.command, urllib.parse.unquote(parsed.path),
                                  urllib.parse.parse_qs(parsed.query, keep_blank_values=True),
                                  {name.lower(): value for name, value in self.headers.items()}, body)
                answer = fake.answer(request)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
