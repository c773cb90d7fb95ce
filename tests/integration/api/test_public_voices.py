"""GET /api/voices?visibility=public lists the ready voices every user made public, without their internals."""

from __future__ import annotations

from .conftest import make_ready_voice


def test_public_listing_shows_others_public_voices_only(api, store):
    shared = make_ready_voice(store, "bob", name="Bob shared", public=True)
    make_ready_voice(store, "bob", name="Bob private")
    mine = make_ready_voice(store, "alice", name="Alice shared", public=True)
    listed = api.get("/api/voices", query={"visibility": "public"})
    assert listed.status == 200, listed.body
    items = {item["voice_id"]: item for item in listed.json["items"]}
    assert set(items) == {shared, mine}
    assert items[shared]["owned"] is False and items[mine]["owned"] is True
    assert items[shared]["training_job_id"] is None and items[shared]["sample_ids"] is None
    assert "artifact_keys" not in items[shared] and "user_id" not in items[shared]
    own = api.get("/api/voices").json["items"]
    assert [item["voice_id"] for item in own] == [mine]
    private_only = api.get("/api/voices", query={"visibility": "private"}).json["items"]
    assert private_only == []


def test_public_listing_pages_with_a_cursor(api, store):
    voices = [make_ready_voice(store, "bob", name=f"v{n}", public=True) for n in range(3)]
    first = api.get("/api/voices", query={"visibility": "public", "limit": "2"}).json
    second = api.get("/api/voices", query={"visibility": "public", "limit": "2", "cursor": first["next_cursor"]}).json
    seen = [item["voice_id"] for item in first["items"] + second["items"]]
    assert sorted(seen) == sorted(voices) and second["next_cursor"] is None


def test_head_is_answered_like_get_without_a_body(api, store):
    """API Gateway passes HEAD on to the `ANY` routes: the handler answers it as GET, bodiless."""
    voice = make_ready_voice(store, "alice")
    head, get = api.call("HEAD", f"/api/voices/{voice}"), api.get(f"/api/voices/{voice}")
    assert head.status == get.status == 200 and head.body == "" and get.json["voice_id"] == voice
    assert api.call("HEAD", "/api/voices/voice_missing").status == 404
