"""The zip package of the light Lambdas, built once for real: CDK runs our local bundling (pip with
`--platform manylinux2014_x86_64 --only-binary=:all:`, no Docker). The handlers then import from the
package alone plus what the Lambda runtime provides (boto3), with none of the heavy audio/ML stack.

This test downloads the light dependencies' wheels from PyPI (pip's cache makes reruns quick)."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

from functions.api import routes
from infra.constructs.lambda_code import RUNTIME, function_code, light_requirements

ZIP_ORCHESTRATION = ("mark_processing", "register_voice", "finalize_tts", "fail_job", "cleanup", "sweeper")
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")
HEAVY = ("numpy", "scipy", "torch", "librosa", "TTS", "soundfile", "transformers", "secantus", "moto")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("bundle.out")
    app = App(outdir=str(outdir))
    stack = Stack(app, "Bundle")
    lambda_.Function(stack, "Handler", code=function_code(bundle=True), handler="functions.api.docs.lambda_handler",
                     runtime=RUNTIME)
    assembly = app.synth()
    (asset,) = [
        file["source"]["path"]
        for file in json.loads((Path(assembly.directory) / "Bundle.assets.json").read_text())["files"].values()
        if file["source"].get("packaging") == "zip"
    ]
    return Path(assembly.directory) / asset


def test_the_package_holds_our_code_and_light_wheels_only(package: Path) -> None:
    assert (package / "voiceclone" / "config.py").is_file()
    assert (package / "functions" / "api" / "routes.py").is_file()
    assert not (package / "voiceclone" / "local").exists(), "the embedded local stack is not shipped"
    _assert_byte_code_for_the_runtime(package)
    for name in ("pydantic_core", "pymongo", "aws_lambda_powertools", "jwt", "cryptography"):
        assert (package / name).is_dir(), name
    (core,) = (package / "pydantic_core").glob("_pydantic_core.*.so")
    assert "cpython-311-x86_64-linux-gnu" in core.name
    for name in (*RUNTIME_PROVIDED, *HEAVY):
        assert not (package / name).exists(), f"{name} does not belong in the zip"
    assert (package / "aws_xray_sdk").is_dir()  # Powertools Tracer, for the traces inside Lambda
    assert [requirement.split(">")[0] for requirement in light_requirements()] == [
        "pydantic", "aws-lambda-powertools", "aws-xray-sdk", "pymongo", "PyJWT[crypto]",
        "lingua-language-detector",
    ]


def _assert_byte_code_for_the_runtime(package: Path) -> None:
    """Every module of ours and of the dependencies the handlers import ships unchecked hash-based
    byte code for Python 3.11 (Lambda's /var/task is read-only: no compiling at cold start)."""
    tag = sys.implementation.cache_tag
    assert tag == "cpython-311"
    for folder in ("voiceclone", "functions", "pydantic", "pymongo", "aws_lambda_powertools", "bson"):
        sources = list((package / folder).rglob("*.py"))
        assert sources, folder
        for source in sources:
            compiled = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
            assert compiled.is_file(), compiled
            flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
            assert flags == 0b01, f"{compiled}: not unchecked hash-based ({flags:#b})"


def test_every_zip_handler_imports_from_the_package_and_the_runtime_alone(package: Path, tmp_path: Path) -> None:
    runtime = tmp_path / "lambda-runtime"
    runtime.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for name in RUNTIME_PROVIDED:
        (runtime / name).symlink_to(site / name)
    modules = [*routes.ROUTES, *(f"functions.orchestration.{name}" for name in ZIP_ORCHESTRATION)]
    probe = (
        "import importlib, sys\n"
        f"sys.path[:0] = [{str(package)!r}, {str(runtime)!r}]\n"
        f"for module in {modules!r}:\n"
        "    assert callable(importlib.import_module(module).lambda_handler), module\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print('heavy:', heavy)\n"
    )
    # -I -S: no site-packages, no user paths; only the package, the runtime's boto3 and the stdlib.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe], check=False, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "heavy: []" in result.stdout
