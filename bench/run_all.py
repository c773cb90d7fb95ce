"""Runs every benchmark module (bench/bench_*.py with a main()) and writes figures to bench/results/.

`make bench` calls this; `BENCH=audio,api make bench` runs a subset.
"""

import importlib
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def benchmark_modules() -> list[str]:
    names = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")]
    wanted = {w.strip() for w in os.environ.get("BENCH", "").split(",") if w.strip()}
    return sorted(n for n in names if not wanted or n.removeprefix("bench_") in wanted)


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    failed = []
    for name in benchmark_modules():
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
        print(f"== {name} done in {time.perf_counter() - started:.1f} s", flush=True)
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
