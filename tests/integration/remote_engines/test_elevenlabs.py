"""The ElevenLabs client against the fake that checks every request against the SDK's request shapes:
clone from real samples, speak in every output format, delete; errors and the probe."""

from __future__ import annotations

import io
import json
import uuid

import pytest
import soundfile as sf

from tests.integration.remote_engines.checks import assert_platform_file, assert_real_speech
from tests.integration.remote_engines.conftest import ELEVENLABS_KEY, RETRY
from tests.support.fakes.elevenlabs_fake import SPEC, output_codec, parse_multipart
from tests.support.speech import english_utterances
from voiceclone.engines.remote.elevenlabs import ElevenLabs, SampleFile, output_encoding
from voiceclone.engines.remote.errors import ProviderAudioInvalid, ProviderError, ProviderTimeout
from voiceclone.engines.remote.output import decode

TEXT = "It is a truth universally acknowledged."
# every format but the opus/mp3 bitrates that are the same codec and rate as one kept
FORMATS = [name for name in SPEC.enum("OutputFormat")
           if name in ("mp3_22050_32", "mp3_44100_128", "mp3_24000_48", "opus_48000_64", "ulaw_8000", "alaw_8000")
           or name.startswith(("pcm_", "wav_"))]
SETTINGS = {"stability": 0.5, "similarity_boost": 0.8, "style": 0.2, "speed": 1.0}


def samples() -> list[SampleFile]:
    """Real recordings, as the enhancement step leaves them (WAV)."""
    files = []
    for index, utterance in enumerate(english_utterances()[:3]):
        buffer = io.BytesIO()
        audio, rate = utterance.load()
        sf.write(buffer, audio, rate, format="WAV", subtype="PCM_16")
        files.append(SampleFile(f"clip_{index:03d}.wav", buffer.getvalue()))
    return files


def client(fake, sleeps=None, **options) -> ElevenLabs:
    eleven = ElevenLabs(ELEVENLABS_KEY, fake.base_url, retry=RETRY, **options)
    if sleeps is not None:
        eleven.http.sleep = sleeps
    return eleven


def test_clone_speak_delete(fake_elevenlabs):
    eleven = client(fake_elevenlabs)
    clips = samples()
    voice_id = eleven.add_voice("Alice's voice", clips, description="cloned by voiceclone", labels={"language": "en"})
    stored = fake_elevenlabs.voices[voice_id]
    assert stored["name"] == "Alice's voice" and [data for _, data in stored["files"]] == [clip.data for clip in clips]
    assert json.loads(stored["labels"]) == {"language": "en"} and stored["remove_background_noise"] == "false"

    audio = eleven.speech(voice_id, TEXT, voice_settings=SETTINGS)
    assert_real_speech(audio, 24000)
    request = fake_elevenlabs.requests[-1]
    assert request.path == f"/v1/text-to-speech/{voice_id}" and request.query == {"output_format": ["pcm_24000"]}
    assert json.loads(request.body) == {"text": TEXT, "model_id": "eleven_multilingual_v2", "voice_settings": {
        **SETTINGS, "use_speaker_boost": True}}

    assert eleven.delete_voice(voice_id) is True and voice_id not in fake_elevenlabs.voices
    assert eleven.delete_voice(voice_id) is False  # already gone: idempotent
    with pytest.raises(ProviderError) as gone:
        eleven.speech(voice_id, TEXT)
    assert gone.value.status == 404 and "was not found" in gone.value.message


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_output_format_is_real_speech(fake_elevenlabs, output_format):
    audio = client(fake_elevenlabs).speech("21m00Tcm4TlvDq8ikWAM", TEXT, output_format=output_format)
    assert (audio.raw is None) == (output_encoding(output_format) is None)
    _, rate = output_codec(output_format)
    assert_real_speech(audio, rate)


@pytest.mark.parametrize("output_format", ["mp3", "ogg"])
def test_the_answer_becomes_the_platforms_normalised_file(fake_elevenlabs, output_format):
    assert_platform_file(client(fake_elevenlabs).speech("21m00Tcm4TlvDq8ikWAM", TEXT), output_format)


def test_speed_is_kept_within_elevenlabs_range(fake_elevenlabs):
    client(fake_elevenlabs).speech("21m00Tcm4TlvDq8ikWAM", TEXT, voice_settings={**SETTINGS, "speed": 2.0})
    assert json.loads(fake_elevenlabs.requests[-1].body)["voice_settings"]["speed"] == 1.2


def test_the_multipart_body_is_what_the_fake_parses(fake_elevenlabs):
    client(fake_elevenlabs).add_voice('na"me', samples()[:1], remove_background_noise=True)
    fields, files = parse_multipart(fake_elevenlabs.requests[-1])
    assert fields == {"name": 'na"me', "remove_background_noise": "true"} and len(files) == 1


def test_the_fake_refuses_a_body_outside_the_spec(fake_elevenlabs):
    eleven = client(fake_elevenlabs)
    with pytest.raises(ProviderError) as refused:
        eleven.http.request("POST", "v1/text-to-speech/21m00Tcm4TlvDq8ikWAM", json_body={"text": TEXT, "pitch": 3},
                            query={"output_format": "mp3_8000_8"})
    assert refused.value.status == 422 and "mp3_8000_8" in refused.value.message
    fake_elevenlabs.violations.clear()


def test_probe_lists_models(fake_elevenlabs):
    assert "eleven_multilingual_v2" in client(fake_elevenlabs).models()
    assert fake_elevenlabs.requests[-1].headers["xi-api-key"] == ELEVENLABS_KEY


def test_a_wrong_key_is_a_401(fake_elevenlabs, sleeps):
    eleven = ElevenLabs("sk_wrong_000000000000", fake_elevenlabs.base_url, retry=RETRY)
    eleven.http.sleep = sleeps
    with pytest.raises(ProviderError) as refused:
        eleven.add_voice("x", samples()[:1])
    assert refused.value.status == 401 and refused.value.message == "invalid api key" and sleeps == []
    assert fake_elevenlabs.voices == {}


def test_429_then_success(fake_elevenlabs, sleeps):
    fake_elevenlabs.fail_next(429, retry_after="1")
    assert_real_speech(client(fake_elevenlabs, sleeps).speech("21m00Tcm4TlvDq8ikWAM", TEXT), 24000)
    assert sleeps == [1.0]


def test_500_until_retries_are_spent(fake_elevenlabs, sleeps):
    fake_elevenlabs.fail_next(500, times=3)
    with pytest.raises(ProviderError) as failed:
        client(fake_elevenlabs, sleeps).speech("21m00Tcm4TlvDq8ikWAM", TEXT)
    assert (failed.value.status, failed.value.attempts, failed.value.message) == (500, 3, "scripted 500")


def test_timeout(fake_elevenlabs, sleeps):
    fake_elevenlabs.hang_next(1.5, times=3)
    with pytest.raises(ProviderTimeout):
        client(fake_elevenlabs, sleeps, timeout_s=0.3).models()


@pytest.mark.parametrize("output_format", ["pcm_24000", "mp3_44100_128", "ulaw_8000"])
def test_malformed_audio(fake_elevenlabs, output_format):
    fake_elevenlabs.malformed_next()
    audio = client(fake_elevenlabs).speech("21m00Tcm4TlvDq8ikWAM", TEXT, output_format=output_format)
    with pytest.raises(ProviderAudioInvalid, match="^elevenlabs returned"):
        decode(audio)


def test_clone_from_enhanced_clips_in_s3_then_speak_and_delete(fake_elevenlabs, aws):
    from voiceclone.engines.remote.cloning import clone_from_clips, delete_remote_voice

    s3 = aws.client("s3")
    bucket = aws.create_bucket(f"samples-{uuid.uuid4().hex[:8]}")
    keys = []
    for index, clip in enumerate(samples()):
        keys.append(f"prepared/alice/trn_1/smp_{index}/clip_000.wav")
        s3.put_object(Bucket=bucket, Key=keys[-1], Body=clip.data)
    eleven = client(fake_elevenlabs)
    voice_id = clone_from_clips(eleven, s3, bucket, keys, "alice-voice", description="voiceclone voice", language="en")
    stored = fake_elevenlabs.voices[voice_id]
    assert [filename for filename, _ in stored["files"]] == [f"smp_{index}_clip_000.wav" for index in range(3)]
    assert json.loads(stored["labels"]) == {"language": "en"}
    assert_real_speech(eleven.speech(voice_id, TEXT), 24000)
    assert delete_remote_voice(eleven, voice_id) is True and delete_remote_voice(eleven, voice_id) is False
