"""Shared fixtures: a real MongoDB-wire server (SecantusDB) and a real moto server, both over sockets.

- `mongo_uri`  session: SecantusDB on a temp dir (or `MONGO_URI` from the environment when set).
- `mongo_db`   a fresh, uniquely named database per test, dropped afterwards.
- `aws`        session: moto's ThreadedMotoServer on a free port, with Step Functions execution on;
               AWS_ENDPOINT_URL, region and fake credentials are set for the whole session.
- `settings`   voiceclone Settings for one test: its database, three fresh buckets (unique names),
               exported as VOICECLONE_* variables so handlers calling `get_settings()` see the same.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Tests never reach the Hugging Face hub; set before anything imports transformers.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

AWS_REGION = "us-east-1"


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("MONGO_URI")
    if external:
        yield external
        return
    from secantus import SecantusDBServer

    server = SecantusDBServer(
        host="127.0.0.1",
        port=0,
        storage_path=str(tmp_path_factory.mktemp("secantus")),
        durable=False,  # a throw-away test database: skip the journal and the fsyncs
    )
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mongo_client(mongo_uri: str):
    import pymongo

    client = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=10_000, tz_aware=True)
    yield client
    client.close()


@pytest.fixture
def mongo_db(mongo_client, request: pytest.FixtureRequest):
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)


@dataclass(frozen=True)
class AwsEndpoint:
    """The session's moto server: its URL and a boto3 client factory pointed at it."""

    endpoint_url: str
    region: str = AWS_REGION

    def client(self, service: str):
        import boto3

        return boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url)

    def create_bucket(self, name: str) -> str:
        self.client("s3").create_bucket(Bucket=name)
        return name

    def create_queue(self, name: str) -> str:
        return self.client("sqs").create_queue(QueueName=name)["QueueUrl"]


@pytest.fixture(scope="session")
def aws() -> Iterator[AwsEndpoint]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_DEFAULT_REGION", AWS_REGION)
        env.setenv("AWS_REGION", AWS_REGION)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_SESSION_TOKEN", "testing")
        env.delenv("AWS_PROFILE", raising=False)
        from voiceclone.local.aws import start_moto_server

        server = start_moto_server()
        env.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
        env.setenv("MOTO_PORT", str(server.port))
        try:
            yield AwsEndpoint(endpoint_url=server.endpoint_url)
        finally:
            server.stop()


def _settings_env(mongo_uri: str, db_name: str, buckets: dict[str, str]) -> dict[str, str]:
    return {
        "VOICECLONE_MONGO_URI": mongo_uri,
        "VOICECLONE_DB_NAME": db_name,
        "VOICECLONE_SAMPLES_BUCKET": buckets["samples"],
        "VOICECLONE_MODELS_BUCKET": buckets["models"],
        "VOICECLONE_OUTPUTS_BUCKET": buckets["outputs"],
    }


@pytest.fixture
def settings(mongo_uri: str, mongo_db, aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch):
    """Settings for this test's database and fresh buckets, also exported for `get_settings()`."""
    from voiceclone import config

    suffix = uuid.uuid4().hex[:10]
    buckets = {kind: aws.create_bucket(f"vc-{kind}-{suffix}") for kind in ("samples", "models", "outputs")}
    for name, value in _settings_env(mongo_uri, mongo_db.name, buckets).items():
        monkeypatch.setenv(name, value)
    config.get_settings.cache_clear()
    yield config.get_settings()
    config.get_settings.cache_clear()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
