"""The two-year answer beside the published tallies, and the gaps in $bn: every figure checked
against the shipped raw files, read here with the standard library (not the package's loaders)."""

from __future__ import annotations

import csv
import gzip
import json

import pytest

from conftest import RAW
from tradedeal import Snapshot
from tradedeal.agreement import answers
from tradedeal.agreement.published import compare

INCREMENTS_BOTH = (32.9 + 12.5 + 18.5 + 44.8 + 19.5 + 33.9) * 1e9
INCREMENT_2020 = (32.9 + 12.5 + 18.5) * 1e9


def release(through: str, category: str = "covered_total") -> dict[str, int]:
    """One row of the shipped release file, by the month its data run through."""
    with open(RAW / "census" / "phase1_category_ytd_vintages_2021.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["data_through"] == through and row["category"] == category:
                return {k: int(v) for k, v in row.items() if k.startswith("value_")}
    raise KeyError(through)


def census_code(year: int, code: str, months: tuple[str, ...] | None = None) -> int:
    """The sum of one Census code's monthly values in the shipped API response of ``year``."""
    with gzip.open(RAW / "census" / f"exports_hs6_cty5700_{year}.json.gz", "rt") as fh:
        rows = json.load(fh)[1:]
    return sum(int(r[1]) for r in rows if r[0] == code and (months is None or r[6] in months))


def census_all(year: int) -> int:
    with gzip.open(RAW / "census" / f"exports_hs6_cty5700_{year}.json.gz", "rt") as fh:
        return sum(int(r[1]) for r in json.load(fh)[1:])


def fred(months: tuple[str, ...]) -> float:
    with open(RAW / "fred" / "EXPCH.csv", newline="") as fh:
        return sum(float(r["EXPCH"]) * 1e6 for r in csv.DictReader(fh) if r["observation_date"][:7] in months)


@pytest.fixture(scope="module")
def published(root):
    return compare(answers.tracker_result(Snapshot(root), "2020-2021"))


def test_the_answer_is_the_newest_release_and_says_so(published):
    newest, first = release("2021-11"), release("2021-01")
    table = published.table
    target = 2 * newest["value_2017"] + INCREMENTS_BOTH
    answer, tracker = table.iloc[0], table.iloc[1]
    assert answer["purchases_usd"] == tracker["purchases_usd"] == newest["value_2020"] + newest["value_2021_ytd"]
    assert tracker["target_usd"] == pytest.approx(target)
    assert tracker["pct_of_target"] == pytest.approx(100 * (89_130_115_937 + 100_986_670_042) / target)
    assert tracker["months_counted"] == answer["months_counted"] == 23
    assert tracker["differs_because"].startswith("no gap")
    assert answer["coverage"] == "Annex 6.1 goods without civil aircraft"
    by_period = table[table["tally"] == "Published tracker"].set_index("release")
    first_2020 = by_period.loc["release with data through 2021-01 (first published)"]
    assert first_2020["purchases_usd"] == first["value_2020"] == 89_253_530_093
    assert first_2020["pct_of_target"] == pytest.approx(100 * 89_253_530_093 / (78_770_493_778 + INCREMENT_2020))
    assert by_period.loc["release with data through 2021-11 (revised)", "purchases_usd"] == newest["value_2020"]
    ytd = table[table["period"] == "2021 through 2021-11"].iloc[0]
    assert ytd["months_counted"] == 11 and ytd["differs_because"] == "2021-12 is not in the data"
    assert ytd["pct_of_target"] == pytest.approx(100 * 100_986_670_042 / (78_770_493_778 + 98.2e9))


def test_civil_aircraft_gap_from_the_census_code(published):
    a2017, a2020 = census_code(2017, "880000"), census_code(2020, "880000")
    a2021 = census_code(2021, "880000", ("2021-01",))
    gaps = published.gaps.set_index("figure")["amount_usd"]
    assert gaps["2017 exports, in the baseline of each year's target"] == pytest.approx(a2017, abs=1)
    assert gaps["2020 exports (HS6 lines, before the June-2021 annual revision)"] == pytest.approx(a2020, abs=1)
    assert gaps["2021 exports, January (HS6 lines)"] == pytest.approx(a2021, abs=1)
    assert gaps.isna()["exports 2021-02 to 2021-12"]  # not in the data: blank, never zero
    full = published.table.set_index("tally").loc["This package, HS6 lines"]
    # 2020 on all Annex 6.1 goods: the first release's 2020 (the same HS6 lines, without civil aircraft) plus it
    assert full["target_usd"] == pytest.approx(78_770_493_778 + a2017 + INCREMENT_2020, abs=1)
    assert full["purchases_usd"] == pytest.approx(89_253_530_093 + a2020, abs=1e6)
    assert full["pct_of_target"] == pytest.approx(100 * (89_253_530_093 + a2020) / full["target_usd"], abs=0.001)
    floor = 100 * (89_130_115_937 + 100_986_670_042 + a2020 + a2021) / (2 * (78_770_493_778 + a2017) + INCREMENTS_BOTH)
    row = published.table.set_index("tally").loc["All Annex 6.1 goods, 24 months"]
    assert f"at least {floor:.1f} %" in row["differs_because"] and f"{floor:.1f}" == "55.3"
    assert row[["purchases_usd", "target_usd", "pct_of_target"]].isna().all()
    elsewhere = published.table.set_index("tally").loc["Final tallies published elsewhere"]
    assert elsewhere[["purchases_usd", "pct_of_target"]].isna().all() and "China's imports" in elsewhere["basis"]
    assert "not in the shipped data" in elsewhere["differs_because"]


def test_december_and_revisions_in_dollars(published):
    gaps = published.gaps.set_index("figure")
    december = fred(("2021-12",))
    bound = gaps.loc["all US goods exports to China, 2021-12 (FRED series EXPCH)"]
    assert bound["amount_usd"] == pytest.approx(december)
    purchases, target = 89_130_115_937 + 100_986_670_042, 2 * 78_770_493_778 + INCREMENTS_BOTH
    assert f"at most {100 * (purchases + december) / target:.1f} %" in bound["effect"]
    assert gaps.loc["covered purchases, 2021-12", "amount_usd"] != gaps.loc["covered purchases, 2021-12", "amount_usd"]
    revised = gaps.loc["2020 covered total: first published to revised (release through 2021-05)", "amount_usd"]
    assert revised == 89_130_115_937 - 89_253_530_093
    energy = gaps.loc["2020 energy: first published to revised (release through 2021-05)", "amount_usd"]
    assert energy == release("2021-05", "energy")["value_2020"] - release("2021-01", "energy")["value_2020"]
    basis = gaps.loc[[f for f in gaps.index if f.startswith("2017: all HS6 lines")][0], "amount_usd"]
    assert basis == pytest.approx(census_all(2017) - fred(tuple(f"2017-{m:02d}" for m in range(1, 13))), abs=1e3)


def test_headline_says_the_coverage_in_words_and_why_it_differs(root, published):
    sentences = answers.headline_sentences(published.answer, published=published)
    assert len(sentences) == 3
    assert "(Annex 6.1 goods without civil aircraft; published final tallies include them)" in sentences[0]
    assert "annex_6_1" not in " ".join(sentences)
    assert sentences[2] == ("Published final tallies count civil aircraft and all 24 months; civil aircraft fell from "
                            "$16.26bn in 2017 to $4.40bn in 2020, so counting them 2020 reached 58.9 % of its target, "
                            "not 62.6 %, and 2021-12 is not in the data")


def test_real_time_comparison_uses_the_releases_known_then(root):
    early = compare(answers.tracker_result(Snapshot(root), "2020-2021", "2021-04"))
    assert not early.table["release"].str.contains("revised").any()  # the revision came out with 2021-05
    row = early.table[early.table["period"] == "2021 through 2021-04"].iloc[0]
    assert row["purchases_usd"] == release("2021-04")["value_2021_ytd"]
    assert row["differs_because"] == "2021-05 to 2021-12 are not counted (after the as-of month)"
    hs6 = compare(answers.tracker_result(Snapshot(root), "2020-2021", "2021-01"))
    assert hs6.answer.coverage == "annex_6_1" and hs6.sentence() is None
    assert hs6.table.iloc[1]["differs_because"] == "leaves civil aircraft out, which this package's answer counts"


def test_cli_prints_the_comparison_and_the_gaps(run):
    code, out, err = run("tracker", "--year", "2020-2021")
    assert code == 0, err
    assert "beside the published tallies" in out and "Why the figures differ" in out
    assert "Civil aircraft, 2017 exports, in the baseline of each year's target: 16.26" in out
    code, out, err = run("tracker", "--year", "2020-2021", "--table", "gaps", "--format", "json")
    assert code == 0 and json.loads(out)[0]["reason"] == "Civil aircraft"
    code, _, err = run("tracker", "--year", "2020", "--table", "published")
    assert code == 2 and "--table published is for the two-year view" in err


def test_a_year_answered_through_january_says_why(run, root):
    code, out, err = run("tracker", "--year", "2021", "--coverage", "annex_6_1")
    assert code == 0, err
    assert out.startswith("Phase One purchases, 2021, through 2021-01, January only: the figures end there (")
    assert ("note: 2021 is counted through 2021-01 only (January only): the figures for all Annex 6.1 goods including "
            "civil aircraft end in 2021-01; those for Annex 6.1 goods without civil aircraft run to 2021-11") in out
    result = answers.tracker_result(Snapshot(root), 2021, coverage="annex_6_1")
    assert answers.tracker_sentence(result).startswith("Through 2021-01 (January only: the figures end there) China")
    asked = answers.tracker_result(Snapshot(root), 2021, "2021-01", coverage="annex_6_1")
    assert not any("is counted through" in n for n in asked.window.notes)  # a month asked for is no surprise
