"""The OpenAI TTS client against the fake that checks every request against OpenAI's OpenAPI document;
and the official `openai` SDK against the same fake (it must accept it: the fake is faithful)."""

from __future__ import annotations

import json

import pytest

from tests.integration.remote_engines.checks import assert_platform_file, assert_real_speech
from tests.integration.remote_engines.conftest import OPENAI_KEY, RETRY
from voiceclone.engines.remote.errors import ProviderAudioInvalid, ProviderError, ProviderTimeout
from voiceclone.engines.remote.openai_tts import DECODABLE_FORMATS, PCM_SAMPLE_RATE, OpenAiTts

TEXT = "The quick brown fox jumped over the lazy dog."


def client(fake, sleeps=None, **options) -> OpenAiTts:
    tts = OpenAiTts(OPENAI_KEY, fake.base_url, retry=options.pop("retry", RETRY), **options)
    if sleeps is not None:
        tts.http.sleep = sleeps
    return tts


@pytest.mark.parametrize("response_format", DECODABLE_FORMATS)
def test_every_decodable_response_format_is_real_speech(fake_openai, response_format):
    audio = client(fake_openai).speech(TEXT, "coral", response_format=response_format)
    assert audio.format == response_format
    assert_real_speech(audio, PCM_SAMPLE_RATE)
    sent = json.loads(fake_openai.requests[-1].body)
    assert sent == {"model": "gpt-4o-mini-tts", "input": TEXT, "voice": "coral", "response_format": response_format}


@pytest.mark.parametrize("output_format", ["mp3", "wav", "ogg", "flac"])
def test_the_answer_becomes_the_platforms_normalised_file(fake_openai, output_format):
    assert_platform_file(client(fake_openai).speech(TEXT, response_format="wav"), output_format)


def test_speed_and_instructions_are_sent_where_the_model_takes_them(fake_openai):
    tts = client(fake_openai)
    tts.speech(TEXT, model="gpt-4o-mini-tts", speed=1.25, instructions="Speak calmly.")
    tts.speech(TEXT, model="tts-1", speed=9.0, instructions="Speak calmly.")
    first, second = (json.loads(request.body) for request in fake_openai.requests)
    assert first["speed"] == 1.25 and first["instructions"] == "Speak calmly."
    assert second["speed"] == 4.0 and "instructions" not in second  # clamped to the spec's maximum


def test_the_fake_refuses_a_request_outside_the_spec(fake_openai):
    tts = client(fake_openai)
    with pytest.raises(ProviderError) as refused:
        tts.http.request("POST", "audio/speech", json_body={"model": "tts-1", "input": TEXT, "voice": "alloy",
                                                            "response_format": "ogg"})
    assert refused.value.status == 400 and "'ogg' is not one of" in refused.value.message
    assert fake_openai.violations and "response_format" in fake_openai.violations[0]
    fake_openai.violations.clear()


def test_probe_lists_models_with_the_key(fake_openai):
    assert "gpt-4o-mini-tts" in client(fake_openai).models()
    assert fake_openai.requests[-1].headers["authorization"] == f"Bearer {OPENAI_KEY}"


def test_a_wrong_key_is_a_401_with_openais_message_and_no_retry(fake_openai, sleeps):
    tts = OpenAiTts("sk-wrong-key-000000000000", fake_openai.base_url, retry=RETRY)
    tts.http.sleep = sleeps
    with pytest.raises(ProviderError) as refused:
        tts.probe()
    assert (refused.value.status, refused.value.message, refused.value.auth_refused) == (401, "invalid api key", True)
    assert len(fake_openai.requests) == 1 and sleeps == []


def test_429_then_success_waits_as_retry_after_says(fake_openai, sleeps):
    fake_openai.fail_next(429, retry_after="2")
    audio = client(fake_openai, sleeps).speech(TEXT)
    assert_real_speech(audio, PCM_SAMPLE_RATE)
    assert sleeps == [2.0] and len(fake_openai.requests) == 2


def test_a_retry_after_beyond_the_cap_gives_up_at_once(fake_openai, sleeps):
    fake_openai.fail_next(429, retry_after="3600")
    with pytest.raises(ProviderError) as refused:
        client(fake_openai, sleeps).speech(TEXT)
    assert refused.value.status == 429 and refused.value.retryable and sleeps == []


def test_500_is_retried_with_backoff_then_reported(fake_openai, sleeps):
    fake_openai.fail_next(500, times=3)
    with pytest.raises(ProviderError) as failed:
        client(fake_openai, sleeps).speech(TEXT)
    assert failed.value.status == 500 and failed.value.attempts == 3 and failed.value.message == "scripted 500"
    assert len(sleeps) == 2 and all(0 < delay <= RETRY.max_delay_s for delay in sleeps)


def test_500_then_success(fake_openai, sleeps):
    fake_openai.fail_next(503)
    assert_real_speech(client(fake_openai, sleeps).speech(TEXT), PCM_SAMPLE_RATE)
    assert len(sleeps) == 1


def test_no_answer_within_the_timeout(fake_openai, sleeps):
    fake_openai.hang_next(1.5, times=3)
    with pytest.raises(ProviderTimeout) as timed_out:
        client(fake_openai, sleeps, timeout_s=0.3).speech(TEXT)
    assert timed_out.value.status is None and timed_out.value.attempts == 3
    assert "no answer within 0.3 s" in str(timed_out.value)


def test_a_timeout_then_an_answer(fake_openai, sleeps):
    fake_openai.hang_next(3.0)
    assert_real_speech(client(fake_openai, sleeps, timeout_s=1.0).speech(TEXT), PCM_SAMPLE_RATE)
    assert len(sleeps) == 1


@pytest.mark.parametrize("response_format", DECODABLE_FORMATS)
def test_malformed_audio_is_reported_not_stored(fake_openai, response_format):
    from voiceclone.engines.remote.output import decode

    fake_openai.malformed_next()
    audio = client(fake_openai).speech(TEXT, response_format=response_format)
    with pytest.raises(ProviderAudioInvalid, match=f"^openai returned .*{response_format} audio"):
        decode(audio)


def test_the_official_openai_sdk_accepts_the_fake(fake_openai):
    openai = pytest.importorskip("openai")
    sdk = openai.OpenAI(api_key=OPENAI_KEY, base_url=fake_openai.base_url, max_retries=0)
    answer = sdk.audio.speech.create(model="gpt-4o-mini-tts", voice="nova", input=TEXT, response_format="flac",
                                     speed=1.1, instructions="Cheerful.")
    from voiceclone.engines.remote.provider_audio import ProviderAudio

    assert_real_speech(ProviderAudio("openai", answer.content, "flac"), PCM_SAMPLE_RATE)
    assert [model.id for model in sdk.models.list()] == ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"]
    with pytest.raises(openai.AuthenticationError) as refused:
        openai.OpenAI(api_key="sk-wrong", base_url=fake_openai.base_url, max_retries=0).models.list()
    assert refused.value.status_code == 401 and refused.value.body["message"] == "invalid api key"


def test_the_clients_voices_models_and_formats_are_the_specs():
    import re

    from tests.support.fakes.openai_fake import SPEC
    from voiceclone.engines.remote.openai_tts import MODELS, RESPONSE_FORMATS, VOICES

    request = SPEC.schema("CreateSpeechRequest")["properties"]
    # the description names all built-in voices; the enum of VoiceIdsShared lists only some of them
    described = re.findall(r"`(\w+)`", request["voice"]["description"].split("You may also")[0])
    assert list(VOICES) == described
    assert set(SPEC.schema("VoiceIdsShared")["anyOf"][1]["enum"]) <= set(VOICES)
    assert list(MODELS) == request["model"]["anyOf"][1]["enum"]
    assert list(RESPONSE_FORMATS) == request["response_format"]["enum"]
