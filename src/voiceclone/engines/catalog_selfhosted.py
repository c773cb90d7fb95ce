"""Facts of the self-hosted engines beside XTTS (YourTTS, Bark), as data the registry can read.

Pure data: importing it pulls no torch. One `SelfHostedModel` per model type; `SELF_HOSTED_MODELS`
maps model type -> entry. What the platform advertises (licence, languages, capabilities, limits) is the
registry's row (voiceclone.domain.registry); this module adds what only fetching and loading need: the
weight files, the licence's source and the native sample rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceclone.domain.registry import REGISTRY, ModelType


@dataclass(frozen=True)
class WeightsLicence:
    name: str  # as the weights' publisher states it
    url: str
    commercial_use: bool
    source: str  # where the licence was read


@dataclass(frozen=True)
class WeightFile:
    """One file of a model folder: where it is downloaded from (a Hugging Face repo or a URL)."""

    name: str  # path inside the model folder
    hub_repo: str | None = None
    hub_filename: str | None = None  # path in the hub repo (default: `name`)
    url: str | None = None  # a release archive instead of the hub
    required: bool = True


@dataclass(frozen=True)
class SelfHostedModel:
    model_type: str  # the API's model_type / voice_model_id prefix
    engine: str  # the Engine.name that serves it
    display_name: str
    runs_on: str  # "gpu_worker"
    weights_name: str  # `voiceclone models fetch NAME`, models bucket `base/NAME/`
    licence: WeightsLicence
    native_sample_rate: int
    output_sample_rate: int  # what the engine hands the platform (resampled)
    languages: tuple[str, ...]
    instant_clone: bool
    fine_tune: bool
    preset_voices: bool
    streaming: str  # "sentence": pieces are whole text chunks; "none"
    max_characters_per_request: int
    voice_settings: tuple[str, ...]  # which VoiceSettings fields change the output
    weight_files: tuple[WeightFile, ...]
    notes: str = ""


_YOURTTS_RELEASE = "https://github.com/coqui-ai/TTS/releases/download/v0.10.1_models/tts_models--multilingual--multi-dataset--your_tts.zip"


def _from_registry(
    model_type: ModelType, native_sample_rate: int, licence_source: str, weight_files: tuple[WeightFile, ...]
) -> SelfHostedModel:
    spec = REGISTRY[model_type]
    assert spec.weights_name is not None
    return SelfHostedModel(
        model_type=spec.model_type.value,
        engine=spec.engine,
        display_name=spec.display_name,
        runs_on=spec.runs_on.value,
        weights_name=spec.weights_name,
        licence=WeightsLicence(
            spec.licence.name, spec.licence.url, spec.licence.commercial_use, licence_source
        ),
        native_sample_rate=native_sample_rate,
        output_sample_rate=spec.sample_rate,
        languages=spec.languages,
        instant_clone=spec.instant_clone,
        fine_tune=spec.fine_tune,
        preset_voices=spec.preset_voices,
        streaming=spec.streaming.value,
        max_characters_per_request=spec.max_characters_per_request,
        voice_settings=spec.voice_settings,
        weight_files=weight_files,
        notes=spec.notes,
    )


YOURTTS = _from_registry(
    ModelType.YOURTTS,
    native_sample_rate=16000,
    licence_source="coqui-tts 0.28 TTS/.models.json, tts_models/multilingual/multi-dataset/your_tts: license",
    weight_files=(
        *(
            WeightFile(name, url=_YOURTTS_RELEASE)
            for name in (
                "config.json",
                "model_file.pth",
                "config_se.json",
                "model_se.pth",
                "language_ids.json",
            )
        ),
        # The d-vector file: coqui reads either format; the engine needs one of them.
        WeightFile("speakers.json", url=_YOURTTS_RELEASE, required=False),
        WeightFile("speakers.pth", url=_YOURTTS_RELEASE, required=False),
    ),
)

BARK_LANGUAGES = REGISTRY[ModelType.BARK].languages
BARK_PRESET_VOICES = tuple(f"v2/{lang}_speaker_{i}" for lang in BARK_LANGUAGES for i in range(10))
_BARK_PROMPT_PARTS = ("semantic_prompt", "coarse_prompt", "fine_prompt")

BARK = _from_registry(
    ModelType.BARK,
    native_sample_rate=24000,
    licence_source="coqui-tts 0.28 TTS/.models.json, tts_models/multilingual/multi-dataset/bark: license "
    "(Suno relicensed Bark to MIT, 2023-05)",
    weight_files=(
        WeightFile("text_2.pt", hub_repo="erogol/bark"),
        WeightFile("coarse_2.pt", hub_repo="erogol/bark"),
        WeightFile("fine_2.pt", hub_repo="erogol/bark"),
        WeightFile(
            "tokenizer/vocab.txt",
            hub_repo="google-bert/bert-base-multilingual-cased",
            hub_filename="vocab.txt",
        ),
        WeightFile("encodec/config.json", hub_repo="facebook/encodec_24khz", hub_filename="config.json"),
        WeightFile(
            "encodec/model.safetensors", hub_repo="facebook/encodec_24khz", hub_filename="model.safetensors"
        ),
        *(
            WeightFile(
                f"speakers/{voice.replace('/', '_')}_{part}.npy",
                hub_repo="suno/bark",
                hub_filename=f"speaker_embeddings/{voice}_{part}.npy",
                required=False,
            )
            for voice in BARK_PRESET_VOICES
            for part in _BARK_PROMPT_PARTS
        ),
    ),
)

SELF_HOSTED_MODELS: dict[str, SelfHostedModel] = {m.model_type: m for m in (YOURTTS, BARK)}
