"""Fine-tune checkpoints in the models bucket (`checkpoints/{user_id}/{job_id}/step_NNNNNNNN.pt`).

Only the newest is kept: a redelivered job downloads it and resumes from its step.
"""

from __future__ import annotations

import logging
from pathlib import Path

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
