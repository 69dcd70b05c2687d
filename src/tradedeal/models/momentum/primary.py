"""The primary specification of the momentum question: its data, design and estimate.

``docs/momentum.md`` gives the reasons for every choice; :mod:`tradedeal.models.momentum.verdict` turns an
estimate into the answer (placebos, rank, sentences). The specification (:data:`PRIMARY`): the
log of the covered series, or its log ratio to a control, on a trend, month effects, the 2018-07
tariff step, the 2020 shock months (each its own dummy, their end found in real time) and a
level and slope change at the break, fixed by the calendar (entry into force, 2020-02); the
slope change is tested by :func:`tradedeal.models.shared.calibrated.calibrated_test`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradedeal.agreement.window import Window
from tradedeal.errors import DataNotAvailableError, EstimationError, ParameterError
from tradedeal.ingest.concordance import AGGREGATE_COVERAGE, DEFAULT_COVERAGE, NOT_COVERED
from tradedeal.models.momentum import MOMENTUM_CONTROLS
from tradedeal.models.shared import seasonal
from tradedeal.models.shared.calibrated import CalibratedTest, calibrated_test
from tradedeal.models.shared.events import EVENTS, recovery_month
from tradedeal.models.shared.finite import finite
from tradedeal.months import parse_month

#: The agreement was signed on 15 January 2020 and entered into force on 14 February 2020.
SIGNED = pd.Period("2020-01", "M")
IN_FORCE = pd.Period("2020-02", "M")
TARIFF_MONTH = pd.Period(EVENTS["tariffs_2018"][1], "M")
SHOCK_FIRST = pd.Period(EVENTS["shock_2020"][1], "M")
#: Controls: none (the absolute answer); HS6 lines outside Annex 6.1 (to the end of the HS6
#: data); all other US goods = total goods exports minus the series (to the end of the series).
CONTROLS = MOMENTUM_CONTROLS
CONTROL_NAMES = {"none": "none", "uncovered": "US exports to China of HS6 lines outside Annex 6.1",
                 "total_other": "all other US goods exports to China (total goods minus the series)"}
COVID_RULES = ("realtime", "ex_post", "none")
METHODS = ("dummies", "stl", "x13")
#: The treated series' coverage at every as_of: civil aircraft is in neither side (the control,
#: ``not_covered`` of Annex 6.1, leaves it out too).
TREATED_COVERAGE = AGGREGATE_COVERAGE
#: Sensitivities of the primary design: month effects allowed to differ from the tariffs to the
#: agreement (the soybean season vanished in 2018-19), and the months of anticipation (the deal
#: was announced in principle in 2019-10) each with its own dummy.
VARIANTS = ("none", "season_2018", "anticipation")
SEASON_SHIFT = (TARIFF_MONTH, pd.Period("2020-01", "M"))
ANTICIPATION = tuple(pd.period_range("2019-10", "2020-01", freq="M"))
MIN_PRE, MIN_POST = 24, 6
ALPHA, DRAWS, SEED = 0.05, 999, 0


@dataclass(frozen=True)
class Specification:
    """One way of asking the question: break month, sample start, control, shock treatment,
    seasonal method."""

    break_month: pd.Period = IN_FORCE
    start: pd.Period = pd.Period("2013-01", "M")
    control: str = "uncovered"
    covid: str = "realtime"
    method: str = "dummies"
    variant: str = "none"

    def __post_init__(self) -> None:
        object.__setattr__(self, "break_month", parse_month(self.break_month, "break_month"))
        object.__setattr__(self, "start", parse_month(self.start, "start"))
        for name, value, allowed in (("control", self.control, CONTROLS), ("covid", self.covid, COVID_RULES),
                                     ("method", self.method, METHODS), ("variant", self.variant, VARIANTS)):
            if value not in allowed:
                raise ParameterError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


#: The pre-registered primary specification.
PRIMARY = Specification()


@dataclass(frozen=True)
class Inputs:
    """The series a verdict is computed from, each a monthly USD series through ``as_of``."""

    name: str
    treated: pd.Series
    total: pd.Series  # all US goods exports to China (Census c5700, then FRED)
    uncovered: pd.Series  # HS6 lines outside Annex 6.1
    window: Window
    _adjusted: dict = field(default_factory=dict, compare=False, repr=False)

    def control(self, kind: str) -> pd.Series | None:
        """The control series of ``kind`` (:data:`CONTROLS`), None for ``none``."""
        if kind == "none":
            return None
        if kind == "uncovered":
            return self.uncovered
        both = pd.concat([self.total, self.treated], axis=1, join="inner")
        return (both.iloc[:, 0] - both.iloc[:, 1]).rename("total_other")

    def prepared(self, kind: str, method: str) -> pd.Series | None:
        """The treated series (``kind`` ``treated``) or a control, seasonally adjusted over its
        whole span unless ``method`` is dummies (adjusted once, then kept). ``total_other`` is
        adjusted indirectly, as adjusted total goods minus the adjusted series (X-13's model
        search on the difference itself can take minutes)."""
        if method == "dummies" or kind == "none":
            return self.treated if kind == "treated" else self.control(kind)
        if kind == "total_other":
            both = pd.concat([self.prepared("total", method), self.prepared("treated", method)], axis=1, join="inner")
            return (both.iloc[:, 0] - both.iloc[:, 1]).rename("total_other")
        if (kind, method) not in self._adjusted:
            series = {"treated": self.treated, "total": self.total, "uncovered": self.uncovered}[kind]
            self._adjusted[kind, method] = seasonal.seasonally_adjust(series, method=method)
        return self._adjusted[kind, method]


def inputs(window: Window, series: str = "covered_total") -> Inputs:
    """The series through ``window``'s ``as_of`` and its controls. The treated series is always
    under :data:`TREATED_COVERAGE` (HS6 months, then the published aggregates), whatever the
    window's coverage, so that civil aircraft is on neither side."""
    snap = window.snapshot
    treated = snap.series(series, coverage=TREATED_COVERAGE).loc[: window.as_of]
    uncovered = snap.exports_by_category(DEFAULT_COVERAGE)[NOT_COVERED].dropna().loc[: window.as_of]
    total = snap.total_goods()["exports_usd"].loc[: window.as_of]
    return Inputs(series, treated.astype("float64"), total.astype("float64"), uncovered.astype("float64"), window)


def shock_months(total: pd.Series, spec: Specification) -> tuple[pd.Period, ...]:
    """The months of the 2020 shock that get their own dummy, as known at the end of ``total``."""
    if spec.covid == "none" or total.index[-1] < SHOCK_FIRST:
        return ()
    if spec.covid == "ex_post":
        return tuple(pd.period_range(SHOCK_FIRST, "2020-04", freq="M"))
    recovery = recovery_month(total, SHOCK_FIRST)
    if recovery is None:
        raise DataNotAvailableError(f"the 2020 shock has not ended by {total.index[-1]} in total goods exports "
                                    "(real-time rule): no post-shock months to test")
    return tuple(pd.period_range(SHOCK_FIRST, recovery - 1, freq="M"))


def design(index: pd.PeriodIndex, break_month: pd.Period, *, shocks=(), month_effects: bool = True,
           season_shift: bool = False) -> pd.DataFrame:
    """Regressors: constant, trend, the 2018 tariff step (when inside the sample), one dummy per
    shock month, level and slope change at ``break_month``, eleven month effects (and, with
    ``season_shift``, eleven more that differ over :data:`SEASON_SHIFT`)."""
    t = np.arange(len(index), dtype=float)
    post = (index >= break_month).astype(float)
    X = pd.DataFrame({"const": 1.0, "trend": t}, index=index)
    if index[0] < TARIFF_MONTH <= index[-1]:
        X["tariff_step"] = (index >= TARIFF_MONTH).astype(float)
    for month in shocks:
        if month in index:
            X[f"shock_{month}"] = (index == month).astype(float)
    k0 = int(np.argmax(post)) if post.any() else len(index)
    X["level_change"] = post
    X["slope_change"] = post * (t - k0)
    if month_effects:
        months = pd.get_dummies(pd.Series(index.month, index=index), prefix="month", dtype=float)
        X = X.join(months.drop(columns="month_1", errors="ignore"))
        if season_shift:
            inside = ((index >= SEASON_SHIFT[0]) & (index <= SEASON_SHIFT[1])).astype(float)
            X = X.join(months.drop(columns="month_1", errors="ignore").mul(inside, axis=0).add_prefix("2018_"))
    return X


def outcome(data: Inputs, spec: Specification) -> pd.Series:
    """The log series (control ``none``) or the log ratio to the control, over the spec's sample
    and the months both series have; each series seasonally adjusted first unless ``method`` is
    dummies."""
    for kind in ("treated", "uncovered"):
        raw = data.treated if kind == "treated" else data.uncovered
        if (raw.loc[spec.start:] <= 0).any():
            raise ParameterError(f"{data.name if kind == 'treated' else 'the control'} has months with no exports "
                                 f"from {spec.start}: the test is on logs")
    series = {"treated": data.prepared("treated", spec.method)}
    other = data.prepared(spec.control, spec.method)
    if other is not None:
        series["control"] = other
    both = pd.concat(series, axis=1, join="inner").dropna()
    for kind, values in both.loc[spec.start:].items():
        what = "series" if kind == "treated" else f"control {spec.control}"
        finite(data.name, **{what: values})
        if (values <= 0).any():
            month = values.index[int((values <= 0).to_numpy().argmax())]
            raise EstimationError(f"{data.name}: {what} is {values[month]:,.0f} USD at {month}, not positive (the test "
                                  "is on logs): no estimate or verdict is given from it")
    logs = np.log(both)
    y = logs["treated"] - logs["control"] if other is not None else logs["treated"]
    return y.loc[spec.start:].rename("log_ratio" if other is not None else "log_level")


@dataclass(frozen=True)
class MomentumEstimate:
    """The slope change (or, with ``parameter`` ``level_change``, the level change) of one
    specification, with its calibrated test."""

    series: str
    spec: Specification
    test: CalibratedTest
    start: pd.Period
    end: pd.Period
    post_months: int  # months from the break to the end that are not shock months
    shocks: tuple[pd.Period, ...]  # months with their own dummy (shock, and anticipation in that variant)
    answer: str = "primary"
    parameter: str = "slope_change"

    @property
    def verdict(self) -> str:
        if self.test.p_value >= self.test.alpha:
            return "no significant change"
        up, down = ("rose", "fell") if self.parameter == "level_change" else ("sped up", "slowed")
        return up if self.test.estimate > 0 else down

    @property
    def relative(self) -> bool:
        return self.spec.control != "none"

    def row(self) -> dict:
        t = self.test
        return {"answer": self.answer, "series": self.series, "control": self.spec.control,
                "break_month": str(self.spec.break_month),
                "start": str(self.start), "end": str(self.end), "covid": self.spec.covid, "method": self.spec.method,
                "post_months": self.post_months, "estimate": t.estimate, "ci_lower": t.lower, "ci_upper": t.upper,
                "p_value": t.p_value, "rho": t.rho, "rho_null": t.rho_null, "verdict": self.verdict}

    def sentence(self) -> str:
        """One sentence: what changed, by how much, with the calibrated interval and p-value."""
        t = self.test
        what = f"Relative to {CONTROL_NAMES[self.spec.control]}" if self.relative else "On its own"
        level = self.parameter == "level_change"
        change = (f"showed no significant change in {'level' if level else 'growth'}"
                  if self.verdict == "no significant change" else self.verdict)
        quantity = "its log level" if level else "its monthly log growth"
        return (f"{what}, {self.series.replace('_', ' ')} {change} after {self.spec.break_month}: {quantity} changed by "
                f"{t.estimate:+.4f} ({100 * (1 - t.alpha):.0f}% bootstrap-t CI {t.lower:+.4f} to {t.upper:+.4f}, "
                "calibrated "
                f"p = {t.p_value:.3f}; {self.start} to {self.end}, {self.post_months} months after the break "
                f"outside the shock)")


def estimate(data: Inputs, spec: Specification = PRIMARY, *, alpha: float = ALPHA, draws: int = DRAWS,
             seed: int = SEED, end: pd.Period | None = None, parameter: str = "slope_change") -> MomentumEstimate:
    """The slope change at ``spec.break_month`` with its calibrated test (see the module docstring);
    ``parameter`` ``level_change`` tests the level change of the same model instead."""
    if parameter not in ("slope_change", "level_change"):
        raise ParameterError(f"parameter must be slope_change or level_change; got {parameter!r}")
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1; got {alpha}")
    y = outcome(data, spec)
    if end is not None:
        y = y.loc[:end]
    if y.empty or y.index[0] > spec.start:
        first = y.index[0] if len(y) else "no months"
        raise DataNotAvailableError(f"start {spec.start} is before the data ({data.name}: {first})")
    shocks = shock_months(data.total.loc[: y.index[-1]], spec)
    if spec.variant == "anticipation":
        shocks = tuple(sorted({*shocks, *(m for m in ANTICIPATION if m < spec.break_month)}))
    X = design(y.index, spec.break_month, shocks=shocks, month_effects=spec.method == "dummies",
               season_shift=spec.variant == "season_2018")
    _check_segments(y.index, spec.break_month, shocks)
    test = calibrated_test(X.to_numpy(), y.to_numpy(), X.columns.get_loc(parameter), alpha=alpha, draws=draws,
                           seed=seed)
    finite(data.name, estimate=test.estimate, interval_lower=test.lower, interval_upper=test.upper,
           p_value=test.p_value)
    post = int(((y.index >= spec.break_month) & ~y.index.isin(shocks)).sum())
    inside = tuple(s for s in shocks if s in y.index)
    return MomentumEstimate(data.name, spec, test, y.index[0], y.index[-1], post, inside, parameter=parameter)


def _check_segments(index: pd.PeriodIndex, break_month: pd.Period, shocks) -> None:
    before = int((index < break_month).sum())
    after = int(((index >= break_month) & ~index.isin(shocks)).sum())
    if before < MIN_PRE or after < MIN_POST:
        raise ParameterError(f"break_month {break_month} needs at least {MIN_PRE} months before and {MIN_POST} after "
                             f"(outside the shock) in the sample {index[0]} to {index[-1]}; got {before} and {after}")
