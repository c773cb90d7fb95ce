"""One MongoClient per process (per URI), reused across Lambda invocations."""

from __future__ import annotations

import threading

from pymongo import MongoClient
from pymongo.database import Database

from voiceclone.store.indexes import ensure_indexes

_lock = threading.Lock()
_clients: dict[str, MongoClient] = {}
_indexed: set[tuple[str, str]] = set()


def get_client(uri: str, timeout_ms: int = 5000) -> MongoClient:
    with _lock:
        client = _clients.get(uri)
        if client is None:
            client = MongoClient(
                uri, tz_aware=True, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms, appname="voiceclone"
            )
            _clients[uri] = client
        return client


def resolve_mongo_uri(mongo_uri: str, secret_arn: str = "") -> str:
    """The connection string: read from Secrets Manager when a secret is configured (in AWS the functions
    get the secret's ARN, never the string), else `mongo_uri`. Cached for 5 minutes per process."""
    if not secret_arn:
        return mongo_uri
    from aws_lambda_powertools.utilities.parameters import get_secret  # boto3 only where it is deployed

    return get_secret(secret_arn, max_age=300)


def get_database(uri: str, db_name: str, timeout_ms: int = 5000) -> Database:
    """The database, with its indexes ensured once per process."""
    database = get_client(uri, timeout_ms)[db_name]
    key = (uri, db_name)
    if key not in _indexed:
        ensure_indexes(database)
        with _lock:
            _indexed.add(key)
    return database
