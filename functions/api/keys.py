"""API keys: POST /api/keys (the secret shown once), GET /api/keys, DELETE /api/keys/{key_id}.

Managing keys needs a signed-in session (a JWT): common.ApiResolver refuses an API key here with
403 insufficient_scope (voiceclone.principal.check_access), so a leaked key cannot mint more keys.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api.common import current_user_id, errors, make_app, observed_handler, success
from voiceclone.services import api_keys
from voiceclone.services.api_keys import CreateApiKeyRequest
from voiceclone.services.views.api_keys import ApiKeyView, CreatedApiKey
from voiceclone.services.views.base import Page
from voiceclone.store import get_store

router = Router()


@router.post(
    "/api/keys",
    tags=["keys"],
    summary="Create an API key (JWT only); the secret is in this answer and nowhere else",
    responses={**success(201, "created", CreatedApiKey), **errors(body=True)},
)
def create_key(body: CreateApiKeyRequest) -> tuple[CreatedApiKey, int]:
    return api_keys.create_key(get_store(), current_user_id(router), body), 201


@router.get(
    "/api/keys",
    tags=["keys"],
    summary="Your API keys not revoked, newest first (never the secret)",
    responses={**success(200, "OK", Page[ApiKeyView]), **errors(422)},
)
def list_keys(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[ApiKeyView]:
    return api_keys.list_keys(get_store(), current_user_id(router), limit, cursor)


@router.delete(
    "/api/keys/<key_id>",
    tags=["keys"],
    summary="Revoke an API key: refused everywhere within seconds",
    status_code=204,
    responses={204: {"description": "revoked"}, **errors(404)},
)
def revoke_key(key_id: str) -> Response[None]:
    api_keys.revoke_key(get_store(), current_user_id(router), key_id)
    return Response(status_code=204)


app = make_app(router)


@observed_handler
def lambda_handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
