"""Reliability of the year-end probabilities: predicted against observed frequency, with counts.

A probability of reaching a target is reliable when, of all the projections that said about
p, about a share p reached it. Only calendar years observed through December are judged, so the
record holds 2017-2020 at most; the agreement's targets exist for 2020 and 2021 only, so
``prob_reach_target`` itself is judged on 2020 (no series reached its target then). The same
simulated calendar-year totals also give the probability that a year beats the year before, an
event judged at every origin of 2017-2020 with outcomes both ways: :func:`beat_last_year`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradedeal.errors import ParameterError
from tradedeal.models.forecast.scores import Backtest

#: Bins of predicted probability: [0, 0.05), [0.05, 0.2), ... [0.95, 1].
EDGES = (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0)


def reliability_table(prob, outcome, *, edges=EDGES) -> pd.DataFrame:
    """Predicted against observed frequency per bin of ``prob``: ``n``, ``mean_prob``,
    ``observed_freq`` and ``hits`` (outcomes that happened), one row per bin (``[0.05, 0.2)``;
    the last bin includes 1). Empty bins have ``n = 0`` and NaN frequencies."""
    prob, outcome = np.asarray(prob, dtype=float), np.asarray(outcome, dtype=float)
    if prob.shape != outcome.shape:
        raise ParameterError("prob and outcome must have the same length")
    if ((prob < 0) | (prob > 1)).any() or not np.isin(outcome, (0.0, 1.0)).all():
        raise ParameterError("prob must lie in [0, 1] and outcome be 0 or 1")
    edges = np.asarray(edges, dtype=float)
    which = np.clip(np.searchsorted(edges, prob, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for i in range(len(edges) - 1):
        inside = which == i
        n = int(inside.sum())
        close = "]" if i == len(edges) - 2 else ")"
        rows.append({"bin": f"[{edges[i]:.2f}, {edges[i + 1]:.2f}{close}", "n": n,
                     "mean_prob": float(prob[inside].mean()) if n else np.nan,
                     "observed_freq": float(outcome[inside].mean()) if n else np.nan,
                     "hits": int(outcome[inside].sum())})
    return pd.DataFrame(rows).set_index("bin")


def target_events(backtests: dict[str, Backtest], *, model: str = "auto") -> pd.DataFrame:
    """Every judged ``prob_reach_target`` of ``model``: ``series, as_of, year, prob, outcome``
    (the calendar year reached its full-year target), years observed through December only."""
    frames = []
    for name, bt in backtests.items():
        p = bt.projections
        if p.empty or "target_usd" not in p:
            continue
        p = bt.complete(p[(p["model"] == model) & p["target_usd"].notna()])
        frames.append(pd.DataFrame({"series": name, "as_of": p["as_of"], "year": p["year"],
                                    "prob": p["prob_reach_target"],
                                    "outcome": (p["observed_total_usd"] >= p["target_usd"]).astype(float)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["series", "as_of", "year",
                                                                                      "prob", "outcome"])


def beat_last_year(backtests: dict[str, Backtest], *, model: str = "auto", first: str = "2017-01") -> pd.DataFrame:
    """The probability that the calendar year's total beats the year before's, from the same
    simulated calendar-year totals as ``prob_reach_target``, at every origin from ``first`` with
    months left, years observed through December only: ``series, as_of, year, prob, outcome``."""
    frames = []
    for name, bt in backtests.items():
        r = bt.record
        r = bt.complete(r[(r["model"] == model) & (r["as_of"] >= pd.Period(first, "M"))])
        if r.empty:
            continue
        yearly = _year_totals(bt, name)
        last = r["year"].map(lambda y: yearly.get(y - 1, np.nan)).to_numpy()
        prob = [float(np.mean(bt.paths[(model, o)] >= b)) for o, b in zip(r["as_of"], last, strict=True)]
        frames.append(pd.DataFrame({"series": name, "as_of": r["as_of"].to_numpy(), "year": r["year"].to_numpy(),
                                    "prob": prob, "outcome": (r["observed_total_usd"].to_numpy() >= last)
                                    .astype(float)})[np.isfinite(last)])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["series", "as_of", "year",
                                                                                      "prob", "outcome"])


def _year_totals(bt: Backtest, name: str) -> dict[int, float]:
    """Observed calendar-year totals, from the record's complete years (``observed_total_usd``
    of a projection through December)."""
    r = bt.record
    r = r[(r["through"].dt.month == 12) & r["observed_total_usd"].notna()]
    return r.groupby("year")["observed_total_usd"].first().to_dict()
