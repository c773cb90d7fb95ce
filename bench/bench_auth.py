"""What authenticating a request costs locally (`BENCH=auth make bench`), measured in one run:

In process, `voiceclone.authenticator.authorizer_context` (the body of the AWS Lambda authorizer and the
local gateway's check), 500 calls each after 50 warm-up:
- jwt:            an RS256 JWT verified against the JWKS in memory
- api_key_cached: a key found in the authenticator's 5 s cache (what nearly every request of a busy key costs)
- api_key_lookup: a key looked up by hash in SecantusDB on every call (cache TTL 0: a key's first request)

Over HTTP, GET /bench/constant (a handler returning a constant) through the local gateway, 200
sequential requests after 20 warm-up on one keep-alive connection, with a JWT, `Authorization: Bearer
<key>` and `X-API-Key`: the gateway's whole cost per credential. Writes bench/results/auth.json/.md.
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
CALLS, CALL_WARMUP = 500, 50
REQUESTS, REQUEST_WARMUP = 200, 20
USER = "bench-user"
CONSTANT_PATH = "/bench/constant"


def lambda_handler(event: dict, context: object) -> dict:
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": '{"ok": true}'}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(timings_ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(timings_ms), 3), "p99_ms": round(percentile(timings_ms, 0.99), 3),
            "mean_ms": round(statistics.fmean(timings_ms), 3), "n": len(timings_ms)}


def timed(call: Callable[[], Any], runs: int, warmup: int, check: Callable[[Any], None]) -> dict[str, float]:
    timings = []
    for index in range(warmup + runs):
        started = time.perf_counter()
        answer = call()
        elapsed = (time.perf_counter() - started) * 1000
        check(answer)
        if index >= warmup:
            timings.append(elapsed)
    return summary(timings)


def authenticated(context: dict[str, str]) -> None:
    if "auth_error" in context:
        raise RuntimeError(f"refused: {context}")


def status_200(response: Any) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"unexpected {response.status_code}: {response.text}")


def run() -> dict:
    import httpx

    from voiceclone.authenticator import Authenticator, authorizer_context
    from voiceclone.local.gateway import Route
    from voiceclone.local.stack import LocalConfig, LocalStack
    from voiceclone.services import api_keys
    from voiceclone.services.api_keys import CreateApiKeyRequest
    from voiceclone.store import get_store

    with tempfile.TemporaryDirectory() as data_dir:
        config = LocalConfig(data_dir=Path(data_dir), port=0, run_demo=False,
                             extra_routes=(Route(CONSTANT_PATH, "bench.bench_auth"),))
        with LocalStack(config) as stack:
            assert stack.signing_key is not None
            store = get_store(stack.settings)
            secret = api_keys.create_key(store, USER, CreateApiKeyRequest(name="bench", scopes=["read"])).secret
            token = stack.issue_token(USER)
            verifier = stack.signing_key.verifier()
            cached = Authenticator(verifier, store.api_keys)
            uncached = Authenticator(verifier, store.api_keys, cache_ttl_s=0)
            in_process = {
                "jwt": timed(lambda: authorizer_context(cached, {"authorization": f"Bearer {token}"}),
                             CALLS, CALL_WARMUP, authenticated),
                "api_key_cached": timed(lambda: authorizer_context(cached, {"x-api-key": secret}),
                                        CALLS, CALL_WARMUP, authenticated),
                "api_key_lookup": timed(lambda: authorizer_context(uncached, {"x-api-key": secret}),
                                        CALLS, CALL_WARMUP, authenticated),
            }
            over_http = {}
            for name, headers in (("jwt", {"Authorization": f"Bearer {token}"}),
                                  ("api_key_bearer", {"Authorization": f"Bearer {secret}"}),
                                  ("api_key_header", {"X-API-Key": secret})):
                with httpx.Client(base_url=stack.url, headers=headers, timeout=30) as client:
                    over_http[name] = timed(lambda c=client: c.get(CONSTANT_PATH), REQUESTS, REQUEST_WARMUP, status_200)
    return {
        "benchmark": "auth",
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                    "load_average_1m": round(os.getloadavg()[0], 2)},
        "in_process": in_process,
        "gateway_constant_route": over_http,
    }


def write(result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "auth.json").write_text(json.dumps(result, indent=2) + "\n")
    machine = result["machine"]

    def rows(figures: dict[str, dict]) -> str:
        return "\n".join(f"| {name} | {r['p50_ms']} | {r['p99_ms']} | {r['mean_ms']} | {r['n']} |"
                         for name, r in figures.items())

    header = "| credential | p50 ms | p99 ms | mean ms | n |\n|---|---|---|---|---|\n"
    (RESULTS / "auth.md").write_text(
        "# Authentication cost (JWT and API keys)\n\n"
        f"Python {machine['python']}, {machine['cpu_count']} CPUs, load average {machine['load_average_1m']}.\n\n"
        f"## In process: `authorizer_context` ({CALLS} calls after {CALL_WARMUP} warm-up)\n\n"
        + header + rows(result["in_process"]) + "\n\n"
        "`api_key_lookup` reads MongoDB (SecantusDB, local socket) on every call; `api_key_cached` is the "
        "5 s in-process cache.\n\n"
        f"## Through the local gateway: GET {CONSTANT_PATH} ({REQUESTS} requests after {REQUEST_WARMUP} warm-up, "
        "one keep-alive connection)\n\n"
        + header + rows(result["gateway_constant_route"]) + "\n"
    )


def main() -> None:
    result = run()
    write(result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
