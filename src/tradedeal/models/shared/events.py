"""The events a forecast model may know: the 2018 tariffs and the 2020 shock, dated in real time.

An event is dated by the month it began (:data:`EVENTS`, public on the day) and enters a model
once three months of it have been observed. The end of the 2020 shock is never assumed: it ends
at the first month whose change on a year earlier is back at the median of the twelve months
before the shock (:func:`recovery_month`), and a recovery term starts there once three months of
the recovery are observed. :data:`EX_POST` holds the dates known only afterwards, for ex-post
analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.errors import ParameterError

#: Events as known on the day they began: (kind, first month). China's retaliatory tariffs took
#: effect on 6 July 2018; Wuhan was locked down on 23 January 2020 and trade fell from February.
EVENTS = {
    "tariffs_2018": ("step", "2018-07"),
    "shock_2020": ("shock", "2020-02"),
}
#: Known only afterwards, for ex-post analysis: a shock's last month and the recovery's first.
EX_POST = {"shock_2020": ("2020-04", "2020-05")}
EVENT_RULES = ("realtime", "ex_post")
_MIN_EVENT_MONTHS = 3
_PRE_EVENT_MONTHS = 12


@dataclass(frozen=True)
class Event:
    """One intervention term: 1 from ``first`` through ``last`` (open-ended when ``last`` is None)."""

    name: str
    first: pd.Period
    last: pd.Period | None = None

    def dummy(self, index: pd.PeriodIndex) -> np.ndarray:
        on = index >= self.first
        if self.last is not None:
            on &= index <= self.last
        return on.astype(float)


def recovery_month(history: pd.Series, start: str | pd.Period) -> pd.Period | None:
    """The first month after ``start`` whose log change on a year earlier is back at the median
    of the twelve months before ``start``; None while ``history`` (which may end at any month)
    has not shown one."""
    start = pd.Period(start, "M")
    logs = np.log(history.astype("float64"))
    yoy = (logs - logs.shift(12)).dropna()
    before = yoy[(yoy.index >= start - _PRE_EVENT_MONTHS) & (yoy.index < start)]
    if before.empty:
        return None
    back = yoy[(yoy.index > start) & (yoy >= before.median())]
    return back.index[0] if len(back) else None


def events(history: pd.Series, *, rule: str = "realtime") -> tuple[Event, ...]:
    """The intervention terms a model fitted on ``history`` may use (see the module docstring).

    Only ``history`` (the data up to its last month) and the events' first months are used with
    ``rule="realtime"``; ``rule="ex_post"`` dates the end of the shock and the recovery by
    :data:`EX_POST`, which nobody knew at the time.
    """
    if rule not in EVENT_RULES:
        raise ParameterError(f"events must be one of {', '.join(EVENT_RULES)}; got {rule!r}")
    as_of = history.index[-1]
    out = []
    for name, (kind, first) in EVENTS.items():
        start = pd.Period(first, "M")
        if as_of < start + (_MIN_EVENT_MONTHS - 1):  # three months of it observed
            continue
        if kind == "step":
            out.append(Event(name, start))
            continue
        if rule == "ex_post":
            last, recovery = (pd.Period(m, "M") for m in EX_POST[name])
        else:
            recovery = recovery_month(history, start)
            last = recovery - 1 if recovery is not None else None
        out.append(Event(name, start, last))
        if recovery is not None and as_of >= recovery + (_MIN_EVENT_MONTHS - 1):
            out.append(Event(name.replace("shock", "recovery"), recovery))
    return tuple(out)


def interventions(index: pd.PeriodIndex, terms: tuple[Event, ...]) -> pd.DataFrame:
    """The dummies of ``terms`` over ``index`` (columns named after the events)."""
    return pd.DataFrame({e.name: e.dummy(index) for e in terms}, index=index)
