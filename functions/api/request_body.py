"""The request body checked before any parsing: size, media type, encoding, JSON syntax and depth.

Every route takes JSON; whatever a client sends instead is a 4xx naming the problem, never an
exception deeper down (a RecursionError on deep nesting, a UnicodeDecodeError, Powertools'
"9: JSON decode error").
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_BODY_BYTES = 1 << 20  # the API's bodies are a few KiB; API Gateway itself allows 10 MiB
MAX_JSON_DEPTH = 32
JSON_MEDIA_TYPES = ("application/json",)
_STRUCTURAL = re.compile(r'\\.|["\[\]{}]', re.DOTALL)


@dataclass(frozen=True)
class BodyProblem(Exception):
    status_code: int
    code: str
    message: str


def checked_event(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """`event` with its body decoded to checked JSON text; raises BodyProblem for a bad body."""
    raw = event.get("body")
    if not raw:
        return event
    media_type = _media_type(event.get("headers") or {})
    if media_type and not _is_json(media_type):
        raise BodyProblem(
            415, "unsupported_media_type", f"Content-Type {media_type} is not accepted: send application/json"
        )
    data = _raw_bytes(raw, bool(event.get("isBase64Encoded")))
    if len(data) > MAX_BODY_BYTES:
        raise BodyProblem(
            413, "payload_too_large", f"request body has {len(data)} bytes; the limit is {MAX_BODY_BYTES}"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyProblem(
            400, "invalid_body", f"request body is not valid UTF-8: {error.reason} at byte {error.start}"
        ) from None
    _check_json(text)
    # Powertools parses only application/json: a checked body is that, whatever JSON type was sent.
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    headers["content-type"] = "application/json"
    return {**event, "headers": headers, "body": text, "isBase64Encoded": False}


def _media_type(headers: dict[str, str]) -> str:
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "") or ""
    return value.split(";", 1)[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type in JSON_MEDIA_TYPES or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _raw_bytes(body: str, is_base64: bool) -> bytes:
    if not is_base64:
        return body.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise BodyProblem(
            400, "invalid_body", "request body is marked base64 but is not valid base64"
        ) from None


def _check_json(text: str) -> None:
    depth = _nesting_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise BodyProblem(
            400, "invalid_json", f"request body is nested {depth} levels deep; the limit is {MAX_JSON_DEPTH}"
        )
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise BodyProblem(400, "invalid_json", f"request body is not valid JSON: {error}") from None
    except ValueError as error:  # NaN/Infinity, or an integer with thousands of digits
        raise BodyProblem(400, "invalid_json", f"request body is not valid JSON: {error}") from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _nesting_depth(text: str) -> int:
    """The deepest [ / { nesting outside strings, in one pass over the structural characters
    (json.loads would recurse, and a RecursionError is no answer for a client)."""
    depth = deepest = 0
    in_string = False
    for match in _STRUCTURAL.finditer(text):
        token = match.group()
        if in_string:
            in_string = token != '"'  # escapes are consumed whole by the pattern
        elif token == '"':
            in_string = True
        elif token in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                break
        elif token in "]}":
            depth -= 1
    return deepest
