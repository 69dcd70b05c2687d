"""The question as one value: a Snapshot (data folder + vintage) and a Window resolved by one rule."""

from __future__ import annotations

import pytest

from tradedeal import Snapshot
from tradedeal.agreement.answers import tracker_result
from tradedeal.agreement.window import select
from tradedeal.errors import DataNotAvailableError, ParameterError


@pytest.mark.parametrize(
    ("year", "as_of", "coverage", "expected"),
    [
        (2020, None, None, ("2020-12", "annex_6_1")),  # full coverage reaches December 2020
        (2021, None, None, ("2021-11", "annex_6_1_ex_civil_aircraft")),  # only the aggregates reach 2021-12
        (2021, "2021-01", None, ("2021-01", "annex_6_1")),
        (2021, None, "annex_6_1", ("2021-01", "annex_6_1")),
        (None, None, None, ("2021-11", "annex_6_1_ex_civil_aircraft")),  # the latest month of any data
        (None, "2019-03", None, ("2019-03", "annex_6_1")),
    ],
)
def test_one_rule_resolves_year_month_and_coverage(root, year, as_of, coverage, expected):
    window = select(Snapshot(root), year=year, as_of=as_of, coverage=coverage)
    assert (str(window.as_of), window.coverage) == expected
    fallback = any("every figure here uses annex_6_1_ex_civil_aircraft" in n for n in window.notes)
    assert fallback == (coverage is None and expected[1] != "annex_6_1")
    assert window.fields() == {"vintage": "snapshot", "as_of": expected[0]}


def test_the_same_errors_everywhere(root):
    snap = Snapshot(root)
    with pytest.raises(ParameterError, match="as_of must be a month of 2020; got 2021-03"):
        select(snap, year=2020, as_of="2021-03")
    with pytest.raises(ParameterError, match="as_of must be a month YYYY-MM; got '2020-7'"):
        select(snap, as_of="2020-7")
    with pytest.raises(DataNotAvailableError, match="as_of 2012-12 is outside the data: annex_6_1 figures run 2013-01"):
        select(snap, as_of="2012-12")
    with pytest.raises(DataNotAvailableError, match="no annex_6_1_ex_civil_aircraft data for 2022"):
        select(snap, year=2022)
    with pytest.raises(ParameterError, match="coverage must be one of annex_6_1, annex_6_1_ex_civil_aircraft"):
        select(snap, year=2020, coverage="everything")
    with pytest.raises(ParameterError, match="vintage must be one of snapshot; got 'yesterday'"):
        Snapshot(root, vintage="yesterday")


def test_every_answer_names_its_data_folder_vintage_and_months(root):
    snap = Snapshot(root)
    window = select(snap, year=2021)
    data_line = window.question()[-1]
    assert data_line.startswith("data: US Census Bureau, International Trade API (HS6 exports to China), "
                                "HS6 months 2013-01 to 2021-01")
    assert ("category year-to-date figures as released month by month, compiled by the public Phase One tracker of "
            "M. Waugh (tradewartracker), months 2021-02 to 2021-11") in data_line
    assert data_line.endswith(f"[vintage: snapshot; data folder: {root}]")  # the folder in use, not the default
    assert "months by source: Census HS6 lines 2013-01 to 2021-01; published category aggregates 2021-02 to 2021-11" \
        in window.notes
    assert snap.source_line("annex_6_1") == (
        "Source: US Census Bureau exports to China (HS6 2013-01 to 2021-01), as reshaped from the files of the public "
        "Phase One tracker of M. Waugh (tradewartracker). Coverage: all Annex 6.1 goods including civil aircraft. "
        "Vintage: snapshot. tradedeal.")
    assert "FRED series EXPCH and IMPCH (US Census Bureau) (shipped snapshot downloaded 2026), 2016-01 to 2026-01" \
        in snap.total_goods_citation()


def test_snapshot_is_a_value(root):
    """Two snapshots of one folder and vintage are equal, whichever way they are named, and a
    tracker made from either answers the same question: the window each carries is the one
    asked for (year, month, the default coverage of 2020), not one resolved another way."""
    assert Snapshot(root) == Snapshot(str(root)) == Snapshot(root, vintage="snapshot")
    assert Snapshot(root) != Snapshot(root / "raw")
    by_path, by_text = tracker_result(Snapshot(root), 2020, "2020-07"), tracker_result(Snapshot(str(root)), 2020, "2020-07")
    assert by_path.window == by_text.window and by_path.table.equals(by_text.table)
    window = by_path.window
    assert (window.year, str(window.as_of), window.coverage, window.vintage) == (2020, "2020-07", "annex_6_1", "snapshot")
    assert window == select(Snapshot(root), year=2020, as_of="2020-07", coverage="annex_6_1")
    assert set(by_path.table["coverage"]) == {"annex_6_1"}
