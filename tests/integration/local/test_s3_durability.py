"""The local S3 writes every acknowledged change to disk before answering: PUT, presigned POST, copy,
multipart complete, tags, deletes. A `kill -9` in the middle of a burst of writes loses none that was
acknowledged and restores nothing half-written; a write the disk refuses is a 500, not an ack."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from voiceclone.local import s3_durability
from voiceclone.local.aws import start_moto_server
from voiceclone.local.blob_snapshot import import_legacy_snapshot
from voiceclone.local.s3_disk import TEMPORARY_PREFIX, DiskObjectStore, object_filename

SERVE_S3 = """
import sys, time
from pathlib import Path
from voiceclone.local import s3_durability
from voiceclone.local.aws import start_moto_server
server = start_moto_server(s3_data_dir=Path(sys.argv[1]))
s3_durability.restore(server.s3_disk)
print(server.endpoint_url, flush=True)
time.sleep(3600)
"""


@pytest.fixture
def durable(tmp_path, aws):
    server = start_moto_server(s3_data_dir=tmp_path / "s3")
    try:
        yield server
    finally:
        server.stop()


def bucket_name() -> str:
    return f"durable-{uuid.uuid4().hex[:10]}"


def on_disk(server, bucket: str) -> dict[str, dict]:
    disk = DiskObjectStore(server.s3_disk.root)
    found = {}
    for stored in disk.objects(bucket):
        with stored.open_data() as data:
            found[stored.key] = {**stored.header, "data": data.read()}
    return found


def test_every_kind_of_write_is_on_disk_when_it_is_acknowledged(durable):
    s3, bucket = durable.client("s3"), bucket_name()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="put.txt", Body=b"put", ContentType="text/plain", Metadata={"owner": "alice"},
                  Tagging="kind=put")
    assert on_disk(durable, bucket)["put.txt"]["data"] == b"put"

    post = s3.generate_presigned_post(Bucket=bucket, Key="raw/a/s/post.wav", Fields={"Content-Type": "audio/wav"},
                                      Conditions=[{"Content-Type": "audio/wav"}])
    assert httpx.post(post["url"], data=post["fields"], files={"file": ("post.wav", b"RIFFpost")}).status_code == 204
    s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "put.txt"})
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="multi.bin", ContentType="application/x-parts")["UploadId"]
    first = s3.upload_part(Bucket=bucket, Key="multi.bin", UploadId=upload_id, PartNumber=1, Body=b"a" * (5 << 20))
    second = s3.upload_part(Bucket=bucket, Key="multi.bin", UploadId=upload_id, PartNumber=2, Body=b"tail")
    assert "multi.bin" not in on_disk(durable, bucket)  # parts are not an object until completed
    s3.complete_multipart_upload(Bucket=bucket, Key="multi.bin", UploadId=upload_id, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": first["ETag"]}, {"PartNumber": 2, "ETag": second["ETag"]}]})

    saved = on_disk(durable, bucket)
    assert saved["raw/a/s/post.wav"]["data"] == b"RIFFpost"
    assert saved["raw/a/s/post.wav"]["metadata"]["content-type"] == "audio/wav"
    assert saved["put.txt"]["metadata"]["x-amz-meta-owner"] == "alice" and saved["put.txt"]["tags"] == {"kind": "put"}
    assert saved["copy.txt"]["data"] == b"put" and saved["copy.txt"]["tags"] == {"kind": "put"}
    assert saved["multi.bin"]["data"] == b"a" * (5 << 20) + b"tail"
    assert saved["multi.bin"]["etag"] == s3.head_object(Bucket=bucket, Key="multi.bin")["ETag"].strip('"')
    assert saved["multi.bin"]["etag"].endswith("-2")

    s3.put_object_tagging(Bucket=bucket, Key="put.txt", Tagging={"TagSet": [{"Key": "kind", "Value": "retagged"}]})
    assert on_disk(durable, bucket)["put.txt"]["tags"] == {"kind": "retagged"}
    s3.delete_object(Bucket=bucket, Key="put.txt")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "copy.txt"}, {"Key": "multi.bin"}]})
    assert sorted(on_disk(durable, bucket)) == ["raw/a/s/post.wav"]
    assert not list((durable.s3_disk.root / bucket).glob(f"{TEMPORARY_PREFIX}*"))


def test_restore_brings_back_bytes_etag_metadata_tags_and_drops_what_the_disk_lacks(durable):
    s3, bucket = durable.client("s3"), bucket_name()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="voices/u/v/conditioning.pt", Body=b"\x00latents\xff", ContentType="application/octet-stream",
                  Metadata={"engine": "xtts"}, Tagging="voice=v")
    before = s3.head_object(Bucket=bucket, Key="voices/u/v/conditioning.pt")
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    backend.buckets[bucket].keys.pop("voices/u/v/conditioning.pt")  # what a crash loses: moto's memory
    backend.put_object(bucket, "not-on-disk", b"x")  # straight into memory, not through HTTP: never on disk

    report = s3_durability.restore(durable.s3_disk)
    assert (report.restored, report.dropped) == (1, 1)
    after = s3.get_object(Bucket=bucket, Key="voices/u/v/conditioning.pt")
    assert after["Body"].read() == b"\x00latents\xff"
    for field in ("ETag", "ContentType", "Metadata", "LastModified", "ContentLength"):
        assert after[field] == before[field], field
    assert s3.get_object_tagging(Bucket=bucket, Key="voices/u/v/conditioning.pt")["TagSet"] == [{"Key": "voice", "Value": "v"}]
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["voices/u/v/conditioning.pt"]


def test_interrupted_writes_and_torn_files_are_never_restored_as_objects(durable):
    s3, bucket = durable.client("s3"), bucket_name()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="whole", Body=b"complete object")
    folder = durable.s3_disk.root / bucket
    (folder / f"{TEMPORARY_PREFIX}crashed").write_bytes(b"VCS3OBJ1\nhalf of a wri")  # a write cut by kill -9
    good = (folder / object_filename("whole")).read_bytes()
    (folder / object_filename("torn")).write_bytes(good.replace(b'"key":"whole"', b'"key":"torn"')[:-3])

    report = s3_durability.restore(durable.s3_disk)
    assert report.leftovers == 1 and report.restored == 1
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["whole"]
    assert not (folder / f"{TEMPORARY_PREFIX}crashed").exists()
    assert len(list((durable.s3_disk.root / ".quarantine").iterdir())) == 1  # kept for a human, not served


def test_a_write_the_disk_refuses_is_answered_500_not_acknowledged(durable, monkeypatch):
    s3, bucket = durable.client("s3"), bucket_name()
    s3.create_bucket(Bucket=bucket)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(durable.s3_disk, "write", disk_full)  # fault injection
    once = boto3.client("s3", endpoint_url=durable.endpoint_url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    with pytest.raises(ClientError) as refused:
        once.put_object(Bucket=bucket, Key="k", Body=b"data")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert refused.value.response["Error"]["Code"] == "InternalError"
    assert "k" not in on_disk(durable, bucket)


def test_concurrent_writes_to_one_key_leave_the_disk_equal_to_memory(durable):
    s3, bucket = durable.client("s3"), bucket_name()
    s3.create_bucket(Bucket=bucket)

    def writer(index: int) -> None:
        client = durable.client("s3")
        for round_ in range(5):
            client.put_object(Bucket=bucket, Key="contended", Body=f"writer {index} round {round_}".encode() * 1000)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    in_memory = s3.get_object(Bucket=bucket, Key="contended")
    saved = on_disk(durable, bucket)["contended"]
    assert saved["data"] == in_memory["Body"].read() and saved["etag"] == in_memory["ETag"].strip('"')


def test_kill_9_during_a_burst_of_writes_loses_no_acknowledged_object(tmp_path):
    data_dir = tmp_path / "s3"
    acknowledged: dict[str, bytes] = {}
    stop = threading.Event()
    with _serving(data_dir) as (process, endpoint):
        from voiceclone.local.aws import MotoServer

        server = MotoServer(server=None, endpoint_url=endpoint)
        bucket = bucket_name()
        server.client("s3").create_bucket(Bucket=bucket)

        def writer(index: int) -> None:
            client = server.client("s3")
            for number in range(10_000):
                if stop.is_set():
                    return
                key, body = f"w{index}/{number}", hashlib.sha256(f"{index}/{number}".encode()).digest() * 4096
                try:
                    client.put_object(Bucket=bucket, Key=key, Body=body)
                except (BotoCoreError, ClientError):  # the kill cut this one: not acknowledged
                    return
                acknowledged[key] = body

        threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        os.kill(process.pid, signal.SIGKILL)  # mid-burst, with writes in flight
        stop.set()
        for thread in threads:
            thread.join(10)
    assert len(acknowledged) > 20, "the burst wrote too little to prove anything"

    with _serving(data_dir) as (_, endpoint):
        client = MotoServer(server=None, endpoint_url=endpoint).client("s3")
        listed = {item["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                  for item in page.get("Contents", [])}
        assert set(acknowledged) <= listed
        for key in listed:  # at most the writes in flight are extra, and they are whole
            index, number = key[1:].split("/")
            expected = hashlib.sha256(f"{index}/{number}".encode()).digest() * 4096
            assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == expected, key
    assert len(listed) - len(acknowledged) <= len(threads)


class _serving:
    """The local S3 alone in a child process on `data_dir`, restored from it at start."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-c", SERVE_S3, str(self.data_dir)], stdout=subprocess.PIPE, text=True)
        endpoint = self.process.stdout.readline().strip()
        assert endpoint.startswith("http://"), endpoint
        return self.process, endpoint

    def __exit__(self, *exc_info) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def test_the_former_clean_stop_snapshot_is_imported_once(tmp_path):
    legacy = tmp_path / "s3"
    (legacy / "voiceclone-samples").mkdir(parents=True)
    (legacy / "voiceclone-samples" / "raw%2Fu%2Fs%2Fa.wav").write_bytes(b"RIFF-old")
    (legacy / "manifest.json").write_text(json.dumps({"voiceclone-samples": {
        "raw/u/s/a.wav": {"file": "raw%2Fu%2Fs%2Fa.wav", "etag": '"5f1"', "content_type": "audio/wav"}}}))
    disk = DiskObjectStore(tmp_path / "s3-objects")
    assert import_legacy_snapshot(legacy, disk) == 1
    assert not legacy.exists()
    (stored,) = disk.objects("voiceclone-samples")
    with stored.open_data() as data:
        assert (stored.key, data.read(), stored.header["metadata"]) == ("raw/u/s/a.wav", b"RIFF-old", {"Content-Type": "audio/wav"})
    assert import_legacy_snapshot(legacy, disk) == 0
