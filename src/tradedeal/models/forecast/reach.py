"""What reaching a year's target would take, against the record: the check a reader makes.

Next to a model's probability of reaching a full-year target, a reader asks: how much is still
needed in the months left, and has the series ever bought that much in as many months? This
module answers from the data alone (nothing simulated): the amount needed, the best run of as
many consecutive months on record (up to ``as_of``), their ratio, and how many runs of that
length on record reached the amount. The probability stays the model's; the sentence is the
check beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.errors import ParameterError
from tradedeal.models.forecast.odds import format_probability

#: Below this many runs on record, "none reached it" is not stated as a percentage.
MIN_RUNS = 100


@dataclass(frozen=True)
class Reach:
    """What reaching ``target_usd`` by December takes, seen from ``as_of``.

    ``needed_usd``: target minus the year's purchases through ``as_of`` (at most 0 when reached);
    ``months_left``: months from ``as_of`` to December; ``best_usd``: the largest sum of
    ``months_left`` consecutive months in the data up to ``as_of`` (``best_month`` its last
    month); ``runs``: how many such runs the data holds, ``runs_reaching``: how many of them
    summed to at least ``needed_usd``.
    """

    name: str
    as_of: pd.Period
    target_usd: float
    observed_ytd_usd: float
    needed_usd: float
    months_left: int
    best_usd: float
    best_month: pd.Period
    runs: int
    runs_reaching: int

    @property
    def ratio(self) -> float:
        """The amount needed over the best run of as many months on record."""
        return self.needed_usd / self.best_usd

    @property
    def beyond_record(self) -> bool:
        return self.needed_usd > self.best_usd

    @property
    def record_share(self) -> float:
        """The share of runs on record that reached the amount needed."""
        return self.runs_reaching / self.runs

    def _best(self) -> str:
        return "the record month" if self.months_left == 1 else f"the best {self.months_left} months on record"

    def sentence(self) -> str:
        """``needs $10.3bn in the remaining 1 month, 1.94 × the record month (2021-11)``."""
        if self.needed_usd <= 0:
            return f"target reached by {self.as_of}"
        months = "month" if self.months_left == 1 else "months"
        span = (str(self.best_month) if self.months_left == 1
                else f"{self.best_month - self.months_left + 1} to {self.best_month}")
        return (f"needs ${self.needed_usd / 1e9:,.1f}bn in the remaining {self.months_left} {months}, "
                f"{self.ratio:.2f} × {self._best()} ({span})")

    def on_record(self) -> str:
        """How often the record did it: ``under 1 % on the record`` (none of 100 or more runs),
        ``none of 42 runs on record``, or ``12 of 107 runs of 1 month on record``."""
        if self.needed_usd <= 0:
            return "already reached"
        if self.runs_reaching == 0:
            return "under 1 % on the record" if self.runs >= MIN_RUNS else f"none of {self.runs} runs on record"
        return f"{self.runs_reaching} of {self.runs} runs of {self.months_left} months on record"

    def words(self) -> str:
        """The check in words: beyond the record, ``needs 1.94 × the record month; under 1 % on
        the record``; else the full sentence."""
        if self.needed_usd > 0 and self.beyond_record:
            return f"needs {self.ratio:.2f} × {self._best()}; {self.on_record()}"
        return self.sentence()


def reach(series: pd.Series, *, as_of: str | pd.Period, target_usd: float) -> Reach:
    """What ``series`` (monthly USD, PeriodIndex) must buy after ``as_of`` to reach ``target_usd``
    in ``as_of``'s calendar year, against its record up to ``as_of``.

    Raises :class:`~tradedeal.errors.ParameterError` when ``as_of`` is not in the data, is a
    December (no months left), or the record is shorter than the months left.
    """
    month = pd.Period(as_of, "M")
    s = series.dropna().astype("float64")
    if month not in s.index:
        raise ParameterError(f"as_of {month} is outside the data ({s.index.min()} to {s.index.max()})")
    left = 12 - month.month
    if left < 1:
        raise ParameterError(f"as_of {month} is a December: no month of {month.year} is left")
    known = s.loc[:month]
    if len(known) < left:
        raise ParameterError(f"the record to {month} is shorter than the {left} months left")
    observed = float(s.loc[pd.Period(f"{month.year}-01", "M"):month].sum())
    needed = float(target_usd) - observed
    sums = known.rolling(left).sum().dropna()
    best = sums.idxmax()
    return Reach(str(series.name), month, float(target_usd), observed, needed, left, float(sums.max()), best,
                 len(sums), int((sums >= needed).sum()))


def reach_table(monthly: pd.DataFrame, targets: pd.Series, *, as_of: str | pd.Period) -> pd.DataFrame:
    """:func:`reach` for every series of ``monthly`` with a target, one row each: ``needed_usd,
    months_left, best_usd, needed_vs_best, runs, runs_reaching, check`` (``check``: the sentence,
    or the words when beyond the record)."""
    rows = {}
    for name, target in targets.items():
        if name not in monthly or not np.isfinite(target):
            continue
        r = reach(monthly[name].rename(name), as_of=as_of, target_usd=float(target))
        rows[name] = {"needed_usd": r.needed_usd, "months_left": r.months_left, "best_usd": r.best_usd,
                      "needed_vs_best": r.ratio, "runs": r.runs, "runs_reaching": r.runs_reaching,
                      "check": r.sentence() + ("; " + r.on_record() if r.beyond_record else "")}
    return pd.DataFrame.from_dict(rows, orient="index")


def odds_in_words(prob: float, check: Reach | None) -> str:
    """A model's probability for readers, with the record's word beside it when reaching the
    target needs more than the record ever bought: ``10 % (the model's); needs 1.94 × the record
    month; under 1 % on the record``."""
    shown = format_probability(prob)
    if check is None or check.needed_usd <= 0 or not check.beyond_record:
        return shown
    return f"{shown} (the model's); {check.words()}"
