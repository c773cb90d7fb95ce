"""`make run` serves the real-time app (voiceclone.realtime) on the API's port: an in-process LocalStack,
real sockets. The real-time behaviour itself (speech, quotas, keys) is tested in tests/integration/realtime;
this checks the wiring: /v1 reaches the app (HTTP and WebSocket), with the API's credentials, beside /api.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from voiceclone.local.stack import LocalConfig, LocalStack

pytest.importorskip("voiceclone.realtime", reason="the real-time package has not landed")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    config = LocalConfig(data_dir=Path(tmp_path_factory.mktemp("realtime-mount")), port=0, run_demo=False)
    with LocalStack(config) as running:
        assert running.gateway is not None and "/v1" in running.gateway.mounts
        yield running


def test_v1_and_api_answer_on_one_port(stack):
    token = stack.issue_token("mount-user")
    with httpx.Client(base_url=stack.url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        health = client.get("/v1/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        models = client.get("/v1/models")
        assert models.status_code == 200 and models.json()["object"] == "list"
        assert client.get("/api/me").json()["user_id"] == "mount-user"


def test_v1_refuses_a_request_without_credentials_as_the_api_does(stack):
    response = httpx.get(f"{stack.url}/v1/models", timeout=30)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")


def test_a_websocket_reaches_the_real_time_stream_and_is_refused_without_credentials(stack):
    """The handshake is upgraded by the gateway; the app itself refuses the missing credentials."""
    with connect(stack.url.replace("http://", "ws://") + "/v1/text-to-speech/stream", open_timeout=10) as websocket:
        try:
            websocket.send(json.dumps({"type": "start", "voice_id": "voice_nowhere", "text": "hello"}))
            frame = json.loads(websocket.recv(timeout=30))
            assert frame["type"] == "error"
            websocket.recv(timeout=30)
        except ConnectionClosed:
            pass
    assert websocket.close_code == 4401


def test_the_real_time_app_speaks_with_the_cpu_synth_workers_engines(stack):
    """One model in memory: the mounted app's backend is the CPU synth worker's registry and voice cache."""
    assert stack.synth_handler is not None
    backend = stack.gateway.mounts["/v1"].state.realtime.backend
    assert backend.registry is stack.synth_handler.registry
    assert backend.voices is stack.synth_handler.voices
