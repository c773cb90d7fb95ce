"""The `make run` demo runs once per data folder: against a platform in this process, a demo stopped after
its samples were analysed is finished by the next start with those samples (no second upload), and
every later start only says the demo is done — it never again adds samples or voices, so the fourth
start no longer ends in `403 … you own 3 voices`."""

from __future__ import annotations

import io

import httpx
import pytest

from voiceclone.local import console
from voiceclone.local.demo import DEMO_USER, DemoClient, demo_speech, run_demo
from voiceclone.local.stack import LocalConfig, LocalStack

STARTS_AFTER_THE_FIRST = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    config = LocalConfig(data_dir=tmp_path_factory.mktemp("demo-once"), port=0, run_demo=False)
    with LocalStack(config) as running:
        yield running


def _listing(stack: LocalStack, path: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {stack.issue_token(DEMO_USER)}"}
    answer = httpx.get(f"{stack.url}{path}?limit=100", headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _analysed_samples_of_a_stopped_demo(stack: LocalStack) -> list[str]:
    client = DemoClient(stack.url, stack.issue_token(DEMO_USER))
    sample_ids = [client.upload_sample(speech) for speech in demo_speech()]
    for sample_id in sample_ids:
        client.wait(f"/api/samples/{sample_id}", lambda s: s["status"] in ("ready", "rejected"), str)
    return sample_ids


class Terminal(io.StringIO):
    """What `say()` shows the person at the terminal (the JSON logs go to stdout, not here)."""

    def readouterr(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


@pytest.fixture
def terminal(monkeypatch) -> Terminal:
    screen = Terminal()
    monkeypatch.setattr(console, "_terminal", screen)
    return screen


def test_the_demo_runs_once_per_data_folder(stack, tmp_path, terminal):
    left_behind = _analysed_samples_of_a_stopped_demo(stack)

    speech = run_demo(stack, out_dir=tmp_path)
    first = terminal.readouterr()
    assert speech is not None and speech.stat().st_size > 0, first
    for step in ("1/5 upload samples: 3 samples", "2/5 analysis: 3 of 3 ready", "3/5 train an instant voice: completed",
                 "4/5 speak a sentence: completed", f"5/5 download the MP3: {speech}"):
        assert f"demo: {step}" in first, first
    assert len(first.splitlines()) == 6, first  # the intro and one line per step; progress goes to the log
    assert sorted(s["sample_id"] for s in _listing(stack, "/api/samples")) == sorted(left_behind)
    voices = _listing(stack, "/api/voices")
    assert [voice["status"] for voice in voices] == ["ready"]

    for _ in range(STARTS_AFTER_THE_FIRST):
        assert run_demo(stack, out_dir=tmp_path) == speech
        again = terminal.readouterr()
        assert again.splitlines() == [
            (f"demo: already done in this data folder (voice {voices[0]['voice_id']}, its speech in {speech}); "
             "delete that voice to run it again")]
    assert len(_listing(stack, "/api/samples")) == len(left_behind)
    assert len(_listing(stack, "/api/voices")) == 1
