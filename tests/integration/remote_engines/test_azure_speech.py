"""The Azure Speech client against the fake that checks headers, output formats and SSML against the
Speech REST reference: voices, every decodable format, errors."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from tests.integration.remote_engines.checks import assert_platform_file, assert_real_speech
from tests.integration.remote_engines.conftest import AZURE_KEY, RETRY
from tests.support.fakes.azure_fake import SPEC, format_codec
from voiceclone.engines.remote.azure_speech import AzureSpeech, output_encoding, ssml
from voiceclone.engines.remote.errors import ProviderAudioInvalid, ProviderError, ProviderTimeout
from voiceclone.engines.remote.output import decode

TEXT = "Fish & chips <three> for 'us'."


def decodable(name: str) -> bool:
    try:
        output_encoding(name)
        format_codec(name)
    except (ValueError, LookupError):
        return False
    return True


FORMATS = [name for name in SPEC.enum("OutputFormat") if decodable(name)]


def client(fake, sleeps=None, **options) -> AzureSpeech:
    azure = AzureSpeech(AZURE_KEY, fake.base_url, retry=RETRY, **options)
    if sleeps is not None:
        azure.http.sleep = sleeps
    return azure


def test_the_undecodable_formats_are_refused_before_any_request():
    refused = sorted(set(SPEC.enum("OutputFormat")) - set(FORMATS))
    assert all(name.startswith(("webm-", "amr-")) or "truesilk" in name or name.startswith("audio-") and name.endswith("-opus")
               for name in refused)
    for name in refused:
        with pytest.raises(ValueError, match="cannot be decoded here"):
            output_encoding(name)


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_decodable_output_format_is_real_speech(fake_azure, output_format):
    audio = client(fake_azure).speech(TEXT, "en-US-JennyNeural", output_format=output_format)
    _, rate = format_codec(output_format)
    assert_real_speech(audio, rate)
    assert fake_azure.requests[-1].headers["x-microsoft-outputformat"] == output_format


@pytest.mark.parametrize("output_format", ["flac", "wav"])
def test_the_answer_becomes_the_platforms_normalised_file(fake_azure, output_format):
    assert_platform_file(client(fake_azure).speech(TEXT), output_format)


def test_the_ssml_escapes_the_text_and_carries_voice_locale_and_rate(fake_azure):
    client(fake_azure).speech(TEXT, "de-DE-KatjaNeural", speed=1.25)
    request = fake_azure.requests[-1]
    assert request.headers["content-type"] == "application/ssml+xml" and request.headers["user-agent"]
    root = ElementTree.fromstring(request.body)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "de-DE"
    voice = root[0]
    assert voice.get("name") == "de-DE-KatjaNeural" and voice[0].get("rate") == "+25%"
    assert "".join(voice.itertext()) == TEXT


def test_no_prosody_at_normal_speed():
    assert "prosody" not in ssml("Hi", "en-US-AvaMultilingualNeural", 1.0)


def test_voices_are_the_catalogue_and_the_probe(fake_azure):
    voices = client(fake_azure).voices()
    assert {voice.short_name for voice in voices} >= {"en-US-JennyNeural", "de-DE-KatjaNeural"}
    jenny = next(voice for voice in voices if voice.short_name == "en-US-JennyNeural")
    assert (jenny.locale, jenny.gender, jenny.sample_rate, "cheerful" in jenny.styles) == ("en-US", "Female", 24000, True)


def test_an_unknown_voice_is_the_services_400(fake_azure):
    with pytest.raises(ProviderError) as refused:
        client(fake_azure).speech(TEXT, "en-US-NobodyNeural")
    assert refused.value.status == 400 and "en-US-NobodyNeural" in refused.value.message


def test_a_wrong_key_is_a_401_with_azures_message(fake_azure, sleeps):
    azure = AzureSpeech("0" * 32, fake_azure.base_url, retry=RETRY)
    azure.http.sleep = sleeps
    with pytest.raises(ProviderError) as refused:
        azure.probe()
    assert refused.value.status == 401 and refused.value.message.startswith("Access denied") and sleeps == []


def test_429_then_success(fake_azure, sleeps):
    fake_azure.fail_next(429, retry_after="0")
    assert_real_speech(client(fake_azure, sleeps).speech(TEXT), 24000)
    assert sleeps == [0.0]


def test_502_until_retries_are_spent(fake_azure, sleeps):
    fake_azure.fail_next(502, times=3)
    with pytest.raises(ProviderError) as failed:
        client(fake_azure, sleeps).speech(TEXT)
    assert failed.value.status == 502 and failed.value.attempts == 3 and len(sleeps) == 2


def test_timeout(fake_azure, sleeps):
    fake_azure.hang_next(1.5, times=3)
    with pytest.raises(ProviderTimeout):
        client(fake_azure, sleeps, timeout_s=0.3).speech(TEXT)


def test_malformed_audio(fake_azure):
    fake_azure.malformed_next()
    with pytest.raises(ProviderAudioInvalid, match="^azure returned"):
        decode(client(fake_azure).speech(TEXT))
