"""TTS API: generate, job, cancel, result, download (302), timestamps, subtitles, jobs, available models, model info."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api.common import current_user_id, errors, header, make_app, observed_handler, success
from voiceclone.config import get_settings
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.timestamps import Timestamps
from voiceclone.services import tts
from voiceclone.services.idempotency import run_once
from voiceclone.services.tts import GenerateRequest
from voiceclone.services.views.base import Page
from voiceclone.services.views.engines import AvailableModels, ModelInfo
from voiceclone.services.views.tts import TtsJobView, TtsResult
from voiceclone.store import get_store

router = Router()


@router.post(
    "/api/tts/generate",
    tags=["tts"],
    summary="Speak text with your voice, a public one or a catalogue voice such as openai:alloy (Idempotency-Key header: once per key)",
    status_code=202,
    responses={
        **success(202, "accepted: the job is pending", TtsJobView),
        **errors(403, 404, 409, body=True),
    },
)
def generate(body: GenerateRequest) -> tuple[TtsJobView, int]:
    store, settings, user_id = get_store(), get_settings(), current_user_id(router)
    job = run_once(
        store,
        settings,
        operation="tts.generate",
        user_id=user_id,
        key=header(router, "Idempotency-Key"),
        request=body.model_dump(mode="json"),
        action=lambda: tts.generate(store, settings, user_id, body).model_dump(mode="json"),
        lambda_context=router.lambda_context,
    )
    return TtsJobView.model_validate(job), 202


@router.get(
    "/api/tts/job/<job_id>",
    tags=["tts"],
    summary="A TTS job",
    responses={**success(200, "OK", TtsJobView), **errors(404)},
)
def get_job(job_id: str) -> TtsJobView:
    return tts.get_job(get_store(), current_user_id(router), job_id)


@router.post(
    "/api/tts/job/<job_id>/cancel",
    tags=["tts"],
    summary="Cancel a pending or running job",
    responses={**success(200, "OK", TtsJobView), **errors(404, 409)},
)
def cancel_job(job_id: str) -> TtsJobView:
    return tts.cancel_job(get_store(), current_user_id(router), job_id)


@router.get(
    "/api/tts/job/<job_id>/result",
    tags=["tts"],
    summary="Result of a completed job with a download URL",
    responses={**success(200, "OK", TtsResult), **errors(404, 409, 410)},
)
def result(job_id: str) -> TtsResult:
    return tts.result(get_store(), get_settings(), current_user_id(router), job_id)


@router.get(
    "/api/tts/job/<job_id>/download",
    tags=["tts"],
    summary="Redirect (302) to the audio file",
    status_code=302,
    responses={
        302: {
            "description": "Location: a presigned URL of the audio file",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        **errors(404, 409, 410),
    },
)
def download(job_id: str) -> Response[None]:
    url = tts.download_url(get_store(), get_settings(), current_user_id(router), job_id)
    return Response(status_code=302, headers={"Location": url})


@router.get(
    "/api/tts/job/<job_id>/timestamps",
    tags=["tts"],
    summary="When each sentence of a completed job's audio is spoken (the timestamps.json next to it)",
    responses={**success(200, "OK", Timestamps), **errors(404, 409, 410)},
)
def timestamps(job_id: str) -> Timestamps:
    return tts.timestamps(get_store(), get_settings(), current_user_id(router), job_id)


@router.get(
    "/api/tts/job/<job_id>/subtitles.vtt",
    tags=["tts"],
    summary="The completed job's sentences as WebVTT subtitles",
    responses={
        200: {"description": "WebVTT", "content": {"text/vtt": {"schema": {"type": "string"}}}},
        **errors(404, 409, 410),
    },
)
def subtitles(job_id: str) -> Response[str]:
    body = tts.subtitles(get_store(), get_settings(), current_user_id(router), job_id)
    return Response(status_code=200, content_type="text/vtt; charset=utf-8", body=body)


@router.get(
    "/api/tts/jobs",
    tags=["tts"],
    summary="Your TTS jobs, newest first",
    responses={**success(200, "OK", Page[TtsJobView]), **errors(422)},
)
def list_jobs(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[JobStatus | None, Query()] = None,
) -> Page[TtsJobView]:
    return tts.list_jobs(get_store(), current_user_id(router), limit, cursor, status)


@router.get(
    "/api/tts/models/available",
    tags=["tts"],
    summary="Engines with their availability, and the voices you can speak with (own, public, catalogue)",
    responses={**success(200, "OK", AvailableModels), **errors()},
)
def available_models() -> AvailableModels:
    return tts.available_models(get_store(), get_settings(), current_user_id(router))


@router.get(
    "/api/tts/models/<model_id>/info",
    tags=["tts"],
    summary="An engine's (model_id = model type) or a voice's full specification and price",
    responses={**success(200, "OK", ModelInfo), **errors(404)},
)
def model_info(model_id: str) -> ModelInfo:
    return tts.model_info(get_store(), get_settings(), current_user_id(router), model_id)


app = make_app(router)


@observed_handler
def lambda_handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
