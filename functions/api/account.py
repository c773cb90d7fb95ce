"""Account API: GET /api/me (plan, limits, usage this month); GET /api/admin/stats (admin group)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.api.common import current_user_id, errors, is_admin, make_app, observed_handler, success
from voiceclone.config import get_settings
from voiceclone.services import account
from voiceclone.services.views.account import AccountView, PlatformStats
from voiceclone.store import get_store

router = Router()


@router.get(
    "/api/me",
    tags=["account"],
    summary="Your plan, limits and usage this month",
    responses={**success(200, "OK", AccountView), **errors()},
)
def me() -> AccountView:
    return account.me(get_store(), get_settings(), current_user_id(router))


@router.get(
    "/api/admin/stats",
    tags=["account"],
    summary="Platform-wide figures (admin group only)",
    responses={**success(200, "OK", PlatformStats), **errors(403)},
)
def platform_stats() -> PlatformStats:
    current_user_id(router)
    return account.platform_stats(get_store(), is_admin(router))


app = make_app(router)


@observed_handler
def lambda_handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
