"""The model registry: every model type the platform speaks with, as one table of data.

The only place a model type's id is spelled (tests/unit/core/test_registry.py greps for it). The API's
validation, the cost estimate, the TTS route (GPU worker or remote API), the training refusal and the
docs' table of engines all read `REGISTRY`. Pure data: no I/O, nothing heavy imported.

Prices of the remote APIs are list prices as read from the providers' public pricing pages on the date
given; they are to be verified before they are billed on. Prices of self-hosted engines are a GPU's
price per hour times the engine's measured real-time factor (processing seconds per second of audio).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from voiceclone.domain.languages import XTTS_V2_LANGUAGES
from voiceclone.domain.model_types import ModelType
from voiceclone.domain.tts import OutputFormat, VoiceSettings

# Typical speaking rate of read English text: turns characters into seconds of audio.
CHARACTERS_PER_SECOND = 15.0


class RunsOn(StrEnum):
    GPU_WORKER = "gpu_worker"
    REMOTE_API = "remote_api"


class Streaming(StrEnum):
    SENTENCE = "sentence"  # pieces are whole text chunks
    NONE = "none"


class TrainingStep(StrEnum):
    GPU_TRAINER = "gpu_trainer"  # the Train state (SQS -> GPU trainer)
    REMOTE_CLONE = "remote_clone"  # the RemoteClone state (a Lambda adds the voice at the provider)


class Licence(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str  # of the weights, or the API's terms
    url: str
    commercial_use: bool


class Price(BaseModel):
    model_config = ConfigDict(frozen=True)

    usd_per_1k_characters: float
    basis: str  # how the figure was reached
    source: str  # where it was read or measured
    as_of: str  # ISO date of the reading
    verify: bool = False  # a list price read from memory of a public page: check before billing on it


class EngineSpec(BaseModel):
    """One row of the registry: what a model type is, where it runs, what it can do, what it costs."""

    model_config = ConfigDict(frozen=True)

    model_type: ModelType
    display_name: str
    provider: str
    engine: str  # the engine that serves it: a GPU worker's Engine.name, or the remote client
    runs_on: RunsOn
    instant_clone: bool  # a voice from the user's samples without training
    fine_tune: bool  # a voice trained on the user's samples
    preset_voices: bool  # speaks the provider's own voices (catalogue voices)
    streaming: Streaming
    languages: tuple[str, ...]
    max_characters_per_request: int
    output_formats: tuple[OutputFormat, ...]  # what the platform delivers (it re-encodes the engine's audio)
    sample_rate: int  # of the delivered audio
    voice_settings: tuple[str, ...]  # the VoiceSettings fields that change its output
    licence: Licence
    price: Price
    realtime_factor: float  # processing seconds per second of audio on its usual hardware
    training_step: TrainingStep | None = None  # where training makes its voices; None: training refuses it
    recommended_speech_s: float | None = None  # of samples to train with; less: a warning, not an error
    weights_name: str | None = None  # self-hosted: `voiceclone models fetch NAME`, models bucket base/NAME/
    # A request's style_sample_id (another sample of the user) conditions prosody; the voice keeps its speaker.
    style_reference: bool = False
    # A request's style_instructions (free text: "whispered, excited") go to the engine.
    style_instructions: bool = False
    notes: str = ""

    @property
    def remote(self) -> bool:
        return self.runs_on == RunsOn.REMOTE_API

    @property
    def can_clone(self) -> bool:
        return self.instant_clone or self.fine_tune


# The XTTS v2 base weights' folder (`voiceclone models fetch NAME`, models bucket base/NAME/), both XTTS types'.
XTTS_WEIGHTS_NAME: str = ModelType.XTTS_V2.value
ALL_FORMATS = tuple(OutputFormat)
ALL_VOICE_SETTINGS = tuple(VoiceSettings.model_fields)

# --- self-hosted prices: GPU $/hour x measured real-time factor ------------------------------------
# g5.xlarge (one A10G, 24 GB) on-demand, us-east-1, Linux: https://aws.amazon.com/ec2/pricing/on-demand/
GPU_USD_PER_HOUR = 1.006
GPU_PRICE_AS_OF = "2026-12-02"
# No real-weight GPU run exists yet: the factors are the CPU figures of bench/results, an upper bound.
XTTS_RTF = 3.22  # bench/results/xtts.md: full-size XTTS v2 architecture, CPU, 4.64 s of audio in 14.93 s
YOURTTS_RTF = 0.37  # bench/results/engines.md: 14.144 s of audio in 5.2221 s (tiny weights, CPU)
BARK_RTF = 13.6  # bench/results/engines.md: 2.0 s of audio in 27.2467 s (tiny weights, CPU, load ~13)


def gpu_price(realtime_factor: float, source: str) -> Price:
    audio_s_per_1k = 1000 / CHARACTERS_PER_SECOND
    usd = GPU_USD_PER_HOUR / 3600 * realtime_factor * audio_s_per_1k
    return Price(
        usd_per_1k_characters=round(usd, 4),
        basis=f"GPU ${GPU_USD_PER_HOUR}/h x real-time factor {realtime_factor} x {audio_s_per_1k:.1f} s of audio",
        source=source,
        as_of=GPU_PRICE_AS_OF,
    )


_XTTS_LICENCE = Licence(name="Coqui Public Model License 1.0.0",
                        url="https://coqui.ai/cpml", commercial_use=False)
_XTTS_PRICE_SOURCE = "bench/results/xtts.md (full-size architecture, CPU)"
_XTTS_COMMON = {
    "provider": "Coqui (self-hosted)", "engine": "xtts", "runs_on": RunsOn.GPU_WORKER, "preset_voices": False,
    "streaming": Streaming.SENTENCE, "languages": XTTS_V2_LANGUAGES, "max_characters_per_request": 100_000,
    "output_formats": ALL_FORMATS, "sample_rate": 24000, "voice_settings": ALL_VOICE_SETTINGS,
    "licence": _XTTS_LICENCE, "price": gpu_price(XTTS_RTF, _XTTS_PRICE_SOURCE), "realtime_factor": XTTS_RTF,
    "training_step": TrainingStep.GPU_TRAINER,
    "weights_name": XTTS_WEIGHTS_NAME,
    "style_reference": True,  # the GPT conditioning latent from the style sample, the speaker embedding the voice's
}

REGISTRY: dict[ModelType, EngineSpec] = {spec.model_type: spec for spec in (
    EngineSpec(
        model_type=ModelType.XTTS_V2, display_name="XTTS v2 fine-tuned on your samples", recommended_speech_s=120.0,
        instant_clone=False, fine_tune=True, **_XTTS_COMMON,  # type: ignore[arg-type]
        notes="The GPT part is fine-tuned on the samples (transcripts needed); long texts are split in chunks.",
    ),
    EngineSpec(
        model_type=ModelType.XTTS_V2_INSTANT, display_name="XTTS v2 zero-shot from your samples", recommended_speech_s=6.0,
        instant_clone=True, fine_tune=False, **_XTTS_COMMON,  # type: ignore[arg-type]
        notes="Speaker latents from the samples, no training.",
    ),
    EngineSpec(
        model_type=ModelType.YOURTTS, display_name="Coqui YourTTS (zero-shot)", provider="Coqui (self-hosted)",
        engine=ModelType.YOURTTS.value, runs_on=RunsOn.GPU_WORKER, instant_clone=True, fine_tune=False,
        preset_voices=False, streaming=Streaming.SENTENCE, languages=("en", "fr", "pt"),
        max_characters_per_request=5000, output_formats=ALL_FORMATS, sample_rate=24000,
        voice_settings=("stability", "speed"),
        licence=Licence(name="CC BY-NC-ND 4.0", url="https://creativecommons.org/licenses/by-nc-nd/4.0/",
                        commercial_use=False),
        price=gpu_price(YOURTTS_RTF, "bench/results/engines.md (tiny weights, CPU)"), realtime_factor=YOURTTS_RTF,
        weights_name=ModelType.YOURTTS.value,
        notes="No fine-tune: the weights' licence allows no derivatives. Voice = d-vector of the user's clips. "
              "Training refuses it until the trainer serves YourTTS.",
    ),
    EngineSpec(
        model_type=ModelType.BARK, display_name="Suno Bark (speaker prompts)", provider="Suno (self-hosted)",
        engine=ModelType.BARK.value, runs_on=RunsOn.GPU_WORKER, instant_clone=False, fine_tune=False,
        preset_voices=True, streaming=Streaming.SENTENCE,
        languages=("en", "de", "es", "fr", "hi", "it", "ja", "ko", "pl", "pt", "ru", "tr", "zh"),
        max_characters_per_request=1000, output_formats=ALL_FORMATS, sample_rate=24000,
        voice_settings=("stability",),
        licence=Licence(name="MIT", url="https://github.com/suno-ai/bark/blob/main/LICENSE", commercial_use=True),
        price=gpu_price(BARK_RTF, "bench/results/engines.md (tiny weights, CPU)"), realtime_factor=BARK_RTF,
        weights_name=ModelType.BARK.value,
        notes=(
            "No cloning: coqui's Bark clone path needs a third-party HuBERT quantizer downloaded at run time and "
            "torchaudio's I/O (stripped here); voices are Suno's speaker prompts. Tokenizer: BERT multilingual cased "
            "(Apache-2.0); codec: EnCodec 24 kHz (MIT)."
        ),
    ),
    EngineSpec(
        model_type=ModelType.ELEVENLABS, display_name="ElevenLabs (instant voice clone)", provider="ElevenLabs",
        engine=ModelType.ELEVENLABS.value, runs_on=RunsOn.REMOTE_API, instant_clone=True, fine_tune=False,
        preset_voices=False, streaming=Streaming.NONE,
        languages=tuple(code for code in XTTS_V2_LANGUAGES if code != "hu"),  # eleven_multilingual_v2
        max_characters_per_request=10_000, output_formats=ALL_FORMATS, sample_rate=24000,
        voice_settings=("stability", "similarity_boost", "style", "speed"),
        licence=Licence(name="ElevenLabs Terms of Service", url="https://elevenlabs.io/terms-of-use",
                        commercial_use=True),
        recommended_speech_s=60.0, training_step=TrainingStep.REMOTE_CLONE,
        price=Price(usd_per_1k_characters=0.10, basis="list price, eleven_multilingual_v2, API usage",
                    source="https://elevenlabs.io/pricing/api", as_of="2026-12-02", verify=True),
        realtime_factor=0.2,
        notes="Voices are the users' own clones (add voice from the enhanced samples); the platform's catalogue "
              "holds none of ElevenLabs' library voices. Training clones at ElevenLabs (the RemoteClone step) "
              "where the platform has an ElevenLabs key.",
    ),
    EngineSpec(
        model_type=ModelType.OPENAI, display_name="OpenAI TTS (preset voices)", provider="OpenAI",
        engine=ModelType.OPENAI.value, runs_on=RunsOn.REMOTE_API, instant_clone=False, fine_tune=False,
        preset_voices=True, streaming=Streaming.NONE, languages=XTTS_V2_LANGUAGES,
        max_characters_per_request=4096, output_formats=ALL_FORMATS, sample_rate=24000,
        voice_settings=("speed",),
        licence=Licence(name="OpenAI Services Agreement / usage policies",
                        url="https://openai.com/policies/services-agreement/", commercial_use=True),
        price=Price(usd_per_1k_characters=0.015, basis="list price, tts-1 ($15 per 1M characters)",
                    source="https://openai.com/api/pricing/", as_of="2026-12-02", verify=True),
        realtime_factor=0.2,
        style_instructions=True,  # `instructions` of gpt-4o-mini-tts (tts-1 ignores them)
        notes="OpenAI requires telling listeners the voice is AI-generated.",
    ),
    EngineSpec(
        model_type=ModelType.AZURE, display_name="Azure Speech neural voices", provider="Microsoft Azure",
        engine=ModelType.AZURE.value, runs_on=RunsOn.REMOTE_API, instant_clone=False, fine_tune=False,
        preset_voices=True, streaming=Streaming.NONE, languages=XTTS_V2_LANGUAGES,
        max_characters_per_request=10_000, output_formats=ALL_FORMATS, sample_rate=24000,
        voice_settings=("speed",),
        licence=Licence(name="Microsoft Product Terms (Azure AI Speech)",
                        url="https://www.microsoft.com/licensing/terms/", commercial_use=True),
        price=Price(usd_per_1k_characters=0.016, basis="list price, standard neural voices ($16 per 1M characters)",
                    source="https://azure.microsoft.com/pricing/details/cognitive-services/speech-services/",
                    as_of="2026-12-02", verify=True),
        realtime_factor=0.2,
        notes="Voices come from the region's voices list (the availability probe's catalogue).",
    ),
)}


def spec_of(model_type: str) -> EngineSpec | None:
    try:
        return REGISTRY[ModelType(model_type)]
    except ValueError:
        return None


def trainable_model_types() -> tuple[ModelType, ...]:
    return tuple(spec.model_type for spec in REGISTRY.values() if spec.training_step is not None)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def markdown_table() -> str:
    """The table of engines in docs/engines.md (between its registry markers), rendered from REGISTRY."""
    rows = [
        ("| `model_type` | provider | runs on | instant clone | fine-tune | preset voices | streaming | languages "
        "| max chars / request | output | voice_settings | licence / terms | USD per 1 000 chars (basis, source, date) |"),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for spec in REGISTRY.values():
        price = spec.price
        checked = ", to verify" if price.verify else ""
        rows.append(
            f"| `{spec.model_type}` | {spec.provider} | {spec.runs_on} | {_yes(spec.instant_clone)} "
            f"| {_yes(spec.fine_tune)} | {_yes(spec.preset_voices)} | {spec.streaming} "
            f"| {len(spec.languages)}: {' '.join(spec.languages)} | {spec.max_characters_per_request} "
            f"| {' '.join(str(f) for f in spec.output_formats)} at {spec.sample_rate} Hz "
            f"| {' '.join(spec.voice_settings)} "
            f"| [{spec.licence.name}]({spec.licence.url}){'' if spec.licence.commercial_use else ' (non-commercial)'} "
            f"| **{price.usd_per_1k_characters}** ({price.basis}; {price.source}; {price.as_of}{checked}) |"
        )
    return "\n".join(rows)
