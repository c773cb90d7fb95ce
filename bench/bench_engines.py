"""Every model type side by side (CPU): model load and unload, time to first audio and total, one run.

Self-hosted (XTTS v2 instant and fine-tuned, YourTTS, Bark) on tiny random weights:
1. model load and unload times: a warm-up load (imports, first-touch) is discarded, then BENCH_ENGINES_RUNS
   load/unload pairs; unload includes the garbage collection that frees the weights (xtts_v2 shares the
   base model with xtts_v2_instant: its own load is the fine-tuned GPT's, `voice_load_s`);
2. the same 200-character text streamed: time to the first audio piece and to the last, the audio's length.

Remote (ElevenLabs, OpenAI, Azure) against the local fakes (tests/support/fakes), nothing to load: the
same text, first audio = the provider's answer in hand (they answer whole), total = decoded, normalised and
encoded as MP3; `overhead` = total minus the fake's own answering time (what the platform adds), and the
same overhead for each output format (bench/bench_remote_engines.py's measurement, BENCH_ENGINES_REMOTE_RUNS).

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
REMOTE_RUNS = int(os.environ.get("BENCH_ENGINES_REMOTE_RUNS", "20"))
XTTS_TOKENS = int(os.environ.get("BENCH_ENGINES_XTTS_TOKENS", "48"))
BARK_SECONDS = float(os.environ.get("BENCH_ENGINES_BARK_SECONDS", "1.0"))
TEXT = (
    "The quick brown fox jumps over the lazy dog near the river bank. A voice clone speaks any text in the "
    "voice of its owner, and it should start speaking quickly. This sentence ends the text here, today."
)
assert len(TEXT) == 200, len(TEXT)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def _clips(count: int = 2):
    from tests.support.speech import english_utterances
    from voiceclone.engines.base import TrainingClip

    return [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in english_utterances()[:count]]


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


def bench_xtts(work_dir: Path) -> dict[str, dict]:
    """xtts_v2_instant and xtts_v2 (a one-epoch fine-tune of the tiny GPT): one base model, two kinds of voice."""
    from voiceclone.domain.tts import VoiceSettings
    from voiceclone.engines.base import FineTuneConfig
    from voiceclone.engines.xtts.engine import XttsEngine
    from voiceclone.engines.xtts.tiny import tiny_xtts_dir

    engine = XttsEngine(tiny_xtts_dir(), device="cpu", max_new_tokens=XTTS_TOKENS)
    loading = _load_unload(engine.load, engine.unload)
    engine.load()
    loading["parameter_mb"] = round(engine.memory_bytes() / 1e6, 1)
    cap = {"cap": f"{XTTS_TOKENS} audio tokens per chunk"}
    results = {}
    for model_type, config in (("xtts_v2_instant", FineTuneConfig()),
                               ("xtts_v2", FineTuneConfig(epochs=1, batch_size=2, checkpoint_every_steps=1000))):
        folder = work_dir / model_type
        folder.mkdir()
        started = time.perf_counter()
        files = engine.create_voice(model_type, _clips(3), config, lambda f, s: None, folder).files
        made = time.perf_counter() - started
        started = time.perf_counter()
        voice = engine.load_voice(model_type, files)
        voice_load = time.perf_counter() - started
        figures = _stream(lambda v=voice: engine.stream(TEXT, v, "en", VoiceSettings()), 24000)
        results[model_type] = loading | figures | cap | {"voice_made_s": round(made, 3), "voice_load_s": round(voice_load, 4)}
    engine.unload()
    return results


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


def bench_remote() -> dict[str, dict]:
    """Each remote engine against its fake: first audio (the answer in hand), total (platform MP3), overhead."""
    from bench import bench_remote_engines as remote

    remote.RUNS = REMOTE_RUNS
    results = {}
    for engine in remote.ENGINES:
        measured = remote.measure_engine(engine, "mp3")
        first = measured["http_s"]["p50"] + measured["provider_s"]["p50"]
        results[engine] = {
            "first_audio_s": round(first, 4),
            "total_s": round(first + measured["decode_s"]["p50"] + measured["render_s"]["p50"], 4),
            "overhead_p50_s": measured["overhead_s"]["p50"],
            "audio_s": measured["audio_s"],
            "pieces": 1,
            "cap": "none (the fake answers one real utterance)",
        }
    return results


def bench_remote_formats() -> dict[str, dict]:
    from bench import bench_remote_engines as remote

    remote.RUNS = REMOTE_RUNS
    return {fmt: remote.measure_engine("openai", fmt) for fmt in ("wav", "flac", "ogg", "mp3")}


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, run in {"xtts": bench_xtts, "yourtts": bench_yourtts, "bark": bench_bark}.items():
            folder = Path(scratch) / name
            folder.mkdir()
            figures = run(folder)
            for model_type, row in (figures.items() if name == "xtts" else ((name, figures),)):
                results[model_type] = row
                print(model_type, row, flush=True)
    results |= bench_remote()
    formats = bench_remote_formats()
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "load_average_end": round(os.getloadavg()[0], 2),
        },
        "runs": RUNS,
        "remote_runs": REMOTE_RUNS,
        "text_characters": len(TEXT),
        "engines": results,
        "remote_overhead_by_output_format": formats,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "engines.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "engines.md").write_text(_markdown(report))


def _markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# Every model type: self-hosted on tiny random weights, remote against the local fakes (CPU)",
        "",
        (
            f"{m['cpus']} CPUs shared with other work (load average {m['load_average_end']} at the end), torch {m['torch']}; "
            f"medians of {report['runs']} runs (remote: {report['remote_runs']}); the same "
            f"{report['text_characters']}-character text, streamed. No GPU figures: none was available."
        ),
        "",
        "| model type | model load | unload | voice made / loaded | first audio | total | audio | pieces | generation cap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in report["engines"].items():
        load = f"{r['load_s']} s" if "load_s" in r else "- (remote)"
        unload = f"{r['unload_s']} s" if "unload_s" in r else "-"
        voice = f"{r['voice_made_s']} s / {r['voice_load_s']} s" if "voice_made_s" in r else "-"
        lines.append(
            f"| {name} | {load} | {unload} | {voice} | {r['first_audio_s']} s | {r['total_s']} s | "
            f"{r['audio_s']} s | {r['pieces']} | {r['cap']} |"
        )
    lines += [
        "",
        "Remote engines: the platform's overhead around the provider call (total minus the fake's own time), p50,",
        "for the engines (MP3 output) and for OpenAI into each output format (target: 50 ms):",
        "",
        "| | overhead p50 | p90 | render (normalise + encode) p50 | output bytes | target met |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in report["engines"].items():
        if "overhead_p50_s" in r:
            lines.append(f"| {name} (mp3) | {r['overhead_p50_s'] * 1000:.1f} ms | | | | "
                         f"{'yes' if r['overhead_p50_s'] <= 0.05 else 'no'} |")
    for fmt, f in report["remote_overhead_by_output_format"].items():
        lines.append(f"| openai -> {fmt} | {f['overhead_s']['p50'] * 1000:.1f} ms | {f['overhead_s']['p90'] * 1000:.1f} ms | "
                     f"{f['render_s']['p50'] * 1000:.1f} ms | {f['output_bytes']} | {'yes' if f['under_target'] else 'no'} |")
    lines += [
        "",
        "Self-hosted load excludes imports (a warm-up load is discarded); unload includes the garbage collection that frees",
        "the weights. Random weights: audio lengths follow the caps, not the text, so totals compare per second of",
        "audio at best; these figures say nothing about GPU speed or real-weight quality.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
