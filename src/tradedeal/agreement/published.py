"""This package's two-year answer beside the published tallies in the shipped data, and the
reason for every gap between them, in $bn where the data allow.

The published tallies the shipped data hold are the public tracker's releases of Census figures
(``census/phase1_category_ytd_vintages_2021.csv``: 2017, 2020 and the 2021 year to date by
category, release after release, on Annex 6.1 at HS4 without civil aircraft). Final two-year
tallies that count civil aircraft and all 24 months are not in the shipped data: the table says
what is missing instead of typing a figure in. The gaps are three: civil aircraft (out of the
releases, in the HS6 lines through their last month), the months after the last release
(December 2021), and revisions (the June-2021 annual revision of 2020). A fourth, the basis, is
shown because every tally built from HS lines shares it: the lines sum to slightly less than
Census's published total of all goods.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradedeal.agreement.cumulative import TwoYears
from tradedeal.agreement.targets import BASELINE_YEAR, TWO_YEARS, YEARS, increments
from tradedeal.agreement.tracker import HS6_RELEASE, tracker
from tradedeal.agreement.window import select
from tradedeal.ingest.concordance import (
    AGGREGATE_COVERAGE,
    CATEGORIES,
    COVERAGES,
    COVERED_TOTAL,
    DEFAULT_COVERAGE,
    NOT_COVERED,
)
from tradedeal.units import MINUS, usd_bn

#: The comparison's columns: which tally, over which months and coverage, from which release.
COLUMNS = ("tally", "period", "coverage", "basis", "months_counted", "release", "purchases_usd", "target_usd",
           "pct_of_target", "differs_because")
#: The basis of every tally the shipped data hold: the agreement's other basis, China's imports
#: from the US by its customs, is not in them.
US_EXPORTS = "US exports to China (Census, f.a.s.)"
#: The gaps' columns: the reason, the figure, its amount (blank where the data lack it), its effect.
GAP_COLUMNS = ("reason", "figure", "amount_usd", "effect")
#: The months the two-year target is for.
MONTHS = 24
TRACKER = "Published tracker"


@dataclass(frozen=True)
class Published:
    """The two-year answer (``answer``) beside the published tallies (``table``) and the gaps
    between them (``gaps``)."""

    answer: TwoYears
    table: pd.DataFrame
    gaps: pd.DataFrame
    aircraft: pd.Series  # civil aircraft exports by year, USD (HS6 months only; a partial year named in ``notes``)
    full_2020_pct: float  # 2020 on all Annex 6.1 goods including civil aircraft, % of its target
    ex_2020_pct: float  # the same months and lines without civil aircraft
    notes: tuple[str, ...] = field(default=())

    @property
    def as_of(self) -> pd.Period:
        return self.answer.as_of

    def header(self) -> list[str]:
        return [f"This package's answer for {TWO_YEARS}, through {self.as_of}, beside the published tallies in the "
                "shipped data (US exports to China, USD, not seasonally adjusted)"]

    def sentence(self) -> str | None:
        """Why the answer differs from the published final tallies, in words: ``None`` when it is
        on their coverage, all Annex 6.1 goods including civil aircraft."""
        if self.answer.coverage == DEFAULT_COVERAGE:
            return None
        a = self.aircraft
        text = (f"Published final tallies count civil aircraft and all {MONTHS} months; civil aircraft fell from "
                f"${a.loc[BASELINE_YEAR] / 1e9:.2f}bn in {BASELINE_YEAR} to ${a.loc[YEARS[0]] / 1e9:.2f}bn in "
                f"{YEARS[0]}, so counting them {YEARS[0]} reached {self.full_2020_pct:.1f} % of its target, "
                f"not {self.ex_2020_pct:.1f} %")
        missing = _months_missing(self.as_of, self.answer.window.snapshot)
        return text + (f", and {missing}" if missing else "")


def compare(answer: TwoYears) -> Published:
    """This package's two-year answer (``answer``) beside the published tallies known at its
    ``as_of``, with the gaps between them.

    Rows of ``table`` (:data:`COLUMNS`): the answer; the newest release known at ``as_of``, over
    both years; that release's 2020 as first published and as revised, and its 2021 year to date;
    this package's 2020 on all Annex 6.1 goods including civil aircraft (the HS6 lines); the same
    coverage over both years, blank where the data lack it; and the final tallies published
    elsewhere, not in the shipped data. A target is the 2017 baseline of the same figures plus
    the agreement's increments.
    """
    window = answer.window
    snapshot, as_of = window.snapshot, window.as_of
    releases = snapshot.category_releases()
    known = releases[releases["data_through"] <= as_of]
    full = snapshot.exports_by_category(DEFAULT_COVERAGE)[COVERED_TOTAL].dropna()
    ex = snapshot.exports_by_category(AGGREGATE_COVERAGE)[COVERED_TOTAL].dropna()
    hs6_end = min(snapshot.hs6_months().max(), as_of)
    aircraft_monthly = (full - ex.reindex(full.index)).loc[:hs6_end]
    aircraft = aircraft_monthly.groupby(aircraft_monthly.index.year).sum()
    full_2020 = tracker(select(snapshot, year=YEARS[0], as_of=f"{YEARS[0]}-12", coverage=DEFAULT_COVERAGE)).table
    ex_2020 = tracker(select(snapshot, year=YEARS[0], as_of=f"{YEARS[0]}-12", coverage=AGGREGATE_COVERAGE)).table
    full_row = full_2020.set_index("category").loc[COVERED_TOTAL]
    ex_row = ex_2020.set_index("category").loc[COVERED_TOTAL]
    total = answer.table.set_index("category").loc[COVERED_TOTAL]
    counted = 12 + as_of.month
    rows = [{
        "tally": "This package, two-year answer",
        "period": f"{TWO_YEARS} through {as_of}",
        "coverage": COVERAGES[answer.coverage].words,
        "months_counted": counted,
        "release": _answer_release(answer, known),
        "purchases_usd": total["purchases_usd"],
        "target_usd": total["target_two_years_usd"],
        "differs_because": "",
    }]
    if not known.empty:
        newest_month, first_month = known["data_through"].max(), known["data_through"].min()
        newest = known[known["data_through"] == newest_month].set_index("category")
        first = known[known["data_through"] == first_month].set_index("category")
        base = newest.loc[COVERED_TOTAL, "value_2017_usd"]
        both = newest.loc[COVERED_TOTAL, "value_2020_usd"] + newest.loc[COVERED_TOTAL, "value_2021_ytd_usd"]
        same = answer.coverage == AGGREGATE_COVERAGE and newest_month == as_of
        rows.append({
            "tally": TRACKER, "period": f"{TWO_YEARS} through {newest_month}",
            "coverage": COVERAGES[AGGREGATE_COVERAGE].words, "months_counted": 12 + newest_month.month,
            "release": f"release with data through {newest_month}", "purchases_usd": float(both),
            "target_usd": 2 * base + increments(YEARS[0])[COVERED_TOTAL] + increments(YEARS[-1])[COVERED_TOTAL],
            "differs_because": "no gap: this package's two-year answer counts this release's 2017, 2020 and 2021 "
                               "figures" if same else _differs(answer, newest_month),
        })
        first_2020 = first.loc[COVERED_TOTAL, "value_2020_usd"]
        newest_2020 = newest.loc[COVERED_TOTAL, "value_2020_usd"]
        target_2020 = first.loc[COVERED_TOTAL, "value_2017_usd"] + increments(YEARS[0])[COVERED_TOTAL]
        rows.append({
            "tally": TRACKER, "period": str(YEARS[0]), "coverage": COVERAGES[AGGREGATE_COVERAGE].words,
            "months_counted": 12, "release": f"release with data through {first_month} (first published)",
            "purchases_usd": float(first_2020), "target_usd": float(target_2020),
            "differs_because": (f"revised by {usd_bn(newest_2020 - first_2020, sign=True)} in the release through "
                                f"{answer.revisions['revised_in'].min()}" if newest_2020 != first_2020
                                else "not revised by any release known then"),
        })
        if newest_2020 != first_2020:
            rows.append({
                "tally": TRACKER, "period": str(YEARS[0]), "coverage": COVERAGES[AGGREGATE_COVERAGE].words,
                "months_counted": 12, "release": f"release with data through {newest_month} (revised)",
                "purchases_usd": float(newest_2020), "target_usd": float(base + increments(YEARS[0])[COVERED_TOTAL]),
                "differs_because": "the June-2021 annual revision; the two-year answer counts this figure",
            })
        rows.append({
            "tally": TRACKER, "period": f"{YEARS[-1]} through {newest_month}",
            "coverage": COVERAGES[AGGREGATE_COVERAGE].words, "months_counted": newest_month.month,
            "release": f"release with data through {newest_month}",
            "purchases_usd": float(newest.loc[COVERED_TOTAL, "value_2021_ytd_usd"]),
            "target_usd": float(base + increments(YEARS[-1])[COVERED_TOTAL]),
            "differs_because": _months_missing(newest_month, snapshot) or "",
        })
    rows.append({
        "tally": "This package, HS6 lines", "period": str(YEARS[0]), "coverage": COVERAGES[DEFAULT_COVERAGE].words,
        "months_counted": 12, "release": HS6_RELEASE, "purchases_usd": full_row["purchases_ytd_usd"],
        "target_usd": full_row["target_usd"],
        "differs_because": (f"counts civil aircraft: ${aircraft.loc[BASELINE_YEAR] / 1e9:.2f}bn more in the 2017 "
                            f"baseline, ${aircraft.loc[YEARS[0]] / 1e9:.2f}bn more in {YEARS[0]}; without them the "
                            f"same lines give ${ex_row['purchases_ytd_usd'] / 1e9:.2f}bn, "
                            f"{ex_row['pct_of_annual_target']:.1f} %"),
    })
    if answer.coverage == DEFAULT_COVERAGE:
        why = f"this package's two-year answer is on this coverage, through {as_of}"
    else:
        why = (f"not computable from the shipped data: civil aircraft after {hs6_end}"
               + (f" and every product in {_after(as_of)}" if _after(as_of) else "")
               + f" are missing; counting nothing for them gives at least {_floor(total, aircraft, hs6_end):.1f} %")
    rows.append({
        "tally": "All Annex 6.1 goods, 24 months",
        "period": f"{TWO_YEARS}, all {MONTHS} months", "coverage": COVERAGES[DEFAULT_COVERAGE].words,
        "months_counted": np.nan, "release": "", "purchases_usd": np.nan, "target_usd": np.nan,
        "differs_because": why,
    })
    rows.append({
        "tally": "Final tallies published elsewhere", "period": f"{TWO_YEARS}, all {MONTHS} months",
        "coverage": COVERAGES[DEFAULT_COVERAGE].words, "months_counted": np.nan, "release": "",
        "purchases_usd": np.nan, "target_usd": np.nan,
        "basis": "US exports to China, or China's imports from the US (its customs figures)",
        "differs_because": ("the published final two-year tallies (all 24 months, civil aircraft counted) are not in "
                            "the shipped data, nor in the sources it was reshaped from, and neither are China's "
                            "customs figures: no figure is shown"),
    })
    table = pd.DataFrame(rows)
    table["basis"] = table["basis"].fillna(US_EXPORTS)
    table["pct_of_target"] = 100 * table["purchases_usd"] / table["target_usd"]
    table["months_counted"] = table["months_counted"].astype("float64")
    gaps = _gaps(answer, known, aircraft, hs6_end, full_row, ex_row)
    notes = (f"civil aircraft: Census code 880000 (HS6 lines {snapshot.hs6_months().min()} to {hs6_end}); the "
             "releases leave it out",
             "not shipped: the tracker's December-2020 web page figures and its target columns are in the upstream "
             "sources only (data/raw/PROVENANCE.md); they are not shown here")
    return Published(answer, table[list(COLUMNS)], gaps, aircraft, float(full_row["pct_of_annual_target"]),
                     float(ex_row["pct_of_annual_target"]), notes)


def _answer_release(answer: TwoYears, known: pd.DataFrame) -> str:
    if answer.coverage != AGGREGATE_COVERAGE or known.empty:
        return HS6_RELEASE
    text = f"newest release known at {answer.as_of} (data through {known['data_through'].max()})"
    if not answer.revisions.empty:
        text += f"; {YEARS[0]} as revised in the release through {answer.revisions['revised_in'].min()}"
    return text


def _differs(answer: TwoYears, newest: pd.Period) -> str:
    if answer.coverage != AGGREGATE_COVERAGE:
        return "leaves civil aircraft out, which this package's answer counts"
    return f"the release's months end in {newest}, this package's in {answer.as_of}"


def _after(as_of: pd.Period) -> str | None:
    december = pd.Period(f"{YEARS[-1]}-12", "M")
    if as_of >= december:
        return None
    return str(december) if as_of + 1 == december else f"{as_of + 1} to {december}"


def _months_missing(through: pd.Period, snapshot) -> str | None:
    """``2021-12 not in the data``, or ``… not counted (after the as-of month)`` when the data have them."""
    missing = _after(through)
    if not missing:
        return None
    return f"{missing} {'are' if ' to ' in missing else 'is'} {_state(through, snapshot)}"


def _state(through: pd.Period, snapshot) -> str:
    """Why the months after ``through`` are not counted: the data lack them, or they come later."""
    later = snapshot.available_through(AGGREGATE_COVERAGE) > through
    return "not counted (after the as-of month)" if later else "not in the data"


def _floor(total: pd.Series, aircraft: pd.Series, hs6_end: pd.Period) -> float:
    """The two-year share on all Annex 6.1 goods counting nothing for the months the data lack:
    the answer plus civil aircraft through the HS6 lines' last month, against the target with
    civil aircraft in its baseline."""
    bought = total["purchases_usd"] + aircraft.loc[YEARS[0]:hs6_end.year].sum()
    target = total["target_two_years_usd"] + 2 * aircraft.loc[BASELINE_YEAR]
    return float(100 * bought / target)


def _gaps(answer: TwoYears, known: pd.DataFrame, aircraft: pd.Series, hs6_end: pd.Period, full_row: pd.Series,
          ex_row: pd.Series) -> pd.DataFrame:
    snapshot, as_of = answer.window.snapshot, answer.as_of
    total = answer.table.set_index("category").loc[COVERED_TOTAL]
    rows = [
        ("Civil aircraft", f"{BASELINE_YEAR} exports, in the baseline of each year's target", aircraft.loc[BASELINE_YEAR],
         f"adds ${2 * aircraft.loc[BASELINE_YEAR] / 1e9:.2f}bn to the two-year target"),
        ("Civil aircraft", f"{YEARS[0]} exports (HS6 lines, before the June-2021 annual revision)", aircraft.loc[YEARS[0]],
         f"{YEARS[0]} reaches {full_row['pct_of_annual_target']:.1f} % of its target with civil aircraft, "
         f"{ex_row['pct_of_annual_target']:.1f} % without (the same lines)"),
    ]
    if hs6_end.year == YEARS[-1]:
        months = "January" if hs6_end.month == 1 else f"January to {hs6_end.strftime('%B')}"
        rows.append(("Civil aircraft", f"{YEARS[-1]} exports, {months} (HS6 lines)", aircraft.loc[YEARS[-1]],
                     "not in the two-year answer: the releases leave civil aircraft out"))
    if hs6_end < pd.Period(f"{YEARS[-1]}-12", "M"):
        rows.append(("Civil aircraft", f"exports {hs6_end + 1} to {YEARS[-1]}-12", np.nan,
                     "not in the shipped data: the HS6 lines end there and the releases leave civil aircraft out"))
    missing = _after(as_of)
    if missing:
        december = pd.Period(f"{YEARS[-1]}-12", "M")
        part = total["target_two_years_usd"] - total["target_to_date_usd"]
        rows.append((f"Months after {as_of}", f"covered purchases, {missing}", np.nan,
                     f"{_state(as_of, snapshot)}: the two-year answer counts {12 + as_of.month} of {MONTHS} "
                     "months"))
        rows.append((f"Months after {as_of}", f"the part of the two-year target for {missing} "
                     f"({answer.proration} proration)", part,
                     f"against the target to date the answer is {total['pct_of_target_to_date']:.1f} %"))
        goods = snapshot.total_goods()["exports_usd"].loc[as_of + 1:december]
        if len(goods) == (december - as_of).n:
            rows.append((f"Months after {as_of}", f"all US goods exports to China, {missing} (FRED series EXPCH)",
                         goods.sum(), "an upper bound on the covered purchases missing: with all of it the two-year "
                         f"share would be at most {100 * (total['purchases_usd'] + goods.sum()) / total['target_two_years_usd']:.1f} %"))
    for r in answer.revisions.itertuples():
        if r.category != COVERED_TOTAL and r.category not in CATEGORIES:
            continue
        name = "covered total" if r.category == COVERED_TOTAL else r.category
        change = r.newest_usd - r.first_published_usd
        effect = "the two-year answer counts the revised figure"
        if r.category == COVERED_TOTAL:
            points = f"{100 * change / total['target_two_years_usd']:+.2f}".replace("-", MINUS)
            effect += f": {points} points of the two-year share"
        rows.append(("Revision", f"{r.figure} {name}: first published to revised (release through {r.revised_in})",
                     change, effect))
    if answer.coverage == AGGREGATE_COVERAGE and not known.empty:
        rows.append(("Revision", f"{YEARS[-1]} months: each release restates the year to date", np.nan,
                     "revisions of earlier 2021 months are inside the newest year to date and cannot be told apart"))
    for year in (BASELINE_YEAR, YEARS[0]):
        hs6 = snapshot.exports_by_category(DEFAULT_COVERAGE).loc[str(year), [COVERED_TOTAL, NOT_COVERED]].sum().sum()
        goods = snapshot.total_goods().loc[str(year)]
        source = "Census, Trade in Goods with China" if (goods["source"] == "census_c5700").all() else \
            "FRED series EXPCH"
        rows.append(("Basis", f"{year}: all HS6 lines against the published total of all goods ({source}, "
                     f"${goods['exports_usd'].sum() / 1e9:.2f}bn)", hs6 - goods["exports_usd"].sum(),
                     "suppressed and low-value lines; every tally built from HS lines shares it"
                     + ("; FRED's later download also carries the June-2021 annual revision" if year == YEARS[0]
                        else "")))
    return pd.DataFrame(rows, columns=list(GAP_COLUMNS))
