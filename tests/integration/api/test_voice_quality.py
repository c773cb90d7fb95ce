"""The quality API on real speech: samples' and voices' speaker embeddings from real recordings, stored as
analyze-sample and register-voice store them (the Lambda itself: the last test); the similarity
of a same-speaker sample is high and of another speaker's low; other users' voices and samples are 404;
the report and the listing's headline."""

from __future__ import annotations

import io
from urllib.parse import quote_plus

import httpx
import numpy as np
import pytest
import soundfile as sf

from functions.orchestration import analyze_sample
from tests.integration.api.conftest import make_ready_sample, make_ready_voice
from tests.support.speech import czech_utterances, dutch_utterances
from voiceclone.quality.embeddings import SAMPLE, VOICE, SpeakerEmbeddings
from voiceclone.quality.speaker import configured_encoder
from voiceclone.services.samples import CreateSampleRequest, create_sample


def _speech(utterances, seconds: float, rate: int = 22050) -> tuple[np.ndarray, int]:
    """Consecutive lines joined at one rate (a few lines of the game are at another)."""
    import soxr

    pieces, total = [], 0.0
    for utterance in utterances:
        samples, own_rate = utterance.load()
        pieces.append(samples if own_rate == rate else soxr.resample(samples, own_rate, rate).astype(np.float32))
        total += len(samples) / own_rate
        if total >= seconds:
            break
    return np.concatenate(pieces), rate


def _upload_and_analyse(settings, store, user: str, samples: np.ndarray, rate: int) -> str:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="FLAC")
    created = create_sample(store, settings, user, CreateSampleRequest(name="r", filename="r.flac")).model_dump()
    upload = created["upload"]
    response = httpx.post(upload["url"], data=upload["fields"], files={"file": ("r.flac", buffer.getvalue())}, timeout=30)
    assert response.status_code in (200, 204), response.text
    key = upload["fields"]["key"]
    event = {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": settings.samples_bucket}, "object": {"key": quote_plus(key)}}}]}
    assert analyze_sample.lambda_handler(event, None)["results"] == {key: "ready"}
    return created["sample"]["sample_id"]


@pytest.fixture(scope="module")
def speech_embeddings() -> dict[str, list[float]]:
    """Embeddings of real speech, made once: two stretches of the Czech "small" actor and of the Czech
    "big" actor, one of the Dutch "big" actor."""
    encoder = configured_encoder()
    small, big = czech_utterances("small"), czech_utterances("big")
    stretches = {
        "small_a": small[:40], "small_b": small[200:260], "big_a": big[:40], "big_b": big[300:360],
        "dutch_big": dutch_utterances("big")[:40],
    }
    return {name: encoder.embed(*_speech(lines, 12.0)).tolist() for name, lines in stretches.items()}


@pytest.fixture
def voices_and_samples(store, speech_embeddings):
    """alice: a voice of the Czech "small" actor, a sample of the same actor and one of the Dutch "big";
    bob: a voice and a sample of the Czech "big" actor. Stored as register-voice and analyze-sample do."""
    embeddings = SpeakerEmbeddings(store.database)
    ids = {}
    for user, stretch in (("alice", "small_a"), ("bob", "big_a")):
        ids[f"{user}_voice"] = make_ready_voice(store, user, public=True)
        embeddings.put(user, VOICE, ids[f"{user}_voice"], "resemblyzer", speech_embeddings[stretch])
    for name, user, stretch in (("alice_same", "alice", "small_b"), ("alice_other", "alice", "dutch_big"),
                                ("bob_sample", "bob", "big_b")):
        ids[name] = make_ready_sample(store, user)
        embeddings.put(user, SAMPLE, ids[name], "resemblyzer", speech_embeddings[stretch])
    return ids


def _similarity(api, user, voice_id, sample_id):
    return api.post(f"/api/voices/{voice_id}/similarity", user=user, body={"sample_id": sample_id})


def test_similarity_is_high_for_the_same_speaker_and_low_for_another(api, store, voices_and_samples):
    ids = voices_and_samples
    stored = SpeakerEmbeddings(store.database).get("alice", SAMPLE, ids["alice_same"])
    assert stored is not None and stored.encoder == "resemblyzer" and len(stored.embedding) == 256
    same = _similarity(api, "alice", ids["alice_voice"], ids["alice_same"])
    other = _similarity(api, "alice", ids["alice_voice"], ids["alice_other"])
    assert same.status == 200 and other.status == 200, (same.body, other.body)
    assert same.json["score"] > other.json["score"] + 0.1
    assert same.json["same_speaker"] and same.json["same_speaker_probability"] > 0.5
    assert not other.json["same_speaker"] and other.json["same_speaker_probability"] < 0.5
    assert same.json["threshold"] == other.json["threshold"] and same.json["encoder"] == "resemblyzer"


def test_another_users_voice_or_sample_is_not_found(api, voices_and_samples):
    ids = voices_and_samples
    # bob's public voice is still bob's: alice cannot compare her recordings with it, nor he with hers.
    assert _similarity(api, "alice", ids["bob_voice"], ids["alice_same"]).error_code == "not_found"
    assert _similarity(api, "alice", ids["alice_voice"], ids["bob_sample"]).error_code == "not_found"
    assert _similarity(api, "bob", ids["alice_voice"], ids["bob_sample"]).status == 404
    assert _similarity(api, "bob", ids["bob_voice"], ids["alice_same"]).status == 404
    assert _similarity(api, "alice", "voice_absent", ids["alice_same"]).status == 404
    assert api.get(f"/api/voices/{ids['alice_voice']}/quality", user="bob").status == 404


def test_a_sample_or_voice_without_an_embedding_is_409_and_bad_bodies_422(api, store, voices_and_samples):
    ids = voices_and_samples
    unembedded = make_ready_sample(store, "alice")  # analysed before embeddings were stored
    answer = _similarity(api, "alice", ids["alice_voice"], unembedded)
    assert answer.status == 409 and answer.error_code == "embedding_unavailable"
    assert "analysed before speaker embeddings" in answer.json["error"]["message"]
    old_voice = make_ready_voice(store, "alice")
    answer = _similarity(api, "alice", old_voice, ids["alice_same"])
    assert answer.status == 409 and "train it again" in answer.json["error"]["message"]
    assert api.post(f"/api/voices/{ids['alice_voice']}/similarity", user="alice", body={}).status == 422
    extra = {"sample_id": ids["alice_same"], "other": 1}
    assert api.post(f"/api/voices/{ids['alice_voice']}/similarity", user="alice", body=extra).status == 422


def test_quality_report_and_listing_headline(api, store, voices_and_samples, speech_embeddings):
    from voiceclone.quality.assessment import assess
    from voiceclone.quality.evaluation import build_report
    from voiceclone.quality.report import ReferenceClip, ReferenceSpeech

    ids = voices_and_samples
    # A report measured on real speech (a recording stands in for synthesised sentences here).
    lines = czech_utterances("small")[100:103]
    reference = speech_embeddings["small_a"]
    measured = [(u.transcript, u.duration_s, assess(*u.load(), u.transcript, reference)) for u in lines]
    held = ReferenceSpeech(held_out=True, clips=[ReferenceClip(name="a.wav", duration_s=12.0)], seconds=12.0)
    report = build_report(measured, held, "cs", "medium", "resemblyzer", False, 4, 1.0)
    store.voices.collection.update_one(
        {"_id": ids["alice_voice"]}, {"$set": {"quality_report": {"steps": 6.0, **report.model_dump(mode="json")}}}
    )
    answer = api.get(f"/api/voices/{ids['alice_voice']}/quality", user="alice")
    assert answer.status == 200, answer.body
    body = answer.json
    assert body["evaluated"] and body["training"] == {"steps": 6.0}
    assert len(body["report"]["sentences"]) == 3 and body["report"]["headline"]["speaker_similarity"] > 0.733
    assert set(body["report"]["verdicts"]) == {"low", "medium", "high"}
    listed = {v["voice_id"]: v for v in api.get("/api/voices", user="alice").json["items"]}
    headline = listed[ids["alice_voice"]]["quality"]
    assert headline["evaluated"] and headline["passed"] == report.passed
    assert headline["speaker_similarity"] == report.headline.speaker_similarity
    never = api.get(f"/api/voices/{make_ready_voice(store, 'alice')}/quality", user="alice").json
    assert never["evaluated"] is False and "before quality reports" in never["message"]



def test_analyze_sample_stores_a_ready_samples_embedding(api, settings, store, voices_and_samples):
    ids = voices_and_samples
    sample_id = _upload_and_analyse(settings, store, "alice", *_speech(czech_utterances("small")[200:260], 12.0))
    stored = SpeakerEmbeddings(store.database).get("alice", SAMPLE, sample_id)
    assert stored is not None and len(stored.embedding) == 256
    answer = _similarity(api, "alice", ids["alice_voice"], sample_id)
    assert answer.status == 200 and answer.json["same_speaker"], answer.body



def test_a_results_quality_is_in_result(api, store, settings, aws):
    """finalize-tts keeps what the synth worker measured (here on real speech), /result shows it."""
    from tests.support.speech import english_utterances
    from voiceclone.domain.jobs import JobStatus
    from voiceclone.domain.tts import TtsJob
    from voiceclone.quality.per_result import result_quality
    from voiceclone.workers.messages import SynthResult
    from voiceclone.workflows.completion import finalize_tts

    utterance = english_utterances()[1]
    quality = result_quality(*utterance.load(), utterance.transcript, None, synthesis_s=10.0)
    voice_id = make_ready_voice(store, "alice")
    store.tts.create(TtsJob(job_id="tts_q", user_id="alice", voice_model_id=voice_id, engine="xtts_v2_instant",
                            text=utterance.transcript, characters=len(utterance.transcript)))
    store.tts.transition("alice", "tts_q", JobStatus.PROCESSING)
    aws.client("s3").put_object(Bucket=settings.outputs_bucket, Key="tts/alice/tts_q.mp3", Body=b"ID3 mp3")
    result = SynthResult(output_key="tts/alice/tts_q.mp3", output_format="mp3", duration_s=2.99, sample_rate=16000,
                         size_bytes=7, metrics={"quality_score": quality["quality_score"]}, quality=quality)
    finalize_tts(store, "alice", "tts_q", result)
    shown = api.get("/api/tts/job/tts_q/result", user="alice").json
    assert shown["quality_score"] == quality["quality_score"] is not None
    assert shown["quality"]["dnsmos"]["ovrl"] == quality["dnsmos"]["ovrl"] and shown["quality"]["issues"] == []
    assert shown["quality"]["overhead_ratio"] == round(quality["seconds"] / 10.0, 4)
    assert api.get("/api/tts/job/tts_q/result", user="bob").status == 404
