"""A voice cloned at a remote engine lives there too: deleting the platform's voice deletes it at the
provider, best effort (a failure is logged, never the key, and the platform's voice is deleted anyway)."""

from __future__ import annotations

import logging

from voiceclone.config import Settings
from voiceclone.domain.registry import PROVIDER_VOICE_ARTIFACT, TrainingStep, spec_of
from voiceclone.domain.voices import VoiceModel

logger = logging.getLogger(__name__)


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
