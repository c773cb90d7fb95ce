"""Batch TTS against separate jobs, end to end on the local platform (XTTS on CPU).

BENCH_BATCH_MODEL picks the model: `tiny` (default, the local run's tiny random XTTS: a toy GPT, so
HiFiGAN decoding dominates each item) or `full` (XTTS v2's published architecture with random weights,
~1.8 GB built once: the GPT dominates, as with the real model). Random weights never stop, so every
text chunk generates BENCH_BATCH_TOKENS (60) audio codes on both sides.

The whole platform runs in this process (LocalStack: SecantusDB, moto executing the state machines,
in-process Lambdas, the CPU synth worker, the HTTP gateway). A user (enterprise plan, so the plan's
concurrent-jobs limit does not serialise the separate jobs) trains an instant voice on LibriVox speech,
warms the worker with one job, then per round, alternating so both see the same machine load:

  jobs   BENCH_BATCH_ITEMS (20) POST /api/tts/generate at once, polled (BENCH_BATCH_POLL_S, 1 s) until every one
         is completed, then each result downloaded through its 302;
  batch  one POST /api/tts/batch with the same texts, polled until the batch is completed, then its
         zip downloaded through the 302.

Per round: spoken_s (first request to the last item completed, as the client sees it) and delivered_s
(to every result downloaded). Figures: medians over BENCH_BATCH_ROUNDS (3) rounds, the ratio jobs/batch,
and the worker's own seconds per item (synthesis, and everything a worker does per item) for both.
Writes bench/results/batch.json and batch.md (`full`: batch_full_size.json and .md).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
ITEMS = int(os.environ.get("BENCH_BATCH_ITEMS", "20"))
ROUNDS = int(os.environ.get("BENCH_BATCH_ROUNDS", "3"))
# How often the client polls (a job, or the batch): once a second, as a client would. A batch's GET
# presigns every finished item's URL; polled 10 times a second in the platform's own process it takes
# CPU from the worker (measured: 0.94x at 0.1 s, see docs/workflows.md).
POLL_S = float(os.environ.get("BENCH_BATCH_POLL_S", "1.0"))
MODEL = os.environ.get("BENCH_BATCH_MODEL", "tiny")
TOKENS = int(os.environ.get("BENCH_BATCH_TOKENS", "60"))
RESULT_NAME = "batch" if MODEL == "tiny" else "batch_full_size"
MODEL_DESCRIPTIONS = {
    "tiny": "tiny random XTTS v2 (voiceclone/engines/xtts/tiny.py)",
    "full": "XTTS v2's published architecture (30 layers, 1024 channels), random weights",
}
TEXTS = [f"Line {i + 1}: the platform speaks this short sentence." for i in range(ITEMS)]


class Client:
    def __init__(self, url: str, token: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=url, timeout=120, headers={"Authorization": f"Bearer {token}"})
        self.plain = httpx.Client(timeout=120)

    def wait(self, path: str, done, timeout_s: float = 1800) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            record = self.http.get(path).json()
            if done(record) or time.monotonic() > deadline:
                return record
            time.sleep(POLL_S)

    def fetch(self, path: str) -> bytes:
        location = self.http.get(path).headers["location"]
        return self.plain.get(location).raise_for_status().content

    def jobs_round(self, voice_id: str) -> dict[str, Any]:
        started = time.perf_counter()
        ids = [self.http.post("/api/tts/generate", json={"text": text, "voice_model_id": voice_id}).json()["job_id"]
               for text in TEXTS]
        records = [self.wait(f"/api/tts/job/{job_id}", lambda j: j["status"] not in ("pending", "processing"))
                   for job_id in ids]
        spoken = time.perf_counter() - started
        if any(r["status"] != "completed" for r in records):
            raise RuntimeError(f"a separate job did not complete: {[r.get('error_message') for r in records]}")
        size = sum(len(self.fetch(f"/api/tts/job/{job_id}/download")) for job_id in ids)
        return {"spoken_s": spoken, "delivered_s": time.perf_counter() - started, "bytes": size, "ids": ids}

    def batch_round(self, voice_id: str) -> dict[str, Any]:
        started = time.perf_counter()
        batch = self.http.post("/api/tts/batch", json={"voice_model_id": voice_id, "items": [{"text": t} for t in TEXTS]}).json()
        record = self.wait(f"/api/tts/batch/{batch['batch_id']}", lambda b: b["status"] not in ("pending", "processing"))
        spoken = time.perf_counter() - started
        if record["status"] != "completed" or record["counts"]["completed"] != ITEMS:
            raise RuntimeError(f"the batch did not complete: {record['status']} {record['counts']} {record['error_message']}")
        size = len(self.fetch(f"/api/tts/batch/{batch['batch_id']}/download"))
        return {"spoken_s": spoken, "delivered_s": time.perf_counter() - started, "bytes": size, "batch_id": batch["batch_id"]}


def _worker_seconds(stack, user_id: str, job_ids: list[str], batch_id: str) -> dict[str, float]:
    """The worker's own seconds per item: synthesis alone, and the whole per-item work, from the records
    (single jobs: the execution's Synthesize output; the batch: its groups' results)."""
    sfn = stack.client("stepfunctions")
    from voiceclone.store import get_store

    store = get_store(stack.settings)
    job_synthesis, job_work = [], []
    for job_id in job_ids:
        arn = store.tts.get(user_id, job_id).execution_arn
        for event in sfn.get_execution_history(executionArn=arn)["events"]:
            details = event.get("stateExitedEventDetails")
            if details and details["name"] == "Synthesize":
                metrics = json.loads(details["output"])["result"]["metrics"]
                job_synthesis.append(metrics["synthesis_s"])
                job_work.append(sum(metrics.get(k, 0.0) for k in ("load_voice_s", "synthesis_s", "quality_s", "postprocess_upload_s")))
    arn = store.batches.get(user_id, batch_id).execution_arn
    output = json.loads(sfn.describe_execution(executionArn=arn)["output"])
    groups = [group["result"]["metrics"] for group in output["groups"] if "result" in group]
    return {
        "jobs_synthesis_per_item_s": statistics.median(job_synthesis),
        "jobs_worker_per_item_s": statistics.median(job_work),
        "batch_synthesis_per_item_s": sum(g["synthesis_s"] for g in groups) / ITEMS,
        "batch_worker_per_item_s": sum(g["group_s"] for g in groups) / ITEMS,
        "batch_groups": len(groups),
    }


def _configure_model() -> None:
    """The local stack reads the model folder and the token cap from the environment."""
    if MODEL not in MODEL_DESCRIPTIONS:
        raise SystemExit(f"BENCH_BATCH_MODEL must be one of {sorted(MODEL_DESCRIPTIONS)}")
    os.environ["VOICECLONE_XTTS_MAX_NEW_TOKENS"] = str(TOKENS)
    if MODEL == "full":
        from voiceclone.engines.xtts.tiny import FULL_SIZE_MODEL_ARGS, random_xtts_dir

        os.environ["VOICECLONE_XTTS_MODEL_DIR"] = str(random_xtts_dir(FULL_SIZE_MODEL_ARGS))


def main() -> dict[str, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from bench.bench_e2e import User
    from voiceclone.local.stack import LocalConfig, LocalStack
    from voiceclone.store import get_store

    _configure_model()
    rounds: list[dict[str, Any]] = []
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as data_dir, \
            LocalStack(LocalConfig(data_dir=Path(data_dir), port=0, run_demo=False)) as stack:
        token = stack.issue_token("bench")
        get_store(stack.settings).users.set_plan("bench", "enterprise")
        voice_id = User(stack.url, token).instant_voice()
        client = Client(stack.url, token)
        client.wait(f"/api/tts/job/{client.http.post('/api/tts/generate', json={'text': TEXTS[0], 'voice_model_id': voice_id}).json()['job_id']}",
                    lambda j: j["status"] not in ("pending", "processing"))  # warm-up: the voice in the worker's cache
        for _ in range(ROUNDS):
            jobs = client.jobs_round(voice_id)
            batch = client.batch_round(voice_id)
            rounds.append({"jobs": jobs, "batch": batch,
                           "worker": _worker_seconds(stack, "bench", jobs["ids"], batch["batch_id"])})
    median = {
        kind: {measure: statistics.median(r[kind][measure] for r in rounds) for measure in ("spoken_s", "delivered_s")}
        for kind in ("jobs", "batch")
    }
    worker = {key: statistics.median(r["worker"][key] for r in rounds) for key in rounds[0]["worker"]}
    figures = {
        "items": ITEMS,
        "rounds": ROUNDS,
        "poll_s": POLL_S,
        "text_characters": len(TEXTS[0]),
        "median_s": {kind: {k: round(v, 3) for k, v in m.items()} for kind, m in median.items()},
        "speedup_spoken": round(median["jobs"]["spoken_s"] / median["batch"]["spoken_s"], 3),
        "speedup_delivered": round(median["jobs"]["delivered_s"] / median["batch"]["delivered_s"], 3),
        "worker_median_s": {k: round(v, 4) for k, v in worker.items()},
        "per_round": [{kind: {k: round(v, 3) for k, v in r[kind].items() if k.endswith("_s")} for kind in ("jobs", "batch")}
                      for r in rounds],
        "load_average_start": load_at_start,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version()},
        "model": MODEL_DESCRIPTIONS[MODEL],
        "tokens_per_chunk": TOKENS,
    }
    write(figures)
    print(json.dumps(figures, indent=2))
    return figures


def write(figures: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{RESULT_NAME}.json").write_text(json.dumps(figures, indent=2) + "\n")
    m, w = figures["median_s"], figures["worker_median_s"]
    rows = "\n".join(
        f"| {label} | {m['jobs'][key]:.2f} | {m['batch'][key]:.2f} | {m['jobs'][key] / m['batch'][key]:.2f} |"
        for label, key in (("all spoken (client sees the last completed)", "spoken_s"),
                           ("all delivered (results downloaded)", "delivered_s"))
    )
    (RESULTS / f"{RESULT_NAME}.md").write_text(
        f"# Batch TTS vs separate jobs, local platform ({figures['items']} short texts, CPU)\n\n"
        f"Model: {figures['model']}; {figures['tokens_per_chunk']} audio codes per text.\n\n"
        f"Medians of {figures['rounds']} rounds, jobs and batch alternating, the client polling every "
        f"{figures['poll_s']} s; load average (1, 5, 15 min) at the "
        f"start {figures['load_average_start']} and at the end {figures['load_average']} on "
        f"{figures['machine']['cpu_count']} CPUs shared with other work.\n\n"
        f"| end to end | {figures['items']} separate jobs s | one batch s | jobs / batch |\n|---|---|---|---|\n"
        f"{rows}\n\n"
        "Worker seconds per item (medians): synthesis "
        f"{w['jobs_synthesis_per_item_s']:.3f} (jobs) vs {w['batch_synthesis_per_item_s']:.3f} (batch); all of a "
        f"worker's work per item {w['jobs_worker_per_item_s']:.3f} vs {w['batch_worker_per_item_s']:.3f} "
        f"(batch: {w['batch_groups']:.0f} group message(s)).\n"
    )


if __name__ == "__main__":
    main()
