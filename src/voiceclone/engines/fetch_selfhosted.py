"""`voiceclone models fetch yourtts|bark`: the weights of the self-hosted engines beside XTTS, with a licence gate.

What to fetch comes from `catalog_selfhosted` (each model's weight files and licence). Where there is
internet: Hugging Face hub files with `hf_hub_download`, a release archive (YourTTS) over HTTPS, unpacked
by file name. `--from-dir` takes a folder copied in by hand. The folder is checked the way the engine
loads it (its `check_model_dir`) before `--upload` copies it, subfolders included, to the models bucket
under `base/NAME/`, from where `base_model_dir` copies it back onto a worker at start.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from voiceclone import blobs
from voiceclone.domain.registry import ModelType
from voiceclone.engines.base import ModelUnavailable
from voiceclone.engines.catalog_selfhosted import SELF_HOSTED_MODELS, SelfHostedModel, WeightFile

DOWNLOAD_TIMEOUT_S = 60


class FetchRefused(Exception):
    """The fetch cannot go on: the message says why; exit_code is the CLI's (2 licence, 1 incomplete)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def folder_checker(name: str) -> Callable[[Path], None]:
    """The engine's own check of a model folder (raises ModelUnavailable naming what is missing)."""
    if name == ModelType.YOURTTS:
        from voiceclone.engines.yourtts.model import check_model_dir
    elif name == ModelType.BARK:
        from voiceclone.engines.bark.model import check_model_dir
    else:
        raise KeyError(name)
    return check_model_dir


def licence_refusal(model: SelfHostedModel) -> str:
    licence = model.licence
    use = "commercial use allowed" if licence.commercial_use else "non-commercial use only"
    return (
        f"{model.display_name} weights are licensed under {licence.name} ({use}, {licence.url}). "
        "Re-run with --accept-license to download them."
    )


def fetch(
    name: str, folder: Path | None, from_dir: Path | None, accept_license: bool, cache_dir: Path
) -> Path:
    """The checked local folder of model `name` (downloaded unless `from_dir` is given)."""
    model = SELF_HOSTED_MODELS[name]
    if from_dir is None:
        if not accept_license:
            raise FetchRefused(licence_refusal(model), exit_code=2)
        from_dir = folder or cache_dir / model.weights_name
        download(model, from_dir)
    try:
        folder_checker(name)(from_dir)
    except ModelUnavailable as error:
        raise FetchRefused(str(error), exit_code=1) from error
    return from_dir


def download(model: SelfHostedModel, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    archives: dict[str, list[WeightFile]] = {}
    for item in model.weight_files:
        if item.url:
            archives.setdefault(item.url, []).append(item)
        elif item.hub_repo:
            _hub_file(item, folder)
    for url, items in archives.items():
        _from_archive(url, items, folder)


def _hub_file(item: WeightFile, folder: Path) -> None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError

    assert item.hub_repo is not None
    try:
        cached = hf_hub_download(item.hub_repo, item.hub_filename or item.name)
    except EntryNotFoundError:
        if item.required:
            raise
        return  # an optional file (a speaker prompt) the hub does not have
    target = folder / item.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, target)


def _from_archive(url: str, items: list[WeightFile], folder: Path) -> None:
    wanted = {Path(item.name).name: item for item in items}
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "weights.zip"
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, archive.open("wb") as out:
            shutil.copyfileobj(response, out)
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.infolist():
                item = wanted.get(Path(member.filename).name)
                if item is None or member.is_dir():
                    continue
                with bundle.open(member) as source, (folder / item.name).open("wb") as out:
                    shutil.copyfileobj(source, out)


def upload(folder: Path, bucket: str, name: str, s3) -> list[str]:
    prefix = blobs.base_model_prefix(name)
    keys = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        key = prefix + path.relative_to(folder).as_posix()
        s3.upload_file(str(path), bucket, key)
        keys.append(key)
    return keys


def base_model_dir(name: str, bucket: str, cache_dir: Path, s3) -> Path:
    """`base/NAME/` of the models bucket copied into `cache_dir/NAME` (files already there, same size, kept)."""
    prefix = blobs.base_model_prefix(name)
    target = cache_dir / name
    found = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            found += 1
            local = target / entry["Key"][len(prefix) :]
            if local.is_file() and local.stat().st_size == entry["Size"]:
                continue
            local.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, entry["Key"], str(local))
    if not found:
        raise ModelUnavailable(
            f"No {name} weights: upload them to s3://{bucket}/{prefix} with `voiceclone models fetch {name} --upload`."
        )
    return target
