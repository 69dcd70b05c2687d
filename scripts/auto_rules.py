"""How ``auto``'s selection rule was checked: every (window, judged horizons) rule, scored.

For each rule, ``auto`` is re-run over the real-time backtests of the covered total: the model
with the lowest MASE on the forecasts judged in the last ``window`` months at horizons
1..``H``, using only data before each origin. Printed per rule:

- the relative MAE and 80 % coverage of its monthly forecasts, horizons 1-6, origins 2017-01 to
  2021-05 (annex_6_1_ex_civil_aircraft; the issue's goal is a relative MAE of at most 0.70);
- the mean absolute error (%) of its year-total projections over the origins of 2016-19 (what
  was known before the deal), of 2020 (annex_6_1) and of 2021 (without civil aircraft);
- its choice at 2020-07 and the error of that projection of the 2020 total.

    .venv/bin/python scripts/auto_rules.py
"""

from __future__ import annotations

import pandas as pd

from tradedeal.backtest import AUTO, Backtest, choose
from tradedeal.projection import realtime_backtests


def picks(bt: Backtest, window: int, horizon: int) -> dict:
    forecasts = bt.forecasts[bt.forecasts["model"] != AUTO]
    return {o: choose(forecasts, o, list(at["model"].unique()), window=window, horizon=horizon)
            for o, at in forecasts.groupby("origin")}


def monthly_score(bt: Backtest, chosen: dict) -> tuple[float, float]:
    f = bt.forecasts[bt.forecasts["model"] != AUTO].dropna(subset=["actual"])
    f = f[(f["horizon"] <= 6) & (f["origin"] >= pd.Period("2017-01", "M")) & (f["origin"] <= pd.Period("2021-05", "M"))]
    auto = f[f["model"] == f["origin"].map(chosen)]
    snaive = f[f["model"] == "snaive"]
    relative = (auto["actual"] - auto["mean"]).abs().mean() / (snaive["actual"] - snaive["mean"]).abs().mean()
    inside = ((auto["actual"] >= auto["lower"]) & (auto["actual"] <= auto["upper"])).mean()
    return relative, 100 * inside


def year_error(bt: Backtest, chosen: dict, first: str, last: str) -> float:
    r = bt.record
    r = r[(r["model"] != AUTO) & r["observed_total_usd"].notna() & (r["through"] > r["as_of"])
          & (r["as_of"] >= pd.Period(first, "M")) & (r["as_of"] <= pd.Period(last, "M"))]
    auto = r[r["model"] == r["as_of"].map(chosen)]
    return float((100 * (auto["median_usd"] / auto["observed_total_usd"] - 1)).abs().mean())


def main() -> None:
    pd.set_option("display.width", 200)
    run20 = realtime_backtests(2020, jobs=2)["backtests"]["covered_total"]
    run21 = realtime_backtests(2021, jobs=2)["backtests"]["covered_total"]
    july = pd.Period("2020-07", "M")
    rows = []
    for window in (3, 6, 9, 12, 18, 24, 36):
        for horizon in (1, 3, 6, 12):
            p20, p21 = picks(run20, window, horizon), picks(run21, window, horizon)
            relative, coverage = monthly_score(run21, p21)
            at_july = run20.record[(run20.record["model"] == p20[july]) & (run20.record["as_of"] == july)].iloc[0]
            rows.append({
                "window": window, "H": horizon, "relative_mae": relative, "coverage_pct": coverage,
                "year_error_2016_19_pct": year_error(run20, p20, "2016-01", "2019-11"),
                "year_error_2020_pct": year_error(run20, p20, "2020-01", "2020-11"),
                "year_error_2021_pct": year_error(run21, p21, "2021-01", "2021-10"),
                "choice_2020_07": p20[july],
                "error_2020_07_pct": 100 * (at_july["median_usd"] / at_july["observed_total_usd"] - 1),
            })
    print("auto's rule is window 24, H 3 (tradedeal.backtest.WINDOW, JUDGE_HORIZON). Forecasts, not data.")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
