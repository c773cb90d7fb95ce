"""GET /local/token?user=NAME: a token for a local user, so the web console signs in without a password.

Local platform only: the local gateway serves it (never routes.py, never CDK). It gives nothing that
`voiceclone token --user NAME` on the same machine does not, and refuses what could reach it from
elsewhere: a Host that is not a loopback name (DNS rebinding) and a cross-site browser request
(Sec-Fetch-Site). Tokens carry no groups (no admin) and last an hour.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import parse_qs

from voiceclone.local.events import HttpRequest, HttpResponse, error_response

PATH = "/local/token"
TTL_S = 3600
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
SAME_MACHINE_FETCH_SITES = frozenset({"same-origin", "none"})


class DevTokenEndpoint:
    """Issues tokens with `issue(user, ttl)` (the stack's signing key) for GET /local/token."""

    def __init__(self, issue: Callable[[str, int], str]) -> None:
        self._issue = issue

    def handle(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.rstrip("/") != PATH:
            return None
        if request.method != "GET":
            return error_response(405, "method_not_allowed", f"{PATH} answers GET only.", [("allow", "GET")])
        headers = {name.lower(): value for name, value in request.headers}
        if _host_name(headers.get("host", "")) not in LOOPBACK_HOSTS:
            return error_response(403, "forbidden", "Local tokens are given only to requests for a loopback host.")
        if headers.get("sec-fetch-site", "none") not in SAME_MACHINE_FETCH_SITES:
            return error_response(403, "forbidden", "Local tokens are not given to other sites' pages.")
        user = (parse_qs(request.query).get("user") or [""])[0]
        if not USER_NAME.match(user):
            return error_response(422, "validation_error",
                                  "user: 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.")
        body = {"token": self._issue(user, TTL_S), "token_type": "Bearer", "user": user, "expires_in": TTL_S}
        return HttpResponse(200, [("content-type", "application/json"), ("cache-control", "no-store")],
                            json.dumps(body).encode())


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host
