"""`tradedeal data build` from cold against its floor: wall time, ratio and peak memory.

The floor is a plain script that reads the nine shipped Census JSON files with ``json``, makes
one DataFrame, converts ``ALL_VAL_MO`` to numbers and writes one parquet file: the least any
build must do. Each run copies data/raw to a new temporary folder (no processed data), runs the
command in a fresh process pinned to one core, and reads its CPU time (user + system) and peak
RSS. Goal: the build at most 1.25 x the floor, under 500 MB. On a shared machine wall time
depends on the neighbours; the CPU-time ratio much less, so both are printed, with the load average.

    .venv/bin/python benchmarks/build.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

FLOOR = """
import gzip, json, sys
from pathlib import Path
import pandas as pd
rows = []
for path in sorted(Path(sys.argv[1], "raw", "census").glob("exports_hs6_cty5700_*.json.gz")):
    with gzip.open(path, "rt") as fh:
        rows += json.load(fh)[1:]
frame = pd.DataFrame(rows, columns=["E_COMMODITY", "ALL_VAL_MO", "QTY_1_MO", "UNIT_QY1", "CTY_CODE", "COMM_LVL", "time"])
frame["ALL_VAL_MO"] = pd.to_numeric(frame["ALL_VAL_MO"])
frame.to_parquet(Path(sys.argv[1], "floor.parquet"))
"""


def one_run(command: list[str]) -> tuple[float, float, float]:
    """Wall time (s), CPU time (s) and peak RSS (MB) of ``command`` + a fresh data folder, on one core."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "data" / "raw", Path(tmp) / "raw")
        env = {**os.environ, "TRADEDEAL_DATA_DIR": tmp, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        full = [*command, tmp]
        if shutil.which("taskset"):
            full = ["taskset", "-c", "0", *full]
        full = ["/usr/bin/time", "-f", "%U %S %M", *full] if Path("/usr/bin/time").exists() else full
        start = time.perf_counter()
        done = subprocess.run(full, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        last = (done.stderr.strip().splitlines() or [""])[-1].split()
        try:
            user, system, peak = float(last[0]), float(last[1]), int(last[2]) / 1024
        except (IndexError, ValueError):
            user, system, peak = float("nan"), 0.0, float("nan")
        return wall, user + system, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    build = [sys.executable, "-c", "import sys; from tradedeal.present.cli import main; sys.exit(main(['data', 'build']))"]
    floor = [sys.executable, "-c", FLOOR]
    results = {"floor": [], "build": []}
    load = os.getloadavg()
    for _ in range(args.runs):  # interleaved, so that a busy moment hits both alike
        results["floor"].append(one_run(floor))
        results["build"].append(one_run(build))
    print(f"tradedeal data build from cold against the floor, one core, {args.runs} runs each (median wall time)")
    for name, runs in results.items():
        walls = [w for w, _, _ in runs]
        print(f"{name}: {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}); "
              f"CPU {statistics.median(c for _, c, _ in runs):.2f} s; peak memory {max(p for _, _, p in runs):.0f} MB")
    ratio = statistics.median(w for w, _, _ in results["build"]) / statistics.median(w for w, _, _ in results["floor"])
    cpu = statistics.median(c for _, c, _ in results["build"]) / statistics.median(c for _, c, _ in results["floor"])
    print(f"ratio build / floor: {ratio:.2f} wall, {cpu:.2f} CPU (goal at most 1.25); memory goal under 500 MB")
    after = os.getloadavg()[0]
    busy = max(load[0], after) >= (os.cpu_count() or 1)
    print(f"load average (1 min) {load[0]:.2f} before, {after:.2f} after, on {os.cpu_count()} cores"
          + (": at or above the core count, trust the CPU ratio over the wall ratio" if busy else ": quiet"))


if __name__ == "__main__":
    main()
