"""The zip package every light Lambda runs: the project's packages plus its light dependencies.

Bundled without Docker: `pip install --platform manylinux2014_x86_64 --only-binary=:all: -t` of the
dependencies listed in pyproject.toml (boto3 excepted: the Lambda runtime ships it), then
`voiceclone/` (without the embedded local stack) and `functions/` copied beside them, and everything
compiled to byte code for the runtime's Python. One asset serves every zip function, so it is built
once per synth.

Why the byte code: Lambda's /var/task is read-only, so a package without `__pycache__` compiles every
module it imports from source on every cold start (about 3x the import time: bench/results/api_imports.md).
The .pyc files are hash-based and unchecked (PEP 552): they do not depend on the sources' mtimes
surviving the zip, and nothing edits the sources of a deployed package.
"""

from __future__ import annotations

import compileall
import py_compile
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, IgnoreMode, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON_VERSION = "3.11"
RUNTIME = lambda_.Runtime.PYTHON_3_11
# Provided by the Lambda runtime; bundling it would add ~20 MB to every function.
RUNTIME_PROVIDED = {"boto3", "botocore"}
# Pulled in as dependencies (aws-xray-sdk needs botocore) but already in the Lambda runtime: removed.
RUNTIME_PROVIDED_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")
# Sources the package is made of; everything else at the repository root is excluded from the asset.
PACKAGE_SOURCES = ("src", "functions", "pyproject.toml")
# Not copied into the package: the embedded local stack (SecantusDB, moto) and the byte code of this
# checkout (the package compiles its own, for the runtime's Python).
SKIPPED_IN_PACKAGE = ("__pycache__", "*.pyc", "local")


def light_requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """The project's base dependencies (the API extra-free set) minus what the runtime provides."""
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return [dep for dep in dependencies if _distribution_name(dep) not in RUNTIME_PROVIDED]


def _distribution_name(requirement: str) -> str:
    for separator in "<>=!~[; ":
        requirement = requirement.split(separator, 1)[0]
    return requirement.strip().lower()


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Builds the zip contents on this machine (no Docker): manylinux wheels + our sources."""

    def try_bundle(self, output_dir: str, _options: BundlingOptions) -> bool:
        build_package(Path(output_dir))
        return True


def build_package(output_dir: Path) -> None:
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
            "--platform", "manylinux2014_x86_64", "--implementation", "cp",
            "--python-version", PYTHON_VERSION, "--only-binary=:all:",
            "--target", str(output_dir), *light_requirements(),
        ],
        check=True,
    )
    _remove_runtime_provided(output_dir)
    ignore = shutil.ignore_patterns(*SKIPPED_IN_PACKAGE)
    shutil.copytree(REPO_ROOT / "src" / "voiceclone", output_dir / "voiceclone", ignore=ignore, dirs_exist_ok=True)
    shutil.copytree(REPO_ROOT / "functions", output_dir / "functions", ignore=ignore, dirs_exist_ok=True)
    compile_byte_code(output_dir)


def compile_byte_code(output_dir: Path) -> None:
    """Compile every module of the package for the runtime's Python; under another Python none is
    written (the runtime would not load its byte code)."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" != PYTHON_VERSION:
        return
    # quiet=2: a third-party file written for another Python (some wheels ship such) stays source only
    compileall.compile_dir(
        output_dir, quiet=2, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )


def _remove_runtime_provided(output_dir: Path) -> None:
    """The runtime's boto3 stack must win: a second copy would only add cold-start bytes."""
    for name in RUNTIME_PROVIDED_PACKAGES:
        for path in (output_dir / name, *output_dir.glob(f"{name.removesuffix('.py')}-*.dist-info")):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    for path in output_dir.glob("python_dateutil-*.dist-info"):
        shutil.rmtree(path)


def function_code(bundle: bool) -> lambda_.Code:
    """The zip asset; with bundle=False the sources go as they are (template tests, no pip)."""
    if not bundle:
        return lambda_.Code.from_asset(str(REPO_ROOT), exclude=source_excludes(), ignore_mode=IgnoreMode.DOCKER)
    return lambda_.Code.from_asset(
        str(REPO_ROOT),
        exclude=source_excludes(),
        ignore_mode=IgnoreMode.DOCKER,
        asset_hash_type=AssetHashType.SOURCE,
        bundling=BundlingOptions(
            # Only used when local bundling refuses, which ours never does.
            image=DockerImage.from_registry(f"public.ecr.aws/sam/build-python{PYTHON_VERSION}"),
            local=PipLocalBundling(),
        ),
    )


def source_excludes(keep: tuple[str, ...] = PACKAGE_SOURCES) -> list[str]:
    """Asset excludes (Docker syntax, anchored at the root) that leave only `keep` of the repository."""
    excluded = sorted(entry.name for entry in REPO_ROOT.iterdir() if entry.name not in keep)
    return [*excluded, "**/__pycache__", "**/*.pyc"]
