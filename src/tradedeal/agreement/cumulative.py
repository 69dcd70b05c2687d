"""The agreement's two years: purchases over 2020 and 2021 against the two-year target, on one coverage.

Article 6.2 is a commitment over 2020–2021 as a whole, and the published final tallies are for
both years. A category's two-year target is its 2017 baseline twice plus both years' increments.
Every figure of the view uses one coverage, the one the 2021 months need: when 2021 after
January exists only as the published aggregates without civil aircraft, 2020 and the baseline
are taken on that coverage too, and the notes say so. The newest revision known at ``as_of``
counts: a later release's 2020 total (the June-2021 annual revision) replaces the first
published one, and the notes name the months it revised.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from tradedeal.agreement.targets import (
    BASELINE_YEAR,
    GOODS,
    INCREMENTS_USD,
    PRORATIONS,
    TWO_YEARS,
    YEARS,
    increments,
    target_path,
)
from tradedeal.agreement.window import OnWindow, Window, select
from tradedeal.errors import ParameterError
from tradedeal.ingest.concordance import AGGREGATE_COVERAGE, CATEGORIES, COVERAGES, COVERED_TOTAL, DEFAULT_COVERAGE

COLUMNS = (
    "category", "coverage", "baseline_2017_usd", "purchases_2020_usd", "purchases_2021_ytd_usd", "purchases_usd",
    "target_2020_usd", "target_2021_ytd_usd", "target_to_date_usd", "target_two_years_usd",
    "pct_of_target_to_date", "pct_of_two_year_target",
)


def select_two_years(snapshot, as_of=None, coverage: str | None = None) -> Window:
    """The question of the two-year view: purchases through ``as_of``, a month of 2021 (default
    the latest), under the coverage its 2021 months allow (:func:`~tradedeal.agreement.window.select`)."""
    return select(snapshot, year=YEARS[-1], as_of=as_of, coverage=coverage)


@dataclass(frozen=True)
class TwoYears(OnWindow):
    """Cumulative purchases over the agreement's two years against the two-year target."""

    table: pd.DataFrame
    revisions: pd.DataFrame  # figure, category, revised_in, first_published_usd, newest_usd
    first_published_2020: pd.Series  # 2020 purchases by category before any revision
    window: Window
    proration: str
    notes: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return TWO_YEARS

    def header(self) -> list[str]:
        return [
            f"Phase One purchases over the agreement's two years, {TWO_YEARS}, through {self.as_of}: cumulative "
            "against the two-year target (2017 baseline twice plus both years' increments; US exports to China, "
            "USD, not seasonally adjusted)",
            f"period: 2020-01 to {self.as_of}",
            *self.window.question()[1:],
            f"proration of the 2021 target within the year: {self.proration}",
        ]

    def revision_notes(self) -> list[str]:
        """The notes that say which figures a later release revised, and which count."""
        return [n for n in self.notes if n.startswith(("revised months", f"{YEARS[-1]} year to date", "2020 by HS6",
                                                       f"{YEARS[-1]} months through", f"{self.coverage} figures are"))]

    def by_year(self) -> pd.DataFrame:
        """The covered total of each year and of both, on this one coverage: purchases, target
        and attainment. 2020 appears as first published and, when revised, as revised."""
        t = self.table.set_index("category").loc[COVERED_TOTAL]
        target_2020 = t["target_2020_usd"]
        rows = [("2020", self.first_published_2020[COVERED_TOTAL], target_2020, target_2020)]
        revised = t["purchases_2020_usd"] != self.first_published_2020[COVERED_TOTAL]
        if revised:
            rows[0] = ("2020 (first published)", *rows[0][1:])
            rows.append(("2020 (revised)", t["purchases_2020_usd"], target_2020, target_2020))
        target_2021 = t["target_two_years_usd"] - target_2020
        rows.append((f"2021 through {self.as_of}", t["purchases_2021_ytd_usd"], target_2021, t["target_2021_ytd_usd"]))
        rows.append((f"{TWO_YEARS} through {self.as_of}", t["purchases_usd"], t["target_two_years_usd"],
                     t["target_to_date_usd"]))
        out = pd.DataFrame(rows, columns=["period", "purchases_usd", "target_usd", "target_to_date_usd"])
        out.insert(1, "coverage", self.coverage)
        out["pct_of_target"] = 100 * out["purchases_usd"] / out["target_usd"]
        out["pct_of_target_to_date"] = 100 * out["purchases_usd"] / out["target_to_date_usd"]
        return out.set_index("period")

    def target_paths(self) -> dict[str, pd.DataFrame]:
        """The cumulative two-year target by month, 2020-01 to 2021-12, under each proration, by
        category and in total: 2020's path, then 2020's target plus 2021's path, both on this
        view's baseline (the newest release's 2017 where it counts)."""
        monthly = self.window.monthly()
        t = self.table.set_index("category")
        base = monthly.loc[monthly.index.year == BASELINE_YEAR, list(GOODS)].sum()
        target_2021 = t["target_two_years_usd"] - t["target_2020_usd"]
        out = {}
        for proration in PRORATIONS:
            first = target_path(monthly, YEARS[0], proration=proration) * (t["target_2020_usd"] / (base + increments(YEARS[0])))
            second = target_path(monthly, YEARS[-1], proration=proration) * (target_2021 / (base + increments(YEARS[-1])))
            path = pd.concat([first, second + t["target_2020_usd"]])[list(GOODS)]
            path[COVERED_TOTAL] = path[list(CATEGORIES)].sum(axis=1, min_count=len(CATEGORIES))
            out[proration] = path
        return out

    def headline_sentences(self) -> list[str]:
        """The two-year answer in words, with its coverage and the months it counts (the published
        tallies and the revisions: :func:`tradedeal.agreement.published.compare`)."""
        t = self.table.set_index("category").loc[COVERED_TOTAL]
        out = [f"Over 2020-01 to {self.as_of} China bought ${t['purchases_usd'] / 1e9:.1f}bn of covered US goods "
               f"({coverage_phrase(self.coverage)}), {t['pct_of_two_year_target']:.1f} % of the two-year target of "
               f"${t['target_two_years_usd'] / 1e9:.1f}bn"]
        if self.as_of.month != 12:
            out.append(f"The figures end in {self.as_of}, {12 + self.as_of.month} of the 24 months: against the target "
                       f"to that month ({self.proration} proration) the share is {t['pct_of_target_to_date']:.1f} %")
        return out


def coverage_phrase(coverage: str) -> str:
    """A coverage in words for a sentence, saying when it is not the published final tallies'
    (all Annex 6.1 goods including civil aircraft)."""
    words = COVERAGES[coverage].words
    return words if coverage == DEFAULT_COVERAGE else f"{words}; published final tallies include them"


def revisions(releases: pd.DataFrame, through: pd.Period) -> pd.DataFrame:
    """Every change of a published 2017 or 2020 figure from one release to the next, up to the
    release with data through ``through``: ``figure, category, revised_in, first_published_usd,
    newest_usd`` (one row per figure and category; ``revised_in`` the first release that changed it)."""
    known = releases[(releases["data_through"] <= through) & releases["category"].isin(GOODS)]
    rows = []
    for column, figure in (("value_2017_usd", str(BASELINE_YEAR)), ("value_2020_usd", "2020")):
        wide = known.pivot(index="data_through", columns="category", values=column).sort_index()
        for category in wide.columns:
            series = wide[category]
            changed = series.ne(series.shift()) & series.shift().notna()
            if changed.any():
                rows.append({"figure": figure, "category": category, "revised_in": series.index[changed.argmax()],
                             "first_published_usd": series.iloc[0], "newest_usd": series.iloc[-1]})
    out = pd.DataFrame(rows, columns=["figure", "category", "revised_in", "first_published_usd", "newest_usd"])
    order = {c: i for i, c in enumerate(GOODS)}
    return out.sort_values(["figure", "category"], key=lambda s: s.map(order) if s.name == "category" else s,
                           ignore_index=True)


def two_year_tracker(window: Window, *, proration: str = "seasonal") -> TwoYears:
    """Cumulative purchases from 2020-01 through ``window.as_of`` (a month of 2021) against the
    two-year target, by goods category and in total, on the window's one coverage.

    Under the published aggregates' coverage the newest release known at ``as_of`` supplies the
    2017 and 2020 totals (its 2021 year to date is the tracker's, month by month); the HS6
    figures under ``annex_6_1`` predate the June-2021 annual revision and no later release
    revises them. Services (increments of $12.8bn and $25.1bn) are named, never counted as zero.
    """
    if window.year != YEARS[-1]:
        raise ParameterError(f"the two-year view runs through a month of {YEARS[-1]}; got year {window.year}")
    if proration not in PRORATIONS:
        raise ParameterError(f"proration must be one of {', '.join(PRORATIONS)}; got {proration!r}")
    monthly = window.monthly()
    first_2020 = monthly.loc["2020-01":"2020-12", list(GOODS)].sum()
    base = monthly.loc[monthly.index.year == BASELINE_YEAR, list(GOODS)].sum()
    notes = list(window.notes)
    revised = pd.DataFrame(columns=["figure", "category", "revised_in", "first_published_usd", "newest_usd"])
    purchases_2020, baseline = first_2020.copy(), base.copy()
    if window.coverage == AGGREGATE_COVERAGE:
        releases = window.snapshot.category_releases()
        known = releases[releases["data_through"] <= window.as_of]
        if not known.empty:
            newest = known[known["data_through"] == known["data_through"].max()].set_index("category")
            purchases_2020 = newest["value_2020_usd"].reindex(list(GOODS)).astype("float64")
            baseline = newest["value_2017_usd"].reindex(list(GOODS)).astype("float64")
            revised = revisions(releases, window.as_of)
            first = known[known["data_through"] == known["data_through"].min()].set_index("category")
            published = first["value_2020_usd"].reindex(list(GOODS)).astype("float64")
            hs6_end = window.snapshot.hs6_months().max()
            notes += _revision_notes(revised, first_2020, published, known["data_through"].max(),
                                     window.as_of if window.as_of <= hs6_end else None)
            first_2020 = published
    else:
        notes.append(f"{window.coverage} figures are the HS6 lines as pulled before the June-2021 annual revision; "
                     f"the later, revised releases cover {AGGREGATE_COVERAGE} only")
    purchases_2021 = monthly.loc[f"{YEARS[-1]}-01":window.as_of, list(GOODS)].sum()
    target_2020 = baseline + increments(2020)
    target_2021 = baseline + increments(2021)
    # the year-to-date target path of 2021 prorates on the 2017 months; rescale it to the newest baseline
    path = target_path(monthly, YEARS[-1], proration=proration).loc[window.as_of].reindex(list(GOODS))
    path = path * (target_2021 / (base + increments(2021)))
    path[COVERED_TOTAL] = path[list(CATEGORIES)].sum(min_count=len(CATEGORIES))
    table = pd.DataFrame({
        "category": list(GOODS),
        "coverage": window.coverage,
        "baseline_2017_usd": baseline.to_numpy(),
        "purchases_2020_usd": purchases_2020.to_numpy(),
        "purchases_2021_ytd_usd": purchases_2021.to_numpy(),
        "target_2020_usd": target_2020.to_numpy(),
        "target_2021_ytd_usd": path.to_numpy(),
    })
    table["purchases_usd"] = table["purchases_2020_usd"] + table["purchases_2021_ytd_usd"]
    table["target_to_date_usd"] = table["target_2020_usd"] + table["target_2021_ytd_usd"]
    table["target_two_years_usd"] = (target_2020 + target_2021).to_numpy()
    table["pct_of_target_to_date"] = 100 * table["purchases_usd"] / table["target_to_date_usd"]
    table["pct_of_two_year_target"] = 100 * table["purchases_usd"] / table["target_two_years_usd"]
    if window.as_of.month != 12:
        missing = f"{window.as_of + 1}" + (f" to {YEARS[-1]}-12 are" if window.as_of.month < 11 else " is")
        notes.append(f"{missing} not in the data: the two-year target is for 24 months, {12 + window.as_of.month} "
                     "are counted")
    services = sum(INCREMENTS_USD[y]["services"] for y in YEARS) / 1e9
    notes.append(f"services: increments of ${services:.1f}bn over {TWO_YEARS}; no monthly data, not tracked here (not zero)")
    return TwoYears(table=table[list(COLUMNS)], revisions=revised, first_published_2020=first_2020,
                    window=window, proration=proration, notes=tuple(notes))


def _revision_notes(revised: pd.DataFrame, hs6_2020: pd.Series, published_2020: pd.Series, newest: pd.Period,
                    hs6_through: pd.Period | None) -> list[str]:
    """Which months a later release revised, and by how much (covered total); where the 2021
    months come from."""
    notes = []
    gap = hs6_2020[COVERED_TOTAL] - published_2020[COVERED_TOTAL]
    if abs(gap) >= 0.5:
        notes.append(f"2020 by HS6 line (${hs6_2020[COVERED_TOTAL] / 1e9:.2f}bn) differs from the first release's "
                     f"2020 total by ${gap / 1e6:,.1f}m; the newest release's counts")
    for figure, rows in revised.groupby("figure", sort=False):
        total = rows.set_index("category")
        where = ", ".join(sorted({str(m) for m in rows["revised_in"]}))
        amount = (f": covered total ${total.loc[COVERED_TOTAL, 'first_published_usd'] / 1e9:.2f}bn as first published, "
                  f"${total.loc[COVERED_TOTAL, 'newest_usd'] / 1e9:.2f}bn revised"
                  if COVERED_TOTAL in total.index else "")
        notes.append(f"revised months: {figure}-01 to {figure}-12 (annual totals by category), revised in the "
                     f"release with data through {where}{amount}; the revised figures count here")
    if hs6_through is not None:
        notes.append(f"{YEARS[-1]} months through {hs6_through}: the HS6 lines, which take precedence over the "
                     "releases for the months they cover")
    else:
        notes.append(f"{YEARS[-1]} year to date: the release with data through {newest} (each release restates the "
                     "year to date, so it carries any revision of earlier 2021 months; the releases do not say which)")
    return notes

