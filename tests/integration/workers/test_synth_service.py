"""The gpu-synth container's entry point (voiceclone.workers.synth_service) as a real process on CPU: the
queue worker and, beside it, the real-time app on REALTIME_PORT (what the real-time ALB health-checks
and forwards /v1 to); SIGTERM stops both."""

from __future__ import annotations

import signal
import socket

import httpx

from tests.integration.workers.test_entry_points import _start, _wait_until


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_real_time_app_serves_beside_the_queue_worker_and_stops_on_sigterm(settings, machine, tiny_model, tmp_path):
    port = _free_port()
    log = tmp_path / "synth-service.log"
    process = _start("voiceclone.workers.synth_service", tiny_model, {
        "VOICECLONE_SYNTH_QUEUE_URL": machine.queue_url, "REALTIME_PORT": str(port),
        "VOICECLONE_JWT_ISSUER": "https://issuer.invalid/", "VOICECLONE_JWT_AUDIENCE": "voiceclone",
    }, log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until(lambda: _answers(f"{base}/v1/health"), 120, "the real-time app's health check", process, log)
        health = httpx.get(f"{base}/v1/health", timeout=5).json()
        assert health["status"] == "ok" and health["serves"]  # the worker's own engines
        refused = httpx.get(f"{base}/v1/models", timeout=10)
        assert refused.status_code == 401  # no credentials: refused before anything else
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
