"""Calibration and cost of the quality metrics (voiceclone.quality) on real speech.

- Speaker similarity: 10-s clips (consecutive lines of one speaker, resampled to 16 kHz; KLettres letters
  trimmed to the word and joined 0.3 s apart) from every real voice of tests/support/speech.py with at
  least 20 s of speech; same-speaker pairs are clips of one voice, different-speaker pairs clips of two
  voices known to be different people: KLettres alpha/syllab of one language (possibly one reader) and
  two minor Fish Fillets characters of one language (the game's few actors voice several of them) are
  left out of the different pairs; the EER with every pair as labelled is reported too.
  Equal error rate overall and within one corpus (the harder, same-language, same-recording-chain
  pairs), the EER threshold and a logistic fit of P(same | score).
- DNSMOS: each clip clean and with white noise at 10 dB SNR; the share ranked clean above noisy.
- Cost per second of audio of each metric (CPU, models warm) and the per-result overhead against
  synthesis with the tiny XTTS (and, estimated, the full-size model's CPU real-time factor from
  bench/results/xtts.json).
Set size: BENCH_QUALITY_CLIPS (clips per voice, default 3). Writes bench/results/quality.{json,md}.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
REPO_ROOT = Path(__file__).resolve().parent.parent
RATE = 16000
CLIP_S = 10.0
NOISY_SNR_DB = 10.0
TARGETS = {"eer_max": 0.05, "dnsmos_clean_above_noisy_min": 0.95, "overhead_ratio_max": 0.10}


def _trimmed(samples: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > 0.02 * max(float(np.max(np.abs(samples))), 1e-6))
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples[:0]


def clips_of(voice, count: int) -> list[np.ndarray]:
    """Up to `count` non-overlapping CLIP_S clips of the voice's speech at 16 kHz."""
    import soxr

    out, pieces, total = [], [], 0
    for utterance in voice.utterances:
        samples, rate = utterance.load()
        if rate != RATE:
            samples = soxr.resample(samples, rate, RATE).astype(np.float32)
        if voice.style == "isolated words":
            samples = np.concatenate([_trimmed(samples), np.zeros(int(0.3 * RATE), np.float32)])
        pieces.append(samples)
        total += len(samples)
        if total >= CLIP_S * RATE:
            joined = np.concatenate(pieces)
            out.append(joined[: int(CLIP_S * RATE)])
            pieces, total = [], 0
            if len(out) == count:
                break
    return out


def equal_error_rate(same: list[float], different: list[float]) -> tuple[float, float]:
    """(EER, threshold): the threshold where false rejects of same pairs and false accepts of different
    pairs are closest; the EER is their mean there."""
    same_arr, diff_arr = np.asarray(same), np.asarray(different)
    best_gap, best_threshold = float("inf"), 0.0
    for threshold in np.unique(np.concatenate([same_arr, diff_arr])):
        gap = abs(np.mean(same_arr < threshold) - np.mean(diff_arr >= threshold))
        if gap < best_gap:
            best_gap, best_threshold = gap, float(threshold)
    eer = (np.mean(same_arr < best_threshold) + np.mean(diff_arr >= best_threshold)) / 2
    return float(eer), best_threshold


def logistic_fit(same: list[float], different: list[float]) -> tuple[float, float]:
    """(midpoint, slope) minimising the class-balanced log loss over a grid."""
    scores = np.concatenate([same, different])
    labels = np.concatenate([np.ones(len(same)), np.zeros(len(different))])
    weights = np.where(labels == 1, 0.5 / len(same), 0.5 / len(different))
    best = (float("inf"), 0.0, 0.0)
    for midpoint in np.arange(0.5, 0.98, 0.005):
        for slope in (5, 10, 15, 20, 25, 30, 40, 50, 60, 80):
            p = 1 / (1 + np.exp(-slope * (scores - midpoint)))
            loss = -np.sum(weights * (labels * np.log(p + 1e-12) + (1 - labels) * np.log(1 - p + 1e-12)))
            if loss < best[0]:
                best = (loss, float(midpoint), float(slope))
    return round(best[1], 3), best[2]


def with_noise(clean: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(len(clean)).astype(np.float32)
    noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2)) / 10 ** (snr_db / 20)
    return np.clip(clean + noise, -1, 1).astype(np.float32)


def timed(function, *args, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


MAIN_CHARACTERS = {"big", "small"}  # Fish Fillets: each voiced by its own actor per language


def known_different(a, b) -> bool:
    """Whether two voices are surely two people (see the module docstring)."""
    if a.source == b.source == "klettres" and a.language == b.language:
        return False
    if a.source == b.source and a.source.startswith("fillets"):
        return a.name.split("/")[1] in MAIN_CHARACTERS and b.name.split("/")[1] in MAIN_CHARACTERS
    return True


def speaker_calibration(voices, per_voice: int) -> dict:
    from voiceclone.quality.speaker import configured_encoder, secs

    encoder = configured_encoder()
    embedded = []  # (voice, embedding)
    for voice in voices:
        for clip in clips_of(voice, per_voice):
            embedded.append((voice, encoder.embed(clip, RATE)))
    same, different, within_corpus, as_labelled = [], [], [], []
    for (va, ea), (vb, eb) in itertools.combinations(embedded, 2):
        score = secs(ea, eb)
        if va.name == vb.name:
            same.append(score)
            continue
        as_labelled.append(score)
        if known_different(va, vb):
            different.append(score)
            if va.source == vb.source:
                within_corpus.append(score)
    eer, threshold = equal_error_rate(same, different)
    eer_labelled, _ = equal_error_rate(same, as_labelled)
    eer_within, threshold_within = equal_error_rate(same, within_corpus)
    midpoint, slope = logistic_fit(same, different)
    voices_used = sorted({v.name for v, _ in embedded})
    with_pairs = sorted({v.name for v, _ in embedded if sum(1 for w, _ in embedded if w.name == v.name) >= 2})
    return {
        "encoder": encoder.name,
        "clips": len(embedded),
        "voices": len(voices_used),
        "voices_with_same_pairs": len(with_pairs),
        "languages": sorted({v.language for v, _ in embedded}),
        "sources": sorted({v.source for v, _ in embedded}),
        "same_pairs": len(same),
        "different_pairs": len(different),
        "within_corpus_different_pairs": len(within_corpus),
        "same": _distribution(same),
        "different": _distribution(different),
        "within_corpus_different": _distribution(within_corpus),
        "eer": round(eer, 4),
        "eer_threshold": round(threshold, 4),
        "eer_every_pair_as_labelled": round(eer_labelled, 4),
        "eer_within_corpus": round(eer_within, 4),
        "eer_threshold_within_corpus": round(threshold_within, 4),
        "logistic_midpoint": midpoint,
        "logistic_slope": slope,
    }


def _distribution(values: list[float]) -> dict:
    arr = np.asarray(values)
    return {q: round(float(np.percentile(arr, p)), 4) for q, p in (("p5", 5), ("p25", 25), ("median", 50), ("p75", 75), ("p95", 95))}


def dnsmos_ranking(voices) -> dict:
    from voiceclone.quality.naturalness import dnsmos_model

    model = dnsmos_model()
    above, rows = 0, []
    for index, voice in enumerate(voices):
        for clip in clips_of(voice, 1):
            clean, noisy = model.score(clip, RATE).ovrl, model.score(with_noise(clip, NOISY_SNR_DB, index), RATE).ovrl
            rows.append((clean, noisy))
            above += clean > noisy
    return {
        "clips": len(rows),
        "clean_above_noisy": round(above / len(rows), 4),
        "clean_ovrl_median": round(statistics.median(r[0] for r in rows), 3),
        "noisy_ovrl_median": round(statistics.median(r[1] for r in rows), 3),
    }


def metric_costs(voices) -> dict:
    from voiceclone.quality.naturalness import dnsmos_model
    from voiceclone.quality.signal import check_signal
    from voiceclone.quality.speaker import configured_encoder

    clip = clips_of(voices[0], 1)[0]
    encoder, model = configured_encoder(), dnsmos_model()
    encoder.embed(clip, RATE), model.score(clip, RATE)  # warm
    seconds = len(clip) / RATE
    return {
        "audio_s": seconds,
        "speaker_embedding_s_per_audio_s": round(timed(encoder.embed, clip, RATE) / seconds, 4),
        "dnsmos_s_per_audio_s": round(timed(model.score, clip, RATE) / seconds, 4),
        "signal_checks_s_per_audio_s": round(timed(check_signal, clip, RATE, "x" * 120) / seconds, 4),
    }


def result_overhead() -> dict:
    """assess() against engine.synthesize() on the tiny XTTS, same process, models warm, medians."""
    import tempfile

    from tests.support.speech import english_utterances
    from voiceclone.domain.tts import VoiceSettings
    from voiceclone.engines.base import FineTuneConfig, TrainingClip
    from voiceclone.engines.registry import EngineOptions, EngineRegistry
    from voiceclone.engines.xtts.tiny import tiny_xtts_dir
    from voiceclone.quality.assessment import assess
    from voiceclone.quality.speaker import configured_encoder

    registry = EngineRegistry(EngineOptions(xtts_model_dir=tiny_xtts_dir(), device="cpu", max_new_tokens=48))
    engine = registry.engine_for("xtts_v2_instant")
    speech = english_utterances()
    clips = [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in speech]
    with tempfile.TemporaryDirectory() as work:
        artifacts = engine.create_voice("xtts_v2_instant", clips, FineTuneConfig(), lambda f, s: None, Path(work))
        voice = engine.load_voice("xtts_v2_instant", artifacts.files)
    reference = configured_encoder().embed(*speech[0].load()).tolist()
    text = "The quick brown fox jumps over the lazy dog. Please call me back when you have a moment."
    synth_times, assess_times, durations = [], [], []
    for _ in range(4):
        started = time.perf_counter()
        audio = engine.synthesize(text, voice, "en", VoiceSettings())
        synth_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        assess(audio.samples, audio.sample_rate, text, reference)
        assess_times.append(time.perf_counter() - started)
        durations.append(audio.duration_s)
    synth, quality, duration = (statistics.median(x[1:]) for x in (synth_times, assess_times, durations))
    full_rtf = _full_size_rtf()
    return {
        "audio_s": round(duration, 3),
        "tiny_synthesis_s": round(synth, 4),
        "assessment_s": round(quality, 4),
        "ratio_vs_tiny_synthesis": round(quality / synth, 4),
        "full_size_cpu_rtf": full_rtf,
        "estimated_ratio_vs_full_size_cpu": round(quality / (full_rtf * duration), 4) if full_rtf else None,
    }


def _full_size_rtf() -> float | None:
    path = RESULTS / "xtts.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    found = _find_key(data, "real_time_factor")
    return float(found) if found else None


def _find_key(data, key):
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key and isinstance(v, int | float):
                return v
            found = _find_key(v, key)
            if found:
                return found
    if isinstance(data, list):
        for item in data:
            found = _find_key(item, key)
            if found:
                return found
    return None


def main() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from tests.support.speech import calibration_voices

    started = time.perf_counter()
    per_voice = int(os.environ.get("BENCH_QUALITY_CLIPS", "3"))
    voices = [v for v in calibration_voices() if clips_of(v, 1)]
    figures = {
        "speaker": speaker_calibration(voices, per_voice),
        "dnsmos": dnsmos_ranking(voices),
        "cost": metric_costs(voices),
        "per_result": result_overhead(),
        "targets": TARGETS,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2)},
    }
    figures["runtime_s"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "quality.json").write_text(json.dumps(figures, indent=2) + "\n")
    (RESULTS / "quality.md").write_text(markdown(figures))
    print(markdown(figures))


def markdown(f: dict) -> str:
    s, d, c, r = f["speaker"], f["dnsmos"], f["cost"], f["per_result"]
    lines = [
        "# Quality metrics: calibration and cost (bench/bench_quality.py)",
        "",
        (f"{s['clips']} clips of 10 s from {s['voices']} real voices ({s['voices_with_same_pairs']} with 2+ clips), "
        f"sources {', '.join(s['sources'])}, languages {', '.join(s['languages'])}. Encoder: {s['encoder']}. "
        f"{f['machine']['cpus']} CPUs shared (load {f['machine']['load_average']}); runtime {f['runtime_s']} s."),
        "",
        "## Speaker similarity (SECS, cosine of embeddings)",
        "",
        "| pairs | count | p5 | p25 | median | p75 | p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, key, count in (("same speaker", "same", "same_pairs"), ("different speakers", "different", "different_pairs"),
                             ("different, same corpus", "within_corpus_different", "within_corpus_different_pairs")):
        q = s[key]
        lines.append(f"| {name} | {s[count]} | {q['p5']} | {q['p25']} | {q['median']} | {q['p75']} | {q['p95']} |")
    lines += [
        "",
        (f"- **EER {s['eer']:.1%}** at SECS {s['eer_threshold']} (target ≤ {TARGETS['eer_max']:.0%}); "
        f"within one corpus only: EER {s['eer_within_corpus']:.1%} at {s['eer_threshold_within_corpus']}."),
        f"- P(same speaker) = 1 / (1 + exp(-{s['logistic_slope']} × (SECS − {s['logistic_midpoint']}))).",
        "",
        "## DNSMOS (OVRL), clean vs white noise at 10 dB SNR",
        "",
        (f"- clean ranked above noisy: **{d['clean_above_noisy']:.1%}** of {d['clips']} clips "
        f"(target ≥ {TARGETS['dnsmos_clean_above_noisy_min']:.0%}); median OVRL clean {d['clean_ovrl_median']}, "
        f"noisy {d['noisy_ovrl_median']}."),
        "",
        "## Cost (CPU, models loaded, median of 3, per second of audio)",
        "",
        "| metric | s per s of audio |",
        "|---|---|",
        f"| speaker embedding (resemblyzer, first 10 s) | {c['speaker_embedding_s_per_audio_s']} |",
        f"| DNSMOS (≤ 3 windows of 9 s) | {c['dnsmos_s_per_audio_s']} |",
        f"| signal checks | {c['signal_checks_s_per_audio_s']} |",
        "",
        "## Per-result overhead (assess() vs synthesis, same process)",
        "",
        (f"- {r['audio_s']} s of audio: tiny XTTS synthesis {r['tiny_synthesis_s']} s, quality {r['assessment_s']} s: "
        f"ratio **{r['ratio_vs_tiny_synthesis']}**."),
        (f"- Against the full-size XTTS v2 on CPU (real-time factor {r['full_size_cpu_rtf']}, bench/results/xtts.md): "
        f"estimated ratio **{r['estimated_ratio_vs_full_size_cpu']}** (target ≤ {TARGETS['overhead_ratio_max']})."),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
