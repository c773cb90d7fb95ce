"""The verdict's tiers and quality targets, and re-judging a stored sample without its audio."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from tests.support import degradations as dg
from voiceclone.audio import analyze_array
from voiceclone.domain.sample_verdict import METRICS_VERSION, AudioMetrics, Thresholds, judge
from voiceclone.domain.training import QualityTarget


def test_thresholds_tighten_from_low_to_high():
    low, medium, high = (Thresholds.for_target(t) for t in QualityTarget)
    assert low.min_snr_db < medium.min_snr_db < high.min_snr_db
    assert low.max_clipping_ratio > medium.max_clipping_ratio > high.max_clipping_ratio
    assert low.min_speech_s < medium.min_speech_s < high.min_speech_s
    assert low.min_cutoff_hz <= medium.min_cutoff_hz < high.min_cutoff_hz
    assert Thresholds.for_target("medium") == Thresholds()


def test_defects_enhancement_fixes_are_advice_with_a_lower_score(long_czech):
    samples, rate = long_czech
    clean = analyze_array(samples, rate).verdict
    for degraded in (dg.as_pcm16(dg.dc_offset(samples, 0.05)), dg.as_pcm16(dg.white_noise(samples, 20, seed=1))):
        verdict = analyze_array(degraded, rate).verdict
        assert verdict.suitable_for_training, verdict.reasons
        assert verdict.advice and verdict.quality_score <= clean.quality_score


def test_every_reason_and_advice_carries_its_evidence(long_czech):
    samples, rate = long_czech
    clipped, _ = dg.clipped(samples[: 20 * rate], 12, 0.5, 1.0)
    defects = (dg.as_pcm16(clipped), dg.as_pcm16(dg.white_noise(samples, 9)), dg.as_pcm16(dg.low_pass(samples, rate, 3400)))
    verdicts = [analyze_array(defect, rate).verdict for defect in defects]
    reasons = " | ".join(r for v in verdicts for r in v.reasons)
    assert "of samples are clipped at 0.50 of full scale (-6.0 dBFS)" in reasons
    assert "dB (noise floor" in reasons and "below the 15 dB needed" in reasons
    assert "band-limited: the spectrum stops at" in reasons and "dB/octave" in reasons
    assert all(":" in r for v in verdicts for r in v.reasons + v.advice)  # finding: what to do


def test_the_stored_quality_rebuilds_the_metrics_and_every_target_re_judges(long_czech):
    samples, rate = long_czech
    report = analyze_array(dg.as_pcm16(dg.white_noise(samples, 17, seed=2)), rate)
    stored = json.loads(json.dumps(report.sample_quality()))  # what MongoDB gives back
    metrics = AudioMetrics.model_validate(stored)
    assert metrics == report.metrics and metrics.metrics_version == METRICS_VERSION
    assert set(stored["verdicts"]) == {"low", "medium", "high"}
    for target in QualityTarget:
        verdict = judge(metrics, rate, 1, target)
        assert verdict.model_dump(mode="json") == stored["verdicts"][str(target)]
    assert stored["verdicts"]["medium"]["suitable_for_training"] and not stored["verdicts"]["high"]["suitable_for_training"]
    assert stored["quality_score"] == report.verdict.quality_score and stored["pitch"] == metrics.pitch_median_hz


def test_a_sample_stored_before_the_new_detectors_still_judges(long_czech):
    samples, rate = long_czech
    stored = analyze_array(samples, rate).sample_quality()
    for field in ("metrics_version", "cutoff_hz", "cutoff_depth_db", "cutoff_steepness_db_per_octave", "clip_level",
                  "flat_top_ratio", "verdicts"):
        stored.pop(field)
    stored["bandwidth_hz"] = 4000.0  # the old estimate, a level relative to the peak: not trusted any more
    metrics = AudioMetrics.model_validate(stored)
    assert metrics.metrics_version == 1 and metrics.cutoff_hz is None
    assert judge(metrics, rate, 1).suitable_for_training


def test_the_verdict_module_imports_no_audio_library():
    code = (
        "import sys, voiceclone.domain.sample_verdict\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('numpy', 'scipy', 'soundfile', 'soxr', 'voiceclone.audio')]\n"
        "heavy += [m for m in sys.modules if m.startswith('voiceclone.audio')]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_quality_score_orders_by_defect_severity(long_czech):
    samples, rate = long_czech
    scores = [analyze_array(dg.as_pcm16(dg.white_noise(samples, snr, seed=4)), rate).verdict.quality_score
              for snr in (40, 25, 15)]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    assert np.isclose(analyze_array(samples, rate).verdicts["low"].quality_score,
                      analyze_array(samples, rate).verdicts["high"].quality_score)
