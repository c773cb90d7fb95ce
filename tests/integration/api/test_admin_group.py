"""The admin group is the configured one (VOICECLONE_ADMIN_GROUP), not a name fixed in the code."""

from __future__ import annotations


def test_the_configured_admin_group_sees_platform_stats(api, monkeypatch):
    from voiceclone import config

    monkeypatch.setenv("VOICECLONE_ADMIN_GROUP", "operators")
    config.get_settings.cache_clear()
    try:
        assert api.get("/api/admin/stats", groups=["operators"]).status == 200
        assert api.get("/api/admin/stats", groups=["admin"]).status == 403
    finally:
        config.get_settings.cache_clear()
