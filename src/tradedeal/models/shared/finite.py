"""No verdict from a number that is not one: every estimator's inputs and results must be finite.

A NaN or an infinite value in a series, an estimate, an interval or a p-value would otherwise
flow into a verdict ("slowed, p = 0.001" from an estimate of NaN). :func:`finite` refuses it with
one :class:`~tradedeal.errors.EstimationError` line naming the series, what was not finite and,
for a monthly series, the first month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradedeal.errors import EstimationError


def finite(series: str, /, **values) -> None:
    """Raise naming ``series`` and the first of ``values`` (what=number, array or Series) that
    holds a NaN or an infinite value."""
    for what, value in values.items():
        array = np.asarray(value, dtype="float64")
        bad = ~np.isfinite(array)
        if bad.any():
            where = ""
            if isinstance(value, pd.Series) and len(value) == bad.size:
                where = f" at {value.index[int(bad.argmax())]}"
            shown = array.flat[int(bad.argmax())]
            raise EstimationError(f"{series}: {what.replace('_', ' ')} is {shown}{where}, not a finite number: "
                                  "no estimate or verdict is given from it")
