"""`voiceclone models fetch xtts_v2|yourtts|bark`: puts base weights where the workers load them.

YourTTS and Bark (their licences, files and sources in catalog_selfhosted) go through fetch_selfhosted.

The weights are Coqui's, under the Coqui Public Model License (non-commercial use only): the command
downloads them only with --accept-license. Where there is internet it downloads from the Hugging Face
hub (coqui/XTTS-v2); `--from-dir` takes a folder an operator copied in by hand instead. `--upload`
copies the folder to the models bucket (`base/xtts_v2/`), where the GPU workers fetch it at start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voiceclone.domain.registry import XTTS_WEIGHTS_NAME
from voiceclone.engines.catalog_selfhosted import SELF_HOSTED_MODELS

HUB_REPO = "coqui/XTTS-v2"
MODEL_FILES = ("config.json", "model.pth", "vocab.json", "speakers_xtts.pth", "dvae.pth", "mel_stats.pth")
LICENSE_URL = "https://coqui.ai/cpml"


def add_command(subparsers) -> None:
    models = subparsers.add_parser("models", help="manage base model weights")
    actions = models.add_subparsers(dest="models_command", required=True)
    fetch = actions.add_parser("fetch", help="download base weights and/or upload them to the models bucket")
    fetch.add_argument("model", choices=[XTTS_WEIGHTS_NAME, *SELF_HOSTED_MODELS])
    fetch.add_argument(
        "--dest", type=Path, default=None, help="local folder (default: VOICECLONE_MODEL_CACHE_DIR/xtts_v2)"
    )
    fetch.add_argument("--from-dir", type=Path, default=None, help="use this folder instead of downloading")
    fetch.add_argument("--upload", action="store_true", help="copy to s3://<models bucket>/base/xtts_v2/")
    fetch.add_argument(
        "--accept-license", action="store_true", help="you accept the weights' licence (CPML for XTTS)"
    )
    fetch.set_defaults(handler=fetch_models)


def fetch_models(args: argparse.Namespace) -> int:
    from voiceclone.config import get_settings

    settings = get_settings()
    if args.model in SELF_HOSTED_MODELS:
        return _fetch_self_hosted(args, settings)
    if args.from_dir is not None:
        folder = args.from_dir
    else:
        if not args.accept_license:
            print(
                "XTTS v2 weights are licensed under the Coqui Public Model License (non-commercial use only, "
                f"{LICENSE_URL}). Re-run with --accept-license to download them.",
                file=sys.stderr,
            )
            return 2
        folder = args.dest or Path(settings.model_cache_dir) / XTTS_WEIGHTS_NAME
        download(folder)
    missing = [name for name in MODEL_FILES if not (folder / name).is_file() and name != "speakers_xtts.pth"]
    if missing:
        print(f"{folder} lacks {', '.join(missing)}: not a complete XTTS v2 model folder.", file=sys.stderr)
        return 1
    print(f"XTTS v2 weights in {folder}")
    if args.upload:
        keys = upload(folder, settings.models_bucket)
        print(f"uploaded {len(keys)} files to s3://{settings.models_bucket}/{keys[0].rsplit('/', 1)[0]}/")
    return 0


def _fetch_self_hosted(args: argparse.Namespace, settings) -> int:
    import boto3

    from voiceclone.engines import fetch_selfhosted

    try:
        folder = fetch_selfhosted.fetch(
            args.model, args.dest, args.from_dir, args.accept_license, Path(settings.model_cache_dir)
        )
    except fetch_selfhosted.FetchRefused as refused:
        print(str(refused), file=sys.stderr)
        return refused.exit_code
    print(f"{args.model} weights in {folder}")
    if args.upload:
        keys = fetch_selfhosted.upload(folder, settings.models_bucket, args.model, boto3.client("s3"))
        print(f"uploaded {len(keys)} files to s3://{settings.models_bucket}/base/{args.model}/")
    return 0


def download(folder: Path) -> None:
    from huggingface_hub import hf_hub_download

    folder.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        hf_hub_download(HUB_REPO, name, local_dir=str(folder))


def upload(folder: Path, bucket: str) -> list[str]:
    import boto3

    from voiceclone import blobs

    s3 = boto3.client("s3")
    prefix = blobs.base_model_prefix(XTTS_WEIGHTS_NAME)
    keys = []
    for name in MODEL_FILES:
        if (folder / name).is_file():
            s3.upload_file(str(folder / name), bucket, prefix + name)
            keys.append(prefix + name)
    return keys
