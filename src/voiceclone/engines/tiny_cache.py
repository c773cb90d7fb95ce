"""How the tiny random-weight test models (xtts/tiny.py, yourtts/tiny.py, bark/tiny.py) are cached.

Each is built once into `<cache>/tiny_<engine>/tiny-<hash of its spec>/` (VOICECLONE_CACHE_DIR overrides
`.cache`), in a staging folder renamed into place, so concurrent builders never see half a model.
Built seeded (torch.manual_seed(0)) with torch's thread count restored afterwards (coqui's trainer
modules set it to 1 on import).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cache_root(folder: str) -> Path:
    """`.cache/<folder>` (VOICECLONE_CACHE_DIR overrides `.cache`), e.g. "tiny_xtts"."""
    return Path(os.environ.get("VOICECLONE_CACHE_DIR", ".cache")).resolve() / folder


def cache_key(spec: Any) -> str:
    """`tiny-` and 12 hex digits of the builder's spec (its version and every shape it builds)."""
    return "tiny-" + hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def cached_model_dir(root: Path, spec: Any, marker: str, build: Callable[[Path], None]) -> Path:
    """The folder `build` fills, built once per spec; `marker` is the file whose presence says it is complete."""
    target = root / cache_key(spec)
    if (target / marker).is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=root))
    try:
        _seeded(build, staging)
        staging.chmod(0o755)
        try:
            staging.rename(target)  # atomic: a concurrent builder's result is as good as ours
        except OSError:
            if not (target / marker).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _seeded(build: Callable[[Path], None], folder: Path) -> None:
    import torch

    threads = torch.get_num_threads()
    try:
        torch.manual_seed(0)
        build(folder)
    finally:
        torch.set_num_threads(threads)
