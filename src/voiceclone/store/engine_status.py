"""Engine status repository (collection engine_status): platform facts, not user data.

One document per remote engine's last probe (`probe:<model type>`), per self-hosted base model folder
(`weights:<name>`) and per worker (`worker:<worker id>`, the model types it serves and its heartbeat).
Written off the request path (sweeper schedule, local start, workers); the availability listing reads it
with one query. Never holds a provider key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from voiceclone.domain.availability import EngineProbeRecord, StatusSnapshot, WeightsRecord, WorkerRecord
from voiceclone.domain.registry import ModelType
from voiceclone.domain.timeutil import utcnow
from voiceclone.store import indexes

PROBE, WEIGHTS, WORKER = "probe", "weights", "worker"


class EngineStatusRepository:
    def __init__(self, database: Database):
        self.collection = database[indexes.ENGINE_STATUS]

    def _put(self, kind: str, name: str, fields: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": f"{kind}:{name}"}, {"kind": kind, **fields}, upsert=True)

    def record_probe(self, probe: EngineProbeRecord) -> None:
        self._put(PROBE, str(probe.model_type), probe.model_dump(mode="python"))

    def record_weights(self, weights: WeightsRecord) -> None:
        self._put(WEIGHTS, weights.weights_name, weights.model_dump(mode="python"))

    def heartbeat_worker(self, worker_id: str, model_types: list[ModelType], at: datetime | None = None) -> None:
        record = WorkerRecord(worker_id=worker_id, model_types=model_types, heartbeat_at=at or utcnow())
        self._put(WORKER, worker_id, record.model_dump(mode="python"))

    def remove_worker(self, worker_id: str) -> None:
        self.collection.delete_one({"_id": f"{WORKER}:{worker_id}"})

    def snapshot(self) -> StatusSnapshot:
        probes: dict[ModelType, EngineProbeRecord] = {}
        weights: dict[str, WeightsRecord] = {}
        workers: list[WorkerRecord] = []
        for doc in self.collection.find({}, sort=[("_id", ASCENDING)]):
            doc.pop("_id")
            kind = doc.pop("kind")
            if kind == PROBE:
                probe = EngineProbeRecord.model_validate(doc)
                probes[probe.model_type] = probe
            elif kind == WEIGHTS:
                found = WeightsRecord.model_validate(doc)
                weights[found.weights_name] = found
            elif kind == WORKER:
                workers.append(WorkerRecord.model_validate(doc))
        return StatusSnapshot(probes=probes, weights=weights, workers=workers)
