"""Voice quality for the API: a voice's report, and how close an uploaded sample is to a voice.

Pure Python: the similarity compares two embeddings the workers stored (the sample's at analysis,
the voice's reference at training; voiceclone.quality.embeddings), so no model runs in the API.
Only the caller's own voices and samples are compared: anyone else's answer 404.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.domain.errors import Conflict, NotFound
from voiceclone.domain.samples import SampleStatus
from voiceclone.domain.voices import VoiceStatus
from voiceclone.quality.embeddings import SAMPLE, VOICE, SpeakerEmbeddings
from voiceclone.quality.report import VoiceQualityReport
from voiceclone.quality.similarity import cosine, same_speaker, same_speaker_probability
from voiceclone.quality.thresholds import CALIBRATION
from voiceclone.services.views.quality import SimilarityView, VoiceQualityView
from voiceclone.store import Store
from voiceclone.store.samples import SampleRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.voices import VoiceRepository  # noqa: F401  a repository used here: loads with the module

NOT_EVALUATED = "this voice was made before quality reports existed: train it again to get one"
TRAINING_KEYS = ("steps", "resumed_from_step", "final_loss", "train_seconds", "clips", "model_type")


class SimilarityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sample_id: str = Field(min_length=1, max_length=100, description="one of your uploaded samples")


class EmbeddingUnavailable(Conflict):
    code = "embedding_unavailable"


def voice_quality(store: Store, user_id: str, voice_id: str) -> VoiceQualityView:
    """The stored report of your voice (a public voice of someone else's: 404, like any other)."""
    voice = store.voices.find(user_id, voice_id)
    if voice is None:
        raise NotFound("voice", voice_id)
    stored = voice.quality_report or {}
    training = {k: v for k, v in stored.items() if k in TRAINING_KEYS}
    if not stored.get("evaluated"):
        message = NOT_EVALUATED if voice.status == VoiceStatus.READY else f"the voice is {voice.status}: no report yet"
        if stored.get("reasons"):  # the evaluation ran into an error: say which
            message = " ".join(stored["reasons"])
        return VoiceQualityView(voice_id=voice_id, status=voice.status, evaluated=False, message=message, training=training)
    return VoiceQualityView(voice_id=voice_id, status=voice.status, evaluated=True, report=VoiceQualityReport.model_validate(stored), training=training)


def similarity(store: Store, user_id: str, voice_id: str, request: SimilarityRequest) -> SimilarityView:
    voice = store.voices.find(user_id, voice_id)
    if voice is None or voice.status == VoiceStatus.DELETED:
        raise NotFound("voice", voice_id)
    sample = store.samples.find(user_id, request.sample_id)
    if sample is None:
        raise NotFound("sample", request.sample_id)
    embeddings = SpeakerEmbeddings(store.database)
    reference = embeddings.get(user_id, VOICE, voice_id)
    if reference is None:
        raise EmbeddingUnavailable(
            f"voice '{voice_id}' is {voice.status} and has no reference embedding"
            + ("" if voice.status != VoiceStatus.READY else " (made before quality reports: train it again)")
        )
    recording = embeddings.get(user_id, SAMPLE, request.sample_id)
    if recording is None:
        state = "still being analysed" if sample.status in (SampleStatus.UPLOADING, SampleStatus.ANALYZING) else (
            "rejected" if sample.status == SampleStatus.REJECTED else "analysed before speaker embeddings were stored"
        )
        raise EmbeddingUnavailable(f"sample '{request.sample_id}' has no speaker embedding: it is {state}")
    if recording.encoder != reference.encoder:
        raise EmbeddingUnavailable(
            f"the sample's embedding ({recording.encoder}) and the voice's ({reference.encoder}) come from different encoders"
        )
    encoder = reference.encoder if reference.encoder in CALIBRATION else "resemblyzer"
    score = cosine(recording.embedding, reference.embedding)
    return SimilarityView(
        voice_id=voice_id, sample_id=request.sample_id, encoder=reference.encoder, score=round(score, 4),
        same_speaker_probability=round(same_speaker_probability(score, encoder), 4),
        same_speaker=same_speaker(score, encoder), threshold=CALIBRATION[encoder].eer_threshold,
    )
