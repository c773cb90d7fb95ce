"""Write-through persistence for moto's in-memory S3: an acknowledged write is on disk before its answer.

moto 5.2.5 keeps objects in memory (`S3Backend.buckets[name].keys`, a FakeKey per key with its bytes
in a SpooledTemporaryFile). Every change to a key goes through `S3Backend.put_object` (PUT, POST,
copy, multipart complete) or `S3Backend.delete_object` (DELETE, DeleteObjects); its tags through
`put_object_tagging`/`delete_object_tagging`. `install_change_hooks` wraps those (and bucket creation
and deletion) to note, per request thread, what the request touched. `WriteThrough.serve` runs a
request with such a change set and, once moto has answered but before the answer leaves (metadata and
tags are set after `put_object` returns, so only the finished request is complete), writes the
current state of every touched key to the DiskObjectStore (s3_disk: fsync'd, atomic). If that fails
the client gets a 500 InternalError, never an acknowledgement of a write that is not on disk.

`restore` loads the disk store back into moto at start, without notifications. Only changes through
the server's HTTP interface are recorded; direct backend calls (restore itself) are not.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from voiceclone.local.s3_disk import COPY_CHUNK, DiskObjectStore, StoredObject
from voiceclone.local.s3_errors import S3Refusal

logger = logging.getLogger(__name__)

LOCK_STRIPES = 64
DEFAULT_PARTITION = "aws"


@dataclass
class ChangeSet:
    """What one request touched: (backend, bucket, key) and (backend, bucket)."""

    keys: set[tuple[Any, str, str]] = field(default_factory=set)
    buckets: set[tuple[Any, str]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.keys or self.buckets)


_current = threading.local()


@contextmanager
def recording() -> Iterator[ChangeSet]:
    """Note the S3 changes made by this thread (one request) until the block ends."""
    previous = getattr(_current, "changes", None)
    changes = _current.changes = ChangeSet()
    try:
        yield changes
    finally:
        _current.changes = previous


def _note(kind: str, backend: Any, bucket: str, key: str | None = None) -> None:
    changes: ChangeSet | None = getattr(_current, "changes", None)
    if changes is None or not bucket:
        return
    if kind == "key" and key is not None:
        changes.keys.add((backend, bucket, key))
    else:
        changes.buckets.add((backend, bucket))


def _bucket_and_key(arguments: dict[str, Any]) -> tuple[str | None, str | None]:
    if "key" in arguments and hasattr(arguments["key"], "bucket_name"):  # put_object_tagging(key=FakeKey)
        return arguments["key"].bucket_name, arguments["key"].name
    return arguments.get("bucket_name"), arguments.get("key_name")


def _hooked(method: Callable[..., Any], kind: str) -> Callable[..., Any]:
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:  # noted even when it raised: writing the current state is always right
            if getattr(_current, "changes", None) is not None:
                bucket, key = _bucket_and_key(signature.bind_partial(self, *args, **kwargs).arguments)
                if bucket:
                    _note(kind, self, bucket, key)

    wrapper._voiceclone_change_hook = True  # type: ignore[attr-defined]
    return wrapper


HOOKED_METHODS = {
    "put_object": "key",
    "delete_object": "key",
    "put_object_tagging": "key",
    "delete_object_tagging": "key",
    "create_bucket": "bucket",
    "delete_bucket": "bucket",
}


def install_change_hooks() -> None:
    """Wrap moto's S3Backend methods that change keys or buckets (once per process)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import FakeKey, S3Backend

    probe = FakeKey(name="probe", value=b"", account_id=DEFAULT_ACCOUNT_ID, region_name="us-east-1")
    for attribute in ("_value_buffer", "contentsize", "lock", "_metadata"):
        if not hasattr(probe, attribute):
            raise RuntimeError(f"moto's FakeKey has no {attribute}: local S3 persistence is written for moto 5.2.x")
    probe.dispose()
    for name, kind in HOOKED_METHODS.items():
        method = getattr(S3Backend, name)
        if not getattr(method, "_voiceclone_change_hook", False):
            setattr(S3Backend, name, _hooked(method, kind))


class WriteThrough:
    """Makes each S3 request's changes durable in `disk` before the request is answered."""

    def __init__(self, disk: DiskObjectStore) -> None:
        self.disk = disk
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def serve(self, app: Callable[..., Iterable[bytes]], environ: dict[str, Any], start_response: Callable[..., Any]):
        """Call the WSGI `app`; the status and headers are held back until the changes are on disk."""
        held: list[tuple[Any, ...]] = []
        released = False

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            if released:
                return start_response(status, headers, exc_info)
            held[:] = [(status, headers, exc_info)]
            return _refuse_write

        with recording() as changes:
            body = app(environ, hold)
        if changes:
            try:
                self.apply(changes)
            except Exception:
                logger.exception("local S3: could not persist a change; answering 500")
                if hasattr(body, "close"):
                    body.close()
                return S3Refusal(500, "InternalError", "We encountered an internal error. Please try again.").respond(start_response)
        released = True
        if held:
            start_response(*held[0])
        return body

    def apply(self, changes: ChangeSet) -> None:
        for backend, bucket in sorted(changes.buckets, key=lambda item: item[1]):
            self._sync_bucket(backend, bucket)
        for backend, bucket, key in sorted(changes.keys, key=lambda item: (item[1], item[2])):
            self._sync_key(backend, bucket, key)

    def _sync_bucket(self, backend: Any, bucket_name: str) -> None:
        bucket = backend.buckets.get(bucket_name)
        if bucket is None:
            self.disk.delete_bucket(bucket_name)
        else:
            self.disk.put_bucket(bucket_name, {"account_id": backend.account_id, "region": bucket.region_name})

    def _sync_key(self, backend: Any, bucket_name: str, key_name: str) -> None:
        from moto.s3.models import FakeKey

        with self._locks[zlib.crc32(f"{bucket_name}/{key_name}".encode()) % LOCK_STRIPES]:
            bucket = backend.buckets.get(bucket_name)
            current = bucket.keys.get(key_name) if bucket is not None else None
            if not isinstance(current, FakeKey):  # gone, or a delete marker
                self.disk.delete(bucket_name, key_name)
                return
            if not self.disk.has_bucket(bucket_name):
                self._sync_bucket(backend, bucket_name)
            with current.lock:
                header = key_header(backend, current)
                buffer = current._value_buffer
                buffer.seek(0)
                self.disk.write(bucket_name, key_name, header, buffer, current.size)


def _refuse_write(data: bytes) -> None:
    raise RuntimeError("the local S3 answers through the response body, not write()")


def key_header(backend: Any, key: Any) -> dict[str, Any]:
    """What besides the bytes makes the object: ETag, metadata (Content-Type...), tags, checksums."""
    return {
        "etag": key.etag.strip('"'),
        "last_modified": key.last_modified.isoformat(),
        "metadata": dict(key.metadata),
        "storage_class": key.storage_class,
        "encryption": key.encryption,
        "kms_key_id": key.kms_key_id,
        "bucket_key_enabled": key.bucket_key_enabled,
        "website_redirect_location": key.website_redirect_location,
        "checksum": {
            "algorithm": key.checksum_algorithm,
            "value": key.checksum_value,
            "type": key.checksum_type,
            "parts": key.checksum_parts,
        },
        "tags": backend.tagger.get_tag_dict_for_resource(key.arn),
    }


# -- start ---------------------------------------------------------------------------------------
@dataclass
class RestoreReport:
    restored: int = 0
    dropped: int = 0  # keys moto held in memory that the disk does not have (an in-process restart)
    leftovers: int = 0  # temporary files of interrupted writes, removed


def restore(disk: DiskObjectStore, also_authoritative: Iterable[str] = ()) -> RestoreReport:
    """Make moto's buckets hold exactly what `disk` holds: every bucket on disk, and the buckets in
    `also_authoritative` (emptied when the disk has none of them)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    report = RestoreReport(leftovers=disk.remove_leftovers())
    on_disk = disk.buckets()
    for name in sorted(set(on_disk) | set(also_authoritative)):
        attributes = on_disk.get(name, {})
        backend = s3_backends[attributes.get("account_id", DEFAULT_ACCOUNT_ID)][DEFAULT_PARTITION]
        bucket = backend.buckets.get(name)
        if bucket is None:
            if name not in on_disk:
                continue
            bucket = backend.create_bucket(name, attributes.get("region", "us-east-1"))
        loaded = set()
        for stored in disk.objects(name):
            _load(backend, stored)
            loaded.add(stored.key)
            report.restored += 1
        for key_name in [key for key in bucket.keys if key not in loaded]:
            bucket.keys.pop(key_name)
            report.dropped += 1
    return report


def _load(backend: Any, stored: StoredObject) -> None:
    header = stored.header
    checksum = header.get("checksum") or {}
    key = backend.put_object(
        stored.bucket,
        stored.key,
        b"",
        storage=header.get("storage_class"),
        etag=header.get("etag"),
        encryption=header.get("encryption"),
        kms_key_id=header.get("kms_key_id"),
        bucket_key_enabled=header.get("bucket_key_enabled"),
        checksum_value=checksum.get("value"),
        disable_notification=True,
    )
    with key.lock, stored.open_data() as source:
        buffer = key._value_buffer
        buffer.seek(0)
        buffer.truncate()
        while chunk := source.read(COPY_CHUNK):
            buffer.write(chunk)
        key.contentsize = stored.size
    key.set_metadata(dict(header.get("metadata") or {}))
    if header.get("last_modified"):
        key.last_modified = datetime.fromisoformat(header["last_modified"])
    key.website_redirect_location = header.get("website_redirect_location")
    key.checksum_algorithm = checksum.get("algorithm")
    key.checksum_type = checksum.get("type")
    key.checksum_parts = checksum.get("parts")
    if header.get("tags"):
        backend.tagger.tag_resource(key.arn, [{"Key": k, "Value": v} for k, v in header["tags"].items()])
