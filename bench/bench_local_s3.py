"""What durability and the presigned checks cost the local S3, measured in one run:

- PutObject of 4 KB, 1 MB and 16 MB: moto in memory vs. written through to disk (fsync'd) before the
  answer; rounds interleaved (memory, disk, memory, ...) so both see the same machine load;
- a presigned POST upload of 1 MB: checked (signature, policy, form rebuilt for moto) and written through,
  and the checks alone on the same request in process;
- restore at start: 200 objects of 256 KB (50 MB) loaded back into moto.
Medians (and p90) over the rounds after a warm-up. Writes bench/results/local_s3.json/.md.
"""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results"
SIZES = {"4 KB": 4 << 10, "1 MB": 1 << 20, "16 MB": 16 << 20}
ROUNDS = {"4 KB": 60, "1 MB": 30, "16 MB": 8}
WARMUP = 3
RESTORE_OBJECTS, RESTORE_SIZE = 200, 256 << 10


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(timings_ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(timings_ms), 2), "p90_ms": round(percentile(timings_ms, 0.9), 2)}


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def put_latencies(memory, durable) -> dict[str, dict]:
    figures = {}
    clients = {"memory": memory.client("s3"), "disk": durable.client("s3")}
    buckets = {name: f"bench-{name}-{uuid.uuid4().hex[:8]}" for name in clients}
    for name, client in clients.items():
        client.create_bucket(Bucket=buckets[name])
    for label, size in SIZES.items():
        body = os.urandom(size)
        timings: dict[str, list[float]] = {name: [] for name in clients}
        for round_ in range(WARMUP + ROUNDS[label]):
            for name, client in clients.items():  # interleaved: both see the same load
                key = f"k{round_ % 4}"
                elapsed = timed(lambda c=client, n=name, k=key, b=body: c.put_object(Bucket=buckets[n], Key=k, Body=b))
                if round_ >= WARMUP:
                    timings[name].append(elapsed)
        figures[label] = {name: summary(values) for name, values in timings.items()}
        figures[label]["disk_over_memory_p50"] = round(figures[label]["disk"]["p50_ms"] / figures[label]["memory"]["p50_ms"], 2)
    return figures


def post_latency(durable) -> dict[str, float]:
    client, bucket = durable.client("s3"), f"bench-post-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    body = os.urandom(1 << 20)
    timings = []
    for round_ in range(WARMUP + ROUNDS["1 MB"]):
        form = client.generate_presigned_post(Bucket=bucket, Key=f"raw/u/s{round_}/a.wav", Fields={"Content-Type": "audio/wav"},
                                              Conditions=[["content-length-range", 1, 2 << 20], {"Content-Type": "audio/wav"}])
        elapsed = timed(lambda f=form: _post(f, body))
        if round_ >= WARMUP:
            timings.append(elapsed)
    return summary(timings)


def guard_cost(durable) -> dict[str, float]:
    """The checks alone on the same 1 MB upload, in process: read and decode the form, verify the
    signature and the policy, rebuild the body moto reads."""
    from voiceclone.local.s3_guard import S3RequestGuard

    client, bucket = durable.client("s3"), f"bench-guard-{uuid.uuid4().hex[:8]}"
    form = client.generate_presigned_post(Bucket=bucket, Key="raw/u/s/a.wav", Fields={"Content-Type": "audio/wav"},
                                          Conditions=[["content-length-range", 1, 2 << 20], {"Content-Type": "audio/wav"}])
    request = httpx.Request("POST", form["url"], data=form["fields"], files={"file": ("a.wav", os.urandom(1 << 20))})
    raw, guard, timings = request.read(), S3RequestGuard(), []
    for round_ in range(WARMUP + ROUNDS["1 MB"]):
        environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": request.headers["content-type"], "PATH_INFO": f"/{bucket}",
                   "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw), "QUERY_STRING": ""}
        elapsed = timed(lambda e=environ: guard.check(e, bucket))
        if round_ >= WARMUP:
            timings.append(elapsed)
    return summary(timings)


def _post(form: dict, body: bytes) -> None:
    answer = httpx.post(form["url"], data=form["fields"], files={"file": ("a.wav", body)}, timeout=60)
    if answer.status_code != 204:
        raise RuntimeError(f"upload refused: {answer.status_code} {answer.text}")


def restore_time(durable) -> dict[str, float]:
    from voiceclone.local import s3_durability

    client, bucket = durable.client("s3"), f"bench-restore-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    body = os.urandom(RESTORE_SIZE)
    for index in range(RESTORE_OBJECTS):
        client.put_object(Bucket=bucket, Key=f"objects/{index:04d}", Body=body)
    timings = [timed(lambda: s3_durability.restore(durable.s3_disk)) for _ in range(3)]
    return {"objects": RESTORE_OBJECTS, "megabytes": RESTORE_OBJECTS * RESTORE_SIZE / 1e6, "p50_ms": round(statistics.median(timings), 1)}


def write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "local_s3.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        "# Local S3: write-through and presigned checks",
        "",
        (f"Python {results['python']}, {results['cpus']} CPUs, load average {results['load_average']}; "
         f"data folder on {results['filesystem']}. Medians after {WARMUP} warm-up rounds."),
        "",
        "| PutObject | rounds | memory p50 ms | disk p50 ms | memory p90 ms | disk p90 ms | disk / memory (p50) |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, figure in results["put"].items():
        lines.append(f"| {label} | {ROUNDS[label]} | {figure['memory']['p50_ms']} | {figure['disk']['p50_ms']} | "
                     f"{figure['memory']['p90_ms']} | {figure['disk']['p90_ms']} | {figure['disk_over_memory_p50']} |")
    post, checks, restore = results["presigned_post_1mb"], results["presigned_post_checks_1mb"], results["restore"]
    lines += [
        "",
        (f"Presigned POST of 1 MB (signature + policy checked, form rebuilt, written through): p50 {post['p50_ms']} ms, "
         f"p90 {post['p90_ms']} ms (a new httpx connection each, as a browser form would). The checks alone "
         f"(form decoded, signature and policy verified, body rebuilt; in process): p50 {checks['p50_ms']} ms."),
        "",
        f"Restore at start: {restore['objects']} objects ({restore['megabytes']:.0f} MB) in {restore['p50_ms']} ms (median of 3).",
        "",
    ]
    (RESULTS / "local_s3.md").write_text("\n".join(lines))


def main() -> None:
    from voiceclone.local.aws import start_moto_server

    with tempfile.TemporaryDirectory(prefix="bench-local-s3-") as folder:
        memory = start_moto_server()
        durable = start_moto_server(s3_data_dir=Path(folder) / "s3")
        try:
            results = {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_average": round(os.getloadavg()[0], 2),
                "filesystem": _filesystem(Path(folder)),
                "put": put_latencies(memory, durable),
                "presigned_post_1mb": post_latency(durable),
                "presigned_post_checks_1mb": guard_cost(durable),
                "restore": restore_time(durable),
            }
        finally:
            memory.stop()
            durable.stop()
    write(results)
    print((RESULTS / "local_s3.md").read_text())


def _filesystem(path: Path) -> str:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    best = ("", "unknown")
    for line in mounts:
        parts = line.split()
        if len(parts) > 2 and str(path.resolve()).startswith(parts[1]) and len(parts[1]) > len(best[0]):
            best = (parts[1], parts[2])
    return best[1]


if __name__ == "__main__":
    main()
