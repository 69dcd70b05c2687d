"""Wall time of the full backtest: all models × the three categories + covered total.

Origins 2016-01 to the month before the last, horizons 1–12, year-total projections for 2020
and 2021, covered_total bottom-up from the categories, on the coverage whose data runs longest (annex_6_1_ex_civil_aircraft, to 2021-11).
Prints the time, the covered_total score table (horizons 1–6, origins 2017-01 to 2021-05), the
score of its year-total projections (origins 2017-01 to 2021-11) and the real-time projection
of the 2020 total with data through 2020-07 (coverage annex_6_1).
Goal: under 20 s on 2 cores.

    .venv/bin/python benchmarks/forecast.py [--jobs 2]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from tradedeal import Snapshot
from tradedeal.agreement.concordance import AGGREGATE_COVERAGE
from tradedeal.agreement.targets import annual_targets
from tradedeal.models.backtest import backtest_categories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    coverage = AGGREGATE_COVERAGE
    snap = Snapshot()
    monthly = snap.exports_by_category(coverage)
    targets = {y: annual_targets(monthly, y) for y in (2020, 2021)}
    start = time.perf_counter()
    results = backtest_categories(monthly, jobs=args.jobs, targets=targets)
    wall = time.perf_counter() - start
    print(f"full backtest, 5 models + auto × 3 categories + covered_total (bottom-up), {args.jobs} processes, "
          f"with 2020-21 projections: {wall:.1f} s (goal < 20 s)")
    score = results["covered_total"].score(horizons=range(1, 7), origins=("2017-01", "2021-05"))
    print(f"\ncovered_total ({coverage}), horizons 1-6, origins 2017-01 to 2021-05, 80% intervals:")
    print(score.to_string(float_format=lambda v: f"{v:,.3f}" if abs(v) < 1e3 else f"{v / 1e9:,.3f}bn"))
    years = results["covered_total"].year_score(origins=("2017-01", "2021-11"))
    print(f"\ncovered_total ({coverage}), year-total projections made at every origin 2017-01 to 2021-11 "
          "before December, judged against the observed year (80% intervals, calibrated on the record):")
    print(years.to_string(float_format=lambda v: f"{v:,.2f}"))

    full = snap.exports_by_category("annex_6_1")
    target = annual_targets(full, 2020)["covered_total"]
    bt = backtest_categories(full, jobs=args.jobs, targets={2020: annual_targets(full, 2020)}, projection_years=(2020,))
    p = bt["covered_total"].projections
    p = p[p["as_of"] == pd.Period("2020-07", "M")].set_index("model")
    p["error_pct"] = 100 * (p["median_usd"] / p["observed_total_usd"] - 1)
    p["inside_80"] = (p["p10_usd"] <= p["observed_total_usd"]) & (p["observed_total_usd"] <= p["p90_usd"])
    print(f"\nreal-time projection of the 2020 covered total (annex_6_1) with data through 2020-07; observed "
          f"{p['observed_total_usd'].iloc[0] / 1e9:.2f}bn, target {target / 1e9:.2f}bn:")
    cols = ["chosen", "median_usd", "p10_usd", "p90_usd", "calibration", "error_pct", "inside_80", "prob_reach_target"]
    print(p[cols].to_string(float_format=lambda v: f"{v:,.2f}" if abs(v) < 1e3 else f"{v / 1e9:,.2f}bn"))


if __name__ == "__main__":
    main()
