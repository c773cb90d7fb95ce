"""The web console's files (web/) served by the local gateway at `/`, with the headers CloudFront adds in AWS.

Only GET/HEAD of paths that are not API routes reach it (the gateway asks it last). Files are read from
`root` on every request (edits show on reload); a path that leaves `root`, a dotfile or an unknown
extension is a 404 like any missing file. The CSP matches infra/stacks/web.py's, with the local S3's
origin added: uploads POST there and results play from its presigned URLs.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from voiceclone.local.events import HttpRequest, HttpResponse, error_response

DEFAULT_WEB_DIR = Path(__file__).resolve().parents[3] / "web"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}


def content_security_policy(extra_origins: Iterable[str] = ()) -> str:
    """Scripts, styles and fonts only from the console itself; API and S3 (uploads, results) for the rest."""
    others = " ".join(extra_origins)
    media = f"'self' blob: {others}".strip()
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        f"connect-src 'self' {others}".strip(),
        f"media-src {media}",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ])


def security_headers(extra_origins: Iterable[str] = ()) -> list[tuple[str, str]]:
    return [
        ("content-security-policy", content_security_policy(extra_origins)),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("permissions-policy", "microphone=(self), camera=(), geolocation=()"),
    ]


class StaticSite:
    """Answers GET/HEAD for the files under `root`; `None` for anything else (the gateway's 404 follows)."""

    def __init__(self, root: Path = DEFAULT_WEB_DIR, extra_origins: Iterable[str] = ()) -> None:
        self.root = root.resolve()
        self._headers = security_headers(extra_origins)

    def handle(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD"):
            return None
        path = self._file_for(request.path)
        if path is None:
            return None
        try:
            body = path.read_bytes()
        except OSError:
            return error_response(404, "not_found", f"No file {request.path}.")
        headers = [("content-type", CONTENT_TYPES[path.suffix]), ("cache-control", "no-cache"), *self._headers]
        return HttpResponse(200, headers, body)

    def _file_for(self, url_path: str) -> Path | None:
        relative = url_path.lstrip("/") or "index.html"
        if any(part.startswith(".") or part == "" for part in relative.split("/")):
            return None
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or candidate.suffix not in CONTENT_TYPES:
            return None
        return candidate if candidate.is_file() else None
