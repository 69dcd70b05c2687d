"""Wall time and peak memory of `tradedeal data build` from a cold cache, on one core.

Each run copies data/raw to a new temporary folder (no processed data, nothing cached), runs the
command in a fresh process pinned to one core, and reads its peak RSS. Goal: under 3 s and 500 MB.

    .venv/bin/python benchmarks/build.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def one_run() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "data" / "raw", Path(tmp) / "raw")
        env = {**os.environ, "TRADEDEAL_DATA_DIR": tmp, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        command = [sys.executable, "-m", "tradedeal", "data", "build"]
        if shutil.which("taskset"):
            command = ["taskset", "-c", "0", *command]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if peak <= before:  # ru_maxrss is the max over all children so far
            peak = before
        return wall, peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [one_run() for _ in range(args.runs)]
    walls = [w for w, _ in results]
    peak = max(p for _, p in results)
    print(f"tradedeal data build, cold cache, one core, {args.runs} runs")
    print(f"wall time: median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}); goal < 3 s")
    print(f"peak memory (max RSS): {peak:.0f} MB; goal < 500 MB")


if __name__ == "__main__":
    main()
