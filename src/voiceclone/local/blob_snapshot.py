"""The local S3's former on-disk form, read once: before write-through (s3_durability), buckets were saved
only on a clean stop as `<dir>/manifest.json` (bucket -> key -> file, ETag, content type) plus one
file per object under `<dir>/<bucket>/`. `import_legacy_snapshot` copies such a snapshot into the
DiskObjectStore and then removes it, so an existing data folder keeps its objects.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from voiceclone.local.s3_disk import DiskObjectStore

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"


def import_legacy_snapshot(directory: Path, disk: DiskObjectStore) -> int:
    """Move a clean-stop snapshot in `directory` into `disk` (objects already there win); returns how many."""
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        return 0
    manifest: dict[str, dict[str, dict[str, str]]] = json.loads(manifest_path.read_text())
    imported = 0
    for bucket, entries in manifest.items():
        disk.put_bucket(bucket, {"region": "us-east-1"})
        existing = {stored.key for stored in disk.objects(bucket)}
        for key, entry in entries.items():
            path = directory / bucket / entry["file"]
            if key in existing or not path.is_file():
                continue
            header = {
                "etag": entry["etag"].strip('"'),
                "metadata": {"Content-Type": entry.get("content_type", "binary/octet-stream")},
            }
            with open(path, "rb") as data:
                disk.write(bucket, key, header, data, path.stat().st_size)
            imported += 1
    # Only once everything is in the new store: a crash before this point imports again.
    shutil.rmtree(directory)
    logger.info("local S3: imported %d objects of the former snapshot in %s", imported, directory)
    return imported
