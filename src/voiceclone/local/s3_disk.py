"""The local S3's objects on disk: one self-describing file per object, made durable before S3 answers.

Each write goes to a temporary file in the bucket's folder, is fsync'd, renamed over the object's file
and the folder is fsync'd: after a crash the file holds the old object or the new one, never half of
one. A delete unlinks the file and fsyncs the folder. Nothing here knows moto (see s3_durability).

Layout under the root folder:
- `<bucket>/.bucket`: the bucket exists (JSON: region);
- `<bucket>/<sha256 of the key>.obj`: MAGIC, the header length (8 bytes, big-endian), the header
  (JSON: key, size, etag, metadata, ...), then exactly `size` bytes of data;
- `.tmp-*` files: writes a crash interrupted; never read, removed at start;
- `.quarantine/`: files that failed the checks (should never happen), kept for a human to look at.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

MAGIC = b"VCS3OBJ1\n"
_LENGTH = struct.Struct(">Q")
BUCKET_MARKER = ".bucket"
TEMPORARY_PREFIX = ".tmp-"
QUARANTINE = ".quarantine"
OBJECT_SUFFIX = ".obj"
COPY_CHUNK = 1 << 20


class CorruptObjectFile(ValueError):
    """An object file that does not hold what its header says."""


@dataclass(frozen=True)
class StoredObject:
    """One object as found on disk; `open_data()` reads its bytes."""

    bucket: str
    key: str
    size: int
    header: dict[str, Any]
    path: Path
    data_offset: int

    def open_data(self) -> IO[bytes]:
        file = open(self.path, "rb")  # noqa: SIM115 - the caller closes it
        file.seek(self.data_offset)
        return file


def object_filename(key: str) -> str:
    """Keys may be 1024 bytes of anything: the file is named by the key's hash (the header holds the key)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest() + OBJECT_SUFFIX


def fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class DiskObjectStore:
    """Buckets and objects under `root`; every method returns only once the change is on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # -- buckets ---------------------------------------------------------------------------------
    def put_bucket(self, bucket: str, attributes: dict[str, Any]) -> None:
        folder = self._bucket_folder(bucket)
        if (folder / BUCKET_MARKER).exists():
            return
        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        if created:
            fsync_directory(folder.parent)
        self._write_atomically(folder, BUCKET_MARKER, json.dumps(attributes).encode(), None, 0)

    def delete_bucket(self, bucket: str) -> None:
        folder = self._bucket_folder(bucket)
        if folder.exists():
            shutil.rmtree(folder)
            fsync_directory(self.root)

    def has_bucket(self, bucket: str) -> bool:
        return (self._bucket_folder(bucket) / BUCKET_MARKER).is_file()

    def buckets(self) -> dict[str, dict[str, Any]]:
        """Bucket name -> attributes (from its marker; {} if a crash left objects before the marker)."""
        found: dict[str, dict[str, Any]] = {}
        if not self.root.is_dir():
            return found
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            marker = folder / BUCKET_MARKER
            found[folder.name] = json.loads(marker.read_text()) if marker.is_file() else {}
        return found

    # -- objects ---------------------------------------------------------------------------------
    def write(self, bucket: str, key: str, header: dict[str, Any], data: IO[bytes], size: int) -> None:
        """Store `size` bytes read from `data` (at its current position) as `bucket/key`, durably."""
        full_header = {**header, "key": key, "size": size}
        folder = self._bucket_folder(bucket)
        folder.mkdir(parents=True, exist_ok=True)
        encoded = json.dumps(full_header, separators=(",", ":")).encode()
        self._write_atomically(folder, object_filename(key), MAGIC + _LENGTH.pack(len(encoded)) + encoded, data, size)

    def delete(self, bucket: str, key: str) -> None:
        folder = self._bucket_folder(bucket)
        try:
            (folder / object_filename(key)).unlink()
        except FileNotFoundError:
            return
        fsync_directory(folder)

    def objects(self, bucket: str) -> Iterator[StoredObject]:
        """Every well-formed object of `bucket`; a malformed file is moved to quarantine and skipped."""
        folder = self._bucket_folder(bucket)
        if not folder.is_dir():
            return
        for path in sorted(folder.glob(f"*{OBJECT_SUFFIX}")):
            try:
                yield read_object(bucket, path)
            except (CorruptObjectFile, OSError, ValueError) as error:
                logger.error("local S3: %s is not a complete object (%s); moved to quarantine", path, error)
                self._quarantine(path)

    def remove_leftovers(self) -> int:
        """Delete the temporary files of writes a crash interrupted; returns how many."""
        removed = 0
        if not self.root.is_dir():
            return removed
        for path in self.root.glob(f"*/{TEMPORARY_PREFIX}*"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    # -- internals -------------------------------------------------------------------------------
    def _bucket_folder(self, bucket: str) -> Path:
        if not bucket or "/" in bucket or bucket.startswith("."):
            raise ValueError(f"not a bucket name: {bucket!r}")
        return self.root / bucket

    def _write_atomically(self, folder: Path, name: str, head: bytes, data: IO[bytes] | None, size: int) -> None:
        temporary = folder / f"{TEMPORARY_PREFIX}{uuid.uuid4().hex}"
        try:
            with open(temporary, "wb") as output:
                output.write(head)
                copied = _copy_exactly(data, output, size) if data is not None else 0
                if copied != size:
                    raise OSError(f"expected {size} bytes of data, got {copied}")
                output.flush()
                os.fsync(output.fileno())
            os.replace(temporary, folder / name)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        fsync_directory(folder)

    def _quarantine(self, path: Path) -> None:
        target = self.root / QUARANTINE / f"{path.parent.name}-{path.name}-{uuid.uuid4().hex[:8]}"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


def _copy_exactly(source: IO[bytes], target: IO[bytes], size: int) -> int:
    copied = 0
    while copied < size:
        chunk = source.read(min(COPY_CHUNK, size - copied))
        if not chunk:
            break
        target.write(chunk)
        copied += len(chunk)
    return copied


def read_object(bucket: str, path: Path) -> StoredObject:
    """Parse and check one object file: magic, header, and exactly `size` bytes of data after it."""
    with open(path, "rb") as file:
        if file.read(len(MAGIC)) != MAGIC:
            raise CorruptObjectFile("bad magic")
        length_bytes = file.read(_LENGTH.size)
        if len(length_bytes) != _LENGTH.size:
            raise CorruptObjectFile("truncated header length")
        (length,) = _LENGTH.unpack(length_bytes)
        encoded = file.read(length)
        if len(encoded) != length:
            raise CorruptObjectFile("truncated header")
        header = json.loads(encoded)
    key, size = header.get("key"), header.get("size")
    if not isinstance(key, str) or not isinstance(size, int) or size < 0:
        raise CorruptObjectFile("header lacks key or size")
    if object_filename(key) != path.name:
        raise CorruptObjectFile("file name does not match the key")
    data_offset = len(MAGIC) + _LENGTH.size + length
    if path.stat().st_size != data_offset + size:
        raise CorruptObjectFile(f"holds {path.stat().st_size - data_offset} bytes of data, header says {size}")
    return StoredObject(bucket=bucket, key=key, size=size, header=header, path=path, data_offset=data_offset)
