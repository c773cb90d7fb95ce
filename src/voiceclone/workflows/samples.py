"""The samples' orchestration steps the audio Lambdas run: analyse an uploaded sample, prepare a
sample's training clips (voiceclone.audio does the signal processing).

Objects are fetched to a temporary file (bounded memory for long recordings), S3 goes through the
client of `voiceclone.blobs`, the sample record through `voiceclone.store`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, model_validator

from voiceclone import blobs
from voiceclone.audio.analysis import analyze
from voiceclone.audio.codecs import encode, open_audio
from voiceclone.audio.enhancement import XTTS_TRAINING_RATE, Enhancement, EnhanceOptions
from voiceclone.audio.errors import AudioError, NotAudio
from voiceclone.audio.limits import AudioLimits
from voiceclone.config import Settings
from voiceclone.domain.errors import InvalidTransition, NotFound
from voiceclone.domain.samples import SampleStatus
from voiceclone.store import Store
from voiceclone.workflows.errors import JobNotRunnable

logger = Logger(service="voiceclone")


def limits_from(settings: Settings) -> AudioLimits:
    return AudioLimits(max_bytes=settings.upload_max_bytes, max_duration_s=settings.audio_max_duration_s)


@contextmanager
def fetched(bucket: str, key: str) -> Iterator[BinaryIO]:
    """The object in a temporary file, rewound."""
    with tempfile.TemporaryFile(prefix="voiceclone-audio-") as file:
        blobs.s3_client().download_fileobj(bucket, key, file)
        file.seek(0)
        yield file


# --- analyze-sample ---------------------------------------------------------------------------


class S3ObjectRef(BaseModel):
    bucket: str
    key: str  # already URL-decoded


def objects_in_event(event: dict[str, Any]) -> list[S3ObjectRef]:
    """The (bucket, key) pairs of an S3 notification; keys arrive URL-encoded."""
    from urllib.parse import unquote_plus

    refs = []
    for record in event.get("Records", []):
        s3 = record.get("s3", {})
        bucket, key = s3.get("bucket", {}).get("name"), s3.get("object", {}).get("key")
        if bucket and key:
            refs.append(S3ObjectRef(bucket=bucket, key=unquote_plus(key)))
    return refs


def analyze_uploaded_sample(store: Store, settings: Settings, ref: S3ObjectRef) -> str:
    """Analyse one uploaded raw sample; returns what happened ("ready", "rejected" or "skipped: ...").

    Ends every sample it starts on `ready` or `rejected`; a redelivered event for an analysed sample
    is skipped.
    """
    if ref.bucket != settings.samples_bucket:
        return f"skipped: bucket {ref.bucket} is not the samples bucket"
    try:
        user_id, sample_id, _ = blobs.parse_raw_sample_key(ref.key)
    except ValueError:
        return f"skipped: {ref.key} is not a raw sample key"
    try:
        sample = store.samples.get(user_id, sample_id)
    except NotFound:
        return f"skipped: sample {sample_id} no longer exists"
    if sample.s3_key != ref.key:
        return f"skipped: sample {sample_id} belongs to another key"
    if sample.status in (SampleStatus.READY, SampleStatus.REJECTED):
        return f"skipped: sample {sample_id} is already {sample.status}"
    try:
        store.samples.mark_analyzing(user_id, sample_id)
    except InvalidTransition:
        return f"skipped: sample {sample_id} was analysed meanwhile"
    status, fields = _analysis_outcome(settings, ref, sample.transcript)
    store.samples.mark_analyzed(user_id, sample_id, status=status, **fields)
    return str(status)


def _analysis_outcome(settings: Settings, ref: S3ObjectRef, transcript: str | None) -> tuple[SampleStatus, dict]:
    try:
        head = blobs.s3_client().head_object(Bucket=ref.bucket, Key=ref.key)
        size, content_type = int(head["ContentLength"]), head.get("ContentType", "")
        _check_upload(settings, size, content_type)
        with fetched(ref.bucket, ref.key) as file:
            report = analyze(file, transcript, limits=limits_from(settings))
    except AudioError as error:
        return SampleStatus.REJECTED, {"reasons": [error.message], "suitable_for_training": False}
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        reason = "the uploaded file is gone: upload it again" if code in ("404", "NoSuchKey") else (
            f"the uploaded file could not be read ({code}): upload it again"
        )
        logger.warning("sample object unreadable", extra={"key": ref.key, "code": code})
        return SampleStatus.REJECTED, {"reasons": [reason], "suitable_for_training": False}
    except Exception as error:  # never leave a sample analyzing; the log keeps the detail
        logger.exception("sample analysis failed", extra={"key": ref.key})
        reason = f"analysis failed ({type(error).__name__}): upload the file again; if it keeps failing, contact us"
        return SampleStatus.REJECTED, {"reasons": [reason], "suitable_for_training": False}
    return SampleStatus.READY, {
        "quality": report.sample_quality(),
        "reasons": report.verdict.reasons,
        "metadata": report.sample_metadata(),
        "suitable_for_training": report.verdict.suitable_for_training,
    }


def _check_upload(settings: Settings, size: int, content_type: str) -> None:
    """What the presigned POST policy enforces (S3 in AWS, the local S3 layer locally), checked again."""
    if size == 0:
        raise NotAudio("the file is empty: upload the recording again")
    limits_from(settings).check_size(size)
    if not content_type.lower().startswith("audio/"):
        raise NotAudio(f"uploaded as {content_type or 'no content type'}, not audio: upload an audio file")


# --- enhance-sample ---------------------------------------------------------------------------


class SampleItem(BaseModel):
    sample_id: str
    key: str
    transcript: str | None = None
    language: str | None = None


class EnhanceSampleEvent(BaseModel):
    """One Map item: `{"job_id", "user_id", "sample": {...}}` (the sample's fields may also be flat)."""

    model_config = ConfigDict(extra="ignore")

    job_id: str
    user_id: str
    sample: SampleItem

    @model_validator(mode="before")
    @classmethod
    def _fold_flat_sample(cls, data: Any) -> Any:
        if isinstance(data, dict) and "sample" not in data and "sample_id" in data:
            return {**data, "sample": {k: data.get(k) for k in SampleItem.model_fields if k in data}}
        return data


def prepare_sample_clips(settings: Settings, event: EnhanceSampleEvent) -> dict[str, Any]:
    """Enhance one raw sample into 22.05 kHz clips of at most 11 s under prepared/...; returns their keys.

    Raises JobNotRunnable (a user-facing message for the failed job) when the sample cannot be used.
    """
    sample = event.sample
    if not sample.key.startswith(f"raw/{event.user_id}/"):
        raise JobNotRunnable(f"sample '{sample.sample_id}' does not belong to this user")
    try:
        with fetched(settings.samples_bucket, sample.key) as file, open_audio(file, limits_from(settings)) as audio:
            enhancement = Enhancement(audio, EnhanceOptions(sample_rate=XTTS_TRAINING_RATE), sample.transcript)
            clips = [
                _store_clip(settings, event, index, clip, sample.language)
                for index, clip in enumerate(enhancement.clips())
            ]
            summary = enhancement.summary
    except AudioError as error:
        raise JobNotRunnable(f"sample '{sample.sample_id}' cannot be used for training: {error.message}") from error
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchKey"):
            raise JobNotRunnable(f"sample '{sample.sample_id}' file is gone: upload it again") from error
        raise
    return {
        "sample_id": sample.sample_id,
        "clips": clips,
        "sample_rate": summary.sample_rate,
        "speech_s": round(summary.speech_s, 2),
        "clips_denoised": summary.clips_denoised,
    }


def _store_clip(settings: Settings, event: EnhanceSampleEvent, index: int, clip, language: str | None) -> dict:
    key = blobs.prepared_clip_key(event.user_id, event.job_id, event.sample.sample_id, index)
    body = encode(clip.samples, clip.sample_rate, "wav")
    blobs.s3_client().put_object(Bucket=settings.samples_bucket, Key=key, Body=body, ContentType="audio/wav")
    return {
        "key": key,
        "duration_s": round(clip.duration_s, 3),
        "transcript": clip.transcript,
        "language": language,
    }

