"""The `make run` demo: what a user does, over HTTP against the local gateway, once per data folder.

Uploads real speech (LibriVox utterances from the Debian speech cache that `make speech` fetches, or
espeak-ng when that is all there is) through presigned POSTs, waits for analysis, trains an instant
voice, speaks a sentence as MP3, downloads it through the presigned link into out/, and says where
the file is and how long each step took: one console line per step, job progress into the log.

It runs once per data folder: when the demo user already has its ready voice, the demo only says so;
samples a stopped demo left ready are used again rather than uploaded twice (so restarts never run
into the plan's voice limit). `run_demo(stack)` is the LocalStack hook; it never stops the platform:
a failed demo is reported and the API keeps serving.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceclone.domain.training import ModelType
from voiceclone.local.console import say

logger = logging.getLogger(__name__)

DEMO_USER = "demo"
DEMO_VOICE_NAME = "Demo voice"
DEMO_TEXT = "Hello! This is my cloned voice, speaking on a platform that runs entirely on this machine."
OUT_DIR = Path("out")
SPEECH_CACHE = Path(os.environ.get("VOICECLONE_SPEECH_CACHE", ".cache/speech"))
LIBRIVOX = Path("usr/share/pocketsphinx/test/data/librivox")
ESPEAK_LINES = (
    "The quick brown fox jumps over the lazy dog.",
    "A voice clone speaks any text in the voice of its owner.",
    "We will meet again tomorrow morning at the station.",
)
SAMPLES = 3
POLL_S = 0.5
TIMEOUT_S = 900
ENDED = {"completed", "failed", "cancelled"}
STEPS = 5


@dataclass(frozen=True)
class SpeechFile:
    path: Path
    transcript: str


def demo_speech(count: int = SAMPLES) -> list[SpeechFile]:
    """Real recorded speech when the Debian cache is there; espeak-ng speech otherwise."""
    folder = SPEECH_CACHE / LIBRIVOX
    listing = folder / "transcription"
    if listing.is_file():
        found = []
        for line in listing.read_text().splitlines():
            match = re.search(r"<s>\s*(.*?)\s*</s>\s*\(([^)]+)\)", line)
            if match and (folder / f"{match[2]}.wav").is_file():
                found.append(SpeechFile(folder / f"{match[2]}.wav", match[1].lower()))
        if found:  # the longest recordings: each comfortably long enough to train on
            return sorted(found, key=lambda speech: -speech.path.stat().st_size)[:count]
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("no speech for the demo: run `make speech` (or install espeak-ng)")
    folder = Path(tempfile.mkdtemp(prefix="voiceclone-demo-"))
    speech = []
    for index, text in enumerate(ESPEAK_LINES[:count]):
        path = folder / f"espeak_{index}.wav"
        subprocess.run(["espeak-ng", "-v", "en", "-w", str(path), text], check=True, capture_output=True, timeout=60)
        speech.append(SpeechFile(path, text))
    return speech


class DemoStopped(Exception):
    """The platform is stopping: the demo ends without a report."""


@dataclass
class DemoClient:
    """A user of the HTTP API: bearer token, JSON in and out, errors raised with the API's message."""

    base_url: str
    token: str
    stopping: threading.Event = field(default_factory=threading.Event)
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import requests

        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, self.base_url + path, timeout=30, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def upload_sample(self, speech: SpeechFile) -> str:
        import requests

        created = self.call("POST", "/api/samples", json={
            "name": speech.path.stem, "filename": speech.path.name, "transcript": speech.transcript, "language": "en"})
        upload = created["upload"]
        with speech.path.open("rb") as audio:
            answer = requests.post(upload["url"], data=upload["fields"], files={"file": (speech.path.name, audio)}, timeout=60)
        answer.raise_for_status()
        return created["sample"]["sample_id"]

    def wait(self, path: str, done: Callable[[dict], bool], show: Callable[[dict], str]) -> dict:
        """Poll `path` until `done`; log a line whenever what `show` says changes."""
        deadline, last = time.monotonic() + TIMEOUT_S, None
        while True:
            record = self.call("GET", path)
            line = show(record)
            if line != last:
                logger.info("demo: %s", line)
                last = line
            if done(record):
                return record
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path} did not finish within {TIMEOUT_S} s")
            if self.stopping.wait(POLL_S):
                raise DemoStopped

    def step(self, number: int, name: str, work: Callable[[], Any], outcome: Callable[[Any], str]) -> Any:
        """One console line per step: its name, then how it ended and how long it took."""
        started = time.perf_counter()
        result = work()
        self.timings[name] = seconds = time.perf_counter() - started
        say(f"demo: {number}/{STEPS} {name}: {outcome(result)} in {seconds:.1f} s")
        return result


def _job_line(job: dict) -> str:
    line = f"{job['job_id']} {job['status']}: {job.get('stage') or '-'} {job.get('progress', 0) * 100:.0f}%"
    return f"{line} ({job['error_message']})" if job.get("error_message") else line


def _trained_line(client: DemoClient, job: dict) -> str:
    """The training's status and the voice's quality verdict (docs/quality.md): the tiny random weights fail it."""
    if job["status"] != "completed":
        return str(job["status"])
    quality = client.call("GET", f"/api/voices/{job['result_model_id']}/quality")
    report = quality.get("report") or {}
    if not quality.get("evaluated"):
        return f"completed; quality not measured: {quality.get('message')}"
    verdict = "target reached" if report.get("passed") else "below target"
    headline = report.get("headline") or {}
    reasons = f" - {report['reasons'][0]}" if report.get("reasons") else ""
    return (f"completed; quality {verdict} ({report.get('quality_target')}): speaker similarity "
            f"{headline.get('speaker_similarity')}, DNSMOS {headline.get('dnsmos_ovrl')}{reasons}")


def find_demo_voice(client: DemoClient) -> dict | None:
    """The demo user's ready voice from an earlier run in this data folder, if there is one."""
    voices = client.call("GET", "/api/voices?status=ready&limit=100")["items"]
    return next((voice for voice in voices if voice.get("name") == DEMO_VOICE_NAME), None)


def reusable_samples(client: DemoClient, speech: list[SpeechFile]) -> list[str]:
    """Samples of the demo's speech that an earlier, unfinished demo left ready and suitable."""
    names = {item.path.stem for item in speech}
    samples = client.call("GET", "/api/samples?status=ready&limit=100")["items"]
    return [s["sample_id"] for s in samples if s.get("name") in names and s.get("suitable_for_training")]


def latest_demo_speech(out_dir: Path) -> Path | None:
    files = sorted(out_dir.glob("demo_*.mp3"), key=lambda path: path.stat().st_mtime)
    return files[-1].resolve() if files else None


def run_user_journey(base_url: str, token: str, out_dir: Path = OUT_DIR,
                     stopping: threading.Event | None = None) -> Path:
    """The whole journey; returns the downloaded MP3. Raises RuntimeError with the API's message."""
    import requests

    client = DemoClient(base_url, token, stopping or threading.Event())
    speech = demo_speech()

    def upload() -> list[str]:
        return reusable_samples(client, speech) or [client.upload_sample(item) for item in speech]

    sample_ids = client.step(1, "upload samples", upload, lambda ids: f"{len(ids)} samples")

    def analysed() -> list[dict]:
        return [client.wait(f"/api/samples/{sample_id}", lambda s: s["status"] in ("ready", "rejected"),
                            lambda s: f"{s['sample_id']}: {s['status']}") for sample_id in sample_ids]

    samples = client.step(2, "analysis", analysed,
                          lambda found: f"{sum(s['status'] == 'ready' for s in found)} of {len(found)} ready")
    usable = [s["sample_id"] for s in samples if s["status"] == "ready" and s.get("suitable_for_training")]
    if not usable:
        raise RuntimeError(f"no sample was suitable for training: {[s.get('reasons') for s in samples]}")

    def train() -> dict:
        job = client.call("POST", "/api/training/start", json={
            "voice_name": DEMO_VOICE_NAME, "sample_ids": usable, "training_config": {"model_type": str(ModelType.XTTS_V2_INSTANT)}})
        return client.wait(f"/api/training/job/{job['job_id']}", lambda j: j["status"] in ENDED, _job_line)

    trained = client.step(3, "train an instant voice", train, lambda job: _trained_line(client, job))
    if trained["status"] != "completed":
        raise RuntimeError(f"training {trained['status']}: {trained.get('error_message')}")

    def speak() -> dict:
        job = client.call("POST", "/api/tts/generate", json={
            "text": DEMO_TEXT, "voice_model_id": trained["result_model_id"], "output_format": "mp3"})
        return client.wait(f"/api/tts/job/{job['job_id']}", lambda j: j["status"] in ENDED, _job_line)

    spoken = client.step(4, "speak a sentence", speak, lambda job: job["status"])
    if spoken["status"] != "completed":
        raise RuntimeError(f"speech {spoken['status']}: {spoken.get('error_message')}")

    def download() -> Path:
        redirect = client.http.get(f"{base_url}/api/tts/job/{spoken['job_id']}/download", allow_redirects=False, timeout=30)
        if redirect.status_code != 302:
            raise RuntimeError(f"download answered {redirect.status_code}: {redirect.text}")
        audio = requests.get(redirect.headers["Location"], timeout=60)
        audio.raise_for_status()
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"demo_{spoken['job_id']}.mp3"
        target.write_bytes(audio.content)
        return target.resolve()

    client.step(5, "download the MP3", download,
                lambda path: f"{path} ({spoken.get('actual_duration_s')} s of audio)")
    logger.info("demo timings: %s", ", ".join(f"{name} {seconds:.1f} s" for name, seconds in client.timings.items()))
    return out_dir.resolve() / f"demo_{spoken['job_id']}.mp3"


def run_demo(stack: Any, stopping: threading.Event | None = None, out_dir: Path = OUT_DIR) -> Path | None:
    """LocalStack hook: run the journey as the demo user unless it ran in this data folder before;
    report a failure, keep the platform up. Returns the demo's MP3 (None when it failed)."""
    if os.environ.get("VOICECLONE_SKIP_DEMO"):
        return None
    try:
        client = DemoClient(stack.url, stack.issue_token(DEMO_USER))
        voice = find_demo_voice(client)
        if voice is not None:
            speech = latest_demo_speech(out_dir)
            said = f", its speech in {speech}" if speech else ""
            say(f"demo: already done in this data folder (voice {voice['voice_id']}{said}); "
                "delete that voice to run it again")
            return speech
        say(f"demo: as user '{DEMO_USER}': upload speech, train an instant voice, speak a sentence into "
            f"{out_dir.resolve()}/")
        return run_user_journey(stack.url, stack.issue_token(DEMO_USER), out_dir, stopping)
    except DemoStopped:
        return None
    except (RuntimeError, OSError, subprocess.SubprocessError, KeyError, ValueError) as error:  # report, keep serving
        if stopping is not None and stopping.is_set():
            return None
        logger.error("demo failed: %s", error)
        say(f"demo failed: {error}")
        return None
