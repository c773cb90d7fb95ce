"""The batch TTS workflow's steps (voiceclone.workflows.definitions.tts_batch_definition).

- start: the batch pending -> processing; its items grouped per voice (at most GROUP_MAX_ITEMS a group,
  so a large batch spreads over several workers), each group with its voice's artifacts and route. A
  voice that cannot speak any more (deleted, made private) fails its items here, the others go on.
- remote_item: one item of a remote engine's group spoken through the provider (the remote-synthesize
  step's code); a provider's refusal fails that item alone.
- finish: the groups' errors become their unfinished items' messages; the batch ends completed when an
  item was spoken, failed (with the first item's message) when none was, cancelled stays cancelled;
  the zip of the completed items is built.
- fail: where any other error of the workflow ends (and the sweeper's overdue batches): the batch
  failed with a readable message, every unfinished item failed (or cancelled) and refunded.
Every step is safe to run twice: item and batch transitions are conditional, refunds once per item.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any, Literal

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.availability import catalogue_of, parse_catalogue_voice_id
from voiceclone.domain.batch import (
    GROUP_MAX_ITEMS,
    BatchItem,
    TtsBatch,
    batch_prefix,
    group_key,
    item_output_key,
)
from voiceclone.domain.errors import InvalidTransition
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.pricing import spec_for
from voiceclone.domain.registry import REGISTRY
from voiceclone.domain.voices import VoiceStatus
from voiceclone.services.batch import end_active_items, end_item
from voiceclone.store import Store
from voiceclone.workflows import batch_archive
from voiceclone.workflows.errors import JobNotRunnable
from voiceclone.workflows.events import CaughtError
from voiceclone.workflows.failure import failure_message
from voiceclone.workflows.processing import STAGE_QUEUED

logger = Logger(service="voiceclone")

STAGE_SPEAKING = "speaking"
STAGE_DONE = "completed"
NOT_SPOKEN = "the item was not spoken: its group ended before it (see the batch's other items); please try again"


class BatchStepEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["tts_batch"] = "tts_batch"
    job_id: str = Field(min_length=1, description="the batch id (the execution's name)")
    user_id: str = Field(min_length=1)


class RemoteItemEvent(BatchStepEvent):
    engine: str
    speaker: dict[str, Any]
    index: int = Field(ge=0)


class FinishEvent(BatchStepEvent):
    groups: list[dict[str, Any]] = Field(default_factory=list)


class FailBatchEvent(BatchStepEvent):
    error: CaughtError = Field(default_factory=CaughtError)


# --- start -------------------------------------------------------------------------------------------


def start(store: Store, user_id: str, batch_id: str) -> dict[str, Any]:
    batch = _processing(store, user_id, batch_id)
    active = [item for item in batch.items if item.active]
    groups: list[dict[str, Any]] = []
    for (voice_model_id, engine), members in groupby(sorted(active, key=group_key), key=group_key):
        items = list(members)
        try:
            speaker = _speaker(store, user_id, voice_model_id)
        except JobNotRunnable as unusable:
            for item in items:
                end_item(store, batch, item.index, JobStatus.FAILED, unusable.message)
            continue
        route = "remote" if spec_for(engine).remote else "gpu"
        indices = [item.index for item in items]
        for first in range(0, len(indices), GROUP_MAX_ITEMS):
            chunk = indices[first : first + GROUP_MAX_ITEMS]
            groups.append({"route": route, "engine": engine, "payload": {**speaker, "indices": chunk}})
    return {"groups": groups, "items": len(active)}


def _processing(store: Store, user_id: str, batch_id: str) -> TtsBatch:
    """The batch, now processing; JobNotRunnable once it has ended (a cancel is kept by finish/fail)."""
    batch = store.batches.get(user_id, batch_id)
    if batch.status == JobStatus.PENDING:
        try:
            batch = store.batches.transition(user_id, batch_id, JobStatus.PROCESSING, stage=STAGE_QUEUED)
        except InvalidTransition:
            batch = store.batches.get(user_id, batch_id)
    if batch.status != JobStatus.PROCESSING:
        raise JobNotRunnable(f"tts batch '{batch_id}' is {batch.status}; it cannot run again")
    return batch


def _speaker(store: Store, user_id: str, voice_model_id: str) -> dict[str, Any]:
    """A group's voice fields: a catalogue voice (openai:alloy, bark:v2/en_speaker_6) or a visible, ready voice."""
    parsed = parse_catalogue_voice_id(voice_model_id)
    if parsed is not None:
        model_type, provider_voice_id = parsed
        for entry in catalogue_of(REGISTRY[model_type], store.engine_status.snapshot()):
            if entry.provider_voice_id == provider_voice_id:
                speaker = {"voice_id": voice_model_id, "model_type": str(model_type), "voice_artifact_keys": entry.artifact_keys}
                if REGISTRY[model_type].remote:
                    speaker["provider_voice_id"] = provider_voice_id
                return speaker
        raise JobNotRunnable(f"voice '{voice_model_id}' is no longer in {model_type}'s catalogue")
    voice = store.voices.find_visible(user_id, voice_model_id)
    if voice is None:
        raise JobNotRunnable(f"voice '{voice_model_id}' is no longer available to you (deleted, or made private by its owner)")
    if voice.status != VoiceStatus.READY:
        raise JobNotRunnable(f"voice '{voice_model_id}' is {voice.status}; it cannot speak")
    return {"voice_id": voice.voice_id, "model_type": str(voice.model_type), "voice_artifact_keys": voice.artifact_keys}


# --- remote items ------------------------------------------------------------------------------------


def remote_item(store: Store, settings: Settings, step: RemoteItemEvent) -> dict[str, Any]:
    """Speaks one item with its remote engine; a provider's refusal fails the item (refunded), not the
    batch. Errors that are the platform's (storage, a bug) propagate to the workflow."""
    from voiceclone.engines.remote.errors import ProviderError, ProviderNotConfigured
    from voiceclone.engines.remote.keys import load_provider_keys
    from voiceclone.engines.remote.speech import UnknownRemoteEngine, client_for
    from voiceclone.engines.remote.step import RemoteSynthPayload, synthesize_to_s3  # numpy from here on
    from voiceclone.workflows.engine_status import remote_endpoints
    from voiceclone.workflows.provider_errors import engine_not_available, workflow_error

    batch = store.batches.get(step.user_id, step.job_id)
    item = batch.items[step.index]
    if batch.status != JobStatus.PROCESSING or not store.batches.start_item(step.user_id, step.job_id, step.index):
        return {"index": step.index, "status": "skipped"}
    try:
        client = client_for(step.engine, load_provider_keys(settings.provider_keys_secret_arn), remote_endpoints(settings))
        payload = RemoteSynthPayload.model_validate({**step.speaker, **_item_fields(batch, item)})
        result = synthesize_to_s3(step.engine, payload, client, blobs.s3_client(), settings.outputs_bucket)
    except (UnknownRemoteEngine, ProviderNotConfigured) as error:
        return _item_failed(store, batch, item, str(engine_not_available(step.engine, error)))
    except ProviderError as error:
        return _item_failed(store, batch, item, str(workflow_error(error)))
    except ValueError as error:  # e.g. an ElevenLabs voice without its ElevenLabs voice id
        return _item_failed(store, batch, item, str(error))
    score = result.metrics.get("quality_score")
    store.batches.complete_item(
        step.user_id,
        step.job_id,
        step.index,
        output_key=result.output_key,
        duration_s=round(result.duration_s, 3),
        size_bytes=result.size_bytes,
        quality_score=None if score is None else min(max(float(score), 0.0), 1.0),
    )
    return {"index": step.index, "status": "completed"}


def _item_fields(batch: TtsBatch, item: BatchItem) -> dict[str, Any]:
    return {
        "text": item.text,
        "language": item.language,
        "voice_settings": item.voice_settings.model_dump(),
        "output_format": str(item.output_format),
        "output_key": item_output_key(batch.user_id, batch.batch_id, item.index, str(item.output_format)),
    }


def _item_failed(store: Store, batch: TtsBatch, item: BatchItem, message: str) -> dict[str, Any]:
    end_item(store, batch, item.index, JobStatus.FAILED, message)
    return {"index": item.index, "status": "failed"}


# --- finish / fail -----------------------------------------------------------------------------------


def finish(store: Store, settings: Settings, step: FinishEvent) -> dict[str, Any]:
    batch = store.batches.get(step.user_id, step.job_id)
    for group in step.groups:
        _close_group(store, batch, group)
    batch = store.batches.get(step.user_id, step.job_id)
    leftover = JobStatus.CANCELLED if batch.status == JobStatus.CANCELLED else JobStatus.FAILED
    end_active_items(store, batch, leftover, NOT_SPOKEN)
    return _conclude(store, settings, step.user_id, step.job_id)


def _close_group(store: Store, batch: TtsBatch, group: dict[str, Any]) -> None:
    """A group's caught error fails its unfinished items with that message; so does a remote item's."""
    indices = (group.get("group") or {}).get("payload", {}).get("indices", [])
    if group.get("error"):
        message = failure_message(CaughtError.model_validate(group["error"]))
        for index in indices:
            if batch.items[index].active:
                end_item(store, batch, index, JobStatus.FAILED, message)
    for outcome in group.get("remote") or []:
        if outcome.get("error") and "index" in outcome:
            end_item(store, batch, outcome["index"], JobStatus.FAILED, failure_message(CaughtError.model_validate(outcome["error"])))


def _conclude(store: Store, settings: Settings, user_id: str, batch_id: str) -> dict[str, Any]:
    """processing -> completed (an item spoken) or failed (none was); a cancelled batch stays so. The zip
    of the completed items is built either way."""
    batch = store.batches.get(user_id, batch_id)
    spoken = batch.finished_items()
    if batch.status == JobStatus.PROCESSING:
        if spoken:
            target, message = JobStatus.COMPLETED, None
        else:
            first = next((item.error_message for item in batch.items if item.error_message), None)
            target, message = JobStatus.FAILED, f"no item of the batch was spoken: {first or 'no reason recorded'}"
        try:
            batch = store.batches.transition(user_id, batch_id, target, stage=STAGE_DONE if spoken else "failed",
                                             error_message=message)
        except InvalidTransition:
            batch = store.batches.get(user_id, batch_id)  # cancelled meanwhile: that stands
    _zip(store, settings, batch)
    return {"status": str(batch.status), "message": batch.error_message or f"{len(spoken)} of {len(batch.items)} items spoken",
            "counts": batch.counts()}


def _zip(store: Store, settings: Settings, batch: TtsBatch) -> None:
    finished = batch.finished_items()
    if not finished or batch.zip_items == len(finished):
        return
    key = batch_archive.build_zip(settings, batch)
    store.batches.record_zip(batch.user_id, batch.batch_id, key, len(finished))


def fail(store: Store, settings: Settings, user_id: str, batch_id: str, error: CaughtError) -> dict[str, Any]:
    message = failure_message(error)
    batch = store.batches.find(user_id, batch_id)
    if batch is None:
        logger.warning("batch-fail for a batch that does not exist", extra={"job_id": batch_id, "reason": message})
        return {"status": "missing", "message": f"tts batch '{batch_id}' no longer exists"}
    if batch.active:
        try:
            batch = store.batches.transition(user_id, batch_id, JobStatus.FAILED, error_message=message, stage="failed")
        except InvalidTransition:
            batch = store.batches.get(user_id, batch_id)
    cancelled = batch.status == JobStatus.CANCELLED
    end_active_items(store, batch, JobStatus.CANCELLED if cancelled else JobStatus.FAILED, batch.error_message or message)
    batch = store.batches.get(user_id, batch_id)
    try:
        _zip(store, settings, batch)
    except Exception:  # the finished items stay downloadable one by one; download builds the zip again
        logger.exception("could not build the zip of a failed batch", extra={"job_id": batch_id})
    logger.info("batch ended", extra={"job_id": batch_id, "status": str(batch.status), "reason": message})
    return {"status": str(batch.status), "message": batch.error_message or message}


# --- sweeper -----------------------------------------------------------------------------------------


def purge(store: Store, settings: Settings, batch: TtsBatch) -> None:
    """A finished batch removed for good with every object under its prefix (items and zips)."""
    blobs.delete_prefix(settings.outputs_bucket, batch_prefix(batch.user_id, batch.batch_id))
    store.batches.purge(batch.user_id, batch.batch_id)
