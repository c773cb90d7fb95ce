"""Voices (list, read, rename, visibility, delete with artifacts) and account (/api/me, admin stats)."""

from __future__ import annotations

from tests.integration.api.conftest import make_ready_voice
from voiceclone.domain.voices import VoiceModel


def test_list_and_get_voices(api, store):
    first = make_ready_voice(store, "alice", name="One")
    second = make_ready_voice(store, "alice", name="Two")
    make_ready_voice(store, "bob", name="Bob's")
    items = api.get("/api/voices").json["items"]
    assert [v["voice_id"] for v in items] == [second, first]
    assert api.get(f"/api/voices/{first}").json["name"] == "One"
    assert api.get("/api/voices", query={"status": "training"}).json["items"] == []


def test_public_voice_of_another_user_shows_without_internals(api, store):
    public = make_ready_voice(store, "bob", public=True, artifacts={"model": "voices/bob/x/model.pth"})
    shown = api.get(f"/api/voices/{public}").json
    assert shown["name"] == "Voice" and "artifact_keys" not in shown and "user_id" not in shown


def test_patch_renames_and_changes_visibility(api, store):
    voice = make_ready_voice(store, "alice")
    updated = api.patch(f"/api/voices/{voice}", body={"name": "Narrator", "visibility": "public"})
    assert updated.status == 200
    assert updated.json["name"] == "Narrator" and updated.json["visibility"] == "public"
    assert api.get(f"/api/voices/{voice}", user="bob").status == 200
    for body in [{}, {"visibility": "secret"}, {"name": ""}, {"owner": "bob"}]:
        assert api.patch(f"/api/voices/{voice}", body=body).status == 422, body


def test_delete_removes_artifacts(api, store, settings, aws):
    s3 = aws.client("s3")
    voice = make_ready_voice(store, "alice", artifacts={"model": "placeholder"})
    prefix = f"voices/alice/{voice}/"
    for name in ("model.pth", "speaker.json"):
        s3.put_object(Bucket=settings.models_bucket, Key=prefix + name, Body=b"x")
    s3.put_object(Bucket=settings.models_bucket, Key="voices/alice/other/model.pth", Body=b"keep")
    assert api.delete(f"/api/voices/{voice}").status == 204
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=settings.models_bucket).get("Contents", [])]
    assert keys == ["voices/alice/other/model.pth"]
    assert api.get(f"/api/voices/{voice}").status == 404
    assert api.delete(f"/api/voices/{voice}").status == 404
    assert api.get("/api/voices").json["items"] == []


def test_delete_of_voice_in_training_is_409(api, store):
    store.voices.create(VoiceModel(voice_id="voice_busy", user_id="alice", name="busy"))
    response = api.delete("/api/voices/voice_busy")
    assert response.status == 409 and "cancel its training job" in response.json["error"]["message"]


def test_me_shows_plan_limits_usage(api, store):
    make_ready_voice(store, "alice")
    me = api.get("/api/me").json
    assert me["user_id"] == "alice" and me["plan"] == "free"
    assert me["limits"] == {"max_voices": 3, "monthly_characters": 10000, "concurrent_jobs": 2, "max_text_length": 1000}
    assert me["usage"]["characters"] == 0 and me["usage"]["characters_remaining"] == 10000
    assert me["usage"]["voices"] == 1
    store.users.set_plan("alice", "pro")
    assert api.get("/api/me").json["limits"]["monthly_characters"] == 500_000


def test_admin_stats_only_for_admin_group(api, store):
    make_ready_voice(store, "alice")
    assert api.get("/api/admin/stats").status == 403
    stats = api.get("/api/admin/stats", user="root", groups=["admin", "ops"])
    assert stats.status == 200 and stats.json["voices"] == 1
    assert set(stats.json["tts_jobs"]) == {"pending", "processing", "completed", "failed", "cancelled"}
