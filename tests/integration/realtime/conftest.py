"""The real-time app under a real uvicorn server (a thread, a free port) over SecantusDB, moto and the tiny XTTS.

- `realtime`  the server for one test: its URL, the store, the engine recorder, a ready instant voice of
              alice (made once from real LibriVox speech), JWTs and API keys.
The engine is the real tiny XTTS v2 behind `RecordingEngine`, which counts the pieces it generates and
whether each stream generator was closed (what an early close must do).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn

from tests.integration.workers.conftest import (  # noqa: F401 - fixtures shared with the worker tests
    instant_voice_files,
    registry,
    speech,
    tiny_model,
    upload_voice,
)
from voiceclone.auth import LocalSigningKey
from voiceclone.authenticator import Authenticator
from voiceclone.domain.api_keys import ApiKeyScope
from voiceclone.domain.ids import new_id
from voiceclone.domain.training import ModelType
from voiceclone.domain.voices import Visibility, VoiceModel, VoiceStatus
from voiceclone.engines.registry import EngineRegistry
from voiceclone.realtime import create_realtime_app
from voiceclone.realtime.backend import SynthesisBackend
from voiceclone.realtime.context import RealtimeLimits
from voiceclone.services.api_keys import CreateApiKeyRequest, create_key, revoke_key
from voiceclone.store import Store
from voiceclone.workers.voice_cache import VoiceCache
from voiceclone.workers.voice_loading import VoiceLoader

ALICE, BOB = "alice", "bob"
ISSUER, AUDIENCE = "https://local.voiceclone.test", "voiceclone-tests"


class RecordingEngine:
    """The real engine, with each stream's pieces counted and its closing seen."""

    def __init__(self, engine):
        self._engine = engine
        self.pieces = 0
        self.streams_started = 0
        self.streams_closed = 0
        self.lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def stream(self, text, voice, language, settings):
        with self.lock:
            self.streams_started += 1
        try:
            for piece in self._engine.stream(text, voice, language, settings):
                with self.lock:
                    self.pieces += 1
                yield piece
        finally:
            with self.lock:
                self.streams_closed += 1


class RecordingRegistry:
    def __init__(self, wrapped: EngineRegistry):
        self._registry = wrapped
        self.engine = RecordingEngine(wrapped.engine_for(ModelType.XTTS_V2_INSTANT))

    def served_model_types(self):
        return self._registry.served_model_types()

    def engine_for(self, model_type: str):
        self._registry.engine_for(model_type)  # refuses unknown model types as the real one does
        return self.engine


@dataclass
class RealtimeServer:
    url: str
    store: Store
    engine: RecordingEngine
    signing_key: LocalSigningKey
    voice_id: str
    settings: object
    servers: list = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/v1/text-to-speech/stream"

    def token(self, user: str = ALICE) -> str:
        return self.signing_key.issue_token(user)

    def api_key(self, user: str = ALICE, scopes: tuple[str, ...] = ("tts", "read")) -> tuple[str, str]:
        created = create_key(self.store, user, CreateApiKeyRequest(name="test", scopes=[ApiKeyScope(s) for s in scopes]))
        return created.secret, created.key_id

    def revoke(self, key_id: str, user: str = ALICE) -> None:
        revoke_key(self.store, user, key_id)

    def add_voice(self, user: str, keys: dict[str, str], visibility: Visibility = Visibility.PRIVATE, name: str = "Mine") -> str:
        voice_id = new_id("voice")
        self.store.voices.create(VoiceModel(
            user_id=user, voice_id=voice_id, name=name, model_type=ModelType.XTTS_V2_INSTANT, status=VoiceStatus.READY,
            visibility=visibility, languages=["en"], artifact_keys=keys,
        ))
        return voice_id

    def usage(self, user: str = ALICE) -> int:
        return self.store.users.usage_this_month(user).characters

    def wait_for(self, condition, timeout_s: float = 30.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.05)
        raise AssertionError(f"{what} not reached within {timeout_s} s")


def serve(app) -> tuple[str, uvicorn.Server, threading.Thread]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # proto set: asyncio turns Nagle off
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory) -> LocalSigningKey:
    return LocalSigningKey.load_or_create(tmp_path_factory.mktemp("jwt"), ISSUER, AUDIENCE)


@pytest.fixture
def realtime(  # registry and instant_voice_files are the worker tests' fixtures
    settings, aws, registry, instant_voice_files: dict[str, Path], signing_key, request  # noqa: F811
) -> Iterator[RealtimeServer]:
    options = getattr(request, "param", None) or {}  # indirect parametrisation: {"limits": ..., "max_streams": ...}
    limits = options.get("limits") or RealtimeLimits(reauth_interval_s=0.5)
    store = Store.from_settings(settings)
    s3 = aws.client("s3")
    recording = RecordingRegistry(registry)
    voices = VoiceLoader(settings, s3, VoiceCache(64 * 1024 * 1024))
    backend = SynthesisBackend(recording, voices, options.get("max_streams", 4))  # type: ignore[arg-type]
    authenticator = Authenticator(signing_key.verifier(), store.api_keys, cache_ttl_s=0.5)
    app = create_realtime_app(settings, store, backend, authenticator, limits)
    url, server, thread = serve(app)
    voice_id = new_id("voice")
    keys = upload_voice(aws, settings.models_bucket, ALICE, voice_id, instant_voice_files)
    realtime = RealtimeServer(url, store, recording.engine, signing_key, voice_id, settings)
    store.voices.create(VoiceModel(
        user_id=ALICE, voice_id=voice_id, name="Alice", model_type=ModelType.XTTS_V2_INSTANT, status=VoiceStatus.READY,
        languages=["en"], artifact_keys=keys,
    ))
    realtime.voice_keys = keys  # type: ignore[attr-defined]
    try:
        yield realtime
    finally:
        server.should_exit = True
        thread.join(timeout=10)
