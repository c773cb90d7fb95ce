"""Training API: start, job, cancel, jobs, suitable samples, validate samples, stats."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api.common import (
    current_user_id,
    errors,
    header,
    is_admin,
    make_app,
    observed_handler,
    success,
)
from voiceclone.config import get_settings
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.training import ModelType, QualityTarget
from voiceclone.services import training
from voiceclone.services.idempotency import run_once
from voiceclone.services.training import StartTrainingRequest, ValidateSamplesRequest
from voiceclone.services.views.base import Page
from voiceclone.services.views.training import (
    SamplesValidation,
    SuitableSamples,
    TrainingJobView,
    TrainingStats,
)
from voiceclone.store import get_store

router = Router()


@router.post(
    "/api/training/start",
    tags=["training"],
    summary="Start training a voice on your ready samples (Idempotency-Key header: once per key)",
    status_code=202,
    responses={**success(202, "accepted: the job is pending", TrainingJobView), **errors(403, body=True)},
)
def start(body: StartTrainingRequest) -> tuple[TrainingJobView, int]:
    store, settings, user_id = get_store(), get_settings(), current_user_id(router)
    job = run_once(
        store,
        settings,
        operation="training.start",
        user_id=user_id,
        key=header(router, "Idempotency-Key"),
        request=body.model_dump(mode="json"),
        action=lambda: training.start_training(store, settings, user_id, body).model_dump(mode="json"),
        lambda_context=router.lambda_context,
    )
    return TrainingJobView.model_validate(job), 202


@router.get(
    "/api/training/job/<job_id>",
    tags=["training"],
    summary="A training job",
    responses={**success(200, "OK", TrainingJobView), **errors(404)},
)
def get_job(job_id: str) -> TrainingJobView:
    return training.get_job(get_store(), current_user_id(router), job_id)


@router.post(
    "/api/training/job/<job_id>/cancel",
    tags=["training"],
    summary="Cancel a pending or running job",
    responses={**success(200, "OK", TrainingJobView), **errors(404, 409)},
)
def cancel_job(job_id: str) -> TrainingJobView:
    return training.cancel_job(get_store(), current_user_id(router), job_id)


@router.get(
    "/api/training/jobs",
    tags=["training"],
    summary="Your training jobs, newest first",
    responses={**success(200, "OK", Page[TrainingJobView]), **errors(422)},
)
def list_jobs(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[JobStatus | None, Query()] = None,
) -> Page[TrainingJobView]:
    return training.list_jobs(get_store(), current_user_id(router), limit, cursor, status)


@router.get(
    "/api/training/samples/suitable",
    tags=["training"],
    summary="Your samples fit to train a model type at a quality target",
    responses={**success(200, "OK", SuitableSamples), **errors(422)},
)
def suitable_samples(
    model_type: Annotated[ModelType, Query()] = ModelType.XTTS_V2,
    quality_target: Annotated[QualityTarget, Query()] = QualityTarget.MEDIUM,
) -> SuitableSamples:
    return training.suitable_samples(
        get_store(), get_settings(), current_user_id(router), model_type, quality_target
    )


@router.post(
    "/api/training/validate-samples",
    tags=["training"],
    summary="Check samples for a model type and quality target before training",
    responses={**success(200, "OK", SamplesValidation), **errors(body=True)},
)
def validate_samples(body: ValidateSamplesRequest) -> SamplesValidation:
    return training.validate_samples(get_store(), get_settings(), current_user_id(router), body)


@router.get(
    "/api/training/stats",
    tags=["training"],
    summary="Training figures (scope=platform: admins)",
    responses={**success(200, "OK", TrainingStats), **errors(403, 422)},
)
def stats(scope: Annotated[str, Query(pattern="^(user|platform)$")] = "user") -> TrainingStats:
    return training.stats(get_store(), current_user_id(router), scope == "platform", is_admin(router))


app = make_app(router)


@observed_handler
def lambda_handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
