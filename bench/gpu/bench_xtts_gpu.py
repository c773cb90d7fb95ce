"""XTTS v2 on a GPU: the figures bench_xtts.py measures on CPU, at full size, fp32 against bf16.

Not run by `make bench` (no GPU there). On a GPU machine with this repository installed:

    HF_HUB_OFFLINE=1 python -m bench.gpu.bench_xtts_gpu [--model-dir DIR]

--model-dir: a real XTTS v2 folder (config.json, model.pth, vocab.json, dvae.pth, mel_stats.pth);
without it the full-size architecture gets random weights (timings are the same; audio is noise).
Measures, medians of --runs: synthesis real-time factor and time to first audio (ours and coqui's
inference_stream) for a 600-character text in fp32 and bf16 autocast, a voice's cold load against a
cached one, fine-tune step time at full size (batch 2, fp32 and bf16), and peak GPU memory.
Writes bench/results/xtts_gpu.json and xtts_gpu.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS = REPO_ROOT / "bench" / "results"
sys.path.insert(0, str(REPO_ROOT))

from bench.bench_xtts import LONG_TEXT
from tests.support.speech import english_utterances
from voiceclone.domain.tts import VoiceSettings
from voiceclone.engines.base import FineTuneConfig, TrainingClip
from voiceclone.engines.xtts.engine import XttsEngine
from voiceclone.engines.xtts.tiny import LANGUAGES, tiny_xtts_dir

MAX_NEW_TOKENS = 250  # random weights never stop; real ones stop by themselves well before


def full_size_random_model_dir() -> Path:
    """A model folder with the XTTS v2 architecture and random weights (our vocab, DVAE, mel stats)."""
    from TTS.tts.configs.xtts_config import XttsArgs, XttsConfig
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
    from TTS.tts.models.xtts import Xtts

    tiny = tiny_xtts_dir()
    folder = Path(tempfile.mkdtemp(prefix="xtts-full-random-"))
    for name in ("vocab.json", "dvae.pth", "mel_stats.pth"):
        (folder / name).write_bytes((tiny / name).read_bytes())
    args = XttsArgs(gpt_num_audio_tokens=1026, gpt_start_audio_token=1024, gpt_stop_audio_token=1025,
                    gpt_use_perceiver_resampler=True)
    config = XttsConfig(model_args=args, languages=LANGUAGES)
    model = Xtts(config)
    model.tokenizer = VoiceBpeTokenizer(vocab_file=str(folder / "vocab.json"))
    model.init_models()
    model.mel_stats = torch.load(folder / "mel_stats.pth")
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))
    return folder


def timed(fn, runs: int) -> float:
    values = []
    for _ in range(runs):
        torch.cuda.synchronize()
        started = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        values.append(time.perf_counter() - started)
    return round(statistics.median(values), 4)


def first_audio(pieces) -> tuple[float, float, int]:
    started = time.perf_counter()
    first, samples = None, 0
    for piece in pieces:
        torch.cuda.synchronize()
        first = first if first is not None else time.perf_counter() - started
        samples += len(piece)
    return round(first, 3), round(time.perf_counter() - started, 3), samples


def synthesis_figures(engine: XttsEngine, voice, runs: int, bf16: bool) -> dict:
    settings = VoiceSettings()
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if bf16 else nullcontext()
    with autocast:
        audio = engine.synthesize(LONG_TEXT, voice, "en", settings)
        whole_s = timed(lambda: engine.synthesize(LONG_TEXT, voice, "en", settings), runs)
        ours = first_audio(engine.stream(LONG_TEXT, voice, "en", settings))
        model = engine.model
        coqui = first_audio(model.inference_stream(
            LONG_TEXT[:240], "en", voice.latents.gpt_cond_latent, voice.latents.speaker_embedding,
            stream_chunk_size=20, max_new_tokens=MAX_NEW_TOKENS))
    return {
        "audio_s": round(audio.duration_s, 2),
        "synthesis_s": whole_s,
        "real_time_factor": round(whole_s / audio.duration_s, 4),
        "ours_stream_first_audio_s": ours[0],
        "ours_stream_total_s": ours[1],
        "coqui_stream_first_chunk_text_first_audio_s": coqui[0],
        "coqui_stream_first_chunk_text_total_s": coqui[1],
    }


def fine_tune_step_figures(model_dir: Path, clips, bf16: bool) -> dict:
    """Seconds per optimizer step at full size, batch 2 (a few steps after one warm-up step)."""
    progress_times: list[float] = []

    def progress(fraction, stage):
        if stage == "training":
            torch.cuda.synchronize()
            progress_times.append(time.perf_counter())

    from voiceclone.engines.xtts.finetune import fine_tune

    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if bf16 else nullcontext()
    with autocast, tempfile.TemporaryDirectory() as work:
        fine_tune(model_dir, clips, FineTuneConfig(epochs=3, batch_size=2), progress, Path(work), device="cuda")
    steps = [b - a for a, b in itertools.pairwise(progress_times[1:])]  # after the warm-up step
    return {"step_s": round(statistics.median(steps), 4) if steps else None, "steps_timed": len(steps)}


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device: this benchmark is for a GPU machine")
    model_dir = args.model_dir or full_size_random_model_dir()
    clips = [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in english_utterances()]
    engine = XttsEngine(model_dir, device="cuda", max_new_tokens=None if args.model_dir else MAX_NEW_TOKENS)
    torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    engine.model  # noqa: B018 - load the base model now, to time it
    base_load_s = round(time.perf_counter() - started, 2)
    with tempfile.TemporaryDirectory() as work:
        artifacts = engine.create_voice("xtts_v2_instant", clips, FineTuneConfig(), lambda f, s: None, Path(work))
        started = time.perf_counter()
        voice = engine.load_voice("xtts_v2_instant", artifacts.files)
        instant_load_s = round(time.perf_counter() - started, 4)
    figures = {
        "device": torch.cuda.get_device_name(0),
        "weights": "real" if args.model_dir else "random (full-size architecture)",
        "base_model_load_s": base_load_s,
        "instant_voice_load_s": instant_load_s,
        "fp32": synthesis_figures(engine, voice, args.runs, bf16=False),
        "bf16": synthesis_figures(engine, voice, args.runs, bf16=True),
        "fine_tune_fp32": fine_tune_step_figures(model_dir, clips, bf16=False),
        "fine_tune_bf16": fine_tune_step_figures(model_dir, clips, bf16=True),
        "peak_gpu_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "xtts_gpu.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = ["# XTTS v2 on GPU", "", "```json", json.dumps(figures, indent=2), "```", ""]
    (RESULTS / "xtts_gpu.md").write_text("\n".join(lines))
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
