"""The remote-synthesize step: the job's text spoken by its remote engine, normalised, stored in S3,
answered with the SynthResult finalize-tts records (the same answer as the GPU synth worker's)."""

from __future__ import annotations

import time
from typing import Any

from voiceclone.domain.tts import OUTPUT_CONTENT_TYPES
from voiceclone.engines.remote.output import render_speech
from voiceclone.engines.remote.speech import RemoteClient, RemoteSpeechRequest, fetch_speech
from voiceclone.workers.messages import RemoteSynthPayload, SynthResult

REMOTE_NO_REFERENCE = "a remote engine's voice has no reference embedding here: speaker similarity not measured"


def synthesize_to_s3(engine: str, payload: RemoteSynthPayload, client: RemoteClient, s3: Any, bucket: str) -> SynthResult:
    started = time.perf_counter()
    request = RemoteSpeechRequest(
        engine=engine, text=payload.text, voice=payload.provider_voice(), language=payload.language,
        voice_settings=payload.voice_settings.model_dump(), model=payload.provider_model,
        instructions=payload.instructions,
    )
    audio = fetch_speech(client, request)
    answered = time.perf_counter()
    speech = render_speech(audio, str(payload.output_format))
    rendered = time.perf_counter()
    quality = _measured(audio, payload.text, answered - started)
    s3.put_object(Bucket=bucket, Key=payload.output_key, Body=speech.data,
                  ContentType=OUTPUT_CONTENT_TYPES[payload.output_format])
    finished = time.perf_counter()
    return SynthResult(
        output_key=payload.output_key,
        output_format=str(payload.output_format),  # type: ignore[arg-type]  # the same four names
        duration_s=speech.duration_s,
        sample_rate=speech.sample_rate,
        size_bytes=len(speech.data),
        metrics={
            "provider_s": round(answered - started, 4),
            "synthesis_s": round(answered - started, 4),
            "postprocess_s": round(rendered - answered, 4),
            "upload_s": round(finished - rendered, 4),
            "real_time_factor": round((answered - started) / max(speech.duration_s, 1e-6), 4),
            "quality_score": quality["quality_score"],
        },
        quality=quality,
    )


def _measured(audio, text: str, provider_s: float) -> dict[str, Any]:
    """DNSMOS and signal checks on the provider's speech (voiceclone.quality); no reference embedding
    exists for a provider's voice, so speaker similarity is left out and the notes say so."""
    from voiceclone.engines.remote.output import decode
    from voiceclone.quality.assessment import NO_REFERENCE
    from voiceclone.quality.per_result import result_quality
    from voiceclone.workers.postprocess import normalize_loudness

    samples, rate = decode(audio)
    quality = result_quality(normalize_loudness(samples, rate), rate, text, None, provider_s)  # as delivered
    quality["notes"] = [REMOTE_NO_REFERENCE if note == NO_REFERENCE else note for note in quality.get("notes", [])]
    return quality
