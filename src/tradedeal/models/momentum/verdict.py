"""The momentum verdict: one pre-registered question, its control group, a calibrated test and placebos.

The question (``docs/momentum.md`` gives the reasons for every choice): *after the agreement
entered into force (2020-02), did the monthly growth of China's purchases of covered US goods
change, relative to its purchases of US goods outside Annex 6.1?* The primary specification
(:data:`PRIMARY`):

- the outcome is the log of the covered series (always under :data:`TREATED_COVERAGE`, civil
  aircraft out, as in the control), or the log ratio of it to the control (``uncovered``: the
  HS6 lines outside Annex 6.1, same data and vintage);
- a linear trend, eleven month effects, a step from China's retaliatory tariffs (2018-07, from
  :data:`tradedeal.models.shared.events.EVENTS`), a level change and a slope change at the break;
- the break month is fixed by the calendar (entry into force), never chosen by fit;
- the months of the 2020 shock each get their own dummy (they inform neither trend): the shock
  starts with :data:`~tradedeal.models.shared.events.EVENTS` and ends by the real-time rule of
  :func:`tradedeal.models.shared.events.recovery_month` applied to all US goods exports to China;
- the specification itself (data, design, estimate) is :mod:`tradedeal.models.momentum.primary`;
- the slope change's p-value and interval come from :func:`tradedeal.models.shared.calibrated.calibrated_test`
  (FGLS with AR(1) errors calibrated by a parametric bootstrap under the fitted null);
- the placebo rank is two-sided, by ``|t|``, among placebo windows away from the 2018 tariffs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from tradedeal.agreement.window import Window
from tradedeal.models.momentum.primary import (
    ALPHA, CONTROL_NAMES, DRAWS, IN_FORCE, MIN_PRE, PRIMARY, SEED, TARIFF_MONTH, TREATED_COVERAGE, Inputs,
    MomentumEstimate, design, estimate, inputs, outcome,
)
from tradedeal.models.shared.calibrated import calibrated_test

BRIEF_COLUMNS = ("answer", "control", "break_month", "start", "end", "post_months", "estimate", "ci_lower", "ci_upper",
                 "p_value", "verdict", "placebo_rank")


def placebos(data: Inputs, real: MomentumEstimate, *, draws: int = 199, seed: int = SEED) -> pd.DataFrame:
    """The same specification at every placebo break before the agreement, on data truncated
    before it: each placebo has the real fit's number of months after its break and its shock
    dummies at the same distance from the break. A break where the tariff step coincides with
    the level change cannot be estimated and is left out. Every other window is ranked
    (``docs/momentum.md``: the rule that left out windows next to the tariffs was written after
    seeing which rejected, and is dropped); ``spans_tariffs`` marks, for the chart, the windows
    whose post-window contains the 2018-07 step.

    Returns ``break_month, end, estimate, ci_lower, ci_upper, t, p_value, spans_tariffs``.
    """
    spec = real.spec
    y = outcome(data, spec).loc[: min(spec.break_month, IN_FORCE) - 1]
    length = (real.end - spec.break_month).n + 1
    offsets = [(s - spec.break_month).n for s in real.shocks if s >= spec.break_month]
    columns = ["break_month", "end", "estimate", "ci_lower", "ci_upper", "t", "p_value", "spans_tariffs"]
    rows = []
    for b in pd.period_range(y.index[0] + MIN_PRE, y.index[-1] - length + 1, freq="M"):
        part = y.loc[: b + length - 1]
        X = design(part.index, b, shocks=[b + o for o in offsets], month_effects=spec.method == "dummies")
        if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
            continue
        t = calibrated_test(X.to_numpy(), part.to_numpy(), X.columns.get_loc(real.parameter), alpha=real.test.alpha,
                            draws=draws, seed=seed)
        spans = b <= TARIFF_MONTH <= part.index[-1]
        rows.append(dict(zip(columns, (b, part.index[-1], t.estimate, t.lower, t.upper, t.t, t.p_value, spans))))
    return pd.DataFrame(rows, columns=columns)


def placebo_rank(placebo: pd.DataFrame, t: float) -> tuple[int, int]:
    """Two-sided rank of the real ``t`` by ``|t|`` among itself and every placebo window
    (1 = largest ``|t|``), and their number."""
    return int((placebo["t"].abs() > abs(t)).sum()) + 1, len(placebo) + 1


def placebo_rank_by_p(placebo: pd.DataFrame, p_value: float) -> tuple[int, int]:
    """Rank of the real calibrated p among itself and every placebo window's (1 = smallest)."""
    return int((placebo["p_value"] < p_value).sum()) + 1, len(placebo) + 1


def independent_windows(placebo: pd.DataFrame) -> int:
    """How many placebo windows do not overlap: the span of their months over one window's length."""
    if placebo.empty:
        return 0
    first, last = pd.Period(placebo["break_month"].min(), "M"), pd.Period(placebo["end"].max(), "M")
    length = (pd.Period(placebo["end"].iloc[0], "M") - pd.Period(placebo["break_month"].iloc[0], "M")).n + 1
    return ((last - first).n + 1) // length


def rank_text(placebo: pd.DataFrame, t: float, p_value: float | None = None) -> str:
    """``"k of n (two-sided, by |t|)"``, and the rank by calibrated p when ``p_value`` is given."""
    text = "{} of {} (two-sided, by |t|".format(*placebo_rank(placebo, t))
    if p_value is not None:
        text += "; by calibrated p: {} of {}".format(*placebo_rank_by_p(placebo, p_value))
    return text + ")"


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
    level: MomentumEstimate | None = None  # the primary's level change at the break (same model and test)
    placebo_level: pd.DataFrame | None = None

    @property
    def placebo_rank(self) -> tuple[int, int]:
        """The primary's two-sided rank by |t| among all its placebos (1 = largest)."""
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
        out = pd.DataFrame([{**e.row(), "placebo_rank": rank_text(pl, e.test.t, e.test.p_value)} for e, pl in self.answers()])
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
                "(and by calibrated p) among every placebo break before the agreement (1 = largest)",
                *self.window.question()]

    def headline_sentences(self) -> list[str]:
        """Three short sentences for the top of a report, computed from the estimates: the primary
        answer, the series on its own, the placebo rank (the detail: :meth:`detail_sentences`)."""
        p, a, same = self.primary, self.absolute, self.same_sample
        t = p.test
        series = p.series.replace("_", " ")
        what = f"Against {CONTROL_NAMES[p.spec.control]}, {series}" if p.relative else series[:1].upper() + series[1:]
        change = {"sped up": "sped up", "slowed": "slowed",
                  "no significant change": "showed no significant change in monthly growth"}[p.verdict]
        sentences = [f"{what} {change} after {p.spec.break_month}: {t.estimate:+.4f} log points a month "
                     f"({100 * (1 - t.alpha):.0f}% CI {t.lower:+.4f} to {t.upper:+.4f}, calibrated p = {t.p_value:.3f})."]
        if p.spec.break_month != IN_FORCE:
            sentences[0] = (f"Exploration (break {p.spec.break_month}, not the pre-registered {IN_FORCE}): "
                            + sentences[0])
        if self.level is not None:
            lv = self.level.test
            moved = {"rose": "rose", "fell": "fell", "no significant change": "showed no significant change"}.get(
                self.level.verdict, self.level.verdict)
            sentences.append(f"Its level{' against the control' if p.relative else ''} {moved}: {lv.estimate:+.3f} log points ({100 * (1 - lv.alpha):.0f}% CI "
                             f"{lv.lower:+.3f} to {lv.upper:+.3f}, calibrated p = {lv.p_value:.3f}).")
        if not self.placebo.empty:
            text = (f"Against all {len(self.placebo)} placebo breaks before the agreement, the pace ranks "
                    f"{rank_text(self.placebo, t.t, t.p_value)}")
            if self.level is not None and not self.placebo_level.empty:
                text += f" and the level {rank_text(self.placebo_level, self.level.test.t, self.level.test.p_value)}"
            sentences.append(text + ".")
        return sentences

    def detail_sentences(self) -> list[str]:
        """What the headline leaves out: samples, the spliced series, the treated coverage and
        vintage, and how many placebos reject."""
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
        first, last = self.placebo["break_month"].min(), self.placebo["break_month"].max()
        rejected = int((self.placebo["p_value"] < alpha).sum())
        text = (f"Against every placebo break from {first} to {last} (data before the agreement), the "
                f"{'relative ' if p.relative else ''}estimate ranks "
                f"{rank_text(self.placebo, p.test.t, p.test.p_value)}; {rejected} of the "
                f"{len(self.placebo)} placebos have a calibrated p below {alpha:g}; the windows overlap, and "
                f"{independent_windows(self.placebo)} of them would not")
        sentences.append(text + ".")
        if self.level is not None:
            lv = self.level
            sentences.append(lv.sentence() + f"; placebo rank {rank_text(self.placebo_level, lv.test.t, lv.test.p_value)}"
                             " among the same placebo breaks.")
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
    level = estimate(data, spec, alpha=alpha, draws=draws, seed=seed, parameter="level_change")
    return Verdict(primary, absolute, placebo, placebo_absolute, window, tuple(notes), same, placebo_same, level,
                   placebos(data, level, seed=seed))
