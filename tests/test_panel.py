"""The product-level momentum panel: its estimator against two libraries, its inference, its words.

All data here are the shipped snapshot (a temporary copy), sliced or with planted changes that
the test names.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from tradedeal.agreement.window import select
from tradedeal.ingest.snapshot import Snapshot
from tradedeal.models.momentum import panel as pm
from tradedeal.models.momentum import panel_answer as pa
from tradedeal.models.momentum import panel_inference as pi
from tradedeal.models.momentum.panel_data import IN_FORCE, Panel, panel
from tradedeal.present import cli

SHOCKS = (pd.Period("2020-02", "M"), pd.Period("2020-03", "M"))


@pytest.fixture(scope="module")
def snap(root):
    return Snapshot(root=root)


@pytest.fixture(scope="module")
def full(snap) -> Panel:
    return panel(snap)


def test_the_panel_is_balanced_with_zeros_and_civil_aircraft_on_neither_side(full, snap):
    f = full.frame
    assert len(f) == f["hs6"].nunique() * len(full.months) and len(full.months) == 97
    assert (f["value_usd"] == 0).mean() > 0.2  # months absent from the Census file are kept as zeros
    assert "880000" not in set(f["hs6"])
    # the covered lines add up to the primary's treated series over the HS6 months
    treated = snap.series("covered_total", coverage="annex_6_1_ex_civil_aircraft").loc[:"2021-01"]
    covered = f[f["covered"]].groupby("month")["value_usd"].sum()
    assert np.allclose(covered.to_numpy(), treated.to_numpy(), rtol=1e-9)


def slice_of(full: Panel, lines: int = 30, first="2018-01", last="2020-12") -> Panel:
    """A small real slice: the largest covered and control lines over a few years."""
    f = full.frame[(full.frame["month"] >= pd.Period(first, "M")) & (full.frame["month"] <= pd.Period(last, "M"))]
    size = f.groupby("hs6")["value_usd"].sum()
    side = f.groupby("hs6")["covered"].first()
    keep = [*size[side].nlargest(lines // 2).index, *size[~side].nlargest(lines // 2).index]
    return Panel(f[f["hs6"].isin(keep)], full.vintage, pd.Period(last, "M"))


def test_pyfixest_equals_statsmodels_glm_with_dummies_and_the_exact_form_equals_both(full):
    small = slice_of(full)
    X = pm.terms(small.months, IN_FORCE, SHOCKS)
    lib = pm.estimate(small, X, engine="pyfixest").table
    exact = pm.estimate(small, X).table
    # statsmodels GLM Poisson with one dummy per line and per month (an independent estimator)
    f = small.frame.sort_values(["hs6", "month"])
    Xr = X.reindex(pd.PeriodIndex(f["month"], freq="M")).to_numpy() * f["covered"].to_numpy()[:, None]
    dummies = pd.get_dummies(f[["hs6"]].astype(str), drop_first=False, dtype=float)
    months = pd.get_dummies(f["month"].astype(str), drop_first=True, dtype=float)
    design = np.hstack([Xr, dummies.to_numpy(), months.to_numpy()])
    y = f["value_usd"].to_numpy() / f["value_usd"].mean()
    glm = sm.GLM(y, design, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=300)
    k = X.shape[1]
    for name in ("level", "pace", "c_tariff"):
        j = list(X.columns).index(name)
        assert lib.loc[name, "estimate"] == pytest.approx(glm.params[j], abs=1e-6)
        assert exact.loc[name, "estimate"] == pytest.approx(lib.loc[name, "estimate"], abs=1e-8)
        assert exact.loc[name, "se"] == pytest.approx(lib.loc[name, "se"], rel=1e-5)
    assert k == len(X.columns)


def test_the_exact_form_equals_fepois_on_the_whole_panel(full):
    X = pm.terms(full.months, IN_FORCE, SHOCKS)
    lib = pm.estimate(full, X, engine="pyfixest")
    exact = pm.estimate(full, X)
    assert np.allclose(exact.table["estimate"], lib.table["estimate"], atol=1e-8)
    assert np.allclose(exact.table["se"], lib.table["se"], rtol=1e-5)
    assert exact.n_lines == lib.n_lines == full.frame["hs6"].nunique()


def test_placebo_sets_are_uncovered_lines_matched_on_size(full):
    m = pa.matrix(full, "dollar")
    sets = pi.placebo_sets(m, draws=5)
    assert sets.shape == (5, int((~m.covered).sum()))
    assert len({tuple(np.flatnonzero(s)) for s in sets}) == 5
    # the labelled lines' sizes look like the covered lines' (same decile shares), not like the pool's
    size_unc = m.size[~m.covered]
    assert np.median(size_unc[sets[0]]) > np.median(size_unc)


def test_the_interval_excludes_zero_exactly_when_p_is_below_alpha():
    rng = np.random.default_rng(1)
    t_null = rng.standard_normal(199)
    for t in np.linspace(0, 4, 81):
        c = pi.calibrated(0.1 * t, t, t_null, 0.05)
        assert (c["p_value"] < 0.05) == (c["ci_lower"] > 0 or c["ci_upper"] < 0)


def planted(full: Panel, what: str) -> Panel:
    """The real panel with a change planted on the covered lines from 2020-04 (after the shock
    months): a speed-up, a slow-down or a level drop."""
    f = full.frame.copy()
    k = np.asarray([(m - IN_FORCE).n for m in f["month"]], dtype=float)
    post = (k >= 0) & f["covered"].to_numpy()
    factor = {"speed_up": np.exp(0.08 * k), "slow_down": np.exp(-0.08 * k), "level_drop": np.full(len(k), np.exp(-1))}
    f.loc[post, "value_usd"] = f.loc[post, "value_usd"] * factor[what][post]
    return Panel(f, full.vintage, full.as_of)


@pytest.mark.parametrize(("what", "parameter", "sign", "verdict"), [
    ("speed_up", "pace", 1, "sped up"),
    ("slow_down", "pace", -1, "slowed"),
    ("level_drop", "level", -1, "fell"),
])
def test_planted_changes_get_their_words_and_signs(full, what, parameter, sign, verdict):
    answer = pa.compute(planted(full, what), shocks=SHOCKS, draws=39)
    assert np.sign(answer.fit.estimate[parameter]) == sign
    assert answer.verdict(parameter) == verdict
    row = next(r for r in answer.rows() if r["parameter"] == parameter)
    assert row["verdict"] == verdict and row["label"] == "primary"
    assert f" {verdict} at entry into force 2020-02" in answer.sentence(parameter)


def test_words_are_not_interchangeable():
    assert pa.words("pace", 0.02, 0.01) == "sped up" and pa.words("pace", -0.02, 0.01) == "slowed"
    assert pa.words("level", -0.2, 0.01) == "fell" and pa.words("level", 0.2, 0.01) == "rose"
    assert pa.words("pace", 0.02, 0.2) == "showed no significant change in pace"


def test_the_answer_on_the_shipped_data(snap, full):
    answer = pa.answer(select(snap))  # the cached answer the notebook and the report runs show, computed once a run
    assert answer.fit.shocks == SHOCKS and (answer.fit.start, answer.fit.end) == (full.months[0], full.months[-1])
    rows = {r["parameter"]: r for r in answer.rows()}
    assert rows["level"]["estimate"] == pytest.approx(0.17001, abs=1e-4)
    assert rows["pace"]["estimate"] == pytest.approx(0.02412, abs=1e-4)
    assert rows["level"]["p_value"] == pytest.approx(0.13, abs=0.005)
    assert rows["pace"]["p_value"] == pytest.approx(0.075, abs=0.005)
    assert rows["level"]["placebo_rank"].startswith("16 of 48") and rows["pace"]["placebo_rank"].startswith("7 of 48")
    # every placebo window is in the rank; only the three rank-deficient ones at the tariff step are not estimable
    skipped = answer.placebo.loc[~answer.placebo["estimable"], "break_month"].astype(str).tolist()
    assert skipped == ["2018-05", "2018-06", "2018-07"] and pa.independent(answer.placebo) == 5


def test_the_event_study_marks_its_reference_year_and_tests_the_pre_trend(full):
    es = pm.event_study(full, shocks=SHOCKS)
    ref = es[es["reference"]]
    assert ref["quarter"].tolist() == [-4, -3, -2, -1] and (ref["estimate"] == 0).all()
    assert es["first_month"].iloc[0] == "2013-01" and es["last_month"].iloc[-1] == "2021-01"
    assert 0 <= es.attrs["pretrend_p"] <= 1 and 0 <= es.attrs["pre_all_p"] <= 1
    q3 = es.set_index("quarter").loc[3]
    assert q3["estimate"] == pytest.approx(0.3737, abs=2e-3)


def test_an_exploratory_break_is_labelled_so_everywhere(root, monkeypatch, capsys):
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(root))
    assert cli.main(["momentum", "--design", "panel", "--break-month", "2020-05", "--format", "json"]) == 0
    captured = capsys.readouterr()
    records = json.loads(captured.out)
    assert [r["parameter"] for r in records] == ["level", "pace"]
    assert all(r["label"] == "exploration" and not r["headline"] for r in records)
    for key in ("design", "parameter", "weights", "estimate", "ci_lower", "ci_upper", "p_value", "placebo_rank",
                "verdict", "as_of", "vintage"):
        assert key in records[0]
    assert "primary" not in captured.out + captured.err
    assert "Exploration (break 2020-05" in captured.err


def test_the_aggregate_design_gives_level_and_pace_rows(root, monkeypatch, capsys):
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(root))
    assert cli.main(["momentum", "--design", "aggregate", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    primary = [r for r in records if r["answer"] == "primary"]
    assert [r["parameter"] for r in primary] == ["pace", "level"]
    assert all(r["design"] == "aggregate" and r["headline"] and r["as_of"] == "2021-11" for r in primary)
    level = primary[1]
    assert level["estimate"] == pytest.approx(0.1469, abs=1e-3) and level["p_value"] == pytest.approx(0.39, abs=0.03)
    assert level["verdict"] == "no significant change" and level["placebo_rank"].startswith("30 of 48")
    assert cli.main(["momentum", "--design", "aggregate", "--break-month", "2020-05", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert all(r["label"].startswith("exploration") and not r["headline"] for r in json.loads(captured.out))
    assert "primary" not in captured.out and "Exploration (break 2020-05" in captured.err
