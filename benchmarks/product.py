"""`tradedeal product 0203 --year 2020` (one product's answer without a kernel): wall and CPU time.

Goal: under 5 s. The processed tables are built once first (a fresh checkout's first command
builds them, once); then each run is a fresh process, timed by the wall clock and by its CPU time
(user + system, from the child's resource usage), with its peak RSS. On a shared machine wall
time depends on the neighbours; the load average is printed beside it.

    .venv/bin/python benchmarks/product.py [--runs 5] [--product 0203] [--year 2020]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def once(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--product", default="0203")
    parser.add_argument("--year", default="2020")
    args = parser.parse_args(argv)
    tradedeal = [sys.executable, "-m", "tradedeal"]
    subprocess.run([*tradedeal, "data", "build"], check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    command = [*tradedeal, "product", args.product, "--year", args.year]
    runs = [once(command) for _ in range(args.runs)]
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    print(f"tradedeal product {args.product} --year {args.year}: {args.runs} runs")
    print(f"wall: median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f})")
    print(f"CPU (user + system): median {statistics.median(cpus):.2f} s (min {min(cpus):.2f}, max {max(cpus):.2f})")
    print(f"peak RSS: {max(r[2] for r in runs):.0f} MB; load average {os.getloadavg()[0]:.2f}; goal: under 5 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
