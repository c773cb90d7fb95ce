"""Batch TTS: up to 100 texts in one request, one orchestration, one charge.

create: every item resolved (voice, engine, language, format) and checked as a single job would be,
the batch admitted as one job of the user's `concurrent_jobs`, all characters charged in one
conditional update (refused before anything starts), then the batch's workflow started. get / list /
cancel / download_url read or act on the caller's batches only (another user's is a 404).
`end_item` is the one place an item fails or is cancelled: its characters are refunded exactly once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.batch import (
    BATCH_PREFIX,
    MAX_BATCH_ITEMS,
    BatchItem,
    TtsBatch,
    item_output_key,
    refund_part_id,
)
from voiceclone.domain.errors import Conflict, InvalidInput, LimitExceeded, QuotaExceeded
from voiceclone.domain.ids import new_id
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.pricing import estimate_tts
from voiceclone.domain.text import speakable_text
from voiceclone.domain.timeutil import month_key, utcnow
from voiceclone.domain.tts import OutputFormat, VoiceSettings
from voiceclone.services import engines as engine_registry
from voiceclone.services import quotas
from voiceclone.services.batch_views import BatchCounts, BatchItemView, BatchSummaryView, BatchView
from voiceclone.services.launch import cancel, launch
from voiceclone.services.tts import MAX_TEXT_CHARACTERS, GenerateRequest, _speaker
from voiceclone.services.views.base import Page
from voiceclone.services.views.engines import EngineView
from voiceclone.store import Store
from voiceclone.store.batches import BatchRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.users import UserRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.workflows import batch_archive

CANCELLED_MESSAGE = "cancelled by the user"

# A language code's shape ("en", "zh-cn"). Whether the item's engine speaks it is the engine's call when
# the item is spoken: an unsupported one fails that item alone (refunded), not the whole batch.
ItemLanguage = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
]


class BatchItemRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARACTERS, examples=["Welcome back."])
    voice_model_id: str | None = Field(default=None, min_length=1, max_length=100)
    language: ItemLanguage | None = None
    output_format: OutputFormat | None = None
    voice_settings: VoiceSettings | None = None

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str) -> str:
        return speakable_text(value)


class BatchRequest(BaseModel):
    """Items, and the defaults for what an item leaves out."""

    model_config = ConfigDict(extra="forbid")

    items: list[BatchItemRequest] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)
    voice_model_id: str | None = Field(default=None, min_length=1, max_length=100)
    language: ItemLanguage | None = None
    output_format: OutputFormat = OutputFormat.MP3
    voice_settings: VoiceSettings = Field(default_factory=VoiceSettings)

    @model_validator(mode="after")
    def _every_item_has_a_voice(self) -> BatchRequest:
        if self.voice_model_id is None:
            missing = [str(i) for i, item in enumerate(self.items) if item.voice_model_id is None]
            if missing:
                raise ValueError(f"items {', '.join(missing[:10])} have no voice_model_id and the batch gives no default")
        return self


def _resolve_items(store: Store, settings: Settings, user_id: str, request: BatchRequest) -> list[BatchItem]:
    """Each item with its voice, engine, language and format fixed; 4xx as a single job would get."""
    limits = quotas.limits_of(store, user_id, settings.default_plan)
    speakers: dict[str, tuple[EngineView, str, str]] = {}
    items = []
    for index, wanted in enumerate(request.items):
        voice_model_id = wanted.voice_model_id or request.voice_model_id or ""
        if voice_model_id not in speakers:  # one lookup per voice, however many items it speaks
            request_like = GenerateRequest.model_construct(text=wanted.text, voice_model_id=voice_model_id)
            speakers[voice_model_id] = _speaker(store, settings, user_id, request_like)
        engine, voice_id, voice_language = speakers[voice_model_id]
        output_format = wanted.output_format or request.output_format
        characters = len(wanted.text)
        try:
            quotas.check_text_length(characters, limits)
        except LimitExceeded as problem:
            raise LimitExceeded(problem.limit, problem.allowed, f"items[{index}]: text has {characters} characters") from None
        try:
            engine_registry.check_request_fits(engine, characters, output_format)
        except InvalidInput as problem:
            raise InvalidInput(f"items[{index}]: {problem.message}") from None
        items.append(
            BatchItem(
                index=index,
                text=wanted.text,
                characters=characters,
                voice_model_id=voice_id,
                engine=engine.model_type,
                language=wanted.language or request.language or voice_language,
                output_format=output_format,
                voice_settings=wanted.voice_settings or request.voice_settings,
            )
        )
    return items


def create(store: Store, settings: Settings, user_id: str, request: BatchRequest) -> BatchView:
    limits = quotas.limits_of(store, user_id, settings.default_plan)
    batch_id = new_id(BATCH_PREFIX)
    items = _resolve_items(store, settings, user_id, request)
    quotas.check_concurrent_jobs(store, user_id, limits)
    characters = sum(item.characters for item in items)
    cost = sum(estimate_tts(item.engine, item.characters, item.voice_settings.speed).cost_usd for item in items)
    month = month_key()
    store.batches.create(
        TtsBatch(
            batch_id=batch_id,
            user_id=user_id,
            items=items,
            characters=characters,
            estimated_cost_usd=round(cost, 6),
            deadline_at=utcnow() + timedelta(seconds=settings.tts_batch_deadline_s),
        ),
        admitting=True,
    )
    try:
        quotas.admit_job(store, store.batches, user_id, batch_id, limits)
        # One conditional update for the whole batch: concurrent requests cannot overshoot the month.
        store.users.charge_characters(user_id, batch_id, characters, limits.monthly_characters, month)
    except QuotaExceeded:
        store.batches.discard(user_id, batch_id)
        raise

    def not_started(message: str) -> None:
        end_active_items(store, store.batches.get(user_id, batch_id), JobStatus.FAILED, message)

    batch = launch(store.batches, settings.tts_batch_state_machine_arn, user_id, batch_id, not_started)
    return view_of(settings, store.batches.get(user_id, batch.batch_id))


def end_item(store: Store, batch: TtsBatch, index: int, status: JobStatus, message: str) -> bool:
    """Fail or cancel one active item and refund its characters (once: only the call that ended it)."""
    if not store.batches.end_item(batch.user_id, batch.batch_id, index, status, message):
        return False
    item = batch.items[index]
    store.users.refund_part(
        batch.user_id, batch.batch_id, refund_part_id(batch.batch_id, index), item.characters, month_key(batch.created_at)
    )
    return True


def end_active_items(store: Store, batch: TtsBatch, status: JobStatus, message: str) -> int:
    """Every item still pending or processing ends with `status` and `message`; how many did now."""
    return sum(end_item(store, batch, item.index, status, message) for item in batch.items if item.active)


def get(store: Store, settings: Settings, user_id: str, batch_id: str) -> BatchView:
    return view_of(settings, store.batches.get(user_id, batch_id))


def list_batches(store: Store, user_id: str, limit: int, cursor: str | None, status: JobStatus | None) -> Page[BatchSummaryView]:
    page = store.batches.list(user_id, limit=limit, cursor=cursor, status=status and str(status))
    return Page[BatchSummaryView](items=[summary_of(batch) for batch in page.items], next_cursor=page.next_cursor)


def cancel_batch(store: Store, settings: Settings, user_id: str, batch_id: str) -> BatchView:
    """The batch cancelled (409 once it ended); items not yet spoken cancelled and refunded, finished
    ones kept (and downloadable)."""
    batch = cancel(store.batches, user_id, batch_id)
    end_active_items(store, batch, JobStatus.CANCELLED, CANCELLED_MESSAGE)
    return view_of(settings, store.batches.get(user_id, batch_id))


def download_url(store: Store, settings: Settings, user_id: str, batch_id: str) -> str:
    """A presigned link to a zip of every completed item; 409 while none is completed. The zip built at
    the end is reused; while items are still finishing, one is built for what is finished now."""
    batch = store.batches.get(user_id, batch_id)
    finished = batch.finished_items()
    if not finished:
        raise Conflict(f"tts batch '{batch_id}' has no completed item yet ({batch.status}); nothing to download")
    key = batch.zip_key
    if key is None or batch.zip_items != len(finished):
        key = batch_archive.build_zip(settings, batch)
        store.batches.record_zip(user_id, batch_id, key, len(finished))
    return blobs.presign_download(settings, settings.outputs_bucket, key, filename=f"{batch_id}.zip")


def summary_of(batch: TtsBatch) -> BatchSummaryView:
    derived = {"item_count", "counts"}
    fields = {name: getattr(batch, name) for name in BatchSummaryView.model_fields if name not in derived}
    return BatchSummaryView(**fields, item_count=len(batch.items), counts=BatchCounts(**batch.counts()))


def view_of(settings: Settings, batch: TtsBatch) -> BatchView:
    items = [BatchItemView.of(item, download_url=_item_url(settings, batch, item)) for item in batch.items]
    summary = summary_of(batch)
    return BatchView(**summary.model_dump(), items=items, zip_available=bool(batch.finished_items()))


def _item_url(settings: Settings, batch: TtsBatch, item: BatchItem) -> str | None:
    if item.status != JobStatus.COMPLETED or not item.output_key:
        return None
    filename = f"{batch.batch_id}-{item.index:03d}.{item.output_format}"
    return blobs.presign_download(settings, settings.outputs_bucket, item.output_key, filename=filename)


def output_key_of(batch: TtsBatch, item: BatchItem) -> str:
    return item_output_key(batch.user_id, batch.batch_id, item.index, str(item.output_format))
