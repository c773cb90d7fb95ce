"""Handlers on a real store: EMF job metrics from the orchestration steps, JSON logs with the correlation id."""

from __future__ import annotations

import io
import json

from functions.api.common import API
from functions.orchestration import fail_job, finalize_tts, mark_processing
from functions.orchestration.telemetry import ORCHESTRATION
from tests.workflows.records import ready_voice, tts_job
from voiceclone import blobs
from voiceclone.domain.jobs import JobStatus

from .conftest import FakeLambdaContext


def _metrics(text: str) -> dict[str, dict]:
    """Metric name -> its EMF line."""
    lines = [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]
    return {m["Name"]: line for line in lines for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]}


def test_a_tts_job_through_the_steps_emits_started_completed_characters_and_synthesis_seconds(store, capsys):
    voice = ready_voice(store, "alice", model_type="xtts_v2_instant")
    job = tts_job(store, "alice", voice, "Nineteen characters")
    step = {"kind": "tts", "job_id": job.job_id, "user_id": "alice"}
    mark_processing.lambda_handler(step, None)
    result = {"output_key": blobs.tts_output_key("alice", job.job_id, "mp3"), "output_format": "mp3",
              "duration_s": 1.0, "sample_rate": 24000, "size_bytes": 10, "metrics": {"synthesis_s": 0.75}}
    finalize_tts.lambda_handler({**step, "result": result}, FakeLambdaContext())
    metrics = _metrics(capsys.readouterr().out)
    for name in ("JobsStarted", "JobsCompleted", "CharactersSynthesized", "SynthesisSeconds"):
        line = metrics[name]
        assert (line["service"], line["JobType"], line["Engine"]) == ("voiceclone-orchestration", "tts", job.engine)
    assert metrics["CharactersSynthesized"]["CharactersSynthesized"] == [len("Nineteen characters")]
    assert metrics["SynthesisSeconds"]["SynthesisSeconds"] == [0.75]


def test_fail_job_counts_a_failure_and_logs_json_with_the_job_id_as_correlation_id(store, capsys):
    voice = ready_voice(store, "alice")
    job = tts_job(store, "alice", voice)
    store.tts.transition("alice", job.job_id, JobStatus.PROCESSING)
    out = io.StringIO()
    handler = ORCHESTRATION.logger.handlers[0]
    previous = handler.setStream(out)
    try:
        event = {"kind": "tts", "job_id": job.job_id, "user_id": "alice", "error": {"Error": "WorkerError", "Cause": "boom"}}
        assert fail_job.lambda_handler(event, FakeLambdaContext())["status"] == "failed"
    finally:
        handler.setStream(previous)
    line = _metrics(capsys.readouterr().out)["JobsFailed"]
    assert (line["JobType"], line["Engine"], line["JobsFailed"]) == ("tts", job.engine, [1.0])
    (ended,) = [json.loads(x) for x in out.getvalue().splitlines() if '"job ended"' in x]
    assert ended["correlation_id"] == job.job_id and ended["service"] == "voiceclone-orchestration"
    assert ended["function_name"] == FakeLambdaContext.function_name


def test_an_api_log_line_carries_the_request_id_and_the_api_service(api, store):
    out = io.StringIO()
    handler = API.logger.handlers[0]
    previous = handler.setStream(out)
    try:
        voice = ready_voice(store, "alice")
        # No state machine is configured here: the launch fails and the library logs it.
        api.post("/api/tts/generate", body={"text": "Hello there.", "voice_model_id": voice.voice_id})
    finally:
        handler.setStream(previous)
    lines = [json.loads(x) for x in out.getvalue().splitlines() if x.startswith("{")]
    assert lines, "the request logged nothing"
    assert all(line["correlation_id"] == "req" and line["service"] == "voiceclone-api" for line in lines)
