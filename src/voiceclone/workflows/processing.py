"""mark-processing: the first step of both state machines.

Moves the job pending -> processing (a retried step finds it processing and goes on) and gathers what
the next steps need, so those read no database: the samples to enhance and the training knobs, or the
synthesis payload and the engine route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.availability import catalogue_of, parse_catalogue_voice_id
from voiceclone.domain.errors import InvalidTransition
from voiceclone.domain.jobs import JobCancelled, JobStatus
from voiceclone.domain.pricing import spec_for
from voiceclone.domain.registry import REGISTRY
from voiceclone.domain.training import FineTuneConfig, FineTuneSettings, ModelType, TrainingJob
from voiceclone.domain.tts import TtsJob
from voiceclone.domain.voices import VoiceStatus
from voiceclone.store import Store
from voiceclone.store.jobs import JobRepository
from voiceclone.workers.messages import RemoteSynthPayload, SynthPayload
from voiceclone.workflows.errors import JobNotRunnable
from voiceclone.workflows.events import TtsPlan

STAGE_PREPARING = "preparing samples"
STAGE_QUEUED = "queued for synthesis"


def _start(jobs: JobRepository, user_id: str, job_id: str, stage: str):
    """The job, now processing; JobCancelled if the user cancelled it first."""
    job = jobs.get(user_id, job_id)
    if job.status == JobStatus.PENDING:
        try:
            job = jobs.transition(user_id, job_id, JobStatus.PROCESSING, stage=stage)
        except InvalidTransition:
            job = jobs.get(user_id, job_id)  # cancelled in between
    if job.status == JobStatus.CANCELLED:
        raise JobCancelled(f"{jobs.kind} '{job_id}' was cancelled by the user")
    if job.status != JobStatus.PROCESSING:
        raise JobNotRunnable(f"{jobs.kind} '{job_id}' is {job.status}; it cannot run again")
    return job


def start_training(store: Store, settings: Settings, user_id: str, job_id: str) -> dict[str, Any]:
    job: TrainingJob = _start(store.training, user_id, job_id, STAGE_PREPARING)
    if not job.voice_id:
        raise JobNotRunnable(f"training job '{job_id}' has no voice record to train")
    samples = store.samples.get_many(user_id, job.sample_ids)
    missing = [sample_id for sample_id in job.sample_ids if sample_id not in samples]
    if missing:
        raise JobNotRunnable(f"samples deleted before training started: {', '.join(missing)}")
    return {
        "route": "remote" if REGISTRY[job.config.model_type].remote else "gpu",  # training's Choice
        "voice_id": job.voice_id,
        "voice_name": job.voice_name,
        "model_type": str(job.config.model_type),
        "config": _fine_tune_config(job, settings).model_dump(mode="json"),
        "language": job.language,
        "samples": [
            {
                "sample_id": sample_id,
                "key": samples[sample_id].s3_key,
                "transcript": samples[sample_id].transcript,
                "language": samples[sample_id].language or job.language,
            }
            for sample_id in job.sample_ids
        ],
    }


def _fine_tune_config(job: TrainingJob, settings: Settings) -> FineTuneConfig:
    """What the trainer runs with: the job's knobs and the deployment's checkpoint interval."""
    knobs = job.config.model_dump(include=set(FineTuneSettings.model_fields))
    return FineTuneConfig(**knobs, checkpoint_every_steps=settings.training_checkpoint_every_steps)


@dataclass(frozen=True)
class _Speaker:
    """The voice a TTS job speaks with, as its step payload names it."""

    voice_id: str
    model_type: str
    artifact_keys: dict[str, str]  # a self-hosted voice's (or preset's) files in the models bucket
    provider_voice_id: str | None = None  # a remote engine speaks the provider's voice id


def _catalogue_voice(store: Store, job: TtsJob) -> _Speaker | None:
    """A catalogue voice (openai:alloy, bark:v2/en_speaker_6); None for any other voice id."""
    parsed = parse_catalogue_voice_id(job.voice_model_id)
    if parsed is None:
        return None
    model_type, provider_voice_id = parsed
    for entry in catalogue_of(REGISTRY[model_type], store.engine_status.snapshot()):
        if entry.provider_voice_id == provider_voice_id:
            remote = REGISTRY[model_type].remote
            return _Speaker(job.voice_model_id, str(model_type), entry.artifact_keys, provider_voice_id if remote else None)
    raise JobNotRunnable(f"voice '{job.voice_model_id}' is no longer in {model_type}'s catalogue")


def _user_voice(store: Store, user_id: str, job: TtsJob) -> _Speaker:
    voice = store.voices.find_visible(user_id, job.voice_model_id)
    if voice is None:
        raise JobNotRunnable(
            f"voice '{job.voice_model_id}' is no longer available to you (deleted, or made private by its owner)"
        )
    if voice.status != VoiceStatus.READY:
        raise JobNotRunnable(f"voice '{job.voice_model_id}' is {voice.status}; it cannot speak")
    return _Speaker(voice.voice_id, str(voice.model_type), voice.artifact_keys)


def _style_sample_key(store: Store, user_id: str, job: TtsJob) -> str | None:
    if job.style_sample_id is None:
        return None
    sample = store.samples.find(user_id, job.style_sample_id)
    if sample is None:
        raise JobNotRunnable(f"style sample '{job.style_sample_id}' was deleted before the job started")
    return sample.s3_key


def start_tts(store: Store, user_id: str, job_id: str) -> dict[str, Any]:
    job: TtsJob = _start(store.tts, user_id, job_id, STAGE_QUEUED)
    speaker = _catalogue_voice(store, job) or _user_voice(store, user_id, job)
    output_key = blobs.tts_output_key(user_id, job_id, str(job.output_format))
    payload: SynthPayload | RemoteSynthPayload
    if spec_for(job.engine).remote:
        payload = RemoteSynthPayload(
            voice_id=speaker.voice_id, model_type=speaker.model_type, voice_artifact_keys=speaker.artifact_keys,
            provider_voice_id=speaker.provider_voice_id, text=job.text, language=job.language,
            voice_settings=job.voice_settings, output_format=job.output_format, output_key=output_key,
            instructions=job.style_instructions,
        )
    else:
        payload = SynthPayload(
            voice_id=speaker.voice_id, model_type=ModelType(speaker.model_type), voice_artifact_keys=speaker.artifact_keys,
            text=job.text, language=job.language, voice_settings=job.voice_settings,
            output_format=job.output_format, output_key=output_key, language_parts=job.language_parts,
            style_sample_key=_style_sample_key(store, user_id, job),
        )
    plan = TtsPlan(route="remote" if isinstance(payload, RemoteSynthPayload) else "gpu", engine=job.engine, payload=payload)
    return plan.model_dump(mode="json")


def mark_processing(store: Store, settings: Settings, kind: str, user_id: str, job_id: str) -> dict[str, Any]:
    if kind == "training":
        return start_training(store, settings, user_id, job_id)
    return start_tts(store, user_id, job_id)
