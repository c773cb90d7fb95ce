"""Batch TTS API: create (202), one batch with its items, cancel, the zip (302), your batches."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api.common import current_user_id, errors, header, make_app, observed_handler, success
from voiceclone.config import get_settings
from voiceclone.domain.jobs import JobStatus
from voiceclone.services import batch
from voiceclone.services.batch import BatchRequest
from voiceclone.services.batch_views import BatchSummaryView, BatchView
from voiceclone.services.idempotency import run_once
from voiceclone.services.views.base import Page
from voiceclone.store import get_store

router = Router()


@router.post(
    "/api/tts/batch",
    tags=["tts batch"],
    summary="Speak up to 100 texts in one batch, charged once (Idempotency-Key header: once per key)",
    status_code=202,
    responses={
        **success(202, "accepted: the batch is pending", BatchView),
        **errors(403, 404, 409, body=True),
    },
)
def create(body: BatchRequest) -> tuple[BatchView, int]:
    store, settings, user_id = get_store(), get_settings(), current_user_id(router)
    answer = run_once(
        store,
        settings,
        operation="tts.batch",
        user_id=user_id,
        key=header(router, "Idempotency-Key"),
        request=body.model_dump(mode="json"),
        action=lambda: batch.create(store, settings, user_id, body).model_dump(mode="json"),
        lambda_context=router.lambda_context,
    )
    return BatchView.model_validate(answer), 202


@router.get(
    "/api/tts/batch",
    tags=["tts batch"],
    summary="Your batches, newest first (without their items)",
    responses={**success(200, "OK", Page[BatchSummaryView]), **errors(422)},
)
def list_batches(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[JobStatus | None, Query()] = None,
) -> Page[BatchSummaryView]:
    return batch.list_batches(get_store(), current_user_id(router), limit, cursor, status)


@router.get(
    "/api/tts/batch/<batch_id>",
    tags=["tts batch"],
    summary="A batch: its status and every item's status and result (download URL when completed)",
    responses={**success(200, "OK", BatchView), **errors(404)},
)
def get_batch(batch_id: str) -> BatchView:
    return batch.get(get_store(), get_settings(), current_user_id(router), batch_id)


@router.post(
    "/api/tts/batch/<batch_id>/cancel",
    tags=["tts batch"],
    summary="Cancel a pending or running batch: items not spoken yet are cancelled and refunded",
    responses={**success(200, "OK", BatchView), **errors(404, 409)},
)
def cancel_batch(batch_id: str) -> BatchView:
    return batch.cancel_batch(get_store(), get_settings(), current_user_id(router), batch_id)


@router.get(
    "/api/tts/batch/<batch_id>/download",
    tags=["tts batch"],
    summary="Redirect (302) to a zip of every completed item (409 while none is completed)",
    status_code=302,
    responses={
        302: {
            "description": "Location: a presigned URL of the zip",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        **errors(404, 409),
    },
)
def download(batch_id: str) -> Response[None]:
    url = batch.download_url(get_store(), get_settings(), current_user_id(router), batch_id)
    return Response(status_code=302, headers={"Location": url})


app = make_app(router)


@observed_handler
def lambda_handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
