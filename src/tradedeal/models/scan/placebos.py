"""The scan's placebo calibration: every line fitted at every pre-deal placebo break, once per data vintage.

The fits at the placebo breaks (:func:`~tradedeal.models.scan.line_model.placebo_designs`) read
the lines' months up to :data:`~tradedeal.models.scan.line_model.LAST_PRE_DEAL_MONTH` and
nothing later, so they are the same for every scan of the same lines at the same length after
the break, whatever the real break's data (a planted change after the break included). They are
kept in the disk cache of :mod:`tradedeal.ingest.cache`: keyed by the raw data's fingerprint,
the package's code, a sha256 of the panel the fits read, the months after the break and the
shock months; a damaged or altered file is a miss, never served.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Executor
from functools import partial

import pandas as pd

from tradedeal.ingest.cache import cached
from tradedeal.models.scan.line_model import LAST_PRE_DEAL_MONTH, LineModel, fit_breaks, placebo_designs

_CHUNK = 8  # break months per task on an executor


def panel_digest(values: pd.DataFrame) -> str:
    """sha256 of a panel's months, codes and values: the key of what is computed from it."""
    digest = hashlib.sha256(repr((list(map(str, values.index)), list(values.columns))).encode())
    digest.update(values.to_numpy(dtype="float64").tobytes())
    return digest.hexdigest()


def placebo_fits(candidates: pd.DataFrame, *, post_months: int, model: LineModel, executor: Executor | None = None,
                 snapshot=None) -> dict[pd.Period, pd.DataFrame]:
    """The converged fits of every line of ``candidates`` (months × codes, USD) at each placebo
    break, each on the sample cut ``post_months`` after it; from the cache of ``snapshot``'s data
    folder when the same panel gave them (``snapshot`` None: computed, not kept). The fits run on
    ``executor`` in chunks of break months (default: here)."""
    pre_deal = candidates.loc[:LAST_PRE_DEAL_MONTH]

    def compute() -> dict[pd.Period, pd.DataFrame]:
        designs = placebo_designs(pre_deal.index, post_months, model)
        breaks = list(designs)
        chunks = [breaks[i:i + _CHUNK] for i in range(0, len(breaks), _CHUNK)]
        task = partial(fit_breaks, pre_deal, post_months=post_months, model=model, designs=designs)
        fits = [f for chunk in (executor.map if executor is not None else map)(task, chunks) for f in chunk]
        return {b: f[f["converged"].astype(bool)].reset_index(drop=True) for b, f in zip(breaks, fits)}

    if snapshot is None:
        return compute()
    key = (panel_digest(pre_deal), post_months, model.shock)
    return cached("scan_placebos", compute, key=key, snapshot=snapshot)
