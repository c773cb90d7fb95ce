"""Loading the XTTS v2 base model from a model directory (the layout of the official download).

A base model directory holds config.json, model.pth and vocab.json; fine-tuning also needs dvae.pth and
mel_stats.pth (from the same release). Weights are loaded with strict=True: a mismatch is an error.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import torch

from voiceclone.engines.base import ModelUnavailable

logger = logging.getLogger(__name__)

INFERENCE_FILES = ("config.json", "model.pth", "vocab.json")
TRAINING_FILES = ("dvae.pth", "mel_stats.pth")


@contextlib.contextmanager
def keep_torch_threads() -> Iterator[None]:
    """coqui's trainer modules call torch.set_num_threads(1) on import; undo that."""
    threads = torch.get_num_threads()
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def check_model_dir(model_dir: Path, training: bool = False) -> None:
    needed = INFERENCE_FILES + (TRAINING_FILES if training else ())
    missing = [name for name in needed if not (model_dir / name).is_file()]
    if missing:
        raise ModelUnavailable(
            f"XTTS v2 base model incomplete in {model_dir}: missing {', '.join(missing)}. "
            "Put the weights in place with `voiceclone models fetch xtts_v2` (README: 'Putting the XTTS v2 weights in place')."
        )


def load_config(model_dir: Path):
    from TTS.tts.configs.xtts_config import XttsConfig

    config = XttsConfig()
    config.load_json(str(model_dir / "config.json"))
    return config


def load_base_model(model_dir: Path, device: str = "cpu"):
    """The full XTTS model in eval mode (GPT, HiFiGAN decoder, speaker encoder, tokenizer)."""
    from TTS.tts.models.xtts import Xtts

    check_model_dir(model_dir)
    config = load_config(model_dir)
    model = Xtts(config)
    model.load_checkpoint(config, checkpoint_dir=str(model_dir), eval=True, strict=True)
    return model.to(device)


def build_gpt(args):
    """An empty GPT with the base model's architecture (to load a fine-tuned state dict into)."""
    from TTS.tts.layers.xtts.gpt import GPT

    return GPT(
        layers=args.gpt_layers,
        model_dim=args.gpt_n_model_channels,
        start_text_token=args.gpt_start_text_token,
        stop_text_token=args.gpt_stop_text_token,
        heads=args.gpt_n_heads,
        max_text_tokens=args.gpt_max_text_tokens,
        max_mel_tokens=args.gpt_max_audio_tokens,
        max_prompt_tokens=args.gpt_max_prompt_tokens,
        number_text_tokens=args.gpt_number_text_tokens,
        num_audio_tokens=args.gpt_num_audio_tokens,
        start_audio_token=args.gpt_start_audio_token,
        stop_audio_token=args.gpt_stop_audio_token,
        use_perceiver_resampler=args.gpt_use_perceiver_resampler,
        code_stride_len=args.gpt_code_stride_len,
    )


def load_finetuned_gpt(base_model, gpt_path: Path):
    """The fine-tuned GPT of one voice, loaded strictly and ready for inference."""
    gpt = build_gpt(base_model.args)
    state = torch.load(gpt_path, map_location="cpu", weights_only=True)
    gpt.load_state_dict(state, strict=True)
    gpt.init_gpt_for_inference(kv_cache=base_model.args.kv_cache)
    return gpt.to(base_model.device).eval()


def module_bytes(module: torch.nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in module.parameters())
