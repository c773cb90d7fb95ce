"""Request latency through the local gateway (`voiceclone run`'s HTTP front), measured in one run:

- GET  /api/tts/job/{id}   (JWT check, v2 event, tts handler, one MongoDB read)
- POST /api/tts/generate   (... quota checks, job insert, Step Functions StartExecution on moto)
- GET  /bench/constant     (JWT check, v2 event, a handler returning a constant: the gateway's own cost)

p50/p99/mean over 200 sequential requests on one keep-alive connection after 20 warm-up requests.
The TTS state machine is swapped for a one-state Pass machine so executions end at once and the
numbers measure the request path, not background workflow work. Writes bench/results/gateway.json/.md.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
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
    constant = figures["constant_handler"]["p50_ms"]
    for name in ("get_tts_job", "post_tts_generate"):
        figures[name]["p50_ratio_to_constant"] = round(figures[name]["p50_ms"] / constant, 2)
    return {
        "benchmark": "gateway",
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count()},
        "method": f"{REQUESTS} sequential requests after {WARMUP} warm-up, one keep-alive connection (httpx)",
        "results": figures,
    }


def write(result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "gateway.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = [
        f"| {name} | {r['p50_ms']} | {r['p99_ms']} | {r['mean_ms']} | {r.get('p50_ratio_to_constant', 1.0)} |"
        for name, r in result["results"].items()
    ]
    (RESULTS / "gateway.md").write_text(
        "# Local gateway request latency\n\n"
        f"{result['method']}; Python {result['machine']['python']}, {result['machine']['cpu_count']} CPUs.\n\n"
        "| request | p50 ms | p99 ms | mean ms | p50 / constant |\n|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n\n"
        "`constant_handler` is the gateway's own cost (JWT verification, API Gateway v2 event, dispatch, HTTP).\n"
    )


def main() -> None:
    result = run()
    write(result)
    print(json.dumps(result["results"], indent=2))


if __name__ == "__main__":
    main()
