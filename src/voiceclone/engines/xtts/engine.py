"""XttsEngine: the Engine interface over coqui's XTTS v2.

- `xtts_v2_instant`: the voice is the GPT conditioning latents and the speaker embedding of the user's
  enhanced samples (artifact `conditioning`, kilobytes); the base model speaks it.
- `xtts_v2`: the GPT is fine-tuned on the clips; the voice is the fine-tuned GPT weights (artifact
  `gpt`) plus its conditioning latents. The DVAE, HiFiGAN decoder and speaker encoder stay shared.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voiceclone.domain.training import FineTuneConfig, ModelType
from voiceclone.domain.tts import VoiceSettings
from voiceclone.engines.asr import Transcriber
from voiceclone.engines.base import (
    Audio,
    BadInput,
    Capabilities,
    CheckpointStore,
    ProgressCallback,
    TrainingClip,
    VoiceArtifacts,
)
from voiceclone.engines.sampling import sampling_parameters
from voiceclone.engines.selfhosted import SelfHostedEngine
from voiceclone.engines.xtts.model import load_base_model, load_finetuned_gpt, module_bytes
from voiceclone.engines.xtts.synthesis import (
    VoiceLatents,
    crossfade_join,
    stream_chunk,
    synthesize_chunk,
    synthesize_chunks,
)

logger = logging.getLogger(__name__)

INSTANT = ModelType.XTTS_V2_INSTANT
FINE_TUNED = ModelType.XTTS_V2
MODEL_TYPES: tuple[str, ...] = (INSTANT, FINE_TUNED)  # the model types this engine serves
ARTIFACT_CONDITIONING = "conditioning"
ARTIFACT_GPT = "gpt"
ARTIFACT_FILES = {ARTIFACT_CONDITIONING: "conditioning.pt", ARTIFACT_GPT: "gpt.pth"}
REFERENCE_SECONDS = 30  # of the user's audio used for the conditioning latents
MAX_CHARACTERS_PER_REQUEST = 5000
# Text chunks per batched GPT pass (synthesize_many). The KV cache grows with it: 25 sequences of the
# full model's 605 codes hold ~4.3 GB in float32, within a 24 GB GPU beside the 1.8 GB model.
PASS_CHUNKS = 25


@dataclass
class XttsVoice:
    model_type: str
    latents: VoiceLatents
    language: str
    gpt: Any | None = None  # the fine-tuned GPT, None for an instant voice (the base GPT speaks)

    @property
    def nbytes(self) -> int:
        latent_bytes = sum(t.numel() * t.element_size() for t in (self.latents.gpt_cond_latent, self.latents.speaker_embedding))
        return latent_bytes + (module_bytes(self.gpt) if self.gpt is not None else 0)


class XttsEngine(SelfHostedEngine):
    name = "xtts"
    display_name = "XTTS"
    model_types = MODEL_TYPES

    def __init__(
        self,
        model_dir: Path,
        device: str | None = None,
        max_new_tokens: int | None = None,
        transcriber: Transcriber | None = None,
        pass_chunks: int = PASS_CHUNKS,
    ):
        super().__init__(model_dir, device)
        self.pass_chunks = max(1, pass_chunks)
        self.max_new_tokens = max_new_tokens  # a cap per text chunk (random test weights never stop)
        self.transcriber = transcriber

    def _load_model(self) -> Any:
        return load_base_model(self.model_dir, self.device)  # shared by every voice

    def capabilities(self, model_type: str) -> Capabilities:
        from voiceclone.engines.xtts.model import load_config

        config = load_config(self.model_dir)
        return Capabilities(
            instant_clone=model_type == INSTANT,
            fine_tune=model_type == FINE_TUNED,
            streaming=True,
            languages=tuple(config.languages),
            sample_rate=config.model_args.output_sample_rate,
            max_characters_per_request=MAX_CHARACTERS_PER_REQUEST,
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
        if model_type == INSTANT:
            progress(0.1, "conditioning")
            latents = self._conditioning(self.model, self.model.gpt, clips)
            files = {ARTIFACT_CONDITIONING: self._save_latents(latents, language, model_type, work_dir)}
            progress(1.0, "conditioning")
            return VoiceArtifacts(files, language, {"clips": float(len(clips))})
        return self._fine_tune(clips, config, progress, work_dir, checkpoints, language)

    def _fine_tune(self, clips, config, progress, work_dir, checkpoints, language) -> VoiceArtifacts:
        from voiceclone.engines.xtts.finetune import fine_tune

        clips = self._with_transcripts(clips, progress)
        result = fine_tune(
            self.model_dir, clips, config, lambda f, s: progress(0.05 + 0.9 * f, s), work_dir, checkpoints, self.device
        )
        progress(0.95, "conditioning")
        gpt = result.trainer.xtts.gpt
        gpt_path = work_dir / ARTIFACT_FILES[ARTIFACT_GPT]
        torch.save(gpt.state_dict(), gpt_path)
        latents = self._conditioning(result.trainer.xtts, gpt, clips)
        files = {
            ARTIFACT_GPT: gpt_path,
            ARTIFACT_CONDITIONING: self._save_latents(latents, language, FINE_TUNED, work_dir),
        }
        metrics = {
            "steps": float(result.steps),
            "resumed_from_step": float(result.resumed_from_step),
            "final_loss": result.final_loss,
            "train_seconds": result.seconds,
            "clips": float(len(clips)),
        }
        progress(1.0, "conditioning")
        return VoiceArtifacts(files, language, metrics)

    def _with_transcripts(self, clips: Sequence[TrainingClip], progress: ProgressCallback) -> list[TrainingClip]:
        missing = [c for c in clips if not (c.transcript or "").strip()]
        if not missing:
            return list(clips)
        if self.transcriber is None:
            names = ", ".join(c.path.name for c in missing[:5])
            raise BadInput(
                f"{len(missing)} clip(s) have no transcript ({names}) and no ASR model is configured "
                "(VOICECLONE_ASR_MODEL): add transcripts to the samples or configure an ASR model."
            )
        progress(0.0, "transcribing")
        return [
            c if (c.transcript or "").strip() else TrainingClip(c.path, c.duration_s, c.language, self.transcriber.transcribe(c.path, c.language))
            for c in clips
        ]

    @torch.inference_mode()
    def _conditioning(self, xtts, gpt, clips: Sequence[TrainingClip]) -> VoiceLatents:
        """Latents from the longest clips, up to REFERENCE_SECONDS of audio, through `gpt`."""
        from TTS.tts.models.xtts import load_audio

        chosen, seconds = [], 0.0
        for clip in sorted(clips, key=lambda c: -c.duration_s):
            if seconds >= REFERENCE_SECONDS:
                break
            chosen.append(clip)
            seconds += clip.duration_s
        audios = [load_audio(str(c.path), 22050).to(xtts.device) for c in chosen]
        speaker = torch.stack([xtts.get_speaker_embedding(a, 22050) for a in audios]).mean(dim=0)
        original_gpt = xtts.gpt
        xtts.gpt = gpt  # the conditioning encoder is part of the (fine-tuned) GPT
        try:
            cond = xtts.get_gpt_cond_latents(torch.cat(audios, dim=-1), 22050, length=REFERENCE_SECONDS, chunk_length=6)
        finally:
            xtts.gpt = original_gpt
        return VoiceLatents(cond.float().cpu(), speaker.float().cpu())

    @staticmethod
    def _save_latents(latents: VoiceLatents, language: str, model_type: str, work_dir: Path) -> Path:
        path = work_dir / ARTIFACT_FILES[ARTIFACT_CONDITIONING]
        torch.save(
            {
                "format": 1,
                "model_type": str(model_type),  # a plain str: weights_only loading refuses the enum
                "language": language,
                "gpt_cond_latent": latents.gpt_cond_latent.contiguous(),
                "speaker_embedding": latents.speaker_embedding.contiguous(),
            },
            path,
        )
        return path

    def load_voice(self, model_type: str, artifacts: Mapping[str, Path]) -> XttsVoice:
        self.check_model_type(model_type)
        if ARTIFACT_CONDITIONING not in artifacts:
            raise BadInput(f"voice artifacts lack '{ARTIFACT_CONDITIONING}'")
        saved = torch.load(artifacts[ARTIFACT_CONDITIONING], map_location="cpu", weights_only=True)
        latents = VoiceLatents(saved["gpt_cond_latent"], saved["speaker_embedding"])
        gpt = None
        if model_type == FINE_TUNED:
            if ARTIFACT_GPT not in artifacts:
                raise BadInput(f"a fine-tuned voice needs its '{ARTIFACT_GPT}' artifact")
            gpt = load_finetuned_gpt(self.model, artifacts[ARTIFACT_GPT])
        return XttsVoice(model_type, latents, saved.get("language", "en"), gpt)

    @torch.inference_mode()
    def with_style(self, voice: XttsVoice, reference: Path, strength: float = 1.0) -> XttsVoice:
        """`voice` speaking with the prosody of `reference` (another recording of the same user).

        XTTS conditions its GPT (rhythm, intonation, energy) on `gpt_cond_latent` and the decoder's timbre
        on `speaker_embedding`: the latent comes from the reference, blended with the voice's own by
        `strength` (1: the reference's), the speaker embedding stays the voice's.
        """
        import soxr

        from voiceclone.audio.codecs import read_audio

        samples, rate = read_audio(reference)
        mono = samples.mean(axis=1) if samples.ndim == 2 else samples
        audio = torch.from_numpy(np.ascontiguousarray(soxr.resample(mono, rate, 22050), dtype=np.float32))[None]
        model = self.model
        original_gpt = model.gpt
        model.gpt = voice.gpt or original_gpt  # the conditioning encoder is the voice's GPT's
        try:
            cond = model.get_gpt_cond_latents(audio.to(model.device), 22050, length=REFERENCE_SECONDS, chunk_length=6)
        finally:
            model.gpt = original_gpt
        weight = min(max(strength, 0.0), 1.0)
        blended = (1.0 - weight) * voice.latents.gpt_cond_latent + weight * cond.float().cpu()
        return XttsVoice(voice.model_type, VoiceLatents(blended, voice.latents.speaker_embedding), voice.language, voice.gpt)

    # --- speech -------------------------------------------------------------------------------

    def _chunks(self, text: str, language: str) -> list[str]:
        language = language.split("-")[0]
        if language not in {lang.split("-")[0] for lang in self.model.config.languages}:
            raise BadInput(f"Language '{language}' is not supported by XTTS v2.")
        return self.text_chunks(text, self.model.tokenizer.char_limits.get(language, 250))

    def synthesize(self, text: str, voice: XttsVoice, language: str, settings: VoiceSettings) -> Audio:
        model = self.model
        params = sampling_parameters(settings)
        gpt = voice.gpt or model.gpt
        pieces = [
            synthesize_chunk(model, gpt, voice.latents, chunk, language, params, self.max_new_tokens)
            for chunk in self._chunks(text, language)
        ]
        rate = model.args.output_sample_rate
        return Audio(crossfade_join(pieces, rate), rate)

    def synthesize_many(
        self, texts: Sequence[str], voice: XttsVoice, language: str, settings: VoiceSettings
    ) -> list[Audio]:
        """All the texts' chunks spoken in GPT passes of up to `pass_chunks` sequences, then re-joined per text."""
        model, params = self.model, sampling_parameters(settings)
        chunked = [self._chunks(text, language) for text in texts]  # BadInput before any work
        flat = [chunk for chunks in chunked for chunk in chunks]
        pieces: list[np.ndarray] = []
        for start in range(0, len(flat), self.pass_chunks):
            pass_texts = flat[start : start + self.pass_chunks]
            pieces += synthesize_chunks(model, voice.gpt or model.gpt, voice.latents, pass_texts, language, params,
                                        self.max_new_tokens)
        rate, audios, used = model.args.output_sample_rate, [], 0
        for chunks in chunked:
            audios.append(Audio(crossfade_join(pieces[used : used + len(chunks)], rate), rate))
            used += len(chunks)
        return audios

    def stream(self, text: str, voice: XttsVoice, language: str, settings: VoiceSettings) -> Iterator[np.ndarray]:
        model = self.model
        params = sampling_parameters(settings)
        gpt = voice.gpt or model.gpt
        for chunk in self._chunks(text, language):
            yield from stream_chunk(model, gpt, voice.latents, chunk, language, params, self.max_new_tokens)

