"""The tracker table against figures computed by hand from the processed data, and its CLI."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from tradedeal import Snapshot
from tradedeal.agreement.answers import tracker_result
from tradedeal.agreement.tracker import COLUMNS
from tradedeal.errors import DataNotAvailableError, ParameterError
from tradedeal.ingest.concordance import classify
from tradedeal.ingest.sources import load_concordance
from tradedeal.present import cli_arguments

CATS = ["agriculture", "manufactures", "energy"]
INCREMENT_2020 = {"agriculture": 12.5e9, "manufactures": 32.9e9, "energy": 18.5e9}


@pytest.fixture(scope="module")
def by_hand(root) -> pd.DataFrame:
    """Monthly category sums from the processed HS6 table and the concordance, under annex_6_1."""
    hs6 = Snapshot(root).exports_hs6()
    codes = classify(hs6["hs6"], load_concordance(root / "raw" / "agreement" / "annex_6_1.csv"))
    hs6 = hs6.join(codes["category"], on="hs6")
    return hs6.pivot_table(index="month", columns="category", values="value_usd", aggfunc="sum")


def test_2020_full_year_by_hand(root, by_hand):
    table = tracker_result(Snapshot(root), 2020, "2020-12").table.set_index("category")
    assert list(table.reset_index().columns) == list(COLUMNS)
    assert set(table["coverage"]) == {"annex_6_1"}
    for cat in CATS:
        base = by_hand.loc["2017-01":"2017-12", cat].sum()
        bought = by_hand.loc["2020-01":"2020-12", cat].sum()
        assert table.loc[cat, "baseline_2017_usd"] == base
        assert table.loc[cat, "target_usd"] == base + INCREMENT_2020[cat]
        assert table.loc[cat, "purchases_ytd_usd"] == bought
        assert table.loc[cat, "pct_of_annual_target"] == pytest.approx(100 * bought / (base + INCREMENT_2020[cat]))
    total = table.loc["covered_total"]
    assert total["purchases_ytd_usd"] == by_hand.loc["2020-01":"2020-12", CATS].sum().sum()
    # the headline: China bought 58.9 % of the 2020 goods target (US export data, full coverage)
    assert total["pct_of_annual_target"] == pytest.approx(58.92, abs=0.01)
    assert table["pct_of_ytd_target"].tolist() == pytest.approx(table["pct_of_annual_target"].tolist())


def test_2020_through_july_with_seasonal_target_by_hand(root, by_hand):
    table = tracker_result(Snapshot(root), 2020, "2020-07", proration="seasonal").table.set_index("category")
    for cat in CATS:
        base = by_hand.loc["2017-01":"2017-12", cat]
        share = base.loc["2017-01":"2017-07"].sum() / base.sum()
        target_ytd = share * (base.sum() + INCREMENT_2020[cat])
        assert table.loc[cat, "target_ytd_usd"] == pytest.approx(target_ytd)
        assert table.loc[cat, "purchases_ytd_usd"] == by_hand.loc["2020-01":"2020-07", cat].sum()
        assert table.loc[cat, "pct_of_ytd_target"] == pytest.approx(100 * table.loc[cat, "purchases_ytd_usd"] / target_ytd)
    assert table.loc["covered_total", "target_ytd_usd"] == pytest.approx(table.loc[CATS, "target_ytd_usd"].sum())


def test_2021_beyond_january_uses_one_coverage_for_every_figure(root):
    result = tracker_result(Snapshot(root), 2021)
    table = result.table.set_index("category")
    assert str(result.as_of) == "2021-11"
    assert set(table["coverage"]) == {"annex_6_1_ex_civil_aircraft"}
    assert table.loc["covered_total", "purchases_ytd_usd"] == 100_986_670_042  # published through 2021-11
    assert table.loc["covered_total", "baseline_2017_usd"] == 78_770_493_778
    assert any("every figure here uses annex_6_1_ex_civil_aircraft" in n for n in result.notes)
    assert any(n.startswith("services: increment of $25.1bn") for n in result.notes)


def test_parameters_and_data_limits(root):
    with pytest.raises(ParameterError, match="year must be one of 2020, 2021"):
        tracker_result(Snapshot(root), 2022)
    with pytest.raises(ParameterError, match="as_of must be a month of 2020; got 2021-03"):
        tracker_result(Snapshot(root), 2020, "2021-03")
    with pytest.raises(ParameterError, match="as_of must be a month YYYY-MM; got '2020-7-1'"):
        tracker_result(Snapshot(root), 2020, "2020-7-1")
    with pytest.raises(DataNotAvailableError, match="as_of 2021-12 is outside the data"):
        tracker_result(Snapshot(root), 2021, "2021-12")
    with pytest.raises(DataNotAvailableError, match="annex_6_1 figures run 2013-01 to 2021-01"):
        tracker_result(Snapshot(root), 2021, "2021-05", coverage="annex_6_1")


def test_cli_json_has_exactly_the_columns(run):
    code, out, err = run("tracker", "--year", "2020", "--as-of", "2020-12", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["category"] for r in rows] == ["agriculture", "manufactures", "energy", "covered_total"]
    assert all(list(r) == [*COLUMNS, "vintage", "as_of"] for r in rows)  # the question travels with each row
    assert {(r["vintage"], r["as_of"]) for r in rows} == {("snapshot", "2020-12")}
    assert rows[0]["purchases_ytd_usd"] == 27_335_339_028
    notes = err.splitlines()  # notes go to stderr, so stdout stays valid JSON
    assert notes[0].startswith("note: data: US Census Bureau") and "[vintage: snapshot;" in notes[0]
    assert any("services: increment of $12.8bn" in n for n in notes)


def test_cli_csv_and_table(run):
    code, out, _ = run("tracker", "--year", "2020", "--as-of", "2020-06", "--proration", "annual", "--format", "csv")
    assert code == 0
    frame = pd.read_csv(pd.io.common.StringIO(out))
    assert list(frame.columns) == [*COLUMNS, "vintage", "as_of"]
    assert set(frame["as_of"]) == {"2020-06"} and set(frame["vintage"]) == {"snapshot"}
    assert frame["target_ytd_usd"].isna().all()  # annual proration: no target before year end
    code, out, _ = run("tracker", "--year", "2020", "--as-of", "2020-12")
    assert code == 0
    assert "coverage: all Annex 6.1 goods including civil aircraft" in out and "before the June-2021 annual revision" in out
    assert "Covered total" in out and "58.9" in out
    assert "services: increment of $12.8bn in 2020; no monthly data" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tracker", "--year", "2019"], "tradedeal: error: year must be one of 2020, 2021: the agreement sets no purchase targets for 2019"),
        (["tracker", "--year", "2022"], "the agreement sets no purchase targets for 2022"),
        # the year is checked first, once (agreement.answers), even with a two-year table asked
        (["tracker", "--year", "2022", "--table", "published"], "the agreement sets no purchase targets for 2022"),
        (["tracker", "--year", "2020", "--table", "gaps"], "tradedeal tracker: --table gaps is for the two-year view"),
        (["tracker", "--year", "2021", "--as-of", "2021-12"], "tradedeal: error: as_of 2021-12 is outside the data"),
        (["tracker", "--year", "2020", "--as-of", "2020-13"], "tradedeal: error: as_of must be a month YYYY-MM"),
        (["tracker", "--year", "2020", "--colour"], "unrecognized arguments: --colour"),
        (["tracker", "--year", "2020", "--format", "xml"], "invalid choice: 'xml'"),
        (["tracker", "--year", "twenty"], "invalid year 'twenty'"),
        (["tracker"], "the following arguments are required: --year"),
    ],
)
def test_cli_errors_are_one_line_with_exit_2(run, argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert message in err
    assert err.count("\n") == 1


def test_every_option_has_a_help_line_that_shows_its_default():
    parser = cli_arguments.build_parser()
    seen = 0
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack += list(action.choices.values())
            elif not isinstance(action, argparse._HelpAction):
                seen += 1
                assert action.help, (current.prog, action.dest)
                if action.option_strings and not action.required:
                    assert "default" in action.help, (current.prog, action.dest)
    assert seen >= 25


def test_energy_quantities_are_summed_over_the_months_that_have_them(root):
    from tradedeal.agreement.product import profile

    lng = profile(Snapshot(root), "lng").quantity_table()
    # LNG: no shipments in 2017-01, -04 and -06 (no quantity, value zero): nine months count
    assert lng.loc[2017, "months_with_quantity"] == 9
    assert lng.loc[2017, "qty_M3"] == 4_449_914
    assert lng.loc[2017, "usd_per_M3"] == pytest.approx(423_811_725 / 4_449_914)
    crude = profile(Snapshot(root), "crude_oil").quantity_table()
    assert list(crude.index) == list(range(2013, 2021))  # every complete year, not 2017 only
    assert crude.loc[2017, "months_with_quantity"] == 12
