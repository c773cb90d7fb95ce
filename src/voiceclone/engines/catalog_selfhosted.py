"""Facts of the self-hosted engines beside XTTS (YourTTS, Bark), as data the registry can read.

Pure data: importing it pulls no torch. One `SelfHostedModel` per model type; `SELF_HOSTED_MODELS`
maps model type -> entry. The lead merges these into the one registry table (issue 11); until then the
engines, `voiceclone models fetch` and the docs read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass


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

YOURTTS = SelfHostedModel(
    model_type="yourtts",
    engine="yourtts",
    display_name="Coqui YourTTS (zero-shot)",
    runs_on="gpu_worker",
    weights_name="yourtts",
    licence=WeightsLicence(
        name="CC BY-NC-ND 4.0",
        url="https://creativecommons.org/licenses/by-nc-nd/4.0/",
        commercial_use=False,
        source="coqui-tts 0.28 TTS/.models.json, tts_models/multilingual/multi-dataset/your_tts: license",
    ),
    native_sample_rate=16000,
    output_sample_rate=24000,
    languages=("en", "fr", "pt"),
    instant_clone=True,
    fine_tune=False,
    preset_voices=False,
    streaming="sentence",
    max_characters_per_request=5000,
    voice_settings=("stability", "speed"),
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
    notes="No fine-tune: the weights' licence allows no derivatives. Voice = d-vector of the user's clips.",
)

BARK_LANGUAGES = ("en", "de", "es", "fr", "hi", "it", "ja", "ko", "pl", "pt", "ru", "tr", "zh")
BARK_PRESET_VOICES = tuple(f"v2/{lang}_speaker_{i}" for lang in BARK_LANGUAGES for i in range(10))
_BARK_PROMPT_PARTS = ("semantic_prompt", "coarse_prompt", "fine_prompt")

BARK = SelfHostedModel(
    model_type="bark",
    engine="bark",
    display_name="Suno Bark (speaker prompts)",
    runs_on="gpu_worker",
    weights_name="bark",
    licence=WeightsLicence(
        name="MIT",
        url="https://github.com/suno-ai/bark/blob/main/LICENSE",
        commercial_use=True,
        source="coqui-tts 0.28 TTS/.models.json, tts_models/multilingual/multi-dataset/bark: license (Suno relicensed Bark to MIT, 2023-05)",
    ),
    native_sample_rate=24000,
    output_sample_rate=24000,
    languages=BARK_LANGUAGES,
    instant_clone=False,
    fine_tune=False,
    preset_voices=True,
    streaming="sentence",
    max_characters_per_request=1000,
    voice_settings=("stability",),
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
    notes=(
        "No cloning: coqui's Bark clone path needs a third-party HuBERT quantizer downloaded at run time and "
        "torchaudio's I/O (stripped here); voices are Suno's speaker prompts. Tokenizer: BERT multilingual cased "
        "(Apache-2.0); codec: EnCodec 24 kHz (MIT)."
    ),
)

SELF_HOSTED_MODELS: dict[str, SelfHostedModel] = {m.model_type: m for m in (YOURTTS, BARK)}
