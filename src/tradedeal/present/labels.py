"""Labels for readers: the one map from field names to words with units, and the number formats
that go with them.

Field names stay as they are in CSV and JSON (``required_vs_pace_3m``, ``change_usd``); report
tables show :func:`label` (``Required / pace of last 3 months (×)``) and :func:`cell` (``_usd``
in $bn with 2 decimals, ``_pct`` with 1, quantities with thousands separators, ratios with 2,
probabilities as ``under 1 %`` … ``over 99 %``). Sentences use :func:`tradedeal.units.usd_bn` (``−$2.67bn``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from tradedeal.units import MINUS

#: Field names whose label is not spelled out by the rules of :func:`label`.
LABELS: dict[str, str] = {
    # the two-year view and 2017 prices (agreement.cumulative, agreement.volumes)
    "target_two_years_usd": "Two-year target ($bn)",
    "pct_of_two_year_target": "Share of the two-year target (%)",
    "pct_of_ytd_target_at_2017_prices": "Share of the target to date, at 2017 prices (%)",
    "comparable_share_pct": "Share with comparable units (%)",
    # the comparison with the published tallies (agreement.published)
    "tally": "Tally",
    "period": "Period",
    "basis": "Basis",
    "months_counted": "Months counted",
    "release": "Figures as released",
    "pct_of_target": "Share of the target (%)",
    "differs_because": "Why it differs from this package's answer",
    "reason": "Reason",
    "figure": "Figure",
    "amount_usd": "Amount ($bn)",
    "effect": "Effect",
    # categories and coverages (row labels)
    "agriculture": "Agriculture",
    "manufactures": "Manufactures",
    "energy": "Energy",
    "services": "Services",
    "covered_total": "Covered total",
    "not_covered": "Not covered",
    "total_exports": "All goods",
    # tracker
    "baseline_2017_usd": "2017 baseline ($bn)",
    "target_usd": "Target ($bn)",
    "target_ytd_usd": "Target to date ($bn)",
    "purchases_ytd_usd": "Purchases to date ($bn)",
    "pct_of_annual_target": "Share of the year's target (%)",
    "pct_of_ytd_target": "Share of the target to date (%)",
    "share_of_uncovered_pct": "Share of uncovered exports (%)",
    "hs6": "HS6 code",
    "hs4": "HS4 code",
    "code": "HS code",
    # momentum
    "ann_3m3m_sa_pct": "3 months on previous 3, seasonally adjusted, annualised (%)",
    "yoy_pct": "Change on a year earlier (%)",
    "vs_2017_pct": "Change on 2017 (%)",
    "sa_usd": "Seasonally adjusted ($bn)",
    "base_usd": "Base period ($bn)",
    "current_usd": "Current period ($bn)",
    "share_of_change_pct": "Share of the change (%)",
    "ytd_usd": "Purchases to date ($bn)",
    "remaining_months": "Months remaining",
    "required_per_month_usd": "Required per month ($bn)",
    "pace_3m_usd": "Pace of last 3 months ($bn per month)",
    "pace_6m_usd": "Pace of last 6 months ($bn per month)",
    "required_vs_pace_3m": "Required / pace of last 3 months (×)",
    "required_vs_pace_6m": "Required / pace of last 6 months (×)",
    "slope_change": "Change in monthly growth (log points)",
    "level_change": "Change in level (log points)",
    "ci_lower": "Lower bound",
    "ci_upper": "Upper bound",
    "p_value": "p-value",
    "q_value": "q-value (BH)",
    "recovery_month": "Recovery month",
    "x13": "X-13",
    "stl": "STL",
    # forecasts
    "as_of": "Data through",
    "observed_ytd_usd": "Observed to date ($bn)",
    "projected_total_usd": "Projected year total ($bn)",
    "observed_total_usd": "Observed year total ($bn)",
    "prob_reach_target": "Probability of reaching the target",
    "needed_usd": "Needed in the months left ($bn)",
    "months_left": "Months left",
    "needed_vs_best": "Needed / best run of as many months on record (×)",
    "check": "What it takes, against the record",
    "observed_freq": "Observed frequency",
    "hits": "Came true",
    "mean_prob": "Mean forecast probability",
    "reached_share": "Share of years reaching the target",
    "p10_usd": "10th percentile ($bn)",
    "p90_usd": "90th percentile ($bn)",
    "median_usd": "Median ($bn)",
    "mae_usd": "Mean absolute error ($bn)",
    "rmse_usd": "Root mean squared error ($bn)",
    "crps_usd": "CRPS ($bn)",
    "interval_score_usd": "Interval score ($bn)",
    "mean_abs_error_pct": "Mean absolute error (%)",
    "coverage_pct": "Share inside the 80% interval (%)",
    "inside_80": "Inside the 80% interval",
    "mase": "MASE (×)",
    "relative_mae": "MAE relative to snaive (×)",
    "relative_crps": "CRPS relative to snaive (×)",
    "brier": "Brier score",
    "n": "Forecasts",
    # products and the scanner
    "value_usd": "Value ($bn)",
    "value_2017_usd": "Value in 2017 ($bn)",
    "last_12m_usd": "Last 12 months ($bn)",
    "change_usd": "Change ($bn)",
    "share_of_category_pct": "Share of its category (%)",
    "change_as_pct_of_increment": "Change as share of the category's increment (%)",
    "lines": "Lines",
    "hac_p_below_5_pct": "Share with HAC p < 0.05 (%)",
    "calibrated_p_below_5_pct": "Share with calibrated p < 0.05 (%)",
    "at_bound_pct": "Paths on a bound (%)",
}

#: Model names keep their own spelling (they are names, not words).
NAMES = {"auto", "snaive", "ets", "sarimax", "uc", "ratio", "annual", "flat", "seasonal"}

_WORDS = {"ytd": "to date", "yoy": "year on year", "sa": "seasonally adjusted", "usd": "USD", "hs6": "HS6",
          "hs4": "HS4", "pct": "%", "bn": "$bn", "qty": "quantity", "vs": "vs", "3m": "3 months", "6m": "6 months",
          "12m": "12 months", "hac": "HAC", "bh": "BH", "fdr": "FDR", "ci": "CI", "crps": "CRPS", "mae": "MAE",
          "rmse": "RMSE", "mase": "MASE", "hs": "HS", "stl": "STL", "x13": "X-13", "lng": "LNG", "us": "US"}


def _words(name: str) -> str:
    if name in NAMES:
        return name
    words = [_WORDS.get(w, w) for w in name.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")


def observed_field(through) -> str:
    """The field of an observed sum from January through ``through`` (a month, ``YYYY-MM``):
    ``observed_total_usd`` for a whole year, else ``observed_jan_nov_usd`` (labelled ``Observed,
    January-November ($bn)``), so a part of a year is never labelled a year total."""
    month = pd.Period(str(through), "M").month
    if month == 12:
        return "observed_total_usd"
    return "observed_jan_usd" if month == 1 else f"observed_jan_{_MONTHS[month - 1]}_usd"


def label(name) -> str:
    """The reader's label of a field name, with its unit (``_usd`` → ``($bn)``, ``_pct`` → ``(%)``)."""
    text = str(name)
    if text in LABELS:
        return LABELS[text]
    if match := re.fullmatch(r"observed_jan(?:_(\w{3}))?_usd", text):
        return f"Observed, January-{_MONTH_NAMES[_MONTHS.index(match[1])]} ($bn)" if match[1] else "Observed, January ($bn)"
    if match := re.fullmatch(r"qty_(\w+)", text):
        return f"Quantity ({match[1]})"
    if match := re.fullmatch(r"usd_per_(\w+)", text):
        return f"Unit value ($ per {match[1]})"
    if text.endswith("_usd"):
        return f"{label(text[:-4])} ($bn)"
    if text.endswith("_pct"):
        return f"{label(text[:-4])} (%)"
    if text.startswith("pct_of_"):
        return f"Share of {_words(text[7:]).lower()} (%)"
    return _words(text)


def kind(name) -> str:
    """How a field's figures are shown: ``usd``, ``pct``, ``ratio``, ``prob``, ``pvalue``, ``qty``,
    ``unit_value``, ``count`` or ``number``."""
    text = str(name)
    if text.startswith("qty_"):
        return "qty"
    if text.startswith("usd_per_"):
        return "unit_value"
    if text.endswith("_usd"):
        return "usd"
    if text.endswith("_pct") or text.startswith("pct_of_") or "_as_pct_" in text:
        return "pct"
    if text in ("p_value", "q_value"):
        return "pvalue"
    if text.startswith("prob") or text in ("mean_prob", "reached_share"):
        return "prob"
    if text.startswith(("required_vs_", "relative_")) or text == "mase":
        return "ratio"
    if text in ("n", "lines", "remaining_months", "months_counted"):
        return "count"
    if "year" in text or text in ("code", "hs6", "hs4", "as_of", "month"):
        return "text"
    return "number"


def _signed(text: str) -> str:
    return text.replace("-", MINUS)


def probability(value: float) -> str:
    """A probability in words: ``under 1 %``, ``over 99 %``, else % with 1 decimal."""
    if value < 0.01:
        return "under 1 %" if value > 0 else "0 %"
    if value > 0.99:
        return "over 99 %" if value < 1 else "100 %"
    return f"{100 * value:.1f} %"


def cell(name, value) -> str:
    """One figure as a report table shows it, by its field name (see :func:`kind`); blank if missing."""
    if value is None or (pd.api.types.is_scalar(value) and not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    value = float(value) if isinstance(value, (float, np.floating)) else int(value)
    how = kind(name)
    if how == "usd":
        return _signed(f"{value / 1e9:,.2f}")
    if how == "pct":
        return _signed(f"{value:,.1f}")
    if how == "prob":
        return probability(float(value))
    if how == "pvalue":
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    if how == "ratio":
        return _signed(f"{value:,.2f}")
    if how == "qty":
        return _signed(f"{value:,.0f}")
    if how == "unit_value":
        return _signed(f"{value:,.2f}")
    if how in ("count", "text") and float(value).is_integer():
        return f"{int(value):,}" if how == "count" else str(int(value))
    if float(value).is_integer() and abs(value) < 1e15:
        return _signed(f"{int(value):,}")
    return _signed(f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4f}")


def is_text(values) -> bool:
    """Whether a column holds text (left-aligned in a report table)."""
    return not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values))
