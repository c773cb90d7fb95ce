"""The real-time endpoint's answer while no synth worker is up: 503 with Retry-After, never a hang.

An Application Load Balancer Lambda target (infra/constructs/realtime_endpoint.py): the listener rule
for /v1/* forwards here while the synth target group has no healthy target (functions.realtime.gate
switches it). Its invocations count as demand in the synth service's scaling metric, so asking wakes a
worker. The body is OpenAI's error shape (what /v1 clients parse); a WebSocket handshake gets the same
503, which WebSocket clients report with its status. No database, no imports beyond the standard library.
"""

from __future__ import annotations

import json
import os
from typing import Any

DEFAULT_RETRY_AFTER_S = 60


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    retry_after = int(os.environ.get("RETRY_AFTER_S", DEFAULT_RETRY_AFTER_S))
    body = {"error": {
        "message": f"No speech worker is running yet; one is starting. Retry in {retry_after} s.",
        "type": "service_unavailable", "code": "worker_starting", "param": None,
    }}
    return {
        "statusCode": 503,
        "statusDescription": "503 Service Unavailable",
        "isBase64Encoded": False,
        "headers": {"Content-Type": "application/json", "Retry-After": str(retry_after), "Cache-Control": "no-store"},
        "body": "" if event.get("httpMethod") == "HEAD" else json.dumps(body),
    }
