"""The official `openai` client against `/v1/audio/speech` and `/v1/models` (real uvicorn, tiny XTTS v2)."""

from __future__ import annotations

import io

import av
import httpx
import numpy as np
import openai
import pytest
import soundfile as sf

from tests.integration.realtime.conftest import BOB
from tests.support.fakes.server import OpenApiSpec
from voiceclone.domain.jobs import JobStatus
from voiceclone.realtime.openai_speech import MODEL_ALIASES, OPENAI_VOICES, SpeechRequest

TEXT = "Hello from the real time voice."


def client(realtime, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=realtime.url + "/v1", api_key=key or realtime.token(), max_retries=0, timeout=120)


def decoded_seconds(data: bytes, response_format: str) -> float:
    """Seconds of audio in the body, decoded as a player would (soundfile, PyAV for AAC/FLAC streams)."""
    if response_format == "pcm":
        return len(np.frombuffer(data, dtype="<i2")) / 24000
    if response_format in ("mp3", "wav", "opus"):
        samples, rate = sf.read(io.BytesIO(data), dtype="float32")
        return len(samples) / rate
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(audio=0))
        return sum(frame.samples for frame in frames) / frames[0].sample_rate


def test_create_speaks_the_voice_as_mp3_and_charges_the_input(realtime):
    response = client(realtime).audio.speech.create(model="tts-1", voice=realtime.voice_id, input=TEXT)
    data = response.read()
    assert response.response.headers["content-type"] == "audio/mpeg"
    assert decoded_seconds(data, "mp3") > 0.3
    job_id = response.response.headers["x-voiceclone-job-id"]
    realtime.wait_for(lambda: realtime.store.tts.get("alice", job_id).status == JobStatus.COMPLETED, what="job completed")
    job = realtime.store.tts.get("alice", job_id)
    assert job.characters == len(TEXT) and job.stage.startswith("realtime")
    assert realtime.usage() == len(TEXT)
    assert job.quality_score is not None and job.quality["quality_score"] == pytest.approx(job.quality_score, abs=1e-6)


@pytest.mark.parametrize("response_format", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_every_response_format_streams_and_decodes(realtime, response_format):
    chunks: list[bytes] = []
    with client(realtime).audio.speech.with_streaming_response.create(
        model="xtts_v2_instant", voice=realtime.voice_id, input=TEXT, response_format=response_format, speed=1.2,
    ) as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        chunks.extend(response.iter_bytes())
    assert decoded_seconds(b"".join(chunks), response_format) > 0.3


def test_a_preset_name_speaks_the_callers_voice_of_that_name(realtime):
    named = realtime.add_voice("alice", realtime.voice_keys, name="Nova")
    response = client(realtime).audio.speech.create(model="gpt-4o-mini-tts", voice="nova", input="Short.",
                                                    instructions="Speak cheerfully.")
    assert response.response.headers["x-voiceclone-instructions"].startswith("ignored")
    job = realtime.store.tts.get("alice", response.response.headers["x-voiceclone-job-id"])
    assert job.voice_model_id == named
    assert decoded_seconds(response.read(), "mp3") > 0


def test_models_lists_the_served_model_types_and_the_aliases(realtime):
    ids = {model.id for model in client(realtime).models.list()}
    assert ids == {"xtts_v2", "xtts_v2_instant", "tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15"}


def test_answers_follow_openais_definition(realtime):
    """Against the vendored excerpt of OpenAI's OpenAPI document (tests/support/fakes/specs)."""
    spec = OpenApiSpec("openai-speech.json")
    headers = {"Authorization": f"Bearer {realtime.token()}"}
    spec.check(httpx.get(realtime.url + "/v1/models", headers=headers).json(), "ListModelsResponse")
    refused = [
        httpx.get(realtime.url + "/v1/models"),
        httpx.post(realtime.url + "/v1/audio/speech", headers=headers, json={"model": "tts-1", "input": "x"}),
        httpx.post(realtime.url + "/v1/audio/speech", headers=headers, content=b"{not json"),
        httpx.post(realtime.url + "/v1/audio/speech", headers=headers,
                   json={"model": "tts-1", "input": "Hi.", "voice": "voice_nobody"}),
    ]
    assert [r.status_code for r in refused] == [401, 400, 400, 404]
    for response in refused:
        spec.check(response.json(), "ErrorResponse")
    assert refused[1].json()["error"]["param"] == "voice"
    request = spec.schema("CreateSpeechRequest")["properties"]
    assert set(request["response_format"]["enum"]) == set(SpeechRequest.model_fields["response_format"].annotation.__args__)
    assert set(request["model"]["anyOf"][1]["enum"]) == set(MODEL_ALIASES)
    assert set(spec.schema("VoiceIdsShared")["anyOf"][1]["enum"]) <= set(OPENAI_VOICES)


def test_an_api_key_speaks_and_a_key_without_tts_is_refused(realtime):
    key, _ = realtime.api_key(scopes=("tts",))
    assert decoded_seconds(client(realtime, key).audio.speech.create(model="tts-1", voice=realtime.voice_id,
                                                                      input="Yes.").read(), "mp3") > 0
    read_only, _ = realtime.api_key(scopes=("read",))
    with pytest.raises(openai.PermissionDeniedError):
        client(realtime, read_only).audio.speech.create(model="tts-1", voice=realtime.voice_id, input="No.")


def test_errors_map_to_the_clients_exception_classes(realtime):
    speech = client(realtime).audio.speech
    with pytest.raises(openai.AuthenticationError) as refused:
        client(realtime, "not-a-token").audio.speech.create(model="tts-1", voice=realtime.voice_id, input=TEXT)
    assert refused.value.body["code"] == "malformed_token"
    bobs = realtime.add_voice(BOB, realtime.voice_keys)  # bob's private voice: as if it did not exist
    with pytest.raises(openai.NotFoundError) as missing:
        speech.create(model="tts-1", voice=bobs, input=TEXT)
    assert missing.value.body["param"] == "voice" and bobs in missing.value.body["message"]
    with pytest.raises(openai.BadRequestError) as bad:
        speech.create(model="tts-1", voice=realtime.voice_id, input=TEXT, speed=3.0)
    assert bad.value.body["param"] == "speed"
    with pytest.raises(openai.BadRequestError) as bad:
        speech.create(model="whisper-1", voice=realtime.voice_id, input=TEXT)
    assert bad.value.body["param"] == "model"
    with pytest.raises(openai.BadRequestError) as bad:
        speech.create(model="tts-1", voice=realtime.voice_id, input=TEXT, response_format="ogg")  # type: ignore[arg-type]
    assert bad.value.body["param"] == "response_format"
    assert realtime.usage() == 0  # nothing refused was charged


def test_a_used_up_month_is_a_rate_limit_error_before_any_audio(realtime):
    realtime.store.users.charge_characters("alice", "earlier-job", 10_000, 10_000)  # the free plan's month
    with pytest.raises(openai.RateLimitError) as limited:
        client(realtime).audio.speech.create(model="tts-1", voice=realtime.voice_id, input=TEXT)
    assert limited.value.body["code"] == "insufficient_quota"
