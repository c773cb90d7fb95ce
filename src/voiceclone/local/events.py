"""HTTP requests as API Gateway HTTP API (payload format 2.0) events, and handler results as responses.

Shapes follow what API Gateway sends a Lambda proxy integration behind a JWT authorizer: lower-cased
headers (repeated ones joined with commas), cookies apart, query parameters joined with commas, binary
bodies base64-encoded, and the verified JWT claims under requestContext.authorizer.jwt.claims with
every value as a string (arrays written as "[a b]"), as API Gateway flattens them.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

TEXT_CONTENT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def flatten_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway passes them to the integration: strings only, lists as "[a b]"."""

    def flat(value: Any) -> str:
        if isinstance(value, list):
            return "[" + " ".join(flat(item) for item in value) + "]"
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"))
        return str(value)

    return {name: flat(value) for name, value in claims.items()}


def _joined_headers(headers: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined, cookies


def _query_parameters(raw_query: str) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters or None


def _is_text(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower().startswith(TEXT_CONTENT_TYPES) or "+json" in content_type


def to_event(
    request: HttpRequest,
    *,
    route_key: str = "$default",
    path_parameters: Mapping[str, str] | None = None,
    claims: Mapping[str, Any] | None = None,
    stage: str = "$default",
    authorizer: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The API Gateway v2 event for `request`: `authorizer` is a Lambda authorizer's context
    (voiceclone.authenticator.authorizer_context), `claims` a JWT authorizer's verified claims
    (neither: no authorizer)."""
    headers, cookies = _joined_headers(request.headers)
    body: str | None = None
    is_base64 = False
    if request.body:
        if _is_text(headers.get("content-type", "")):
            try:
                body = request.body.decode("utf-8")
            except UnicodeDecodeError:
                is_base64 = True
        else:
            is_base64 = True
        if is_base64:
            body = base64.b64encode(request.body).decode("ascii")
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": headers.get("host", "127.0.0.1").split(".")[0],
            "http": {
                "method": request.method.upper(),
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route_key,
            "stage": stage,
            "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if (query := _query_parameters(request.query)) is not None:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = body
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": flatten_claims(claims), "scopes": None}}
    if authorizer is not None:
        event["requestContext"]["authorizer"] = {"lambda": dict(authorizer)}
    return event


def from_result(result: Any) -> HttpResponse:
    """A Lambda result as API Gateway (payload 2.0) turns it into an HTTP response."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # Format 2.0 treats any other return value as a 200 JSON body.
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("content-type", "application/json")], text.encode())
    headers = [(name, str(value)) for name, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(value)) for value in values)
    headers.extend(("set-cookie", cookie) for cookie in result.get("cookies") or [])
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
    return HttpResponse(int(result["statusCode"]), headers, body)


def error_response(status: int, code: str, message: str, extra_headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
    """An `{"error": {"code", "message"}}` JSON response."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return HttpResponse(status, [("content-type", "application/json"), *extra_headers], body)
