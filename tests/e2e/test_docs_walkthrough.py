"""The API walkthrough in docs/api.md runs as written: its `sh` blocks, in order, in one bash, against a
local platform started in this process (tiny XTTS, instant voice). Every curl is expected to succeed:
the walkthrough's curl runs with --fail-with-body, so any 4xx/5xx answer fails the test with its body."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
import soundfile

from voiceclone.local.stack import LocalConfig, LocalStack

DOC = Path("docs/api.md")
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Strict bash, and curl failing on any HTTP error (a walkthrough command is always meant to succeed).
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body "$@"; }
"""
WALKTHROUGH_TIMEOUT_S = 600


def walkthrough_blocks(doc: Path) -> list[str]:
    return SH_BLOCK.findall(doc.read_text())


def walkthrough_script(blocks: list[str]) -> str:
    """One script; each block announces itself on stderr so a failure names the block."""
    parts = [PRELUDE]
    for number, block in enumerate(blocks, 1):
        first_line = block.strip().splitlines()[0]
        parts.append(f"echo {_quote(f'--- block {number}: {first_line}')} >&2\n{block}")
    return "\n".join(parts)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def test_the_doc_has_a_walkthrough(repo_root):
    blocks = walkthrough_blocks(repo_root / DOC)
    assert len(blocks) >= 6, blocks
    assert "TOKEN=" in blocks[0] and "API=" in blocks[0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, repo_root: Path) -> Path:
    """A folder that looks like the repository root to the walkthrough (it uses .venv/ and .cache/)."""
    folder = tmp_path_factory.mktemp("walkthrough")
    for name in (".venv", ".cache"):
        (folder / name).symlink_to(repo_root / name)
    return folder


def test_walkthrough_runs_as_written(tmp_path, workdir: Path, repo_root: Path):
    script = walkthrough_script(walkthrough_blocks(repo_root / DOC))
    data_dir = tmp_path / "data"
    with LocalStack(LocalConfig(data_dir=data_dir, port=0, run_demo=False)) as stack:
        port = stack.url.rsplit(":", 1)[1]
        environment = {**os.environ, "PORT": port, "VOICECLONE_LOCAL_DATA_DIR": str(data_dir)}
        finished = subprocess.run(["bash", "-c", script], check=False, cwd=workdir, env=environment, capture_output=True,
                                  text=True, timeout=WALKTHROUGH_TIMEOUT_S)
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output[-6000:]

    # curl prints JSON without a final newline: a status line may follow it on the same line
    for waited in (r"sample smp_\S+: ready", r"training trn_\S+: completed", r"tts tts_\S+: completed"):
        assert re.search(waited + "$", finished.stdout, re.MULTILINE), output[-3000:]
    audio, rate = soundfile.read(io.BytesIO((workdir / "speech.mp3").read_bytes()))
    assert rate == 24000 and len(audio) / rate > 0.3
