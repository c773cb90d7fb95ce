"""The store: one object holding a repository per collection of one database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from pymongo.database import Database

from voiceclone.config import Settings, get_settings
from voiceclone.store.client import get_database, resolve_mongo_uri

if TYPE_CHECKING:
    from voiceclone.store.api_keys import ApiKeyRepository
    from voiceclone.store.batches import BatchRepository
    from voiceclone.store.engine_status import EngineStatusRepository
    from voiceclone.store.jobs import TrainingJobRepository, TtsJobRepository
    from voiceclone.store.samples import SampleRepository
    from voiceclone.store.users import UserRepository
    from voiceclone.store.voices import VoiceRepository


@dataclass(frozen=True)
class Store:
    """A repository's module (and its records' models) is imported where the repository is first asked
    for: an API handler imports the services of its own area, which import the repositories they use,
    and never loads the other areas' (the cold start)."""

    database: Database

    @cached_property
    def samples(self) -> SampleRepository:
        from voiceclone.store.samples import SampleRepository

        return SampleRepository(self.database)

    @cached_property
    def voices(self) -> VoiceRepository:
        from voiceclone.store.voices import VoiceRepository

        return VoiceRepository(self.database)

    @cached_property
    def training(self) -> TrainingJobRepository:
        from voiceclone.store.jobs import TrainingJobRepository

        return TrainingJobRepository(self.database)

    @cached_property
    def tts(self) -> TtsJobRepository:
        from voiceclone.store.jobs import TtsJobRepository

        return TtsJobRepository(self.database)

    @cached_property
    def batches(self) -> BatchRepository:
        from voiceclone.store.batches import BatchRepository

        return BatchRepository(self.database)

    @cached_property
    def users(self) -> UserRepository:
        from voiceclone.store.users import UserRepository

        return UserRepository(self.database)

    @cached_property
    def engine_status(self) -> EngineStatusRepository:
        from voiceclone.store.engine_status import EngineStatusRepository

        return EngineStatusRepository(self.database)

    @cached_property
    def api_keys(self) -> ApiKeyRepository:
        from voiceclone.store.api_keys import ApiKeyRepository

        return ApiKeyRepository(self.database)

    @classmethod
    def from_database(cls, database: Database) -> Store:
        return cls(database=database)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        uri = resolve_mongo_uri(settings.mongo_uri, settings.mongo_uri_secret_arn)
        return cls.from_database(get_database(uri, settings.db_name, settings.mongo_timeout_ms))


def get_store(settings: Settings | None = None) -> Store:
    """The store for the current settings (client and indexes are created once per process)."""
    return Store.from_settings(settings or get_settings())
