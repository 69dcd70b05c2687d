"""The third round's candidates (docs/forecasts.md, "Third round"), both off by default: ``ets``
without a trend, and year paths stretched per horizon by the monthly calibration's factors.

Expected values are computed by hand from planted inputs (named ``planted_``, not real data) or
read off the shipped snapshot's fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradedeal import Snapshot
from tradedeal.errors import ParameterError
from tradedeal.models.forecast.calibration import Z80, Calibration, calibrate_year, stretch_months
from tradedeal.models.forecast.monthly import fit
from tradedeal.models.forecast.rolling import run_backtest


@pytest.fixture(scope="module")
def covered(root) -> pd.Series:
    return Snapshot(root).series("covered_total")


def planted_months() -> np.ndarray:
    """Not real data: 3 months × 5 paths, each month's values 1, 2, 4, 8, 16 times a seasonal 1, 2, 3."""
    return np.array([1.0, 2.0, 3.0])[:, None] * np.array([1.0, 2.0, 4.0, 8.0, 16.0])[None, :]


def test_each_month_is_stretched_on_logs_around_its_own_median():
    months = planted_months()
    out = stretch_months(months, [2.0, 1.0, 0.5])
    # month 1: median 4, log2 distances -2..2 doubled; month 2 unchanged; month 3: median 12, halved
    np.testing.assert_allclose(out[0], [0.25, 1.0, 4.0, 16.0, 64.0], rtol=1e-12)
    np.testing.assert_allclose(out[1], months[1], rtol=1e-12)
    np.testing.assert_allclose(out[2], [6.0, 12 / 2**0.5, 12.0, 12 * 2**0.5, 24.0], rtol=1e-12)


def test_the_year_calibration_by_horizon_sums_the_stretched_months_and_skips_the_year_stretch():
    # a year calibration that would widen (errors of ±0.3 against spreads of 0.1 in three Decembers)
    cal = Calibration(1, Z80)
    for year in (2016, 2017, 2018):
        cal.record(pd.Period(f"{year}-12", "M"), 1, 0.3, 0.1)
        cal.record(pd.Period(f"{year}-12", "M"), 1, -0.3, 0.1)
    months, ytd = planted_months(), 10.0
    raw = ytd + months.sum(axis=0)
    info = {"as_of": pd.Period("2019-09", "M"), "year": 2019, "through": pd.Period("2019-11", "M"),
            "observed_ytd_usd": ytd, "observed_total_usd": np.nan}
    factors = np.array([2.0, 1.0, 0.5, 7.0])  # horizons 1-4; three months are left
    row, totals, judged = calibrate_year(info, raw, cal, largest=48.0, months=months, record=32.0,
                                         month_factors=factors)
    stretched = stretch_months(months, factors[:3])
    np.testing.assert_allclose(totals, ytd + stretched.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(judged, ytd + stretched[:2].sum(axis=0), rtol=1e-12)  # through 2019-11
    assert row["calibration"] == pytest.approx(3.5 / 3)  # the mean of the factors used
    # bound 48: only month 1's 64 is above, 1 of 15 months
    assert row["above_record_pct"] == pytest.approx(100 / 15)
    # by the remainder (the default) the same paths are widened by the year calibration instead
    default, _, _ = calibrate_year(info, raw, cal, largest=48.0, months=months, record=32.0)
    spread = np.subtract(*np.quantile(np.log(raw - ytd), [0.9, 0.1])) / (2 * Z80)
    missing = np.sqrt((0.3 / Z80) ** 2 - 0.1**2)
    assert default["calibration"] == pytest.approx(np.sqrt(1 + missing**2 / spread**2), rel=1e-9)
    assert default["calibration"] > 1.0


def test_ets_without_a_trend_has_no_trend_parameters_and_keeps_it_when_extended(covered):
    damped = fit(covered, "ets", as_of="2019-06")
    none = fit(covered, "ets", as_of="2019-06", ets_trend="none")
    assert {"smoothing_trend", "damping_trend"} <= set(damped.params["params"])
    assert not {"smoothing_trend", "damping_trend"} & set(none.params["params"])
    assert none.params["ets_trend"] == "none" and damped.params["ets_trend"] == "damped"
    later = none.extend(covered, pd.Period("2019-09", "M"))
    assert later.params["ets_trend"] == "none" and later.as_of == pd.Period("2019-09", "M")
    # a forecast with a spread, and not the damped-trend model's
    fc = later.forecast(3)
    assert (fc["lower"] < fc["mean"]).all() and (fc["mean"] < fc["upper"]).all()
    assert not fc["mean"].equals(damped.extend(covered, pd.Period("2019-09", "M")).forecast(3)["mean"])
    with pytest.raises(ParameterError, match="ets_trend must be one of damped, none; got 'linear'"):
        fit(covered, "ets", ets_trend="linear")


def test_a_backtest_by_horizon_stretches_the_year_paths_by_the_monthly_factors(covered):
    bt = run_backtest(covered, models=("snaive",), start="2016-01", end="2019-10", projection_years=(2019,),
                      repetitions=200, year_stretch="horizon")
    origin = pd.Period("2019-06", "M")
    f = bt.forecasts[(bt.forecasts["model"] == "snaive") & (bt.forecasts["origin"] == origin)]
    factors = bt.month_factors[("snaive", origin)]
    np.testing.assert_allclose(factors, f.sort_values("horizon")["calibration"].to_numpy())
    assert factors[:6].max() > 1.0  # the monthly calibration has learned by 2019-06: the stretch is not 1
    row = bt.record[(bt.record["model"] == "snaive") & (bt.record["as_of"] == origin)].iloc[0]
    assert row["calibration"] == pytest.approx(factors[:6].mean())  # six months left to December
    with pytest.raises(ParameterError, match="year_stretch must be one of remainder, horizon; got 'total'"):
        run_backtest(covered, models=("snaive",), end="2016-03", year_stretch="total")
