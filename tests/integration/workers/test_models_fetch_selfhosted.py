"""`voiceclone models fetch yourtts|bark`: licence gate, folder check, upload, and a worker copying it back."""

from __future__ import annotations

import filecmp
import shutil

import boto3
import pytest

from voiceclone.cli import main
from voiceclone.engines.bark.tiny import tiny_bark_dir
from voiceclone.engines.fetch_selfhosted import base_model_dir
from voiceclone.engines.yourtts.engine import YourTtsEngine
from voiceclone.engines.yourtts.tiny import tiny_yourtts_dir


@pytest.mark.parametrize(
    ("name", "licence"), [("yourtts", "CC BY-NC-ND 4.0 (non-commercial"), ("bark", "MIT (commercial")]
)
def test_download_needs_the_licence_accepted(settings, name, licence, capsys):
    assert main(["models", "fetch", name]) == 2
    assert licence in capsys.readouterr().err


def test_incomplete_folder_is_refused_naming_what_is_missing(settings, tmp_path, capsys):
    partial = tmp_path / "partial"
    shutil.copytree(tiny_bark_dir(), partial)
    (partial / "fine_2.pt").unlink()
    assert main(["models", "fetch", "bark", "--from-dir", str(partial), "--upload"]) == 1
    assert "missing fine_2.pt" in capsys.readouterr().err


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("name", ["yourtts", "bark"])
def test_uploaded_weights_are_what_a_worker_copies_back(settings, name, tmp_path):
    source = tiny_yourtts_dir() if name == "yourtts" else tiny_bark_dir()
    assert main(["models", "fetch", name, "--from-dir", str(source), "--upload"]) == 0
    fetched = base_model_dir(name, settings.models_bucket, tmp_path / "cache", boto3.client("s3"))
    names = _files(source)
    assert len(names) >= 6  # Bark's subfolders (tokenizer, encodec, speakers) too
    assert _files(fetched) == names
    match, _, _ = filecmp.cmpfiles(source, fetched, names, shallow=False)
    assert sorted(match) == names
    if name == "yourtts":  # the copy loads: paths in its config are not the builder's
        engine = YourTtsEngine(fetched, device="cpu")
        engine.load()
        assert engine.is_loaded
        engine.unload()
