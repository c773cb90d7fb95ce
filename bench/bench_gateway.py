"""Request latency through the local gateway (`voiceclone run`'s HTTP front), measured in one run:

- GET  /api/tts/job/{id}   (JWT check, v2 event, tts handler, one MongoDB read)
- POST /api/tts/generate   (... quota checks, job insert, Step Functions StartExecution on moto)
- GET  /bench/constant     (JWT check, v2 event, a handler returning a constant: the gateway's own cost)

p50/p99/mean over 200 sequential requests on one keep-alive connection after 20 warm-up requests.
The TTS state machine is swapped for a one-state Pass machine so executions end at once and the
numbers measure the request path, not background workflow work.

Bursts: 250 connections opened at once, one GET /bench/constant each (`Connection: close`), 5 times:
the median burst's wall time, p50/p99 of the requests' latencies over all bursts, and how many
connections failed (reset, refused, timed out). Writes bench/results/gateway.json/.md.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
REQUESTS = 200
WARMUP = 20
USER = "bench-user"
CONSTANT_PATH = "/bench/constant"
PASS_MACHINE = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
BURST_CONNECTIONS = 250
BURSTS = 5


def lambda_handler(event: dict, context: object) -> dict:
    """The constant handler: what the gateway costs when the handler does nothing."""
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": '{"ok": true}'}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(call: Callable[[], Any], expected_status: int, after: Callable[[Any], None] | None = None) -> dict:
    """Time `call` (an httpx request); `after` runs untimed on each response (e.g. to cancel the job)."""
    timings_ms = []
    for index in range(WARMUP + REQUESTS):
        started = time.perf_counter()
        response = call()
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status_code != expected_status:
            raise RuntimeError(f"unexpected {response.status_code} (wanted {expected_status}): {response.text}")
        if after is not None:
            after(response)
        if index >= WARMUP:
            timings_ms.append(elapsed_ms)
    return {
        "p50_ms": round(statistics.median(timings_ms), 2),
        "p99_ms": round(percentile(timings_ms, 0.99), 2),
        "mean_ms": round(statistics.fmean(timings_ms), 2),
        "requests": REQUESTS,
    }


def one_connection(address: tuple[str, int], request: bytes, start: threading.Barrier) -> tuple[float, str]:
    """Seconds from the burst's release to the whole response, and the status (or the failure's name)."""
    start.wait()
    started = time.perf_counter()
    try:
        with socket.create_connection(address, timeout=60) as sock:
            sock.sendall(request)
            raw = b""
            while chunk := sock.recv(65536):
                raw += chunk
    except OSError as error:
        return time.perf_counter() - started, type(error).__name__
    status = raw.split(b" ", 2)[1].decode() if raw else "closed without a response"
    return time.perf_counter() - started, status


def one_burst(address: tuple[str, int], request: bytes) -> tuple[float, list[tuple[float, str]]]:
    """Wall time (ms) from release to the last response, and each connection's (seconds, status)."""
    start = threading.Barrier(BURST_CONNECTIONS + 1)
    results: list[tuple[float, str]] = []
    threads = [threading.Thread(target=lambda: results.append(one_connection(address, request, start)))
               for _ in range(BURST_CONNECTIONS)]
    for thread in threads:
        thread.start()
    start.wait()
    released = time.perf_counter()
    for thread in threads:
        thread.join()
    return (time.perf_counter() - released) * 1000, results


def measure_bursts(address: tuple[str, int], token: str) -> dict:
    request = (f"GET {CONSTANT_PATH} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n"
               "Connection: close\r\n\r\n").encode()
    walls_ms, latencies_ms, outcomes = [], [], []
    for _ in range(BURSTS):
        wall_ms, results = one_burst(address, request)
        walls_ms.append(wall_ms)
        latencies_ms += [seconds * 1000 for seconds, _ in results]
        outcomes += [status for _, status in results]
    return {
        "burst_wall_ms_median": round(statistics.median(walls_ms), 1),
        "request_p50_ms": round(statistics.median(latencies_ms), 1),
        "request_p99_ms": round(percentile(latencies_ms, 0.99), 1),
        "requests": len(outcomes),
        "status_200": outcomes.count("200"),
        "failed_connections": sum(1 for status in outcomes if not status.isdigit()),
        "server_errors": sum(1 for status in outcomes if status.isdigit() and int(status) >= 500),
    }


def prepare(stack: Any) -> str:
    """An enterprise-plan user with a ready voice; returns the voice id."""
    from voiceclone.domain.ids import VOICE_PREFIX, new_id
    from voiceclone.domain.voices import VoiceModel
    from voiceclone.store import get_store

    stack.configure(tts_state_machine_arn=stack.create_state_machine("bench-pass", PASS_MACHINE))
    store = get_store()
    store.users.get_or_create(USER, "enterprise")
    store.users.set_plan(USER, "enterprise")
    voice_id = new_id(VOICE_PREFIX)
    store.voices.create(VoiceModel(voice_id=voice_id, user_id=USER, name="bench voice"))
    store.voices.mark_ready(USER, voice_id, artifact_keys={"speaker": f"voices/{USER}/{voice_id}/speaker.pt"})
    return voice_id


def run() -> dict:
    import httpx

    from voiceclone.local.gateway import Route
    from voiceclone.local.stack import LocalConfig, LocalStack

    with tempfile.TemporaryDirectory() as data_dir:
        config = LocalConfig(data_dir=Path(data_dir), port=0, run_demo=False,
                             extra_routes=(Route(CONSTANT_PATH, "bench.bench_gateway"),))
        with LocalStack(config) as stack:
            voice_id = prepare(stack)
            headers = {"Authorization": f"Bearer {stack.issue_token(USER)}"}
            body = {"text": "Benchmarks measure; they do not guess.", "voice_model_id": voice_id,
                    "output_format": "wav", "voice_settings": {"stability": 0.75, "similarity_boost": 0.8}}
            with httpx.Client(base_url=stack.url, headers=headers, timeout=30) as client:
                created = client.post("/api/tts/generate", json=body)
                if created.status_code != 202:
                    raise RuntimeError(f"could not create a TTS job: {created.status_code} {created.text}")
                job_id = created.json()["job_id"]
                # Each generated job is cancelled (untimed) so the plan's concurrent-job limit never bites.
                def cancel(response: Any) -> None:
                    client.post(f"/api/tts/job/{response.json()['job_id']}/cancel").raise_for_status()

                figures = {
                    "constant_handler": measure(lambda: client.get(CONSTANT_PATH), 200),
                    "get_tts_job": measure(lambda: client.get(f"/api/tts/job/{job_id}"), 200),
                    "post_tts_generate": measure(lambda: client.post("/api/tts/generate", json=body), 202, cancel),
                }
            bursts = measure_bursts(stack.gateway.server_address, stack.issue_token(USER))
    constant = figures["constant_handler"]["p50_ms"]
    for name in ("get_tts_job", "post_tts_generate"):
        figures[name]["p50_ratio_to_constant"] = round(figures[name]["p50_ms"] / constant, 2)
    return {
        "benchmark": "gateway",
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                    "load_average_1m": round(os.getloadavg()[0], 2)},
        "method": f"{REQUESTS} sequential requests after {WARMUP} warm-up, one keep-alive connection (httpx)",
        "results": figures,
        "bursts": {"method": f"{BURSTS} bursts of {BURST_CONNECTIONS} connections opened at once, "
                             f"one GET {CONSTANT_PATH} each", **bursts},
    }


def write(result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "gateway.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = [
        f"| {name} | {r['p50_ms']} | {r['p99_ms']} | {r['mean_ms']} | {r.get('p50_ratio_to_constant', 1.0)} |"
        for name, r in result["results"].items()
    ]
    machine, bursts = result["machine"], result["bursts"]
    (RESULTS / "gateway.md").write_text(
        "# Local gateway request latency\n\n"
        f"{result['method']}; Python {machine['python']}, {machine['cpu_count']} CPUs, "
        f"load average {machine['load_average_1m']}.\n\n"
        "| request | p50 ms | p99 ms | mean ms | p50 / constant |\n|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n\n"
        "`constant_handler` is the gateway's own cost (JWT verification, API Gateway v2 event, dispatch, HTTP).\n\n"
        f"## Bursts\n\n{bursts['method']}.\n\n"
        "| burst wall ms (median) | request p50 ms | request p99 ms | requests | 200 | failed connections "
        "| server errors |\n|---|---|---|---|---|---|---|\n"
        f"| {bursts['burst_wall_ms_median']} | {bursts['request_p50_ms']} | {bursts['request_p99_ms']} "
        f"| {bursts['requests']} | {bursts['status_200']} | {bursts['failed_connections']} "
        f"| {bursts['server_errors']} |\n"
    )


def main() -> None:
    result = run()
    write(result)
    print(json.dumps(result["results"], indent=2))


if __name__ == "__main__":
    main()
