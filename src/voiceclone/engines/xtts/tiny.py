"""A tiny XTTS v2 built offline for tests and the local demo: the real coqui architecture, random weights.

`tiny_xtts_dir()` returns a model directory laid out like the real XTTS v2 download plus the two
training files (config.json, model.pth, vocab.json, dvae.pth, mel_stats.pth). It is built once and
cached under `.cache/tiny_xtts/<key>/` (in the working directory, or VOICECLONE_CACHE_DIR), the key hashing the architecture, so every test (and every
engineer's suite) shares it. The vocab is a BPE trained with `tokenizers` on cleaned text, the DVAE
a random state dict and the mel statistics are computed from speech espeak-ng says here.

Random weights never emit the stop token: cap generation (`max_new_tokens`) when synthesising.

`random_xtts_dir(FULL_SIZE_MODEL_ARGS)` builds the same files at XTTS v2's published size (30 layers,
1024 channels, ~1.8 GB) for benchmarks that need the real architecture's costs.
"""

import os
import subprocess
import tempfile
from pathlib import Path

from voiceclone.engines.tiny_cache import cache_root, cached_model_dir

CACHE_ROOT = cache_root("tiny_xtts")
BUILDER_VERSION = 1  # bump when the files built change, so stale caches are not reused

# Small enough to build in seconds and train a step in under a second on 2 CPU cores.
TINY_MODEL_ARGS = {
    "gpt_layers": 2,
    "gpt_n_model_channels": 64,
    "gpt_n_heads": 2,
    "gpt_max_audio_tokens": 400,
    "gpt_max_text_tokens": 402,
    "gpt_max_prompt_tokens": 70,
    "gpt_num_audio_tokens": 1026,
    "gpt_start_audio_token": 1024,
    "gpt_stop_audio_token": 1025,
    "gpt_use_perceiver_resampler": True,
    "gpt_use_masking_gt_prompt_approach": True,
    "gpt_code_stride_len": 1024,
    "decoder_input_dim": 64,
    "d_vector_dim": 512,
}
# XTTS v2's published architecture (coqui's XttsArgs defaults: 30 layers, 1024 channels), our vocabulary.
FULL_SIZE_MODEL_ARGS = {
    "gpt_num_audio_tokens": 1026,
    "gpt_start_audio_token": 1024,
    "gpt_stop_audio_token": 1025,
    "gpt_use_perceiver_resampler": True,
    "gpt_max_audio_tokens": 605,
}
LANGUAGES = ["en", "es", "fr", "de", "it", "pt", "pl", "tr", "ru", "nl", "cs", "ar", "zh-cn", "hu", "ko", "ja", "hi"]
SPECIAL_TOKENS = ["[STOP]", "[UNK]", "[SPACE]", "[START]"] + [f"[{lang}]" for lang in LANGUAGES]
# Every letter the tests' transcripts (English LibriVox, Czech dialogue) may contain, once cleaned.
ALPHABET = list("abcdefghijklmnopqrstuvwxyz0123456789.,!?;:'-()&%$/+=@#*\"") + list(
    "áčďéěíňóřšťúůýžàâäæçèêëîïôöœùûüÿßñãõąćęłńśźżğışőű"
)
VOCAB_CORPUS = [
    "the quick brown fox jumps over the lazy dog",
    "she sells sea shells by the sea shore",
    "a voice clone speaks any text in the voice of its owner",
    "hello world, this is a test of the speech synthesis system",
    "we will meet again tomorrow morning at the station",
    "příliš žluťoučký kůň úpěl ďábelské ódy",
    "dobrý den, jak se máte? děkuji, dobře",
]
ESPEAK_SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "A voice clone speaks any text in the voice of its owner.",
    "We will meet again tomorrow morning at the station.",
]


def tiny_xtts_dir(root: Path = CACHE_ROOT) -> Path:
    """Builds (once) and returns the tiny model's directory."""
    return random_xtts_dir(TINY_MODEL_ARGS, root)


def random_xtts_dir(model_args: dict, root: Path = CACHE_ROOT) -> Path:
    """Builds (once) and returns a random-weight model of the given XttsArgs."""
    spec = [BUILDER_VERSION, model_args, SPECIAL_TOKENS, ALPHABET, VOCAB_CORPUS]
    return cached_model_dir(root, spec, "config.json", lambda folder: _build(folder, model_args))


def _build(folder: Path, model_args: dict) -> None:
    import torch

    _write_vocab(folder / "vocab.json")
    mel_stats = _mel_stats_from_speech()
    torch.save(mel_stats, folder / "mel_stats.pth")
    _write_dvae(folder / "dvae.pth", model_args["gpt_num_audio_tokens"])
    _write_xtts(folder, mel_stats, model_args)


def _write_vocab(path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIAL_TOKENS, initial_alphabet=ALPHABET)
    tokenizer.train_from_iterator(VOCAB_CORPUS, trainer=trainer)
    tokenizer.save(str(path))


def _mel_stats_from_speech():
    """Per-channel mean log-mel of real (espeak-ng) speech, in the DVAE's mel settings."""
    import soundfile
    import torch
    from TTS.tts.layers.tortoise.arch_utils import TorchMelSpectrogram

    mel = TorchMelSpectrogram(sampling_rate=22050, mel_norm_file=None)
    frames = []
    with tempfile.TemporaryDirectory() as scratch:
        for i, sentence in enumerate(ESPEAK_SENTENCES):
            wav_path = Path(scratch) / f"{i}.wav"
            subprocess.run(["espeak-ng", "-w", str(wav_path), sentence], check=True, capture_output=True)
            audio, rate = soundfile.read(wav_path, dtype="float32")
            wav = torch.from_numpy(audio)[None, None, :]
            if rate != 22050:
                import torchaudio

                wav = torchaudio.functional.resample(wav, rate, 22050)
            frames.append(mel(wav)[0])  # (80, T) log-mel, not normalised (no norm file)
    stats = torch.cat(frames, dim=-1).mean(dim=-1)
    # A channel whose mean is near zero would blow up when divided by; keep them away from it.
    return torch.where(stats.abs() < 0.5, torch.full_like(stats, -0.5), stats)


def _write_dvae(path: Path, num_audio_tokens: int) -> None:
    import torch
    from TTS.tts.layers.xtts.dvae import DiscreteVAE

    # The exact shape GPTTrainer builds; random weights give arbitrary but valid audio codes.
    dvae = DiscreteVAE(
        channels=80,
        normalization=None,
        positional_dims=1,
        num_tokens=num_audio_tokens - 2,
        codebook_dim=512,
        hidden_dim=512,
        num_resnet_blocks=3,
        kernel_size=3,
        num_layers=2,
        use_transposed_convs=False,
    )
    torch.save(dvae.state_dict(), path)


def _write_xtts(folder: Path, mel_stats, model_args: dict) -> None:
    import torch
    from TTS.tts.configs.xtts_config import XttsArgs, XttsConfig
    from TTS.tts.models.xtts import Xtts

    config = XttsConfig(model_args=XttsArgs(**model_args, tokenizer_file=""), languages=LANGUAGES)
    model = Xtts(config)
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer

    model.tokenizer = VoiceBpeTokenizer(vocab_file=str(folder / "vocab.json"))
    model.init_models()
    model.mel_stats = mel_stats
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(tiny_xtts_dir())
