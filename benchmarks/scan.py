"""Wall time of a scan of every covered HS4 line from cold (a fresh data folder: build included),
and the scan's goal figures: lines tested, the untested share of the covered change,
discoveries at the real break against the placebo breaks, and the size of the test.

    .venv/bin/python benchmarks/scan.py                 # hs4
    .venv/bin/python benchmarks/scan.py hs6 subcategory # other levels (figures only after hs4's timing)
"""

from __future__ import annotations

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
    print(f"{level}: scan in this process {wall:.1f} s wall, {cpu:.1f} s CPU (data built)")
    if level == "hs4":
        power(result)


def power(result, share: float = 0.1, seed: int = 0) -> None:
    """Share of planted slope changes found: real lines, a random ``share`` of the tested ones
    multiplied by exp(change x months since the break) after it (placebos, pre-deal, unchanged)."""
    import numpy as np

    from tradedeal.models.scan import scanner

    values, meta = scanner.panel(result.window, result.level)
    values = values.loc[result.months[0]:]
    rng = np.random.default_rng(seed)
    codes = list(result.lines["code"])
    planted = list(rng.choice(codes, size=int(share * len(codes)), replace=False))
    after = np.clip(np.arange(len(values)) - values.index.get_loc(result.break_month), 0, None)
    for change in (0.02, 0.05, 0.10):
        moved = values.copy()
        moved[planted] = moved[planted].mul(np.exp(change * after), axis=0)
        out = scanner.scan_panel(moved, meta, break_month=result.break_month, shock=result.line_model.shock,
                                 min_usd=result.min_usd, fdr=result.fdr, window=result.window, level=result.level)
        found = set(out.lines.loc[out.lines["verdict"] == "accelerated", "code"])
        single = out.lines[out.lines["code"].isin(planted)]
        print(f"{result.level}: power at +{change:.2f}/month planted in {len(planted)} real lines: "
              f"{100 * len(found & set(planted)) / len(planted):.0f} % found at an FDR of {100 * result.fdr:g}% "
              f"({len(found - set(planted))} other lines found); one line tested alone at 5 %: "
              f"{100 * ((single['p_value'] < 0.05) & (single['slope_change'] > 0)).mean():.0f} %")


def main(levels: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "data" / "raw", Path(tmp) / "raw")
        env = {**os.environ, "TRADEDEAL_DATA_DIR": tmp}
        command = [sys.executable, "-m", "tradedeal", "scan", "--level", "hs4", "--format", "csv"]
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        warm = time.perf_counter() - start
        print(f"tradedeal scan --level hs4, every covered HS4 line at the real break and every placebo break: "
              f"cold {cold:.1f} s (build included), warm {warm:.1f} s; goal well under 60 s on 2 cores")
        os.environ["TRADEDEAL_DATA_DIR"] = tmp
        for level in levels:
            figures(level)


if __name__ == "__main__":
    main(sys.argv[1:] or ["hs4"])
