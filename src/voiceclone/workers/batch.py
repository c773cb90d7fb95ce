"""The synth worker's batch groups: one voice loaded once, its items spoken one after the other.

A `synthesize_batch` message names a voice and the indices of the batch items it speaks; the texts
are read from the batch record. Per item: synthesis, loudness, quality, encoding, upload to the item's
key, then the item recorded completed. An item the engine refuses (BadInput: an unsupported language,
text empty once normalised) fails alone and is refunded; the others go on. Storage and unexpected
errors end the group (the workflow fails its remaining items). A cancelled batch stops at the next
pass (the progress callback raises JobCancelled). A pass's items are marked processing together, so a
worker that dies mid-pass leaves them to the workflow's finish, which fails and refunds them ("not
spoken"); a redelivered message speaks only what is still pending.

Items that share a language and voice settings are spoken together, up to `PASS_ITEMS` at a time,
through `Engine.synthesize_many`: XTTS generates all their audio codes in one GPT pass (left-padded and
masked: each sequence sees what it would alone), other engines loop. A group also saves the voice load,
the SQS hop and the workflow steps per item. When a pass is refused (BadInput), its items are retried
one by one so only the refused ones fail.

`SynthQueueHandler` is what the synth worker runs: single jobs and batch groups share its queue, its
engine registry and its voice cache.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from pydantic import BaseModel

from voiceclone.domain.batch import GROUP_MAX_ITEMS, BatchItem, TtsBatch, item_output_key
from voiceclone.domain.jobs import JobStatus
from voiceclone.engines.base import BadInput
from voiceclone.engines.registry import EngineRegistry
from voiceclone.quality.per_result import result_quality
from voiceclone.services.batch import end_item
from voiceclone.store import Store
from voiceclone.workers.loop import JobContext
from voiceclone.workers.messages import BatchSynthMessage, BatchSynthResult, SynthMessage
from voiceclone.workers.postprocess import normalize_loudness, render
from voiceclone.workers.synth import SynthHandler
from voiceclone.workers.voice_loading import LoadedVoice, VoiceRef

logger = logging.getLogger(__name__)

PASS_ITEMS = GROUP_MAX_ITEMS  # batch items per engine call: a whole group (XTTS passes hold PASS_CHUNKS chunks)


class BatchSynthHandler:
    kind = "synthesize_batch"
    message_type = BatchSynthMessage

    def __init__(self, synth: SynthHandler, store: Store):
        self.synth, self.store = synth, store  # the single-job handler's registry, S3 client and voice cache

    def handle(self, message: BatchSynthMessage, context: JobContext) -> BatchSynthResult:
        payload = message.payload
        batch = self.store.batches.get(message.user_id, message.job_id)
        items = [batch.items[index] for index in payload.indices]
        engine = self.synth.registry.engine_for(payload.model_type)
        context.progress(0.0, f"loading voice for {len(items)} items")
        started = time.perf_counter()
        voice = VoiceRef(message.user_id, payload.voice_id, payload.model_type, payload.voice_artifact_keys)
        loaded, hit = self.synth.voices.get(engine, voice, context.work_dir)  # once for the whole group
        load_s = time.perf_counter() - started
        outcomes = {"spoken": 0, "failed": 0, "skipped": 0}
        synthesis_s, done = 0.0, 0
        for batch_pass in _passes(items):
            context.progress(done / len(items), f"speaking items {done + 1}-{done + len(batch_pass)} of {len(items)}")
            done += len(batch_pass)
            started_items = [i for i in batch_pass if self.store.batches.start_item(message.user_id, message.job_id, i.index)]
            outcomes["skipped"] += len(batch_pass) - len(started_items)  # ended already, or spoken by a redelivery
            if started_items:
                spoken, failed, seconds = self._speak_pass(engine, loaded, batch, started_items)
                outcomes["spoken"] += spoken
                outcomes["failed"] += failed
                synthesis_s += seconds
        return BatchSynthResult(
            **outcomes,
            metrics={
                "voice_cache_hit": float(hit),
                "load_voice_s": round(load_s, 4),
                "synthesis_s": round(synthesis_s, 4),
                "group_s": round(time.perf_counter() - started, 4),
            },
        )

    def _speak_pass(self, engine: Any, loaded: LoadedVoice, batch: TtsBatch, items: list[BatchItem]) -> tuple[int, int, float]:
        """Speaks items of one language and settings in one engine call: (spoken, failed, synthesis seconds)."""
        first = items[0]
        started = time.perf_counter()
        try:
            audios = engine.synthesize_many([i.text for i in items], loaded.voice, first.language, first.voice_settings)
        except BadInput:  # refused before any work: find which items, one by one
            results = [self._speak_alone(engine, loaded, batch, item) for item in items]
            return sum(r[0] for r in results), sum(r[1] for r in results), sum(r[2] for r in results)
        seconds = time.perf_counter() - started
        for item, audio in zip(items, audios, strict=True):
            self._deliver(loaded, batch, item, audio, seconds / len(items))
        return len(items), 0, seconds

    def _speak_alone(self, engine: Any, loaded: LoadedVoice, batch: TtsBatch, item: BatchItem) -> tuple[int, int, float]:
        started = time.perf_counter()
        try:
            audio = engine.synthesize(item.text, loaded.voice, item.language, item.voice_settings)
        except BadInput as refused:
            end_item(self.store, batch, item.index, JobStatus.FAILED, str(refused))
            return 0, 1, 0.0
        seconds = time.perf_counter() - started
        self._deliver(loaded, batch, item, audio, seconds)
        return 1, 0, seconds

    def _deliver(self, loaded: LoadedVoice, batch: TtsBatch, item: BatchItem, audio: Any, synthesis_s: float) -> None:
        """Measures, encodes and uploads one item's audio, then records the item completed."""
        delivered = normalize_loudness(audio.samples, audio.sample_rate)
        quality = result_quality(delivered, audio.sample_rate, item.text, loaded.reference, synthesis_s)
        data, content_type = render(delivered, audio.sample_rate, item.output_format)
        key = item_output_key(batch.user_id, batch.batch_id, item.index, str(item.output_format))
        self.synth.s3.put_object(Bucket=self.synth.settings.outputs_bucket, Key=key, Body=data, ContentType=content_type)
        score = quality.get("quality_score")
        self.store.batches.complete_item(
            batch.user_id,
            batch.batch_id,
            item.index,
            output_key=key,
            duration_s=round(audio.duration_s, 3),
            size_bytes=len(data),
            quality_score=None if score is None else min(max(float(score), 0.0), 1.0),
        )


def _passes(items: list[BatchItem]) -> list[list[BatchItem]]:
    """Items in passes of up to PASS_ITEMS sharing language and voice settings (in order of first use)."""
    by_key: dict[tuple[str, str], list[BatchItem]] = {}
    for item in items:
        by_key.setdefault((item.language, item.voice_settings.model_dump_json()), []).append(item)
    return [group[i : i + PASS_ITEMS] for group in by_key.values() for i in range(0, len(group), PASS_ITEMS)]


class SynthQueueHandler:
    """Single TTS jobs and batch groups, from the one synth queue."""

    kind = "synthesize"
    message_type = SynthMessage
    message_types = (SynthMessage, BatchSynthMessage)

    def __init__(self, single: SynthHandler, batch: BatchSynthHandler):
        self.single, self.batch = single, batch

    @property
    def registry(self) -> EngineRegistry:
        """The engines this worker serves (workers.resources.register_engines registers them)."""
        return self.single.registry

    def handle(self, message: SynthMessage | BatchSynthMessage, context: JobContext) -> BaseModel:
        if isinstance(message, BatchSynthMessage):
            return self.batch.handle(message, context)
        return self.single.handle(message, context)
