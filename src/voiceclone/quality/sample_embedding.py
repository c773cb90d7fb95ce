"""A sample's speaker embedding, stored once analysis found it ready (the analyze-sample Lambda), so
the similarity API compares stored vectors only. Never fails the analysis: a failure is logged and
the sample simply has no embedding (the API then answers 409 embedding_unavailable)."""

from __future__ import annotations

import logging
import tempfile

import numpy as np

from voiceclone import blobs
from voiceclone.audio.codecs import open_audio
from voiceclone.domain.samples import SampleStatus
from voiceclone.quality.embeddings import SAMPLE, SpeakerEmbeddings
from voiceclone.quality.speaker import MAX_SECONDS, configured_encoder

logger = logging.getLogger(__name__)

READ_SECONDS = 3 * MAX_SECONDS  # the encoder keeps MAX_SECONDS of it once silences are trimmed


def store_embedding(store, user_id: str, sample_id: str, samples: np.ndarray, sample_rate: int) -> None:
    encoder = configured_encoder()
    vector = encoder.embed(samples, sample_rate)
    SpeakerEmbeddings(store.database).put(user_id, SAMPLE, sample_id, encoder.name, vector.tolist())


def embed_uploaded_sample(store, bucket: str, key: str) -> str:
    """"stored", or "skipped: ..." / "failed: ..." saying why not."""
    try:
        user_id, sample_id, _ = blobs.parse_raw_sample_key(key)
    except ValueError:
        return f"skipped: {key} is not a raw sample key"
    sample = store.samples.find(user_id, sample_id)
    if sample is None or sample.status != SampleStatus.READY:
        return "skipped: the sample is not ready"
    try:
        with tempfile.TemporaryFile(prefix="voiceclone-embed-") as file:
            blobs.s3_client().download_fileobj(bucket, key, file)
            file.seek(0)
            with open_audio(file) as audio:
                rate = audio.info.sample_rate
                samples = audio.read(0, int(READ_SECONDS * rate)).mean(axis=1)
        store_embedding(store, user_id, sample_id, samples, rate)
    except Exception as error:
        logger.exception("sample speaker embedding failed", extra={"key": key})
        return f"failed: {type(error).__name__}"
    return "stored"
