"""YourTtsEngine: the Engine interface over coqui's YourTTS (VITS), zero-shot cloning from reference audio.

Model type `yourtts`: a voice is the d-vector the release's speaker encoder computes from the user's
enhanced clips (artifact `speaker_embedding`, about 2 KB); the shared VITS model speaks it. YourTTS has
no fine-tune here (the release is CC BY-NC-ND: no derivatives). VITS is not autoregressive, so
streaming yields whole sentences (chunks) as each is ready. Output: 16 kHz resampled to 24 kHz.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voiceclone.domain.training import FineTuneConfig
from voiceclone.domain.tts import VoiceSettings
from voiceclone.engines.base import (
    BadInput,
    Capabilities,
    CheckpointStore,
    ProgressCallback,
    TrainingClip,
    VoiceArtifacts,
)
from voiceclone.engines.catalog_selfhosted import YOURTTS
from voiceclone.engines.platform_audio import PLATFORM_SAMPLE_RATE, to_platform_rate
from voiceclone.engines.selfhosted import SelfHostedEngine
from voiceclone.engines.yourtts.model import load_model

logger = logging.getLogger(__name__)

MODEL_TYPE = YOURTTS.model_type
ARTIFACT_SPEAKER = "speaker_embedding"
ARTIFACT_FILES = {ARTIFACT_SPEAKER: "speaker_embedding.pt"}
REFERENCE_SECONDS = 20  # of the user's audio embedded (longest clips first)
CHUNK_CHARACTERS = 200  # VITS attends over the whole chunk: keep sentences packed but short
# The API's language codes -> the release's language ids.
LANGUAGE_IDS = {"en": "en", "fr": "fr-fr", "pt": "pt-br"}


@dataclass
class YourTtsVoice:
    d_vector: torch.Tensor  # (512,) float32
    language: str

    @property
    def nbytes(self) -> int:
        return self.d_vector.numel() * self.d_vector.element_size()


@dataclass(frozen=True)
class VitsScales:
    """VITS's sampling knobs from the API's voice settings (the one place they are mapped)."""

    noise: float
    noise_duration: float
    length: float

    @classmethod
    def from_settings(cls, settings: VoiceSettings, base_noise: float, base_noise_dp: float) -> VitsScales:
        # stability 0.75 (the API default) keeps the release's scales; less stability, livelier sampling.
        factor = 1.75 - settings.stability
        return cls(
            noise=base_noise * factor, noise_duration=base_noise_dp * factor, length=1.0 / settings.speed
        )


class YourTtsEngine(SelfHostedEngine):
    name = MODEL_TYPE
    display_name = "YourTTS"
    model_types = (MODEL_TYPE,)

    def __init__(
        self, model_dir: Path, device: str | None = None, output_sample_rate: int = PLATFORM_SAMPLE_RATE
    ):
        super().__init__(model_dir, device)
        self.output_sample_rate = output_sample_rate

    def _load_model(self) -> Any:
        return load_model(self.model_dir, self.device)

    def _memory_modules(self, model: Any) -> tuple[Any, ...]:
        return (model, model.speaker_manager.encoder)  # VITS and its speaker encoder

    def capabilities(self, model_type: str) -> Capabilities:
        self.check_model_type(model_type)
        return Capabilities(
            instant_clone=True,
            fine_tune=False,
            streaming=True,
            languages=tuple(LANGUAGE_IDS),
            sample_rate=self.output_sample_rate,
            max_characters_per_request=YOURTTS.max_characters_per_request,
        )

    # --- voices -------------------------------------------------------------------------------

    def create_voice(
        self,
        model_type: str,
        clips: Sequence[TrainingClip],
        config: FineTuneConfig,
        progress: ProgressCallback,
        work_dir: Path,
        checkpoints: CheckpointStore | None = None,
    ) -> VoiceArtifacts:
        self.check_model_type(model_type)
        if not clips:
            raise BadInput("A voice needs at least one clip.")
        language = clips[0].language
        progress(0.1, "conditioning")
        chosen = _reference_clips(clips)
        with self._lock:
            embedding = self.model.speaker_manager.compute_embedding_from_clip([str(c.path) for c in chosen])
        path = work_dir / ARTIFACT_FILES[ARTIFACT_SPEAKER]
        torch.save(
            {
                "format": 1,
                "model_type": model_type,
                "language": language,
                "d_vector": torch.tensor(embedding, dtype=torch.float32),
            },
            path,
        )
        progress(1.0, "conditioning")
        return VoiceArtifacts({ARTIFACT_SPEAKER: path}, language, {"clips": float(len(chosen))})

    def load_voice(self, model_type: str, artifacts: Mapping[str, Path]) -> YourTtsVoice:
        self.check_model_type(model_type)
        if ARTIFACT_SPEAKER not in artifacts:
            raise BadInput(f"voice artifacts lack '{ARTIFACT_SPEAKER}'")
        saved = torch.load(artifacts[ARTIFACT_SPEAKER], map_location="cpu", weights_only=True)
        return YourTtsVoice(saved["d_vector"].float(), saved.get("language", "en"))

    # --- speech -------------------------------------------------------------------------------

    def stream(
        self, text: str, voice: YourTtsVoice, language: str, settings: VoiceSettings
    ) -> Iterator[np.ndarray]:
        language_id = self._language_id(language)
        for chunk in self.text_chunks(text, CHUNK_CHARACTERS):
            yield self._speak_chunk(chunk, voice, language_id, settings)

    def _language_id(self, language: str) -> int:
        code = LANGUAGE_IDS.get(language.split("-")[0].lower())
        ids = self.model.language_manager.name_to_id
        if code is None or code not in ids:
            raise BadInput(
                f"Language '{language}' is not supported by YourTTS (supported: {', '.join(LANGUAGE_IDS)})."
            )
        return ids[code]

    @torch.inference_mode()
    def _speak_chunk(
        self, chunk: str, voice: YourTtsVoice, language_id: int, settings: VoiceSettings
    ) -> np.ndarray:
        with self._lock:
            model = self.model
            args = model.args
            scales = VitsScales.from_settings(
                settings, args.inference_noise_scale, args.inference_noise_scale_dp
            )
            model.inference_noise_scale, model.inference_noise_scale_dp = scales.noise, scales.noise_duration
            model.length_scale = scales.length
            ids = torch.tensor(model.tokenizer.text_to_ids(chunk), dtype=torch.long, device=self.device)[None]
            outputs = model.inference(
                ids,
                aux_input={
                    "d_vectors": voice.d_vector.to(self.device)[None],
                    "language_ids": torch.tensor([language_id], device=self.device),
                },
            )
            samples = outputs["model_outputs"][0, 0].float().cpu().numpy()
            native_rate = model.config.audio.sample_rate
        return to_platform_rate(samples, native_rate, self.output_sample_rate)


def _reference_clips(clips: Sequence[TrainingClip]) -> list[TrainingClip]:
    chosen, seconds = [], 0.0
    for clip in sorted(clips, key=lambda c: -c.duration_s):
        if seconds >= REFERENCE_SECONDS:
            break
        chosen.append(clip)
        seconds += clip.duration_s
    return chosen

