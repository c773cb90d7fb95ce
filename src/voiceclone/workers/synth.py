"""The gpu-synth worker: speaks a job's text in a voice and puts the encoded file in the outputs bucket.

The text is spoken sentence by sentence (workers.long_form): progress per sentence, finished groups
kept in S3 so a redelivered job resumes, timestamps.json and WebVTT subtitles next to the audio.

`python -m voiceclone.workers.synth` polls VOICECLONE_SYNTH_QUEUE_URL. Loaded voices stay in an LRU
cache (VOICECLONE_WORKER_VOICE_CACHE_MB); SIGTERM lets the current job finish, then exits.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from voiceclone import blobs, observability
from voiceclone.config import Settings
from voiceclone.domain.jobs import JobCancelled
from voiceclone.domain.long_form import Sentence, groups, plan, plan_fingerprint
from voiceclone.domain.timestamps import Timestamps, to_webvtt
from voiceclone.engines.base import BadInput, Engine
from voiceclone.engines.registry import EngineRegistry
from voiceclone.observability import MetricName, Service
from voiceclone.quality.per_result import result_quality
from voiceclone.store import Store
from voiceclone.store.reconciliation import VOICE_FILES_MISSING, ReconciliationQueries
from voiceclone.workers import resources
from voiceclone.workers.checkpoints import S3SentenceCheckpoints
from voiceclone.workers.long_form import SpokenText, quality_excerpt, speak_plan
from voiceclone.workers.loop import JobContext, Worker
from voiceclone.workers.messages import SynthMessage, SynthPayload, SynthResult
from voiceclone.workers.postprocess import render
from voiceclone.workers.storage_errors import is_missing
from voiceclone.workers.voice_cache import VoiceCache
from voiceclone.workers.voice_loading import LoadedVoice, VoiceFilesMissing, VoiceLoader, VoiceRef

__all__ = ["LoadedVoice", "SynthHandler", "VoiceFilesMissing", "build_worker", "voice_failer"]

logger = logging.getLogger(__name__)


class SynthHandler:
    kind = "synthesize"
    message_type = SynthMessage

    def __init__(
        self,
        settings: Settings,
        registry: EngineRegistry,
        s3,
        cache: VoiceCache,
        voice_files_missing: Callable[[str], None] | None = None,
    ):
        self.settings, self.registry, self.s3, self.cache = settings, registry, s3, cache
        # Called with the voice id when its artifacts are gone (build_worker marks the voice failed).
        self.voice_files_missing = voice_files_missing
        # Loads through `cache`; the real-time service in the same container shares this loader.
        self.voices = VoiceLoader(settings, s3, cache, voice_files_missing)

    def handle(self, message: SynthMessage, context: JobContext) -> SynthResult:
        payload = message.payload
        engine = self.registry.engine_for(payload.model_type)
        context.progress(0.05, "loading voice")
        started = time.perf_counter()
        voice = VoiceRef(message.user_id, payload.voice_id, payload.model_type, payload.voice_artifact_keys)
        loaded_voice, hit = self.voices.get(engine, voice, context.work_dir)
        speaker = self._styled(engine, loaded_voice.voice, payload, context.work_dir)
        loaded = time.perf_counter()
        planned = plan(payload.text, payload.language, payload.language_parts)
        checkpoints = self._checkpoints(message, planned)

        def sentence_done(done: int, total: int) -> None:
            context.progress(0.1 + 0.75 * done / max(total, 1), f"sentence {done} of {total}")

        sentence_done(0, len(planned))
        try:
            spoken = speak_plan(engine, speaker, planned, payload.voice_settings, checkpoints, sentence_done)
        except JobCancelled:
            if checkpoints is not None:
                checkpoints.clear()
            raise
        synthesized = time.perf_counter()
        context.progress(0.85, "measuring quality")
        excerpt, excerpt_text = quality_excerpt(spoken)
        quality = result_quality(excerpt, spoken.sample_rate, excerpt_text, loaded_voice.reference, synthesized - loaded)
        measured = time.perf_counter()
        context.progress(0.9, "encoding")
        data, content_type = render(spoken.samples, spoken.sample_rate, payload.output_format)
        self.s3.put_object(
            Bucket=self.settings.outputs_bucket, Key=payload.output_key, Body=data, ContentType=content_type
        )
        self._put_timestamps(message, spoken)
        if checkpoints is not None:
            checkpoints.clear()
        finished = time.perf_counter()
        self._emit_synthesis(payload, synthesized - loaded)
        duration_s = len(spoken.samples) / spoken.sample_rate
        return SynthResult(
            output_key=payload.output_key,
            output_format=payload.output_format,
            duration_s=round(duration_s, 3),
            sample_rate=spoken.sample_rate,
            size_bytes=len(data),
            metrics={
                "voice_cache_hit": float(hit),
                "load_voice_s": round(loaded - started, 4),
                "synthesis_s": round(synthesized - loaded, 4),
                "quality_s": round(measured - synthesized, 4),
                "postprocess_upload_s": round(finished - measured, 4),
                "real_time_factor": round((synthesized - loaded) / max(duration_s, 1e-6), 4),
                "quality_score": quality["quality_score"],
                "sentences": float(len(planned)),
                "resumed_sentences": float(spoken.resumed_sentences),
            },
            quality=quality,
        )

    def _styled(self, engine: Engine, voice: Any, payload: SynthPayload, work_dir: Path) -> Any:
        """The voice with the style sample's prosody (its speaker identity kept), or the voice as it is."""
        if payload.style_sample_key is None:
            return voice
        styler = getattr(engine, "with_style", None)
        if styler is None:
            raise BadInput(f"engine {engine.name} takes no style reference")
        path = work_dir / "style" / Path(payload.style_sample_key).name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.s3.download_file(self.settings.samples_bucket, payload.style_sample_key, str(path))
        except ClientError as error:
            if is_missing(error):
                raise BadInput("the style sample's audio is gone (deleted since the job was accepted)") from error
            raise
        strength = payload.voice_settings.style or 1.0  # 0 (the default): the sample's prosody in full
        return styler(voice, path, strength)

    def _checkpoints(self, message: SynthMessage, planned: list[Sentence]) -> S3SentenceCheckpoints | None:
        """Where finished sentences are kept; None for a text of one group (nothing worth resuming)."""
        if len(groups(planned)) < 2:
            return None
        payload = message.payload
        conditioning = json.dumps([payload.model_type, sorted(payload.voice_artifact_keys.items()),
                                   payload.style_sample_key, payload.voice_settings.model_dump()])
        return S3SentenceCheckpoints(self.s3, self.settings.models_bucket, message.user_id, message.job_id,
                                     plan_fingerprint(planned, conditioning))

    def _put_timestamps(self, message: SynthMessage, spoken: SpokenText) -> None:
        """timestamps.json and the WebVTT subtitles next to the audio."""
        timestamps = Timestamps(job_id=message.job_id, duration_s=round(len(spoken.samples) / spoken.sample_rate, 3),
                                sentences=spoken.sentences)
        bucket = self.settings.outputs_bucket
        self.s3.put_object(Bucket=bucket, Key=blobs.tts_timestamps_key(message.user_id, message.job_id),
                           Body=timestamps.model_dump_json().encode(), ContentType="application/json")
        self.s3.put_object(Bucket=bucket, Key=blobs.tts_subtitles_key(message.user_id, message.job_id),
                           Body=to_webvtt(timestamps).encode(), ContentType="text/vtt; charset=utf-8")

    def _emit_synthesis(self, payload, synthesis_s: float) -> None:
        engine = payload.model_type
        observability.emit_job(Service.SYNTH_WORKER, MetricName.CHARACTERS, "tts", engine, len(payload.text))
        observability.emit_job(Service.SYNTH_WORKER, MetricName.SYNTHESIS_SECONDS, "tts", engine, synthesis_s, "Seconds")


def voice_failer(store: Store) -> Callable[[str], None]:
    """What build_worker calls when a voice's files are gone: the ready voice becomes failed, with why."""
    queries = ReconciliationQueries(store.database)

    def fail(voice_id: str) -> None:
        queries.fail_ready_voice(voice_id, VOICE_FILES_MISSING)

    return fail


def build_worker(settings: Settings) -> Worker:
    from voiceclone.workers.batch import BatchSynthHandler, SynthQueueHandler  # built on SynthHandler

    clients = resources.aws_clients()
    # XTTS, and YourTTS and Bark where their weights are in place, through the engine-model LRU
    registry = resources.engine_registry(settings, resources.xtts_model_dir(settings, clients["s3"]), clients["s3"])
    cache = VoiceCache(settings.worker_voice_cache_mb * 1024 * 1024)
    store = Store.from_settings(settings)
    single = SynthHandler(settings, registry, clients["s3"], cache, voice_files_missing=voice_failer(store))
    return Worker(
        SynthQueueHandler(single, BatchSynthHandler(single, store)),
        resources.loop_settings(settings, settings.synth_queue_url, interrupt_on_stop=False),
        sqs=clients["sqs"],
        sfn=clients["sfn"],
        tracker=resources.tracker(settings),
    )


def main() -> int:
    return resources.serve(build_worker, Service.SYNTH_WORKER)


if __name__ == "__main__":
    raise SystemExit(main())
