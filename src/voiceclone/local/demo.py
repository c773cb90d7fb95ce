"""The `make run` demo: what a user does, over HTTP against the local gateway, once at start.

Uploads real speech (LibriVox utterances from the Debian speech cache that `make speech` fetches, or
espeak-ng when that is all there is) through presigned POSTs, waits for analysis, trains an instant
voice, speaks a sentence as MP3, downloads it through the presigned link into out/, and prints where
the file is and how long each stage took. `run_demo(stack)` is the LocalStack hook; it never stops
the platform: a failed demo is reported and the API keeps serving.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DEMO_USER = "demo"
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


@dataclass
class DemoClient:
    """A user of the HTTP API: bearer token, JSON in and out, errors raised with the API's message."""

    base_url: str
    token: str
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
        """Poll `path` until `done`; print a line whenever what `show` says changes."""
        deadline, last = time.monotonic() + TIMEOUT_S, None
        while True:
            record = self.call("GET", path)
            line = show(record)
            if line != last:
                print(f"  {line}", flush=True)
                last = line
            if done(record):
                return record
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path} did not finish within {TIMEOUT_S} s")
            time.sleep(POLL_S)

    def stage(self, name: str, work: Callable[[], Any]) -> Any:
        print(f"- {name}", flush=True)
        started = time.perf_counter()
        result = work()
        self.timings[name] = time.perf_counter() - started
        return result


def _job_line(job: dict) -> str:
    line = f"{job['status']}: {job.get('stage') or '-'} {job.get('progress', 0) * 100:.0f}%"
    return f"{line} ({job['error_message']})" if job.get("error_message") else line


def run_user_journey(base_url: str, token: str, out_dir: Path = OUT_DIR) -> Path:
    """The whole journey; returns the downloaded MP3. Raises RuntimeError with the API's message."""
    import requests

    client = DemoClient(base_url, token)
    speech = demo_speech()
    sample_ids = client.stage("upload samples", lambda: [client.upload_sample(s) for s in speech])

    def analysed() -> list[dict]:
        return [client.wait(f"/api/samples/{sample_id}", lambda s: s["status"] in ("ready", "rejected"),
                            lambda s: f"{s['sample_id']}: {s['status']}") for sample_id in sample_ids]

    samples = client.stage("wait for analysis", analysed)
    usable = [s["sample_id"] for s in samples if s["status"] == "ready" and s.get("suitable_for_training")]
    if not usable:
        raise RuntimeError(f"no sample was suitable for training: {[s.get('reasons') for s in samples]}")

    def train() -> dict:
        job = client.call("POST", "/api/training/start", json={
            "voice_name": "Demo voice", "sample_ids": usable, "training_config": {"model_type": "xtts_v2_instant"}})
        return client.wait(f"/api/training/job/{job['job_id']}", lambda j: j["status"] in ENDED, _job_line)

    trained = client.stage("train an instant voice", train)
    if trained["status"] != "completed":
        raise RuntimeError(f"training {trained['status']}: {trained.get('error_message')}")

    def speak() -> dict:
        job = client.call("POST", "/api/tts/generate", json={
            "text": DEMO_TEXT, "voice_model_id": trained["result_model_id"], "output_format": "mp3"})
        return client.wait(f"/api/tts/job/{job['job_id']}", lambda j: j["status"] in ENDED, _job_line)

    spoken = client.stage("speak a sentence", speak)
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
        return target

    path = client.stage("download the MP3", download)
    print(f"demo: wrote {path.resolve()} ({spoken.get('actual_duration_s')} s of audio)")
    print("demo timings: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in client.timings.items()))
    return path


def run_demo(stack: Any) -> Path | None:
    """LocalStack hook: run the journey as the demo user; report a failure, keep the platform up."""
    if os.environ.get("VOICECLONE_SKIP_DEMO"):
        return None
    print(f"demo: user '{DEMO_USER}' against {stack.url}", flush=True)
    try:
        return run_user_journey(stack.url, stack.issue_token(DEMO_USER))
    except (RuntimeError, OSError, subprocess.SubprocessError, KeyError, ValueError) as error:  # report, keep serving
        logger.error("demo failed: %s", error)
        print(f"demo failed: {error}", flush=True)
        return None
