"""A real `websockets` client against `/v1/text-to-speech/stream` (uvicorn, tiny XTTS v2, SecantusDB, moto)."""

from __future__ import annotations

import io
import itertools
import json
import time

import av
import numpy as np
import pytest
import soundfile as sf
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.integration.realtime.conftest import BOB
from voiceclone.domain.jobs import JobStatus
from voiceclone.realtime.context import RealtimeLimits
from voiceclone.services import tts

PIECES = ["Hello the", "re, this is", " spoken as it", " arrives. And a second", " sentence", " follows"]


def open_stream(realtime, credential: str | None = None, header: str = "Authorization"):
    value = credential or realtime.token()
    headers = {header: f"Bearer {value}" if header == "Authorization" else value}
    return connect(realtime.ws_url, additional_headers=headers, open_timeout=10, max_size=2**22)


def frames(websocket, timeout_s: float = 120):
    """Every frame until the server closes: JSON ones as dicts, binary ones as bytes."""
    received = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            message = websocket.recv(timeout=deadline - time.monotonic())
            received.append(message if isinstance(message, bytes) else json.loads(message))
    except ConnectionClosed:
        return received
    raise AssertionError("the server did not close the stream")


def start(websocket, realtime, **fields) -> dict:
    websocket.send(json.dumps({"type": "start", "voice_model_id": realtime.voice_id, **fields}))
    return json.loads(websocket.recv(timeout=60))


def test_text_in_pieces_comes_back_as_audio_chunks_with_timing_and_usage(realtime):
    with open_stream(realtime) as websocket:
        ready = start(websocket, realtime, output_format="pcm")
        assert ready["type"] == "ready" and ready["sample_rate"] == 24000 and ready["content_type"] == "audio/pcm"
        for piece in PIECES:
            websocket.send(json.dumps({"type": "text", "text": piece}))
        websocket.send(json.dumps({"type": "end"}))
        received = frames(websocket)
        assert websocket.close_code == 1000
    headers = [f for f in received if isinstance(f, dict) and f["type"] == "audio"]
    audio = b"".join(f for f in received if isinstance(f, bytes))
    segments = [f for f in received if isinstance(f, dict) and f["type"] == "segment"]
    done = received[-1]
    text = "".join(PIECES)
    assert [s["text"] for s in segments] == ["Hello there, this is spoken as it arrives.", "And a second sentence follows"]
    assert [text[s["text_span"][0]:s["text_span"][1]] for s in segments] == [s["text"] for s in segments]
    assert len(headers) >= 2 and sum(h["bytes"] for h in headers) == len(audio)
    assert all(a["end_s"] > a["start_s"] and a["start_s"] == pytest.approx(b["end_s"]) for b, a in itertools.pairwise(headers))
    seconds = len(audio) / 2 / 24000
    assert done["type"] == "done" and done["usage"]["audio_seconds"] == pytest.approx(seconds, abs=1e-3)
    assert done["usage"]["characters"] == sum(len(s["text"]) for s in segments)
    # The block reserved at the start is refunded down to what was spoken once the session is settled.
    realtime.wait_for(lambda: realtime.usage() == done["usage"]["characters"], what="unspoken block refunded")
    assert np.abs(np.frombuffer(audio, dtype="<i2")).max() > 0
    job = realtime.store.tts.get("alice", done["session_id"])
    realtime.wait_for(lambda: realtime.store.tts.get("alice", done["session_id"]).status == JobStatus.COMPLETED)
    assert job.engine == "xtts_v2_instant"
    ended = realtime.store.tts.get("alice", done["session_id"])  # measured like a job's result
    assert ended.quality_score is not None and 0.0 <= ended.quality_score <= 1.0
    assert {"speaker_similarity", "dnsmos", "signal"} <= set(ended.quality) and ended.quality["signal"]


@pytest.mark.parametrize("output_format", ["mp3", "opus"])
def test_mp3_and_opus_frames_concatenate_to_one_decodable_stream(realtime, output_format):
    with open_stream(realtime, *realtime.api_key()[:1], header="X-API-Key") as websocket:
        ready = start(websocket, realtime, output_format=output_format, sample_rate=16000)
        assert ready["sample_rate"] == 16000
        websocket.send(json.dumps({"type": "text", "text": "One short sentence."}))
        websocket.send(json.dumps({"type": "flush"}))
        websocket.send(json.dumps({"type": "end"}))
        received = frames(websocket)
    data = b"".join(f for f in received if isinstance(f, bytes))
    samples, rate = sf.read(io.BytesIO(data), dtype="float32")
    assert len(samples) / rate > 0.3
    if output_format == "mp3":
        assert rate == 16000
    else:
        with av.open(io.BytesIO(data)) as container:
            assert container.streams.audio[0].codec_context.name in ("opus", "libopus")


def test_an_early_close_stops_the_synthesis_and_refunds_what_was_not_spoken(realtime):
    long_text = " ".join(f"Sentence number {n} is here." for n in range(12))
    with open_stream(realtime) as websocket:
        start(websocket, realtime, output_format="pcm")
        websocket.send(json.dumps({"type": "text", "text": long_text}))
        websocket.send(json.dumps({"type": "end"}))
        first = json.loads(websocket.recv(timeout=120))
        assert first["type"] == "audio" and first["segment"] == 0
    # Closed after the first chunk: the engine's generator is closed, nothing more is generated.
    realtime.wait_for(lambda: realtime.engine.streams_closed == realtime.engine.streams_started, what="generator closed")
    pieces = realtime.engine.pieces
    time.sleep(1.5)
    assert realtime.engine.pieces == pieces
    assert realtime.engine.streams_started <= 2  # of 12 sentences, at most the one being spoken and the next
    job = None

    def cancelled() -> bool:
        nonlocal job
        job = next(iter(realtime.store.tts.list("alice", limit=5).items))
        return job.status == JobStatus.CANCELLED

    realtime.wait_for(cancelled, what="session record cancelled")
    assert realtime.usage() == job.characters  # only finished segments stay charged (here at most one)
    assert realtime.usage() < len(long_text)


def test_another_users_private_voice_is_refused_before_any_audio(realtime):
    bobs = realtime.add_voice(BOB, realtime.voice_keys)
    with open_stream(realtime) as websocket:
        websocket.send(json.dumps({"type": "start", "voice_model_id": bobs, "output_format": "pcm"}))
        received = frames(websocket)
        assert websocket.close_code == 4404
    assert received == [{"type": "error", "status": 404, "code": "not_found", "close_code": 4404,
                         "message": f"voice '{bobs}' not found"}]
    assert realtime.engine.streams_started == 0


def test_a_used_up_month_is_refused_with_4429(realtime):
    realtime.store.users.charge_characters("alice", "earlier-job", 10_000, 10_000)
    with open_stream(realtime) as websocket:
        received = [start(websocket, realtime)]
        with pytest.raises(ConnectionClosed):
            websocket.recv(timeout=10)
        assert websocket.close_code == 4429
    assert received[0]["type"] == "error" and received[0]["code"] == "quota_exceeded"
    assert "monthly_characters" in received[0]["message"]


def test_bad_credentials_and_bad_frames_are_refused_with_their_codes(realtime):
    with open_stream(realtime, "nope") as websocket:
        assert frames(websocket)[0]["code"] == "malformed_token"
        assert websocket.close_code == 4401
    with open_stream(realtime) as websocket:
        websocket.send(json.dumps({"type": "text", "text": "no start first"}))
        frames(websocket)
        assert websocket.close_code == 4422
    with open_stream(realtime) as websocket:
        websocket.send(json.dumps({"type": "start", "voice_model_id": realtime.voice_id, "output_format": "opus",
                                   "sample_rate": 22050}))
        assert "22050" in frames(websocket)[0]["message"]
        assert websocket.close_code == 4422


@pytest.mark.parametrize("realtime", [{"limits": RealtimeLimits(reauth_interval_s=0.3)}], indirect=True)
def test_a_key_revoked_while_connected_closes_the_stream_with_4401(realtime):
    secret, key_id = realtime.api_key()
    with open_stream(realtime, secret) as websocket:
        assert start(websocket, realtime)["type"] == "ready"
        realtime.revoke(key_id)
        received = frames(websocket, timeout_s=30)
        assert websocket.close_code == 4401
    assert received[-1]["code"] == "api_key_revoked"


def test_cancelling_the_sessions_job_through_the_api_ends_the_stream_and_refunds(realtime):
    long_text = " ".join(f"Sentence number {n} is here." for n in range(12))
    with open_stream(realtime) as websocket:
        ready = start(websocket, realtime, output_format="pcm")
        websocket.send(json.dumps({"type": "text", "text": long_text}))
        assert json.loads(websocket.recv(timeout=120))["type"] == "audio"
        tts.cancel_job(realtime.store, "alice", ready["session_id"])
        received = frames(websocket, timeout_s=60)
        assert websocket.close_code == 4409
    assert [f["code"] for f in received if isinstance(f, dict) and f["type"] == "error"] == ["session_ended"]
    spoken = sum(len(f["text"]) for f in received if isinstance(f, dict) and f["type"] == "segment")
    # The block reserved at the start (the plan's 1000 characters) is refunded down to what was spoken.
    realtime.wait_for(lambda: realtime.usage() < len(long_text), what="refund")
    assert spoken <= realtime.usage()
    assert realtime.store.tts.get("alice", ready["session_id"]).status == JobStatus.CANCELLED


@pytest.mark.parametrize("realtime", [{"max_streams": 1}], indirect=True)
def test_a_worker_with_every_slot_busy_refuses_at_once_with_4503_and_503(realtime):
    import openai

    with open_stream(realtime) as holding:
        assert start(holding, realtime)["type"] == "ready"  # the worker's one slot
        with open_stream(realtime) as second:
            refused = start(second, realtime)
            assert refused["code"] == "service_busy"
            with pytest.raises(ConnectionClosed):
                second.recv(timeout=10)
            assert second.close_code == 4503
        client = openai.OpenAI(base_url=realtime.url + "/v1", api_key=realtime.token(), max_retries=0)
        with pytest.raises(openai.InternalServerError) as busy:
            client.audio.speech.create(model="tts-1", voice=realtime.voice_id, input="Hello.")
        assert busy.value.status_code == 503 and busy.value.response.headers["retry-after"] == "5"
    # The slot is free again once the first session ends.
    realtime.wait_for(lambda: client.with_raw_response.models.list().status_code == 200, what="models")
    realtime.wait_for(lambda: realtime.store.tts.count_active("alice") == 0, what="session settled")
    assert client.audio.speech.create(model="tts-1", voice=realtime.voice_id, input="Hello.").read()
