"""The store: one object holding a repository per collection of one database."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.database import Database

from voiceclone.config import Settings, get_settings
from voiceclone.store.batches import BatchRepository
from voiceclone.store.api_keys import ApiKeyRepository
from voiceclone.store.client import get_database, resolve_mongo_uri
from voiceclone.store.engine_status import EngineStatusRepository
from voiceclone.store.jobs import TrainingJobRepository, TtsJobRepository
from voiceclone.store.samples import SampleRepository
from voiceclone.store.users import UserRepository
from voiceclone.store.voices import VoiceRepository


@dataclass(frozen=True)
class Store:
    database: Database
    samples: SampleRepository
    voices: VoiceRepository
    training: TrainingJobRepository
    tts: TtsJobRepository
    batches: BatchRepository
    users: UserRepository
    engine_status: EngineStatusRepository
    api_keys: ApiKeyRepository

    @classmethod
    def from_database(cls, database: Database) -> Store:
        return cls(
            database=database,
            samples=SampleRepository(database),
            voices=VoiceRepository(database),
            training=TrainingJobRepository(database),
            tts=TtsJobRepository(database),
            batches=BatchRepository(database),
            users=UserRepository(database),
            engine_status=EngineStatusRepository(database),
            api_keys=ApiKeyRepository(database),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        uri = resolve_mongo_uri(settings.mongo_uri, settings.mongo_uri_secret_arn)
        return cls.from_database(get_database(uri, settings.db_name, settings.mongo_timeout_ms))


def get_store(settings: Settings | None = None) -> Store:
    """The store for the current settings (client and indexes are created once per process)."""
    return Store.from_settings(settings or get_settings())
