"""The checks beside the year-end odds: what reaching a target needs against the record, the
share of simulated months beyond the record, and the reliability table's counts.

Expected values are computed by hand from planted inputs (named ``planted_``) or from the raw
figures quoted in issue 27 (a referee's, computed apart from this code)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradedeal import Snapshot
from tradedeal.agreement.targets import annual_targets
from tradedeal.errors import ParameterError
from tradedeal.models.forecast.reach import reach, reach_table
from tradedeal.models.forecast.reliability import reliability_table
from tradedeal.models.forecast.calibration import Z80, Calibration, calibrate_year, stretch_persistent
from tradedeal.models.forecast.variance import (
    REGIME,
    above_record_pct,
    median_above_record_pct,
    recent_scale,
    recent_sd,
    recent_weights,
    regime_weights,
    weighted_quantile,
)


def planted_series() -> pd.Series:
    """Not real data: $1bn a month from 2019-01 to 2021-11, but $2bn in 2020-09, $3bn in 2020-10
    and $2bn in 2020-11."""
    months = pd.period_range("2019-01", "2021-11", freq="M")
    s = pd.Series(1e9, index=months, name="planted")
    s[pd.Period("2020-09", "M")], s[pd.Period("2020-10", "M")], s[pd.Period("2020-11", "M")] = 2e9, 3e9, 2e9
    return s


def test_what_a_target_needs_against_the_best_run_on_record():
    s = planted_series()
    # as of 2021-10: ten months of 2021 at $1bn, two months left; best two months 2020-09..10 or
    # 2020-10..11, $5bn (the first, in time, is named); 33 two-month runs in 34 months
    r = reach(s, as_of="2021-10", target_usd=20e9)
    assert (r.needed_usd, r.months_left, r.best_usd, r.runs, r.runs_reaching) == (10e9, 2, 5e9, 33, 0)
    assert r.ratio == pytest.approx(2.0)
    assert r.sentence() == "needs $10.0bn in the remaining 2 months, 2.00 × the best 2 months on record (2020-09 to 2020-10)"
    assert r.words() == "needs 2.00 × the best 2 months on record; none of 33 runs on record"
    # $3bn needed: the runs 2020-08..09 (3), 09..10 (5), 10..11 (5) and 11..12 (3) reach it
    within = reach(s, as_of="2021-10", target_usd=13e9)
    assert (within.runs_reaching, within.beyond_record) == (4, False)
    assert within.words() == within.sentence()
    assert within.on_record() == "4 of 33 runs of 2 months on record"
    assert reach(s, as_of="2021-10", target_usd=9e9).sentence() == "target reached by 2021-10"


def test_a_reach_needs_months_left():
    with pytest.raises(ParameterError, match="December"):
        reach(planted_series(), as_of="2020-12", target_usd=1e9)
    with pytest.raises(ParameterError, match="outside the data"):
        reach(planted_series(), as_of="2022-01", target_usd=1e9)


def test_december_2021_needs_what_the_referee_computed(root):
    """Issue 27, from the shipped data: agriculture needed $10.27bn in December 2021, 1.94 × its
    largest month ($5.29bn); energy $27.3bn, 11.3 × its largest. The data start in 2013-01: 107
    months to 2021-11, none of them that large."""
    monthly = Snapshot(root).exports_by_category("annex_6_1_ex_civil_aircraft")
    table = reach_table(monthly, annual_targets(monthly, 2021), as_of="2021-11")
    agriculture, energy = table.loc["agriculture"], table.loc["energy"]
    assert agriculture["needed_usd"] / 1e9 == pytest.approx(10.27, abs=0.005)
    assert agriculture["best_usd"] / 1e9 == pytest.approx(5.29, abs=0.005)
    assert agriculture["needed_vs_best"] == pytest.approx(1.94, abs=0.005)
    assert energy["needed_usd"] / 1e9 == pytest.approx(27.3, abs=0.05)
    assert energy["needed_vs_best"] == pytest.approx(11.3, abs=0.05)
    assert (table["runs"] == 107).all() and (table["runs_reaching"] == 0).all()
    assert agriculture["check"] == ("needs $10.3bn in the remaining 1 month, 1.94 × the record month (2021-11); "
                                    "under 1 % on the record")


def test_share_of_simulated_months_above_the_record():
    # two months (rows) × four paths; record month 10, so the bound is 15
    months = np.array([[1.0, 16.0, 2.0, 14.0], [20.0, 1.0, 1.0, 1.0]])
    assert above_record_pct(months, 10.0) == pytest.approx(100 * 2 / 8)
    assert above_record_pct(np.empty((0, 4)), 10.0) == 0.0


def test_the_year_calibration_measures_its_own_months_against_the_record():
    # no judged projection yet: factor 1, so the calibrated months are the model's (2 of 8 above 15)
    months = np.array([[1.0, 16.0, 2.0, 14.0], [20.0, 1.0, 1.0, 1.0]])
    info = {"as_of": pd.Period("2019-10", "M"), "year": 2019, "through": pd.Period("2019-12", "M"),
            "observed_ytd_usd": 100.0, "observed_total_usd": np.nan}
    raw = 100.0 + months.sum(axis=0)
    cal = Calibration(1, Z80)
    row, totals, _ = calibrate_year(info, raw, cal, largest=10.0, months=months, record=10.0)
    assert row["calibration"] == 1.0 and row["above_record_pct"] == pytest.approx(25.0)
    np.testing.assert_allclose(totals, raw)
    row, totals, _ = calibrate_year(info, raw, cal, largest=10.0, months=months, record=10.0, persistent=True)
    assert row["above_record_pct"] == pytest.approx(25.0)
    np.testing.assert_allclose(totals, raw)


def planted_paths(seed: int = 1) -> np.ndarray:
    """Not real data: 6 months × 400 paths, a path-level log shock (sd 0.3) plus a month-to-month
    one (sd 0.2) around a seasonal median of 1-6."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 0.3, size=400)
    return np.arange(1.0, 7.0)[:, None] * np.exp(level + rng.normal(0, 0.2, size=(6, 400)))


@pytest.mark.parametrize("factor", [0.7, 1.8, 3.0])
def test_a_persistent_stretch_widens_the_remainder_by_the_factor_through_the_path_level_only(factor):
    months = planted_paths()
    out = stretch_persistent(months, factor)
    before, after = np.log(months.sum(axis=0)), np.log(out.sum(axis=0))
    spread = np.subtract(*np.quantile(before, [0.9, 0.1]))
    assert np.subtract(*np.quantile(after, [0.9, 0.1])) == pytest.approx(factor * spread, rel=1e-6)
    assert np.median(after) == pytest.approx(np.median(before), abs=1e-9)
    # each path moves by one factor over all its months: the month-to-month part is the model's
    shift = np.log(out) - np.log(months)
    np.testing.assert_allclose(shift, np.broadcast_to(shift[0], shift.shape), atol=1e-12)
    # a path-level stretch keeps each path's ranking of months
    assert (np.argsort(out, axis=0) == np.argsort(months, axis=0)).all()


def test_with_one_month_left_the_persistent_stretch_is_the_stretch_around_the_median():
    month = np.array([[1.0, 2.0, 4.0, 8.0, 16.0]])  # log2 0..4: median 4
    expected = 4.0 * (month / 4.0) ** 2.0
    np.testing.assert_allclose(stretch_persistent(month, 2.0), expected, rtol=1e-9)


def test_regime_weights_weigh_the_origins_regime_fully():
    months = pd.PeriodIndex(["2018-06", "2018-07", "2019-12", "2020-01"], freq="M").asi8
    np.testing.assert_allclose(regime_weights(months, pd.Period("2021-06", "M")), [1, 0.1, 0.1, 1])
    np.testing.assert_allclose(regime_weights(months, pd.Period("2019-03", "M")), [0.1, 1, 1, 0.1])
    # errors 2, 1, 0 months old at 2020-01: 2019-11 and 2019-12 are the tariff regime's
    errors = np.array([4.0, 2.0, 1.0])
    expected = np.sqrt((0.1 * 16 + 0.1 * 4 + 1 * 1) / 1.2)
    assert recent_scale(errors, REGIME, pd.Period("2020-01", "M")) == pytest.approx(expected)
    assert recent_weights([0, 1], REGIME, pd.Period("2018-07", "M")).tolist() == [1.0, 0.1]


def test_recent_errors_weigh_more():
    # half-life 1 month: weights 1/4, 1/2, 1 for errors 2, 1, 0 months old
    errors = np.array([4.0, 2.0, 1.0])
    expected = np.sqrt((0.25 * 16 + 0.5 * 4 + 1 * 1) / 1.75)
    assert recent_scale(errors, 1.0) == pytest.approx(expected)
    assert recent_scale(errors, None) == 1.0
    values = np.array([1.0, 3.0])  # weights 1/2, 1: weighted mean 7/3, variance (1/2·16/9 + 4/9)/1.5
    assert recent_sd(values, 1.0) == pytest.approx(np.sqrt((0.5 * 16 / 9 + 4 / 9) / 1.5))
    assert recent_sd(values, None) == pytest.approx(np.std(values, ddof=1))
    # weighted median of 1, 2, 3 with weights 1, 1, 2: midpoint cumulative weights 1/8, 3/8, 3/4
    assert weighted_quantile(np.array([3.0, 1.0, 2.0]), 0.5, np.array([2.0, 1.0, 1.0])) == pytest.approx(
        2 + (0.5 - 3 / 8) / (3 / 4 - 3 / 8))


def test_reliability_table_counts():
    prob = [0.01, 0.02, 0.1, 0.15, 0.5, 0.9, 0.97, 1.0]
    outcome = [0, 0, 0, 1, 1, 1, 1, 1]
    table = reliability_table(prob, outcome)
    assert table["n"].tolist() == [2, 2, 0, 1, 0, 1, 2]
    assert table["hits"].tolist() == [0, 1, 0, 1, 0, 1, 2]
    assert table.loc["[0.05, 0.20)", "mean_prob"] == pytest.approx(0.125)
    assert table.loc["[0.05, 0.20)", "observed_freq"] == pytest.approx(0.5)
    assert table.loc["[0.95, 1.00]", "mean_prob"] == pytest.approx(0.985)
    assert np.isnan(table.loc["[0.20, 0.40)", "observed_freq"])
    with pytest.raises(ParameterError):
        reliability_table([0.5], [2])


@pytest.mark.parametrize("model", ["ets", "sarimax", "uc"])
def test_one_filter_step_a_month_is_statsmodels_filter_of_the_longer_history(root, model):
    """Extending a fit month by month (one Kalman step each) against statsmodels filtering the
    whole longer history with the same estimates (ETS re-estimates its concentrated scale)."""
    from tradedeal.models.forecast.monthly import fit
    from tradedeal.models.forecast.statespace import endog
    from tradedeal.models.forecast.filtered import Filtered

    agriculture = Snapshot(root).exports_by_category("annex_6_1")["agriculture"].dropna()
    f = fit(agriculture, model, as_of="2019-01")
    g = f
    for month in pd.period_range("2019-02", "2019-07", freq="M"):
        g = g.extend(agriculture, month)
    engine, s = f.engine, agriculture.loc[:"2019-07"]
    terms = f.params["interventions"]
    results = engine._model(endog(s), engine._exog(s.index, terms)).filter(f._state.results.params, cov_type="none")
    own = Filtered.of(results, terms)
    assert g._state.state == pytest.approx(own.state, abs=1e-10)
    assert g._state.cov == pytest.approx(own.cov, abs=1e-12)
    assert g._state.errors[-6:] == pytest.approx(own.errors[-6:], abs=1e-10)


def test_quantiles_of_sorted_values_are_numpys_to_the_bit():
    from tradedeal.models.forecast.variance import weighted_quantile

    rng = np.random.default_rng(4)
    for n in (1, 2, 7, 50, 301):
        values = rng.lognormal(size=n)
        for q in (0.05, 0.1, 0.5, 0.8, 0.9):
            assert weighted_quantile(values, q) == float(np.quantile(values, q))


def test_models_run_apart_and_merged_are_one_run():
    from tradedeal.models.forecast.rolling import merge_models, run_backtest

    # not real data: a seasonal pattern times planted noise, 2014-01 to 2021-11
    months = pd.period_range("2014-01", "2021-11", freq="M")
    pattern = np.tile([5, 4, 6, 7, 6, 5, 4, 5, 6, 8, 9, 7], 8)[: len(months)] * 1e8
    s = pd.Series(pattern * np.random.default_rng(5).lognormal(0, 0.1, len(months)), index=months, name="planted")
    models = ("snaive", "ets", "ratio")
    options = dict(start="2020-06", end="2021-03", horizon=3, projection_years=(2021,), repetitions=50)
    together = run_backtest(s, models=models, **options)
    apart = merge_models([run_backtest(s, models=(m,), auto=False, **options) for m in models])
    pd.testing.assert_frame_equal(together.forecasts, apart.forecasts)
    pd.testing.assert_frame_equal(together.record, apart.record)
    assert set(together.paths) == set(apart.paths)
    assert all((together.paths[k] == apart.paths[k]).all() for k in together.paths)


def test_reliability_counts_on_the_shipped_data(root):
    """Every scored prob_reach_target is one of 2020's 11 origins (Jan-Nov) for each of the four
    series, and none reached its target; "beats the year before" is judged at 11 origins a year,
    2017-2020, against the calendar-year totals summed here from the monthly data."""
    from tradedeal.models.forecast.projection import realtime_backtests
    from tradedeal.models.forecast.reliability import beat_last_year, target_events

    snap = Snapshot(root)
    results = realtime_backtests(snap, jobs=2)["backtests"]
    events = target_events(results)
    assert len(events) == 44 and set(events["year"]) == {2020} and events["outcome"].sum() == 0
    beat = beat_last_year(results)
    assert len(beat) == 4 * 4 * 11
    monthly = snap.exports_by_category("annex_6_1_ex_civil_aircraft")
    totals = monthly.groupby(monthly.index.year).sum()
    for (series, year), outcome in beat.groupby(["series", "year"])["outcome"].first().items():
        assert outcome == float(totals.loc[year, series] >= totals.loc[year - 1, series]), (series, year)
    table = reliability_table(beat["prob"], beat["outcome"])
    assert table["n"].sum() == 176 and table["hits"].sum() == beat["outcome"].sum()


def test_months_whose_median_is_beyond_the_record():
    # record 10, bound 15: the first month's median over the paths is 16 (above), the second's 2
    months = np.array([[14.0, 16.0, 17.0], [1.0, 2.0, 40.0]])
    assert median_above_record_pct(months, 10.0) == pytest.approx(50.0)
    assert above_record_pct(months, 10.0) == pytest.approx(100 * 3 / 6)
    assert median_above_record_pct(np.empty((0, 3)), 10.0) == 0.0


def test_both_year_stretches_widen_the_remainder_by_the_learned_factor_and_count_their_own_months():
    # errors of three spreads of 0.1, judged in 2016-2018 December; the planted months (not real
    # data) are about 1-6 a month
    cal = Calibration(1, Z80)
    for year in (2016, 2017, 2018):
        cal.record(pd.Period(f"{year}-12", "M"), 1, 0.3, 0.1)
        cal.record(pd.Period(f"{year}-12", "M"), 1, -0.3, 0.1)
    months = planted_paths()
    ytd = 10.0
    raw = ytd + months.sum(axis=0)
    info = {"as_of": pd.Period("2019-06", "M"), "year": 2019, "through": pd.Period("2019-12", "M"),
            "observed_ytd_usd": ytd, "observed_total_usd": np.nan}
    record = 6.0  # the bound is 9
    spread = np.subtract(*np.quantile(np.log(raw - ytd), [0.9, 0.1]))
    row, totals, _ = calibrate_year(info, raw, cal, largest=6.0, months=months, record=record)
    factor = row["calibration"]
    # the additive rule by hand: the missing spread c of the recorded errors, over this projection's own
    missing = np.sqrt((0.3 / Z80) ** 2 - 0.1**2)
    assert factor == pytest.approx(np.sqrt(1 + missing**2 / (spread / (2 * Z80)) ** 2), rel=1e-9)
    assert factor > 1.2
    assert np.subtract(*np.quantile(np.log(totals - ytd), [0.9, 0.1])) == pytest.approx(factor * spread, rel=1e-9)
    # each path's months scaled by its remainder's stretch, then counted against 9
    scaled = months * (totals - ytd) / (raw - ytd)
    assert row["above_record_pct"] == pytest.approx(100 * np.mean(scaled > 9.0))
    row_p, totals_p, _ = calibrate_year(info, raw, cal, largest=6.0, months=months, record=record, persistent=True)
    assert row_p["calibration"] == factor
    assert np.subtract(*np.quantile(np.log(totals_p - ytd), [0.9, 0.1])) == pytest.approx(factor * spread, rel=1e-6)
    assert np.median(totals_p) == pytest.approx(np.median(raw), rel=1e-5)  # 400 paths: a mean of the middle two
    persistent = stretch_persistent(months, factor)
    assert row_p["above_record_pct"] == pytest.approx(100 * np.mean(persistent > 9.0))
    np.testing.assert_allclose(totals_p, ytd + persistent.sum(axis=0))
