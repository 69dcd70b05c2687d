"""The year-end odds in words: a report's headline sentences and the record behind them.

Probabilities are written for readers (``under 1 %``, never ``0.000`` or ``1.8e-07``), figures
in $bn and % with one decimal, and every sentence carries the coverage and the months observed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradedeal.agreement.cumulative import coverage_phrase
from tradedeal.errors import ParameterError
from tradedeal.models.forecast import AUTO
from tradedeal.models.forecast.rolling import RECORD_START
from tradedeal.models.forecast.scores import Backtest


def format_probability(p: float) -> str:
    """A probability for readers: ``under 1 %``, ``over 99 %`` or whole percent (never ``0.000``
    or ``1.8e-07``: a simulation of a few thousand paths cannot tell smaller odds apart)."""
    if not np.isfinite(p):
        return "no target"
    if p < 0.01:
        return "under 1 %"
    if p > 0.99:
        return "over 99 %"
    return f"{100 * p:.0f} %"


def headline_sentences(table: pd.DataFrame, *, backtests: dict[str, Backtest] | None = None) -> list[str]:
    """Two or three sentences that answer the report, computed from a :func:`~tradedeal.models.forecast.projection.forecast_table`.

    They name the series (``covered_total`` when the table has it), the coverage, the months
    observed, the projected calendar-year total with its 80 % band and share of the target, and
    the probability of reaching the full-year target. With ``backtests`` (from
    :func:`~tradedeal.models.forecast.projection.realtime_backtests`), a third sentence says how often the same model's 80 % bands,
    made each month from that month's data, held the outcome of the complete years before the
    projected one. Figures: $bn with 1 decimal, % with 1 decimal.
    """
    if table.empty:
        raise ParameterError("no projection to state")
    rows = table.set_index("category")
    name = "covered_total" if "covered_total" in rows.index else rows.index[0]
    row = rows.loc[name]
    what = "covered US goods" if name == "covered_total" else f"covered US {name}"
    year, as_of, coverage = int(row["year"]), row["as_of"], row["coverage"]
    has_target = bool(np.isfinite(row["target_usd"]))
    first = (f"Through {as_of} China bought ${row['observed_ytd_usd'] / 1e9:,.1f}bn of {what} in {year} "
             f"({coverage_phrase(coverage)})")
    if has_target:
        first += (f", {100 * row['observed_ytd_usd'] / row['target_usd']:.1f} % of the full-year target of "
                  f"${row['target_usd'] / 1e9:,.1f}bn")
    model = row["model"].split(":")[0]
    projected = (f"Projected to December (a forecast, {model}), {year} ends at ${row['projected_total_usd'] / 1e9:,.1f}bn"
                 f" (80 % band ${row['p10_usd'] / 1e9:,.1f}-{row['p90_usd'] / 1e9:,.1f}bn)")
    if has_target:
        projected += (f", {100 * row['projected_total_usd'] / row['target_usd']:.1f} % of the target; the probability "
                      f"of reaching it is {format_probability(row['prob_reach_target'])}")
        if row.get("check", ""):  # the record's check beside the model's probability
            projected += f" (the model's); it {row['check']}"
    else:
        projected += "; the agreement sets no target for that year"
    sentences = [first + ".", projected + "."]
    held = _held(backtests[name], model, year) if backtests and name in backtests else None
    if held is not None:
        sentences.append(held)
    return sentences


def _held(bt: Backtest, model: str, year: int) -> str | None:
    """How often ``model``'s 80 % year-total bands held the outcome, in the complete years before
    ``year`` from the first whose projections were calibrated (a year after
    :data:`~tradedeal.models.forecast.rolling.RECORD_START`, as in ``benchmarks/forecast.py``)."""
    first = pd.Period(RECORD_START, "M") + 12
    try:
        by_year = bt.year_score(origins=(str(first), f"{year - 1}-12"), by="year")
    except ParameterError:
        return None
    if model not in by_year.index.get_level_values("model"):
        return None
    scored = by_year.xs(model, level="model")
    scored = scored[(scored["note"] == "") & (scored.index < year)]
    if scored.empty:
        return None
    held = int((scored["coverage_pct"] * scored["n"] / 100).round().sum())
    per_year = ", ".join(f"{y}: {c:.0f} %" for y, c in scored["coverage_pct"].items())
    return (f"In the complete years {scored.index.min()}-{scored.index.max()}, its 80 % bands made each month held "
            f"the year's outcome {held} times in {int(scored['n'].sum())} ({per_year}).")


def year_coverage_table(backtests: dict[str, Backtest], *, model: str = AUTO,
                        origins: tuple[str | None, str | None] = ("2017-01", None)) -> pd.DataFrame:
    """Coverage of ``model``'s 80 % year-total intervals per series and target year, with the
    number of origins and, for a year the data does not complete, why it is not scored. Each year
    is one outcome: its origins are not independent, so the per-year figures are the evidence."""
    frames = {name: bt.year_score(origins=origins, by="year").xs(model, level="model")[["coverage_pct", "n", "note"]]
              for name, bt in backtests.items()}
    return pd.concat(frames, names=["series"])
