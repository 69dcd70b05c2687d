"""The sub-category batch (the product report for every Annex 6.1 sub-category) three ways:
one local process, two local processes, and a dask.distributed LocalCluster of two workers.

Goals: two local workers at most 0.6 x the time of one; the LocalCluster within 15 % of two
local processes. Each run writes into a temporary folder; the data folder is a temporary copy.

    .venv/bin/python benchmarks/batch.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "data" / "raw", Path(tmp) / "data" / "raw")
        os.environ["TRADEDEAL_DATA_DIR"] = str(Path(tmp) / "data")
        from tradedeal.executors import executor
        from tradedeal.present import parameters, report

        runs = parameters.plan(None, parameters.load_batch(REPO / "notebooks" / "batch_subcategories.yaml"))
        times = {}
        for name, jobs, kind in (("1 local process", 1, "local"), ("2 local processes", 2, "local"),
                                 ("dask LocalCluster, 2 workers", 2, "dask")):
            with executor(kind, jobs=jobs) as pool:
                start = time.perf_counter()
                outcomes = report.run_report(runs, Path(tmp) / name.replace(" ", "_"), jobs=jobs, progress=False,
                                             executor=pool)
                times[name] = time.perf_counter() - start
            assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    print(f"sub-category batch, {len(runs)} product reports (data built before the first run):")
    for name, seconds in times.items():
        print(f"  {name}: {seconds:.1f} s")
    one, two, dask = times.values()
    print(f"2 local / 1 local: {two / one:.2f} (goal at most 0.6); dask / 2 local: {dask / two:.2f} (goal within 1.15)")


if __name__ == "__main__":
    main()
