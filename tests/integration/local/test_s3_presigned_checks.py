"""The local S3 refuses presigned requests as S3 does: POST uploads outside their signed policy (another
key, another content type, too large, expired, unsigned fields, a forged signature) and presigned URLs
that expired or were altered, answering S3's XML error. A valid upload and download still work."""

from __future__ import annotations

import base64
import json
import time
from xml.etree import ElementTree

import boto3
import httpx
import pytest
from botocore.config import Config

from tests.support.speech import english_utterances
from voiceclone import blobs

ALICE_KEY = "raw/alice/smp_alice/reading.wav"
BOB_PENDING_KEY = "raw/bob/smp_bob/reading.wav"


@pytest.fixture(scope="module")
def speech_bytes() -> bytes:
    return english_utterances()[0].path.read_bytes()


def s3_error(response: httpx.Response) -> dict[str, str]:
    assert response.headers["content-type"] == "application/xml", response.text
    return {child.tag: child.text or "" for child in ElementTree.fromstring(response.content)}


def post(upload: dict, data: bytes, fields: dict | None = None, filename: str = "reading.wav") -> httpx.Response:
    return httpx.post(upload["url"], data=fields if fields is not None else upload["fields"],
                      files={"file": (filename, data, "audio/wav")}, timeout=30)


def object_exists(settings, key: str) -> bool:
    return blobs.object_exists(settings.samples_bucket, key)


def test_a_valid_upload_is_stored_with_its_content_type(settings, speech_bytes):
    upload = blobs.presign_upload(settings, ALICE_KEY, "audio/wav")
    answer = post(upload, speech_bytes)
    assert answer.status_code == 204, answer.text
    stored = blobs.s3_client().get_object(Bucket=settings.samples_bucket, Key=ALICE_KEY)
    assert stored["ContentType"] == "audio/wav" and stored["Body"].read() == speech_bytes


def test_a_key_changed_to_another_users_pending_sample_is_refused(settings, speech_bytes):
    upload = blobs.presign_upload(settings, ALICE_KEY, "audio/wav")
    forged = {**upload["fields"], "key": BOB_PENDING_KEY}
    answer = post(upload, speech_bytes, forged)
    assert answer.status_code == 403
    error = s3_error(answer)
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == f'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "{ALICE_KEY}"]'
    assert not object_exists(settings, BOB_PENDING_KEY) and not object_exists(settings, ALICE_KEY)


def test_another_content_type_is_refused(settings, speech_bytes):
    upload = blobs.presign_upload(settings, ALICE_KEY, "audio/wav")
    for content_type in ("text/html", "audio/mpeg"):
        answer = post(upload, speech_bytes, {**upload["fields"], "Content-Type": content_type})
        assert answer.status_code == 403, content_type
        assert '"$Content-Type"' in s3_error(answer)["Message"]
    assert not object_exists(settings, ALICE_KEY)


def test_a_file_above_the_signed_size_is_too_large_and_an_empty_one_too_small(settings, speech_bytes):
    upload = blobs.presign_upload(settings, ALICE_KEY, "audio/wav", max_bytes=1000)
    too_large = post(upload, speech_bytes)
    assert too_large.status_code == 400
    assert s3_error(too_large) | {"RequestId": "", "HostId": ""} == {
        "Code": "EntityTooLarge", "Message": "Your proposed upload exceeds the maximum allowed size",
        "ProposedSize": str(len(speech_bytes)), "MaxSizeAllowed": "1000", "RequestId": "", "HostId": "",
    }
    empty = post(upload, b"")
    assert empty.status_code == 400 and s3_error(empty)["Code"] == "EntityTooSmall"
    assert not object_exists(settings, ALICE_KEY)


def test_an_expired_policy_is_refused(settings, speech_bytes):
    expired = blobs.s3_client().generate_presigned_post(
        Bucket=settings.samples_bucket, Key=ALICE_KEY, Fields={"Content-Type": "audio/wav"},
        Conditions=[{"Content-Type": "audio/wav"}], ExpiresIn=-1,
    )
    answer = post(expired, speech_bytes)
    assert answer.status_code == 403
    assert s3_error(answer)["Message"] == "Invalid according to Policy: Policy expired."


def test_a_policy_rewritten_by_the_client_fails_its_signature(settings, speech_bytes):
    upload = blobs.presign_upload(settings, ALICE_KEY, "audio/wav", max_bytes=1000)
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if not (isinstance(c, list) and c[0] == "content-length-range")]
    loosened = base64.b64encode(json.dumps(policy).encode()).decode()
    answer = post(upload, speech_bytes, {**upload["fields"], "policy": loosened})
    assert answer.status_code == 403 and s3_error(answer)["Code"] == "SignatureDoesNotMatch"


def test_fields_the_policy_does_not_name_are_refused(settings, speech_bytes):
    upload = blobs.presign_upload(settings, ALICE_KEY, "audio/wav")
    answer = post(upload, speech_bytes, {**upload["fields"], "x-amz-meta-owner": "bob"})
    assert answer.status_code == 403
    assert s3_error(answer)["Message"] == "Invalid according to Policy: Extra input fields: x-amz-meta-owner"
    ignored = post(upload, speech_bytes, {**upload["fields"], "x-ignore-note": "anything"})
    assert ignored.status_code == 204, ignored.text


def test_fields_after_the_file_are_ignored_as_s3_does(settings, speech_bytes):
    upload = blobs.presign_upload(settings, ALICE_KEY, "audio/wav")
    boundary = "b0undary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in upload["fields"].items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.wav"\r\n'
                 f"Content-Type: audio/wav\r\n\r\n".encode() + speech_bytes + b"\r\n")
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\n{BOB_PENDING_KEY}\r\n'.encode())
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    answer = httpx.post(upload["url"], content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status_code == 204, answer.text
    assert object_exists(settings, ALICE_KEY) and not object_exists(settings, BOB_PENDING_KEY)


def test_a_field_given_twice_is_refused(settings, speech_bytes):
    upload = blobs.presign_upload(settings, ALICE_KEY, "audio/wav")
    boundary = "tw1ce"
    fields = [*upload["fields"].items(), ("key", BOB_PENDING_KEY)]
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.wav"\r\n\r\n'.encode()
                 + speech_bytes + f"\r\n--{boundary}--\r\n".encode())
    answer = httpx.post(upload["url"], content=b"".join(parts), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status_code == 400 and s3_error(answer)["Code"] == "InvalidArgument"
    assert not object_exists(settings, BOB_PENDING_KEY) and not object_exists(settings, ALICE_KEY)


def test_unsigned_and_foreign_credential_uploads_are_refused(settings, aws, speech_bytes):
    bucket_url = blobs.presign_upload(settings, ALICE_KEY, "audio/wav")["url"]
    anonymous = httpx.post(bucket_url, data={"key": ALICE_KEY}, files={"file": ("r.wav", speech_bytes)})
    assert anonymous.status_code == 403 and s3_error(anonymous)["Code"] == "AccessDenied"
    stranger = boto3.client("s3", endpoint_url=aws.endpoint_url, region_name="us-east-1", config=Config(signature_version="s3v4"),
                            aws_access_key_id="AKIASTRANGER", aws_secret_access_key="guessed")
    forged = stranger.generate_presigned_post(Bucket=settings.samples_bucket, Key=ALICE_KEY)
    answer = post(forged, speech_bytes)
    assert answer.status_code == 403 and s3_error(answer)["Code"] == "InvalidAccessKeyId"
    assert not object_exists(settings, ALICE_KEY)


# -- presigned URLs -------------------------------------------------------------------------------
def _stored(settings, key: str = ALICE_KEY) -> str:
    blobs.s3_client().put_object(Bucket=settings.samples_bucket, Key=key, Body=b"RIFF-speech", ContentType="audio/wav")
    return key


def test_a_presigned_download_works_until_it_expires(settings):
    key = _stored(settings)
    url = blobs.presign_download(settings, settings.samples_bucket, key, filename="my reading.wav", expires_in=1)
    answer = httpx.get(url)
    assert answer.status_code == 200 and answer.content == b"RIFF-speech"
    assert answer.headers["content-disposition"] == 'attachment; filename="my_reading.wav"'
    time.sleep(2.1)  # X-Amz-Date has a one-second resolution
    expired = httpx.get(url)
    assert expired.status_code == 403
    error = s3_error(expired)
    assert (error["Code"], error["Message"], error["X-Amz-Expires"]) == ("AccessDenied", "Request has expired", "1")


def test_an_altered_presigned_url_fails_its_signature(settings):
    key = _stored(settings)
    other = _stored(settings, "raw/bob/smp_bob/private.wav")
    url = blobs.presign_download(settings, settings.samples_bucket, key)
    for altered in (url.replace(key, other), url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200")):
        answer = httpx.get(altered)
        assert answer.status_code == 403 and s3_error(answer)["Code"] == "SignatureDoesNotMatch", altered
    as_put = httpx.put(url, content=b"overwritten")
    assert as_put.status_code == 403 and s3_error(as_put)["Code"] == "SignatureDoesNotMatch"
    assert blobs.s3_client().get_object(Bucket=settings.samples_bucket, Key=key)["Body"].read() == b"RIFF-speech"


def test_a_presigned_put_works_and_a_week_is_the_longest_lifetime(settings):
    client = blobs.s3_client()
    url = client.generate_presigned_url("put_object", Params={"Bucket": settings.samples_bucket, "Key": ALICE_KEY}, ExpiresIn=60)
    assert httpx.put(url, content=b"put through a link").status_code == 200
    assert client.get_object(Bucket=settings.samples_bucket, Key=ALICE_KEY)["Body"].read() == b"put through a link"
    too_long = client.generate_presigned_url("get_object", Params={"Bucket": settings.samples_bucket, "Key": ALICE_KEY},
                                            ExpiresIn=8 * 24 * 3600)
    answer = httpx.get(too_long)
    assert answer.status_code == 400 and s3_error(answer)["Code"] == "AuthorizationQueryParametersError"


def test_an_anonymous_request_is_refused_as_the_buckets_are_private(settings, aws):
    key = _stored(settings)
    put = httpx.put(f"{aws.endpoint_url}/{settings.samples_bucket}/{BOB_PENDING_KEY}", content=b"no signature at all")
    assert put.status_code == 403 and s3_error(put)["Code"] == "AccessDenied"
    read = httpx.get(f"{aws.endpoint_url}/{settings.samples_bucket}/{key}")
    assert read.status_code == 403 and s3_error(read)["Code"] == "AccessDenied"
    assert not object_exists(settings, BOB_PENDING_KEY)
