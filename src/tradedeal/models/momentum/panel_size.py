"""The size and power of the panel test, measured under a null built from the data.

``docs/momentum.md`` fixes the null: the panel's model without level and pace is fitted; each
simulated panel is its fitted mean ``μ`` times the ratio residuals ``y/μ`` of the pre-deal
months, resampled in blocks of 12 consecutive months, the same months for every line. Each line
keeps its own variance, the lines keep their correlation across products (a common month is
drawn for all), and the residuals keep their serial correlation within a year; the null (no
level or pace change for the covered lines) holds by construction. The test is the real one:
the product-clustered t of the simulated panel against the randomization critical value of the
real data. Power plants a level change or a pace change on the covered lines from the break.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradedeal.models.momentum import panel_exact
from tradedeal.models.momentum.panel import PARAMETERS
from tradedeal.models.momentum.panel_data import IN_FORCE
from tradedeal.models.momentum.panel_inference import Matrix, t_stats

BLOCK = 12


def null_means(m: Matrix, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The fitted means of the model ``X`` without level and pace (lines with exports), and
    which lines they are."""
    X0 = X.drop(columns=list(PARAMETERS))
    r = panel_exact.fit(m.Y, m.covered, X0.to_numpy(), fitted=True)
    return r.mu, r.keep


def resample(ratio: np.ndarray, pre: int, months: int, rng: np.random.Generator, block: int = BLOCK) -> np.ndarray:
    """Columns of ``ratio`` (lines × months) from its first ``pre`` months, in blocks of
    ``block`` consecutive months, ``months`` of them: the same months for every line."""
    idx: list[int] = []
    while len(idx) < months:
        start = int(rng.integers(0, pre - block + 1))
        idx.extend(range(start, start + block))
    return ratio[:, idx[:months]]


def simulate(m: Matrix, X: pd.DataFrame, critical: dict, *, reps: int = 200, level: float = 0.10,
             pace: float = 0.02, seed: int = 0) -> pd.DataFrame:
    """One row per simulated panel: whether the calibrated test (``|t| > critical[parameter]``)
    and the clustered t against 1.96 reject, for each parameter, under the null and with the
    planted ``level`` and ``pace`` changes (the same resampled residuals for all three).

    Returns ``scenario, parameter, calibrated, clustered`` (booleans) for each draw.
    """
    rng = np.random.default_rng(seed)
    mu, keep = null_means(m, X)
    covered = m.covered[keep]
    ratio = m.Y[keep] / mu
    pre = int((m.months < IN_FORCE).sum())
    k = np.arange(len(m.months)) - pre
    post = (k >= 0).astype(float)
    plants = {"null": np.ones(len(m.months)), "level": np.exp(level * post), "pace": np.exp(pace * post * k)}
    rows = []
    for _ in range(reps):
        base = mu * resample(ratio, pre, len(m.months), rng)
        for scenario, factor in plants.items():
            Y = base.copy()
            Y[covered] *= factor
            stats = t_stats(Y, covered, X)
            for parameter in PARAMETERS:
                t = abs(stats[f"{parameter}_t"])
                rows.append({"scenario": scenario, "parameter": parameter, "calibrated": t > critical[parameter],
                             "clustered": t > 1.959963984540054})
    return pd.DataFrame(rows)


def rates(sims: pd.DataFrame) -> pd.DataFrame:
    """Rejection rates (%) by scenario and parameter, with their Monte Carlo standard errors."""
    out = sims.groupby(["scenario", "parameter"])[["calibrated", "clustered"]].mean() * 100
    n = sims.groupby(["scenario", "parameter"]).size()
    out["mc_se"] = np.sqrt(out["calibrated"] * (100 - out["calibrated"]) / n)
    out["reps"] = n
    return out
