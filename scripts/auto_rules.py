"""How ``auto``'s selection rule was checked: every (window, judged horizons) rule, scored.

For each rule, ``auto`` is chosen anew (:func:`tradedeal.models.backtest.with_auto`) over the real-time
backtests of the covered total: the model with the lowest MASE on the forecasts judged in the
last ``window`` months at horizons 1..``H``, using only data before each origin. Printed per rule,
with the library's own scores:

- ``relative_mae`` and ``coverage_pct`` of its monthly forecasts, horizons 1-6, origins 2017-01
  to 2021-05 (annex_6_1_ex_civil_aircraft; :meth:`Backtest.score`, as in
  ``benchmarks/forecast.py``; the issue's goal is a relative MAE of at most 0.70);
- the mean absolute error (%) of its year-total projections (:meth:`Backtest.year_score`) over
  the origins of 2016-19 (what was known before the deal), of 2020 (annex_6_1) and of 2021
  (without civil aircraft);
- its choice at 2020-07 and the error of that projection of the 2020 total.

    .venv/bin/python scripts/auto_rules.py
"""

from __future__ import annotations

import pandas as pd

from tradedeal import Snapshot
from tradedeal.models.backtest import AUTO, JUDGE_HORIZON, WINDOW, with_auto
from tradedeal.models.projection import realtime_backtests


def main() -> None:
    pd.set_option("display.width", 200)
    snap = Snapshot()
    run20 = realtime_backtests(snap, 2020, jobs=2)["backtests"]["covered_total"]
    run21 = realtime_backtests(snap, 2021, jobs=2)["backtests"]["covered_total"]
    july = pd.Period("2020-07", "M")
    rows = []
    for window in (3, 6, 9, 12, 18, 24, 36):
        for horizon in (1, 3, 6, 12):
            bt20, bt21 = (with_auto(bt, window=window, horizon=horizon) for bt in (run20, run21))
            monthly = bt21.score(horizons=range(1, 7), origins=("2017-01", "2021-05")).loc[AUTO]
            at_july = bt20.record[(bt20.record["model"] == AUTO) & (bt20.record["as_of"] == july)].iloc[0]
            rows.append({
                "window": window, "H": horizon,
                "relative_mae": monthly["relative_mae"], "coverage_pct": monthly["coverage_pct"],
                "year_error_2016_19_pct": bt20.year_score(origins=(None, "2019-12")).loc[AUTO, "mean_abs_error_pct"],
                "year_error_2020_pct": bt20.year_score(origins=("2020-01", None)).loc[AUTO, "mean_abs_error_pct"],
                "year_error_2021_pct": bt21.year_score(origins=("2021-01", None)).loc[AUTO, "mean_abs_error_pct"],
                "choice_2020_07": at_july["chosen"],
                "error_2020_07_pct": 100 * (at_july["median_usd"] / at_july["observed_total_usd"] - 1),
            })
    print(f"auto's rule is window {WINDOW}, H {JUDGE_HORIZON} (tradedeal.models.backtest.WINDOW, JUDGE_HORIZON). "
          "Forecasts, not data.")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
