"""Wall and CPU time of ``tradedeal scan --level hs4`` on a built data folder (line 1: the median
of three runs, against the goal; with the placebo calibration cached and with its cache
emptied before each run), and the scan's goal figures: lines tested, the untested share of the
covered change, discoveries at the real break against the placebo breaks, the size of the test
of each parameter, and its power.

    .venv/bin/python benchmarks/scan.py                 # hs4
    .venv/bin/python benchmarks/scan.py hs6 subcategory # other levels (figures only after hs4's timing)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def figures(level: str) -> None:
    from tradedeal import Snapshot
    from tradedeal.models.scan import scanner

    start, cpu = time.perf_counter(), time.process_time()
    result = scanner.scan(scanner.window(Snapshot()), level=level)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    placebo = result.placebo_rows()
    real = result.placebos.iloc[-1]
    tested = set(result.lines["code"])
    headline = [c for c in scanner.HEADLINE_PRODUCTS.get(level, ()) if c not in tested]
    print(f"{level}: {len(result.lines)} of {len(result.lines) + len(result.untested)} lines tested; untested change "
          f"${result.decomposition().at['not tested', 'change_usd'] / 1e9:+.2f}bn = {result.untested_share_pct():.1f}% "
          f"of the covered change (goal: under 10% in absolute value); headline products untested: "
          f"{', '.join(headline) or 'none'}")
    found = placebo["discoveries"]
    print(f"{level}: discoveries at {result.break_month}: {real['discoveries']}; at {len(placebo)} placebo breaks: "
          f"{found.min()} to {found.max()} (median {found.median():g})")
    print(f"{level}: size at nominal 5 %: {result.size_pct():.1f} % (placebo breaks, out of sample; range "
          f"{placebo['calibrated_p_below_5_pct'].min():.1f} to {placebo['calibrated_p_below_5_pct'].max():.1f} %); "
          f"uncalibrated HAC: {result.hac_size_pct():.1f} %; at the real break "
          f"{real['calibrated_p_below_5_pct']:.1f} % of lines have p < 5 %")
    print(f"{level}: level test: {real['level_discoveries']} lines at {result.break_month} ({real['rose']} rose); size at "
          f"nominal 5 %: {result.level_size_pct():.1f} % (range {placebo['level_calibrated_p_below_5_pct'].min():.1f} to "
          f"{placebo['level_calibrated_p_below_5_pct'].max():.1f} %); uncalibrated HAC: "
          f"{placebo['level_hac_p_below_5_pct'].mean():.1f} %")
    print(f"{level}: scan in this process {wall:.1f} s wall, {cpu:.1f} s CPU (data built)")
    power(result)


def power(result) -> None:
    """The scan's power as the library measures it (:mod:`tradedeal.models.scan.power`)."""
    for row in result.power.itertuples():
        unit = " log points a month" if row.parameter == "pace" else " log points"
        print(f"{result.level}: power, {row.parameter} +{row.planted_change:.2f}{unit} planted in {row.lines_planted} "
              f"real lines ({row.draws} draws): {row.found_pct:.0f} % found at an FDR of {100 * result.fdr:g}% "
              f"({row.other_found:.1f} other lines found); one line tested alone at 5 %: {row.alone_pct:.0f} %")


#: issue 28: a scan of every covered HS4 line on a quiet 2-core machine.
GOAL_SECONDS = 5.0


def timed(command: list[str], env: dict, runs: int = 3, *, before=None) -> tuple[float, float]:
    """Median wall and CPU seconds of ``runs`` runs of ``command`` (``before()`` before each)."""
    import resource
    import statistics

    walls, cpus = [], []
    for _ in range(runs):
        if before is not None:
            before()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main(levels: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "data" / "raw", Path(tmp) / "raw")
        env = {**os.environ, "TRADEDEAL_DATA_DIR": tmp}
        subprocess.run([sys.executable, "-m", "tradedeal", "data", "build"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        command = [sys.executable, "-m", "tradedeal", "scan", "--level", "hs4", "--format", "csv"]
        cache = Path(tmp) / "processed" / "cache"
        cold, cold_cpu = timed(command, env, before=lambda: shutil.rmtree(cache, ignore_errors=True))
        warm, warm_cpu = timed(command, env)
        load = os.getloadavg()[0]
        print(f"tradedeal scan --level hs4: {warm:.1f} s (median of 3, {warm_cpu:.1f} s CPU; goal under "
              f"{GOAL_SECONDS:g} s on a quiet 2-core machine); {cold:.1f} s ({cold_cpu:.1f} s CPU) with the placebo "
              f"calibration's cache emptied before each run; data built; load average {load:.1f}")
        os.environ["TRADEDEAL_DATA_DIR"] = tmp
        for level in levels:
            figures(level)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Wall and CPU time of tradedeal scan --level hs4, and the scan's goal figures.")
    parser.add_argument("levels", nargs="*", metavar="LEVEL",
                        help="hs4, hs6 or subcategory: levels whose goal figures to print after hs4's timing (default: hs4)")
    levels = parser.parse_args().levels or ["hs4"]
    for level in levels:
        if level not in ("hs4", "hs6", "subcategory"):
            parser.error(f"level must be hs4, hs6 or subcategory; got {level!r}")
    main(levels)
