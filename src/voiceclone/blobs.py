"""S3 key layout and presigned URLs (the only module of the API path that talks to S3).

Buckets (names from settings): samples, models, outputs.
- samples: raw/{user_id}/{sample_id}/{filename}   (ObjectCreated on raw/ drives analyze-sample)
           prepared/{user_id}/{job_id}/{sample_id}/clip_{i:03d}.wav
- models:  base/{engine}/...   voices/{user_id}/{voice_id}/...   checkpoints/{user_id}/{job_id}/...
- outputs: tts/{user_id}/{job_id}.{ext}
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from voiceclone.config import Settings

_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(filename: str) -> str:
    """A file name safe inside an S3 key: no path, only [A-Za-z0-9._-]."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_FILENAME.sub("_", base).strip("._") or "audio"
    return cleaned[:120]


def raw_sample_key(user_id: str, sample_id: str, filename: str) -> str:
    return f"raw/{user_id}/{sample_id}/{safe_filename(filename)}"


def parse_raw_sample_key(key: str) -> tuple[str, str, str]:
    """(user_id, sample_id, filename) of a raw sample key; S3 event keys arrive URL-encoded."""
    parts = unquote_plus(key).split("/")
    if len(parts) != 4 or parts[0] != "raw":
        raise ValueError(f"not a raw sample key: {key!r}")
    return parts[1], parts[2], parts[3]


def prepared_clip_key(user_id: str, job_id: str, sample_id: str, index: int) -> str:
    return f"prepared/{user_id}/{job_id}/{sample_id}/clip_{index:03d}.wav"


def prepared_prefix(user_id: str, job_id: str) -> str:
    return f"prepared/{user_id}/{job_id}/"


def base_model_prefix(engine: str) -> str:
    return f"base/{engine}/"


def voice_prefix(user_id: str, voice_id: str) -> str:
    return f"voices/{user_id}/{voice_id}/"


def checkpoint_prefix(user_id: str, job_id: str) -> str:
    return f"checkpoints/{user_id}/{job_id}/"


def tts_output_key(user_id: str, job_id: str, ext: str) -> str:
    return f"tts/{user_id}/{job_id}.{ext}"


def tts_timestamps_key(user_id: str, job_id: str) -> str:
    """The sentence times of a result, next to its audio."""
    return f"tts/{user_id}/{job_id}.timestamps.json"


def tts_subtitles_key(user_id: str, job_id: str) -> str:
    return f"tts/{user_id}/{job_id}.vtt"


def parse_tts_output_key(key: str) -> tuple[str, str]:
    """(user_id, job_id) of a TTS output key (URL-encoded or not)."""
    parts = unquote_plus(key).split("/")
    if len(parts) != 3 or parts[0] != "tts" or "." not in parts[2]:
        raise ValueError(f"not a tts output key: {key!r}")
    return parts[1], parts[2].rsplit(".", 1)[0]


@lru_cache(maxsize=8)
def _client(endpoint_url: str | None):
    # boto3 is imported on first use: read-only requests never pay its ~0.3 s import.
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint_url, config=Config(signature_version="s3v4"))


def s3_client():
    """S3 client for the current environment (AWS_ENDPOINT_URL points it at moto locally)."""
    return _client(os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"))


def _presigning_client(settings: Settings):
    return _client(settings.s3_public_endpoint_url) if settings.s3_public_endpoint_url else s3_client()


def presign_upload(
    settings: Settings, key: str, content_type: str, max_bytes: int | None = None
) -> dict[str, Any]:
    """Presigned POST into the samples bucket: {"url", "fields"}; the policy caps size and fixes the type."""
    max_bytes = max_bytes or settings.upload_max_bytes
    return _presigning_client(settings).generate_presigned_post(
        Bucket=settings.samples_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            ["content-length-range", 1, max_bytes],
            {"Content-Type": content_type},
            ["starts-with", "$Content-Type", "audio/"],
        ],
        ExpiresIn=settings.upload_url_expiry_s,
    )


def presign_download(
    settings: Settings, bucket: str, key: str, filename: str | None = None, expires_in: int | None = None
) -> str:
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{safe_filename(filename)}"'
    return _presigning_client(settings).generate_presigned_url(
        "get_object", Params=params, ExpiresIn=expires_in or settings.download_url_expiry_s
    )


def read_object(bucket: str, key: str) -> bytes | None:
    """The object's bytes; None when it does not exist."""
    from botocore.exceptions import ClientError

    try:
        return bytes(s3_client().get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def object_exists(bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3_client().head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise


def delete_object(bucket: str, key: str) -> None:
    s3_client().delete_object(Bucket=bucket, Key=key)


def delete_prefix(bucket: str, prefix: str) -> int:
    """Delete every object under `prefix`; returns how many were deleted."""
    client = s3_client()
    deleted = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted
