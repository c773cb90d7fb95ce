"""Availability: a key configured and the provider's probe answering; the catalogue of preset voices."""

from __future__ import annotations

from tests.integration.remote_engines.conftest import AZURE_KEY, ELEVENLABS_KEY, OPENAI_KEY
from voiceclone.engines.remote.availability import NO_KEY, catalogue, probe_engine
from voiceclone.engines.remote.endpoints import RemoteEndpoints
from voiceclone.engines.remote.keys import ProviderKeys
from voiceclone.engines.remote.speech import client_for


def endpoints(fake_openai, fake_elevenlabs, fake_azure) -> RemoteEndpoints:
    return RemoteEndpoints(elevenlabs_base_url=fake_elevenlabs.base_url, openai_base_url=fake_openai.base_url,
                           azure_speech_endpoint=fake_azure.base_url, timeout_s=2)


def test_every_engine_with_a_good_key_is_available(fake_openai, fake_elevenlabs, fake_azure):
    keys = ProviderKeys(elevenlabs=ELEVENLABS_KEY, openai=OPENAI_KEY, azure=AZURE_KEY)
    where = endpoints(fake_openai, fake_elevenlabs, fake_azure)
    for engine, fake, path in (("openai", fake_openai, "/v1/models"), ("elevenlabs", fake_elevenlabs, "/v1/models"),
                               ("azure", fake_azure, "/cognitiveservices/voices/list")):
        probe = probe_engine(engine, keys, where)
        assert probe.available and probe.reason is None and probe.latency_s is not None, probe
        assert fake.requests[-1].path == path


def test_no_key_or_a_refused_key_says_why_without_the_key(fake_openai, fake_elevenlabs, fake_azure):
    where = endpoints(fake_openai, fake_elevenlabs, fake_azure)
    assert probe_engine("openai", ProviderKeys(), where).reason == NO_KEY
    assert fake_openai.requests == []  # no key: no request
    refused = probe_engine("elevenlabs", ProviderKeys(elevenlabs="sk_wrong_key_1234567890"), where)
    assert (refused.available, refused.status) == (False, 401)
    assert refused.reason == "the provider refused the platform's key (HTTP 401: invalid api key)"
    fake_azure.fail_next(503, times=4, retry_after="0")
    down = probe_engine("azure", ProviderKeys(azure=AZURE_KEY), where)
    assert (down.available, down.status) == (False, 503) and "azure failed (HTTP 503 after 4 attempts)" in down.reason


def test_azure_without_region_or_endpoint_is_not_available():
    probe = probe_engine("azure", ProviderKeys(azure=AZURE_KEY), RemoteEndpoints())
    assert not probe.available and "AZURE_SPEECH_REGION" in probe.reason


def test_catalogues(fake_openai, fake_elevenlabs, fake_azure):
    keys = ProviderKeys(elevenlabs=ELEVENLABS_KEY, openai=OPENAI_KEY, azure=AZURE_KEY)
    where = endpoints(fake_openai, fake_elevenlabs, fake_azure)
    azure = catalogue(client_for("azure", keys, where))
    assert ("de-DE-KatjaNeural", "de-DE", "Female") in [(v.provider_voice_id, v.language, v.gender) for v in azure]
    openai = [voice.provider_voice_id for voice in catalogue(client_for("openai", keys, where))]
    assert "alloy" in openai and "cedar" in openai and fake_openai.requests == []  # a fixed list, no request
    assert catalogue(client_for("elevenlabs", keys, where)) == []
