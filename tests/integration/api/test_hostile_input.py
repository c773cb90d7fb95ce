"""Input that once reached a 500: concurrent first requests, odd cursors, bodies that are not JSON,
deep nesting, invisible text, booleans as numbers. Each is a 4xx JSON error naming the problem."""

from __future__ import annotations

import base64
import json
import threading

import pytest

from functions.api.request_body import MAX_JSON_DEPTH
from voiceclone.store.pagination import encode_cursor

LISTINGS = ["/api/samples", "/api/training/jobs", "/api/tts/jobs", "/api/voices"]
JSON_ROUTES = ["/api/samples", "/api/training/start", "/api/training/validate-samples", "/api/tts/generate"]


def test_concurrent_first_requests_of_new_users_all_get_their_record(store):
    users = [f"new-user-{n}" for n in range(12)]
    results: list[object] = []
    errors: list[BaseException] = []

    def first_request(user_id: str) -> None:
        try:
            results.append(store.users.get_or_create(user_id))
        except BaseException as error:  # noqa: BLE001 - the test reports every failure
            errors.append(error)

    threads = [threading.Thread(target=first_request, args=(u,)) for u in users for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted({user.user_id for user in results}) == sorted(users)
    assert store.users.collection.count_documents({"_id": {"$in": users}}) == len(users)


@pytest.mark.parametrize("path", LISTINGS)
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2025-01-01T00:00:00"])
def test_cursor_with_out_of_range_or_naive_date_is_422(api, path, moment):
    raw = json.dumps([moment, "smp_x"]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = api.get(path, query={"cursor": cursor})
    assert response.status == 422, response.body
    assert "cursor" in response.json["error"]["message"]


def test_a_cursor_of_ours_still_pages(api, store):
    from datetime import UTC, datetime

    cursor = encode_cursor(datetime(2025, 1, 1, tzinfo=UTC), "smp_x")
    assert api.get("/api/samples", query={"cursor": cursor}).status == 200


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/octet-stream", "image/png", "multipart/form-data",
     "application/x-www-form-urlencoded"],
)
def test_non_json_content_type_is_415(api, path, content_type):
    response = api.post(path, body='{"name": "x"}', headers={"content-type": content_type})
    assert response.status == 415, response.body
    assert response.json["error"]["code"] == "unsupported_media_type"
    assert "application/json" in response.json["error"]["message"]


def test_json_with_charset_and_vendor_suffix_is_accepted(api):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = api.post("/api/samples", body={"name": "x", "filename": "x.wav"}, headers={"content-type": content_type})
        assert response.status == 201, (content_type, response.body)


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_deeply_nested_json_is_400(api, path):
    response = api.post(path, body="[" * 1000 + "]" * 1000)
    assert response.status == 400, response.body
    assert response.json["error"]["code"] == "invalid_json"
    assert str(MAX_JSON_DEPTH) in response.json["error"]["message"]


def test_body_that_is_not_utf8_is_400(api):
    event_body = base64.b64encode(b'{"name": "\xff\xfe"}').decode()
    from functions.api import samples
    from tests.integration.api.conftest import FakeLambdaContext, http_event

    event = http_event("POST", "/api/samples", body=event_body)
    event["isBase64Encoded"] = True
    result = samples.lambda_handler(event, FakeLambdaContext())
    assert result["statusCode"] == 400
    assert "UTF-8" in json.loads(result["body"])["error"]["message"]


@pytest.mark.parametrize("body", ["{", '{"name": NaN}', '{"name": Infinity}', '{"n": 1' + "0" * 5000 + "}", "'single'"])
def test_malformed_json_is_400_in_words(api, body):
    response = api.post("/api/samples", body=body)
    assert response.status == 400, response.body
    message = response.json["error"]["message"]
    assert message.startswith("request body is not valid JSON: ")
    assert "JSON decode error" not in message


@pytest.mark.parametrize("text", ["\u200b", "\u0000", "\ufeff", "\u200b\ufeff  \n", "...", "hi\u0000there"])
def test_text_without_anything_to_say_is_422(api, store, text):
    from tests.integration.api.conftest import make_ready_voice

    voice = make_ready_voice(store, "alice")
    response = api.post("/api/tts/generate", body={"text": text, "voice_model_id": voice})
    assert response.status == 422, response.body
    assert "text" in response.json["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/samples", {"name": "x", "filename": "x.wav", "size_bytes": True}),
        ("/api/training/start", {"voice_name": "v", "sample_ids": ["s"], "training_config": {"epochs": True}}),
        ("/api/tts/generate", {"text": "hi", "voice_model_id": "v", "voice_settings": {"speed": True}}),
    ],
)
def test_booleans_are_not_numbers(api, path, body):
    response = api.post(path, body=body)
    assert response.status == 422, response.body
