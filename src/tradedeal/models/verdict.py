"""The momentum verdict: one pre-registered question, its control group, a calibrated test and placebos.

The question (``docs/momentum.md`` gives the reasons for every choice): *after the agreement
entered into force (2020-02), did the monthly growth of China's purchases of covered US goods
change, relative to its purchases of US goods outside Annex 6.1?* The primary specification
(:data:`PRIMARY`):

- the outcome is the log of the covered series (always under :data:`TREATED_COVERAGE`, civil
  aircraft out, as in the control), or the log ratio of it to the control (``uncovered``: the
  HS6 lines outside Annex 6.1, same data and vintage);
- a linear trend, eleven month effects, a step from China's retaliatory tariffs (2018-07, from
  :data:`tradedeal.models.forecast.EVENTS`), a level change and a slope change at the break;
- the break month is fixed by the calendar (entry into force), never chosen by fit;
- the months of the 2020 shock each get their own dummy (they inform neither trend): the shock
  starts with :data:`~tradedeal.models.forecast.EVENTS` and ends by the real-time rule of
  :func:`tradedeal.models.forecast.recovery_month` applied to all US goods exports to China;
- the slope change's p-value and interval come from :func:`tradedeal.models.calibrated.calibrated_test`
  (FGLS with AR(1) errors calibrated by a parametric bootstrap under the fitted null);
- the placebo rank is two-sided, by ``|t|``, among placebo windows away from the 2018 tariffs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from tradedeal.agreement.concordance import AGGREGATE_COVERAGE, DEFAULT_COVERAGE, NOT_COVERED
from tradedeal.agreement.window import Window
from tradedeal.errors import DataNotAvailableError, ParameterError
from tradedeal.models import MOMENTUM_CONTROLS, seasonal
from tradedeal.models.calibrated import CalibratedTest, calibrated_test
from tradedeal.models.forecast import EVENTS, recovery_month
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
#: A placebo window is a tariff artefact when the 2018-07 step lies inside its post-window, or
#: its break comes at most this many months after the step (the step is then identified by that
#: many months alone, 2018-08..2018-10): the step and the break are barely separable.
TARIFF_GAP = 3
MIN_PRE, MIN_POST = 24, 6
BRIEF_COLUMNS = ("answer", "control", "break_month", "start", "end", "post_months", "estimate", "ci_lower", "ci_upper",
                 "p_value", "verdict", "placebo_rank")
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
    logs = np.log(pd.concat(series, axis=1, join="inner").dropna())
    y = logs["treated"] - logs["control"] if other is not None else logs["treated"]
    return y.loc[spec.start:].rename("log_ratio" if other is not None else "log_level")


@dataclass(frozen=True)
class MomentumEstimate:
    """The slope change of one specification, with its calibrated test."""

    series: str
    spec: Specification
    test: CalibratedTest
    start: pd.Period
    end: pd.Period
    post_months: int  # months from the break to the end that are not shock months
    shocks: tuple[pd.Period, ...]  # months with their own dummy (shock, and anticipation in that variant)
    answer: str = "primary"

    @property
    def verdict(self) -> str:
        if self.test.p_value >= self.test.alpha:
            return "no significant change"
        return "sped up" if self.test.estimate > 0 else "slowed"

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
        change = {"sped up": "sped up", "slowed": "slowed",
                  "no significant change": "showed no significant change in growth"}[self.verdict]
        return (f"{what}, {self.series.replace('_', ' ')} {change} after {self.spec.break_month}: its monthly log growth changed by "
                f"{t.estimate:+.4f} ({100 * (1 - t.alpha):.0f}% bootstrap-t CI {t.lower:+.4f} to {t.upper:+.4f}, "
                "calibrated "
                f"p = {t.p_value:.3f}; {self.start} to {self.end}, {self.post_months} months after the break "
                f"outside the shock)")


def estimate(data: Inputs, spec: Specification = PRIMARY, *, alpha: float = ALPHA, draws: int = DRAWS,
             seed: int = SEED, end: pd.Period | None = None) -> MomentumEstimate:
    """The slope change at ``spec.break_month`` with its calibrated test (see the module docstring)."""
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
    test = calibrated_test(X.to_numpy(), y.to_numpy(), X.columns.get_loc("slope_change"), alpha=alpha, draws=draws,
                           seed=seed)
    post = int(((y.index >= spec.break_month) & ~y.index.isin(shocks)).sum())
    inside = tuple(s for s in shocks if s in y.index)
    return MomentumEstimate(data.name, spec, test, y.index[0], y.index[-1], post, inside)


def _check_segments(index: pd.PeriodIndex, break_month: pd.Period, shocks) -> None:
    before = int((index < break_month).sum())
    after = int(((index >= break_month) & ~index.isin(shocks)).sum())
    if before < MIN_PRE or after < MIN_POST:
        raise ParameterError(f"break_month {break_month} needs at least {MIN_PRE} months before and {MIN_POST} after "
                             f"(outside the shock) in the sample {index[0]} to {index[-1]}; got {before} and {after}")


def placebos(data: Inputs, real: MomentumEstimate, *, draws: int = 199, seed: int = SEED) -> pd.DataFrame:
    """The same specification at every placebo break before the agreement, on data truncated
    before it: each placebo has the real fit's number of months after its break and its shock
    dummies at the same distance from the break. A break where the tariff step coincides with
    the level change cannot be estimated and is left out; a window whose 2018-07 tariff step lies
    inside its post-window, or at most :data:`TARIFF_GAP` months before its break, is flagged
    ``tariff_artefact`` (kept in the frame, left out of the rank).

    Returns ``break_month, end, estimate, ci_lower, ci_upper, t, p_value, tariff_artefact``.
    """
    spec = real.spec
    y = outcome(data, spec).loc[: min(spec.break_month, IN_FORCE) - 1]
    length = (real.end - spec.break_month).n + 1
    offsets = [(s - spec.break_month).n for s in real.shocks if s >= spec.break_month]
    columns = ["break_month", "end", "estimate", "ci_lower", "ci_upper", "t", "p_value", "tariff_artefact"]
    rows = []
    for b in pd.period_range(y.index[0] + MIN_PRE, y.index[-1] - length + 1, freq="M"):
        part = y.loc[: b + length - 1]
        X = design(part.index, b, shocks=[b + o for o in offsets], month_effects=spec.method == "dummies")
        if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
            continue
        t = calibrated_test(X.to_numpy(), part.to_numpy(), X.columns.get_loc("slope_change"), alpha=real.test.alpha,
                            draws=draws, seed=seed)
        artefact = b - TARIFF_GAP <= TARIFF_MONTH <= part.index[-1]
        rows.append(dict(zip(columns, (b, part.index[-1], t.estimate, t.lower, t.upper, t.t, t.p_value, artefact))))
    return pd.DataFrame(rows, columns=columns)


def placebo_rank(placebo: pd.DataFrame, t: float) -> tuple[int, int]:
    """Two-sided rank of the real ``t`` by ``|t|`` among itself and the placebos that are not
    tariff artefacts (1 = largest ``|t|``), and their number."""
    clean = placebo[~placebo["tariff_artefact"].astype(bool)]
    return int((clean["t"].abs() > abs(t)).sum()) + 1, len(clean) + 1


def rank_text(placebo: pd.DataFrame, t: float) -> str:
    """``"k of n (two-sided, by |t|)"``."""
    return "{} of {} (two-sided, by |t|)".format(*placebo_rank(placebo, t))


@dataclass(frozen=True)
class Verdict:
    """The answer to the question: the primary estimate, its absolute counterpart (to the last
    month, and on the primary's own sample when that ends earlier), and the placebos of each."""

    primary: MomentumEstimate
    absolute: MomentumEstimate
    placebo: pd.DataFrame  # placebos of the primary specification
    placebo_absolute: pd.DataFrame  # of the absolute answer (the same frame when it is the primary)
    window: Window
    notes: tuple[str, ...] = field(default=())
    same_sample: MomentumEstimate | None = None  # the absolute answer over the primary's months
    placebo_same_sample: pd.DataFrame | None = None

    @property
    def placebo_rank(self) -> tuple[int, int]:
        """The primary's two-sided rank by |t| among its placebos away from the tariffs (1 = largest)."""
        return placebo_rank(self.placebo, self.primary.test.t)

    def answers(self) -> list[tuple[MomentumEstimate, pd.DataFrame]]:
        """Each answer with its placebos: the primary, the absolute one on the same sample, the absolute one."""
        out = [(self.primary, self.placebo)]
        if self.same_sample is not None:
            out.append((self.same_sample, self.placebo_same_sample))
        if self.absolute is not self.primary:
            out.append((self.absolute, self.placebo_absolute))
        return out

    def frame(self) -> pd.DataFrame:
        """One row per answer (:meth:`answers`), with its placebo rank and the question's
        coverage, vintage and as_of."""
        out = pd.DataFrame([{**e.row(), "placebo_rank": rank_text(pl, e.test.t)} for e, pl in self.answers()])
        return out.assign(coverage=TREATED_COVERAGE, **self.window.fields())

    def table(self, *, brief: bool = False) -> pd.DataFrame:
        """:meth:`frame`; ``brief`` keeps the columns a reader needs (the header says the rest)."""
        out = self.frame()
        return out[list(BRIEF_COLUMNS)] if brief else out

    def header(self) -> list[str]:
        """The question, for a table's header."""
        return [f"Momentum of {self.primary.series} ({TREATED_COVERAGE}) after {self.primary.spec.break_month}: change "
                "in monthly log growth (log level or log ratio to the control; trend, month effects, 2018 tariff step, "
                "2020 shock months dummied); FGLS, AR(1) errors, p-value from a parametric bootstrap under the fitted "
                "null, 95% interval symmetric bootstrap-t at the rho fitted under zero; placebo rank two-sided by |t| "
                f"among placebo breaks before the agreement (1 = largest), windows whose break is at most {TARIFF_GAP} "
                f"months after the {TARIFF_MONTH} tariffs, or whose post-window spans them, left out",
                *self.window.question()]

    def headline_sentences(self) -> list[str]:
        """Two or three sentences for the top of a report, computed from the estimates."""
        p, a, same = self.primary, self.absolute, self.same_sample
        sentences = [p.sentence() + f"; treated coverage {TREATED_COVERAGE}, vintage {self.window.vintage}."]
        if same is not None:
            t = a.test
            sentences.append(same.sentence() + f"; through {a.end}, with the months after the HS6 data spliced from "
                             f"year-to-date releases: {t.estimate:+.4f} ({t.lower:+.4f} to {t.upper:+.4f}, "
                             f"p = {t.p_value:.3f}).")
        elif a is not p:
            sentences.append(a.sentence() + ".")
        if self.placebo.empty:
            sentences.append("No placebo break fits in the data before the agreement.")
            return sentences
        alpha = p.test.alpha
        clean = self.placebo[~self.placebo["tariff_artefact"].astype(bool)]
        first, last = self.placebo["break_month"].min(), self.placebo["break_month"].max()
        rejected = int((self.placebo["p_value"] < alpha).sum())
        text = (f"Against placebo breaks from {first} to {last} (data before the agreement), the "
                f"{'relative ' if p.relative else ''}estimate ranks {rank_text(self.placebo, p.test.t)} among the "
                f"{len(clean)} placebo windows away from the {TARIFF_MONTH} tariffs; {rejected} of all "
                f"{len(self.placebo)} placebos have a calibrated p below {alpha:g} "
                f"({int((clean['p_value'] < alpha).sum())} of the {len(clean)} away from the tariffs)")
        sentences.append(text + ".")
        return sentences


def verdict(window: Window, *, series: str = "covered_total", break_month=None, control: str = PRIMARY.control,
            alpha: float = ALPHA, draws: int = DRAWS, seed: int = SEED) -> Verdict:
    """The primary answer for ``series`` in ``window``; ``break_month`` overrides the primary
    break (for exploration), ``control`` ``none`` makes the absolute answer the primary one."""
    spec = replace(PRIMARY, control=control, **({"break_month": break_month} if break_month is not None else {}))
    data = inputs(window, series)
    primary = estimate(data, spec, alpha=alpha, draws=draws, seed=seed)
    absolute = primary if control == "none" else replace(
        estimate(data, replace(spec, control="none"), alpha=alpha, draws=draws, seed=seed), answer="absolute")
    notes, same, placebo_same = [], None, None
    if window.coverage != TREATED_COVERAGE:
        notes.append(f"the treated series is {TREATED_COVERAGE} at every as_of (civil aircraft is in neither side), "
                     f"not the window's {window.coverage}")
    if control != "none" and primary.end < absolute.end:
        notes.append(f"the control ({CONTROL_NAMES[control]}) ends in {primary.end}: the relative answer stops there; "
                     f"the absolute one is shown over the same months and to {absolute.end}")
        same = replace(estimate(data, replace(spec, control="none"), alpha=alpha, draws=draws, seed=seed,
                                end=primary.end), answer="absolute_same_sample")
        placebo_same = placebos(data, same, seed=seed)
    sources = window.snapshot.sources(TREATED_COVERAGE)
    spliced = sources[sources["source"] != "census_hs6"]
    if not spliced.empty and pd.Period(str(spliced["first"].min()), "M") <= absolute.end:
        notes.append(f"the treated series from {spliced['first'].min()} to {absolute.end} is spliced from differenced "
                     "year-to-date category releases (a different source and vintages) onto the HS6 months; answers "
                     "that end there carry the splice")
    placebo = placebos(data, primary, seed=seed)
    placebo_absolute = placebo if absolute is primary else placebos(data, absolute, seed=seed)
    return Verdict(primary, absolute, placebo, placebo_absolute, window, tuple(notes), same, placebo_same)
