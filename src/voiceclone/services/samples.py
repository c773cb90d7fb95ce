"""Samples: register an upload (record + presigned POST), list, read, delete (object too)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.errors import Conflict, InvalidInput, PayloadTooLarge
from voiceclone.domain.ids import SAMPLE_PREFIX, new_id
from voiceclone.domain.languages import Language
from voiceclone.domain.readiness import rejudged_fields
from voiceclone.domain.samples import ACCEPTED_CONTENT_TYPES, AUDIO_CONTENT_TYPES, SampleStatus, VoiceSample
from voiceclone.services.views.base import Page, page_of
from voiceclone.services.views.samples import CreatedSample, SampleView, UploadForm
from voiceclone.store import Store
from voiceclone.store.jobs import JobRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.samples import SampleRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.users import UserRepository  # noqa: F401  a repository used here: loads with the module


class CreateSampleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, examples=["Reading, living room"])
    filename: str | None = Field(default=None, max_length=255, examples=["reading.wav"])
    content_type: str | None = Field(default=None, max_length=100, examples=["audio/wav"])
    size_bytes: int | None = Field(default=None, gt=0, strict=True, description="size of the file to upload, if known")
    transcript: str | None = Field(default=None, max_length=10_000)
    language: Language | None = Field(default=None, examples=["en"])

    @field_validator("content_type")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else value


class UpdateSampleRequest(BaseModel):
    """What the user says about a recording; a field left out stays, null clears it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"minProperties": 1})

    transcript: str | None = Field(default=None, max_length=10_000, examples=["Hello there."])
    language: Language | None = Field(default=None, examples=["cs"])

    @model_validator(mode="after")
    def _something(self) -> UpdateSampleRequest:
        if not self.model_fields_set:
            raise ValueError("give transcript and/or language")
        return self


def _content_type(request: CreateSampleRequest, filename: str) -> str:
    if request.content_type:
        if request.content_type not in ACCEPTED_CONTENT_TYPES:
            accepted = ", ".join(sorted(ACCEPTED_CONTENT_TYPES))
            raise InvalidInput(f"content_type '{request.content_type}' is not accepted; use one of: {accepted}")
        return request.content_type
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in AUDIO_CONTENT_TYPES:
        raise InvalidInput(
            f"cannot tell the audio type of '{filename}': give content_type or a file name ending in "
            + ", ".join(f".{ext}" for ext in AUDIO_CONTENT_TYPES)
        )
    return AUDIO_CONTENT_TYPES[extension]


def create_sample(store: Store, settings: Settings, user_id: str, request: CreateSampleRequest) -> CreatedSample:
    """Record the sample (`uploading`) and return it with the presigned POST to upload the file."""
    if request.size_bytes is not None and request.size_bytes > settings.upload_max_bytes:
        raise PayloadTooLarge(f"size_bytes {request.size_bytes} exceeds the upload limit of {settings.upload_max_bytes} bytes")
    filename = blobs.safe_filename(request.filename or request.name)
    content_type = _content_type(request, filename)
    if "." not in filename:
        extension = next((ext for ext, ctype in AUDIO_CONTENT_TYPES.items() if ctype == content_type), "audio")
        filename = f"{filename}.{extension}"
    store.users.get_or_create(user_id, settings.default_plan)
    sample_id = new_id(SAMPLE_PREFIX)
    sample = store.samples.create(
        VoiceSample(
            sample_id=sample_id,
            user_id=user_id,
            name=request.name,
            filename=filename,
            content_type=content_type,
            s3_key=blobs.raw_sample_key(user_id, sample_id, filename),
            transcript=request.transcript,
            language=request.language,
            size_bytes=request.size_bytes,
        )
    )
    upload = blobs.presign_upload(settings, sample.s3_key, content_type)
    return CreatedSample(
        sample=SampleView.of(sample),
        upload=UploadForm(**upload, max_bytes=settings.upload_max_bytes, expires_in=settings.upload_url_expiry_s),
    )


def update_sample(store: Store, user_id: str, sample_id: str, request: UpdateSampleRequest) -> SampleView:
    """Set transcript/language; a ready sample's words per minute and verdict are judged again."""
    sample = store.samples.get(user_id, sample_id)
    fields: dict[str, Any] = {}
    if "transcript" in request.model_fields_set:
        fields["transcript"] = request.transcript or None
    if "language" in request.model_fields_set:
        fields["language"] = request.language
    if "transcript" in fields:
        fields.update(rejudged_fields(sample, fields["transcript"]))
    return SampleView.of(store.samples.update_text(user_id, sample_id, fields))


def list_samples(
    store: Store, user_id: str, limit: int, cursor: str | None, status: SampleStatus | None = None
) -> Page[SampleView]:
    return page_of(SampleView, store.samples.list(user_id, limit=limit, cursor=cursor, status=status and str(status)))


def get_sample(store: Store, user_id: str, sample_id: str) -> SampleView:
    return SampleView.of(store.samples.get(user_id, sample_id))


def delete_sample(store: Store, settings: Settings, user_id: str, sample_id: str) -> None:
    """Delete the record and its S3 object; refused (409) while a training job still uses the sample."""
    store.samples.get(user_id, sample_id)
    if store.training.count_active_using_sample(user_id, sample_id):
        raise Conflict(f"sample '{sample_id}' is used by a pending or running training job; cancel it or wait")
    sample = store.samples.delete(user_id, sample_id)
    blobs.delete_object(settings.samples_bucket, sample.s3_key)
