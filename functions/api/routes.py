"""Route table of the HTTP API: which path prefixes each handler module serves, and which need no auth.

Used by the local gateway (to pick the handler and to decide on JWT checks) and by CDK (one Lambda per
module, one route `ANY {prefix}` and `ANY {prefix}/{proxy+}` per prefix).
"""

from __future__ import annotations

ROUTES: dict[str, list[str]] = {
    "functions.api.samples": ["/api/samples"],
    "functions.api.training": ["/api/training"],
    "functions.api.tts": ["/api/tts"],
    "functions.api.batch": ["/api/tts/batch"],
    "functions.api.voices": ["/api/voices"],
    "functions.api.account": ["/api/me", "/api/admin"],
    "functions.api.keys": ["/api/keys"],
    "functions.api.docs": ["/api/openapi.json", "/api/docs"],
}

# Served without a token (exact paths).
UNAUTHENTICATED_PATHS: frozenset[str] = frozenset({"/api/openapi.json", "/api/docs"})


def _matches(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def handler_module_for(path: str) -> str | None:
    """The handler module serving `path` (longest matching prefix), or None when no route matches."""
    best: tuple[int, str] | None = None
    for module, prefixes in ROUTES.items():
        for prefix in prefixes:
            if _matches(path, prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), module)
    return best[1] if best else None


def requires_auth(path: str) -> bool:
    return path.rstrip("/") not in UNAUTHENTICATED_PATHS
