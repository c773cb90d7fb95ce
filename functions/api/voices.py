"""Voices API: list (yours, or every public one), read, rename / change visibility, delete (artifacts too),
quality report and speaker similarity of a sample (docs/quality.md)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api.common import current_user_id, errors, make_app, observed_handler, success
from voiceclone.config import get_settings
from voiceclone.domain.voices import Visibility, VoiceStatus
from voiceclone.services import quality, voices
from voiceclone.services.quality import SimilarityRequest
from voiceclone.services.views.base import Page
from voiceclone.services.views.quality import SimilarityView, VoiceQualityView
from voiceclone.services.views.voices import VoiceView
from voiceclone.services.voices import UpdateVoiceRequest
from voiceclone.store import get_store

router = Router()


@router.get(
    "/api/voices",
    tags=["voices"],
    summary="Your voices, newest first; visibility=public: every public voice",
    responses={**success(200, "OK", Page[VoiceView]), **errors(422)},
)
def list_voices(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[VoiceStatus | None, Query()] = None,
    visibility: Annotated[
        Visibility | None,
        Query(description="public: the ready voices every user made public, yours included"),
    ] = None,
) -> Page[VoiceView]:
    return voices.list_voices(get_store(), current_user_id(router), limit, cursor, status, visibility)


@router.get(
    "/api/voices/<voice_id>",
    tags=["voices"],
    summary="Your voice, or a public one",
    responses={**success(200, "OK", VoiceView), **errors(404)},
)
def get_voice(voice_id: str) -> VoiceView:
    return voices.get_voice(get_store(), current_user_id(router), voice_id)


@router.patch(
    "/api/voices/<voice_id>",
    tags=["voices"],
    summary="Rename a voice or change its visibility",
    responses={**success(200, "OK", VoiceView), **errors(404, 409, body=True)},
)
def update_voice(voice_id: str, body: UpdateVoiceRequest) -> VoiceView:
    return voices.update_voice(get_store(), current_user_id(router), voice_id, body)


@router.delete(
    "/api/voices/<voice_id>",
    tags=["voices"],
    summary="Delete a voice and its artifacts",
    status_code=204,
    responses={204: {"description": "deleted"}, **errors(404, 409)},
)
def delete_voice(voice_id: str) -> Response[None]:
    voices.delete_voice(get_store(), get_settings(), current_user_id(router), voice_id)
    return Response(status_code=204)


@router.get(
    "/api/voices/<voice_id>/quality",
    tags=["voices"],
    summary="Your voice's quality report: speaker similarity, naturalness, intelligibility, signal, pass/fail",
    responses={**success(200, "OK", VoiceQualityView), **errors(404)},
)
def get_voice_quality(voice_id: str) -> VoiceQualityView:
    return quality.voice_quality(get_store(), current_user_id(router), voice_id)


@router.post(
    "/api/voices/<voice_id>/similarity",
    tags=["voices"],
    summary="How close one of your samples is to one of your voices (score, calibrated same-speaker probability)",
    responses={**success(200, "OK", SimilarityView), **errors(404, 409, body=True)},
)
def voice_similarity(voice_id: str, body: SimilarityRequest) -> SimilarityView:
    return quality.similarity(get_store(), current_user_id(router), voice_id, body)


app = make_app(router)


@observed_handler
def lambda_handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
