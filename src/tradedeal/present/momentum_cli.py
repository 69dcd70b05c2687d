"""The ``tradedeal momentum`` command's output: the panel design (level and pace, by weights; the
event study; the robustness rows) or the aggregate design (the primary FGLS test), one row per
parameter with the question's columns (``design, parameter, weights, estimate, ci_lower,
ci_upper, p_value, placebo_rank, verdict``; ``as_of`` and ``vintage`` are added on output).
"""

from __future__ import annotations

import argparse

import pandas as pd

from tradedeal.errors import ParameterError
from tradedeal.months import parse_month
from tradedeal.models.momentum.panel_data import IN_FORCE

#: The headline design. ``docs/momentum.md`` made the panel the headline only if its test's size,
#: measured under the data-built null (``benchmarks/size.py``), is within 3-7 %; it is not, so the
#: headline stays the aggregate design.
HEADLINE_DESIGN = "aggregate"
COLUMNS = ("design", "parameter", "weights", "label", "headline", "break_month", "estimate", "ci_lower", "ci_upper",
           "p_value", "placebo_rank", "verdict")


def _label(break_month) -> str:
    """``primary`` at the pre-registered break (entry into force), ``exploration`` at any other."""
    return "primary" if break_month is None or parse_month(break_month, "break_month") == IN_FORCE else "exploration"


def aggregate_rows(result, *, brief: bool = False) -> pd.DataFrame:
    """The aggregate design's pace rows (the slope change of each answer), with the question's
    columns in front and the answer's own after them."""
    frame = result.table(brief=brief)
    if _label(frame["break_month"].iloc[0]) == "exploration":  # the verdict's "primary" answer is not primary here
        frame["answer"] = frame["answer"].replace("primary", "exploration")
    labels = [_label(b) if a in ("primary", "exploration") else f"{_label(b)}: {a}"
              for a, b in zip(frame["answer"], frame["break_month"])]
    front = pd.DataFrame({"design": "aggregate", "parameter": "pace", "weights": "dollar", "label": labels,
                          "headline": [HEADLINE_DESIGN == "aggregate" and lab == "primary" for lab in labels]},
                         index=frame.index)
    return pd.concat([front, frame], axis=1)


def level_row(result, *, brief: bool = False) -> pd.DataFrame:
    """The aggregate design's level change at the break (the same model, its ``level_change``
    tested with the same calibration and placebos), as one row."""
    from tradedeal.models.momentum import primary, verdict

    level = result.level
    label = _label(str(level.spec.break_month))
    row = {**level.row(), "answer": "primary" if label == "primary" else "exploration",
           "placebo_rank": verdict.rank_text(result.placebo_level, level.test.t, level.test.p_value),
           "coverage": primary.TREATED_COVERAGE, **result.window.fields()}
    frame = pd.DataFrame([row])
    if brief:
        frame = frame[list(verdict.BRIEF_COLUMNS)]
    front = pd.DataFrame({"design": ["aggregate"], "parameter": ["level"], "weights": ["dollar"], "label": [label],
                          "headline": [HEADLINE_DESIGN == "aggregate" and label == "primary"]})
    return pd.concat([front, frame], axis=1)


def momentum_output(window, args: argparse.Namespace) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The table, its header and its notes for the parsed ``momentum`` arguments."""
    design = args.design or HEADLINE_DESIGN
    label = _label(args.break_month)
    if design == "aggregate":
        if args.event_study or args.robustness or args.weights != "dollar":
            raise ParameterError("--event-study, --robustness and --weights product need --design panel")
        from tradedeal.models.momentum.verdict import verdict

        result = verdict(window, series=args.series, break_month=args.break_month, control=args.control)
        header = [h.replace("Momentum of", f"Momentum ({label}) of", 1) for h in result.header()]
        level = level_row(result, brief=args.format == "table")
        table = pd.concat([aggregate_rows(result, brief=args.format == "table"), level], ignore_index=True)
        return table, header, [*result.headline_sentences(), *result.notes]
    if args.series != "covered_total" or args.control != "uncovered":
        raise ParameterError("the panel design answers for covered_total against the uncovered lines: "
                             "--series and --control need --design aggregate")
    from tradedeal.models.momentum import panel_answer

    question = (f"Momentum ({label}), product-level panel: every HS6 line x month (zeros kept), covered = "
                "annex_6_1_ex_civil_aircraft, control = lines outside Annex 6.1; PPML with product and month fixed "
                "effects, covered-side trend, month effects, 2018-07 tariff step and 2020 shock months")
    if args.event_study:
        table = panel_answer.event_study(window, weights=args.weights, break_month=args.break_month)
        header = [question + f"; event study by quarter relative to {table.attrs['break_month']}, reference the "
                  "four quarters before it, 95% intervals product-clustered", *window.question()]
        notes = [f"pre-trend test (quarters -6 and -5, after the 2018-07 tariff step), joint Wald p = "
                 f"{table.attrs['pretrend_p']:.3f}; every pre-period quarter, p = {table.attrs['pre_all_p']:.3f}"]
        return table, header, notes
    answer = panel_answer.answer(window, weights=args.weights, break_month=args.break_month)
    if args.robustness:
        from tradedeal.models.momentum.panel_data import panel
        from tradedeal.models.momentum.panel_robustness import robustness

        table = robustness(panel(window.snapshot, window.as_of), answer,
                           descriptions=window.snapshot.hs6_descriptions())
        table.insert(0, "label", answer.label)
        header = [question + "; robustness: each row refitted, interval = estimate +/- the answer's randomization "
                  "critical value x clustered s.e.", *window.question()]
        return table, header, []
    table = pd.DataFrame(answer.rows())
    table.insert(4, "headline", HEADLINE_DESIGN == "panel" and answer.label == "primary" and args.weights == "dollar")
    n = len(answer.placebo)
    header = [question + "; p-value and 95% interval by studentized randomization inference (random size-matched "
              f"sets of uncovered lines labelled covered, {len(answer.randomization)} draws); placebo rank two-sided "
              f"by |t| among {int(answer.placebo['estimable'].sum())} estimable placebo breaks of {n}, every window "
              f"included ({panel_answer.independent(answer.placebo)} non-overlapping)", *window.question()]
    notes = [answer.sentence(k) for k in ("level", "pace")]
    if HEADLINE_DESIGN != "panel":
        notes.append("the panel test's size under a null built from the data (pre-deal residuals resampled by "
                     "product, benchmarks/size.py) is outside 3-7 % at nominal 5 % (docs/momentum.md): these rows "
                     "are not the headline")
    return (table if args.format != "table" else table[[*COLUMNS]]), header, notes
