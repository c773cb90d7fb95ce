"""Call the API handlers with real API Gateway v2 HTTP events (the shape the JWT authorizer produces)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from functions.api import routes


class FakeLambdaContext:
    function_name = "voiceclone-api-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:voiceclone-api-test"
    aws_request_id = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def http_event(
    method: str,
    path: str,
    *,
    user: str | None = "alice",
    body: Any = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    groups: list[str] | None = None,
) -> dict[str, Any]:
    claims = None
    if user is not None:
        claims = {"sub": user, "iss": "http://127.0.0.1:8000/auth", "aud": "voiceclone", "token_use": "id"}
        if groups:
            claims["cognito:groups"] = "[" + " ".join(groups) + "]"
    raw_body = body if body is None or isinstance(body, str) else json.dumps(body)
    request_context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "local",
        "domainName": "127.0.0.1",
        "domainPrefix": "127",
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "pytest"},
        "requestId": "req",
        "routeKey": "$default",
        "stage": "$default",
        "time": "01/Jan/2025:00:00:00 +0000",
        "timeEpoch": 1735689600000,
    }
    if claims is not None:
        request_context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": {"content-type": "application/json", "host": "127.0.0.1", **(headers or {})},
        "queryStringParameters": query or None,
        "requestContext": request_context,
        "body": raw_body,
        "isBase64Encoded": False,
    }


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def error_code(self) -> str | None:
        data = self.json
        return data.get("error", {}).get("code") if isinstance(data, dict) else None


class Api:
    """Routes an event to the handler module the route table names, like the gateway does."""

    def call(self, method: str, path: str, **kwargs: Any) -> ApiResponse:
        import importlib

        module_name = routes.handler_module_for(path)
        assert module_name, f"no route for {path}"
        handler = importlib.import_module(module_name).lambda_handler
        result = handler(http_event(method, path, **kwargs), FakeLambdaContext())
        body = result.get("body") or ""
        if result.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        return ApiResponse(result["statusCode"], headers, body)

    def get(self, path: str, **kw: Any) -> ApiResponse:
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> ApiResponse:
        return self.call("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> ApiResponse:
        return self.call("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> ApiResponse:
        return self.call("DELETE", path, **kw)


@pytest.fixture
def api(settings) -> Api:
    return Api()


@pytest.fixture
def store(settings):
    from voiceclone.store import get_store

    return get_store(settings)


# --- records made directly through the store (analysis and training belong to other parts) ---


def make_ready_sample(
    store, user_id: str, duration_s: float = 12.0, suitable: bool = True, transcript: str | None = "A short sentence.",
    language: str | None = "en",
) -> str:
    from voiceclone.domain.ids import SAMPLE_PREFIX, new_id
    from voiceclone.domain.samples import SampleStatus, VoiceSample

    sample_id = new_id(SAMPLE_PREFIX)
    store.samples.create(
        VoiceSample(
            sample_id=sample_id,
            user_id=user_id,
            name="clip",
            filename="clip.wav",
            content_type="audio/wav",
            s3_key=f"raw/{user_id}/{sample_id}/clip.wav",
            transcript=transcript,
            language=language,
        )
    )
    store.samples.mark_analyzing(user_id, sample_id)
    store.samples.mark_analyzed(
        user_id,
        sample_id,
        status=SampleStatus.READY,
        reasons=[] if suitable else ["too noisy"],
        suitable_for_training=suitable,
        quality={"snr_db": 30.0, "speech_ratio": 0.8},
        metadata={"duration_s": duration_s, "sample_rate": 22050, "channels": 1, "format": "WAV"},
    )
    return sample_id


def make_ready_voice(store, user_id: str, name: str = "Voice", public: bool = False, artifacts: dict | None = None) -> str:
    from voiceclone.domain.ids import VOICE_PREFIX, new_id
    from voiceclone.domain.voices import Visibility, VoiceModel

    voice_id = new_id(VOICE_PREFIX)
    store.voices.create(
        VoiceModel(
            voice_id=voice_id,
            user_id=user_id,
            name=name,
            visibility=Visibility.PUBLIC if public else Visibility.PRIVATE,
        )
    )
    store.voices.mark_ready(user_id, voice_id, artifact_keys=artifacts or {}, languages=["en"])
    return voice_id


PASS_MACHINE = '{"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": true}}}'


@pytest.fixture
def state_machines(settings, aws, monkeypatch):
    """Trivial state machines in moto, configured in the settings: executions start, jobs stay pending."""
    import uuid

    from voiceclone import config

    sfn = aws.client("stepfunctions")
    arns = {}
    for kind in ("training", "tts"):
        arns[kind] = sfn.create_state_machine(
            name=f"vc-{kind}-{uuid.uuid4().hex[:8]}",
            definition=PASS_MACHINE,
            roleArn="arn:aws:iam::123456789012:role/voiceclone-sfn",
        )["stateMachineArn"]
    monkeypatch.setenv("VOICECLONE_TRAINING_STATE_MACHINE_ARN", arns["training"])
    monkeypatch.setenv("VOICECLONE_TTS_STATE_MACHINE_ARN", arns["tts"])
    config.get_settings.cache_clear()
    yield arns
    config.get_settings.cache_clear()
