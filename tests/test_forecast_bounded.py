"""The fourth round's candidate (docs/forecasts.md, "Fourth round"), off by default: the models and
both calibrations on the odds of the record's bound, ``y / (U − y)``, so that no month goes
beyond ``U``.

Expected values are read off the shipped snapshot by another route (named months) or computed by
hand from planted inputs (named ``planted_``, not real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradedeal import Snapshot
from tradedeal.errors import ParameterError
from tradedeal.ingest.concordance import AGGREGATE_COVERAGE
from tradedeal.models.forecast.bounded import from_odds, judged_on_scale, record_bound, to_odds
from tradedeal.models.forecast.calibration import stretch_persistent
from tradedeal.models.forecast.monthly import fit
from tradedeal.models.forecast.rolling import backtest_categories, run_backtest


@pytest.fixture(scope="module")
def monthly(root) -> pd.DataFrame:
    return Snapshot(root).exports_by_category(AGGREGATE_COVERAGE)


def test_the_bound_is_one_and_a_half_records_or_the_largest_jump_on_record(monthly):
    agriculture, energy = monthly["agriculture"], monthly["energy"]
    # agriculture's largest month to 2021-06 is 2020-11 ($4.97bn); no month ever jumped 1.5 ×
    assert agriculture.loc[:"2021-06"].idxmax() == pd.Period("2020-11", "M")
    assert record_bound(agriculture.loc[:"2021-06"]) == pytest.approx(1.5 * agriculture[pd.Period("2020-11", "M")])
    # energy: 2017-02 was 1.82 × every month before it, so from then on the bound is that multiple
    february = energy[pd.Period("2017-02", "M")]
    jump = february / energy.loc[:"2017-01"].max()
    assert jump == pytest.approx(1.82, abs=0.005)
    assert record_bound(energy.loc[:"2017-02"]) == pytest.approx(jump * february)
    assert record_bound(energy.loc[:"2017-01"]) == pytest.approx(1.5 * energy.loc[:"2017-01"].max())


def test_odds_map_back_and_an_outcome_beyond_the_bound_is_a_large_error_not_a_lost_one():
    planted_months = np.array([1.0, 5.0, 9.0])  # not real data
    np.testing.assert_allclose(to_odds(planted_months, 10.0), [1 / 9, 1.0, 9.0])
    np.testing.assert_allclose(from_odds(to_odds(planted_months, 10.0), 10.0), planted_months, rtol=1e-15)
    assert from_odds(np.inf, 10.0) == 10.0 and from_odds(0.0, 10.0) == 0.0
    odds = judged_on_scale(np.array([12.0, np.nan]), 10.0)
    assert odds[0] == pytest.approx((1 - 1e-6) / 1e-6) and np.isnan(odds[1])


@pytest.mark.parametrize("model", ["snaive", "ets", "sarimax", "uc", "ratio"])
def test_every_model_on_the_bounded_scale_stays_below_the_bound(monthly, model):
    agriculture = monthly["agriculture"]
    bound = record_bound(agriculture.loc[:"2021-06"])
    f = fit(agriculture, model, as_of="2021-06", bound=bound)
    assert f.bound == bound
    fc = f.forecast(12)
    paths = f.simulate(12, repetitions=500, seed=1).to_numpy()
    assert (fc["upper"] < bound).all() and (fc["lower"] < fc["mean"]).all() and (fc["mean"] < fc["upper"]).all()
    assert paths.max() < bound and paths.min() > 0
    # on logs the same model's October 2021 upper bound lies beyond the bound
    assert fit(agriculture, model, as_of="2021-06").forecast(12)["upper"].max() > fc["upper"].max()
    later = f.extend(agriculture, pd.Period("2021-08", "M"))
    assert later.bound == bound and later.as_of == pd.Period("2021-08", "M")
    assert later.simulate(4, repetitions=200).to_numpy().max() < bound


def test_the_seasonal_naive_on_odds_still_forecasts_the_month_a_year_earlier(monthly):
    agriculture = monthly["agriculture"]
    bound = record_bound(agriculture.loc[:"2021-06"])
    fc = fit(agriculture, "snaive", as_of="2021-06", bound=bound).forecast(6)
    np.testing.assert_allclose(fc["mean"].to_numpy(), agriculture.loc["2020-07":"2020-12"].to_numpy(), rtol=1e-12)


def test_interventions_are_dated_on_the_usd_series_not_the_odds(monthly, monkeypatch):
    import tradedeal.models.forecast.statespace as statespace

    covered = monthly["covered_total"]
    bound = record_bound(covered.loc[:"2021-03"])
    seen = []
    real = statespace.events
    monkeypatch.setattr(statespace, "events", lambda s, rule: seen.append(s) or real(s, rule=rule))
    on_odds = fit(covered, "sarimax", as_of="2021-03", bound=bound)
    on_odds.extend(covered, pd.Period("2021-05", "M"))
    assert len(seen) == 2
    pd.testing.assert_series_equal(seen[0], covered.loc[:"2021-03"], check_names=False, rtol=1e-12)
    pd.testing.assert_series_equal(seen[1], covered.loc[:"2021-05"], check_names=False, rtol=1e-12)
    assert on_odds.params["interventions"] == fit(covered, "sarimax", as_of="2021-03").params["interventions"]


def test_a_bound_below_a_month_of_the_data_is_refused(monthly):
    with pytest.raises(ParameterError, match="bound must be above every month of the series"):
        fit(monthly["agriculture"], "snaive", as_of="2021-06", bound=4.0e9)


def planted_paths() -> np.ndarray:
    """Not real data: 3 months × 9 paths below a bound of 10, a common level per path."""
    level = np.array([0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0])
    return np.array([1.0, 1.2, 0.9])[:, None] * level[None, :]


def test_the_bounded_year_stretch_keeps_the_median_and_reaches_the_factor_below_the_bound():
    months = planted_paths()
    rest = months.sum(axis=0)
    out = stretch_persistent(months, 1.5, bound=10.0)
    assert out.max() < 10.0 and out.min() > 0
    assert np.median(out.sum(axis=0)) == pytest.approx(np.median(rest), rel=1e-9)
    spread = np.subtract(*np.quantile(np.log(out.sum(axis=0)), [0.9, 0.1]))
    assert spread == pytest.approx(1.5 * np.subtract(*np.quantile(np.log(rest), [0.9, 0.1])), rel=1e-6)
    # on logs the same stretch puts the widest path's second month beyond the bound
    assert stretch_persistent(months, 1.5).max() > 10.0


def test_a_bounded_backtest_moves_its_bound_with_a_new_record_and_no_month_goes_beyond_it(monthly):
    agriculture = monthly["agriculture"]
    bt = run_backtest(agriculture, models=("snaive",), start="2020-08", end="2020-12", projection_years=(2020,),
                      repetitions=200, scale="bounded")
    assert set(bt.bounds) == set(pd.period_range("2020-08", "2020-12", freq="M"))
    # 2020-10 and 2020-11 set new records (4.84 and 4.97 $bn): the bound moves with them
    assert bt.bounds[pd.Period("2020-09", "M")] == pytest.approx(1.5 * agriculture[pd.Period("2013-11", "M")])
    assert bt.bounds[pd.Period("2020-11", "M")] == pytest.approx(1.5 * agriculture[pd.Period("2020-11", "M")])
    f = bt.forecasts
    assert (f["upper"] < f["origin"].map(bt.bounds)).all()
    assert (bt.record["above_record_pct"] == 0).all()
    ytd = bt.record[bt.record["model"] == "snaive"].set_index("as_of")["observed_ytd_usd"]
    for (model, origin), totals in bt.paths.items():  # every month left below the bound
        assert origin.month == 12 or totals.max() < ytd[origin] + bt.bounds[origin] * (12 - origin.month)
    with pytest.raises(ParameterError, match="scale must be one of log, bounded; got 'logit'"):
        run_backtest(agriculture, models=("snaive",), end="2016-03", scale="logit")


def test_the_covered_totals_bound_is_the_sum_of_its_categories(monthly):
    r = backtest_categories(monthly, models=("snaive",), start="2021-08", end="2021-10", projection_years=(2021,),
                            repetitions=100, scale="bounded")
    origin = pd.Period("2021-09", "M")
    expected = sum(record_bound(monthly[c].loc[:origin]) for c in ("agriculture", "manufactures", "energy"))
    assert r["covered_total"].bounds[origin] == pytest.approx(expected)
    assert (r["covered_total"].record["above_record_pct"] >= 0).all()
