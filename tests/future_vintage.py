"""TEST DATA, NOT REAL: a few Census months after 2021-01, made up for tests from shipped rows.

Real Census data after 2021-01 is not in the shipped snapshot, yet a refresh brings such months.
To test that path, this script writes months 2021-02 to 2021-04 in the Census API layout: every
row of the shipped 2021-01 response, re-dated to the month, with its value and quantity scaled
by the factor in :data:`FACTORS` for the month and the row's Phase One category (its coverage
without civil aircraft). These figures are synthetic; nothing outside tests uses them. Each
file's name starts with ``TEST_DATA_NOT_REAL`` and its first line says so.

    python tests/future_vintage.py DIR      # write the files into DIR
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SOURCE_MONTH = "2021-01"
#: Scale of each synthetic month against the shipped 2021-01 rows, by category: about the
#: published month's size against January's (the releases' year-to-date differences), so the
#: synthetic months sum to about what the releases say of them. ``not_covered`` rows take the
#: covered total's factor.
FACTORS = {
    "2021-02": {"agriculture": 0.504, "energy": 0.607, "manufactures": 0.848, "not_covered": 0.684},
    "2021-03": {"agriculture": 0.521, "energy": 1.073, "manufactures": 1.226, "not_covered": 0.930},
    "2021-04": {"agriculture": 0.576, "energy": 0.695, "manufactures": 1.039, "not_covered": 0.815},
}
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
    from tradedeal.ingest.concordance import AGGREGATE_COVERAGE, classify
    from tradedeal.ingest.sources import load_concordance

    header, *rows = source_rows()
    value, qty, time = header.index("ALL_VAL_MO"), header.index("QTY_1_MO"), header.index("time")
    codes = [r[header.index("E_COMMODITY")] for r in rows]
    category = classify(codes, load_concordance(RAW / "agreement" / "annex_6_1.csv"), AGGREGATE_COVERAGE)["category"]
    out = [header]
    for code, row in zip(codes, rows):
        factor = FACTORS[month][category[code]]
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
