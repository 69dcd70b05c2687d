"""The scanner's power, measured on its own lines: known changes planted in real lines at the break.

A random tenth of the tested lines (:data:`SHARE`) is multiplied, from the break on, by
``exp(level)`` (a jump of the level) or by ``exp(pace × months since the break)`` (a change of
the pace, the level unchanged at the break); the scan at the real break is run again on those
lines, against the same placebo calibration and at the same false discovery rate, and the share
of the planted lines found, with the planted sign, is the power. :data:`DRAWS` draws of the
planted lines with fixed seeds; the sizes (:data:`PLANTED`) were fixed before the power was
measured. The placebo fits do not read the months after the break, so they are not refitted; the
result is kept in the disk cache of :mod:`tradedeal.ingest.cache` beside them.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from tradedeal.ingest.cache import cached
from tradedeal.models.scan.line_model import PARAMETERS, LineModel, benjamini_hochberg, calibrated_p, fit_breaks
from tradedeal.models.scan.placebos import panel_digest

#: The planted changes: of pace, log points a month (the scan benchmark's sizes; +0.05 is +0.6
#: over 12 months after the break); of level, log points (+0.25 is +28 %).
PLANTED = {"pace": (0.02, 0.05, 0.10), "level": (0.10, 0.25, 0.50)}
#: Share of the tested lines planted in each draw, and the draws.
SHARE = 0.10
DRAWS = 5
#: Columns of :func:`measure_power`.
POWER_COLUMNS = ("parameter", "planted_change", "lines_planted", "draws", "found_pct", "other_found", "alone_pct")
#: A planted line tested alone is found when its calibrated p-value is under this (and its sign right).
ALONE = 0.05


def planted(values: pd.DataFrame, codes: list[str], break_month: pd.Period, parameter: str,
            change: float) -> pd.DataFrame:
    """``values`` (months × codes, USD) with ``change`` planted in ``codes`` from ``break_month``."""
    since = np.arange(len(values)) - values.index.get_loc(break_month)  # months since the break
    factor = np.exp(change * np.clip(since, 0, None)) if parameter == "pace" else np.exp(change * (since >= 0))
    moved = values.copy()
    moved[codes] = values[codes].to_numpy() * factor[:, None]
    return moved


def measure_power(lines: pd.DataFrame, real: pd.DataFrame, nulls: dict[str, np.ndarray], *, break_month: pd.Period,
                  model: LineModel, fdr: float, snapshot=None) -> pd.DataFrame:
    """The power of the scan of ``lines`` (months × codes, USD: the tested lines, whose fits at
    ``break_month`` are ``real``) against the placebo |z| of each parameter (``nulls``): one row
    per planted change (:data:`POWER_COLUMNS`): the share of planted lines found at ``fdr`` in %,
    the mean count of other lines found, and the share found by a test of the line alone at
    :data:`ALONE`, in %. Only the planted lines are refitted. Kept in ``snapshot``'s cache when given."""
    post_months = (lines.index.max() - break_month).n + 1

    def compute() -> pd.DataFrame:
        codes = list(lines.columns)
        size = max(1, int(round(SHARE * len(codes))))
        rows = []
        if not codes:
            return pd.DataFrame(rows, columns=list(POWER_COLUMNS))
        designs = {break_month: model.design(lines.index, break_month)}
        for parameter, change in ((p, c) for p, sizes in PLANTED.items() for c in sizes):
            column = PARAMETERS[parameter]
            estimate = "slope_change" if parameter == "pace" else "level_change"
            found, other, alone = [], [], []
            for draw in range(DRAWS):
                chosen = list(np.random.default_rng(draw).choice(codes, size=size, replace=False))
                moved = planted(lines[chosen], chosen, break_month, parameter, change)
                refit = fit_breaks(moved, [break_month], post_months=post_months, model=model, designs=designs)[0]
                fit = pd.concat([real[~real["code"].isin(chosen)], refit[refit["converged"].astype(bool)]])
                p = calibrated_p(fit[column].to_numpy(), nulls[parameter])
                right = fit[estimate].to_numpy() > 0
                reject = benjamini_hochberg(p, fdr)[0] & right
                hit = fit["code"].isin(chosen).to_numpy()
                found.append(100 * (reject & hit).sum() / size)
                other.append((reject & ~hit).sum())
                alone.append(100 * ((p < ALONE) & right & hit).sum() / size)
            rows.append({"parameter": parameter, "planted_change": change, "lines_planted": size, "draws": DRAWS,
                         "found_pct": float(np.mean(found)), "other_found": float(np.mean(other)),
                         "alone_pct": float(np.mean(alone))})
        return pd.DataFrame(rows, columns=list(POWER_COLUMNS))

    if snapshot is None:
        return compute()
    placebo = hashlib.sha256(b"".join(np.asarray(nulls[p], dtype="float64").tobytes() for p in PARAMETERS))
    key = (panel_digest(lines), panel_digest(real.set_index("code")[list(PARAMETERS.values())]), str(break_month), model.shock, fdr, placebo.hexdigest())
    return cached("scan_power", compute, key=key, snapshot=snapshot)


#: The words for a power (% of planted changes found), by the floor of each band.
POWER_WORDS = ((80.0, "good power"), (50.0, "some power"), (10.0, "little power"), (0.0, "almost no power"))


def power_words(found_pct: float) -> str:
    """The power of a test in words: good (80 % or more), some (50 %), little (10 %), almost none."""
    return next(words for floor, words in POWER_WORDS if found_pct >= floor)


def _planted(power: pd.DataFrame, parameter: str) -> tuple[pd.DataFrame, str, str, str] | None:
    """The rows of ``parameter``, the planted changes with their unit, the shares found, and the
    power in words (those of the largest planted change, the most favourable); None when no line
    was tested."""
    rows = power[power["parameter"] == parameter].sort_values("planted_change")
    if rows.empty:
        return None
    unit = " log points a month" if parameter == "pace" else " log points"
    sizes = ", ".join(f"+{c:.2f}" for c in rows["planted_change"]) + unit
    found = ", ".join(f"{p:.0f}%" for p in rows["found_pct"])
    return rows, sizes, found, power_words(float(rows["found_pct"].iloc[-1]))


def power_clause(power: pd.DataFrame, parameter: str, fdr: float) -> str:
    """The measured power for ``parameter`` (rows of :func:`measure_power`) in words, with the
    figures it rests on: the words are those of the largest planted change, the most favourable."""
    planted = _planted(power, parameter)
    if planted is None:
        return "its power could not be measured (no line tested)"
    rows, sizes, found, words = planted
    return (f"the scan has {words} to see this at line level: "
            f"{'a change of pace' if parameter == 'pace' else 'a jump of the level'} of {sizes} planted in "
            f"{rows['lines_planted'].iloc[0]} of these lines is found in {found} of them at an FDR of {100 * fdr:g}% "
            f"(mean of {rows['draws'].iloc[0]} draws)")


def power_brief(power: pd.DataFrame, parameter: str, *, line_level: bool = True) -> str:
    """:func:`power_clause` for a headline: the words and the share found at each planted change."""
    planted = _planted(power, parameter)
    if planted is None:
        return "its power could not be measured (no line tested)"
    _, sizes, found, words = planted
    return (f"the scan has {words} to see this{' at line level' if line_level else ''}: planted "
            f"{'changes' if parameter == 'pace' else 'jumps'} of {sizes} are found in {found}")
