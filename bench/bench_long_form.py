"""What long-form preparation and speaking cost (`BENCH=long_form make bench`), one run:

- language detection (lingua, low-accuracy mode): first use (models loaded), then the median of 20 calls
  on a short sentence, a paragraph and a 20 000-character mixed text (every sentence detected);
- normalisation (numbers, dates, currencies written out): median per sentence over the calibration set;
- planning a 100 000-character text into sentences and checkpoint groups;
- speaking with the tiny XTTS weights on CPU (3 audio codes per sentence, as the 20 000-character test):
  median wall and CPU seconds per sentence over 10 sentences, with torch's default threads and with one;
  joining the 20 000-character text's sentences with their pauses.
Writes bench/results/long_form.json/.md. Medians; the machine's load average is recorded beside them.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
RUNS = 20
SPOKEN_SENTENCES = 10


def _median_ms(call: Callable[[], Any], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 3)


def _detection() -> dict[str, float]:
    from tests.integration.workers.test_long_form_worker import long_text
    from tests.unit.text.calibration_texts import LONG
    from voiceclone.services.tts_text import PLATFORM_LANGUAGES
    from voiceclone.text.detection import detect_text

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    detect_text(LONG["en"], PLATFORM_LANGUAGES)
    first_s = time.perf_counter() - started
    mixed = "\n\n".join([long_text(6_600), LONG["de"] * 30, long_text(6_600)])
    return {
        "first_use_s": round(first_s, 3),
        "rss_growth_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before, 1),
        "short_sentence_ms": _median_ms(lambda: detect_text("Wo ist der Bahnhof?", PLATFORM_LANGUAGES)),
        "paragraph_ms": _median_ms(lambda: detect_text(LONG["fr"], PLATFORM_LANGUAGES)),
        "mixed_20k_ms": _median_ms(lambda: detect_text(mixed, PLATFORM_LANGUAGES), runs=5),
        "mixed_20k_characters": len(mixed),
    }


def _normalisation() -> dict[str, float]:
    from tests.unit.text.test_normalize import CASES
    from voiceclone.text.normalize import expand

    def all_cases() -> None:
        for language, written, _ in CASES:
            expand(written, language)

    return {"per_sentence_ms": round(_median_ms(all_cases) / len(CASES), 3), "sentences": len(CASES)}


def _planning() -> dict[str, float]:
    from tests.integration.workers.test_long_form_worker import long_text
    from voiceclone.domain.long_form import groups, plan

    text = long_text(100_000)
    planned = plan(text, "en")
    return {"plan_100k_ms": _median_ms(lambda: groups(plan(text, "en")), runs=5), "sentences": len(planned),
            "groups": len(groups(planned))}


def _speaking() -> dict[str, float]:
    import numpy as np
    import torch

    from tests.integration.workers.test_long_form_worker import SENTENCES, long_text
    from tests.support.speech import english_utterances
    from voiceclone.domain.long_form import plan
    from voiceclone.domain.tts import VoiceSettings
    from voiceclone.engines.base import FineTuneConfig, TrainingClip
    from voiceclone.engines.registry import EngineOptions, EngineRegistry
    from voiceclone.engines.xtts.tiny import tiny_xtts_dir
    from voiceclone.workers.long_form import join

    engine = EngineRegistry(EngineOptions(xtts_model_dir=tiny_xtts_dir(), device="cpu", max_new_tokens=3)).engine_for(
        "xtts_v2_instant")
    clips = [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in english_utterances()]
    artifacts = engine.create_voice("xtts_v2_instant", clips, FineTuneConfig(), lambda _f, _s: None,
                                    Path(tempfile.mkdtemp()))
    voice = engine.load_voice("xtts_v2_instant", artifacts.files)
    figures: dict[str, float] = {}
    default_threads = torch.get_num_threads()
    for threads in (default_threads, 1):
        torch.set_num_threads(threads)
        engine.synthesize(SENTENCES[0], voice, "en", VoiceSettings())  # warm up
        walls, cpus = [], []
        for index in range(SPOKEN_SENTENCES):
            wall, cpu = time.perf_counter(), time.process_time()
            engine.synthesize(SENTENCES[index % len(SENTENCES)], voice, "en", VoiceSettings())
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        figures[f"per_sentence_wall_s_{threads}_threads"] = round(statistics.median(walls), 3)
        figures[f"per_sentence_cpu_s_{threads}_threads"] = round(statistics.median(cpus), 3)
    torch.set_num_threads(default_threads)
    planned = plan(long_text(20_000), "en")
    audios = [np.zeros(3360, dtype=np.float32) + 0.1 for _ in planned]
    return {**figures, "join_20k_text_sentences_ms": _median_ms(lambda: join(audios, planned, 24000), runs=5),
            "sentences_of_20k_text": len(planned)}


def main() -> None:
    figures = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average": os.getloadavg()[0]},
        "detection": _detection(),
        "normalisation": _normalisation(),
        "planning": _planning(),
        "speaking_tiny_xtts_cpu": _speaking(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "long_form.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = ["# Long-form figures", "", (f"Load average at the start: {figures['machine']['load_average']:.1f} "
             f"on {figures['machine']['cpus']} CPUs (medians; see bench/bench_long_form.py)."), ""]
    for section, values in figures.items():
        if section == "machine":
            continue
        lines += [f"## {section}", "", "| figure | value |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in values.items()]
        lines.append("")
    (RESULTS / "long_form.md").write_text("\n".join(lines))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
