"""Self-hosted engines side by side on tiny random weights (CPU): model load and unload, time to first audio and total.

Per engine (XTTS v2 instant, YourTTS, Bark), in one run:
1. model load and unload times: a warm-up load (imports, first-touch) is discarded, then BENCH_ENGINES_RUNS
   load/unload pairs; unload includes the garbage collection that frees the weights;
2. the same 200-character text streamed: time to the first audio piece and to the last, the audio's length.

Random weights rarely stop: XTTS is capped at BENCH_ENGINES_XTTS_TOKENS audio tokens per chunk and Bark at
BENCH_ENGINES_BARK_SECONDS of semantic tokens per chunk, so audio lengths (and totals) differ by engine and
are reported beside them; what compares across engines is load/unload and the per-chunk overheads, not
quality. Medians. Writes bench/results/engines.json and engines.md.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
RUNS = int(os.environ.get("BENCH_ENGINES_RUNS", "3"))
XTTS_TOKENS = int(os.environ.get("BENCH_ENGINES_XTTS_TOKENS", "48"))
BARK_SECONDS = float(os.environ.get("BENCH_ENGINES_BARK_SECONDS", "1.0"))
TEXT = (
    "The quick brown fox jumps over the lazy dog near the river bank. A voice clone speaks any text in the "
    "voice of its owner, and it should start speaking quickly. This sentence ends the text here, today."
)
assert len(TEXT) == 200, len(TEXT)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def _clips():
    from tests.support.speech import english_utterances
    from voiceclone.engines.base import TrainingClip

    return [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in english_utterances()[:2]]


def _load_unload(load: Callable[[], None], unload: Callable[[], None]) -> dict[str, float]:
    load()  # warm-up: imports and first-touch costs are not the model's
    unload()
    loads, unloads = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        load()
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        unload()
        gc.collect()
        unloads.append(time.perf_counter() - started)
    return {"load_s": _median(loads), "unload_s": _median(unloads)}


def _stream(speak: Callable[[], object], sample_rate: int) -> dict[str, float]:
    firsts, totals, audio = [], [], 0.0
    for _ in range(RUNS):
        started = time.perf_counter()
        first, samples, pieces = None, 0, 0
        for piece in speak():  # type: ignore[attr-defined]
            first = first if first is not None else time.perf_counter() - started
            samples += len(piece)
            pieces += 1
        totals.append(time.perf_counter() - started)
        firsts.append(first or 0.0)
        audio = samples / sample_rate
    return {
        "first_audio_s": _median(firsts),
        "total_s": _median(totals),
        "audio_s": round(audio, 3),
        "pieces": pieces,
    }


def bench_xtts(work_dir: Path) -> dict:
    from voiceclone.domain.tts import VoiceSettings
    from voiceclone.engines.base import FineTuneConfig
    from voiceclone.engines.xtts.engine import XttsEngine
    from voiceclone.engines.xtts.model import load_base_model
    from voiceclone.engines.xtts.tiny import tiny_xtts_dir

    folder = tiny_xtts_dir()
    holder: list = []
    figures = _load_unload(lambda: holder.append(load_base_model(folder, "cpu")), holder.clear)
    engine = XttsEngine(folder, device="cpu", max_new_tokens=XTTS_TOKENS)
    files = engine.create_voice(
        "xtts_v2_instant", _clips(), FineTuneConfig(), lambda f, s: None, work_dir
    ).files
    voice = engine.load_voice("xtts_v2_instant", files)
    figures |= _stream(lambda: engine.stream(TEXT, voice, "en", VoiceSettings()), 24000)
    return figures | {"cap": f"{XTTS_TOKENS} audio tokens per chunk"}


def bench_yourtts(work_dir: Path) -> dict:
    from voiceclone.domain.tts import VoiceSettings
    from voiceclone.engines.base import FineTuneConfig
    from voiceclone.engines.yourtts.engine import YourTtsEngine
    from voiceclone.engines.yourtts.tiny import tiny_yourtts_dir

    engine = YourTtsEngine(tiny_yourtts_dir(), device="cpu")
    figures = _load_unload(engine.load, engine.unload)
    engine.load()
    figures["parameter_mb"] = round(engine.memory_bytes() / 1e6, 1)
    files = engine.create_voice("yourtts", _clips(), FineTuneConfig(), lambda f, s: None, work_dir).files
    voice = engine.load_voice("yourtts", files)
    figures |= _stream(lambda: engine.stream(TEXT, voice, "en", VoiceSettings()), engine.output_sample_rate)
    engine.unload()
    return figures | {"cap": "none (durations predicted per character)"}


def bench_bark(work_dir: Path) -> dict:
    from voiceclone.domain.tts import VoiceSettings
    from voiceclone.engines.bark.engine import BarkEngine
    from voiceclone.engines.bark.tiny import tiny_bark_dir

    engine = BarkEngine(tiny_bark_dir(), device="cpu", max_gen_duration_s=BARK_SECONDS)
    figures = _load_unload(engine.load, engine.unload)
    engine.load()
    figures["parameter_mb"] = round(engine.memory_bytes() / 1e6, 1)
    voice = engine.load_preset("v2/en_speaker_0")
    figures |= _stream(lambda: engine.stream(TEXT, voice, "en", VoiceSettings()), engine.output_sample_rate)
    engine.unload()
    return figures | {"cap": f"{BARK_SECONDS} s of semantic tokens per chunk"}


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    engines = {"xtts_v2_instant": bench_xtts, "yourtts": bench_yourtts, "bark": bench_bark}
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, run in engines.items():
            folder = Path(scratch) / name
            folder.mkdir()
            results[name] = run(folder)
            print(name, results[name], flush=True)
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "load_average_end": round(os.getloadavg()[0], 2),
        },
        "runs": RUNS,
        "text_characters": len(TEXT),
        "engines": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "engines.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "engines.md").write_text(_markdown(report))


def _markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# Self-hosted engines on tiny random weights (CPU)",
        "",
        (
            f"{m['cpus']} CPUs shared with other work (load average {m['load_average_end']} at the end), torch {m['torch']}; "
            f"medians of {report['runs']} runs; the same {report['text_characters']}-character text, streamed."
        ),
        "",
        "| engine | model load | unload | first audio | total | audio | pieces | generation cap |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in report["engines"].items():
        lines.append(
            f"| {name} | {r['load_s']} s | {r['unload_s']} s | {r['first_audio_s']} s | {r['total_s']} s | "
            f"{r['audio_s']} s | {r['pieces']} | {r['cap']} |"
        )
    lines += [
        "",
        "Load excludes imports (a warm-up load is discarded); unload includes the garbage collection that frees",
        "the weights. Random weights: audio lengths follow the caps, not the text, so totals compare per second of",
        "audio at best; these figures say nothing about GPU speed or real-weight quality.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
