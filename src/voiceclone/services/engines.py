"""Engines and the voices a user can speak with: the registry, read with its availability.

Availability comes from the engine_status collection only (probes, weights and worker heartbeats are
written off the request path: workflows.engine_status, workers.registration), so a listing is one read
of voices and one of engine_status. Catalogue voices (OpenAI and Azure presets, Bark speaker prompts)
are named `<model type>:<provider voice id>`, the voice_model_id /api/tts/generate takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from voiceclone.config import Settings
from voiceclone.domain.availability import (
    CatalogueEntry,
    StatusSnapshot,
    availability_of,
    catalogue_of,
    catalogue_voice_id,
    parse_catalogue_voice_id,
)
from voiceclone.domain.errors import EngineUnavailable, InvalidInput, NotFound
from voiceclone.domain.registry import REGISTRY, ModelType, spec_of
from voiceclone.domain.timeutil import utcnow
from voiceclone.domain.tts import OutputFormat
from voiceclone.domain.voices import Visibility, VoiceModel, VoiceStatus
from voiceclone.services.views.engines import (
    AvailableModels,
    AvailableVoice,
    EngineView,
    ModelInfo,
    VoiceSource,
)
from voiceclone.store import Store
from voiceclone.store.engine_status import EngineStatusRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.voices import VoiceRepository  # noqa: F401  a repository used here: loads with the module


@dataclass(frozen=True)
class Engines:
    views: dict[ModelType, EngineView]
    snapshot: StatusSnapshot


def engines_now(store: Store, settings: Settings) -> Engines:
    snapshot = store.engine_status.snapshot()
    now = utcnow()
    probe_age, worker_age = (timedelta(seconds=settings.engine_probe_max_age_s),
                             timedelta(seconds=settings.engine_worker_max_age_s))
    views = {}
    for model_type, spec in REGISTRY.items():
        state = availability_of(spec, snapshot, now, probe_age, worker_age)
        views[model_type] = EngineView(**spec.model_dump(), available=state.available,
                                       unavailable_reason=state.reason, checked_at=state.checked_at)
    return Engines(views, snapshot)


def voice_view(voice: VoiceModel, user_id: str, engines: Engines) -> AvailableVoice:
    spec = spec_of(voice.model_type)
    view = engines.views.get(spec.model_type) if spec else None
    return AvailableVoice(
        voice_id=voice.voice_id, voice_model_id=voice.voice_id, name=voice.name,
        source=VoiceSource.OWN if voice.user_id == user_id else VoiceSource.PUBLIC,
        engine=voice.engine, model_type=voice.model_type, languages=voice.languages, visibility=voice.visibility,
        owned=voice.user_id == user_id, status=voice.status, available=bool(view and view.available),
        usd_per_1k_characters=spec.price.usd_per_1k_characters if spec else 0.0,
    )


def catalogue_view(engine: EngineView, entry: CatalogueEntry) -> AvailableVoice:
    voice_id = catalogue_voice_id(engine.model_type, entry.provider_voice_id)
    return AvailableVoice(
        voice_id=voice_id, voice_model_id=voice_id, name=entry.name, source=VoiceSource.CATALOGUE,
        engine=engine.engine, model_type=engine.model_type, languages=[entry.language] if entry.language else [],
        visibility=Visibility.PUBLIC, owned=False, status=VoiceStatus.READY, available=engine.available,
        gender=entry.gender, usd_per_1k_characters=engine.price.usd_per_1k_characters,
    )


def available_models(store: Store, settings: Settings, user_id: str) -> AvailableModels:
    engines = engines_now(store, settings)
    voices = [voice_view(v, user_id, engines) for v in store.voices.list_available(user_id)]
    for model_type, engine in engines.views.items():
        if engine.preset_voices:
            voices.extend(catalogue_view(engine, entry) for entry in catalogue_of(REGISTRY[model_type], engines.snapshot))
    return AvailableModels(voices=voices, engines=list(engines.views.values()))


def find_catalogue_voice(engines: Engines, voice_model_id: str) -> tuple[EngineView, CatalogueEntry] | None:
    """The engine and entry of a catalogue voice id; None when the id is not of that form; 404 when the
    engine's catalogue (as last checked) does not hold it."""
    parsed = parse_catalogue_voice_id(voice_model_id)
    if parsed is None:
        return None
    model_type, provider_voice_id = parsed
    engine = engines.views[model_type]
    for entry in catalogue_of(REGISTRY[model_type], engines.snapshot):
        if entry.provider_voice_id == provider_voice_id:
            return engine, entry
    raise NotFound("voice", voice_model_id)


def model_info(store: Store, settings: Settings, user_id: str, model_id: str) -> ModelInfo:
    engines = engines_now(store, settings)
    spec = spec_of(model_id)
    if spec is not None:  # an engine
        return ModelInfo(model_id=model_id, kind="engine", engine=engines.views[spec.model_type], price=spec.price)
    found = find_catalogue_voice(engines, model_id)
    if found is not None:
        engine, entry = found
        return ModelInfo(model_id=model_id, kind="voice", engine=engine, price=engine.price,
                         voice=catalogue_view(engine, entry))
    voice = store.voices.find_visible(user_id, model_id)
    if voice is None:
        raise NotFound("voice", model_id)
    voice_spec = spec_of(voice.model_type)
    if voice_spec is None:
        raise NotFound("voice", model_id)
    return ModelInfo(model_id=model_id, kind="voice", engine=engines.views[voice_spec.model_type],
                     price=voice_spec.price, voice=voice_view(voice, user_id, engines),
                     created_at=voice.created_at, quality_report=voice.quality_report)


def check_request_fits(engine: EngineView, characters: int, output_format: OutputFormat) -> None:
    """422 when the engine cannot take this text or give this format."""
    if characters > engine.max_characters_per_request:
        raise InvalidInput(f"{engine.model_type} takes at most {engine.max_characters_per_request} characters per "
                           f"request; this text has {characters}")
    if output_format not in engine.output_formats:
        raise InvalidInput(f"{engine.model_type} cannot give {output_format}; it gives "
                           f"{', '.join(str(f) for f in engine.output_formats)}")


def require_available(engine: EngineView) -> None:
    if not engine.available:
        raise EngineUnavailable(f"engine {engine.model_type} is not available: {engine.unavailable_reason}")
