"""One release per report: a table whose figures come from an older release than the report's
newest names it in each row; an observed part of a year is labelled with its months. Expected
values read from the shipped release file by hand."""

from __future__ import annotations

import csv

import pytest

from conftest import RAW
from tradedeal import Snapshot
from tradedeal.agreement import answers
from tradedeal.agreement.tracker import HS6_RELEASE, annual_by_release
from tradedeal.present import labels, tracker_plots


def release(through: str) -> dict[str, dict[str, int]]:
    with open(RAW / "census" / "phase1_category_ytd_vintages_2021.csv", newline="") as fh:
        return {r["category"]: {k: int(v) for k, v in r.items() if k.startswith("value_")}
                for r in csv.DictReader(fh) if r["data_through"] == through}


def test_annual_table_names_the_release_of_each_row(root):
    two = answers.tracker_result(Snapshot(root), "2020-2021")
    table = annual_by_release(two.window)
    newest = release("2021-11")
    assert table.loc["2020 revised", "covered_total_usd"] == newest["covered_total"]["value_2020"]
    assert table.loc["2020 revised", "not_covered_usd"] == newest["not_covered"]["value_2020"]
    assert table.loc["2021 through 2021-11", "energy_usd"] == newest["energy"]["value_2021_ytd"]
    assert table["not_covered_usd"].isna()["2021 through 2021-11"]  # the releases give no year to date of it
    assert set(table.loc["2020 revised":, "release"]) == {"release with data through 2021-11"}
    assert (table.loc[:"2020", "release"] == HS6_RELEASE).all()
    assert table.loc["2020", "covered_total_usd"] == pytest.approx(release("2021-01")["covered_total"]["value_2020"],
                                                                 abs=1e6)
    one = answers.tracker_result(Snapshot(root), 2020)  # its as-of, 2020-12, comes before every release
    assert list(annual_by_release(one.window).index)[-1] == "2020"


def test_energy_of_a_later_report_names_its_release(root):
    two = answers.tracker_result(Snapshot(root), "2020-2021")
    energy = answers.energy_split(two.window)
    assert energy.year == 2020 and set(energy.rows()["release"]) == {HS6_RELEASE}
    assert any("the other tables count the newest release known at 2021-11" in n for n in energy.notes)
    same = answers.energy_split(answers.tracker_result(Snapshot(root), 2020).window)
    assert "release" not in same.rows()  # a 2020 report's newest data are the HS6 lines themselves


def test_charts_of_both_years_say_which_months_they_draw(root):
    two = answers.tracker_result(Snapshot(root), "2020-2021")
    note = tracker_plots.months_note(two)
    assert note.startswith(f"Months drawn: 2020-01 to 2021-01: {HS6_RELEASE}")
    assert "2021-02 to 2021-11: differences of the published year-to-date releases" in note
    assert "the tables count the revised $89.13bn" in note
    paths = two.target_paths()["seasonal"]
    table = two.table.set_index("category")
    assert paths.loc["2021-12", "covered_total"] == pytest.approx(table.loc["covered_total", "target_two_years_usd"])
    assert paths.loc["2021-11", "covered_total"] == pytest.approx(table.loc["covered_total", "target_to_date_usd"])
    assert paths.loc["2020-12", "energy"] == pytest.approx(7_649_222_398 + 18.5e9)
    fig, alt = tracker_plots.cumulative(two, proration="seasonal")
    assert [ax.get_title() for ax in fig.axes] == ["Agriculture, 2020-2021", "Manufactures, 2020-2021",
                                                  "Energy, 2020-2021"]
    assert alt.startswith("Cumulative purchases from 2020-01 through 2021-11")
    fig, alt = tracker_plots.monthly(two)
    assert [ax.get_title() for ax in fig.axes] == ["Covered goods, 2020 against 2017 ($bn per month)",
                                                  "Covered goods, 2021 against 2017 ($bn per month)"]


@pytest.mark.parametrize(("through", "field", "label"), [
    ("2021-11", "observed_jan_nov_usd", "Observed, January-November ($bn)"),
    ("2021-01", "observed_jan_usd", "Observed, January ($bn)"),
    ("2020-12", "observed_total_usd", "Observed year total ($bn)"),
])
def test_an_observed_part_of_a_year_is_labelled_with_its_months(through, field, label):
    assert labels.observed_field(through) == field
    assert labels.label(field) == label and labels.kind(field) == "usd"
