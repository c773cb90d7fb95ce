"""No error, log line, repr or traceback carries a provider key, even when the provider echoes it back
(OpenAI's 401 names part of the key it was given)."""

from __future__ import annotations

import logging
import traceback

import pytest

from tests.integration.remote_engines.conftest import AZURE_KEY, ELEVENLABS_KEY, OPENAI_KEY, RETRY
from tests.support.fakes.azure_fake import FakeAzureSpeech
from tests.support.fakes.elevenlabs_fake import FakeElevenLabs
from tests.support.fakes.openai_fake import FakeOpenAi
from tests.support.fakes.server import Answer, Request
from voiceclone.engines.remote.azure_speech import AzureSpeech
from voiceclone.engines.remote.elevenlabs import ElevenLabs
from voiceclone.engines.remote.errors import ProviderError
from voiceclone.engines.remote.http import MIN_SECRET_FRAGMENT, redact
from voiceclone.engines.remote.keys import ProviderKeys, provider_keys_from_secret
from voiceclone.engines.remote.openai_tts import OpenAiTts


class Echoing:
    """A fake whose errors quote the credential it received, whole and abbreviated."""

    def answer(self, request: Request) -> Answer:
        self.requests.append(request)
        credential = (request.headers.get("authorization", "").removeprefix("Bearer ")
                      or request.headers.get("xi-api-key") or request.headers.get("ocp-apim-subscription-key", ""))
        status = 401 if len(self.requests) == 1 else 500
        return self.error(status, f"Incorrect API key provided: {credential} ({credential[:10]}****{credential[-4:]})")


class EchoingOpenAi(Echoing, FakeOpenAi):
    pass


class EchoingElevenLabs(Echoing, FakeElevenLabs):
    pass


class EchoingAzure(Echoing, FakeAzureSpeech):
    pass


CASES = [
    (EchoingOpenAi, OPENAI_KEY, lambda fake: OpenAiTts(OPENAI_KEY, fake.base_url, retry=RETRY),
     lambda client: client.speech("Hello")),
    (EchoingElevenLabs, ELEVENLABS_KEY, lambda fake: ElevenLabs(ELEVENLABS_KEY, fake.base_url, retry=RETRY),
     lambda client: client.speech("21m00Tcm4TlvDq8ikWAM", "Hello")),
    (EchoingAzure, AZURE_KEY, lambda fake: AzureSpeech(AZURE_KEY, fake.base_url, retry=RETRY),
     lambda client: client.speech("Hello")),
]


def leaks(text: str, key: str) -> bool:
    return any(key[start : start + MIN_SECRET_FRAGMENT] in text for start in range(len(key) - MIN_SECRET_FRAGMENT + 1))


@pytest.mark.parametrize(("fake_class", "key", "make_client", "call"), CASES, ids=["openai", "elevenlabs", "azure"])
def test_errors_logs_and_reprs_never_hold_the_key(fake_class, key, make_client, call, caplog):
    caplog.set_level(logging.DEBUG)
    with fake_class(key) as fake:
        client = make_client(fake)
        client.http.sleep = lambda seconds: None
        seen = []
        for _ in range(2):  # first a 401, then 500s through the retries (logged)
            with pytest.raises(ProviderError) as failed:
                call(client)
            error = failed.value
            assert "Incorrect API key provided" in error.message and "[redacted]" in error.message
            seen += [str(error), repr(error), repr(error.args), error.message,
                     "".join(traceback.format_exception(error))]
        assert failed.value.status == 500 and failed.value.attempts == RETRY.attempts
        seen += [repr(client), repr(client.http), caplog.text]
        assert "retry" in caplog.text  # the retries were logged, without the key
        for request in fake.requests:  # the key travels in a header only, never in the URL
            assert not leaks(request.path + repr(request.query), key)
    for text in seen:
        assert not leaks(text, key), text


def test_redact_removes_the_key_and_any_long_piece_of_it():
    key = "sk-proj-ABCDEFGHIJKLMNOP"
    text = redact(f"bad key {key}; also sk-proj-ABC...MNOP and ABCDEFGH", [key])
    assert not leaks(text, key) and "MNOP" in text  # four characters say nothing


def test_provider_keys_never_show_in_their_repr():
    keys = provider_keys_from_secret(
        f'{{"openai": "{OPENAI_KEY}", "ELEVENLABS_API_KEY": "{ELEVENLABS_KEY}", "azure": "{AZURE_KEY}", "azure_region": "westeurope"}}'
    )
    assert (keys.openai, keys.elevenlabs, keys.azure, keys.azure_region) == (OPENAI_KEY, ELEVENLABS_KEY, AZURE_KEY, "westeurope")
    for text in (repr(keys), str(keys), f"{keys}"):
        assert not any(leaks(text, key) for key in (OPENAI_KEY, ELEVENLABS_KEY, AZURE_KEY))
    assert "openai" in repr(keys) and repr(ProviderKeys()) == "ProviderKeys(configured=[], azure_region='')"


def test_a_secret_that_is_not_json_is_refused_without_echoing_it():
    with pytest.raises(ValueError) as refused:
        provider_keys_from_secret(f"openai={OPENAI_KEY}")
    assert not leaks("".join(traceback.format_exception(refused.value)), OPENAI_KEY)


def test_a_redirect_is_not_followed_with_the_key():
    class Redirecting(FakeOpenAi):
        def answer(self, request: Request) -> Answer:
            self.requests.append(request)
            return Answer(307, b"", {"Location": elsewhere.url + "/v1/models"})

    with FakeOpenAi(OPENAI_KEY) as elsewhere, Redirecting(OPENAI_KEY) as redirecting:
        with pytest.raises(ProviderError) as refused:
            OpenAiTts(OPENAI_KEY, redirecting.base_url, retry=RETRY).models()
        assert refused.value.status == 307 and len(redirecting.requests) == 1
        assert elsewhere.requests == []
