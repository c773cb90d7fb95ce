"""Each stream speaks through its own view of the GPT, so concurrent generations cannot mix.

coqui's XTTS GPT keeps per-generation state on the shared module: `compute_embeddings` stores the
prefix (speaker latents + the text's embeddings) on `gpt.gpt_inference`, and every later step reads
its length for the positions. Two generations at once on one GPT (two streams, or a stream beside the
worker's job) would speak one another's text. A stream therefore gets a shallow copy of the GPT and of
its inference module: the same parameters and submodules (no memory), but its own attributes, so the
prefix it stores is its own and the worker's GPT is never written to. Engines without such a GPT
(`voice.gpt` / `engine.model.gpt`) are left as they are.
"""

from __future__ import annotations

import copy
from typing import Any


def private_voice(engine: Any, voice: Any) -> Any:
    """`voice` speaking through a private view of its GPT (XTTS), or `voice` itself for other engines."""
    if not hasattr(voice, "gpt"):
        return voice
    gpt = voice.gpt if voice.gpt is not None else getattr(getattr(engine, "model", None), "gpt", None)
    if gpt is None or not hasattr(gpt, "gpt_inference"):
        return voice
    mine = copy.copy(voice)  # the cached voice stays as it is
    mine.gpt = private_view(gpt)
    return mine


def private_view(gpt: Any) -> Any:
    """A shallow copy of `gpt` whose `gpt_inference` is a shallow copy too (shared weights, own attributes)."""
    view = _shallow_module(gpt)
    view._modules["gpt_inference"] = _shallow_module(gpt.gpt_inference)
    return view


def _shallow_module(module: Any) -> Any:
    clone = copy.copy(module)  # a new object with a copy of __dict__ (the tables inside still shared)
    clone._modules = dict(module._modules)  # its own table of submodules: replacing one leaves the original
    return clone
