"""Speech from text with an XTTS GPT (base or fine-tuned) and the shared HiFiGAN decoder.

Same steps as coqui's `Xtts.inference` (generate audio codes, recompute their latents, decode), but
the GPT is a parameter so fine-tuned voices share the base model's decoder and tokenizer. Streaming
decodes incrementally: each new chunk of latents is decoded with a few frames of left context instead
of re-decoding everything generated so far (coqui's `inference_stream`), so the cost stays linear.

`synthesize_chunks` speaks several chunks in one GPT pass: each chunk's prefix (conditioning + text) is
left-padded to the longest and the padding masked out. The GPT has no absolute positions (coqui's
text and mel position embeddings count from each part's own start), so every sequence sees exactly
what it would alone; greedy decoding gives the same codes as one chunk at a time. The latents come out
of the generation itself (no second GPT pass); the HiFiGAN decoder runs per chunk (padding a
convolution's input would change its edges). A single chunk is a pass of one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from voiceclone.engines.sampling import SamplingParameters

CROSSFADE_S = 0.02  # between text chunks, and between streamed pieces


@dataclass
class VoiceLatents:
    gpt_cond_latent: torch.Tensor  # (1, 32, model_dim) with the perceiver resampler
    speaker_embedding: torch.Tensor  # (1, 512, 1)


def _tokens(model, text: str, language: str) -> torch.Tensor:
    tokens = model.tokenizer.encode(text.strip().lower(), lang=language)
    if len(tokens) >= model.args.gpt_max_text_tokens:
        raise ValueError(f"text chunk too long for XTTS ({len(tokens)} tokens): {text[:40]}...")
    return torch.IntTensor(tokens).unsqueeze(0).to(model.device)


def _hf_kwargs(params: SamplingParameters, max_new_tokens: int | None) -> dict:
    kwargs = {
        "do_sample": True,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "top_k": params.top_k,
        "repetition_penalty": float(params.repetition_penalty),
        "length_penalty": 1.0,
    }
    if max_new_tokens:
        kwargs["max_new_tokens"] = max_new_tokens
    return kwargs


def _stretch(latents: torch.Tensor, speed: float) -> torch.Tensor:
    if speed == 1.0:
        return latents
    scale = 1.0 / max(speed, 0.05)
    return F.interpolate(latents.transpose(1, 2), scale_factor=scale, mode="linear").transpose(1, 2)


@dataclass
class Generated:
    codes: torch.Tensor  # (1, n) audio codes, through the stop token when one was generated
    latents: torch.Tensor  # (1, n, model_dim): the GPT's normed hidden state at each code, what HiFiGAN decodes


def _prefix_embedding(gpt, cond: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """What coqui's `GPT.compute_embeddings` builds for one sequence: conditioning, [START] text [STOP]."""
    text = F.pad(F.pad(tokens, (0, 1), value=gpt.stop_text_token), (1, 0), value=gpt.start_text_token)
    return torch.cat([cond, gpt.text_embedding(text) + gpt.text_pos_embedding(text)], dim=1)


def generate(gpt, cond: torch.Tensor, tokens: list[torch.Tensor], hf_kwargs: dict) -> list[Generated]:
    """Audio codes and their latents for several texts in one generate() call (left-padded, masked).

    The latents are taken as they are computed: the LM head's norm, wrapped in a private view of the
    inference module, keeps each step's last position. Coqui recomputes them with a second forward pass
    over prefix and codes; causal attention makes both the same numbers (tested), so that pass is not
    needed. The view shares the weights but not the modules' attributes, so a real-time stream
    generating on the same GPT at the same time (its own view, realtime.engine_isolation) neither sees
    this prefix nor feeds these latents.
    """
    prefixes = [_prefix_embedding(gpt, cond, t) for t in tokens]
    width = max(p.shape[1] for p in prefixes)
    padded = torch.cat([F.pad(p, (0, 0, width - p.shape[1], 0)) for p in prefixes])
    mask = torch.ones(len(prefixes), width + 1, dtype=torch.long, device=cond.device)
    for row, prefix in enumerate(prefixes):
        mask[row, : width - prefix.shape[1]] = 0
    inputs = torch.ones(len(prefixes), width + 1, dtype=torch.long, device=cond.device)
    inputs[:, -1] = gpt.start_audio_token
    steps: list[torch.Tensor] = []
    inference = _capturing_view(gpt.gpt_inference, steps)  # its own prefix and head: nothing shared is written
    inference.store_prefix_emb(padded)
    generated = inference.generate(
        inputs,
        bos_token_id=gpt.start_audio_token,
        pad_token_id=gpt.stop_audio_token,
        eos_token_id=gpt.stop_audio_token,
        attention_mask=mask,
        num_return_sequences=1,
        num_beams=1,
        output_attentions=False,
        **hf_kwargs,
    )[:, width + 1 :]
    latents = torch.cat(steps, dim=1)
    codes = [_through_first_stop(row, gpt.stop_audio_token) for row in generated]
    return [Generated(c, latents[row : row + 1, : c.shape[1]]) for row, c in enumerate(codes)]


class _CapturingNorm(torch.nn.Module):
    """The LM head's norm, keeping the newest position of every call (one per generated code)."""

    def __init__(self, norm: torch.nn.Module, steps: list[torch.Tensor]):
        super().__init__()
        self.norm, self.steps = norm, steps

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        out = self.norm(hidden)
        self.steps.append(out[:, -1:, :])
        return out


def _capturing_view(inference, steps: list[torch.Tensor]):
    """A shallow copy of coqui's GPT2InferenceModel (same weights) whose LM head records its norm's output."""
    view = copy.copy(inference)
    view._modules = dict(inference._modules)  # its own submodule table: the original keeps its head
    norm, linear = inference.lm_head[0], inference.lm_head[1]
    view._modules["lm_head"] = torch.nn.Sequential(_CapturingNorm(norm, steps), linear)
    return view


def _through_first_stop(codes: torch.Tensor, stop: int) -> torch.Tensor:
    """One sequence's codes up to and including its stop token (the rest is padding), as (1, n)."""
    stops = (codes == stop).nonzero()
    end = int(stops[0]) + 1 if len(stops) else codes.shape[0]
    return codes[:end].unsqueeze(0)


def _decode(model, voice: VoiceLatents, latents: torch.Tensor, speed: float) -> np.ndarray:
    wav = model.hifigan_decoder(_stretch(latents, speed), g=voice.speaker_embedding.to(model.device))
    return wav.squeeze().float().cpu().numpy()


def synthesize_chunk(
    model, gpt, voice: VoiceLatents, text: str, language: str, params: SamplingParameters, max_new_tokens=None
) -> np.ndarray:
    """One text chunk (within the language's limit) to float32 audio at the decoder's rate."""
    return synthesize_chunks(model, gpt, voice, [text], language, params, max_new_tokens)[0]


@torch.inference_mode()
def synthesize_chunks(
    model, gpt, voice: VoiceLatents, texts: list[str], language: str, params: SamplingParameters,
    max_new_tokens=None, greedy: bool = False,
) -> list[np.ndarray]:
    """Several text chunks (one language, one voice, one set of sampling parameters) in one GPT pass."""
    tokens = [_tokens(model, text, language) for text in texts]
    hf_kwargs = _hf_kwargs(params, max_new_tokens or gpt.max_gen_mel_tokens)
    if greedy:
        hf_kwargs = {"do_sample": False, **{k: v for k, v in hf_kwargs.items() if k not in _SAMPLING_ONLY}}
    speech = generate(gpt, voice.gpt_cond_latent.to(model.device), tokens, hf_kwargs)
    return [_decode(model, voice, one.latents, params.speed) for one in speech]


_SAMPLING_ONLY = {"do_sample", "temperature", "top_p", "top_k"}


def crossfade_join(pieces: list[np.ndarray], sample_rate: int, fade_s: float = CROSSFADE_S) -> np.ndarray:
    """Concatenates audio pieces, overlapping each seam by a short linear crossfade."""
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    out = pieces[0].astype(np.float32)
    for piece in pieces[1:]:
        fade = min(int(fade_s * sample_rate), len(out), len(piece))
        if fade == 0:
            out = np.concatenate([out, piece])
            continue
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        seam = out[-fade:] * (1.0 - ramp) + piece[:fade] * ramp
        out = np.concatenate([out[:-fade], seam, piece[fade:]])
    return out.astype(np.float32)


class IncrementalDecoder:
    """Decodes a growing latent sequence piece by piece at constant cost per piece.

    Each call decodes only [emitted - context, end) and emits audio up to `end - lookahead` frames,
    so the decoder's edge effects fall in audio that is not emitted yet; seams are crossfaded.
    """

    def __init__(self, decode, sample_rate: int, context_frames: int = 8, lookahead_frames: int = 2):
        self.decode = decode  # latents (1, T, C) -> waveform (1, 1, S)
        self.sample_rate = sample_rate
        self.context = context_frames
        self.lookahead = lookahead_frames
        self.fade = int(CROSSFADE_S * sample_rate)
        self.latents: list[torch.Tensor] = []  # (1, C) frames
        self.emitted = 0  # frames whose audio went out
        self.tail: np.ndarray | None = None  # audio past the last emitted point, to crossfade

    def push(self, frames: torch.Tensor, final: bool = False) -> np.ndarray:
        """Adds latent frames (1, T, C); returns the audio now final (may be empty)."""
        self.latents.extend(frames[0].unbind(0))
        total = len(self.latents)
        until = total if final else total - self.lookahead
        if until <= self.emitted or total == 0:
            return np.zeros(0, dtype=np.float32)
        start = max(0, self.emitted - self.context)
        window = torch.stack(self.latents[start:total])[None]
        wav = self.decode(window).squeeze().float().cpu().numpy()
        per_frame = len(wav) / (total - start)
        begin = round((self.emitted - start) * per_frame)
        stop = len(wav) if final else round((until - start) * per_frame)
        overlap = 0 if final else min(self.fade, len(wav) - stop)  # audio past `stop`, kept to crossfade
        piece = wav[begin : stop + overlap].copy()
        self.emitted = until
        if self.tail is not None:
            fade = min(len(self.tail), len(piece))
            ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
            piece[:fade] = self.tail[:fade] * (1.0 - ramp) + piece[:fade] * ramp
        self.tail = piece[len(piece) - overlap :] if overlap else None
        return piece[: len(piece) - overlap].astype(np.float32)


@torch.inference_mode()
def stream_chunk(
    model,
    gpt,
    voice: VoiceLatents,
    text: str,
    language: str,
    params: SamplingParameters,
    max_new_tokens=None,
    first_piece_tokens: int = 20,
    max_piece_tokens: int = 80,
) -> Iterator[np.ndarray]:
    """Audio pieces for one text chunk as the GPT generates, decoded incrementally.

    The first piece is small (early first audio); later ones double up to `max_piece_tokens`, so the
    decoder's fixed context per piece costs little once audio is flowing.
    """
    tokens = _tokens(model, text, language)
    inputs = gpt.compute_embeddings(voice.gpt_cond_latent.to(model.device), tokens)
    generator = gpt.get_generator(
        fake_inputs=inputs,
        num_beams=1,
        num_return_sequences=1,
        output_attentions=False,
        output_hidden_states=True,
        return_dict_in_generate=True,
        **_hf_kwargs(params, max_new_tokens),
    )
    speaker = voice.speaker_embedding.to(model.device)
    decoder = IncrementalDecoder(
        lambda latents: model.hifigan_decoder(latents, g=speaker), model.args.output_sample_rate
    )
    pending: list[torch.Tensor] = []
    piece_tokens = first_piece_tokens
    for _token, latent in generator:
        pending.append(latent)
        if len(pending) >= piece_tokens:
            piece = decoder.push(_stretch(torch.cat(pending, dim=0)[None], params.speed))
            pending = []
            piece_tokens = min(2 * piece_tokens, max_piece_tokens)
            if len(piece):
                yield piece
    tail = _stretch(torch.cat(pending, dim=0)[None], params.speed) if pending else torch.zeros(1, 0, gpt.model_dim)
    piece = decoder.push(tail, final=True)
    if len(piece):
        yield piece
