"""Samples API: POST/GET /api/samples, GET/PATCH/DELETE /api/samples/{sample_id}."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api.common import current_user_id, errors, make_app, observed_handler, success
from voiceclone.config import get_settings
from voiceclone.domain.samples import SampleStatus
from voiceclone.services import samples
from voiceclone.services.samples import CreateSampleRequest, UpdateSampleRequest
from voiceclone.services.views.base import Page
from voiceclone.services.views.samples import CreatedSample, SampleView
from voiceclone.store import get_store

router = Router()


@router.post(
    "/api/samples",
    tags=["samples"],
    summary="Register a sample and get a presigned upload",
    status_code=201,
    responses={
        **success(201, "registered: upload the file with the form", CreatedSample),
        **errors(body=True),
    },
)
def create_sample(body: CreateSampleRequest) -> tuple[CreatedSample, int]:
    return samples.create_sample(get_store(), get_settings(), current_user_id(router), body), 201


@router.get(
    "/api/samples",
    tags=["samples"],
    summary="List your samples, newest first",
    responses={**success(200, "OK", Page[SampleView]), **errors(422)},
)
def list_samples(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[SampleStatus | None, Query()] = None,
) -> Page[SampleView]:
    return samples.list_samples(get_store(), current_user_id(router), limit, cursor, status)


@router.get(
    "/api/samples/<sample_id>",
    tags=["samples"],
    summary="One of your samples",
    responses={**success(200, "OK", SampleView), **errors(404)},
)
def get_sample(sample_id: str) -> SampleView:
    return samples.get_sample(get_store(), current_user_id(router), sample_id)


@router.patch(
    "/api/samples/<sample_id>",
    tags=["samples"],
    summary="Set or correct a sample's transcript and language",
    responses={**success(200, "OK", SampleView), **errors(404, body=True)},
)
def update_sample(sample_id: str, body: UpdateSampleRequest) -> SampleView:
    return samples.update_sample(get_store(), current_user_id(router), sample_id, body)


@router.delete(
    "/api/samples/<sample_id>",
    tags=["samples"],
    summary="Delete a sample and its audio",
    status_code=204,
    responses={204: {"description": "deleted"}, **errors(404, 409)},
)
def delete_sample(sample_id: str) -> Response[None]:
    samples.delete_sample(get_store(), get_settings(), current_user_id(router), sample_id)
    return Response(status_code=204)


app = make_app(router)


@observed_handler
def lambda_handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
