"""How long a batch file takes to be checked before any kernel starts (``parameters.plan``).

The batch has ``--entries`` parameter sets (default 1000), mostly product reports for the
Annex 6.1 sub-categories, the named products and HS4 codes, in 2020 and 2021 at several months,
plus tracker, momentum and forecast entries: the same values come back many times, as in a real
batch over products and months. Works on a temporary copy of data/raw, built once first.

    .venv/bin/python benchmarks/validate_batch.py [--entries 1000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def batch(entries: int) -> str:
    """A YAML batch of ``entries`` parameter sets."""
    from tradedeal.ingest.sources import load_concordance
    from tradedeal.ingest.snapshot import PRODUCTS

    products = sorted(load_concordance()["subcategory"].unique()) + list(PRODUCTS) + ["1201", "2709", "8542", "0203"]
    months = ["2020-03", "2020-06", "2020-09", "2020-12"]
    lines = []
    for i in range(entries):
        kind = i % 10
        if kind < 7:
            year = 2020 + (i // 7) % 2
            lines.append(f"- notebook: 04_product\n  product: \"{products[i % len(products)]}\"\n  year: {year}")
        elif kind == 7:
            lines.append(f"- notebook: 01_tracker\n  year: 2020\n  as_of: {months[i % len(months)]}")
        elif kind == 8:
            lines.append(f"- notebook: 02_momentum\n  as_of: {months[i % len(months)]}\n  category: energy")
        else:
            lines.append(f"- notebook: 03_forecast\n  year: 2020\n  as_of: {months[i % len(months)]}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "data" / "raw", Path(tmp) / "data" / "raw")
        os.environ["TRADEDEAL_DATA_DIR"] = str(Path(tmp) / "data")
        from tradedeal.ingest.build import build
        from tradedeal.present import parameters

        build(Path(tmp) / "data")
        path = Path(tmp) / "batch.yaml"
        path.write_text(batch(args.entries))
        start = time.perf_counter()
        runs = parameters.plan(None, parameters.load_batch(path), source=str(path))
        seconds = time.perf_counter() - start
    print(f"checked a batch of {args.entries} entries ({len(runs)} runs) before any kernel: {seconds:.1f} s "
          f"({1000 * seconds / args.entries:.1f} ms per entry)")


if __name__ == "__main__":
    main()
