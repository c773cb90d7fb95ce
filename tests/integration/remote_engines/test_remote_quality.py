"""A remote engine's result is measured too (DNSMOS, signal checks on the provider's speech as delivered):
the completed job's quality_score is never null; speaker similarity is absent and the notes say why."""

from __future__ import annotations

from functions.orchestration import finalize_tts, remote_synthesize
from tests.integration.remote_engines.test_remote_synthesize_step import (  # noqa: F401 - fixtures
    USER,
    processing_job,
    provider_env,
    step_event,
    store,
)
from voiceclone.engines.remote.step import REMOTE_NO_REFERENCE


def test_a_remote_result_carries_its_quality_and_score(settings, store, aws, provider_env):  # noqa: F811
    job = processing_job(store, "openai", "mp3")
    answer = remote_synthesize.lambda_handler(step_event(store, job, provider_voice_id="nova"), None)
    quality = answer["quality"]
    assert quality["speaker_similarity"] is None and REMOTE_NO_REFERENCE in quality["notes"]
    assert 1 <= quality["dnsmos"]["ovrl"] <= 5 and quality["signal"]["duration_s"] > 3
    assert 0 <= quality["quality_score"] <= 1 and answer["metrics"]["quality_score"] == quality["quality_score"]
    finalize_tts.lambda_handler({"kind": "tts", "job_id": job.job_id, "user_id": USER, "result": answer}, None)
    done = store.tts.get(USER, job.job_id)
    assert done.quality_score == quality["quality_score"] and done.quality["dnsmos"] == quality["dnsmos"]
