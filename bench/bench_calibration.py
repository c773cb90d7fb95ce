"""Calibration of the sample verdict on many real voices with degraded copies of known truth.

The set: excerpts of consecutive lines of one speaker, each holding at least SPEECH_S seconds of speech
(enough to train on: frames within 40 dB of each line's loudest, counted apart from the detectors under
test), from every real voice in tests/support/speech.py (LibriVox English read speech, Fish Fillets NG
Czech and Dutch acted dialogue, KLettres letters and syllables in ~20 languages). KLettres files (one
letter each) are trimmed to the word and joined 0.3 s apart. A voice without that much speech is left
out and counted, as are excerpts with a decoded peak over 2.0 (a damaged file).
Each clean excerpt gets degraded copies: white noise and babble at 0-30 dB SNR (babble: six
other talkers of the set, each without its pauses, as a crowd has no common silences; the same talkers
with their pauses at 0 and 10 dB are reported apart), clipping (overdrive
1-18 dB at clip level 1.0, 0.5 or 0.25, then several gains), Butterworth low-pass at 3.4/4/6/8 kHz,
MP3 CBR 32/64/128 kbps, telephone (8 kHz and back), reverberation, DC offset and 50 Hz hum.

Figures per detector: detection rate on the copies whose truth is past the blocking threshold (medium
target) and false-alarm rate on the copies without that defect; the verdict's false-reject rate on
clean speech per target and per source; estimation errors (SNR, clip level, cutoff frequency).
Set size: BENCH_CALIBRATION_EXCERPTS (per voice, default 2), BENCH_CALIBRATION_SPEECH_S (default 10),
BENCH_CALIBRATION_VOICES (every n-th voice, default 1: all; for quick runs).
Writes bench/results/calibration.json and calibration.md.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
REPO_ROOT = Path(__file__).resolve().parent.parent
MP3_RATES = (16000, 22050, 24000, 32000, 44100, 48000)
TARGETS = {"clean_false_reject_max": 0.02, "blocking_detection_min": 0.95}
GLITCH_PEAK = 2.0  # a decoded peak past this is a damaged file (Vorbis overshoot of a full-scale source stays under)
FULL_SCALE = 0.99  # excerpts decoded above it are lowered to it (a gain) before the degraded copies are made
CLIP_SETTINGS = ((1.0, 1.0), (0.5, 1.0), (0.5, 0.5), (0.25, 3.0))  # (clip level, gain after)


def excerpts(voice, speech_s: float, count: int) -> list[tuple[np.ndarray, int]]:
    """Up to `count` excerpts of consecutive lines, each holding at least `speech_s` seconds of speech
    (none for a voice with less in all)."""
    import soxr

    out, pieces, spoken, rate = [], [], 0.0, None
    for utterance in voice.utterances:
        samples, own_rate = utterance.load()
        rate = rate or (own_rate if own_rate in MP3_RATES else 44100)
        if own_rate != rate:
            samples = soxr.resample(samples, own_rate, rate).astype(np.float32)
        if voice.style == "isolated words":  # one letter per file: the words, 0.3 s apart, not the silences
            samples = np.concatenate([_trimmed(samples, rate), np.zeros(int(0.3 * rate), np.float32)])
        pieces.append(samples)
        spoken += _speech_seconds(samples, rate)
        if spoken >= speech_s:
            out.append((np.concatenate(pieces), rate))
            pieces, spoken = [], 0.0
            if len(out) == count:
                break
    return out


def _frame_powers(samples: np.ndarray, rate: int) -> np.ndarray:
    frame = int(0.02 * rate)
    usable = len(samples) // frame * frame
    return np.mean(np.square(samples[:usable].reshape(-1, frame), dtype=np.float64), axis=1)


def _speech_seconds(samples: np.ndarray, rate: int) -> float:
    """Seconds of 20 ms frames within 40 dB of the line's loudest (its speech, pauses left out)."""
    power = _frame_powers(samples, rate)
    return float(np.count_nonzero(power >= power.max(initial=0.0) * 1e-4) * 0.02) if power.any() else 0.0


def _trimmed(samples: np.ndarray, rate: int) -> np.ndarray:
    """Without the leading and trailing frames more than 40 dB under the loudest."""
    frame = int(0.02 * rate)
    power = _frame_powers(samples, rate)
    loud = np.flatnonzero(power >= power.max(initial=0.0) * 1e-4)
    return samples[loud[0] * frame : (loud[-1] + 1) * frame] if len(loud) else samples


def degraded_copies(
    clean: np.ndarray, rate: int, babble_noise: np.ndarray, babble_with_pauses: np.ndarray, index: int
) -> list[dict]:
    """Every degradation of one excerpt: {"kind", "truth", "samples"}."""
    from tests.support import degradations as dg

    copies = []
    for snr in (0, 5, 10, 15, 20, 30):
        copies.append({"kind": "white_noise", "truth": snr, "samples": dg.as_pcm16(dg.white_noise(clean, snr, index))})
    for snr in (0, 10, 20, 30):
        copies.append({"kind": "babble", "truth": snr, "samples": dg.as_pcm16(dg.mix_at_snr(clean, babble_noise, snr))})
    for snr in (0, 10):
        copies.append({"kind": "babble_with_pauses", "truth": snr,
                       "samples": dg.as_pcm16(dg.mix_at_snr(clean, babble_with_pauses, snr))})
    for overdrive in (1, 3, 6, 12, 18):
        for level, gain in CLIP_SETTINGS[index % 2 :: 2]:  # two of the four settings per excerpt
            samples, ratio = dg.clipped(clean, overdrive, level, gain)
            copies.append({"kind": "clipping", "truth": ratio, "level": level * gain, "overdrive_db": overdrive,
                           "samples": dg.as_pcm16(samples)})
    for cutoff in (3400, 4000, 6000, 8000):
        if cutoff < 0.9 * rate / 2:
            copies.append({"kind": "low_pass", "truth": cutoff, "samples": dg.as_pcm16(dg.low_pass(clean, rate, cutoff))})
    copies.append({"kind": "telephone", "truth": 4000, "samples": dg.as_pcm16(dg.telephone(clean, rate))})
    for kbps in (32, 64, 128):
        samples, got = dg.mp3(clean, rate, kbps)
        copies.append({"kind": "mp3", "truth": kbps, "kbps": round(got), "samples": samples})
    copies.append({"kind": "reverb", "truth": 0.6, "samples": dg.as_pcm16(dg.reverberant(clean, rate, 0.6, index))})
    copies.append({"kind": "dc", "truth": 0.05, "samples": dg.as_pcm16(dg.dc_offset(clean, 0.05))})
    copies.append({"kind": "hum", "truth": 30, "samples": dg.as_pcm16(dg.mains_hum(clean, rate, 30))})
    return copies


def judged(samples: np.ndarray, rate: int) -> dict:
    from voiceclone.audio import analyze_array

    report = analyze_array(samples, rate)
    m = report.metrics
    return {
        "snr_db": m.snr_db, "clipping_ratio": m.clipping_ratio, "clip_level": m.clip_level, "cutoff_hz": m.cutoff_hz,
        "pitch_median_hz": m.pitch_median_hz, "speech_s": m.speech_duration_s,
        "verdicts": {t: {"suitable": v.suitable_for_training, "reasons": v.reasons, "advice": v.advice}
                     for t, v in report.verdicts.items()},
    }


def has_reason(result: dict, word: str, target: str = "medium") -> bool:
    return any(r.startswith(word) for r in result["verdicts"][target]["reasons"])


def rate(hits: int, total: int) -> dict:
    return {"rate": round(hits / total, 4) if total else None, "hits": hits, "of": total}


def build_set(per_voice: int, speech_s: float, every: int = 1) -> tuple[list[dict], dict, dict]:
    """(clean excerpts with their babble, damaged excerpts left out per source, other set facts)."""
    from tests.support import degradations as dg
    from tests.support.speech import calibration_voices

    voices = calibration_voices()[::every]
    clean_set, skipped, too_little, lowered = [], defaultdict(int), defaultdict(int), defaultdict(int)
    for voice in voices:
        found = excerpts(voice, speech_s, per_voice)
        if not found:
            too_little[voice.source] += 1
        for number, (samples, sample_rate) in enumerate(found):
            peak = float(np.abs(samples).max())
            if peak > GLITCH_PEAK:
                skipped[voice.source] += 1
                continue
            if peak > FULL_SCALE:  # Vorbis overshoot: 16-bit copies would clip, and their truth would not hold
                samples = (samples * np.float32(FULL_SCALE / peak)).astype(np.float32)
                lowered[voice.source] += 1
            clean_set.append({"voice": voice.name, "source": voice.source, "language": voice.language,
                              "style": voice.style, "number": number, "rate": sample_rate, "samples": samples})
    for index, item in enumerate(clean_set):  # babble: six other talkers of the set
        others = [clean_set[(index + k * 7 + 3) % len(clean_set)] for k in range(1, 7)]
        talkers = [_at_rate(o["samples"], o["rate"], item["rate"]) for o in others]
        item["babble"] = dg.babble([dg.without_pauses(t, item["rate"]) for t in talkers], len(item["samples"]))
        item["babble_with_pauses"] = dg.babble(talkers, len(item["samples"]))
    return clean_set, dict(skipped), {"too_little_speech": dict(too_little), "lowered_to_full_scale": dict(lowered)}


def _at_rate(samples: np.ndarray, rate: int, wanted: int) -> np.ndarray:
    import soxr

    return samples if rate == wanted else soxr.resample(samples, rate, wanted).astype(np.float32)


def evaluate(clean_set: list[dict]) -> dict:
    from voiceclone.domain.sample_verdict import Thresholds
    from voiceclone.domain.training import QualityTarget

    medium = Thresholds.for_target(QualityTarget.MEDIUM)
    clean_results, copies = [], []
    for index, item in enumerate(clean_set):
        result = judged(item["samples"], item["rate"])
        clean_results.append({**{k: v for k, v in item.items() if k not in ("samples", "babble", "babble_with_pauses")},
                              **result})
        for copy in degraded_copies(item["samples"], item["rate"], item["babble"], item["babble_with_pauses"], index):
            outcome = judged(copy.pop("samples"), item["rate"])
            copies.append({**copy, "voice": item["voice"], "source": item["source"], "rate": item["rate"], **outcome})

    figures: dict = {"clean": {}, "detectors": {}, "estimates": {}, "other_degradations": {}}
    for target in ("low", "medium", "high"):
        rejected = [c for c in clean_results if not c["verdicts"][target]["suitable"]]
        figures["clean"][f"false_reject_{target}"] = rate(len(rejected), len(clean_results))
        figures["clean"][f"rejected_{target}"] = [
            {"voice": c["voice"], "reasons": c["verdicts"][target]["reasons"]} for c in rejected][:20]
    by_source = defaultdict(list)
    for c in clean_results:
        by_source[c["source"]].append(not c["verdicts"]["medium"]["suitable"])
    figures["clean"]["false_reject_medium_by_source"] = {s: rate(sum(v), len(v)) for s, v in by_source.items()}
    figures["clean"]["speech_s_median_by_source"] = {
        s: round(float(np.median([c["speech_s"] for c in clean_results if c["source"] == s])), 1) for s in by_source}
    figures["clean"]["with_cutoff"] = rate(sum(c["cutoff_hz"] is not None for c in clean_results), len(clean_results))
    figures["clean"]["with_clipping"] = rate(sum(c["clipping_ratio"] > medium.advice_clipping_ratio for c in clean_results),
                                             len(clean_results))

    def of(kind, test=lambda c: True):
        return [c for c in copies if c["kind"] == kind and test(c)]

    noisy = of("white_noise") + of("babble")
    below_floor = [c for c in noisy if c["truth"] < medium.min_snr_db - 5]  # 0-10 dB mixes
    clean_enough = [c for c in noisy if c["truth"] >= medium.recommended_snr_db]
    figures["detectors"]["snr"] = {
        "detected_white_0_10_db": rate(sum(has_reason(c, "SNR") for c in below_floor if c["kind"] == "white_noise"),
                                       sum(c["kind"] == "white_noise" for c in below_floor)),
        "detected_babble_0_10_db": rate(sum(has_reason(c, "SNR") for c in below_floor if c["kind"] == "babble"),
                                        sum(c["kind"] == "babble" for c in below_floor)),
        "detected_babble_with_pauses_0_10_db": rate(
            sum(has_reason(c, "SNR") for c in of("babble_with_pauses")), len(of("babble_with_pauses"))),
        "false_alarm_30_db_and_clean": rate(
            sum(has_reason(c, "SNR") for c in clean_enough) + sum(has_reason(c, "SNR") for c in clean_results),
            len(clean_enough) + len(clean_results)),
    }
    figures["estimates"]["snr_median_abs_error_db"] = {
        f"{kind}_{snr}": round(float(np.median([abs(c["snr_db"] - snr) for c in of(kind, lambda c, s=snr: c["truth"] == s)])), 1)
        for kind in ("white_noise", "babble", "babble_with_pauses")
        for snr in {"white_noise": (0, 5, 10, 15, 20, 30), "babble": (0, 10, 20, 30), "babble_with_pauses": (0, 10)}[kind]
    }
    heavy = of("clipping", lambda c: c["truth"] > medium.max_clipping_ratio)
    mild = of("clipping", lambda c: c["truth"] <= medium.max_clipping_ratio)
    not_clipped = [c for c in copies if c["kind"] not in ("clipping",)] + clean_results
    figures["detectors"]["clipping"] = {
        "detected_past_threshold": rate(sum(has_reason(c, "clipping") for c in heavy), len(heavy)),
        "detected_past_threshold_by_level": {
            str(level): rate(sum(has_reason(c, "clipping") for c in heavy if c["level"] == level),
                             sum(c["level"] == level for c in heavy))
            for level in sorted({c["level"] for c in heavy})},
        "flagged_below_threshold_as_advice_or_reason": rate(
            sum(c["clipping_ratio"] > medium.advice_clipping_ratio for c in mild), len(mild)),
        "false_alarm_blocking": rate(sum(has_reason(c, "clipping") for c in not_clipped), len(not_clipped)),
        "false_alarm_any": rate(sum(c["clipping_ratio"] > medium.advice_clipping_ratio for c in not_clipped),
                                len(not_clipped)),
    }
    found = [c for c in heavy if c["clip_level"]]
    figures["estimates"]["clip_level_median_rel_error"] = round(
        float(np.median([abs(c["clip_level"] - c["level"]) / c["level"] for c in found])), 4) if found else None
    figures["estimates"]["clipped_ratio_median_est_over_truth"] = round(
        float(np.median([c["clipping_ratio"] / c["truth"] for c in heavy])), 3) if heavy else None
    telephone_band = of("low_pass", lambda c: c["truth"] <= 4000) + of("telephone")
    not_band_limited = [c for c in copies if c["kind"] in ("white_noise", "babble", "babble_with_pauses", "clipping",
                                                        "reverb", "dc", "hum")]
    figures["detectors"]["band_limit"] = {
        "detected_telephone_band": rate(sum(has_reason(c, "band-limited") for c in telephone_band), len(telephone_band)),
        "detected_by_kind": {
            f"low_pass_{f}": rate(sum(has_reason(c, "band-limited") for c in of("low_pass", lambda c, f=f: c["truth"] == f)),
                                  len(of("low_pass", lambda c, f=f: c["truth"] == f))) for f in (3400, 4000)} | {
            "telephone": rate(sum(has_reason(c, "band-limited") for c in of("telephone")), len(of("telephone")))},
        "cutoff_found": {
            **{f"low_pass_{f}": rate(sum(c["cutoff_hz"] is not None for c in of("low_pass", lambda c, f=f: c["truth"] == f)),
                                     len(of("low_pass", lambda c, f=f: c["truth"] == f))) for f in (3400, 4000, 6000, 8000)},
            **{f"mp3_{k}": rate(sum(c["cutoff_hz"] is not None for c in of("mp3", lambda c, k=k: c["truth"] == k)),
                                len(of("mp3", lambda c, k=k: c["truth"] == k))) for k in (32, 64, 128)}},
        "false_alarm_blocking_clean": rate(sum(has_reason(c, "band-limited") for c in clean_results), len(clean_results)),
        "false_alarm_blocking_other_degradations": rate(
            sum(has_reason(c, "band-limited") for c in not_band_limited), len(not_band_limited)),
    }
    figures["estimates"]["cutoff_median_hz"] = {
        f"low_pass_{f}": _median([c["cutoff_hz"] for c in of("low_pass", lambda c, f=f: c["truth"] == f)])
        for f in (3400, 4000, 6000, 8000)} | {
        "telephone": _median([c["cutoff_hz"] for c in of("telephone")])} | {
        f"mp3_{k}": _median([c["cutoff_hz"] for c in of("mp3", lambda c, k=k: c["truth"] == k)]) for k in (32, 64, 128)}
    figures["by_source"] = _by_source(clean_results, below_floor, heavy, telephone_band)
    for kind in ("reverb", "dc", "hum", "mp3"):
        figures["other_degradations"][f"{kind}_rejected_medium"] = rate(
            sum(not c["verdicts"]["medium"]["suitable"] for c in of(kind)), len(of(kind)))
    figures["set"] = {
        "clean_excerpts": len(clean_results), "degraded_copies": len(copies),
        "voices": len({c["voice"] for c in clean_results}),
        "languages": sorted({c["language"] for c in clean_results}),
        "by_source": {s: len(v) for s, v in by_source.items()},
        "voices_by_pitch": _voices_by_pitch(clean_results),
    }
    return figures


def _by_source(clean_results: list[dict], below_floor: list[dict], heavy: list[dict], telephone_band: list[dict]) -> dict:
    """Per corpus: clean rejected at medium and each blocking defect detected (no corpus carries the figures)."""
    out = {}
    for source in sorted({c["source"] for c in clean_results}):
        def mine(items, s=source):
            return [c for c in items if c["source"] == s]
        out[source] = {
            "clean_rejected_medium": rate(sum(not c["verdicts"]["medium"]["suitable"] for c in mine(clean_results)),
                                          len(mine(clean_results))),
            "white_0_10_db": rate(sum(has_reason(c, "SNR") for c in mine(below_floor) if c["kind"] == "white_noise"),
                                  sum(c["kind"] == "white_noise" for c in mine(below_floor))),
            "babble_0_10_db": rate(sum(has_reason(c, "SNR") for c in mine(below_floor) if c["kind"] == "babble"),
                                   sum(c["kind"] == "babble" for c in mine(below_floor))),
            "clipping": rate(sum(has_reason(c, "clipping") for c in mine(heavy)), len(mine(heavy))),
            "telephone_band": rate(sum(has_reason(c, "band-limited") for c in mine(telephone_band)), len(mine(telephone_band))),
        }
    return out


def _median(values: list) -> float | None:
    found = [v for v in values if v is not None]
    return round(float(np.median(found))) if found else None


def _voices_by_pitch(clean_results: list[dict]) -> dict:
    """Voices with a median f0 over 165 Hz (most women's) and under (most men's): an estimate, not a label."""
    pitch = defaultdict(list)
    for c in clean_results:
        if c["pitch_median_hz"]:
            pitch[c["voice"]].append(c["pitch_median_hz"])
    medians = [float(np.median(v)) for v in pitch.values()]
    return {"f0_over_165_hz": sum(m > 165 for m in medians), "f0_under_165_hz": sum(m <= 165 for m in medians)}


def main() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    per_voice = int(os.environ.get("BENCH_CALIBRATION_EXCERPTS", "2"))
    speech_s = float(os.environ.get("BENCH_CALIBRATION_SPEECH_S", "10"))
    every = int(os.environ.get("BENCH_CALIBRATION_VOICES", "1"))
    started = time.perf_counter()
    clean_set, skipped, facts = build_set(per_voice, speech_s, every)
    figures = evaluate(clean_set)
    figures["set"]["left_out_clipped_at_source"] = skipped
    figures["set"]["voices_left_out_too_little_speech"] = facts["too_little_speech"]
    figures["set"]["excerpts_lowered_to_full_scale"] = facts["lowered_to_full_scale"]
    figures["parameters"] = {"excerpts_per_voice": per_voice, "speech_s": speech_s, "every_nth_voice": every}
    figures["targets"] = TARGETS
    figures["runtime_s"] = round(time.perf_counter() - started, 1)
    figures["machine"] = {"cpus": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()],
                          "python": platform.python_version()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "calibration.json").write_text(json.dumps(figures, indent=2) + "\n")
    (RESULTS / "calibration.md").write_text(markdown(figures))
    print(markdown(figures))


def _pct(entry: dict) -> str:
    return "n/a" if entry["rate"] is None else f"{entry['rate']:.1%} ({entry['hits']}/{entry['of']})"


def markdown(f: dict) -> str:
    d, c, e, s = f["detectors"], f["clean"], f["estimates"], f["set"]
    block_rows = [
        ("SNR below the floor: white noise mixed at 0-10 dB", d["snr"]["detected_white_0_10_db"]),
        ("SNR below the floor: babble (six talkers without pauses) mixed at 0-10 dB", d["snr"]["detected_babble_0_10_db"]),
        ("clipping past 0.3 % of samples (any clip level and gain)", d["clipping"]["detected_past_threshold"]),
        ("band limit at telephone bandwidth (low-pass 3.4/4 kHz, 8 kHz telephone)",
         d["band_limit"]["detected_telephone_band"]),
    ]
    false_rows = [
        ("SNR reason on clean speech and 20-30 dB mixes", d["snr"]["false_alarm_30_db_and_clean"]),
        ("clipping reason on unclipped copies and clean speech", d["clipping"]["false_alarm_blocking"]),
        ("clipping advice or reason on unclipped copies and clean speech", d["clipping"]["false_alarm_any"]),
        ("band-limit reason on clean speech", d["band_limit"]["false_alarm_blocking_clean"]),
        ("band-limit reason on noise/clipping/reverb/DC/hum copies", d["band_limit"]["false_alarm_blocking_other_degradations"]),
    ]
    met = (c["false_reject_medium"]["rate"] <= TARGETS["clean_false_reject_max"]
           and all(r["rate"] is not None and r["rate"] >= TARGETS["blocking_detection_min"] for _, r in block_rows))
    lines = [
        "# Calibration of the sample verdict",
        "",
        (f"{s['clean_excerpts']} clean excerpts, each with at least {f['parameters']['speech_s']:g} s of speech (median "
        f"measured by the verdict per source: {', '.join(f'{k} {v} s' for k, v in c['speech_s_median_by_source'].items())}), "
        f"from {s['voices']} real voices "
        f"({', '.join(f'{k}: {v}' for k, v in s['by_source'].items())}); languages {', '.join(s['languages'])}; "
        f"{s['voices_by_pitch']['f0_over_165_hz']} voices with median f0 over 165 Hz, "
        f"{s['voices_by_pitch']['f0_under_165_hz']} under. {s['degraded_copies']} degraded copies with known truth. "
        f"Left out, damaged (peak over 2.0): {s['left_out_clipped_at_source'] or 'none'}; voices with too little "
        f"speech: {s['voices_left_out_too_little_speech'] or 'none'}; decoded over full scale and lowered to 0.99 "
        f"(a gain, so that the 16-bit copies do not clip): {s['excerpts_lowered_to_full_scale'] or 'none'}. "
        f"Runtime {f['runtime_s']} s on {f['machine']['cpus']} CPUs (load {f['machine']['load_average'][0]})."),
        "",
        "## Clean real speech rejected (target ≤ 2 % at medium)",
        "",
        "| target | rejected |",
        "|---|---|",
        *[f"| {t} | {_pct(c[f'false_reject_{t}'])} |" for t in ("low", "medium", "high")],
        "",
        "Medium, per source: " + ", ".join(f"{k} {_pct(v)}" for k, v in c["false_reject_medium_by_source"].items()) + ".",
        f" Clean excerpts with any cutoff reported: {_pct(c['with_cutoff'])}; with clipping advice: {_pct(c['with_clipping'])}.",
        "",
        "## Blocking defects at their threshold detected (target ≥ 95 %, medium)",
        "",
        "| defect | detected |",
        "|---|---|",
        *[f"| {name} | {_pct(r)} |" for name, r in block_rows],
        "",
        ("Babble of the same talkers with their pauses (common silences) at 0-10 dB: "
         f"{_pct(d['snr']['detected_babble_with_pauses_0_10_db'])}."),
        " Band limit by kind: " + ", ".join(f"{k} {_pct(v)}" for k, v in d["band_limit"]["detected_by_kind"].items()) + ".",
        " Clipping by final clip level: " + ", ".join(
            f"{k} {_pct(v)}" for k, v in d["clipping"]["detected_past_threshold_by_level"].items()) + ".",
        "",
        "## Per corpus (medium)",
        "",
        "| corpus | clean rejected | white 0-10 dB | babble 0-10 dB | clipping | telephone band |",
        "|---|---|---|---|---|---|",
        *[f"| {k} | {_pct(v['clean_rejected_medium'])} | {_pct(v['white_0_10_db'])} | {_pct(v['babble_0_10_db'])} | "
          f"{_pct(v['clipping'])} | {_pct(v['telephone_band'])} |" for k, v in f["by_source"].items()],
        "",
        "## False alarms",
        "",
        "| finding | rate |",
        "|---|---|",
        *[f"| {name} | {_pct(r)} |" for name, r in false_rows],
        "",
        "## Advice-level findings and estimates",
        "",
        "- Cutoff reported: " + ", ".join(f"{k} {_pct(v)}" for k, v in d["band_limit"]["cutoff_found"].items()) + ".",
        "- Median cutoff estimate (Hz): " + ", ".join(f"{k} {v}" for k, v in e["cutoff_median_hz"].items()) + ".",
        (f"- Clipping below 0.3 % flagged (advice or reason): {_pct(d['clipping']['flagged_below_threshold_as_advice_or_reason'])}; "
        f"clip level median relative error {e['clip_level_median_rel_error']}, clipped share estimate / truth "
        f"{e['clipped_ratio_median_est_over_truth']}."),
        "- SNR median absolute error (dB): " + ", ".join(f"{k} {v}" for k, v in e["snr_median_abs_error_db"].items()) + ".",
        "- Rejected at medium: " + ", ".join(f"{k} {_pct(v)}" for k, v in f["other_degradations"].items()) + ".",
        "",
        f"All targets met: {'yes' if met else 'no'}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
