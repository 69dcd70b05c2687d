"""The question asked of the data: which snapshot, which year, through which month, under which coverage.

:func:`select` holds the rules that resolve a request into a :class:`Window` once; the tracker,
the forecast table, the product profile, the notebooks and the command line all take the
window, and every answer prints it (:meth:`Window.question`, :meth:`Window.fields`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from tradedeal.errors import DataNotAvailableError, ParameterError
from tradedeal.ingest.concordance import (
    AGGREGATE_COVERAGE,
    COVERAGES,
    COVERED_TOTAL,
    DEFAULT_COVERAGE,
    get_coverage,
)
from tradedeal.ingest.snapshot import Snapshot
from tradedeal.months import parse_month


@dataclass(frozen=True)
class Window:
    """A resolved question: the data (``snapshot``), an optional ``year``, the last month used
    (``as_of``), the ``coverage`` of every figure, and ``notes`` explaining any fallback."""

    snapshot: Snapshot
    year: int | None
    as_of: pd.Period
    coverage: str
    notes: tuple[str, ...] = field(default=())

    @property
    def vintage(self) -> str:
        return self.snapshot.vintage

    def monthly(self) -> pd.DataFrame:
        """The coverage's monthly category frame, through ``as_of`` (nothing later is seen)."""
        return self.snapshot.exports_by_category(self.coverage).loc[: self.as_of]

    def citation(self) -> str:
        """The data behind the figures, with their vintage and folder."""
        return self.snapshot.citation(self.coverage)

    def source_line(self) -> str:
        """A short caption for charts."""
        return self.snapshot.source_line(self.coverage)

    def question(self) -> list[str]:
        """Lines that state the question: period, coverage and data."""
        period = f"{self.year}, through {self.as_of}" if self.year else f"through {self.as_of}"
        return [
            f"period: {period}",
            f"coverage: {self.coverage} — {COVERAGES[self.coverage].description}",
            f"data: {self.citation()}",
        ]

    def months_counted(self) -> str | None:
        """``January only`` or ``January to November, 11 of 12 months`` when the year is answered
        through part of itself because its figures end there (a note says why), else None."""
        for note in self.notes:
            if self.year is not None and note.startswith(f"{self.year} is counted through"):
                return note[note.index("(") + 1:note.index(")")]
        return None

    def fields(self) -> dict[str, str]:
        """The columns every CSV row and JSON record carries: ``vintage`` and ``as_of``."""
        return {"vintage": self.vintage, "as_of": str(self.as_of)}


class OnWindow:
    """Shorthands for a result that carries the ``window`` it answers."""

    window: Window

    @property
    def year(self) -> int | None:
        return self.window.year

    @property
    def as_of(self) -> pd.Period:
        return self.window.as_of

    @property
    def coverage(self) -> str:
        return self.window.coverage


def select(snapshot: Snapshot | None = None, *, year: int | None = None, as_of=None,
           coverage: str | None = None) -> Window:
    """Resolve a request into a :class:`Window`.

    Parameters
    ----------
    snapshot
        The data; default ``Snapshot()`` (the latest vintage of the default data folder).
    year
        A calendar year; ``as_of`` must then fall in it, and defaults to its latest month in the data.
    as_of
        The last month used, ``YYYY-MM``; default: the latest month in the data (of ``year``).
    coverage
        A name from :data:`~tradedeal.ingest.concordance.COVERAGES`. By default the full
        Annex 6.1 coverage when its data (HS6) reach the month asked for (``as_of``, else
        December of ``year``, else the latest month of any data), otherwise the published
        aggregates (:data:`~tradedeal.ingest.concordance.AGGREGATE_COVERAGE`) for every
        figure, with a note saying so.

    Raises
    ------
    ParameterError
        A malformed month or coverage, or an ``as_of`` outside ``year``.
    DataNotAvailableError
        ``as_of`` (or ``year``) outside the data.
    """
    snapshot = snapshot if snapshot is not None else Snapshot()
    month = None if as_of is None else parse_month(as_of)
    if year is not None:
        if isinstance(year, bool) or not isinstance(year, int):
            raise ParameterError(f"year must be a whole number; got {year!r}")
        if month is not None and month.year != year:
            raise ParameterError(f"as_of must be a month of {year}; got {month}")
    notes: list[str] = []
    if coverage is None:
        full_end = snapshot.available_through(DEFAULT_COVERAGE)
        wanted = month or (pd.Period(f"{year}-12", "M") if year is not None else None)
        if wanted is None:
            wanted = max(full_end, snapshot.available_through(AGGREGATE_COVERAGE))
        chosen = DEFAULT_COVERAGE if wanted <= full_end else AGGREGATE_COVERAGE
        if chosen != DEFAULT_COVERAGE:
            notes.append(
                f"{DEFAULT_COVERAGE} figures end in {full_end}; every figure here uses {chosen} "
                "(published category aggregates without civil aircraft), including its 2017 baseline"
            )
    else:
        chosen = get_coverage(coverage).name
    observed = snapshot.exports_by_category(chosen)[COVERED_TOTAL].dropna()
    first, last = observed.index.min(), observed.index.max()
    if month is None:
        in_year = observed if year is None else observed[observed.index.year == year]
        if in_year.empty:
            raise DataNotAvailableError(f"no {chosen} data for {year}: figures run {first} to {last}")
        month = in_year.index.max()
    if not first <= month <= last:
        raise DataNotAvailableError(f"as_of {month} is outside the data: {chosen} figures run {first} to {last}")
    if as_of is None and year is not None and (short := partial_year(year, month, chosen, snapshot)):
        notes.append(short)
    notes += snapshot.source_notes(chosen, month)
    return Window(snapshot, year, month, chosen, tuple(notes))


def partial_year(year: int, month: pd.Period, coverage: str, snapshot: Snapshot) -> str | None:
    """Why a year is answered through ``month`` only, in words, when the coverage's figures end
    before its December (``None`` when they reach it): the months counted, where the figures end,
    and where another coverage runs further."""
    if month >= pd.Period(f"{year}-12", "M"):
        return None
    counted = "January only" if month.month == 1 else f"January to {month.strftime('%B')}, {month.month} of 12 months"
    text = (f"{year} is counted through {month} only ({counted}): the figures for {COVERAGES[coverage].words} "
            f"end in {month}")
    others = {c: snapshot.available_through(c) for c in COVERAGES if c != coverage}
    further = {c: end for c, end in others.items() if end > month}
    if further:
        text += "; " + "; ".join(f"those for {COVERAGES[c].words} run to {end}" for c, end in further.items())
    return text
