"""Real-time speech against a job, in one run: the same text and voice three ways, plus the engine alone.

The local platform runs in this process (LocalStack: SecantusDB, moto, the CPU synth worker on the tiny
XTTS v2, the gateway); an instant voice is trained on real LibriVox speech. The real-time app
(`voiceclone.realtime`) serves on its own uvicorn port over the same database, buckets and credentials,
with its own engine registry and voice cache (warmed once, as a running worker's is). Per run,
BENCH_REALTIME_RUNS (default 5) after one warm-up of each path:

  job        POST /api/tts/generate, poll every 50 ms, download the MP3: first audio = total
  websocket  start frame, the text, `end`: first binary frame, `done`
  speech     POST /v1/audio/speech (pcm, streamed): first body bytes, end of body
  engine     engine.stream() on the same text and loaded voice, in the bench's thread: first piece, last piece

The platform's overhead on first audio is measured per run, paired: the app's engine is wrapped to
stamp each `stream()` call and its first piece (the bench, the app and the client share one process and
one clock), so overhead = (client's first audio - text sent) - (engine's first piece - its stream call),
i.e. everything the platform adds on the way (frames, segmentation, reservation, the synthesis thread's
queue, encoding, the socket) but not the engine's own time to its first piece (target p50 <= 50 ms).
Unpaired, the difference of two medians is swamped by the shared CPUs' noise. First audio over WebSocket
and /v1/audio/speech is compared with 1/5 of the job's total. Medians; writes bench/results/realtime.json
and realtime.md.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
RUNS = int(os.environ.get("BENCH_REALTIME_RUNS", "5"))
# Two sentences of over 125 characters: the engine's own chunking (250 for English) and the stream's
# segmentation (per sentence) then speak the same two chunks (random weights speak each to the token cap).
TEXT = ("The platform turns this first sentence into speech with a cloned voice, piece by piece, as soon as the "
        "engine has made each piece. A second sentence follows it, long enough for the engine to speak it as a "
        "chunk of its own, just as the stream does with every sentence.")
PATHS = ("job", "websocket", "speech", "engine")


def _serve(app) -> tuple[str, Any, threading.Thread]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # proto set: asyncio turns Nagle off
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


class TimingEngine:
    """The app's real engine; each stream() call's start and first piece stamped (perf_counter)."""

    def __init__(self, engine):
        self._engine = engine
        self.calls: list[tuple[float, float]] = []

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def stream(self, text, voice, language, settings):
        started, first = time.perf_counter(), None
        for piece in self._engine.stream(text, voice, language, settings):
            if first is None:
                first = time.perf_counter()
                self.calls.append((started, first))
            yield piece

    def first_piece_after(self, moment: float) -> float:
        """The engine's own time to its first piece in the first stream() call made after `moment`."""
        started, first = next(call for call in self.calls if call[0] >= moment)
        return first - started


class TimingRegistry:
    def __init__(self, registry):
        self._registry = registry
        self._engines: dict[int, TimingEngine] = {}

    def served_model_types(self):
        return self._registry.served_model_types()

    def engine_for(self, model_type: str) -> TimingEngine:
        engine = self._registry.engine_for(model_type)
        return self._engines.setdefault(id(engine), TimingEngine(engine))


def realtime_app(stack):
    from voiceclone.authenticator import Authenticator
    from voiceclone.realtime import create_realtime_app
    from voiceclone.realtime.backend import SynthesisBackend
    from voiceclone.store import get_store
    from voiceclone.workers import resources
    from voiceclone.workers.voice_cache import VoiceCache
    from voiceclone.workers.voice_loading import VoiceLoader

    settings, s3 = stack.settings, stack.client("s3")
    store = get_store(settings)
    registry = TimingRegistry(resources.engine_registry(settings, resources.xtts_model_dir(settings, s3)))
    voices = VoiceLoader(settings, s3, VoiceCache(settings.worker_voice_cache_mb * 1024 * 1024))
    backend = SynthesisBackend(registry, voices)  # type: ignore[arg-type]  # the real registry, timed
    return create_realtime_app(settings, store, backend, Authenticator(stack.signing_key.verifier(), store.api_keys)), backend


def one_job(http, voice_id: str) -> tuple[float, float]:
    sent = time.perf_counter()
    job = http.post("/api/tts/generate", json={"text": TEXT, "voice_model_id": voice_id, "output_format": "mp3"}).json()
    while http.get(f"/api/tts/job/{job['job_id']}").json()["status"] not in ("completed", "failed"):
        time.sleep(0.05)
    audio = http.get(f"/api/tts/job/{job['job_id']}/download", follow_redirects=True)
    assert audio.status_code == 200 and audio.content, audio.text
    total = time.perf_counter() - sent
    return total, total


def one_websocket(url: str, token: str, voice_id: str) -> tuple[float, float, float]:
    from websockets.sync.client import connect

    with connect(url.replace("http://", "ws://") + "/v1/text-to-speech/stream",
                 additional_headers={"Authorization": f"Bearer {token}"}) as websocket:
        websocket.send(json.dumps({"type": "start", "voice_model_id": voice_id, "output_format": "pcm"}))
        assert json.loads(websocket.recv())["type"] == "ready"
        sent = time.perf_counter()
        websocket.send(json.dumps({"type": "text", "text": TEXT}))
        websocket.send(json.dumps({"type": "end"}))
        first = None
        while True:
            message = websocket.recv()
            if isinstance(message, bytes) and first is None:
                first = time.perf_counter() - sent
            if isinstance(message, str) and json.loads(message)["type"] == "done":
                assert first is not None
                return first, time.perf_counter() - sent, sent


def one_speech(http, voice_id: str) -> tuple[float, float, float]:
    sent = time.perf_counter()
    first = None
    with http.stream("POST", "/v1/audio/speech", json={"model": "tts-1", "input": TEXT, "voice": voice_id,
                                                       "response_format": "pcm"}) as response:
        assert response.status_code == 200, response.read()
        for chunk in response.iter_bytes():
            if chunk and first is None:
                first = time.perf_counter() - sent
    assert first is not None
    return first, time.perf_counter() - sent, sent


def one_engine(backend, store, user: str, voice_id: str) -> tuple[float, float]:
    from voiceclone.domain.tts import VoiceSettings

    record, spec = backend.check_voice(store, user, voice_id)
    speaker = backend.speaker(user, record, spec)  # from the voice cache after the first run
    sent = time.perf_counter()
    first = None
    for _piece in speaker.engine.stream(TEXT, speaker.voice, "en", VoiceSettings()):
        if first is None:
            first = time.perf_counter() - sent
    assert first is not None
    return first, time.perf_counter() - sent


def main() -> dict[str, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import httpx

    from bench.bench_e2e import User
    from voiceclone.domain.registry import ModelType
    from voiceclone.local.stack import LocalConfig, LocalStack
    from voiceclone.store import get_store

    with tempfile.TemporaryDirectory(prefix="bench-realtime-") as data_dir, \
            LocalStack(LocalConfig(data_dir=Path(data_dir), port=0, run_demo=False)) as stack:
        token = stack.issue_token("bench")
        voice_id = User(stack.url, token).instant_voice()
        store = get_store(stack.settings)
        store.users.set_plan("bench", "pro")  # the free month would run out across the runs
        app, backend = realtime_app(stack)
        url, server, thread = _serve(app)
        api = httpx.Client(base_url=stack.url, timeout=300, headers={"Authorization": f"Bearer {token}"})
        rt = httpx.Client(base_url=url, timeout=300, headers={"Authorization": f"Bearer {token}"})
        run = {
            "job": lambda: one_job(api, voice_id),
            "websocket": lambda: one_websocket(url, token, voice_id),
            "speech": lambda: one_speech(rt, voice_id),
            "engine": lambda: one_engine(backend, store, "bench", voice_id),
        }
        for path in PATHS:
            run[path]()  # warm-up: voice caches, first-use imports
        samples: dict[str, list[tuple[float, ...]]] = {path: [] for path in PATHS}
        overheads: dict[str, list[float]] = {"websocket": [], "speech": []}
        engine = backend.registry.engine_for(ModelType.XTTS_V2_INSTANT)  # the bench's voice is an instant one
        for _ in range(RUNS):
            for path in PATHS:  # interleaved, so load on the shared CPUs falls on every path alike
                samples[path].append(run[path]())
                if path in overheads:
                    first_audio, _total, sent = samples[path][-1]
                    overheads[path].append(first_audio - engine.first_piece_after(sent))
        server.should_exit = True
        thread.join(timeout=10)
        load = os.getloadavg()[0]
    first = {p: statistics.median(s[0] for s in samples[p]) for p in PATHS}
    total = {p: statistics.median(s[1] for s in samples[p]) for p in PATHS}
    figures = {
        "runs": RUNS,
        "text_characters": len(TEXT),
        "first_audio_p50_s": {p: round(v, 4) for p, v in first.items()},
        "total_p50_s": {p: round(v, 4) for p, v in total.items()},
        "overhead_on_first_audio_p50_ms": {p: round(statistics.median(v) * 1000, 1) for p, v in overheads.items()},
        "overhead_on_first_audio_ms_all": {p: [round(x * 1000, 1) for x in v] for p, v in overheads.items()},
        "difference_of_first_audio_medians_ms": {p: round((first[p] - first["engine"]) * 1000, 1)
                                                 for p in ("websocket", "speech")},
        "first_audio_over_job_total": {p: round(first[p] / total["job"], 3) for p in ("websocket", "speech")},
        "load_average_1m": round(load, 2),
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version()},
        "model": "tiny random XTTS v2 (voiceclone/engines/xtts/tiny.py), CPU, 60 tokens per text chunk",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "realtime.json").write_text(json.dumps(figures, indent=2) + "\n")
    rows = "\n".join(f"| {p} | {first[p]:.3f} | {total[p]:.3f} |" for p in PATHS)
    overhead = figures["overhead_on_first_audio_p50_ms"]
    ratio = figures["first_audio_over_job_total"]
    (RESULTS / "realtime.md").write_text(
        f"# Real-time speech vs a job (tiny XTTS v2 on CPU, {RUNS} interleaved runs, medians, load average {load:.1f})\n\n"
        f"Text: {len(TEXT)} characters, two sentences; the same instant voice on every path.\n\n"
        "| path | first audio p50 s | total p50 s |\n|---|---|---|\n"
        f"{rows}\n\n"
        f"The platform's overhead on first audio (paired per run: client's first audio minus the engine's own "
        f"time to its first piece in that run), p50: WebSocket {overhead['websocket']} ms, /v1/audio/speech "
        f"{overhead['speech']} ms (target <= 50 ms; the WebSocket's is counted from the text frame, the speech "
        f"request's from the POST, so it includes credentials, the voice, the plan, the job record and the "
        f"reservation). First audio / the job's total: WebSocket {ratio['websocket']}, /v1/audio/speech "
        f"{ratio['speech']} (target <= 0.2).\n"
    )
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
