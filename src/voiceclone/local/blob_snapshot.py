"""Keeps the local S3 buckets across restarts: moto holds objects in memory, so they are saved to the
data folder on a clean stop and put back on start (before notifications are wired, so nothing re-fires).

Layout: `<dir>/<bucket>/<quoted key>` per object and `<dir>/manifest.json` with each key's file, ETag
and content type; only objects whose ETag changed are written again.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"


def _manifest(directory: Path) -> dict[str, dict[str, dict[str, str]]]:
    path = directory / MANIFEST
    return json.loads(path.read_text()) if path.exists() else {}


def save(s3_client: Any, buckets: list[str], directory: Path) -> int:
    """Write every object of `buckets` under `directory`; returns how many objects were (re)written."""
    previous = _manifest(directory)
    manifest: dict[str, dict[str, dict[str, str]]] = {}
    written = 0
    for bucket in buckets:
        saved = previous.get(bucket, {})
        current: dict[str, dict[str, str]] = {}
        folder = directory / bucket
        folder.mkdir(parents=True, exist_ok=True)
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                key, etag = item["Key"], item["ETag"]
                entry = saved.get(key)
                if entry and entry["etag"] == etag and (folder / entry["file"]).exists():
                    current[key] = entry
                    continue
                current[key] = _download(s3_client, bucket, key, etag, folder)
                written += 1
        for key, entry in saved.items():
            if key not in current:
                (folder / entry["file"]).unlink(missing_ok=True)
        manifest[bucket] = current
    temporary = directory / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest))
    temporary.replace(directory / MANIFEST)
    return written


def _download(s3_client: Any, bucket: str, key: str, etag: str, folder: Path) -> dict[str, str]:
    response = s3_client.get_object(Bucket=bucket, Key=key)
    filename = quote(key, safe="")
    with open(folder / filename, "wb") as output:
        output.writelines(response["Body"].iter_chunks(1 << 20))
    return {"file": filename, "etag": etag, "content_type": response.get("ContentType", "binary/octet-stream")}


def restore(s3_client: Any, directory: Path) -> int:
    """Put the saved objects back into their (existing) buckets; returns how many."""
    restored = 0
    for bucket, entries in _manifest(directory).items():
        for key, entry in entries.items():
            path = directory / bucket / entry["file"]
            if not path.exists():
                logger.warning("saved object %s/%s is missing from %s", bucket, key, path)
                continue
            with open(path, "rb") as body:
                s3_client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=entry["content_type"])
            restored += 1
    return restored
