"""In AWS the functions get the MongoDB secret's ARN, never the connection string: the store reads the
string from Secrets Manager (moto here, through boto3) and reaches the database with it."""

from __future__ import annotations

import uuid

from voiceclone.config import Settings
from voiceclone.store import get_store
from voiceclone.store.client import resolve_mongo_uri


def test_the_store_connects_with_the_uri_held_in_secrets_manager(aws, mongo_uri: str, mongo_db) -> None:
    secret_arn = aws.client("secretsmanager").create_secret(
        Name=f"voiceclone/mongodb-uri-{uuid.uuid4().hex[:8]}", SecretString=mongo_uri
    )["ARN"]
    settings = Settings(
        mongo_uri="mongodb://wrong-host.invalid:1", mongo_uri_secret_arn=secret_arn, db_name=mongo_db.name,
        mongo_timeout_ms=2000,
    )

    assert resolve_mongo_uri(settings.mongo_uri, settings.mongo_uri_secret_arn) == mongo_uri
    store = get_store(settings)
    store.database["probe"].insert_one({"_id": "written-through-the-secret"})
    assert mongo_db["probe"].find_one({"_id": "written-through-the-secret"}) is not None


def test_without_a_secret_the_plain_uri_is_used() -> None:
    assert resolve_mongo_uri("mongodb://127.0.0.1:27017") == "mongodb://127.0.0.1:27017"
