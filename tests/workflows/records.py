"""Records for workflow tests, made as the API makes them (services) or written to the store directly
when a test needs a state the API cannot reach on its own (a voice of a remote engine, an old job)."""

from __future__ import annotations

from datetime import timedelta

from voiceclone import blobs
from voiceclone.domain.ids import SAMPLE_PREFIX, TTS_JOB_PREFIX, VOICE_PREFIX, new_id
from voiceclone.domain.samples import SampleStatus, VoiceSample
from voiceclone.domain.timeutil import month_key, utcnow
from voiceclone.domain.tts import TtsJob
from voiceclone.domain.voices import VoiceModel, VoiceStatus
from voiceclone.store import Store


def ready_voice(store: Store, user_id: str, model_type: str = "xtts_v2_instant", artifact_keys=None) -> VoiceModel:
    voice = VoiceModel(
        voice_id=new_id(VOICE_PREFIX), user_id=user_id, name="test voice", model_type=model_type,
        status=VoiceStatus.READY, artifact_keys=artifact_keys or {"conditioning": "voices/x/conditioning.pt"},
    )
    return store.voices.create(voice)


def tts_job(store: Store, user_id: str, voice: VoiceModel, text: str = "Hello there.", *, charged: bool = True,
            deadline_s: float = 900, **fields) -> TtsJob:
    """A pending TTS job as services.tts.generate records it (characters charged up front)."""
    job = TtsJob(
        job_id=new_id(TTS_JOB_PREFIX), user_id=user_id, voice_model_id=voice.voice_id, engine=voice.model_type,
        text=text, characters=len(text), deadline_at=utcnow() + timedelta(seconds=deadline_s), **fields,
    )
    if charged:
        store.users.charge_characters(user_id, job.job_id, job.characters, month=month_key(job.created_at))
    return store.tts.create(job)


def ready_sample(store: Store, settings, user_id: str, wav_bytes: bytes, transcript: str | None, language: str = "en",
                 duration_s: float = 5.0) -> VoiceSample:
    """A sample uploaded and analysed as suitable: its audio in the samples bucket, status ready."""
    sample_id = new_id(SAMPLE_PREFIX)
    key = blobs.raw_sample_key(user_id, sample_id, "speech.wav")
    blobs.s3_client().put_object(Bucket=settings.samples_bucket, Key=key, Body=wav_bytes)
    sample = VoiceSample(
        sample_id=sample_id, user_id=user_id, name="speech", filename="speech.wav", content_type="audio/wav",
        s3_key=key, status=SampleStatus.READY, language=language, transcript=transcript, duration_s=duration_s,
        sample_rate=22050, channels=1, format="wav", suitable_for_training=True,
    )
    return store.samples.create(sample)


def month_characters(store: Store, user_id: str) -> int:
    return store.users.usage_this_month(user_id).characters


def job_dict(repository, view, user_id: str = "alice") -> dict:
    """A service's job view as a dict, with the execution ARN the API keeps inside (tests wait on it)."""
    stored = repository.get(user_id, view.job_id)
    return {**view.model_dump(mode="json"), "execution_arn": stored.execution_arn}
