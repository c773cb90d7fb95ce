"""Checkpoints in the models bucket: a fine-tune's (`checkpoints/{user_id}/{job_id}/step_NNNNNNNN.pt`) and a long
text's finished sentences (`.../speech/`).

Only the newest is kept: a redelivered job downloads it and resumes from its step.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np

from voiceclone import blobs

logger = logging.getLogger(__name__)


class S3CheckpointStore:
    def __init__(self, s3, bucket: str, user_id: str, job_id: str, work_dir: Path):
        self.s3, self.bucket, self.work_dir = s3, bucket, work_dir
        self.prefix = blobs.checkpoint_prefix(user_id, job_id)

    def _keys(self) -> list[str]:
        keys: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(keys)  # zero-padded step numbers sort in step order

    def latest(self) -> Path | None:
        keys = self._keys()
        if not keys:
            return None
        local = self.work_dir / "resume.pt"
        self.s3.download_file(self.bucket, keys[-1], str(local))
        logger.info("resuming from s3://%s/%s", self.bucket, keys[-1])
        return local

    def save(self, path: Path, step: int) -> None:
        key = f"{self.prefix}step_{step:08d}.pt"
        self.s3.upload_file(str(path), self.bucket, key)
        self._delete([k for k in self._keys() if k != key])

    def clear(self) -> None:
        self._delete(self._keys())

    def _delete(self, keys: list[str]) -> None:
        if keys:
            self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in keys]})


class S3SentenceCheckpoints:
    """Finished groups of a long text's sentences (`checkpoints/{user_id}/{job_id}/speech/{plan}/group_NNNNN.npz`).

    Each group holds its sentences' audio (16-bit, already loudness-normalised per sentence) and the
    sample rate. `plan` fingerprints the sentences and the conditioning, so a changed plan never reuses
    another's audio. A redelivered job loads the finished groups and speaks on from the first missing one.
    """

    def __init__(self, s3, bucket: str, user_id: str, job_id: str, plan: str):
        self.s3, self.bucket = s3, bucket
        self.root = f"{blobs.checkpoint_prefix(user_id, job_id)}speech/"
        self.prefix = f"{self.root}{plan}/"

    def _key(self, group: int) -> str:
        return f"{self.prefix}group_{group:05d}.npz"

    def finished(self) -> set[int]:
        found = set()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[1]
                if name.startswith("group_") and name.endswith(".npz"):
                    found.add(int(name[len("group_") : -len(".npz")]))
        return found

    def load(self, group: int) -> tuple[list[np.ndarray], int]:
        """The group's sentence audio (float32 arrays) and their sample rate."""
        body = self.s3.get_object(Bucket=self.bucket, Key=self._key(group))["Body"].read()
        with np.load(io.BytesIO(body), allow_pickle=False) as saved:
            rate = int(saved["sample_rate"])
            count = int(saved["count"])
            return [saved[f"s{i}"].astype(np.float32) / 32767.0 for i in range(count)], rate

    def save(self, group: int, audios: list[np.ndarray], sample_rate: int) -> None:
        arrays = {f"s{i}": np.round(np.clip(a, -1.0, 1.0) * 32767.0).astype(np.int16) for i, a in enumerate(audios)}
        buffer = io.BytesIO()
        np.savez(buffer, sample_rate=np.int64(sample_rate), count=np.int64(len(audios)), **arrays)
        self.s3.put_object(Bucket=self.bucket, Key=self._key(group), Body=buffer.getvalue())

    def clear(self) -> None:
        """Every plan's groups of this job (the job is done with them)."""
        keys: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.root):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        for start in range(0, len(keys), 1000):
            self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in keys[start : start + 1000]]})
