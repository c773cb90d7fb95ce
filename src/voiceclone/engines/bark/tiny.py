"""A tiny Bark built offline for tests and benchmarks: coqui's real Bark GPTs and transformers' EnCodec, random weights.

`tiny_bark_dir()` returns a folder laid out like the one `voiceclone models fetch bark` makes (see
voiceclone.engines.bark.model), cached under `.cache/tiny_bark/<key>/` (VOICECLONE_CACHE_DIR overrides
`.cache`). The vocabulary sizes, context windows and codebooks are Bark's (the inference code depends on
them); only depth and width are small. Random weights rarely stop: cap generation (`max_gen_duration_s`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from voiceclone.engines.tiny_cache import cache_root, cached_model_dir

CACHE_ROOT = cache_root("tiny_bark")
BUILDER_VERSION = 1

SMALL = {"n_layer": 1, "n_head": 2, "n_embd": 32, "block_size": 1024, "dropout": 0.0, "bias": True}
# Bark's vocabularies: text = 10 048 semantic + BERT ids offset, up to the infer token 129 599.
GPT_ARGS = {
    "text": {**SMALL, "input_vocab_size": 129_600, "output_vocab_size": 10_048},
    "coarse": {**SMALL, "input_vocab_size": 12_096, "output_vocab_size": 12_096},
    "fine": {
        **SMALL,
        "input_vocab_size": 1_056,
        "output_vocab_size": 1_056,
        "n_codes_total": 8,
        "n_codes_given": 1,
    },
}
ENCODEC_ARGS: dict[str, Any] = {
    "num_filters": 4,
    "hidden_size": 16,
    "num_lstm_layers": 1,
    "codebook_size": 1024,
}
PRESET_VOICES = ("v2/en_speaker_0", "v2/en_speaker_1", "v2/de_speaker_0")
PROMPT_SECONDS = 2
VOCAB_WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "hello",
    "world",
    "this",
    "is",
    "a",
    "test",
    "of",
    "speech",
    "synthesis",
    "system",
]


def tiny_bark_dir(root: Path = CACHE_ROOT) -> Path:
    """Builds (once) and returns the tiny model's folder."""
    return cached_model_dir(root, _spec(), "text_2.pt", _build)


def _spec() -> list:
    return [BUILDER_VERSION, GPT_ARGS, ENCODEC_ARGS, PRESET_VOICES, VOCAB_WORDS]


def _build(folder: Path) -> None:
    _write_gpts(folder)
    _write_vocab(folder / "tokenizer" / "vocab.txt")
    _write_encodec(folder / "encodec")
    _write_prompts(folder / "speakers")


def _write_gpts(folder: Path) -> None:
    import torch
    from TTS.tts.layers.bark.model import GPT, GPTConfig
    from TTS.tts.layers.bark.model_fine import FineGPT, FineGPTConfig

    for kind, args in GPT_ARGS.items():
        model = FineGPT(FineGPTConfig(**args)) if kind == "fine" else GPT(GPTConfig(**args))
        checkpoint = {
            "model_args": dict(args),
            "model": model.state_dict(),
            "best_val_loss": torch.tensor(0.0),
        }
        torch.save(checkpoint, folder / f"{kind}_2.pt")


def _write_vocab(path: Path) -> None:
    """A WordPiece vocabulary in BERT's format: special tokens, characters, a few words."""
    path.parent.mkdir(parents=True)
    characters = list("abcdefghijklmnopqrstuvwxyz0123456789.,!?;:'-\"") + list("äöüßéèàçñ")
    tokens = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        *characters,
        *(f"##{c}" for c in characters),
        *VOCAB_WORDS,
    ]
    path.write_text("\n".join(dict.fromkeys(tokens)) + "\n", encoding="utf-8")


def _write_encodec(folder: Path) -> None:
    from transformers import EncodecConfig, EncodecModel

    EncodecModel(EncodecConfig(**ENCODEC_ARGS)).save_pretrained(str(folder))


def _write_prompts(folder: Path) -> None:
    """Prompts shaped like Suno's: semantic (T,), coarse (2, 75 T/50 * ...), fine (8, ...) codes."""
    import numpy as np

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    semantic_len, codec_len = int(PROMPT_SECONDS * 49.9), PROMPT_SECONDS * 75
    for voice in PRESET_VOICES:
        stem = folder / voice.replace("/", "_")
        fine = rng.integers(0, 1024, size=(8, codec_len), dtype=np.int64)
        np.save(f"{stem}_semantic_prompt.npy", rng.integers(0, 10_000, size=semantic_len, dtype=np.int64))
        np.save(f"{stem}_coarse_prompt.npy", fine[:2])
        np.save(f"{stem}_fine_prompt.npy", fine)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(tiny_bark_dir())
