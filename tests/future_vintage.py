"""TEST DATA, NOT REAL: a few Census months after 2021-01, made up for tests from shipped rows.

Real Census data after 2021-01 is not in the shipped snapshot, yet a refresh brings such months.
To test that path, this script writes months 2021-02 to 2021-04 in the Census API layout: every
row of the shipped 2021-01 response, re-dated to the month, with its value and quantity scaled
by the month's factor in :data:`FACTORS`. These figures are synthetic; nothing outside tests
uses them. Each file's name starts with ``TEST_DATA_NOT_REAL`` and its first line says so.

    python tests/future_vintage.py DIR      # write the files into DIR
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SOURCE_MONTH = "2021-01"
#: Scale of each synthetic month against the shipped 2021-01 rows (about the published month's
#: size against January's: covered_total 6.7, 9.1 and 8.0 $bn against 9.8 $bn).
FACTORS = {"2021-02": 0.70, "2021-03": 0.90, "2021-04": 0.80}
NOTE = "TEST DATA, NOT REAL: shipped Census 2021-01 rows re-dated to {month} and scaled by {factor}"
PREFIX = "TEST_DATA_NOT_REAL_census_exports_hs6_"


def source_rows() -> list[list[str]]:
    """The shipped (real) 2021-01 Census API response, header first."""
    with gzip.open(RAW / "census" / f"exports_hs6_cty5700_{SOURCE_MONTH[:4]}.json.gz", "rt") as fh:
        rows = json.load(fh)
    return [rows[0], *(r for r in rows[1:] if r[-1] == SOURCE_MONTH)]


def scale(value: str, factor: float) -> str:
    return str(round(int(value) * factor))


def future_rows(month: str) -> list[list[str]]:
    """Synthetic rows of ``month`` in the API layout (header first, every value a string)."""
    factor = FACTORS[month]
    header, *rows = source_rows()
    value, qty, time = header.index("ALL_VAL_MO"), header.index("QTY_1_MO"), header.index("time")
    out = [header]
    for row in rows:
        new = list(row)
        new[value], new[qty], new[time] = scale(row[value], factor), scale(row[qty], factor), month
        out.append(new)
    return out


def write(folder: str | Path) -> list[Path]:
    """Write one file per synthetic month into ``folder``; its first line says it is test data."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for month, factor in FACTORS.items():
        path = folder / f"{PREFIX}{month}.json"
        note = json.dumps(NOTE.format(month=month, factor=factor))
        body = ",\n".join(json.dumps(r) for r in future_rows(month))
        path.write_text(f'{{"note": {note},\n"rows": [\n{body}\n]}}\n')
        paths.append(path)
    return paths


def read(folder: str | Path) -> dict[str, list[list[str]]]:
    """The synthetic months in ``folder``, by month, as the API would send their rows."""
    out = {}
    for path in sorted(Path(folder).glob(f"{PREFIX}*.json")):
        out[path.stem.removeprefix(PREFIX)] = json.loads(path.read_text())["rows"]
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tests/future_vintage.py DIR")
    for p in write(sys.argv[1]):
        print(p)
