"""The panel's answer: level and pace with calibrated intervals, placebo ranks and words.

:func:`answer` runs the pre-registered design of ``docs/momentum.md`` on a window: the PPML
level and pace (:mod:`tradedeal.models.momentum.panel`), their randomization p-values and intervals and
the placebo break dates (:mod:`tradedeal.models.momentum.panel_inference`), cached per data vintage and
parameters like the backtests (:func:`tradedeal.ingest.cache.cached`: a damaged file is a miss).
A break month other than entry into force (2020-02) is **exploration**, and says so everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tradedeal.ingest.cache import cached
from tradedeal.models.momentum import panel as pm
from tradedeal.models.momentum import panel_inference as pi
from tradedeal.models.momentum.panel_data import IN_FORCE, Panel, panel

PARAMETERS = pm.PARAMETERS
UNITS = {"level": "log points", "pace": "log points a month"}
WORDS = {"level": ("rose", "fell", "showed no significant change in level"),
         "pace": ("sped up", "slowed", "showed no significant change in pace")}
WEIGHT_NAMES = {"dollar": "covered dollars (PPML)", "product": "the typical covered product (equal weights)"}


def words(parameter: str, estimate: float, p_value: float, alpha: float = pm.ALPHA) -> str:
    """The verdict of one parameter: up, down, or no significant change (at ``alpha``)."""
    up, down, none = WORDS[parameter]
    if p_value >= alpha:
        return none
    return up if estimate > 0 else down


def shocks_of(snapshot, last: pd.Period) -> tuple[pd.Period, ...]:
    """The 2020 shock months with their own dummy, by the primary's real-time rule."""
    from tradedeal.models.momentum.primary import PRIMARY, shock_months

    return shock_months(snapshot.total_goods()["exports_usd"].astype(float).loc[:last], PRIMARY)


def matrix(p: Panel, weights: str) -> pi.Matrix:
    """The panel as :class:`~tradedeal.models.momentum.panel_inference.Matrix` (sizes: pre-deal dollars)."""
    Y, covered, codes = pm.matrix(p, weights)
    return pi.Matrix(Y, covered, p.lines().reindex(codes)["pre_mean_usd"].to_numpy(), p.months)


@dataclass(frozen=True)
class PanelAnswer:
    """Level and pace of one weighting at one break, with their calibration and placebos."""

    fit: pm.PanelFit
    calibration: dict  # parameter -> p_value, ci_lower, ci_upper, critical
    randomization: pd.DataFrame  # the placebo sets' estimates and t
    placebo: pd.DataFrame  # placebo break dates
    vintage: str
    as_of: pd.Period
    alpha: float = pm.ALPHA

    @property
    def label(self) -> str:
        return "primary" if self.fit.break_month == IN_FORCE else "exploration"

    def verdict(self, parameter: str) -> str:
        return words(parameter, self.fit.estimate[parameter], self.calibration[parameter]["p_value"], self.alpha)

    def placebo_rank(self, parameter: str) -> tuple[int, int]:
        return pi.placebo_rank(self.placebo, parameter, self.fit.t(parameter))

    def rows(self) -> list[dict]:
        """One row per parameter, the CLI's and the report's columns."""
        out = []
        for k in PARAMETERS:
            c = self.calibration[k]
            rank = "{} of {} (two-sided, by |t|)".format(*self.placebo_rank(k))
            out.append({"design": "panel", "parameter": k, "weights": self.fit.weights, "label": self.label,
                        "break_month": str(self.fit.break_month), "estimate": self.fit.estimate[k],
                        "ci_lower": c["ci_lower"], "ci_upper": c["ci_upper"], "p_value": c["p_value"],
                        "se_clustered": self.fit.se[k], "placebo_rank": rank, "verdict": self.verdict(k),
                        "start": str(self.fit.start), "end": str(self.fit.end), "lines": self.fit.n_lines,
                        "as_of": str(self.as_of), "vintage": self.vintage})
        return out

    def sentence(self, parameter: str) -> str:
        """One sentence for ``parameter``, computed from the estimate, its calibration and rank."""
        f, c = self.fit, self.calibration[parameter]
        rank, of = self.placebo_rank(parameter)
        lead = ("" if self.label == "primary"
                else f"Exploration (break {f.break_month}, not the pre-registered {IN_FORCE}): ")
        when = "at entry into force" if self.label == "primary" else "at"
        what = "their level" if parameter == "level" else "their monthly growth"
        return (f"{lead}Against HS6 lines outside Annex 6.1, covered purchases weighted by "
                f"{WEIGHT_NAMES[f.weights]} {self.verdict(parameter)} {when} {f.break_month}: {what} changed by "
                f"{f.estimate[parameter]:+.3f} {UNITS[parameter]} ({100 * (1 - self.alpha):.0f}% randomization "
                f"interval {c['ci_lower']:+.3f} to {c['ci_upper']:+.3f}, calibrated p = {c['p_value']:.3f}, "
                f"placebo rank {rank} of {of} by |t|; product-level PPML, {f.n_lines} lines, {f.start} to {f.end}).")


    def headline_sentences(self, *, headline: bool = False) -> list[str]:
        """The level and the pace sentences; unless ``headline``, a last one saying why these rows
        are not the headline (the panel test's measured size, ``docs/momentum.md``)."""
        out = [self.sentence(k) for k in PARAMETERS]
        if not headline:
            out.append("The product-level panel is not the headline: its test's size under a null built from the data "
                       "(pre-deal residuals resampled by product, benchmarks/size.py) is outside 3-7 % at nominal 5 % "
                       "(docs/momentum.md).")
        return out


def compute(p: Panel, *, weights: str = "dollar", break_month=IN_FORCE, shocks=(), draws: int = pi.DRAWS,
            seed: int = pi.SEED, alpha: float = pm.ALPHA) -> PanelAnswer:
    """:class:`PanelAnswer` on the panel ``p`` (no cache)."""
    break_month = pd.Period(break_month, "M")
    f = pm.fit(p, weights=weights, break_month=break_month, shocks=shocks)
    m = matrix(p, weights)
    X = pm.terms(p.months, break_month, f.shocks)
    ri = pi.randomization(m, X, draws=draws, seed=seed)
    cal = {k: pi.calibrated(f.estimate[k], f.t(k), ri[f"{k}_t"].to_numpy(), alpha) for k in PARAMETERS}
    offsets = [(s - break_month).n for s in f.shocks if s >= break_month]
    placebo = pi.placebo_windows(m, offsets, post=min((p.months[-1] - break_month).n + 1, pi.POST))
    return PanelAnswer(f, cal, ri, placebo, p.vintage, p.as_of, alpha)


def answer(window, *, weights: str = "dollar", break_month=None, draws: int = pi.DRAWS, seed: int = pi.SEED,
           alpha: float = pm.ALPHA) -> PanelAnswer:
    """The panel answer for ``window`` (its snapshot through its ``as_of``), cached per vintage."""
    break_month = pd.Period(break_month or IN_FORCE, "M")
    snap = window.snapshot

    def run() -> PanelAnswer:
        p = panel(snap, window.as_of)
        return compute(p, weights=weights, break_month=break_month, shocks=shocks_of(snap, p.as_of), draws=draws,
                       seed=seed, alpha=alpha)

    return cached("momentum_panel", run, key=(str(window.as_of), weights, str(break_month), draws, seed, alpha),
                  snapshot=snap)


def event_study(window, *, weights: str = "dollar", break_month=None) -> pd.DataFrame:
    """The event-study coefficients (:func:`tradedeal.models.momentum.panel.event_study`) of ``window``."""
    break_month = pd.Period(break_month or IN_FORCE, "M")
    snap = window.snapshot
    p = panel(snap, window.as_of)
    out = pm.event_study(p, weights=weights, break_month=break_month, shocks=shocks_of(snap, p.as_of))
    out.insert(0, "label", "primary" if break_month == IN_FORCE else "exploration")
    return out.assign(weights=weights, as_of=str(p.as_of), vintage=p.vintage)


def independent(placebo: pd.DataFrame) -> int:
    """Non-overlapping placebo windows (the aggregate's rule,
    :func:`tradedeal.models.momentum.verdict.independent_windows`)."""
    from tradedeal.models.momentum.verdict import independent_windows

    return independent_windows(placebo)


