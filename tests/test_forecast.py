"""Forecast models, backtest and projections: known answers, determinism, real figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradedeal import Snapshot
from tradedeal.agreement.window import select
from tradedeal.errors import ParameterError
from tradedeal.models.forecast import MODELS
from tradedeal.models.forecast.monthly import fit
from tradedeal.models.forecast.projection import forecast_table, project_year
from tradedeal.models.forecast.rolling import run_backtest


def periodic(n: int = 72) -> pd.Series:
    pattern = np.array([5, 4, 6, 7, 6, 5, 4, 5, 6, 8, 9, 7], dtype=float) * 1e8
    return pd.Series(np.tile(pattern, n // 12), index=pd.period_range("2014-01", periods=n, freq="M"), name="p")


@pytest.fixture(scope="module")
def covered(root) -> pd.Series:
    return Snapshot(root).series("covered_total")


def test_seasonal_naive_of_a_periodic_series_is_exact():
    s = periodic()
    fc = fit(s, "snaive").forecast(18)
    expected = np.concatenate([s.to_numpy()[:12], s.to_numpy()[:6]])
    assert fc["mean"].to_numpy() == pytest.approx(expected)
    assert fc["lower"].to_numpy() == pytest.approx(expected)  # no seasonal change: no uncertainty
    assert str(fc.index[0]) == "2020-01"


@pytest.mark.parametrize("model", MODELS)
def test_intervals_widen_with_the_horizon(covered, model):
    fc = fit(covered, model, as_of="2019-12").forecast(24)
    width = np.log(fc["upper"] / fc["lower"]).to_numpy()
    assert list(fc.columns) == ["mean", "lower", "upper"]
    assert (fc["lower"] <= fc["mean"]).all() and (fc["mean"] <= fc["upper"]).all()
    if model == "ratio":  # empirical quantiles: wider at a year than at a month
        assert width[11] > width[0]
    else:
        assert np.all(np.diff(width) >= -1e-9) and width[23] > width[0]


@pytest.mark.parametrize("model", ["ets", "sarimax", "uc"])
def test_state_space_forecasts_are_statsmodels_own(root, model):
    """Our forecast recursions and vectorised paths against statsmodels' get_forecast, on
    agriculture with data through 2020-09 (the tariff and shock terms in the model)."""
    from tradedeal.models.shared.events import interventions

    agriculture = Snapshot(root).exports_by_category("annex_6_1")["agriculture"].dropna()
    f = fit(agriculture, model, as_of="2020-09")
    terms = f.params["interventions"]
    assert [e.name for e in terms] == (["tariffs_2018", "shock_2020"] if model != "ets" else [])
    months = pd.period_range("2020-10", periods=6, freq="M")
    exog = interventions(months, terms).set_axis(months.to_timestamp()) if terms else None
    own = f._state.results.get_forecast(6, exog=exog).summary_frame(alpha=0.2)  # statsmodels' own, at the fit
    fc = f.forecast(6)
    assert np.log(fc["mean"].to_numpy()) == pytest.approx(own["mean"].to_numpy(), abs=1e-9)
    assert np.log(fc["upper"].to_numpy()) == pytest.approx(own["mean_ci_upper"].to_numpy(), abs=1e-9)
    paths = np.log(f.simulate(6, repetitions=20000, seed=3).to_numpy())
    assert paths.mean(axis=1) == pytest.approx(own["mean"].to_numpy(), abs=0.02)
    assert paths.std(axis=1) == pytest.approx(own["mean_se"].to_numpy(), rel=0.03)


@pytest.mark.parametrize("model", MODELS)
def test_simulations_are_deterministic(covered, model):
    f = fit(covered, model, as_of="2020-07")
    a = f.simulate(5, repetitions=50, seed=7)
    b = f.simulate(5, repetitions=50, seed=7)
    c = f.simulate(5, repetitions=50, seed=8)
    assert a.shape == (5, 50) and (a > 0).all().all()
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_parameter_errors_name_the_parameter(covered):
    with pytest.raises(ParameterError, match="model must be one of snaive, ets, sarimax, uc, ratio; got 'arima'"):
        fit(covered, "arima")
    with pytest.raises(ParameterError, match="horizon must be at least 1; got 0"):
        fit(covered, "snaive").forecast(0)
    with pytest.raises(ParameterError, match="as_of 2022-01 is outside the data"):
        fit(covered, "ets", as_of="2022-01")
    with pytest.raises(ParameterError, match="series too short for model 'sarimax': 30 months, needs 36"):
        fit(covered.loc[:"2015-06"], "sarimax")
    with pytest.raises(ParameterError, match="model 'ratio' needs all of 2017 observed"):
        fit(covered, "ratio", as_of="2017-06")
    with pytest.raises(ValueError):  # ParameterError is a ValueError
        fit(covered, "uc", as_of="2012-01")


def test_interventions_enter_once_observed(covered):
    def terms(as_of, model="sarimax"):
        return [(e.name, str(e.first), str(e.last)) for e in fit(covered, model, as_of=as_of).params["interventions"]]

    assert terms("2018-08") == []
    assert terms("2018-09") == [("tariffs_2018", "2018-07", "None")]
    # covered total: back at its pre-shock change on a year earlier (-0.14) in 2020-04 (+0.10)
    assert terms("2020-05", "uc")[1:] == [("shock_2020", "2020-02", "2020-03")]
    assert terms("2020-07", "uc")[1:] == [("shock_2020", "2020-02", "2020-03"), ("recovery_2020", "2020-04", "None")]


def test_an_open_shock_is_carried_on_until_the_data_shows_its_end(root):
    from tradedeal.models.shared.events import events, recovery_month

    agriculture = Snapshot(root).exports_by_category("annex_6_1")["agriculture"].dropna()
    assert recovery_month(agriculture, "2020-02") == pd.Period("2020-09", "M")  # the soybean season came back
    for as_of in ("2020-04", "2020-08"):  # before that, nobody knew the shock was over
        assert recovery_month(agriculture.loc[:as_of], "2020-02") is None
        shock = next(e for e in events(agriculture.loc[:as_of]) if e.name == "shock_2020")
        assert shock.last is None
    assert [e.name for e in events(agriculture.loc[:"2020-03"])] == ["tariffs_2018"]  # two months seen: not yet
    ex_post = {e.name: e for e in events(agriculture.loc[:"2020-08"], rule="ex_post")}
    assert str(ex_post["shock_2020"].last) == "2020-04" and str(ex_post["recovery_2020"].first) == "2020-05"


def test_changing_the_event_constants_after_the_origin_changes_no_projection(covered, monkeypatch):
    from tradedeal.models.shared import events as dated  # the events' constants live there

    def project(rule="realtime"):
        bt = run_backtest(covered, models=("uc",), start="2019-12", end="2020-05", horizon=3,
                          projection_origins=["2020-05"], through_december=True, repetitions=200, events=rule)
        return bt.forecasts[bt.forecasts["origin"] == pd.Period("2020-05", "M")]["mean"].to_numpy(), \
            bt.paths[("uc", pd.Period("2020-05", "M"))]

    mean, paths = project()
    ex_post_mean, _ = project("ex_post")
    monkeypatch.setattr(dated, "EX_POST", {"shock_2020": ("2020-08", "2020-09")})
    monkeypatch.setattr(dated, "EVENTS", {**dated.EVENTS, "phase_one_2020": ("step", "2020-06")})
    mean_after, paths_after = project()
    assert np.array_equal(mean, mean_after) and np.array_equal(paths, paths_after)
    # the ex-post rule uses those constants: the test could fail
    assert not np.allclose(ex_post_mean, project("ex_post")[0])


def test_backtest_of_a_periodic_series():
    bt = run_backtest(periodic(), models=("snaive",), start="2016-01", end="2019-06", projection_years=())
    score = bt.score()
    assert score.loc["snaive", "mae_usd"] == pytest.approx(0, abs=1e-3)
    assert set(bt.forecasts["model"]) == {"snaive", "auto"}


def test_auto_uses_only_what_was_known(covered):
    def auto_at(series, origin="2019-07"):
        bt = run_backtest(series, models=("snaive", "ratio"), start="2018-01", end="2019-10", horizon=3,
                          projection_years=())
        f = bt.forecasts
        return f[(f["model"] == "auto") & (f["origin"] == pd.Period(origin, "M"))][["mean", "lower", "upper"]]

    later = covered.copy()
    later.loc["2019-08":] *= 1.5
    pd.testing.assert_frame_equal(auto_at(covered), auto_at(later))
    assert not auto_at(covered, "2019-10").equals(auto_at(later, "2019-10"))


def test_auto_combines_the_models_in_equal_weights():
    from scipy import stats

    from tradedeal.models.forecast.combination import mixture_quantiles as _mixture_quantiles

    z = stats.norm.ppf(0.9)
    one = np.array([[100.0, 100.0]])
    lower, median, upper = _mixture_quantiles(one, one * np.exp(-z * 0.2), one * np.exp(z * 0.2), z, (0.1, 0.5, 0.9))
    assert (lower[0], median[0], upper[0]) == pytest.approx((100 * np.exp(-z * 0.2), 100.0, 100 * np.exp(z * 0.2)))
    far = np.array([[1.0, 1e6]])  # two models far apart: the mixture's median lies between them
    _, median, _ = _mixture_quantiles(far, far * 0.9, far * 1.1, z, (0.1, 0.5, 0.9))
    assert 1.1 < median[0] < 0.9e6
    missing = np.array([[100.0, np.nan]])  # a model that cannot forecast is left out
    assert _mixture_quantiles(missing, missing * 0.5, missing * 2, z, (0.5,))[0][0] == pytest.approx(100.0)


def test_real_time_projection_in_july_2020(covered):
    observed = covered.loc["2020"].sum()
    assert observed == 93_651_664_966
    ratio = project_year(covered, year=2020, as_of="2020-07", model="ratio", target_usd=158_934_939_609, seed=0)
    assert ratio.observed_ytd_usd == covered.loc["2020-01":"2020-07"].sum()
    assert abs(ratio.median_usd / observed - 1) < 0.10
    assert ratio.quantile(0.1) <= observed <= ratio.quantile(0.9)
    assert ratio.prob_reach_target < 0.05  # the $158.9bn target was out of reach
    again = project_year(covered, year=2020, as_of="2020-07", model="ratio", seed=0)
    assert np.array_equal(again.totals, ratio.totals)
    # a model fitted on the pre-deal history misses the post-recovery surge
    snaive = project_year(covered, year=2020, as_of="2020-07", model="snaive", seed=0)
    assert snaive.median_usd < 0.85 * observed


def test_forecast_table_columns_and_targets(root):
    table, notes = forecast_table(select(Snapshot(root), year=2020, as_of="2020-10"), category="agriculture", model="ratio", repetitions=500)
    assert list(table.columns) == [
        "category", "coverage", "model", "as_of", "year", "observed_ytd_usd", "projected_total_usd",
        "p10_usd", "p90_usd", "target_usd", "prob_reach_target", "odds", "needed_usd", "months_left",
        "needed_vs_best", "check",
    ]
    row = table.iloc[0]
    assert row["target_usd"] == 20_969_792_856 + 12.5e9
    assert row["p10_usd"] <= row["projected_total_usd"] <= row["p90_usd"]
    # the record's check beside the probability: two months left, the target minus Jan-Oct
    assert row["months_left"] == 2 and row["needed_usd"] == pytest.approx(row["target_usd"] - row["observed_ytd_usd"])
    assert row["check"].startswith(f"needs ${row['needed_usd'] / 1e9:,.1f}bn in the remaining 2 months, ")
    assert any("forecasts" in n for n in notes)
    with pytest.raises(ParameterError, match="category must be one of"):
        forecast_table(select(Snapshot(root), year=2020, as_of="2020-10"), category="services")


def test_covered_total_is_forecast_bottom_up(root):
    monthly = Snapshot(root).exports_by_category("annex_6_1")
    from tradedeal.models.forecast.rolling import backtest_categories

    res = backtest_categories(monthly, models=("snaive", "ratio"), start="2020-05", end="2020-07", horizon=3,
                              projection_origins=["2020-07"], repetitions=200)
    parts = [res[c].forecasts for c in ("agriculture", "manufactures", "energy")]
    total = res["covered_total"].forecasts
    key = dict(model="ratio", origin=pd.Period("2020-07", "M"), horizon=2)

    def pick(f):
        return f[(f["model"] == key["model"]) & (f["origin"] == key["origin"]) & (f["horizon"] == key["horizon"])].iloc[0]

    assert pick(total)["mean"] == pytest.approx(sum(pick(p)["mean"] for p in parts))
    assert pick(total)["actual"] == monthly.loc["2020-09", "covered_total"]
    raw = res["covered_total"].raw_paths[("ratio", key["origin"])]
    assert np.allclose(raw, sum(res[c].raw_paths[("ratio", key["origin"])] for c in ("agriculture", "manufactures", "energy")))
    # no year-total record yet at these origins: the reported paths are the summed paths
    assert np.allclose(res["covered_total"].paths[("ratio", key["origin"])], raw)


def test_the_command_line_offers_every_model_and_each_one_forecasts():
    """The models the docs list (README, the notebook's parameters cell), read from the parser a
    user meets; each named model fits and forecasts a series, and an unknown one is refused."""
    from tradedeal.present import cli

    commands = next(a for a in cli.build_parser()._actions if a.dest == "command")
    (option,) = [a for a in commands.choices["forecast"]._actions if a.dest == "model"]
    assert tuple(option.choices) == ("auto", "snaive", "ets", "sarimax", "uc", "ratio")
    assert option.default == "auto"
    for model in option.choices[1:]:
        fc = fit(periodic(), model).forecast(3)
        assert len(fc) == 3 and (fc["lower"] <= fc["mean"]).all() and (fc["mean"] <= fc["upper"]).all(), model
    with pytest.raises(ParameterError, match="model must be one of"):
        fit(periodic(), "prophet")


def test_score_table_is_tidy_per_series_and_model():
    from tradedeal.models.forecast.scores import score_table

    bt = run_backtest(periodic(), models=("snaive", "ratio"), start="2018-01", end="2019-06", projection_years=())
    table = score_table({"p": bt, "q": bt}, horizons=range(1, 4))
    assert list(table.columns[:3]) == ["series", "model", "mae_usd"]
    assert len(table) == 2 * 3  # two series × (snaive, ratio, auto)
    assert set(table["model"]) == {"snaive", "ratio", "auto"}


def test_calibration_learns_only_from_judged_errors():
    from scipy import stats

    from tradedeal.models.forecast.calibration import Calibration

    z = stats.norm.ppf(0.9)
    cal = Calibration(horizon=2, z=z)
    spread = 0.1  # the model's log-scale spread
    fc = pd.DataFrame({"mean": [1.0, 1.0], "lower": np.exp([-z * spread] * 2), "upper": np.exp([z * spread] * 2)})
    for i in range(8):  # forecasts made at 2019-01 … 2019-08, each error twice the model's spread
        origin = pd.Period("2019-01", "M") + i
        cal.add(pd.period_range(origin + 1, periods=2, freq="M"), fc, np.exp([2 * spread, -2 * spread]))
    assert cal.factors(pd.Period("2019-05", "M"), spread).tolist() == [1.0, 1.0]  # fewer than six errors judged yet
    # the spread that makes the intervals hold 80 % of the errors: 2 spreads = z × factor × spread
    assert cal.factors(pd.Period("2019-07", "M"), spread) == pytest.approx([2 / z, 2 / z])  # h=2 borrows h=1's
    assert cal.factors(pd.Period("2019-12", "M"), spread) == pytest.approx([2 / z, 2 / z])
    # the missing uncertainty is added, not multiplied: a model three times as wide is widened little
    missing2 = (2 * spread / z) ** 2 - spread**2
    wide = cal.factors(pd.Period("2019-12", "M"), 3 * spread)
    assert wide == pytest.approx(np.sqrt(1 + missing2 / (3 * spread) ** 2))
    assert (wide < 1.1).all() and 3 * spread * wide[0] == pytest.approx(np.sqrt((3 * spread) ** 2 + missing2))
    # intervals that held more than promised are narrowed: errors half a spread
    calm = Calibration(horizon=1, z=z)
    for i in range(8):
        calm.record(pd.Period("2019-01", "M") + i, 1, 0.5 * spread, spread)
    assert calm.factors(pd.Period("2019-12", "M"), spread) == pytest.approx([0.5 / z])


def test_backtest_intervals_are_calibrated_but_keep_the_models_own(covered):
    bt = run_backtest(covered, models=("ets",), start="2018-01", end="2020-12", horizon=3, projection_years=())
    f = bt.forecasts[bt.forecasts["model"] == "ets"]
    assert f["calibration"].max() > 1.5  # the 2018 and 2020 shocks
    wider = f[f["calibration"] >= 1]
    assert (wider["lower"] <= wider["model_lower"] + 1e-6).all()
    # stretched on logs around the median, never clipped: log(upper / mean) = factor × the model's own
    assert np.log(f["upper"] / f["mean"]).to_numpy() == pytest.approx(
        (f["calibration"] * np.log(f["model_upper"] / f["mean"])).to_numpy(), rel=1e-9)


def test_year_total_calibration_keeps_the_median_and_learns_only_from_ended_years():
    from tradedeal.models.forecast.calibration import Z80, Calibration, calibrate_year

    cal = Calibration(1, Z80)
    rng = np.random.default_rng(0)
    raw = 10.0 + np.exp(rng.normal(np.log(5.0), 0.1, size=4000))  # 10 observed, about 5 to come
    info = {"as_of": pd.Period("2019-07", "M"), "year": 2019, "through": pd.Period("2019-12", "M"),
            "observed_ytd_usd": 10.0, "observed_total_usd": np.nan}
    for year in (2016, 2017, 2018):  # outcomes three model spreads from the median, judged each December
        cal.record(pd.Period(f"{year}-12", "M"), 1, 0.3, 0.1)
        cal.record(pd.Period(f"{year}-12", "M"), 1, -0.3, 0.1)
    row, totals, _ = calibrate_year(info, raw, cal, largest=100.0)
    assert row["calibration"] == pytest.approx(3.0 / Z80, rel=0.05)  # the projection's own spread is about 0.1
    assert np.median(totals) == pytest.approx(np.median(raw))
    spread = np.log(np.quantile(totals - 10, 0.9) / np.quantile(totals - 10, 0.1))
    assert spread == pytest.approx(row["calibration"] * np.log(np.quantile(raw - 10, 0.9) / np.quantile(raw - 10, 0.1)),
                                   rel=1e-3)
    wide = 10.0 + np.exp(rng.normal(np.log(5.0), 1.0, size=4000))
    row, totals, _ = calibrate_year(info, wide, cal, largest=2.0)
    rest = totals - 10.0
    assert rest.min() > 0  # stretched on logs: the months left never buy nothing
    assert rest.max() > 1.5 * 2.0 * 5  # and nothing is clipped: no mass piled on a bound
    assert row["at_bound_pct"] == 0.0
    early = {**info, "as_of": pd.Period("2018-11", "M"), "year": 2018, "through": pd.Period("2018-12", "M")}
    assert calibrate_year(early, raw, cal, largest=100.0)[0]["calibration"] == 1.0  # 2018's errors are judged in December


def test_a_year_the_data_does_not_complete_teaches_the_calibration_nothing():
    from tradedeal.models.forecast.calibration import Z80, Calibration, calibrate_year

    cal = Calibration(1, Z80)
    rng = np.random.default_rng(1)
    raw = 10.0 + np.exp(rng.normal(np.log(5.0), 0.1, size=1000))
    judged = 10.0 + np.exp(rng.normal(np.log(4.0), 0.1, size=1000))  # the same paths to November
    info = {"as_of": pd.Period("2021-06", "M"), "year": 2021, "through": pd.Period("2021-11", "M"),
            "observed_ytd_usd": 10.0, "observed_total_usd": 30.0}  # Jan-Nov observed, far off
    for _ in range(8):
        row, totals, seen = calibrate_year(info, raw, cal, largest=100.0, judged=judged)
    assert cal.error == []  # a Jan-Nov outcome is not the calendar year's
    assert row["median_usd"] == pytest.approx(np.median(judged))  # the row is judged against Jan-Nov
    assert totals == pytest.approx(raw, rel=1e-12)  # the calendar year's paths are kept for prob_reach_target


def test_piled_paths_are_measured():
    from tradedeal.models.forecast.scores import piled_pct

    assert piled_pct(np.arange(100.0)) == 0.0
    capped = np.minimum(np.arange(100.0), 50.0)  # a cap at 50 catches 50 paths, 49 beyond the one at the top
    assert piled_pct(capped) == pytest.approx(49.0)


def test_year_total_projection_sees_nothing_after_its_origin(covered):
    def project(series):
        bt = run_backtest(series, models=("snaive",), start="2016-01", end="2019-07", horizon=1,
                          projection_origins=["2019-07"], through_december=True, repetitions=300)
        return bt.projections.iloc[0], bt.paths[("snaive", pd.Period("2019-07", "M"))]

    row, paths = project(covered)
    later = covered.copy()
    later.loc["2019-08":] *= 1.5
    again, paths_again = project(later)
    assert np.array_equal(paths, paths_again)
    assert row["calibration"] > 1.5  # the 2018 tariffs, judged by December 2018
    assert row["observed_ytd_usd"] == covered.loc["2019-01":"2019-07"].sum()


def test_auto_in_july_2020_misses_the_surge_but_its_interval_holds_it(root):
    from tradedeal.models.forecast.projection import realtime_evaluation

    frame = realtime_evaluation(Snapshot(root), 2020, jobs=2)
    row = frame[(frame["series"] == "covered_total") & (frame["model"] == "auto")
                & (frame["as_of"] == pd.Period("2020-07", "M"))].iloc[0]
    assert row["observed_total_usd"] == 93_651_664_966
    assert row["chosen"] == "ets+ratio+sarimax+snaive+uc"  # auto pools every model
    assert -17 < row["error_pct"] < -13  # fitted on pre-deal history: misses the Q4 2020 surge
    assert row["inside_80"]  # the interval, calibrated on the 2016-19 record, holds the outcome
    assert row["p10_usd"] > row["observed_ytd_usd"]  # and five months left never buy nothing


def test_bands_come_from_the_models_and_pile_on_no_bound(root):
    """Every model's year-end bands, at every origin 2016-01 to 2021-11, on the coverage whose
    data runs longest: nothing is clipped, so no projection piles its paths on a bound (before:
    up to 54 % of paths on the remainder cap), and no band implies a month without purchases."""
    from tradedeal.models.forecast.projection import realtime_backtests

    run = realtime_backtests(Snapshot(root), jobs=2)
    monthly = Snapshot(root).exports_by_category(run["coverage"])
    for name, bt in run["backtests"].items():
        plausibility = bt.plausibility()
        assert plausibility.index.get_level_values("horizon").max() == 12
        assert (monthly[name].dropna() > 0).all()  # no month without purchases, so no band may imply one
        assert plausibility["zero_remainder"].sum() == 0, name
        record = bt.record[bt.record["through"] > bt.record["as_of"]]
        assert record["at_bound_pct"].max() < 10, name  # ratio's ties: the same past error drawn twice
        assert record.loc[record["model"] == "auto", "at_bound_pct"].max() < 5, name
        assert record.loc[~record["model"].isin(["ratio", "auto"]), "at_bound_pct"].max() == 0, name
    energy = run["backtests"]["energy"].projections
    last = energy[(energy["model"] == "auto") & (energy["as_of"] == pd.Period("2021-11", "M"))].iloc[0]
    assert last["through"] == pd.Period("2021-12", "M")


def test_prob_reach_target_is_the_calendar_years(root):
    """A 2021 projection judged against the data's last month (2021-11) still gives the odds of
    the whole calendar year reaching the full-year target: a target 2 % above Jan-Nov's outcome
    is reached by most calendar-year paths (December adds about 10 %: 90 %) and by few that stop
    in November (21 %), the event the old code scored."""
    from tradedeal.ingest.concordance import AGGREGATE_COVERAGE

    covered = Snapshot(root).exports_by_category(AGGREGATE_COVERAGE)["covered_total"].dropna()
    assert str(covered.index.max()) == "2021-11"
    origin = pd.Period("2021-06", "M")
    target = 1.02 * covered.loc["2021-01":"2021-11"].sum()
    bt = run_backtest(covered, models=("snaive",), start="2021-01", end=str(origin), horizon=1,
                      projection_origins=[origin], targets={2021: target}, repetitions=300)
    row = bt.projections[bt.projections["model"] == "snaive"].iloc[0]
    assert row["through"] == pd.Period("2021-11", "M")  # judged where the data end
    year, judged = bt.paths[("snaive", origin)], bt.judged_paths[("snaive", origin)]
    assert (year > judged).all()  # December is in the calendar year's paths
    assert row["prob_reach_target"] == pytest.approx(np.mean(year >= target))
    assert row["prob_reach_target"] > 0.8 and np.mean(judged >= target) < 0.3


def test_years_without_december_are_not_scored(root):
    from tradedeal.models.forecast.projection import realtime_backtests

    bt = realtime_backtests(Snapshot(root), jobs=2)["backtests"]["covered_total"]
    assert bt.data_end == pd.Period("2021-11", "M")
    assert bt.unscored_years(bt.projections) == {2021: "not scored: data end 2021-11"}
    assert bt.target_score().loc["auto", "years"] == "2020"  # the Brier score: 2020 only
    by_year = bt.year_score(origins=("2017-01", None), by="year").xs("auto", level="model")
    assert by_year.loc[2021, "note"] == "not scored: data end 2021-11" and np.isnan(by_year.loc[2021, "n"])
    assert list(by_year.loc[2017:2020, "n"]) == [11, 11, 11, 11]  # each year one outcome, 11 origins
    with pytest.raises(ParameterError, match="2021 not scored: data end 2021-11"):
        bt.target_score(origins=("2021-01", None))


def test_the_combination_is_calibrated_on_the_shipped_data(root):
    """auto's 80 % intervals hold about 80 % of outcomes: monthly covered total, horizons 1-6,
    origins 2017-01 to 2021-05 (goal 75-85 %), and year totals at every origin 2017-01 to 2021-11
    of the complete years 2017-2020 (44 origins, four outcomes); see benchmarks/forecast.py and
    docs/forecasts.md for the figures."""
    from tradedeal.models.forecast.projection import realtime_backtests

    bt = realtime_backtests(Snapshot(root), jobs=2)["backtests"]["covered_total"]
    monthly = bt.score(horizons=range(1, 7), origins=("2017-01", "2021-05")).loc["auto"]
    assert 75 <= monthly["coverage_pct"] <= 88
    assert monthly["relative_mae"] < 0.70
    years = bt.year_score(origins=("2017-01", "2021-11"))
    assert years.loc["auto", "n"] == 44  # 2017-2020: 2021 ends in the data at 2021-11
    assert 65 <= years.loc["auto", "coverage_pct"] <= 85
    assert years.loc["auto", "mean_abs_error_pct"] < years.loc["snaive", "mean_abs_error_pct"]
    assert years.loc["auto", "relative_crps"] < 1


def test_fan_chart_intervals_are_calibrated(root):
    from tradedeal.models.forecast.projection import monthly_forecast

    s = Snapshot(root).exports_by_category("annex_6_1")["agriculture"].dropna().rename("agriculture")
    calibrated, used = monthly_forecast(s, as_of="2020-07", model="uc", horizon=5)
    own, _ = monthly_forecast(s, as_of="2020-07", model="uc", horizon=5, calibrated=False)
    assert used == "uc" and list(calibrated.index.astype(str)) == ["2020-08", "2020-09", "2020-10", "2020-11", "2020-12"]
    width = np.log(calibrated["upper"] / calibrated["lower"]) / np.log(own["upper"] / own["lower"])
    assert (width > 1.3).all()  # uc's record to 2020-07 adds what its own spread lacked: 1.4-1.7 times as wide
    actual = s.loc["2020-08":"2020-12"]  # the soybean season came back in late 2020
    inside = (actual >= calibrated["lower"]) & (actual <= calibrated["upper"])
    assert list(inside.index[inside].astype(str)) == ["2020-10", "2020-11", "2020-12"]  # August and September above
    assert ((actual < own["lower"]) | (actual > own["upper"])).sum() >= 2


def test_probabilities_are_written_for_readers():
    from tradedeal.models.forecast.odds import format_probability

    assert format_probability(1.818e-07) == "under 1 %"
    assert format_probability(0.0) == "under 1 %"
    assert format_probability(0.234) == "23 %"
    assert format_probability(0.999) == "over 99 %"
    assert format_probability(float("nan")) == "no target"


def test_the_headline_states_the_year_end_odds(root):
    """2021 as of 2021-11 (the default report): Jan-Nov 2021 purchases as published
    ($100,986,670,042 without civil aircraft), the projection with its band, the odds in words,
    and the record of complete years before 2021."""
    from tradedeal.models.forecast.odds import headline_sentences
    from tradedeal.models.forecast.projection import realtime_backtests

    snap = Snapshot(root)
    window = select(snap, year=2021, as_of="2021-11", coverage="annex_6_1_ex_civil_aircraft")
    table, _ = forecast_table(window, jobs=2)
    run = realtime_backtests(snap, coverage=window.coverage, jobs=2)["backtests"]
    first, projected, held = headline_sentences(table, backtests=run)
    target = table.set_index("category").loc["covered_total", "target_usd"]
    assert first == (f"Through 2021-11 China bought $101.0bn of covered US goods in 2021 (Annex 6.1 goods without "
                     f"civil aircraft; published final tallies include them), {100 * 100_986_670_042 / target:.1f} % "
                     "of the full-year "
                     f"target of ${target / 1e9:,.1f}bn.")
    assert projected.startswith("Projected to December (a forecast, auto), 2021 ends at $")
    # the record's check beside the model's probability: December must buy the target minus the
    # published Jan-Nov, against the largest month of the monthly data to 2021-11
    needed = target - 100_986_670_042
    record = snap.exports_by_category(window.coverage)["covered_total"].loc[:"2021-11"]
    assert projected.endswith(f"the probability of reaching it is under 1 % (the model's); it needs "
                              f"${needed / 1e9:,.1f}bn in the remaining 1 month, {needed / record.max():.2f} × the "
                              f"record month ({record.idxmax()}); under 1 % on the record.")
    assert "e-0" not in projected and "0.000" not in projected
    assert held.startswith("In the complete years 2017-2020, its 80 % bands made each month held the year's outcome ")
    assert "in 44 (2017: 100 %, 2018: 9 %, 2019: 100 %, 2020: 82 %)" in held
