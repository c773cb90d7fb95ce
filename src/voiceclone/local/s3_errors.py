"""S3's error answer: an XML document with a code and a message (and, for some codes, more elements)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape

STATUS_TEXT = {400: "400 Bad Request", 403: "403 Forbidden", 500: "500 Internal Server Error"}


class S3Refusal(Exception):
    """A request S3 refuses: HTTP status, S3 error code, message and extra elements (ProposedSize, ...)."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details

    def xml(self) -> bytes:
        request_id = uuid.uuid4().hex[:16].upper()
        extra = "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in self.details.items())
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message>{extra}"
            f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
        ).encode()

    def respond(self, start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer a WSGI request with this error."""
        body = self.xml()
        status = STATUS_TEXT.get(self.status, f"{self.status} Error")
        start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
        return [body]


def access_denied(message: str = "Access Denied", **details: Any) -> S3Refusal:
    return S3Refusal(403, "AccessDenied", message, **details)


def invalid_argument(message: str, **details: Any) -> S3Refusal:
    return S3Refusal(400, "InvalidArgument", message, **details)
