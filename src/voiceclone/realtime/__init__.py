"""Real-time speech: WebSocket streaming and an OpenAI-compatible `/v1/audio/speech` (docs/realtime.md).

A Starlette app (`create_realtime_app`) that runs beside the synth worker (sharing its engines and
voice cache) and is mounted by the local gateway on the API's port.
"""

from voiceclone.realtime.app import create_realtime_app

__all__ = ["create_realtime_app"]
