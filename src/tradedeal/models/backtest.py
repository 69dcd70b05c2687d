"""Rolling-origin backtests and real-time projections: the public names in one place.

The work is split by job:

- :mod:`tradedeal.models.rolling`: the rolling-origin run (:func:`run_backtest`,
  :func:`backtest_categories`) and the year-total projections made at every origin;
- :mod:`tradedeal.models.calibration`: conformal calibration of monthly intervals and of year
  totals, learned in real time, on logs;
- :mod:`tradedeal.models.combination`: ``auto`` (every model in equal weights) and bottom-up
  totals (:func:`combine`);
- :mod:`tradedeal.models.scores`: the :class:`Backtest` record and its scores (MAE, coverage,
  interval score, CRPS, Brier score on complete years only, how far the bands reach).
"""

from tradedeal.models import AUTO
from tradedeal.models.calibration import LOOKBACK, Calibration, calibrate_year
from tradedeal.models.combination import combine, mixture_quantiles, with_auto
from tradedeal.models.rolling import RECORD_REPETITIONS, RECORD_START, backtest_categories, record_start, run_backtest
from tradedeal.models.scores import Backtest, interval_score, piled_pct, score_table

__all__ = [
    "AUTO", "LOOKBACK", "RECORD_REPETITIONS", "RECORD_START", "Backtest", "Calibration", "backtest_categories",
    "calibrate_year", "combine", "interval_score", "mixture_quantiles", "piled_pct", "record_start", "run_backtest",
    "score_table", "with_auto",
]
