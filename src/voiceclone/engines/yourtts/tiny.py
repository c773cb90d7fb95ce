"""A tiny YourTTS built offline for tests and benchmarks: coqui's real VITS + ResNet speaker encoder, random weights.

`tiny_yourtts_dir()` returns a folder laid out like the official YourTTS release (config.json,
model_file.pth, config_se.json, model_se.pth, speakers.json, language_ids.json), built once and cached
under `.cache/tiny_yourtts/<key>/` (VOICECLONE_CACHE_DIR overrides `.cache`). Random weights speak noise
of the right length and rate: the point is to run the real loading and inference code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from voiceclone.engines.tiny_cache import cache_root, cached_model_dir

CACHE_ROOT = cache_root("tiny_yourtts")
BUILDER_VERSION = 1

LANGUAGES = ("en", "fr-fr", "pt-br")  # the official checkpoint's languages, in its language_ids.json order
SAMPLE_RATE = 16000
D_VECTOR_DIM = 512  # the speaker encoder's projection, as in the release
# Small enough to build and speak a sentence in well under a second on 2 CPU cores.
TINY_VITS_ARGS = {
    "hidden_channels": 32,
    "hidden_channels_ffn_text_encoder": 64,
    "num_heads_text_encoder": 2,
    "num_layers_text_encoder": 1,
    "num_layers_posterior_encoder": 2,
    "num_layers_flow": 1,
    "resblock_type_decoder": "2",
    "resblock_kernel_sizes_decoder": [3, 7],
    "resblock_dilation_sizes_decoder": [[1, 2], [2, 6]],
    "upsample_rates_decoder": [8, 8, 2, 2],
    "upsample_kernel_sizes_decoder": [16, 16, 4, 4],
    "upsample_initial_channel_decoder": 32,
    "use_d_vector_file": True,
    "d_vector_dim": D_VECTOR_DIM,
    "use_language_embedding": True,
    "embedded_language_dim": 4,
    "use_sdp": True,
    "init_discriminator": False,  # training only
}
# The release's ResNet is [3, 4, 6, 3] x [32, 64, 128, 256] (8 M parameters); model.py honours these.
TINY_ENCODER_PARAMS = {
    "model_name": "resnet",
    "input_dim": 64,
    "proj_dim": D_VECTOR_DIM,
    "layers": [1, 1, 1, 1],
    "num_filters": [4, 8, 16, 32],
    "use_torch_spec": True,
    "log_input": True,
}


def tiny_yourtts_dir(root: Path = CACHE_ROOT) -> Path:
    """Builds (once) and returns the tiny model's folder."""
    return cached_model_dir(root, _spec(), "config.json", _build)


def _spec() -> list:
    return [BUILDER_VERSION, TINY_VITS_ARGS, TINY_ENCODER_PARAMS, LANGUAGES]


def _build(folder: Path) -> None:
    import torch

    (folder / "language_ids.json").write_text(json.dumps({lang: i for i, lang in enumerate(LANGUAGES)}))
    # The release's d-vector file maps its training speakers to embeddings; one stands in for them.
    speaker = torch.nn.functional.normalize(torch.randn(D_VECTOR_DIM), dim=0).tolist()
    (folder / "speakers.json").write_text(
        json.dumps({"tiny_speaker.wav": {"name": "tiny", "embedding": speaker}})
    )
    _write_speaker_encoder(folder)
    _write_vits(folder)


def _write_speaker_encoder(folder: Path) -> None:
    import torch
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.encoder.configs.speaker_encoder_config import SpeakerEncoderConfig
    from TTS.encoder.models.resnet import ResNetSpeakerEncoder

    audio = BaseAudioConfig(
        sample_rate=SAMPLE_RATE,
        fft_size=512,
        win_length=400,
        hop_length=160,
        num_mels=64,
        preemphasis=0.97,
        do_trim_silence=False,
        resample=False,
    )
    # The three training-only fields have no default; the release's config sets them too.
    config = SpeakerEncoderConfig(
        audio=audio,
        model_params=dict(TINY_ENCODER_PARAMS),
        num_classes_in_batch=1,
        num_utter_per_class=1,
        num_loader_workers=0,
    )
    params = TINY_ENCODER_PARAMS
    encoder = ResNetSpeakerEncoder(
        input_dim=params["input_dim"],
        proj_dim=params["proj_dim"],
        layers=params["layers"],
        num_filters=params["num_filters"],
        log_input=params["log_input"],
        use_torch_spec=params["use_torch_spec"],
        audio_config=config.audio,
    )
    torch.save({"model": encoder.state_dict()}, folder / "model_se.pth")
    config.save_json(str(folder / "config_se.json"))


def _write_vits(folder: Path) -> None:
    import torch
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    args = VitsArgs(
        **TINY_VITS_ARGS,
        d_vector_file=[str(folder / "speakers.json")],
        language_ids_file=str(folder / "language_ids.json"),
    )
    config = VitsConfig(
        model_args=args, use_phonemes=False, text_cleaner="multilingual_cleaners", add_blank=True
    )
    config.audio.sample_rate = SAMPLE_RATE
    config.audio.hop_length = 256
    config.audio.win_length = 1024
    config.audio.fft_length = 1024
    model = Vits(config)
    config = model.config  # init_from_config filled in the characters
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, folder / "model_file.pth")
    config.save_json(str(folder / "config.json"))


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(tiny_yourtts_dir())
