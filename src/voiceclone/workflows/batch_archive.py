"""The zip of a batch's completed results: one file per item (`000.mp3`, ...) and `manifest.json`
(every item: index, text, voice, language, status, file or error). Stored beside the items in the
outputs bucket; audio is already compressed, so entries are stored, not deflated."""

from __future__ import annotations

import json
import tempfile
import zipfile
from typing import Any

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.batch import TtsBatch, item_file_name, zip_key

MANIFEST = "manifest.json"
SPOOL_BYTES = 64 * 1024 * 1024  # in memory up to this, then a temporary file


GONE = "the result has expired or was deleted"


def manifest(batch: TtsBatch, included: set[int]) -> dict[str, Any]:
    return {
        "batch_id": batch.batch_id,
        "status": str(batch.status),
        "items": [
            {
                "index": item.index,
                "text": item.text,
                "voice_model_id": item.voice_model_id,
                "language": item.language,
                "status": str(item.status),
                "file": item_file_name(item) if item.index in included else None,
                "duration_s": item.duration_s,
                "error_message": GONE if item.output_key and item.index not in included and not item.error_message
                else item.error_message,
            }
            for item in batch.items
        ],
    }


def build_zip(settings: Settings, batch: TtsBatch) -> str:
    """Writes the zip of the batch's completed items to the outputs bucket; returns its key."""
    from botocore.exceptions import ClientError

    s3 = blobs.s3_client()
    finished = batch.finished_items()
    included: set[int] = set()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
            for item in finished:
                try:
                    body = s3.get_object(Bucket=settings.outputs_bucket, Key=item.output_key)["Body"].read()
                except ClientError as error:  # an expired or deleted result: left out, the manifest says so
                    if error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404", "NotFound"):
                        raise
                    continue
                archive.writestr(item_file_name(item), body)
                included.add(item.index)
            archive.writestr(MANIFEST, json.dumps(manifest(batch, included), indent=2))
        spool.seek(0)
        key = zip_key(batch.user_id, batch.batch_id, len(finished))
        s3.upload_fileobj(spool, settings.outputs_bucket, key, ExtraArgs={"ContentType": "application/zip"})
    return key
