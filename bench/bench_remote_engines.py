"""The platform's overhead around a remote engine's call, against the local fakes, for a 200-character text.

Per engine: wall time of the platform's path (client request -> answer -> decode -> loudness-normalise ->
encode MP3), minus the time the fake itself spent answering (measured inside the fake): what the
platform adds to the provider's latency. Split into HTTP (request building, local transport, reading),
decode and render (normalise + encode). Target: overhead p50 <= 50 ms. The fakes answer with one real
utterance (~7 s of speech, about what 100 characters take); render time grows with audio length, so the
figures are also given per second of audio. S3 upload is left out (moto's time is not the platform's).

Also: import time of the official `openai` SDK against the standard-library client, in fresh
interpreters (why the clients use the standard library). Writes bench/results/remote_engines.{json,md}.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.support.fakes.azure_fake import FakeAzureSpeech
from tests.support.fakes.elevenlabs_fake import FakeElevenLabs
from tests.support.fakes.openai_fake import FakeOpenAi
from voiceclone.engines.remote.azure_speech import AzureSpeech
from voiceclone.engines.remote.elevenlabs import ElevenLabs
from voiceclone.engines.remote.openai_tts import OpenAiTts
from voiceclone.engines.remote.output import decode
from voiceclone.engines.remote.speech import RemoteSpeechRequest, fetch_speech
from voiceclone.workers.postprocess import render

RESULTS = Path(__file__).parent / "results"
RUNS = 30
WARMUP = 3
TARGET_P50_S = 0.050
IMPORT_RUNS = 5
TEXT = ("The platform sends this sentence to a remote speech engine and measures what it adds around the "
        "provider's own time: building the request, reading the answer, decoding and normalising the audio.")[:200]
KEY = "bench-key-0123456789abcdef"
OUTPUT_FORMAT = "mp3"


class Timed:
    """Mixin: records how long the fake spent on each answer."""

    def answer(self, request):
        started = time.perf_counter()
        answer = super().answer(request)
        self.server_s.append(time.perf_counter() - started)
        return answer


class TimedOpenAi(Timed, FakeOpenAi):
    pass


class TimedElevenLabs(Timed, FakeElevenLabs):
    pass


class TimedAzure(Timed, FakeAzureSpeech):
    pass


ENGINES = {
    "openai": (TimedOpenAi, lambda fake: OpenAiTts(KEY, fake.base_url), None),
    "elevenlabs": (TimedElevenLabs, lambda fake: ElevenLabs(KEY, fake.base_url), "21m00Tcm4TlvDq8ikWAM"),
    "azure": (TimedAzure, lambda fake: AzureSpeech(KEY, fake.base_url), None),
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


def measure_engine(engine: str, output_format: str = OUTPUT_FORMAT) -> dict:
    fake_class, make_client, voice = ENGINES[engine]
    fake = fake_class(KEY)
    fake.server_s = []
    rows = []
    with fake:
        client = make_client(fake)
        request = RemoteSpeechRequest(engine=engine, text=TEXT, voice=voice,
                                      voice_settings={"stability": 0.75, "similarity_boost": 0.75, "style": 0.0, "speed": 1.0})
        for run in range(WARMUP + RUNS):
            started = time.perf_counter()
            audio = fetch_speech(client, request)
            answered = time.perf_counter()
            samples, rate = decode(audio)
            decoded = time.perf_counter()
            data, _ = render(samples, rate, output_format)
            rendered = time.perf_counter()
            if run >= WARMUP:
                server = fake.server_s[-1]
                rows.append({"http_s": answered - started - server, "decode_s": decoded - answered,
                             "render_s": rendered - decoded, "overhead_s": rendered - started - server,
                             "provider_s": server, "audio_s": len(samples) / rate, "bytes": len(data)})
        assert fake.violations == [], fake.violations
    summary = {"output_format": output_format, "provider_format": audio.format, "audio_s": round(rows[0]["audio_s"], 2),
               "output_bytes": rows[0]["bytes"]}
    for name in ("overhead_s", "http_s", "decode_s", "render_s", "provider_s"):
        values = [row[name] for row in rows]
        summary[name] = {"p50": round(statistics.median(values), 4), "p90": round(percentile(values, 0.9), 4),
                         "min": round(min(values), 4)}
    summary["overhead_ms_per_audio_s_p50"] = round(1000 * summary["overhead_s"]["p50"] / summary["audio_s"], 2)
    summary["under_target"] = summary["overhead_s"]["p50"] <= TARGET_P50_S
    return summary


def import_seconds(statement: str) -> float:
    probe = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                                 timeout=120).stdout.strip()) for _ in range(IMPORT_RUNS)]
    return round(statistics.median(runs), 4)


def imports() -> dict:
    figures = {"voiceclone.engines.remote.openai_tts (stdlib HTTPS)": import_seconds("import voiceclone.engines.remote.openai_tts")}
    try:
        import openai  # noqa: F401
    except ImportError:
        figures["openai SDK"] = None
    else:
        figures["openai SDK (import + client)"] = import_seconds("import openai; openai.OpenAI(api_key='x').audio.speech")
    return figures


def main() -> dict:
    engines = {engine: measure_engine(engine) for engine in ENGINES}
    # the render step is the platform's encoder, the same as the GPU path's: its cost depends on the format
    formats = {fmt: measure_engine("openai", fmt) for fmt in ("wav", "flac", "ogg", "mp3")}
    report = {
        "benchmark": "remote_engines", "runs": RUNS, "warmup": WARMUP, "text_characters": len(TEXT),
        "output_format": OUTPUT_FORMAT, "target_overhead_p50_s": TARGET_P50_S,
        "python": platform.python_version(), "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
        "engines": engines, "openai_by_output_format": formats, "import_median_s": imports(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "remote_engines.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        "# Remote engines: the platform's overhead around the provider call",
        "",
        (f"{RUNS} runs per engine (after {WARMUP} warm-up) against the local fakes, a {len(TEXT)}-character text, "
         f"output {OUTPUT_FORMAT}; overhead = wall time of request + decode + normalise + encode minus the fake's "
         f"own answering time. Target: overhead p50 <= {TARGET_P50_S * 1000:.0f} ms. "
         f"Load average at the start: {report['load_average_1m']} on {report['cpus']} CPUs (shared machine)."),
        "",
        "| engine | provider format | audio s | overhead p50 ms | p90 ms | HTTP p50 ms | decode p50 ms | render p50 ms | ms per audio s | target met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for engine, f in engines.items():
        lines.append(
            f"| {engine} | {f['provider_format']} | {f['audio_s']} | {f['overhead_s']['p50'] * 1000:.1f} | "
            f"{f['overhead_s']['p90'] * 1000:.1f} | {f['http_s']['p50'] * 1000:.1f} | {f['decode_s']['p50'] * 1000:.1f} | "
            f"{f['render_s']['p50'] * 1000:.1f} | {f['overhead_ms_per_audio_s_p50']} | {'yes' if f['under_target'] else 'no'} |"
        )
    lines += ["", "The same path for openai into each platform output format (render = normalise + encode):", "",
              "| output format | overhead p50 ms | p90 ms | render p50 ms | output bytes | target met |", "|---|---|---|---|---|---|"]
    for fmt, f in formats.items():
        lines.append(f"| {fmt} | {f['overhead_s']['p50'] * 1000:.1f} | {f['overhead_s']['p90'] * 1000:.1f} | "
                     f"{f['render_s']['p50'] * 1000:.1f} | {f['output_bytes']} | {'yes' if f['under_target'] else 'no'} |")
    lines += ["", f"Import time, median of {IMPORT_RUNS} fresh interpreters:", "", "| module | seconds |", "|---|---|"]
    lines += [f"| {name} | {seconds if seconds is not None else 'not installed'} |"
              for name, seconds in report["import_median_s"].items()]
    (RESULTS / "remote_engines.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return report


if __name__ == "__main__":
    main()
