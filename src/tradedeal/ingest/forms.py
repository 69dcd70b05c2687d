"""Numbers as their sources write them: types before values.

A Census API response holds JSON strings (or numbers): a boolean, a list or an object where a
number belongs is refused, never read as 1 or 0. A CSV number must be written as its source
writes it (:data:`WRITTEN`): ``1187,5`` or ``1.187,5`` in the c5700 file is refused, never read
as 11,875 or 1.1875. Each check is one vectorised scan, made where the file is read
(:mod:`tradedeal.ingest.sources`), and raises one :class:`~tradedeal.errors.SchemaError` line
naming the file, the row and the rule.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from tradedeal.errors import SchemaError

#: How each source writes its numbers, and the rule a value in another form breaks. Census API
#: responses hold JSON strings (or numbers): their type is checked (:func:`json_numbers`).
WRITTEN = {
    "census_c5700": (r"-?[0-9]{1,3}(,[0-9]{3})*\.[0-9]", "a number as the source writes it, such as 1,187.5"),
    "fred": (r"-?[0-9]+(\.[0-9]+)?", "a plain decimal number such as 8208.886377"),
    "category_releases": (r"-?[0-9]+(\.[0-9]+)?", "a plain decimal number such as 3864486085"),
}
_JSON_TYPES = "a JSON number or a numeric string (never true, false, a list or an object)"


def json_numbers(values: np.ndarray) -> np.ndarray:
    """Where an object array read from JSON holds a value of the wrong type for a number (a
    boolean, a list or an object); strings and numbers pass to the value rules, null to
    "a number". One scan in C when every value is text, as in every Census response."""
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        return np.zeros(len(values), dtype=bool)
    return np.fromiter((isinstance(v, (bool, list, dict)) for v in values), bool, len(values))


def check_json_types(frame: pd.DataFrame, columns: tuple[str, ...], name: str, *, unit: str = "row") -> None:
    """Raise naming the first row whose value in ``columns`` has the wrong type (:func:`json_numbers`)."""
    wrong = {c: json_numbers(frame[c].to_numpy(dtype=object)) for c in columns}
    first = [(int(np.argmax(w)), c) for c, w in wrong.items() if w.any()]
    if first:
        position, col = min(first)
        value = json.dumps(frame[col].iat[position])
        raise SchemaError(f"{name}: {unit} {frame.index[position]}: {col} {value} breaks the rule: {_JSON_TYPES}")


def check_written(shown: pd.DataFrame, parsed: pd.DataFrame, columns: tuple[str, ...], source: str, name: str, *,
                  strict: tuple[str, ...] = (), unit: str = "line") -> None:
    """Raise naming the first line whose value in ``columns`` reads as a finite number
    (``parsed``) but is not written as ``source`` writes numbers (:data:`WRITTEN`): ``1187,5`` or
    ``1.187,5`` is never read as another number. A value that is no finite number at all
    (``inf``, ``N/A``, empty) is left to the value rules, which name it, except in the ``strict``
    columns, which no value rule reads (c5700's balance)."""
    pattern, words = WRITTEN[source]
    bad = []
    for c in (*columns, *strict):
        if c in shown:
            ok = shown[c].str.fullmatch(pattern).fillna(False).astype(bool)
            if c not in strict:
                ok |= ~np.isfinite(parsed[c])
            if not ok.all():
                bad.append((shown.index.get_loc(ok.idxmin()), c))
    if bad:
        position, col = min(bad)
        row = shown.index[position]
        raise SchemaError(f"{name}: {unit} {row}: {col} {shown.at[row, col]!r} breaks the rule: {words}")
