"""Loading Suno's Bark (coqui-tts's implementation) from a model folder, without any network.

A Bark folder (what `voiceclone models fetch bark` puts in place):
- text_2.pt, coarse_2.pt, fine_2.pt: the three GPTs (erogol/bark on the Hugging Face hub, as coqui ships them);
- tokenizer/vocab.txt: BERT multilingual cased (coqui's Bark downloads it from the hub in its constructor);
- encodec/: facebook/encodec_24khz (config.json, model.safetensors), which decodes codes to 24 kHz audio;
- speakers/: Suno's speaker prompts, `<voice>_{semantic,coarse,fine}_prompt.npy` (voice `v2/en_speaker_0` is
  `v2_en_speaker_0_...`).

coqui's `load_model` downloads missing checkpoints and deletes ones whose MD5 differs from the release's;
ours loads what is there (the same fix-ups, every weight accounted for) and fails with ModelUnavailable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voiceclone.engines.base import BadInput, ModelUnavailable

CHECKPOINTS = {"text": "text_2.pt", "coarse": "coarse_2.pt", "fine": "fine_2.pt"}
TOKENIZER_VOCAB = "tokenizer/vocab.txt"
ENCODEC_DIR = "encodec"
SPEAKERS_DIR = "speakers"
PROMPT_PARTS = ("semantic_prompt", "coarse_prompt", "fine_prompt")
FETCH_HINT = "Put the weights in place with `voiceclone models fetch bark` (docs/engines.md, 'Bark')."


def check_model_dir(model_dir: Path) -> None:
    needed = [
        *CHECKPOINTS.values(),
        TOKENIZER_VOCAB,
        f"{ENCODEC_DIR}/config.json",
        f"{ENCODEC_DIR}/model.safetensors",
    ]
    missing = [name for name in needed if not (model_dir / name).is_file()]
    if missing:
        raise ModelUnavailable(
            f"Bark model incomplete in {model_dir}: missing {', '.join(missing)}. {FETCH_HINT}"
        )


def load_model(model_dir: Path, device: str = "cpu"):
    """coqui's Bark in eval mode, its GPTs, tokenizer and codec read from `model_dir`."""
    import torch
    from transformers import BertTokenizer, EncodecModel
    from TTS.tts.configs.bark_config import BarkConfig
    from TTS.tts.models.bark import Bark
    from TTS.tts.models.base_tts import BaseTTS

    check_model_dir(model_dir)

    class LocalBark(Bark):
        """Bark.__init__ with local parts: it would fetch the tokenizer and codec from the hub."""

        def __init__(self, config):
            self.tokenizer = BertTokenizer(vocab_file=str(model_dir / TOKENIZER_VOCAB))
            BaseTTS.__init__(self, config)
            self.config.num_chars = len(self.tokenizer)
            self.semantic_model, config.semantic_config = _load_gpt(model_dir / CHECKPOINTS["text"], "text")
            self.coarse_model, config.coarse_config = _load_gpt(model_dir / CHECKPOINTS["coarse"], "coarse")
            self.fine_model, config.fine_config = _load_gpt(model_dir / CHECKPOINTS["fine"], "fine")
            self.encodec = EncodecModel.from_pretrained(str(model_dir / ENCODEC_DIR), local_files_only=True)
            self.processor = None  # only the clone path (not offered) encodes audio
            self.encodec_bandwidth = 6.0

    config = BarkConfig(CACHE_DIR=str(model_dir), DEF_SPEAKER_DIR=str(model_dir / SPEAKERS_DIR))
    with torch.device("cpu"):
        model = LocalBark(config)
    return model.to(device).eval()


def _load_gpt(path: Path, kind: str):
    """One of Bark's GPTs, as coqui's load_model builds it, minus its download and checksum steps."""
    import torch
    from TTS.tts.layers.bark.model import GPT, GPTConfig
    from TTS.tts.layers.bark.model_fine import FineGPT, FineGPTConfig

    checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    args = dict(checkpoint["model_args"])
    if "input_vocab_size" not in args:  # the release's text/coarse checkpoints name it vocab_size
        args["input_vocab_size"] = args["output_vocab_size"] = args.pop("vocab_size")
    config = FineGPTConfig(**args) if kind == "fine" else GPTConfig(**args)
    model = FineGPT(config) if kind == "fine" else GPT(config)
    state = {key.removeprefix("_orig_mod."): value for key, value in checkpoint["model"].items()}
    expected = set(model.state_dict())
    # attn.bias is the causal mask buffer: present or not in a checkpoint, the model makes its own.
    extra = {k for k in set(state) - expected if not k.endswith(".attn.bias")}
    missing = {k for k in expected - set(state) if not k.endswith(".attn.bias")}
    if extra or missing:
        raise ModelUnavailable(
            f"Bark {kind} checkpoint {path} does not match its architecture (extra {sorted(extra)[:3]}, missing {sorted(missing)[:3]})."
        )
    model.load_state_dict(state, strict=False)
    return model.eval(), config


def prompt_stem(voice_name: str) -> str:
    return voice_name.replace("/", "_")


def preset_voices(model_dir: Path) -> tuple[str, ...]:
    """The speaker prompts in the folder, by Suno's names (v2/en_speaker_0 ...)."""
    folder = model_dir / SPEAKERS_DIR
    suffix = f"_{PROMPT_PARTS[0]}.npy"
    stems = sorted(p.name[: -len(suffix)] for p in folder.glob(f"*{suffix}")) if folder.is_dir() else []
    return tuple(stem.replace("_", "/", 1) for stem in stems)


def prompt_files(model_dir: Path, voice_name: str) -> dict[str, Path]:
    files = {
        part: model_dir / SPEAKERS_DIR / f"{prompt_stem(voice_name)}_{part}.npy" for part in PROMPT_PARTS
    }
    if not all(path.is_file() for path in files.values()):
        raise BadInput(
            f"Bark has no speaker prompt '{voice_name}' (known: {', '.join(preset_voices(model_dir)[:12])} ...)."
        )
    return files


def read_prompt(files: dict[str, Path]) -> dict[str, np.ndarray]:
    return {part: np.load(files[part], allow_pickle=False) for part in PROMPT_PARTS}
