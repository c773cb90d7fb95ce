"""EMF lines, quiet empty flushes, JSON worker logs with the job id, light imports, tracing off outside Lambda."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import warnings

from voiceclone import observability
from voiceclone.observability import Component, MetricName, Service

HEAVY = ("torch", "numpy", "librosa", "TTS", "scipy", "soundfile", "aws_xray_sdk.core")


def _emf_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def test_emit_job_prints_one_emf_line_with_its_dimensions(capsys):
    observability.emit_job(Service.SYNTH_WORKER, MetricName.SYNTHESIS_SECONDS, "tts", "xtts_v2", 1.25, "Seconds")
    (line,) = _emf_lines(capsys.readouterr().out)
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "voiceclone"
    assert directive["Metrics"] == [{"Name": "SynthesisSeconds", "Unit": "Seconds"}]
    assert sorted(directive["Dimensions"][0]) == ["Engine", "JobType", "service"]
    assert (line["JobType"], line["Engine"], line["service"]) == ("tts", "xtts_v2", "voiceclone-synth-worker")
    assert line["SynthesisSeconds"] == [1.25]


def test_a_handler_that_counts_nothing_flushes_without_a_warning(capsys):
    component = Component(Service.API)

    @component.handler(observability.API_REQUEST_ID)
    def handler(event, context):
        return "ok"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert handler({"requestContext": {"requestId": "r-1"}}, None) == "ok"
        assert handler({"requestContext": {"requestId": "r-2"}}, None) == "ok"
    assert not [w for w in caught if "No application metrics" in str(w.message)]
    names = [m["Name"] for line in _emf_lines(capsys.readouterr().out) for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert set(names) <= {"ColdStart"}


def test_worker_log_lines_are_json_with_the_job_id_from_any_thread():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        handler = observability.configure_worker_logging(Service.TRAIN_WORKER)
        handler.setStream(out := io.StringIO())
        with observability.job_scope("trn_42", job_type="training", engine="xtts_v2"):
            logging.getLogger("voiceclone.workers.loop").info("job started")
        logging.getLogger("voiceclone.workers.loop").info("idle")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    during, after = (json.loads(line) for line in out.getvalue().splitlines())
    assert during["message"] == "job started" and during["service"] == "voiceclone-train-worker"
    assert during["job_id"] == during["correlation_id"] == "trn_42" and during["engine"] == "xtts_v2"
    assert "job_id" not in after


def test_tracing_is_a_no_op_outside_lambda_and_the_api_imports_stay_light():
    probe = (
        "import sys, functions.api.tts, functions.api.samples, functions.api.docs, functions.api.common as c;"
        f"print([m for m in {HEAVY!r} if m in sys.modules], type(c.API.tracer).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["[]", "NoTracer"]
