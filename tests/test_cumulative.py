"""The agreement's two years on one coverage, with the newest revision of each figure, against
the published year-to-date releases (phase1_category_ytd_vintages_2021.csv)."""

from __future__ import annotations

import json

import pytest

from tradedeal import Snapshot
from tradedeal.agreement import answers
from tradedeal.agreement.cumulative import COLUMNS, select_two_years, two_year_tracker
from tradedeal.agreement.tracker import largest_uncovered
from tradedeal.errors import ParameterError
from tradedeal.ingest.descriptions import NO_DESCRIPTION
from tradedeal.present.tables import render


def test_two_years_through_2021_11_on_one_coverage_with_the_revised_2020(root):
    result = two_year_tracker(select_two_years(Snapshot(root)))
    t = result.table.set_index("category")
    assert result.coverage == "annex_6_1_ex_civil_aircraft" and set(t["coverage"]) == {result.coverage}
    total = t.loc["covered_total"]
    assert total["baseline_2017_usd"] == 78_770_493_778
    assert total["purchases_2020_usd"] == 89_130_115_937  # as revised in the release through 2021-05
    assert total["purchases_2021_ytd_usd"] == 100_986_670_042  # published through 2021-11
    assert total["purchases_usd"] == 89_130_115_937 + 100_986_670_042
    assert total["target_two_years_usd"] == pytest.approx(2 * 78_770_493_778 + (32.9 + 12.5 + 18.5 + 44.8 + 19.5 + 33.9) * 1e9)
    assert total["pct_of_two_year_target"] == pytest.approx(59.48, abs=0.01)
    assert t.loc["energy", "purchases_2020_usd"] == 9_811_282_439
    rev = result.revisions.set_index("category")
    assert str(rev.loc["covered_total", "revised_in"]) == "2021-05"
    assert rev.loc["covered_total", "first_published_usd"] == 89_253_530_093
    assert any(n.startswith("revised months: 2020-01 to 2020-12") and "2021-05" in n for n in result.notes)
    assert any("2021-12 is not in the data" in n for n in result.notes)
    years = result.by_year()
    # one coverage for every year: 2020 is 62.6 % as first published, not the 58.9 % of annex_6_1
    assert years.loc["2020 (first published)", "pct_of_target"] == pytest.approx(62.56, abs=0.01)
    assert years.loc["2020 (revised)", "pct_of_target"] == pytest.approx(62.47, abs=0.01)
    assert years.loc["2021 through 2021-11", "pct_of_target_to_date"] == pytest.approx(63.50, abs=0.01)
    assert set(years["coverage"]) == {"annex_6_1_ex_civil_aircraft"}


def test_real_time_two_years_use_only_the_releases_known_then(root):
    early = two_year_tracker(select_two_years(Snapshot(root), "2021-04"))
    assert early.revisions.empty
    assert early.table.set_index("category").loc["covered_total", "purchases_2020_usd"] == 89_253_530_093
    hs6 = two_year_tracker(select_two_years(Snapshot(root), "2021-01"))
    assert hs6.coverage == "annex_6_1"  # both years have HS6 data through 2021-01
    assert hs6.table.set_index("category").loc["covered_total", "purchases_2020_usd"] == pytest.approx(93.65e9, abs=0.005e9)


def test_headline_puts_years_on_one_coverage(root):
    snap = Snapshot(root)
    result = answers.tracker_result(snap, 2020, "2020-12")
    sentences = answers.headline_sentences(result, answers.side_by_side(snap), answers.energy_split(result.window))
    assert sentences[0] == ("Through 2020-12 China bought $93.7bn of covered US goods (all Annex 6.1 goods including "
                            "civil aircraft), 58.9 % of the 2020 target")
    assert "Annex 6.1 goods without civil aircraft" in sentences[1] and "2020 reached 62.6 %" in sentences[1]
    assert "63.5 % of the target to date" in sentences[1]
    assert sentences[2].startswith("At 2017 unit values energy in 2020 reached")
    with pytest.raises(ParameterError, match="year must be one of 2020, 2021 or 2020-2021; got '2019-2020'"):
        answers.tracker_result(snap, "2019-2020")


def test_cli_two_years(run):
    code, out, err = run("tracker", "--year", "2020-2021", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [list(r) for r in rows] == [[*COLUMNS, "vintage", "as_of"]] * 4
    assert rows[-1]["purchases_usd"] == 190_116_785_979  # 89,130,115,937 + 100,986,670,042
    assert "revised months: 2020-01 to 2020-12" in err
    code, out, _ = run("tracker", "--year", "2020-2021")
    assert code == 0 and "purchases_bn" in out and "190.12" in out and "59.5" in out


def test_units_bn_by_default_usd_on_request(run):
    _, bn, _ = run("tracker", "--year", "2020", "--as-of", "2020-12")
    _, usd, _ = run("tracker", "--year", "2020", "--as-of", "2020-12", "--units", "usd")
    assert "purchases_ytd_bn" in bn and "27.34" in bn and "27,335,339,028" not in bn
    assert "purchases_ytd_usd" in usd and "27,335,339,028" in usd
    _, csv_text, _ = run("tracker", "--year", "2020", "--as-of", "2020-12", "--format", "csv", "--units", "bn")
    assert "purchases_ytd_usd" in csv_text and "27335339028" in csv_text  # csv keeps raw USD
    code, _, err = run("tracker", "--year", "2020", "--units", "eur")
    assert code == 2 and "invalid choice: 'eur'" in err
    with pytest.raises(ValueError, match="units must be one of bn, usd"):
        render(rows_frame(), "table", units="eur")


def rows_frame():
    import pandas as pd

    return pd.DataFrame({"value_usd": [1.5e9]})


def test_cli_prices_2017(run):
    code, out, err = run("tracker", "--year", "2020", "--prices", "2017", "--format", "json")
    assert code == 0, err
    crude = next(r for r in json.loads(out) if r["subcategory"] == "Crude oil")
    assert round(crude["purchases_ytd_at_2017_prices_usd"] / 1e9, 2) == 9.60
    assert "no quantities in this data" in err
    code, _, err = run("tracker", "--year", "2020-2021", "--prices", "2017")
    assert code == 2 and "prices 2017 is for one year" in err


def test_uncovered_products_are_described_from_the_shipped_sources(root):
    snap = Snapshot(root)
    table = largest_uncovered(snap, 2017, coverage="annex_6_1_ex_civil_aircraft", n=20)
    described = table.set_index("hs6")["description"]
    assert described["880000"].startswith("Civilian aircraft, engines")  # the Annex 6.1 line
    assert described["740400"] == "copper waste and scrap"  # docs/coverage.md's reconciliation
    assert (described != "").all()
    wider = largest_uncovered(snap, 2017, coverage="annex_6_1", n=200)
    assert NO_DESCRIPTION in set(wider["description"])  # said, never left empty
    assert snap.hs6_descriptions()["120190"] == "Soybeans, whether or not broken (heading 1201)"


def test_census_descriptions_come_first_and_unknown_codes_stay_unknown(root):
    """A constructed Census series (the shipped snapshot has none), over the shipped Annex text."""
    import pandas as pd

    from conftest import REPO
    from tradedeal.ingest.descriptions import describe

    census = pd.Series({"120190": "SOYBEANS, WHETHER OR NOT BROKEN, OTHER THAN SEED"})
    got = describe(["120190", "271111", "740400", "999999"], census, Snapshot(root).concordance(),
                   REPO / "docs" / "coverage.md")
    assert got["120190"] == census["120190"]
    assert got["271111"] == "Liquefied natural gas"  # the Annex 6.1 energy line itself, no heading mark
    assert got["740400"] == "copper waste and scrap"
    assert "999999" not in got.index


def test_headlines_of_2021_and_of_both_years(root):
    snap = Snapshot(root)
    result = answers.tracker_result(snap, 2021, "2021-06")
    sentences = answers.headline_sentences(result, answers.side_by_side(snap), answers.energy_split(result.window))
    assert sentences == [
        "Through 2021-06 China bought $51.5bn of covered US goods (Annex 6.1 goods without civil aircraft; published "
        "final tallies include them), 29.1 % of the 2021 target and 64.7 % of the target to date (seasonal proration)",
        "Over both years, 2020-01 to 2021-06 China bought $140.6bn of covered US goods "
        "(Annex 6.1 goods without civil aircraft; published final tallies include them), 44.0 % of the two-year "
        "target of $319.6bn",
    ]
    both = answers.tracker_result(snap, "2020-2021")
    assert answers.headline_sentences(both)[1] == ("The figures end in 2021-11, 23 of the 24 months: against the "
                                                   "target to that month (seasonal proration) the share is 63.0 %")
