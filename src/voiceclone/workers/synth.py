"""The gpu-synth worker: speaks a job's text in a voice and puts the encoded file in the outputs bucket.

`python -m voiceclone.workers.synth` polls VOICECLONE_SYNTH_QUEUE_URL. Loaded voices stay in an LRU
cache (VOICECLONE_WORKER_VOICE_CACHE_MB); SIGTERM lets the current job finish, then exits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from voiceclone import observability
from voiceclone.config import Settings
from voiceclone.engines.registry import EngineRegistry
from voiceclone.observability import MetricName, Service
from voiceclone.quality.per_result import result_quality
from voiceclone.store import Store
from voiceclone.store.reconciliation import VOICE_FILES_MISSING, ReconciliationQueries
from voiceclone.workers import resources
from voiceclone.workers.loop import JobContext, Worker
from voiceclone.workers.messages import SynthMessage, SynthResult
from voiceclone.workers.postprocess import normalize_loudness, render
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
        loaded = time.perf_counter()
        context.progress(0.1, "synthesizing")
        audio = engine.synthesize(payload.text, loaded_voice.voice, payload.language, payload.voice_settings)
        synthesized = time.perf_counter()
        context.progress(0.85, "measuring quality")
        delivered = normalize_loudness(audio.samples, audio.sample_rate)
        quality = result_quality(delivered, audio.sample_rate, payload.text, loaded_voice.reference, synthesized - loaded)
        measured = time.perf_counter()
        context.progress(0.9, "encoding")
        data, content_type = render(delivered, audio.sample_rate, payload.output_format)
        self.s3.put_object(
            Bucket=self.settings.outputs_bucket, Key=payload.output_key, Body=data, ContentType=content_type
        )
        finished = time.perf_counter()
        self._emit_synthesis(payload, synthesized - loaded)
        return SynthResult(
            output_key=payload.output_key,
            output_format=payload.output_format,
            duration_s=round(audio.duration_s, 3),
            sample_rate=audio.sample_rate,
            size_bytes=len(data),
            metrics={
                "voice_cache_hit": float(hit),
                "load_voice_s": round(loaded - started, 4),
                "synthesis_s": round(synthesized - loaded, 4),
                "quality_s": round(measured - synthesized, 4),
                "postprocess_upload_s": round(finished - measured, 4),
                "real_time_factor": round((synthesized - loaded) / max(audio.duration_s, 1e-6), 4),
                "quality_score": quality["quality_score"],
            },
            quality=quality,
        )

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
    clients = resources.aws_clients()
    # XTTS, and YourTTS and Bark where their weights are in place, through the engine-model LRU
    registry = resources.engine_registry(settings, resources.xtts_model_dir(settings, clients["s3"]), clients["s3"])
    cache = VoiceCache(settings.worker_voice_cache_mb * 1024 * 1024)
    return Worker(
        SynthHandler(settings, registry, clients["s3"], cache, voice_files_missing=voice_failer(Store.from_settings(settings))),
        resources.loop_settings(settings, settings.synth_queue_url, interrupt_on_stop=False),
        sqs=clients["sqs"],
        sfn=clients["sfn"],
        tracker=resources.tracker(settings),
    )


def main() -> int:
    return resources.serve(build_worker, Service.SYNTH_WORKER)


if __name__ == "__main__":
    raise SystemExit(main())
