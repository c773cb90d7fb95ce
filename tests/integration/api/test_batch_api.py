"""Batch TTS endpoints through the real handler (API Gateway v2 events): create, validation, quotas,
idempotency, read, list, cancel, download (zip built from real audio while items finish), isolation."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import httpx
import pytest
import soundfile

from tests.integration.api.conftest import PASS_MACHINE, make_ready_voice
from tests.support.speech import english_utterances
from voiceclone import blobs
from voiceclone.domain.batch import item_output_key

TEXTS = ["Welcome back.", "The door is open.", "See you tomorrow."]


@pytest.fixture
def batch_machine(settings, aws, monkeypatch):
    """A trivial state machine: executions start, batches stay pending (the workflow tests run the real one)."""
    from voiceclone import config

    arn = aws.client("stepfunctions").create_state_machine(
        name=f"vc-batch-{uuid.uuid4().hex[:8]}", definition=PASS_MACHINE,
        roleArn="arn:aws:iam::123456789012:role/voiceclone-sfn",
    )["stateMachineArn"]
    monkeypatch.setenv("VOICECLONE_TTS_BATCH_STATE_MACHINE_ARN", arn)
    config.get_settings.cache_clear()
    yield arn
    config.get_settings.cache_clear()


@pytest.fixture
def voice(store):
    return make_ready_voice(store, "alice")


def _body(voice_id: str, texts=TEXTS, **defaults) -> dict:
    return {"voice_model_id": voice_id, "items": [{"text": text} for text in texts], **defaults}


def test_create_answers_202_with_every_item_resolved_and_charges_the_whole_batch_once(api, voice, batch_machine, store):
    body = _body(voice, output_format="wav")
    body["items"][1].update({"language": "de", "output_format": "flac", "voice_settings": {"speed": 1.5}})
    response = api.post("/api/tts/batch", body=body)
    assert response.status == 202, response.body
    batch = response.json
    assert batch["batch_id"].startswith("bat_") and batch["status"] == "pending" and batch["item_count"] == 3
    assert batch["characters"] == sum(map(len, TEXTS)) and batch["estimated_cost_usd"] > 0
    assert batch["counts"] == {"pending": 3, "processing": 0, "completed": 0, "failed": 0, "cancelled": 0}
    first, second = batch["items"][0], batch["items"][1]
    assert (first["output_format"], first["language"], first["voice_model_id"]) == ("wav", "en", voice)
    assert (second["output_format"], second["language"], second["voice_settings"]["speed"]) == ("flac", "de", 1.5)
    assert first["download_url"] is None and batch["zip_available"] is False
    for internal in ("execution_arn", "zip_key", "deadline_at", "admission_ticket", "user_id"):
        assert internal not in batch
    assert "output_key" not in first
    assert store.batches.get("alice", batch["batch_id"]).execution_arn  # the workflow started
    usage = api.get("/api/me").json["usage"]
    assert usage["characters"] == sum(map(len, TEXTS)) and usage["tts_jobs"] == 1


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda body: body.update(items=[{"text": "x"}] * 101), "items"),
        (lambda body: body.update(items=[]), "items"),
        (lambda body: body["items"][0].update(text=""), "text"),
        (lambda body: body["items"][0].update(text="  ...  "), "something to say"),
        (lambda body: body.pop("voice_model_id"), "no voice_model_id"),
        (lambda body: body["items"][2].update(language="English!"), "language"),
        (lambda body: body["items"][0].update(speed=2), "speed"),
        (lambda body: body.update(output_format="aac"), "output_format"),
    ],
)
def test_an_invalid_batch_is_a_422_naming_the_field_and_nothing_is_recorded(api, voice, batch_machine, store, change, says):
    body = _body(voice)
    change(body)
    response = api.post("/api/tts/batch", body=body)
    assert response.status == 422 and response.error_code == "validation_error", response.body
    assert says in response.json["error"]["message"]
    assert store.batches.collection.count_documents({}) == 0
    assert api.get("/api/me").json["usage"]["characters"] == 0


def test_an_item_over_the_plans_text_length_is_refused_naming_it(api, voice, batch_machine):
    response = api.post("/api/tts/batch", body=_body(voice, texts=["fine", "y" * 1001]))
    assert response.status == 403 and response.error_code == "limit_exceeded"
    assert "items[1]" in response.json["error"]["message"]


def test_an_unknown_or_private_voice_is_a_404(api, store, batch_machine):
    private = make_ready_voice(store, "bob")
    response = api.post("/api/tts/batch", body={"items": [{"text": "hi", "voice_model_id": private}]})
    assert response.status == 404


def test_quotas_refuse_before_anything_starts(api, voice, batch_machine, store):
    store.users.charge_characters("alice", "tts_earlier", 10_000 - 20)
    over = api.post("/api/tts/batch", body=_body(voice))  # 47 characters, 20 left
    assert over.status == 429 and over.error_code == "quota_exceeded" and "monthly_characters" in over.body
    assert store.batches.collection.count_documents({}) == 0
    store.users.refund_characters("alice", "tts_earlier", 10_000 - 20)
    for _ in range(2):  # free plan: 2 concurrent jobs; a batch holds one place
        assert api.post("/api/tts/batch", body=_body(voice)).status == 202
    busy = api.post("/api/tts/batch", body=_body(voice))
    assert busy.status == 429 and "concurrent_jobs" in busy.body
    assert api.get("/api/me").json["usage"]["characters"] == 2 * sum(map(len, TEXTS))


def test_the_same_idempotency_key_gives_the_same_batch_once_and_another_body_is_refused(api, voice, batch_machine):
    key = {"Idempotency-Key": "batch-1"}
    first = api.post("/api/tts/batch", body=_body(voice), headers=key)
    again = api.post("/api/tts/batch", body=_body(voice), headers=key)
    assert first.status == again.status == 202 and first.json["batch_id"] == again.json["batch_id"]
    assert api.get("/api/me").json["usage"]["characters"] == sum(map(len, TEXTS))
    other = api.post("/api/tts/batch", body=_body(voice, texts=["Something else."]), headers=key)
    assert other.status == 422 and other.error_code == "idempotency_key_reused"


def test_another_users_batch_is_404_everywhere_and_not_listed(api, voice, batch_machine):
    batch_id = api.post("/api/tts/batch", body=_body(voice)).json["batch_id"]
    for method, path in (("GET", f"/api/tts/batch/{batch_id}"), ("POST", f"/api/tts/batch/{batch_id}/cancel"),
                         ("GET", f"/api/tts/batch/{batch_id}/download")):
        response = api.call(method, path, user="bob")
        assert response.status == 404 and response.error_code == "not_found", (method, path)
    assert api.get("/api/tts/batch", user="bob").json == {"items": [], "next_cursor": None}


def test_the_listing_is_newest_first_with_a_cursor(api, voice, batch_machine, store):
    made = [api.post("/api/tts/batch", body=_body(voice, texts=[f"Line {i}."])).json["batch_id"] for i in range(2)]
    store.batches.collection.update_many({}, {"$set": {"status": "completed"}})  # their places free up
    made.append(api.post("/api/tts/batch", body=_body(voice, texts=["Line 2."])).json["batch_id"])
    page = api.get("/api/tts/batch", query={"limit": "2"}).json
    assert [b["batch_id"] for b in page["items"]] == made[::-1][:2] and "items" not in page["items"][0]
    rest = api.get("/api/tts/batch", query={"limit": "2", "cursor": page["next_cursor"]}).json
    assert [b["batch_id"] for b in rest["items"]] == [made[0]] and rest["next_cursor"] is None
    assert api.get("/api/tts/batch", query={"status": "pending"}).json["items"][0]["batch_id"] == made[2]


def test_cancel_refunds_the_unspoken_items_and_a_second_cancel_is_409(api, voice, batch_machine):
    batch_id = api.post("/api/tts/batch", body=_body(voice)).json["batch_id"]
    cancelled = api.post(f"/api/tts/batch/{batch_id}/cancel")
    assert cancelled.status == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["counts"]["cancelled"] == 3
    assert {item["error_message"] for item in cancelled.json["items"]} == {"cancelled by the user"}
    assert api.get("/api/me").json["usage"]["characters"] == 0
    assert api.post(f"/api/tts/batch/{batch_id}/cancel").status == 409


def test_download_is_409_until_an_item_is_done_then_a_302_to_a_zip_of_the_finished_ones(
    api, voice, batch_machine, store, settings
):
    batch_id = api.post("/api/tts/batch", body=_body(voice)).json["batch_id"]
    early = api.get(f"/api/tts/batch/{batch_id}/download")
    assert early.status == 409 and early.error_code == "conflict"
    # item 1 spoken (a real recording as its result) while the others still run
    store.batches.transition("alice", batch_id, "processing")
    key = item_output_key("alice", batch_id, 1, "mp3")
    audio, rate = english_utterances()[0].load()
    encoded = io.BytesIO()
    soundfile.write(encoded, audio[: rate * 2], rate, format="MP3")
    blobs.s3_client().put_object(Bucket=settings.outputs_bucket, Key=key, Body=encoded.getvalue())
    assert store.batches.start_item("alice", batch_id, 1)
    assert store.batches.complete_item("alice", batch_id, 1, output_key=key, duration_s=2.0, size_bytes=len(encoded.getvalue()))
    view = api.get(f"/api/tts/batch/{batch_id}").json
    assert view["items"][1]["status"] == "completed" and view["items"][1]["download_url"] and view["zip_available"]
    assert view["progress"] == pytest.approx(1 / 3, abs=1e-3)
    response = api.get(f"/api/tts/batch/{batch_id}/download")
    assert response.status == 302, response.body
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(response.headers["location"]).raise_for_status().content))
    assert sorted(archive.namelist()) == ["001.mp3", "manifest.json"]
    decoded, decoded_rate = soundfile.read(io.BytesIO(archive.read("001.mp3")))
    assert decoded_rate == rate and abs(len(decoded) / rate - 2.0) < 0.1
    manifest = json.loads(archive.read("manifest.json"))
    assert [entry["status"] for entry in manifest["items"]] == ["pending", "completed", "pending"]
    assert manifest["items"][1]["file"] == "001.mp3"


def test_a_result_deleted_from_the_bucket_is_left_out_of_the_zip_and_the_manifest_says_so(api, voice, batch_machine, store, settings):
    batch_id = api.post("/api/tts/batch", body=_body(voice, texts=["One.", "Two."])).json["batch_id"]
    store.batches.transition("alice", batch_id, "processing")
    for index in (0, 1):
        key = item_output_key("alice", batch_id, index, "mp3")
        blobs.s3_client().put_object(Bucket=settings.outputs_bucket, Key=key, Body=b"ID3 not checked here")
        store.batches.start_item("alice", batch_id, index)
        store.batches.complete_item("alice", batch_id, index, output_key=key, duration_s=1.0, size_bytes=20)
    blobs.s3_client().delete_object(Bucket=settings.outputs_bucket, Key=item_output_key("alice", batch_id, 0, "mp3"))
    response = api.get(f"/api/tts/batch/{batch_id}/download")
    assert response.status == 302, response.body
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(response.headers["location"]).raise_for_status().content))
    assert sorted(archive.namelist()) == ["001.mp3", "manifest.json"]
    entries = json.loads(archive.read("manifest.json"))["items"]
    assert entries[0]["file"] is None and entries[0]["error_message"] == "the result has expired or was deleted"
