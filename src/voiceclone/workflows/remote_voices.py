"""A voice cloned at a remote engine (ElevenLabs): made there by training's RemoteClone step from the
enhanced clips, spoken there, and deleted there when the platform's voice is deleted.

The provider's voice id is kept among the voice's artifact keys (PROVIDER_VOICE_ARTIFACT), which the API
never shows. Deletion is best effort: a failure is logged, never the key, and the platform's voice is
deleted anyway.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from voiceclone.config import Settings
from voiceclone.domain.registry import TrainingStep, spec_of
from voiceclone.domain.voices import PROVIDER_VOICE_ARTIFACT, VoiceModel
from voiceclone.workers.messages import TrainResult
from voiceclone.workflows.errors import EngineNotAvailable
from voiceclone.workflows.events import RemoteCloneEvent

logger = logging.getLogger(__name__)


def clone_voice(settings: Settings, step: RemoteCloneEvent, s3: Any) -> TrainResult:
    """The RemoteClone state: the voice added at the provider from the job's clips, answered as the GPU
    trainer answers (register-voice stores the provider's voice id as the voice's only artifact)."""
    from voiceclone.engines.remote import cloning
    from voiceclone.engines.remote.elevenlabs import ElevenLabs
    from voiceclone.engines.remote.errors import ProviderError, ProviderNotConfigured
    from voiceclone.engines.remote.keys import load_provider_keys
    from voiceclone.engines.remote.speech import UnknownRemoteEngine, client_for
    from voiceclone.workflows.engine_status import remote_endpoints
    from voiceclone.workflows.provider_errors import engine_not_available, workflow_error

    spec = spec_of(step.model_type)
    if spec is None or spec.training_step != TrainingStep.REMOTE_CLONE:
        raise EngineNotAvailable(f"engine not available: '{step.model_type}' does not clone voices remotely")
    try:
        client = client_for(spec.engine, load_provider_keys(settings.provider_keys_secret_arn), remote_endpoints(settings))
    except (UnknownRemoteEngine, ProviderNotConfigured) as error:
        raise engine_not_available(spec.engine, error) from None
    assert isinstance(client, ElevenLabs)  # the one engine with a remote clone step
    clips = step.clips[: cloning.MAX_CLONE_CLIPS]
    started = time.perf_counter()
    try:
        provider_voice_id = cloning.clone_from_clips(
            client, s3, settings.samples_bucket, [clip.key for clip in clips], step.voice_name,
            description=f"voiceclone voice {step.voice_id}", language=step.language,
        )
    except ProviderError as error:
        raise workflow_error(error, refused="refused to clone the voice") from None
    logger.info("voice cloned remotely", extra={"voice_id": step.voice_id, "engine": spec.engine})
    return TrainResult(
        voice_id=step.voice_id,
        model_type=spec.model_type,
        artifact_keys={PROVIDER_VOICE_ARTIFACT: provider_voice_id},
        language=step.language,
        metrics={
            "clone_s": round(time.perf_counter() - started, 4),
            "clips_used": float(len(clips)),
            "speech_used_s": round(sum(clip.duration_s for clip in clips), 2),
        },
    )


def delete_remote_voice(settings: Settings, voice: VoiceModel) -> bool:
    """True when the provider deleted it; False when there was none, it was gone, or the call failed."""
    spec = spec_of(voice.model_type)
    provider_voice_id = voice.artifact_keys.get(PROVIDER_VOICE_ARTIFACT)
    if spec is None or spec.training_step != TrainingStep.REMOTE_CLONE or not provider_voice_id:
        return False
    from voiceclone.engines.remote import cloning
    from voiceclone.engines.remote.elevenlabs import ElevenLabs
    from voiceclone.engines.remote.errors import ProviderError
    from voiceclone.engines.remote.keys import load_provider_keys
    from voiceclone.engines.remote.speech import client_for
    from voiceclone.workflows.engine_status import remote_endpoints

    extra = {"voice_id": voice.voice_id, "engine": spec.engine}
    try:
        client = client_for(spec.engine, load_provider_keys(settings.provider_keys_secret_arn), remote_endpoints(settings))
        assert isinstance(client, ElevenLabs)
        deleted = cloning.delete_remote_voice(client, provider_voice_id)
    except (ProviderError, ValueError) as error:  # ProviderError's text never holds the key
        logger.warning("remote voice not deleted: %s", error, extra=extra)
        return False
    logger.info("remote voice deleted" if deleted else "remote voice was already gone", extra=extra)
    return deleted
