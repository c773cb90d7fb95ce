"""Training API: start, job, cancel, jobs, suitable samples, validate samples, stats."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.api.common import current_user_id, header, is_admin, make_app
from voiceclone.config import get_settings
from voiceclone.domain.jobs import JobStatus
from voiceclone.services import training
from voiceclone.services.idempotency import run_once
from voiceclone.services.training import StartTrainingRequest, ValidateSamplesRequest
from voiceclone.store import get_store

router = Router()


@router.post("/api/training/start", tags=["training"], summary="Start training a voice on your ready samples")
def start(body: StartTrainingRequest) -> tuple[dict[str, Any], int]:
    store, settings, user_id = get_store(), get_settings(), current_user_id(router)
    job = run_once(
        store,
        settings,
        operation="training.start",
        user_id=user_id,
        key=header(router, "Idempotency-Key"),
        request=body.model_dump(mode="json"),
        action=lambda: training.start_training(store, settings, user_id, body),
        lambda_context=router.lambda_context,
    )
    return job, 202


@router.get("/api/training/job/<job_id>", tags=["training"], summary="A training job")
def get_job(job_id: str) -> dict[str, Any]:
    return training.get_job(get_store(), current_user_id(router), job_id)


@router.post("/api/training/job/<job_id>/cancel", tags=["training"], summary="Cancel a pending or running job")
def cancel_job(job_id: str) -> dict[str, Any]:
    return training.cancel_job(get_store(), current_user_id(router), job_id)


@router.get("/api/training/jobs", tags=["training"], summary="Your training jobs, newest first")
def list_jobs(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[JobStatus | None, Query()] = None,
) -> dict[str, Any]:
    return training.list_jobs(get_store(), current_user_id(router), limit, cursor, status)


@router.get("/api/training/samples/suitable", tags=["training"], summary="Your samples fit for training")
def suitable_samples() -> dict[str, Any]:
    return training.suitable_samples(get_store(), current_user_id(router))


@router.post("/api/training/validate-samples", tags=["training"], summary="Check samples before training")
def validate_samples(body: ValidateSamplesRequest) -> dict[str, Any]:
    return training.validate_samples(get_store(), current_user_id(router), body)


@router.get("/api/training/stats", tags=["training"], summary="Training figures (scope=platform: admins)")
def stats(scope: Annotated[str, Query(pattern="^(user|platform)$")] = "user") -> dict[str, Any]:
    return training.stats(get_store(), current_user_id(router), scope == "platform", is_admin(router))


app = make_app(router)


def lambda_handler(event: dict, context: Any) -> dict:
    return app.resolve(event, context)
