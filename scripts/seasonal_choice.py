"""How each seasonal adjustment method revises itself and how smooth its output is, 2018-2021.

For every month m from 2018-01 to the month before the data end, the series is adjusted with
data through m only (the real-time, concurrent estimate of m) and with all the data (the final
estimate of m). Printed per method, for covered_total (published-aggregate coverage, to 2021-11):
- revision: mean and 90th percentile of |log final - log concurrent|, in %;
- smoothness: mean absolute month-on-month change of the final adjusted series, in %, and its
  largest, over 2018-2021 (a spike where the seasonal pattern changed shows here).

    .venv/bin/python scripts/seasonal_choice.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradedeal import Snapshot
from tradedeal.ingest.concordance import AGGREGATE_COVERAGE
from tradedeal.models.shared import seasonal


def measure(series: pd.Series, method: str, first: str = "2018-01") -> dict:
    final = np.log(seasonal.seasonally_adjust(series, method=method))
    origins = series.loc[first:].index[:-1]
    concurrent = pd.Series({m: np.log(seasonal.seasonally_adjust(series.loc[:m], method=method).iloc[-1])
                            for m in origins})
    revision = 100 * (final.reindex(origins) - concurrent).abs()
    steps = 100 * final.loc[first:"2021-12"].diff().abs().dropna()
    return {"method": method, "revision_mean_pct": revision.mean(), "revision_p90_pct": revision.quantile(0.9),
            "mom_change_mean_pct": steps.mean(), "mom_change_max_pct": steps.max(), "origins": len(origins)}


def main() -> None:
    snap = Snapshot()
    series = snap.series("covered_total", coverage=AGGREGATE_COVERAGE)
    methods, notes = seasonal.methods_available()
    for note in notes:
        print(note)
    table = pd.DataFrame([measure(series, m) for m in methods]).set_index("method")
    print(f"covered_total ({AGGREGATE_COVERAGE}), {series.index.min()} to {series.index.max()}, "
          f"vintage {snap.vintage}; concurrent estimates at every month from 2018-01:")
    print(table.to_string(float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
