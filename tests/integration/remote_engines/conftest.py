"""Each provider's fake on a local port, and fast retries whose waits are recorded, not slept."""

from __future__ import annotations

import pytest

from tests.support.fakes.azure_fake import FakeAzureSpeech
from tests.support.fakes.elevenlabs_fake import FakeElevenLabs
from tests.support.fakes.openai_fake import FakeOpenAi
from voiceclone.engines.remote.http import RetryPolicy

OPENAI_KEY = "sk-proj-TESTKEY0123456789abcdefXYZ"
ELEVENLABS_KEY = "sk_el_TESTKEY9876543210fedcba"
AZURE_KEY = "az0TESTKEY1122334455667788aabbcc"
RETRY = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.02)


@pytest.fixture
def fake_openai():
    with FakeOpenAi(OPENAI_KEY) as fake:
        yield fake
    assert fake.violations == [], fake.violations


@pytest.fixture
def fake_elevenlabs():
    with FakeElevenLabs(ELEVENLABS_KEY) as fake:
        yield fake
    assert fake.violations == [], fake.violations


@pytest.fixture
def fake_azure():
    with FakeAzureSpeech(AZURE_KEY) as fake:
        yield fake
    assert fake.violations == [], fake.violations


class Sleeps(list):
    """Stands in for time.sleep: the delays asked for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
