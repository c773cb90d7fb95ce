"""The GPU container files: hadolint-clean, non-root, offline hub, health check, worker entry points.

Docker has no engine on this machine, so the images are linted, not built; the entry points they run
are exercised as real processes in test_entry_points.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

CONTAINERS = Path(__file__).resolve().parents[3] / "containers"
HADOLINT = Path(sys.executable).parent / "hadolint"


@pytest.mark.parametrize("kind", ["trainer", "synth"])
def test_dockerfile_passes_hadolint_and_runs_the_worker_as_a_user(kind):
    dockerfile = CONTAINERS / f"gpu-{kind}" / "Dockerfile"
    lint = subprocess.run([str(HADOLINT), str(dockerfile)], check=False, capture_output=True, text=True, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    text = dockerfile.read_text()
    assert re.search(r"^FROM nvidia/cuda:[\w.-]+-runtime-", text, re.MULTILINE)
    assert re.search(r"^USER 10001$", text, re.MULTILINE)
    for env in ("HF_HUB_OFFLINE=1", "HF_HOME=", "NUMBA_CACHE_DIR="):
        assert env in text
    assert "HEALTHCHECK" in text
    # synth: the queue worker with the real-time app beside it (voiceclone.workers.synth_service)
    entry_point = {"trainer": "trainer", "synth": "synth_service"}[kind]
    assert f'ENTRYPOINT ["python", "-m", "voiceclone.workers.{entry_point}"]' in text


@pytest.mark.parametrize("kind", ["trainer", "synth"])
def test_gpu_pins_keep_torch_torchaudio_and_torchcodec_in_step(kind):
    pins = dict(
        line.split("==", 1)
        for line in (CONTAINERS / f"gpu-{kind}" / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    torch_minor = pins["torch"].rsplit(".", 1)[0]
    assert pins["torchaudio"].startswith(torch_minor)
    # torchcodec 0.N pairs with torch 2.N
    assert pins["torchcodec"].split(".")[1] == torch_minor.split(".")[1]
    assert pins["transformers"] == "5.23.0"  # 5.24 breaks XTTS generation
