"""BarkEngine: the Engine interface over coqui-tts's Bark, speaking with Suno's speaker prompts.

Model type `bark`: a voice is a speaker prompt (semantic, coarse and fine codes; `preset_voices()` lists
them, `load_preset(name)` loads one; `load_voice` takes the same three files as artifacts). Bark cannot
clone here (catalog_selfhosted.BARK.notes says why): `create_voice` refuses with BadInput. Text is cut
into sentence chunks (Bark reads at most 256 BERT tokens per generation); streaming yields each chunk's
audio as it is ready. Output is 24 kHz, Bark's native rate.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voiceclone.domain.training import FineTuneConfig
from voiceclone.domain.tts import VoiceSettings
from voiceclone.engines.bark import model as bark_model
from voiceclone.engines.base import (
    BadInput,
    Capabilities,
    CheckpointStore,
    ProgressCallback,
    TrainingClip,
    VoiceArtifacts,
)
from voiceclone.engines.catalog_selfhosted import BARK
from voiceclone.engines.platform_audio import PLATFORM_SAMPLE_RATE, to_platform_rate
from voiceclone.engines.selfhosted import SelfHostedEngine

MODEL_TYPE = BARK.model_type
CHUNK_CHARACTERS = 180  # well inside Bark's 256-token text window (about 13 s of speech)
BASE_TEMPERATURE = 0.7  # Bark's default for both stages


@dataclass
class BarkVoice:
    name: str
    semantic: torch.Tensor  # (T,) int64
    coarse: torch.Tensor  # (2, T') int64
    fine: torch.Tensor  # (8, T') int64

    @classmethod
    def from_prompt(cls, name: str, prompt: Mapping[str, np.ndarray]) -> BarkVoice:
        parts = [torch.from_numpy(np.asarray(prompt[p], dtype=np.int64)) for p in bark_model.PROMPT_PARTS]
        semantic, coarse, fine = parts
        if (
            semantic.ndim != 1
            or coarse.ndim != 2
            or coarse.shape[0] != 2
            or fine.ndim != 2
            or fine.shape[0] != 8
        ):
            raise BadInput(f"Bark speaker prompt '{name}' is not shaped (T,), (2, T), (8, T).")
        return cls(name, semantic, coarse, fine)

    @property
    def history_prompt(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.semantic, self.coarse, self.fine

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.history_prompt)


def temperature(settings: VoiceSettings) -> float:
    """stability 0.75 (the API default) keeps Bark's 0.7; more stability, colder sampling."""
    return BASE_TEMPERATURE * (1.75 - settings.stability)


class BarkEngine(SelfHostedEngine):
    name = MODEL_TYPE
    display_name = "Bark"
    model_types = (MODEL_TYPE,)

    def __init__(
        self,
        model_dir: Path,
        device: str | None = None,
        max_gen_duration_s: float | None = None,
        output_sample_rate: int = PLATFORM_SAMPLE_RATE,
    ):
        super().__init__(model_dir, device)
        self.max_gen_duration_s = max_gen_duration_s  # a cap per chunk (random test weights never stop)
        self.output_sample_rate = output_sample_rate

    def _load_model(self) -> Any:
        return bark_model.load_model(self.model_dir, self.device)

    def capabilities(self, model_type: str) -> Capabilities:
        self.check_model_type(model_type)
        return Capabilities(
            instant_clone=False,
            fine_tune=False,
            streaming=True,
            languages=BARK.languages,
            sample_rate=self.output_sample_rate,
            max_characters_per_request=BARK.max_characters_per_request,
        )

    # --- voices -------------------------------------------------------------------------------

    def preset_voices(self) -> tuple[str, ...]:
        return bark_model.preset_voices(self.model_dir)

    def load_preset(self, name: str) -> BarkVoice:
        return BarkVoice.from_prompt(
            name, bark_model.read_prompt(bark_model.prompt_files(self.model_dir, name))
        )

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
        raise BadInput(
            "Bark cannot make a voice from samples on this platform: pick one of its speaker prompts."
        )

    def load_voice(self, model_type: str, artifacts: Mapping[str, Path]) -> BarkVoice:
        self.check_model_type(model_type)
        missing = [p for p in bark_model.PROMPT_PARTS if p not in artifacts]
        if missing:
            raise BadInput(f"Bark voice artifacts lack {', '.join(missing)}")
        files = {p: Path(artifacts[p]) for p in bark_model.PROMPT_PARTS}
        return BarkVoice.from_prompt(files["semantic_prompt"].stem, bark_model.read_prompt(files))

    # --- speech -------------------------------------------------------------------------------

    def stream(
        self, text: str, voice: BarkVoice, language: str, settings: VoiceSettings
    ) -> Iterator[np.ndarray]:
        if language.split("-")[0].lower() not in BARK.languages:
            raise BadInput(
                f"Language '{language}' is not supported by Bark (supported: {', '.join(BARK.languages)})."
            )
        for chunk in self.text_chunks(text, CHUNK_CHARACTERS):
            yield self._speak_chunk(chunk, voice, temperature(settings))

    def _speak_chunk(self, chunk: str, voice: BarkVoice, temp: float) -> np.ndarray:
        from TTS.tts.layers.bark.load_model import inference_mode

        with self._lock, inference_mode():
            model = self.model
            audio, *_ = model.generate_audio(
                chunk,
                history_prompt=tuple(t.to(self.device) for t in voice.history_prompt),
                text_temp=temp,
                waveform_temp=temp,
                max_gen_duration_s=self.max_gen_duration_s,
                silent=True,
            )
            native_rate = model.config.sample_rate
        return to_platform_rate(audio.float().numpy(), native_rate, self.output_sample_rate)

