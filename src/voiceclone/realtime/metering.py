"""A real-time session's job record, concurrency slot and characters, charged as for jobs.

Each WebSocket session and each `/v1/audio/speech` request is a TTS job record (stage `realtime`):
it takes a place in the user's admission queue like any job (`services.quotas.admit_job`, the plan's
`concurrent_jobs`), shows in `GET /api/tts/jobs`, and ends completed, cancelled or failed.

Characters are reserved before they are spoken, with the jobs' conditional charge
(`store.users.charge_characters`, so the month cannot be overshot): a request reserves its input at
once; a session, whose text arrives in pieces, reserves a block of up to the plan's
`max_text_length` characters at a time (fewer when the month has fewer left). Each reservation is one
charge (`<job id>.<n>`), so it counts as one of the month's `tts_jobs`. What was reserved but
not spoken (the client left, the text ended, a segment was cut off) is refunded when it ends: the
characters charged are those of the segments spoken to their end.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from voiceclone.config import Settings
from voiceclone.domain.errors import InvalidTransition, QuotaExceeded
from voiceclone.domain.ids import TTS_JOB_PREFIX, new_id
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.pricing import estimate_tts
from voiceclone.domain.timeutil import month_key, utcnow
from voiceclone.domain.tts import OutputFormat, TtsJob, VoiceSettings
from voiceclone.domain.users import PlanLimits
from voiceclone.services import quotas
from voiceclone.store import Store

logger = logging.getLogger(__name__)

STAGE = "realtime"
# TtsJob.output_format is a job format; a stream's format is recorded in the stage.
_JOB_FORMAT = OutputFormat.MP3


@dataclass(frozen=True)
class Usage:
    characters: int  # charged: the segments spoken to their end
    audio_seconds: float


@dataclass
class _Block:
    charge_id: str
    size: int


@dataclass
class SessionMeter:
    store: Store
    settings: Settings
    user_id: str
    limits: PlanLimits
    model_type: str
    voice_id: str
    language: str
    stream_format: str
    voice_settings: VoiceSettings
    job_id: str = field(default_factory=lambda: new_id(TTS_JOB_PREFIX))
    month: str = field(default_factory=month_key)
    reserved: int = 0
    used: int = 0  # reserved for segments handed to synthesis
    spoken: int = 0
    audio_seconds: float = 0.0
    spoken_text: list[str] = field(default_factory=list)
    _blocks: list[_Block] = field(default_factory=list)
    _closed: bool = False

    def open(self) -> None:
        """The job record admitted (429 when `concurrent_jobs` are active or the month has no characters left)."""
        quotas.check_concurrent_jobs(self.store, self.user_id, self.limits)
        self._check_month_left(1)
        self.store.tts.create(self._record(), admitting=True)
        try:
            quotas.admit_job(self.store, self.store.tts, self.user_id, self.job_id, self.limits)
        except QuotaExceeded:
            self.store.tts.discard(self.user_id, self.job_id)
            raise
        self.store.tts.transition(self.user_id, self.job_id, JobStatus.PROCESSING, stage=f"{STAGE} {self.stream_format}")

    def reserve(self, characters: int, block: int | None = None) -> None:
        """Make sure `characters` more are charged before they are spoken (429 when the month is used up)."""
        quotas.check_text_length(characters, self.limits)
        missing = self.used + characters - self.reserved
        if missing > 0:
            remaining = self._check_month_left(missing)
            self._charge(max(missing, min(block or missing, remaining)))
        self.used += characters

    def _charge(self, size: int) -> None:
        # Not the job id itself: a cancel through the API (or the sweeper) refunds `job.characters` under
        # the job id, which would drop that charge's record and leave the unspoken rest unrefundable.
        charge_id = f"{self.job_id}.{len(self._blocks) + 1}"
        self.store.users.charge_characters(self.user_id, charge_id, size, self.limits.monthly_characters, self.month)
        self._blocks.append(_Block(charge_id, size))
        self.reserved += size

    def covers(self, characters: int) -> bool:
        """True when `characters` more fit in what is reserved already (reserve() then needs no database)."""
        return self.used + characters <= self.reserved

    def reserve_ahead(self, block: int) -> None:
        """A first block reserved before any text arrives, so the first sentence waits for no database."""
        if self.reserved == 0:
            remaining = self._check_month_left(1)
            self._charge(min(block, remaining))

    def mark_spoken(self, text: str) -> None:
        """A segment was spoken to its end: its characters stay charged."""
        self.spoken += len(text)
        self.spoken_text.append(text)

    def add_audio(self, seconds: float) -> None:
        self.audio_seconds += seconds

    def still_running(self) -> bool:
        """False once the record was ended from outside (cancelled through the API, failed by the sweeper)."""
        return self.store.tts.get(self.user_id, self.job_id).status == JobStatus.PROCESSING

    def close(self, status: JobStatus, error_message: str | None = None, quality: dict | None = None) -> Usage:
        """Refund what was reserved but not spoken, end the record (with the stream's quality report when
        it completed); safe to call twice."""
        usage = Usage(self.spoken, round(self.audio_seconds, 3))
        if self._closed:
            return usage
        self._closed = True
        self._refund(self.reserved - self.spoken)
        fields = {
            "text": " ".join(self.spoken_text),
            "characters": self.spoken,
            "actual_duration_s": usage.audio_seconds,
            "actual_cost_usd": estimate_tts(self.model_type, self.spoken, self.voice_settings.speed).cost_usd,
        }
        if error_message:
            fields["error_message"] = error_message
        if quality is not None and status == JobStatus.COMPLETED:
            fields["quality"] = quality
            fields["quality_score"] = min(max(float(quality.get("quality_score") or 0.0), 0.0), 1.0)
        try:
            self.store.tts.transition(self.user_id, self.job_id, status, **fields)
        except InvalidTransition:  # already ended from outside (cancelled, or failed by the sweeper)
            logger.info("realtime %s: record already ended", self.job_id)
        return usage

    def _refund(self, characters: int) -> None:
        for block in reversed(self._blocks):  # the newest blocks first: the older ones were spoken
            if characters <= 0:
                return
            amount = min(characters, block.size)
            self.store.users.refund_characters(self.user_id, block.charge_id, amount, self.month)
            characters -= amount

    def _check_month_left(self, wanted: int) -> int:
        used = self.store.users.get_or_create(self.user_id, self.settings.default_plan).usage_for(self.month).characters
        remaining = self.limits.monthly_characters - used
        if remaining < wanted:
            raise QuotaExceeded(
                "monthly_characters", self.limits.monthly_characters,
                f"{wanted} characters wanted, {used} of {self.limits.monthly_characters} used this month",
            )
        return remaining

    def _record(self) -> TtsJob:
        return TtsJob(
            job_id=self.job_id,
            user_id=self.user_id,
            voice_model_id=self.voice_id,
            engine=self.model_type,
            text="",
            characters=0,
            language=self.language,
            output_format=_JOB_FORMAT,
            voice_settings=self.voice_settings,
            stage=STAGE,
            deadline_at=utcnow() + timedelta(seconds=self.settings.tts_job_deadline_s),
        )
