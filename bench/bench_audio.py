"""Audio throughput and memory, measured in one run on the same 10 minutes of real Czech speech:

- analyze (voiceclone.audio.analyze on a 22.05 kHz WAV file) in x real time; beside it the first minute
  alone (every frame measured: under SUMMARY_MAX_S) and the 10 minutes with every spectrum and pitch frame
  measured (SUMMARY_MAX_S lifted), what the frame sampling of long recordings saves,
- the naive pipeline on the same file (librosa.load + librosa.pyin + librosa.feature.rms) and the ratio,
- enhance (all clips) on the clean file and on the same speech with white noise at 15 dB (denoising on),
- peak memory (VmHWM of a fresh process) analysing and enhancing a 45-minute file.

Medians over BENCH_AUDIO_RUNS runs (default 3; the naive pipeline, ~50x slower, BENCH_AUDIO_NAIVE_RUNS,
default 1). Writes bench/results/audio.json and audio.md.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

RESULTS = Path(__file__).parent / "results"
REPO_ROOT = Path(__file__).resolve().parent.parent
SPEECH_S = 600
CLIP_S = 60
LONG_S = 45 * 60
RATE = 22050
# analyze: issue 9 asks the new detectors to keep at least the ~700x measured before them (aim 1000x)
TARGETS = {"analyze_x_realtime": 700, "analyze_vs_naive": 5, "enhance_x_realtime": 20, "peak_memory_mb": 500}

# Peak resident memory from /proc (VmHWM starts afresh at exec; ru_maxrss keeps the forking parent's).
MEMORY_PROBE = """
import json, re, sys
from pathlib import Path
from voiceclone.audio import AudioLimits, analyze

def high_water_mb():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1]) / 1024

limits = AudioLimits(max_duration_s=3600, max_bytes=1 << 31)
baseline = high_water_mb()
if sys.argv[2] == "analyze":
    analyze(sys.argv[1], limits=limits)
else:
    from voiceclone.audio.enhancement import Enhancement, EnhanceOptions
    from voiceclone.audio.codecs import open_audio
    with open_audio(sys.argv[1], limits) as audio:
        for clip in Enhancement(audio, EnhanceOptions()).clips():
            pass  # the Lambda writes each clip to S3 and lets it go
print(json.dumps({"baseline_mb": baseline, "peak_mb": high_water_mb()}))
"""


def timed_runs(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Medians of wall-clock and CPU seconds (this process) over `runs` runs. On a shared machine the
    CPU time is the steadier figure: waiting for a core counts in wall time only."""
    walls, cpus = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    return statistics.median(walls), statistics.median(cpus)


def naive_pipeline(path: Path) -> None:
    import librosa

    samples, rate = librosa.load(path, sr=None)
    librosa.pyin(samples, fmin=60, fmax=500, sr=rate)
    librosa.feature.rms(y=samples)


def write_long_file(path: Path, speech: np.ndarray) -> None:
    """45 minutes written block by block (the 10 minutes repeated), never all in memory."""
    with sf.SoundFile(path, "w", RATE, 1, subtype="PCM_16") as out:
        written = 0
        while written < LONG_S * RATE:
            block = speech[: LONG_S * RATE - written]
            out.write(block)
            written += len(block)


def peak_memory(path: Path, task: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(path), task],
        check=True, capture_output=True, text=True, env=env, timeout=1800,
    )
    return {k: round(v, 1) for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def main() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    from tests.support.speech import concatenated_speech
    from voiceclone.audio import analysis, analyze
    from voiceclone.audio.enhancement import enhance

    load_at_start = os.getloadavg()[0]
    runs = int(os.environ.get("BENCH_AUDIO_RUNS", "3"))
    naive_runs = int(os.environ.get("BENCH_AUDIO_NAIVE_RUNS", "1"))
    speech, _ = concatenated_speech(SPEECH_S, RATE)
    noise = np.random.default_rng(0).standard_normal(len(speech)).astype(np.float32)
    noisy = speech + noise * np.float32(np.sqrt(np.mean(np.square(speech)) / 10 ** 1.5))
    noisy /= max(1.0, float(np.abs(noisy).max()))

    with tempfile.TemporaryDirectory(prefix="bench-audio-") as folder:
        clean_path, noisy_path, long_path, clip_path = (
            Path(folder) / n for n in ("clean.wav", "noisy.wav", "long.wav", "clip.wav")
        )
        sf.write(clean_path, speech, RATE, subtype="PCM_16")
        sf.write(clip_path, speech[: CLIP_S * RATE], RATE, subtype="PCM_16")
        sf.write(noisy_path, noisy, RATE, subtype="PCM_16")
        write_long_file(long_path, speech)

        analyze_s, analyze_cpu_s = timed_runs(lambda: analyze(clean_path), runs)
        clip_s, _ = timed_runs(lambda: analyze(clip_path), runs * 3)
        sampling = analysis.SUMMARY_MAX_S
        analysis.SUMMARY_MAX_S = float(SPEECH_S)  # every frame of the 10 minutes
        try:
            every_frame_s, _ = timed_runs(lambda: analyze(clean_path), runs)
        finally:
            analysis.SUMMARY_MAX_S = sampling
        naive_s, naive_cpu_s = timed_runs(lambda: naive_pipeline(clean_path), naive_runs)
        enhance_clean_s, _ = timed_runs(lambda: enhance(clean_path), runs)
        enhance_noisy_s, _ = timed_runs(lambda: enhance(noisy_path), runs)
        memory = {task: peak_memory(long_path, task) for task in ("analyze", "enhance")}

    figures = {
        "speech_s": SPEECH_S,
        "runs": runs,
        "naive_runs": naive_runs,
        "analyze_s": round(analyze_s, 3),
        "analyze_x_realtime": round(SPEECH_S / analyze_s, 1),
        "analyze_clip_s": CLIP_S,
        "analyze_clip_x_realtime": round(CLIP_S / clip_s, 1),
        "analyze_every_frame_x_realtime": round(SPEECH_S / every_frame_s, 1),
        "naive_s": round(naive_s, 2),
        "naive_x_realtime": round(SPEECH_S / naive_s, 2),
        "analyze_vs_naive": round(naive_s / analyze_s, 1),
        "analyze_cpu_s": round(analyze_cpu_s, 3),
        "analyze_cpu_x_realtime": round(SPEECH_S / analyze_cpu_s, 1),
        "naive_cpu_x_realtime": round(SPEECH_S / naive_cpu_s, 2),
        "analyze_vs_naive_cpu": round(naive_cpu_s / analyze_cpu_s, 1),
        "enhance_clean_s": round(enhance_clean_s, 3),
        "enhance_clean_x_realtime": round(SPEECH_S / enhance_clean_s, 1),
        "enhance_noisy_s": round(enhance_noisy_s, 3),
        "enhance_noisy_x_realtime": round(SPEECH_S / enhance_noisy_s, 1),
        "long_file_s": LONG_S,
        "peak_memory_mb": {task: values["peak_mb"] for task, values in memory.items()},
        "import_baseline_mb": memory["analyze"]["baseline_mb"],
        "targets": TARGETS,
        "machine": {"cpus": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()],
                    "load_average_at_start": round(load_at_start, 2),
                    "python": platform.python_version()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "audio.json").write_text(json.dumps(figures, indent=2) + "\n")
    (RESULTS / "audio.md").write_text(markdown(figures))
    print(markdown(figures))


def markdown(f: dict) -> str:
    enhance_x = min(f["enhance_clean_x_realtime"], f["enhance_noisy_x_realtime"])
    peak = max(f["peak_memory_mb"].values())
    rows = [
        ("analyze, x real time", f["analyze_x_realtime"], f"≥ {TARGETS['analyze_x_realtime']}"),
        (f"analyze the first {f['analyze_clip_s']} s alone, x real time", f["analyze_clip_x_realtime"], ""),
        ("analyze, every spectrum and pitch frame (no sampling), x real time",
         f["analyze_every_frame_x_realtime"], ""),
        ("naive librosa (load + pyin + rms), x real time", f["naive_x_realtime"], ""),
        ("analyze, x real time by CPU time (this process)", f["analyze_cpu_x_realtime"], ""),
        ("naive librosa, x real time by CPU time", f["naive_cpu_x_realtime"], ""),
        ("analyze vs naive by CPU time, x faster", f["analyze_vs_naive_cpu"], ""),
        ("analyze vs naive, x faster", f["analyze_vs_naive"], f"≥ {TARGETS['analyze_vs_naive']}"),
        ("enhance clean speech, x real time", f["enhance_clean_x_realtime"], f"≥ {TARGETS['enhance_x_realtime']}"),
        ("enhance speech + noise at 15 dB (denoising), x real time", f["enhance_noisy_x_realtime"],
         f"≥ {TARGETS['enhance_x_realtime']}"),
        ("peak memory, analyze 45 min (MB)", f["peak_memory_mb"]["analyze"], f"< {TARGETS['peak_memory_mb']}"),
        ("peak memory, enhance 45 min (MB)", f["peak_memory_mb"]["enhance"], f"< {TARGETS['peak_memory_mb']}"),
        ("  of which Python + imports (MB)", f["import_baseline_mb"], ""),
    ]
    met = (
        f["analyze_x_realtime"] >= TARGETS["analyze_x_realtime"]
        and f["analyze_vs_naive"] >= TARGETS["analyze_vs_naive"]
        and enhance_x >= TARGETS["enhance_x_realtime"]
        and peak < TARGETS["peak_memory_mb"]
    )
    lines = [
        "# Audio benchmark",
        "",
        (
            f"{f['speech_s'] // 60} minutes of real Czech speech (Fish Fillets NG dialogue), 22.05 kHz WAV; "
            f"medians of {f['runs']} runs (naive: {f['naive_runs']}). Machine: {f['machine']['cpus']} CPUs, "
            f"load average {f['machine'].get('load_average_at_start', '?')} at the start and "
            f"{f['machine']['load_average'][0]} at the end (shared with other work: wall-clock figures "
            "fall with the load, the CPU-time ones much less)."
        ),
        "",
        "| measure | value | target |",
        "|---|---|---|",
        *[f"| {name} | {value} | {target} |" for name, value, target in rows],
        "",
        f"All targets met: {'yes' if met else 'no'}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
