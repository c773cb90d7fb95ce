"""A voice's reference speaker embedding as a small JSON artifact (`speaker_reference`), written by
the trainer beside the voice's other artifacts and read by the synth worker for per-result SECS."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

ARTIFACT = "speaker_reference"
FILENAME = "speaker_reference.json"


def write_reference(folder: Path, encoder: str, embedding: Sequence[float]) -> Path:
    path = Path(folder) / FILENAME
    path.write_text(json.dumps({"format": 1, "encoder": encoder, "embedding": [round(float(x), 6) for x in embedding]}))
    return path


def read_reference(files: Mapping[str, Path]) -> tuple[str, list[float]] | None:
    """(encoder, embedding) from a voice's downloaded artifacts; None for a voice without one."""
    path = files.get(ARTIFACT)
    if path is None:
        return None
    saved = json.loads(Path(path).read_text())
    return str(saved["encoder"]), [float(x) for x in saved["embedding"]]
