"""Cold-start proxy for the API Lambdas: import time of each handler module in a fresh interpreter.

Median of RUNS fresh interpreters per module, beside a baseline measured in the same run (importing
only Powertools' event handler and pydantic), and the heavy modules each handler pulls in (must be
none). Wall clock and CPU time (the process's own, steadier on a shared machine) are both reported.
Two reference rows show what no handler of this API can avoid: Powertools' resolver with validation
on (it loads pydantic's model machinery and Powertools' OpenAPI modules), and that plus pymongo and
the settings, which every route that reads the database needs.

A second table imports the same modules the way Lambda does: from the zip package CDK deploys
(infra/constructs/lambda_code.build_package, built into a temporary folder) plus the runtime's boto3,
with `python -S` (no site-packages) and no byte code written (Lambda's /var/task is read-only), once
with the package's own byte code and once with the byte code hidden (`-X pycache_prefix` at an empty
folder), as the package shipped before it carried any. Writes bench/results/api_imports.json and .md.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from functions.api.routes import ROUTES

RESULTS = Path(__file__).parent / "results"
RUNS = 7
TARGET_S = 0.5
HEAVY = ["torch", "torchaudio", "librosa", "numpy", "scipy", "TTS", "transformers", "soundfile", "pyloudnorm",
         "soxr", "secantus", "moto", "resemblyzer"]
BASELINE = "aws_lambda_powertools.event_handler, pydantic"
# Reference floors: (label, code run in the probe instead of a plain import).
VALIDATION_FLOOR = "floor: Powertools resolver with validation"
STORE_FLOOR = "floor: + pymongo + settings"
_RESOLVER = "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver; APIGatewayHttpResolver(enable_validation=True)"
FLOORS = {VALIDATION_FLOOR: _RESOLVER, STORE_FLOOR: f"{_RESOLVER}; import pymongo, voiceclone.config"}
# The same import as inside Lambda (tracing on: the X-Ray SDK loads and patches pymongo).
IN_LAMBDA = "functions.api.tts"
IN_LAMBDA_LABEL = f"{IN_LAMBDA} (in Lambda, tracing on)"
PACKAGED = "from the Lambda package, with its byte code"
SOURCE_ONLY = "from the Lambda package, source only (no byte code: as shipped before)"
LAMBDA_ENV = {"AWS_LAMBDA_FUNCTION_NAME": "bench", "LAMBDA_TASK_ROOT": "/tmp", "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR"}

_PROBE = """
import json, sys, time
started, cpu_started = time.perf_counter(), time.process_time()
{statement}
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
print(json.dumps({{"seconds": elapsed, "cpu_seconds": cpu, "heavy": heavy, "modules": len(sys.modules)}}))
"""


def probe(target: str, package: PackageRun | None = None) -> dict:
    """Import `target`'s modules in a fresh interpreter: seconds, heavy modules loaded, module count."""
    statement, env, command = f"import {target}", None, [sys.executable]
    if target == IN_LAMBDA_LABEL:
        statement, env = f"import {IN_LAMBDA}", {**os.environ, **LAMBDA_ENV}
    elif target in FLOORS:
        statement = FLOORS[target]
    if package is not None:
        env, command = package.env, package.command
    out = subprocess.run(
        [*command, "-c", _PROBE.format(statement=statement, heavy=HEAVY)],
        capture_output=True, text=True, check=True, timeout=120, env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class PackageRun:
    """How the probe runs inside the deployed package: interpreter and flags, environment."""

    command: list[str]
    env: dict[str, str]


def package_runs(folder: Path) -> dict[str, PackageRun]:
    """The Lambda package built into `folder`, and the two ways of importing from it."""
    from infra.constructs.lambda_code import RUNTIME_PROVIDED_PACKAGES, build_package

    package, runtime, no_byte_code = folder / "package", folder / "runtime", folder / "empty"
    build_package(package)
    runtime.mkdir()
    no_byte_code.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for name in RUNTIME_PROVIDED_PACKAGES:  # the runtime's boto3 stack, as Lambda provides it
        if (site / name).exists():
            (runtime / name).symlink_to(site / name)
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": f"{package}:{runtime}", "PYTHONDONTWRITEBYTECODE": "1"}
    interpreter = [sys.executable, "-S"]
    return {
        PACKAGED: PackageRun(interpreter, env),
        SOURCE_ONLY: PackageRun([*interpreter, "-X", f"pycache_prefix={no_byte_code}"], env),
    }


def summarize(runs: list[dict]) -> dict:
    return {
        "median_s": round(statistics.median(r["seconds"] for r in runs), 4),
        "median_cpu_s": round(statistics.median(r["cpu_seconds"] for r in runs), 4),
        "min_s": round(min(r["seconds"] for r in runs), 4),
        "max_s": round(max(r["seconds"] for r in runs), 4),
        "heavy_modules": sorted({name for r in runs for name in r["heavy"]}),
        "modules_loaded": runs[0]["modules"],
    }


def measure_all(targets: list[str], package: PackageRun | None = None) -> dict[str, dict]:
    """RUNS rounds, every target once per round: load on a shared machine hits all of them alike."""
    runs: dict[str, list[dict]] = {target: [] for target in targets}
    for _ in range(RUNS):
        for target in targets:
            runs[target].append(probe(target, package))
    return {target: summarize(target_runs) for target, target_runs in runs.items()}


def packaged_figures() -> dict[str, dict]:
    """Baseline, floors and handlers imported from the deployed package, with and without its byte code."""
    with tempfile.TemporaryDirectory(prefix="bench-lambda-package-") as folder:
        runs = package_runs(Path(folder))
        report = {}
        for label, run in runs.items():
            figures = measure_all([BASELINE, *FLOORS, *ROUTES], run)
            baseline = figures[BASELINE]
            for f in figures.values():
                f["ratio_to_baseline"] = round(f["median_s"] / baseline["median_s"], 2)
                f["cpu_ratio_to_baseline"] = round(f["median_cpu_s"] / baseline["median_cpu_s"], 2)
            report[label] = figures
        return report


def main() -> dict:
    figures = measure_all([BASELINE, *FLOORS, *ROUTES, IN_LAMBDA_LABEL])
    baseline = figures.pop(BASELINE)
    floors = {label: figures.pop(label) for label in FLOORS}
    handlers = figures
    for figures in [*floors.values(), *handlers.values()]:
        figures["ratio_to_baseline"] = round(figures["median_s"] / baseline["median_s"], 2)
        figures["cpu_ratio_to_baseline"] = round(figures["median_cpu_s"] / baseline["median_cpu_s"], 2)
    for figures in handlers.values():
        figures["under_target"] = figures["median_s"] < TARGET_S and not figures["heavy_modules"]
    report = {
        "benchmark": "api_imports",
        "runs_per_module": RUNS,
        "target_s": TARGET_S,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "baseline": {"imports": BASELINE, **baseline},
        "floors": {label: {"code": FLOORS[label], **f} for label, f in floors.items()},
        "handlers": handlers,
        "lambda_package": packaged_figures(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api_imports.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        "# API handler import time (cold-start proxy)",
        "",
        (f"Median of {RUNS} fresh interpreters (rounds interleaved); baseline = `{BASELINE}` "
        f"({baseline['median_s']:.3f} s wall, {baseline['median_cpu_s']:.3f} s CPU) in the same run; "
        f"target < {TARGET_S} s and no heavy modules. Load average {report['load_average_1m']} on {report['cpus']} CPUs."),
        "",
        "| handler | median s | × baseline | CPU s | CPU × baseline | modules loaded | heavy modules |",
        "|---|---|---|---|---|---|---|",
    ]
    for module, f in [*floors.items(), *handlers.items()]:
        heavy = ", ".join(f["heavy_modules"]) or "none"
        lines.append(
            f"| {module} | {f['median_s']:.3f} | {f['ratio_to_baseline']:.2f} | {f['median_cpu_s']:.3f} "
            f"| {f['cpu_ratio_to_baseline']:.2f} | {f['modules_loaded']} | {heavy} |"
        )
    lines += _package_lines(report["lambda_package"])
    (RESULTS / "api_imports.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return report


def _package_lines(package: dict[str, dict[str, dict]]) -> list[str]:
    labels = list(package)
    lines = [
        "",
        "## Imported as in Lambda",
        "",
        ("From the deployed zip package plus the runtime's boto3, `python -S`, nothing written to disk. "
        "Median seconds (× that run's baseline, by CPU time):"),
        "",
        "| module | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for module in package[labels[0]]:
        cells = [f"{package[label][module]['median_s']:.3f} ({package[label][module]['cpu_ratio_to_baseline']:.2f})"
                 for label in labels]
        lines.append(f"| {module} | " + " | ".join(cells) + " |")
    return lines


if __name__ == "__main__":
    main()
