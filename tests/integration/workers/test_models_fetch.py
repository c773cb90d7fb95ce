"""`voiceclone models fetch xtts_v2`: license gate, folder check, upload, and the worker fetching it back."""

from __future__ import annotations

import filecmp
import shutil

from voiceclone.cli import main
from voiceclone.workers.resources import xtts_model_dir


def test_download_needs_the_license_accepted(settings, capsys):
    assert main(["models", "fetch", "xtts_v2"]) == 2
    assert "Coqui Public Model License" in capsys.readouterr().err


def test_incomplete_folder_is_refused(settings, tiny_model, tmp_path, capsys):
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(tiny_model / "config.json", partial)
    assert main(["models", "fetch", "xtts_v2", "--from-dir", str(partial), "--upload"]) == 1
    assert "model.pth" in capsys.readouterr().err


def test_uploaded_weights_are_what_the_worker_fetches_at_start(settings, tiny_model, tmp_path, monkeypatch):
    assert main(["models", "fetch", "xtts_v2", "--from-dir", str(tiny_model), "--upload"]) == 0
    settings = settings.model_copy(update={"xtts_model_dir": "", "model_cache_dir": str(tmp_path / "cache")})
    import boto3

    fetched = xtts_model_dir(settings, boto3.client("s3"))
    names = ["config.json", "model.pth", "vocab.json", "dvae.pth", "mel_stats.pth"]
    match, mismatch, errors = filecmp.cmpfiles(tiny_model, fetched, names, shallow=False)
    assert (mismatch, errors) == ([], []) and sorted(match) == sorted(names)
