"""The gpu-trainer worker: builds voices (instant latents or a fine-tuned GPT) from prepared clips.

`python -m voiceclone.workers.trainer` polls VOICECLONE_TRAIN_QUEUE_URL. A job resumes from its last
checkpoint when its message comes back (worker died or was stopped); SIGTERM checkpoints and releases it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from botocore.exceptions import ClientError

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.engines.base import BadInput, TrainingClip
from voiceclone.engines.registry import EngineRegistry
from voiceclone.observability import Service
from voiceclone.quality.evaluation import evaluate_trained_voice, split_held_out
from voiceclone.quality.reference import ARTIFACT as REFERENCE_ARTIFACT
from voiceclone.workers import resources
from voiceclone.workers.checkpoints import S3CheckpointStore
from voiceclone.workers.loop import JobContext, Worker
from voiceclone.workers.messages import TrainMessage, TrainResult
from voiceclone.workers.storage_errors import is_missing

CLIP_MISSING = "a prepared training clip is missing from storage; start the training again"

logger = logging.getLogger(__name__)


class TrainHandler:
    kind = "train"
    message_type = TrainMessage

    def __init__(self, settings: Settings, registry: EngineRegistry, s3):
        self.settings, self.registry, self.s3 = settings, registry, s3

    def handle(self, message: TrainMessage, context: JobContext) -> TrainResult:
        payload = message.payload
        engine = self.registry.engine_for(payload.model_type)
        context.progress(0.0, "downloading")
        clips = self._download_clips(message, context.work_dir / "clips")
        checkpoints = S3CheckpointStore(
            self.s3, self.settings.models_bucket, message.user_id, message.job_id, context.work_dir
        )
        training, held_out = split_held_out(clips)  # held-out speech measures the voice afterwards
        artifacts = engine.create_voice(
            payload.model_type, training, payload.config, context.progress, context.work_dir, checkpoints
        )
        context.progress(0.96, "evaluating")
        quality, reference = evaluate_trained_voice(
            engine, payload.model_type, artifacts.files, artifacts.language, training, held_out, context.work_dir
        )
        files = {**artifacts.files, **({REFERENCE_ARTIFACT: reference} if reference else {})}
        context.progress(0.98, "uploading")
        prefix = blobs.voice_prefix(message.user_id, payload.voice_id)
        keys = {}
        for name, path in files.items():
            keys[name] = prefix + path.name
            self.s3.upload_file(str(path), self.settings.models_bucket, keys[name])
        checkpoints.clear()
        return TrainResult(
            voice_id=payload.voice_id,
            model_type=payload.model_type,
            artifact_keys=keys,
            language=artifacts.language,
            metrics=artifacts.metrics,
            quality=quality,
        )

    def _download_clips(self, message: TrainMessage, folder: Path) -> list[TrainingClip]:
        folder.mkdir(parents=True, exist_ok=True)
        clips = []
        for index, clip in enumerate(message.payload.clips):
            local = folder / f"{index:04d}_{Path(clip.key).name}"
            try:
                self.s3.download_file(self.settings.samples_bucket, clip.key, str(local))
            except ClientError as error:
                if not is_missing(error):
                    raise
                logger.warning("job %s: clip s3://%s/%s is missing", message.job_id, self.settings.samples_bucket, clip.key)
                raise BadInput(CLIP_MISSING) from error
            clips.append(TrainingClip(local, clip.duration_s, clip.language, clip.transcript))
        return clips


def build_worker(settings: Settings) -> Worker:
    clients = resources.aws_clients()
    registry = resources.engine_registry(settings, resources.xtts_model_dir(settings, clients["s3"]))
    return Worker(
        TrainHandler(settings, registry, clients["s3"]),
        resources.loop_settings(settings, settings.train_queue_url, interrupt_on_stop=True),
        sqs=clients["sqs"],
        sfn=clients["sfn"],
        tracker=resources.tracker(settings),
    )


def main() -> int:
    return resources.serve(build_worker, Service.TRAIN_WORKER)


if __name__ == "__main__":
    raise SystemExit(main())
