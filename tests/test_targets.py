"""Targets: 2017 baseline plus the agreement's increments, and the three prorations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradedeal import Snapshot
from tradedeal.agreement import targets
from tradedeal.errors import ParameterError


@pytest.fixture(scope="module")
def monthly(root) -> pd.DataFrame:
    return Snapshot(root).exports_by_category("annex_6_1_ex_civil_aircraft")


def test_targets_are_baseline_plus_increments(monthly):
    got = targets.annual_targets(monthly, 2020)
    assert got["agriculture"] == 20_969_792_856 + 12.5e9
    assert got["manufactures"] == 50_151_478_524 + 32.9e9
    assert got["energy"] == 7_649_222_398 + 18.5e9
    assert got["covered_total"] == 78_770_493_778 + 63.9e9
    t21 = targets.annual_targets(monthly, 2021)
    assert t21["covered_total"] - targets.baseline(monthly)["covered_total"] == pytest.approx(98.2e9)
    # the published tracker's 2020 goals (Dec-2020 release) are the same numbers
    assert targets.INCREMENTS_USD[2020]["services"] + targets.increments(2020)["covered_total"] == pytest.approx(76.7e9)
    assert targets.INCREMENTS_USD[2021]["services"] + targets.increments(2021)["covered_total"] == pytest.approx(123.3e9)


def test_prorations(monthly):
    annual = targets.annual_targets(monthly, 2020)
    seasonal = targets.target_path(monthly, 2020, proration="seasonal")
    flat = targets.target_path(monthly, 2020, proration="flat")
    year_end = targets.target_path(monthly, 2020, proration="annual")
    for path in (seasonal, flat, year_end):
        assert path.loc["2020-12"].to_dict() == pytest.approx(annual.to_dict())
    assert flat.loc["2020-03", "energy"] == pytest.approx(annual["energy"] * 3 / 12)
    assert year_end.loc[:"2020-11"].isna().all().all()
    jan_2017 = monthly.loc["2017-01", "agriculture"]
    assert seasonal.loc["2020-01", "agriculture"] == pytest.approx(annual["agriculture"] * jan_2017 / 20_969_792_856)
    assert np.all(np.diff(seasonal["covered_total"].to_numpy()) > 0)
    assert seasonal["covered_total"].to_numpy() == pytest.approx(seasonal[["agriculture", "manufactures", "energy"]].sum(axis=1).to_numpy())


def test_parameter_errors(monthly):
    with pytest.raises(ParameterError, match="proration must be one of annual, flat, seasonal; got 'monthly'"):
        targets.target_path(monthly, 2020, proration="monthly")
    with pytest.raises(ParameterError, match="year must be one of 2020, 2021: the agreement sets no purchase targets for 2019"):
        targets.annual_targets(monthly, 2019)


def test_tracker_years_are_the_two_agreement_years_or_both():
    from tradedeal.agreement.targets import TWO_YEARS, check_tracker_year

    assert check_tracker_year("2020-2021") == TWO_YEARS == "2020-2021"
    assert check_tracker_year("2021") == 2021 and check_tracker_year(2020) == 2020
    with pytest.raises(ParameterError, match="year must be one of 2020, 2021: the agreement sets no purchase targets for 2022"):
        check_tracker_year(2022)
    with pytest.raises(ParameterError, match="year must be one of 2020, 2021 or 2020-2021; got '2020-21'"):
        check_tracker_year("2020-21")


def test_the_tracker_notebook_takes_both_years_and_no_other_notebook_does():
    from tradedeal.present import parameters

    assert parameters.check_parameters("01_tracker", year="2020-2021") == {"year": "2020-2021"}
    with pytest.raises(ParameterError, match="04_product: year 2020-2021 is for 01_tracker only"):
        parameters.check_parameters("04_product", year="2020-2021")
    window = parameters.resolve("01_tracker", {"year": "2020-2021", "as_of": None, "coverage": None, "vintage": None})
    assert (str(window.as_of), window.coverage) == ("2021-11", "annex_6_1_ex_civil_aircraft")
