"""The model types (engine kinds) a voice is made with, apart from the registry's table of their specs, so a
module that only names a voice's model type (voices, records) does not load the table."""

from __future__ import annotations

from enum import StrEnum


class ModelType(StrEnum):
    XTTS_V2 = "xtts_v2"  # fine-tune the GPT part of XTTS v2 on the samples
    XTTS_V2_INSTANT = "xtts_v2_instant"  # zero-shot: speaker latents from the samples, no training
    YOURTTS = "yourtts"  # Coqui YourTTS: zero-shot from a d-vector of the samples
    BARK = "bark"  # Suno Bark: its speaker prompts only
    ELEVENLABS = "elevenlabs"  # ElevenLabs API: instant voice clone (add voice) or its voices
    OPENAI = "openai"  # OpenAI TTS API: preset voices
    AZURE = "azure"  # Azure Speech neural voices
