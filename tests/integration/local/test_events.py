"""HTTP requests become API Gateway v2 events, and Lambda results become HTTP responses, as in AWS."""

import base64
import json

from voiceclone.local.events import HttpRequest, flatten_claims, from_result, to_event


def request(**overrides):
    fields = {
        "method": "POST",
        "path": "/api/tts/generate",
        "query": "limit=5&tag=a&tag=b",
        "headers": [
            ("Content-Type", "application/json"),
            ("X-Custom", "one"),
            ("x-custom", "two"),
            ("Cookie", "a=1; b=2"),
            ("Host", "127.0.0.1:8000"),
        ],
        "body": b'{"text": "hello"}',
    }
    fields.update(overrides)
    return HttpRequest(**fields)


def test_event_has_the_payload_2_0_shape():
    event = to_event(request(), route_key="ANY /api/tts/{proxy+}", path_parameters={"proxy": "generate"})
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "ANY /api/tts/{proxy+}"
    assert event["rawPath"] == "/api/tts/generate"
    assert event["rawQueryString"] == "limit=5&tag=a&tag=b"
    assert event["queryStringParameters"] == {"limit": "5", "tag": "a,b"}
    assert event["pathParameters"] == {"proxy": "generate"}
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["http"]["path"] == "/api/tts/generate"
    assert event["requestContext"]["stage"] == "$default"
    assert "authorizer" not in event["requestContext"]


def test_headers_are_lower_cased_and_repeats_joined_and_cookies_split():
    event = to_event(request())
    assert event["headers"]["x-custom"] == "one,two"
    assert event["headers"]["content-type"] == "application/json"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2"]


def test_text_body_is_passed_as_is():
    event = to_event(request())
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == {"text": "hello"}


def test_binary_body_is_base64_encoded():
    payload = bytes(range(256))
    event = to_event(request(headers=[("Content-Type", "audio/wav")], body=payload))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_no_body_and_no_query():
    event = to_event(request(method="GET", query="", body=b""))
    assert "body" not in event and "queryStringParameters" not in event


def test_claims_are_flattened_to_strings_like_api_gateway():
    claims = {"sub": "alice", "exp": 1700000000, "cognito:groups": ["admin", "beta"], "email_verified": True}
    event = to_event(request(), claims=claims)
    flat = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert flat == {"sub": "alice", "exp": "1700000000", "cognito:groups": "[admin beta]", "email_verified": "true"}
    assert flatten_claims({"aud": ["x"]}) == {"aud": "[x]"}


def test_result_with_status_code():
    response = from_result(
        {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "body": '{"ok": true}', "cookies": ["s=1"]}
    )
    assert response.status == 201
    assert ("Content-Type", "application/json") in response.headers
    assert ("set-cookie", "s=1") in response.headers
    assert json.loads(response.body) == {"ok": True}


def test_base64_result_body_is_decoded():
    audio = b"RIFF\x00\x01binary"
    response = from_result({"statusCode": 200, "body": base64.b64encode(audio).decode(), "isBase64Encoded": True})
    assert response.body == audio


def test_plain_result_is_a_200_json_body():
    response = from_result({"hello": "world"})
    assert response.status == 200
    assert json.loads(response.body) == {"hello": "world"}
