"""The momentum verdict: the calibrated test's arithmetic and size, the primary specification on
the shipped data, its placebos, the specifications table and the command line."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tradedeal import Snapshot
from tradedeal.agreement.window import select
from tradedeal.errors import DataNotAvailableError, ParameterError
from tradedeal.models.momentum import primary, specifications
from tradedeal.models.momentum import verdict as v
from tradedeal.models.shared import calibrated
from tradedeal.present import cli


@pytest.fixture(scope="module")
def window(root):
    return select(Snapshot(root))


@pytest.fixture(scope="module")
def data(window):
    return primary.inputs(window)


@pytest.fixture(scope="module")
def answer(window):
    return v.verdict(window)


def synthetic_design(n=97, k0=85):
    """Not real data: a trend, a step, a break with two shock months and month dummies."""
    t = np.arange(n)
    post = (t >= k0).astype(float)
    months = np.eye(12)[t % 12][:, 1:]
    return np.column_stack([np.ones(n), t, (t >= 66), (t == k0), (t == k0 + 1), post, post * (t - k0), months]), 6


def test_fgls_is_prais_winsten_by_hand():
    X, j = synthetic_design()
    y = calibrated.ar1_paths(0.75, len(X), 1, np.random.default_rng(3))[:, 0] + 0.01 * np.arange(len(X))
    est, se, rho, sigma = (float(a[0]) for a in calibrated.fgls_t(X, y[:, None], j))
    u = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    r = (u[1:] @ u[:-1]) / (u[:-1] @ u[:-1])
    Xs = np.vstack([np.sqrt(1 - r * r) * X[0], X[1:] - r * X[:-1]])
    ys = np.r_[np.sqrt(1 - r * r) * y[0], y[1:] - r * y[:-1]]
    b = np.linalg.lstsq(Xs, ys, rcond=None)[0]
    s2 = ((ys - Xs @ b) ** 2).sum() / (len(X) - X.shape[1])
    assert rho == pytest.approx(r)
    assert est == pytest.approx(b[j])
    assert se == pytest.approx(np.sqrt(s2 * np.linalg.inv(Xs.T @ Xs)[j, j]))
    assert sigma == pytest.approx(np.sqrt(s2))


def test_the_calibrated_test_has_its_size_where_the_textbook_test_does_not(data):
    # the primary design on the shipped months, errors at rho = 0.75, as fitted
    fit = primary.estimate(data, primary.PRIMARY, draws=199)
    y = primary.outcome(data, primary.PRIMARY).loc[: fit.end]
    X = primary.design(y.index, primary.PRIMARY.break_month, shocks=fit.shocks)
    j = X.columns.get_loc("slope_change")
    size = calibrated.rejection_rate(X.to_numpy(), j, rho=0.75, reps=600, draws=199, seed=7)
    assert 0.025 <= size <= 0.085  # Monte Carlo standard error about 0.9 points
    est, se, *_ = calibrated.fgls_t(X.to_numpy(), calibrated.ar1_paths(0.75, len(X), 4000, np.random.default_rng(7)), j)
    from scipy import stats

    textbook = np.mean(np.abs(est / se) > stats.t.ppf(0.975, len(X) - X.shape[1]))
    assert textbook > 0.075  # what the old GLSAR verdict relied on
    power = calibrated.rejection_rate(X.to_numpy(), j, rho=0.75, effect=0.06, sigma=fit.test.sigma, reps=100, draws=199,
                                      seed=7)
    assert power > 0.5


def test_the_critical_value_follows_the_p_value_s_counting_rule():
    t_null = np.arange(1, 1000, dtype=float)[::-1]  # |t*| = 1..999, unsorted
    assert calibrated.critical_value(t_null, 0.05) == 951  # rank B + 2 - alpha (B + 1)
    assert calibrated.critical_value(t_null[:399], 0.05) == 999 - 399 + 381
    assert calibrated.critical_value(t_null[:9], 0.05) == np.inf  # 9 draws cannot reject at 5 %


@pytest.mark.parametrize("draws", [39, 99, 399, 999])
def test_p_below_alpha_exactly_when_the_interval_excludes_zero(draws):
    X, j = synthetic_design()
    rng = np.random.default_rng(11)
    agree = []
    for effect in np.linspace(0, 0.06, 25):  # around the rejection boundary
        y = 0.05 * calibrated.ar1_paths(0.7, len(X), 1, rng)[:, 0] + effect * X[:, j]
        test = calibrated.calibrated_test(X, y, j, draws=draws, seed=int(rng.integers(1000)))
        agree.append((test.p_value < test.alpha) == (test.lower > 0 or test.upper < 0))
        assert test.upper - test.estimate == pytest.approx(test.estimate - test.lower)  # symmetric
    assert all(agree)


def test_the_referee_s_disagreeing_case_now_agrees(data):
    # the absolute answer on the HS6 months (to 2021-01), 399 draws: it gave [+0.0004, +0.0869] with p = 0.0525
    fit = primary.estimate(data, replace(primary.PRIMARY, control="none"), draws=399, end=pd.Period("2021-01", "M"))
    assert fit.test.p_value == pytest.approx(0.0525, abs=0.002)
    assert fit.test.lower < 0 < fit.test.upper


def test_the_primary_specification_is_fixed_in_advance(data):
    assert (str(primary.PRIMARY.break_month), str(primary.PRIMARY.start), primary.PRIMARY.control) == ("2020-02", "2013-01", "uncovered")
    assert str(primary.TARIFF_MONTH) == "2018-07"
    # the shock months come from total exports by the real-time rule: the same with data to 2020-06 as to the end
    assert [str(m) for m in primary.shock_months(data.total, primary.PRIMARY)] == ["2020-02", "2020-03"]
    assert primary.shock_months(data.total.loc[:"2020-06"], primary.PRIMARY) == primary.shock_months(data.total, primary.PRIMARY)
    with pytest.raises(DataNotAvailableError, match="has not ended by 2020-03"):
        primary.shock_months(data.total.loc[:"2020-03"], primary.PRIMARY)
    X = primary.design(pd.period_range("2013-01", "2021-01", freq="M"), primary.PRIMARY.break_month,
                 shocks=primary.shock_months(data.total, primary.PRIMARY))
    assert str(X.index[X["tariff_step"] == 1][0]) == "2018-07"
    assert str(X.index[X["level_change"] == 1][0]) == "2020-02"
    assert X.loc["2021-01", "slope_change"] == 11
    assert len(X.filter(like="month_").columns) == 11
    with pytest.raises(ParameterError, match="control must be one of none, uncovered, total_other"):
        primary.Specification(control="everything")


def test_the_control_is_the_hs6_lines_outside_annex_6_1(data, root):
    snap = Snapshot(root)
    hs6 = snap.exports_hs6_classified("annex_6_1")
    outside = hs6[hs6["category"] == "not_covered"].groupby("month")["value_usd"].sum()
    assert data.uncovered.loc["2020-12"] == outside.loc[pd.Period("2020-12", "M")] == pytest.approx(2.96e9, rel=0.01)
    assert str(data.uncovered.index[-1]) == "2021-01"
    # civil aircraft is in neither side, whatever the window's coverage: at as_of 2020-12 the window is annex_6_1
    early = select(Snapshot(root), as_of="2020-12")
    assert early.coverage == "annex_6_1"
    treated = primary.inputs(early).treated
    assert treated.loc["2020-12"] == data.treated.loc["2020-12"] == pytest.approx(11.245e9, rel=1e-3)
    assert snap.series("covered_total", coverage="annex_6_1").loc["2020-12"] == pytest.approx(11.631e9, rel=1e-3)
    other = data.control("total_other")
    assert other.loc["2021-11"] == data.total.loc["2021-11"] - data.treated.loc["2021-11"]
    ratio = primary.outcome(data, primary.PRIMARY)
    assert ratio.loc["2020-12"] == pytest.approx(np.log(data.treated.loc["2020-12"] / data.uncovered.loc["2020-12"]))


def test_the_control_s_largest_lines(root):
    from tradedeal.models.momentum.control import control_lines

    lines = control_lines(Snapshot(root), "2020-02", n=3)
    assert lines.attrs == {"before": "2019-02 to 2020-01", "after": "2020-02 to 2021-01"}
    assert list(lines["hs6"]) == ["382200", "470321", "988000"]  # reagents, softwood pulp, low-value shipments
    assert (lines.loc[0, "before_usd"], lines.loc[0, "after_usd"]) == (984190926, 1065159674)
    assert lines.loc[0, "share_before_pct"] == pytest.approx(3.516, abs=1e-3)
    assert lines.loc[0, "description"] == "diagnostic or laboratory reagents"


def test_the_verdict_on_the_shipped_data(answer):
    p, a = answer.primary, answer.absolute
    assert (str(p.start), str(p.end), p.post_months) == ("2013-01", "2021-01", 10)
    assert (str(a.end), a.post_months) == ("2021-11", 20)
    # relative to goods outside Annex 6.1: +0.024 log points a month, not significant
    assert p.test.estimate == pytest.approx(0.02363, rel=1e-3)
    assert p.test.p_value == pytest.approx(0.30, abs=0.03)
    assert p.test.rho_null == pytest.approx(0.770, abs=0.005)
    assert p.verdict == "no significant change"
    assert p.test.lower == pytest.approx(-0.0224, abs=0.002) and p.test.upper == pytest.approx(0.0697, abs=0.002)
    # on its own over the same months (HS6 data to 2021-01): +0.044, p just above 0.05
    same = answer.same_sample
    assert (str(same.end), same.post_months) == ("2021-01", 10)
    assert same.test.estimate == pytest.approx(0.04368, rel=1e-3)
    assert same.test.p_value == pytest.approx(0.058, abs=0.01) and same.test.lower < 0 < same.test.upper
    # on its own to 2021-11, on the series spliced from year-to-date releases after 2021-01: +0.016
    assert a.test.estimate == pytest.approx(0.01596, rel=1e-3)
    assert a.test.p_value == pytest.approx(0.13, abs=0.03)
    assert any("spliced from differenced year-to-date" in note for note in answer.notes)
    assert answer.placebo_rank == (24, 48)  # two-sided by |t|, every placebo window ranked
    table = answer.frame()
    assert list(table["answer"]) == ["primary", "absolute_same_sample", "absolute"]
    assert list(table["placebo_rank"]) == ["24 of 48 (two-sided, by |t|; by calibrated p: 22 of 48)",
                                           "12 of 48 (two-sided, by |t|; by calibrated p: 10 of 48)",
                                           "15 of 41 (two-sided, by |t|; by calibrated p: 7 of 41)"]
    assert (table["vintage"] == "snapshot").all() and (table["as_of"] == "2021-11").all()
    assert (table["coverage"] == "annex_6_1_ex_civil_aircraft").all()
    text = " ".join(answer.headline_sentences())
    assert "calibrated p = 0.301" in text and "annex_6_1_ex_civil_aircraft" in text
    assert "ranks 24 of 48 (two-sided, by |t|; by calibrated p: 22 of 48)" in text
    assert "7 of the 47 placebos" in text and "5 of them would not" in text


def test_placebos_use_only_data_before_the_agreement(answer):
    placebo = answer.placebo
    assert (pd.PeriodIndex(placebo["end"], freq="M") <= pd.Period("2020-01", "M")).all()
    assert str(placebo["break_month"].min()) == "2015-01" and str(placebo["break_month"].max()) == "2019-02"
    lengths = (pd.PeriodIndex(placebo["end"], freq="M") - pd.PeriodIndex(placebo["break_month"], freq="M"))
    assert {d.n + 1 for d in lengths} == {12}  # the real post window: 2020-02 to 2021-01
    # a step at the tariffs that coincides with the break (and its shock months) cannot be estimated
    assert not {"2018-05", "2018-06", "2018-07"} & set(map(str, placebo["break_month"]))
    assert len(placebo) == 47
    # windows whose post-period spans the 2018-07 tariffs are marked for the chart, and ranked like the others
    flagged = placebo.loc[placebo["spans_tariffs"], "break_month"].astype(str)
    assert list(flagged) == list(map(str, pd.period_range("2017-08", "2018-04", freq="M")))
    # the placebos that reject are all next to the tariffs (the windows just after the step do not span it)
    rejected = placebo[placebo["p_value"] < 0.05]
    assert list(rejected["break_month"].astype(str)) == ["2017-11", "2017-12", "2018-01", "2018-02", "2018-08",
                                                         "2018-09", "2018-10"]
    # the rank is two-sided by |t|: a placebo with a large negative t ranks above the real estimate
    assert v.placebo_rank(placebo, 2.0) == v.placebo_rank(placebo, -2.0)
    assert v.placebo_rank(placebo, 100.0) == (1, 48)


def test_every_specification_has_an_estimate_and_an_interval(data):
    table, notes = specifications.specification_table(data, methods=("dummies",), draws=199)
    assert len(table) == 28 and notes == []
    assert table["primary"].sum() == 2
    primary = table[table["primary"] & (table["control"] == "uncovered")].iloc[0]
    assert primary["estimate"] == pytest.approx(0.02363, rel=1e-3)
    assert (table["ci_lower"] < table["estimate"]).all() and (table["estimate"] < table["ci_upper"]).all()
    assert (table[table["control"] != "total_other"]["estimate"] > 0).all()
    # the sensitivities: month effects that differ from the tariffs to the agreement, anticipation months dummied
    season = table[(table["variant"] == "season_2018") & (table["control"] == "uncovered")].iloc[0]
    assert season["estimate"] == pytest.approx(0.0184, rel=1e-2) and season["ci_lower"] < 0 < season["ci_upper"]
    assert (table["variant"] == "anticipation").sum() == 2
    assert table.loc[table["control"] == "total_other", "label"].str.contains("incl. aircraft, mixed vintages").all()
    sentence = specifications.spread_sentence(table)
    assert "uncovered: 10 estimates from +0.0184" in sentence and "significant" not in sentence


def test_an_exploratory_break_and_errors(window, data):
    later = v.verdict(window, break_month="2020-06", control="none")
    assert later.primary is later.absolute and str(later.primary.spec.break_month) == "2020-06"
    with pytest.raises(ParameterError, match="break_month 2021-06 needs at least 24 months before and 6 after"):
        primary.estimate(data, replace(primary.PRIMARY, break_month="2021-06"))
    with pytest.raises(ParameterError, match="break_month must be a month YYYY-MM"):
        primary.Specification(break_month="June")


def test_the_command_line_gives_the_report_s_answer(root, monkeypatch, capsys, answer):
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(root))
    assert cli.main(["momentum"]) == 0
    out = capsys.readouterr().out
    assert "placebo_rank" in out and "24 of 48 (two-sided, by |t|; by calibrated p: 22 of 48)" in out
    assert "coverage: annex_6_1_ex_civil_aircraft" in out
    assert answer.headline_sentences()[0] in out
    assert cli.main(["momentum", "--control", "none", "--as-of", "2020-12", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["parameter"] for r in records] == ["pace", "level"]  # the level change of the same model beside it
    assert records[0]["control"] == "none" and records[0]["as_of"] == "2020-12"
    # the treated series leaves civil aircraft out at every as_of, as the control does
    assert records[0]["vintage"] == "snapshot" and records[0]["coverage"] == "annex_6_1_ex_civil_aircraft"
    assert records[0]["end"] == "2020-12" and records[0]["estimate"] == pytest.approx(0.04673, rel=1e-3)
    assert records[0]["p_value"] == pytest.approx(0.073, abs=0.01) and records[0]["verdict"] == "no significant change"
    assert cli.main(["momentum", "--format", "csv", "--series", "agriculture"]) == 0
    csv = capsys.readouterr().out.splitlines()
    assert csv[0].startswith("design,parameter,weights,label,headline,answer,series,control,break_month")
    assert csv[0].endswith("coverage,vintage,as_of")
    assert csv[1].startswith("aggregate,pace,dollar,primary,True,primary,agriculture,uncovered,2020-02,2013-01,2021-01")


@pytest.mark.parametrize(("argv", "message"), [
    (["--break-month", "2021-13"], "tradedeal: error: break_month must be a month YYYY-MM; got '2021-13'"),
    (["--break-month", "2021-06"], "tradedeal: error: break_month 2021-06 needs at least 24 months before"),
    (["--series", "nonsense"], "tradedeal: error: series: unknown name 'nonsense'"),
    (["--control", "all"], "tradedeal momentum: argument --control: invalid choice: 'all'"),
    (["--as-of", "2020-03"], "tradedeal: error: the 2020 shock has not ended by 2020-03"),
    (["--as-of", "2030-01"], "tradedeal: error: as_of 2030-01 is outside the data"),
])
def test_bad_input_is_one_line(root, monkeypatch, capsys, argv, message):
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(root))
    assert cli.main(["momentum", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(message) and captured.err.count("\n") == 1
