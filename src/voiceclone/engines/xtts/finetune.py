"""Fine-tuning the XTTS v2 GPT on a user's clips with coqui's GPTTrainer model.

GPTTrainer supplies the model, data set, batch preparation (DVAE codes, conditioning mels), loss and
optimizer; this module drives the steps itself instead of coqui's `Trainer`, which parses sys.argv,
writes full-model checkpoints (5.2 GB each at full size) and cannot report progress or stop cleanly.
Our checkpoints hold only the GPT weights, the optimizer state and the step, and go to a
CheckpointStore (the models bucket) every `checkpoint_every_steps`, so a redelivered job resumes.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from voiceclone.engines.base import (
    BadInput,
    CheckpointStore,
    FineTuneConfig,
    ProgressCallback,
    StopRequested,
    TrainingClip,
)
from voiceclone.engines.xtts.model import check_model_dir, keep_torch_threads, load_config

logger = logging.getLogger(__name__)

MIN_CLIP_S = 0.5  # GPTTrainer's data set drops shorter clips
GRAD_CLIP = 1.0
CHECKPOINT_NAME = "finetune_state.pt"


@dataclass
class FineTuneResult:
    trainer: Any  # coqui's GPTTrainer (untyped), its xtts.gpt fine-tuned
    steps: int
    resumed_from_step: int
    final_loss: float
    seconds: float


def _trainer_config(model_dir: Path, config: FineTuneConfig):
    with keep_torch_threads():
        from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTArgs, GPTTrainerConfig

    base = load_config(model_dir)
    args = GPTArgs(
        **{k: v for k, v in base.model_args.to_dict().items() if k in GPTArgs.__dataclass_fields__},
    )
    args.tokenizer_file = str(model_dir / "vocab.json")
    args.mel_norm_file = str(model_dir / "mel_stats.pth")
    args.dvae_checkpoint = str(model_dir / "dvae.pth")
    args.xtts_checkpoint = str(model_dir / "model.pth")
    return GPTTrainerConfig(
        model_args=args,
        audio=base.audio,
        languages=base.languages,
        batch_size=config.batch_size,
        eval_batch_size=config.batch_size,
        num_loader_workers=0,
        num_eval_loader_workers=0,
        lr=config.learning_rate,
        optimizer="AdamW",
        optimizer_params={"betas": [0.9, 0.96], "eps": 1e-8, "weight_decay": 1e-2},
        optimizer_wd_only_on_weights=True,
        lr_scheduler=None,
        training_seed=1,
    )


def usable_clips(trainer, clips: Sequence[TrainingClip]) -> list[dict]:
    """The data set's samples; clips the data set would silently skip are left out here, loudly."""
    args = trainer.args
    max_s = args.max_wav_length / trainer.config.audio.sample_rate
    samples, rejected = [], []
    for clip in clips:
        text = (clip.transcript or "").strip()
        tokens = trainer.xtts.tokenizer.encode(text, clip.language) if text else []
        if not text:
            rejected.append(f"{clip.path.name}: no transcript")
        elif not MIN_CLIP_S <= clip.duration_s <= max_s:
            rejected.append(f"{clip.path.name}: {clip.duration_s:.1f} s is outside {MIN_CLIP_S}-{max_s:.1f} s")
        elif len(tokens) > args.max_text_length or 1 in tokens:
            rejected.append(f"{clip.path.name}: transcript too long or has characters the model cannot read")
        else:
            samples.append({"text": text, "audio_file": str(clip.path), "language": clip.language, "speaker_name": "voice"})
    if rejected:
        logger.warning("clips left out of fine-tuning: %s", "; ".join(rejected))
    if not samples:
        raise BadInput("No clip is usable for fine-tuning: " + "; ".join(rejected))
    return samples


def fine_tune(
    model_dir: Path,
    clips: Sequence[TrainingClip],
    config: FineTuneConfig,
    progress: ProgressCallback,
    work_dir: Path,
    checkpoints: CheckpointStore | None = None,
    device: str = "cpu",
) -> FineTuneResult:
    """Trains the GPT for `config.epochs` passes over the clips; progress goes 0..1 with stage 'training'."""
    check_model_dir(model_dir, training=True)
    started = time.perf_counter()
    with keep_torch_threads():
        from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainer

        trainer_config = _trainer_config(model_dir, config)
        trainer = GPTTrainer(trainer_config).to(device)
    samples = usable_clips(trainer, clips)
    random.seed(1)
    torch.manual_seed(1)
    loader = trainer.get_data_loader(trainer_config, is_eval=False, samples=samples, verbose=False)
    optimizer = trainer.get_optimizer()
    total_steps = config.epochs * max(1, math.ceil(len(samples) / config.batch_size))
    step = _resume(trainer, optimizer, checkpoints)
    resumed_from = step
    loss_value = float("nan")

    trainer.eval()  # DVAE and decoder frozen; only the GPT learns
    trainer.xtts.gpt.train()
    progress(step / total_steps, "training")
    try:
        while step < total_steps:
            for batch in loader:
                if step >= total_steps:
                    break
                loss_value = _train_step(trainer, optimizer, batch, device)
                step += 1
                if checkpoints is not None and step % config.checkpoint_every_steps == 0 and step < total_steps:
                    _save_checkpoint(trainer, optimizer, step, work_dir, checkpoints)
                progress(step / total_steps, "training")
    except StopRequested:
        if checkpoints is not None and step > resumed_from:
            _save_checkpoint(trainer, optimizer, step, work_dir, checkpoints)
        raise
    trainer.xtts.gpt.eval()
    return FineTuneResult(trainer, step, resumed_from, loss_value, time.perf_counter() - started)


def _train_step(trainer, optimizer, batch, device: str) -> float:
    batch = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in trainer.format_batch(batch).items()}
    batch = trainer.format_batch_on_device(batch)
    _, losses = trainer.train_step(batch, criterion=None)
    optimizer.zero_grad(set_to_none=True)
    losses["loss"].backward()
    torch.nn.utils.clip_grad_norm_(trainer.xtts.gpt.parameters(), GRAD_CLIP)
    optimizer.step()
    return float(losses["loss"].detach())


def _save_checkpoint(trainer, optimizer, step: int, work_dir: Path, checkpoints: CheckpointStore) -> None:
    path = work_dir / CHECKPOINT_NAME
    torch.save({"step": step, "gpt": trainer.xtts.gpt.state_dict(), "optimizer": optimizer.state_dict()}, path)
    checkpoints.save(path, step)
    logger.info("checkpoint saved at step %d", step)


def _resume(trainer, optimizer, checkpoints: CheckpointStore | None) -> int:
    latest = checkpoints.latest() if checkpoints is not None else None
    if latest is None:
        return 0
    state = torch.load(latest, map_location=next(trainer.parameters()).device, weights_only=True)
    trainer.xtts.gpt.load_state_dict(state["gpt"], strict=True)
    optimizer.load_state_dict(state["optimizer"])
    logger.info("resumed fine-tuning from step %d", state["step"])
    return int(state["step"])
