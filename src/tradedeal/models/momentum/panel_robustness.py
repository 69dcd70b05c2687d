"""Robustness of the panel answer, as estimates with intervals (``docs/momentum.md`` fixes the rules).

Each row refits the level-and-pace PPML on a panel that leaves lines out by a rule stated before
any estimate (:data:`tradedeal.models.momentum.panel_data.EXCLUSIONS`), or leaves out in turn each of the
five covered lines that carry the rise, or changes the weights. Its interval is the estimate ±
the real answer's randomization critical value × its product-clustered standard error (the
other weighting's row: the normal critical value; its own calibrated answer is ``--weights``); a
leave-one-out row also gives the line's share of the effect, (full − without it) / full.
"""

from __future__ import annotations

import pandas as pd

from tradedeal.models.momentum import panel as pm
from tradedeal.models.momentum.panel_data import EXCLUSIONS, Panel

NAMES = {"control_ex_precious_metals": "control without precious metals (HS 7106-7112)",
         "control_ex_waste_scrap": "control without waste and scrap",
         "control_ex_census_special": "control without Census special codes (HS 98, 99)",
         "covered_ex_export_controlled": "covered without export-controlled lines (HS 8542, 8486, 8471, 8517)"}


def robustness(p: Panel, answer, *, descriptions: pd.Series | None = None) -> pd.DataFrame:
    """One row per (specification, parameter): ``specification, parameter, weights, estimate,
    ci_lower, ci_upper, share_of_effect`` against ``answer`` (a
    :class:`~tradedeal.models.momentum.panel_answer.PanelAnswer`, whose break, shocks, weights and
    critical values are used)."""
    f = answer.fit
    crit = {k: answer.calibration[k]["critical"] for k in pm.PARAMETERS}
    kw = {"break_month": f.break_month, "shocks": f.shocks}
    other = "product" if f.weights == "dollar" else "dollar"
    runs: list[tuple[str, pm.PanelFit, str | None]] = [("as answered", f, None),
                                                       (f"{other} weights", pm.fit(p, weights=other, **kw), None)]
    for rule in EXCLUSIONS:
        runs.append((NAMES[rule], pm.fit(p.excluded(rule), weights=f.weights, **kw), None))
    for code, rise in p.largest_risers().items():
        name = f"without {code}" + (f" ({descriptions.get(code)})" if descriptions is not None and code in descriptions
                                   else "")
        runs.append((name + f", rise {rise / 1e9:+.2f}bn", pm.fit(p.without([code]), weights=f.weights, **kw), code))
    rows = []
    for name, r, code in runs:
        for k in pm.PARAMETERS:
            est, se = r.estimate[k], r.se[k]
            q, how = (crit[k], "randomization") if r.weights == f.weights else (pm.Z95, "clustered (its own weights)")
            share = (f.estimate[k] - est) / f.estimate[k] if code is not None and f.estimate[k] else float("nan")
            rows.append({"specification": name, "parameter": k, "weights": r.weights, "estimate": est,
                         "ci_lower": est - q * se, "ci_upper": est + q * se, "interval": how,
                         "share_of_effect": share, "lines": r.n_lines})
    return pd.DataFrame(rows)
