"""Stored speaker embeddings (collection `speaker_embeddings`): each analysed sample's and each voice's
reference, so the similarity API compares two stored vectors in pure Python (no model in the API).

One document per owner: {user_id, kind: "sample"|"voice", owner_id, encoder, embedding, updated_at}.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voiceclone.domain.timeutil import utcnow

COLLECTION = "speaker_embeddings"
SAMPLE, VOICE = "sample", "voice"


@dataclass(frozen=True)
class StoredEmbedding:
    encoder: str
    embedding: list[float]


class SpeakerEmbeddings:
    def __init__(self, database):
        self.collection = database[COLLECTION]

    def ensure_indexes(self) -> None:
        self.collection.create_index([("user_id", 1), ("kind", 1), ("owner_id", 1)], unique=True)

    def put(self, user_id: str, kind: str, owner_id: str, encoder: str, embedding: Sequence[float]) -> None:
        self.collection.update_one(
            {"user_id": user_id, "kind": kind, "owner_id": owner_id},
            {"$set": {"encoder": encoder, "embedding": [float(x) for x in embedding], "updated_at": utcnow()}},
            upsert=True,
        )

    def get(self, user_id: str, kind: str, owner_id: str) -> StoredEmbedding | None:
        doc = self.collection.find_one({"user_id": user_id, "kind": kind, "owner_id": owner_id})
        return StoredEmbedding(doc["encoder"], list(doc["embedding"])) if doc else None

    def delete(self, user_id: str, kind: str, owner_id: str) -> None:
        self.collection.delete_one({"user_id": user_id, "kind": kind, "owner_id": owner_id})
