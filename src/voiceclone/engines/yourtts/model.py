"""Loading coqui's YourTTS (VITS + ResNet speaker encoder) from a model folder laid out like its release.

The release (`tts_models--multilingual--multi-dataset--your_tts.zip`) holds config.json, model_file.pth,
config_se.json, model_se.pth, speakers.json and language_ids.json; its config names those files by the
paths of the machine it was trained on, so they are pointed at the folder here (as coqui's ModelManager
does). Weights load with strict=True; the speaker-consistency loss is training only and stays off.
"""

from __future__ import annotations

from pathlib import Path

from voiceclone.engines.base import ModelUnavailable

CONFIG = "config.json"
CHECKPOINT_NAMES = ("model_file.pth", "model.pth")
ENCODER_FILES = ("model_se.pth", "config_se.json")
SUPPORT_FILES = ("language_ids.json",)
SPEAKER_FILES = ("speakers.json", "speakers.pth")  # the release's d-vector file, in either of coqui's formats
FETCH_HINT = "Put the weights in place with `voiceclone models fetch yourtts` (docs/engines.md, 'YourTTS')."


def checkpoint_path(model_dir: Path) -> Path:
    for name in CHECKPOINT_NAMES:
        if (model_dir / name).is_file():
            return model_dir / name
    raise ModelUnavailable(
        f"YourTTS model incomplete in {model_dir}: no {' or '.join(CHECKPOINT_NAMES)}. {FETCH_HINT}"
    )


def check_model_dir(model_dir: Path) -> None:
    missing = [n for n in (CONFIG, *ENCODER_FILES, *SUPPORT_FILES) if not (model_dir / n).is_file()]
    if missing:
        raise ModelUnavailable(
            f"YourTTS model incomplete in {model_dir}: missing {', '.join(missing)}. {FETCH_HINT}"
        )
    checkpoint_path(model_dir)
    speakers_file(model_dir)


def speakers_file(model_dir: Path) -> Path:
    for name in SPEAKER_FILES:
        if (model_dir / name).is_file():
            return model_dir / name
    raise ModelUnavailable(
        f"YourTTS model incomplete in {model_dir}: no {' or '.join(SPEAKER_FILES)}. {FETCH_HINT}"
    )


def load_config(model_dir: Path):
    from TTS.tts.configs.vits_config import VitsConfig

    config = VitsConfig()
    config.load_json(str(model_dir / CONFIG))
    args = config.model_args
    args.d_vector_file = [str(speakers_file(model_dir))]
    args.language_ids_file = str(model_dir / "language_ids.json")
    # Empty: coqui would build the encoder itself, ignoring its size in config_se.json (_init_speaker_encoder).
    args.speaker_encoder_model_path = ""
    args.speaker_encoder_config_path = ""
    args.use_speaker_encoder_as_loss = False
    args.init_discriminator = False
    config.d_vector_file = args.d_vector_file
    config.language_ids_file = args.language_ids_file
    return config


def load_model(model_dir: Path, device: str = "cpu"):
    """The VITS model in eval mode, with its speaker encoder ready to embed reference audio."""
    from TTS.tts.models.vits import Vits

    check_model_dir(model_dir)
    config = load_config(model_dir)
    model = Vits(config)
    model.load_checkpoint(config, str(checkpoint_path(model_dir)), eval=True, strict=True)
    model = model.to(device)
    _init_speaker_encoder(model.speaker_manager, model_dir, device)
    return model


def _init_speaker_encoder(manager, model_dir: Path, device: str) -> None:
    """SpeakerManager.init_encoder, but the ResNet honours `layers`/`num_filters` in model_params.

    The release's config_se.json has neither, so it gets coqui's architecture; the tiny test model sets
    both to build the same class small (coqui's setup_encoder_model ignores them).
    """
    import torch
    from TTS.config import load_config as load_coqui_config
    from TTS.encoder.models.resnet import ResNetSpeakerEncoder
    from TTS.utils.audio import AudioProcessor

    config = load_coqui_config(str(model_dir / "config_se.json"))
    params = config.model_params
    if params["model_name"].lower() != "resnet":
        raise ModelUnavailable(
            f"YourTTS speaker encoder in {model_dir} is not the release's ResNet ({params['model_name']})."
        )
    encoder = ResNetSpeakerEncoder(
        input_dim=params["input_dim"],
        proj_dim=params["proj_dim"],
        layers=params.get("layers"),
        num_filters=params.get("num_filters"),
        log_input=params.get("log_input", False),
        use_torch_spec=params.get("use_torch_spec", False),
        audio_config=config.audio,
    )
    state = torch.load(model_dir / "model_se.pth", map_location="cpu", weights_only=False)
    encoder.load_state_dict(state["model"], strict=True)
    manager.use_cuda = device.startswith("cuda")
    manager.encoder_config = config
    manager.encoder = encoder.to(device).eval()
    manager.encoder_ap = AudioProcessor(config.audio)
