"""Samples API: POST/GET /api/samples, GET/DELETE /api/samples/{sample_id}."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api.common import current_user_id, make_app
from voiceclone.config import get_settings
from voiceclone.domain.samples import SampleStatus
from voiceclone.services import samples
from voiceclone.services.samples import CreateSampleRequest
from voiceclone.store import get_store

router = Router()


@router.post("/api/samples", tags=["samples"], summary="Register a sample and get a presigned upload")
def create_sample(body: CreateSampleRequest) -> tuple[dict[str, Any], int]:
    return samples.create_sample(get_store(), get_settings(), current_user_id(router), body), 201


@router.get("/api/samples", tags=["samples"], summary="List your samples, newest first")
def list_samples(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[SampleStatus | None, Query()] = None,
) -> dict[str, Any]:
    return samples.list_samples(get_store(), current_user_id(router), limit, cursor, status)


@router.get("/api/samples/<sample_id>", tags=["samples"], summary="One of your samples")
def get_sample(sample_id: str) -> dict[str, Any]:
    return samples.get_sample(get_store(), current_user_id(router), sample_id)


@router.delete("/api/samples/<sample_id>", tags=["samples"], summary="Delete a sample and its audio")
def delete_sample(sample_id: str) -> Response[None]:
    samples.delete_sample(get_store(), get_settings(), current_user_id(router), sample_id)
    return Response(status_code=204)


app = make_app(router)


def lambda_handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
