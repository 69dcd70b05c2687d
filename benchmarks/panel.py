"""Speed of the product-level momentum panel: the fit, the randomization and the placebos.

Prints wall and CPU time (the machine may be shared: CPU time is the steadier figure) and the
load average, for: building the balanced panel; one level-and-pace PPML by pyfixest's
``fepois`` on the long panel (about 5,000 lines x 97 months); the same fit in the exact
group-month form the answer uses (and the largest difference between the two); the
randomization inference (199 placebo sets); the placebo break dates; the whole answer, cold.

    .venv/bin/python benchmarks/panel.py
"""

from __future__ import annotations

import os
import time

import numpy as np

from tradedeal import Snapshot
from tradedeal.models.momentum import panel as pm
from tradedeal.models.momentum import panel_answer as pa
from tradedeal.models.momentum import panel_inference as pi
from tradedeal.models.momentum.panel_data import panel


def timed(label: str, call):
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    print(f"{label}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")
    return out


def main() -> None:
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    snap = Snapshot()
    p = timed("balanced panel", lambda: panel(snap))
    shocks = pa.shocks_of(snap, p.as_of)
    X = pm.terms(p.months, pm.IN_FORCE, shocks)
    print(f"panel: {p.frame['hs6'].nunique()} lines x {len(p.months)} months = {len(p.frame)} rows")
    lib = timed("fepois (pyfixest), level and pace, dollar weights", lambda: pm.estimate(p, X, engine="pyfixest"))
    exact = timed("exact group-month form, same fit", lambda: pm.estimate(p, X))
    print(f"largest difference: estimates {np.abs(exact.table['estimate'] - lib.table['estimate']).max():.1e}, "
          f"standard errors (relative) {np.abs(exact.table['se'] / lib.table['se'] - 1).max():.1e}")
    m = pa.matrix(p, "dollar")
    timed(f"randomization inference, {pi.DRAWS} placebo sets", lambda: pi.randomization(m, X))
    timed("placebo break dates", lambda: pi.placebo_windows(m))
    timed("the whole answer, cold (dollar weights)", lambda: pa.compute(p, shocks=shocks))
    timed("event study (exact form)", lambda: pm.event_study(p, shocks=shocks))


if __name__ == "__main__":
    main()
