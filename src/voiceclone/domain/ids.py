"""Prefixed, roughly time-ordered identifiers (`smp_`, `voice_`, `trn_`, `tts_`).

Job ids double as Step Functions execution names (<= 80 chars of [A-Za-z0-9_-]).
"""

from __future__ import annotations

import secrets
import time

SAMPLE_PREFIX = "smp"
VOICE_PREFIX = "voice"
TRAINING_JOB_PREFIX = "trn"
TTS_JOB_PREFIX = "tts"


def new_id(prefix: str) -> str:
    # Millisecond time first so ids sort by creation; 64 random bits keep them unique.
    return f"{prefix}_{int(time.time() * 1000):012x}{secrets.token_hex(8)}"
