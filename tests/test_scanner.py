"""The product scanner: the same calendar months of 2017, PPML equal to statsmodels, the deal's
headline products tested, a decomposition of the change that adds up, the scans at the placebo
breaks beside the real one, planted slope changes found and a null panel left alone.

The panels built by ``synthetic_panel`` are SYNTHETIC TEST DATA, NOT REAL: made here with known
answers. Every other test reads the shipped data (a temporary copy)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from tradedeal import Snapshot
from tradedeal.agreement.window import select
from tradedeal.ingest.concordance import CATEGORIES
from tradedeal.models.scan.line_model import LineModel, calibrated_p, fit_break, placebo_table
from tradedeal.models.scan.ppml import hac_lags
from tradedeal.models.scan.result import GROUPS
from tradedeal.models.scan.scanner import line_facts, panel, scan, scan_panel, scan_table
from tradedeal.present import cli

BREAK = pd.Period("2020-05", "M")
HEADLINE_PRODUCTS = {"2709": "crude oil", "0207": "poultry", "0202": "frozen beef", "1001": "wheat"}


@pytest.fixture(scope="module")
def hs4(root):
    return scan(select(Snapshot(root), coverage="annex_6_1"), level="hs4")


def synthetic_panel(seed: int, *, lines: int = 30, planted: int = 0, change: float = 0.03):
    """SYNTHETIC TEST DATA, NOT REAL: ``lines`` monthly series of about $100m, 2013-01 to 2021-01,
    seasonal with AR(1) noise; the first ``planted`` speed up by ``change`` log points a month from 2020-05."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2013-01", "2021-01", freq="M", name="month")
    t = np.arange(len(months))
    after = np.clip(t - int(np.flatnonzero(months == BREAK)[0]), 0, None)
    columns = {}
    for i in range(lines):
        season = 0.3 * np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
        ar = np.zeros(len(t))
        shocks = rng.normal(0, 0.08, len(t))
        for k in range(1, len(t)):
            ar[k] = 0.3 * ar[k - 1] + shocks[k]
        logs = np.log(100e6) + 0.002 * t + season + ar + (change * after if i < planted else 0)
        columns[f"L{i:02d}"] = np.round(np.exp(logs))
    values = pd.DataFrame(columns, index=months)
    meta = pd.DataFrame({"description": "synthetic", "subcategory": "synthetic", "category": "manufactures"},
                        index=values.columns)
    return values, meta


def test_the_same_months_of_2017_are_the_same_calendar_months(root):
    # the old scan shifted the last 12 months (2020-02 to 2021-01) back 4 years to 2016-02 to
    # 2017-01 and gave code 2303 $441.0m "in the same months of 2017" against $71.8m in 2017
    values, meta = panel(select(Snapshot(root), coverage="annex_6_1"), "hs4")
    facts = line_facts(values, meta)
    residues = facts.loc["2303"]
    assert residues["value_2017_usd"] == 71_776_336
    assert residues["same_months_2017_usd"] == 71_776_336
    assert residues["last_12m_usd"] == 63_151_428
    assert values.loc["2016-02":"2017-01", "2303"].sum() == 441_037_219  # what the shift compared with
    assert (facts["same_months_2017_usd"] == facts["value_2017_usd"]).all()  # 12 months hold each month once
    assert facts["change_usd"].sum() == 3_564_456_669  # the covered change against 2017, not +$12.75bn


def test_ppml_equals_statsmodels_glm_poisson_with_hac_errors(root):
    values, _ = panel(select(Snapshot(root), coverage="annex_6_1"), "hs4")
    codes = [*HEADLINE_PRODUCTS, "1201", "8542", "3004"]
    model = LineModel(shock=(0, 1))
    ours = fit_break(values[codes], pd.Period("2020-02", "M"), model).set_index("code")
    design = model.design(values.index, pd.Period("2020-02", "M"))
    assert {"tariff_step", "shock_2020-02", "shock_2020-03", "level_change", "slope_change", "month_12"} <= set(design)
    for code in codes:
        fit = sm.GLM(values[code].to_numpy(), design, family=sm.families.Poisson()).fit(
            cov_type="HAC", cov_kwds={"maxlags": hac_lags(len(values)), "use_correction": False})
        assert ours.at[code, "slope_change"] == pytest.approx(fit.params["slope_change"], rel=1e-5, abs=1e-7), code
        assert ours.at[code, "level_change"] == pytest.approx(fit.params["level_change"], rel=1e-5, abs=1e-7), code
        assert ours.at[code, "std_error"] == pytest.approx(fit.bse["slope_change"], rel=1e-4), code


def test_the_deal_s_headline_products_are_tested_and_the_untested_carry_little_of_the_change(hs4):
    tested = hs4.lines.set_index("code")
    assert set(HEADLINE_PRODUCTS) <= set(tested.index)
    assert tested.at["2709", "last_12m_usd"] == pytest.approx(7_346.4e6, rel=1e-4)  # crude oil
    assert tested.at["0207", "value_2017_usd"] == pytest.approx(1.43e6, rel=1e-2)  # poultry: tiny in 2017, tested
    assert abs(hs4.untested_share_pct()) < 10
    assert len(hs4.lines) == 385 and len(hs4.untested) == 140
    assert set(hs4.reasons().index) <= {"too small", "too few months with trade after the break",
                                        "too few months with trade before the break", "no fit"}


def test_the_decomposition_adds_up_to_the_covered_change(hs4):
    table = hs4.decomposition()
    assert list(table.index) == [*GROUPS, "all covered lines"]
    total = table.loc["all covered lines"]
    assert total["change_usd"] == 3_564_456_669  # whole dollars: exact
    assert table.loc[list(GROUPS), "change_usd"].sum() == total["change_usd"]
    assert table.loc[list(GROUPS), "lines"].sum() == total["lines"] == 525
    assert table.loc[list(GROUPS), "share_of_change_pct"].sum() == pytest.approx(100, abs=1e-9)
    assert (table["last_12m_usd"] - table["same_months_2017_usd"] == table["change_usd"]).all()
    assert table.loc["not tested", "change_usd"] == hs4.untested["change_usd"].sum()


def test_the_scan_at_the_real_break_is_shown_beside_the_placebo_scans(hs4):
    table = hs4.placebos
    placebos = table[table["kind"] == "placebo"]
    assert table.iloc[-1]["kind"] == "real" and table.iloc[-1]["break_month"] == "2020-02"
    assert placebos["break_month"].iloc[0] == "2015-01" and placebos["break_month"].iloc[-1] == "2019-01"
    assert len(placebos) == 46  # 2015-01 .. 2019-01 less the three whose design the tariff step makes collinear
    assert "2018-06" not in set(placebos["break_month"])
    # uncalibrated HAC p-values reject a third of the lines at pre-deal breaks; calibrated, about 5 %
    assert 25 < hs4.hac_size_pct() < 45
    assert 3 < hs4.size_pct() < 7
    assert table.iloc[-1]["discoveries"] == 0 == len(hs4.lines) - hs4.counts()["no significant change"]
    assert 4 <= placebos["discoveries"].max() <= 12
    shown = scan_table(hs4, "placebos")  # what `tradedeal scan --table placebos` prints
    assert shown["break_month"].tolist() == [*placebos["break_month"], "2020-02"]
    assert shown["discoveries"].tolist() == [*placebos["discoveries"], 0]
    assert hs4.headline_sentences()[0].startswith("385 of 525 covered hs4 lines (annex_6_1) were "
                                                  "tested for a change of monthly growth at 2020-02: 0 changed")


def test_calibrated_p_values_and_the_out_of_sample_placebo_rule():
    null = np.array([-3.0, -1.0, 0.5, 2.0])
    assert calibrated_p(np.array([2.5, 0.1, 5.0]), null).tolist() == [2 / 5, 5 / 5, 1 / 5]
    # a z that is not a number (negative HAC variance) is never found, and is no placebo
    assert calibrated_p(np.array([np.nan, 2.5]), np.append(null, np.nan)).tolist() == [1.0, 2 / 5]
    fits = {pd.Period(m, "M"): pd.DataFrame({"z": [z], "p_hac": [0.01], "slope_change": [z], "level_z": [-z],
                                             "level_p_hac": [0.5], "level_change": [-z]})
            for m, z in (("2015-01", 4.0), ("2015-06", 1.0), ("2016-06", 1.0))}
    real = pd.DataFrame({"z": [1.5], "p_hac": [0.2], "slope_change": [0.1], "level_z": [1.5], "level_p_hac": [0.2],
                         "level_change": [0.1]})
    table = placebo_table(real, fits, break_month=pd.Period("2020-02", "M"), post_months=12, fdr=0.5)
    # 2015-01 and 2015-06 overlap (5 months apart): each is judged against 2016-06 only
    assert table["calibrated_p_below_5_pct"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert table["lines_tested"].tolist() == [1, 1, 1, 1] and table["hac_p_below_5_pct"].tolist() == [100, 100, 100, 0]
    assert table["level_calibrated_p_below_5_pct"].tolist() == [0.0, 0.0, 0.0, 0.0]  # the level's own placebos
    assert table["level_hac_p_below_5_pct"].tolist() == [0, 0, 0, 0]


def test_planted_slope_changes_are_found():
    values, meta = synthetic_panel(7, lines=40, planted=10, change=0.05)
    result = scan_panel(values, meta, break_month=BREAK, fdr=0.10)
    found = set(result.lines.loc[result.lines["verdict"] == "accelerated", "code"])
    planted = {f"L{i:02d}" for i in range(10)}
    assert len(found & planted) >= 6  # 7 of 10 with this seed: the calibrated test has less power than HAC
    assert len(found - planted) <= 2
    estimates = result.lines.loc[result.lines["code"].isin(planted), "slope_change"]
    assert estimates.median() == pytest.approx(0.05, abs=0.01)


def test_a_null_panel_gives_few_discoveries_and_a_size_near_nominal():
    runs = [scan_panel(*synthetic_panel(seed), break_month=BREAK, fdr=0.10) for seed in range(12)]
    any_discovery = np.mean([(r.lines["verdict"] != "no significant change").any() for r in runs])
    assert any_discovery <= 0.25
    assert 2 < np.mean([r.size_pct() for r in runs]) < 8
    p = np.concatenate([r.lines["p_value"].to_numpy() for r in runs])
    assert ((p > 0) & (p <= 1)).all()


def test_on_the_shipped_data_the_lines_add_up_to_their_categories(root, hs4):
    snap = Snapshot(root)
    expected = snap.exports_by_category("annex_6_1").loc["2017", list(CATEGORIES)].sum()
    every = pd.concat([hs4.lines, hs4.untested])
    assert every["code"].is_unique
    got = every.groupby("category")["value_2017_usd"].sum().reindex(list(CATEGORIES))
    assert got.to_dict() == expected.to_dict()
    soy = hs4.lines.set_index("code").loc["1201"]
    assert soy["value_2017_usd"] == pytest.approx(12_224.4e6, rel=0.001) and soy["subcategory"] == "Oilseeds"


def test_the_scan_command_gives_the_report_s_answers(root, hs4, monkeypatch, capsys):
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(root))
    assert cli.main(["scan", "--table", "decomposition", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    rows = {r["verdict"]: r for r in json.loads(out)}
    assert {(r["vintage"], r["as_of"]) for r in rows.values()} == {("snapshot", "2021-01")}
    expected = hs4.decomposition()
    for group in [*GROUPS, "all covered lines"]:
        assert rows[group]["change_usd"] == expected.loc[group, "change_usd"]
        assert rows[group]["lines"] == expected.loc[group, "lines"]
    for sentence in hs4.headline_sentences():
        assert f"note: {sentence}" in err
    assert cli.main(["scan", "--level", "subcategory", "--format", "json"]) == 0
    codes = {r["code"] for r in json.loads(capsys.readouterr().out)}
    assert {"Oilseeds", "Crude oil", "Meat"} <= codes
    assert cli.main(["scan", "--fdr", "2"]) == 2
    expected = "tradedeal scan: argument --fdr: invalid share '2': must be between 0 and 1"
    assert capsys.readouterr().err.strip() == expected
    assert cli.main(["scan", "--break-month", "2021-06"]) == 2
    assert "break_month 2021-06 is outside the HS6 months of the scan" in capsys.readouterr().err


def test_the_report_shows_the_headline_products_seasonally_adjusted(root, hs4):
    from tradedeal.models.scan.scanner import headline_lines

    picked = headline_lines(hs4)
    assert picked[:5] == ["2709", "0207", "0202", "1001", "1201"] and len(picked) == 6
    values, _ = panel(select(Snapshot(root), coverage="annex_6_1"), "hs4")
    soy = values[["1201"]].loc[hs4.months[0]:]
    adjusted = hs4.adjusted(soy)
    januaries = soy.index.month == 1
    assert (adjusted.loc[januaries] == soy.loc[januaries]).all().all()  # January is the base month
    assert adjusted.at[pd.Period("2017-11", "M"), "1201"] < 0.7 * soy.at[pd.Period("2017-11", "M"), "1201"]  # harvest


def test_the_real_break_counts_as_accelerated_only_the_rises():
    """Planted fits (not real data): three lines far outside 40 placebo z's, two rising and one
    falling, and one inside them; at the real break the three far lines are discoveries, two rose."""
    z = np.linspace(-1, 1, 40)
    placebos = {pd.Period("2015-01", "M") + i: pd.DataFrame({"z": [z[i]], "p_hac": [0.5], "slope_change": [0.0],
                                                             "level_z": [z[i]], "level_p_hac": [0.5],
                                                             "level_change": [0.0]}) for i in range(40)}
    real = pd.DataFrame({"z": [6.0, 5.0, -6.0, 0.1], "p_hac": [0.001, 0.001, 0.001, 0.9],
                         "slope_change": [0.1, 0.08, -0.1, 0.01], "level_z": [0.1] * 4, "level_p_hac": [0.9] * 4,
                         "level_change": [0.0] * 4})
    table = placebo_table(real, placebos, break_month=pd.Period("2020-02", "M"), post_months=12, fdr=0.10)
    last = table.iloc[-1]
    assert last["kind"] == "real" and last["discoveries"] == 3 and last["accelerated"] == 2


def test_the_level_test_is_calibrated_on_the_placebo_breaks(hs4):
    # the level at the break, judged like the pace: uncalibrated HAC rejects about a third of
    # lines at pre-deal breaks, the placebo-calibrated test about 5 % (out of sample)
    placebos = hs4.placebo_rows()
    assert 25 < hs4.level_hac_size_pct() < 45
    assert 3 < hs4.level_size_pct() < 7
    assert placebos["level_calibrated_p_below_5_pct"].max() < 15
    real = hs4.placebos.iloc[-1]
    counts = hs4.level_counts()
    assert real["level_discoveries"] == counts["rose"] + counts["fell"] and real["rose"] == counts["rose"]
    lines = hs4.lines.set_index("code")
    assert ((lines["level_ci_lower"] < lines["level_change"]) & (lines["level_change"] < lines["level_ci_upper"])).all()
    assert ((lines["level_p_value"] > 0) & (lines["level_p_value"] <= 1)).all()


def test_a_planted_level_jump_is_found_by_the_level_test_and_not_the_pace_test():
    values, meta = synthetic_panel(3, lines=40)
    jumped = [f"L{i:02d}" for i in range(8)]
    values.loc[BREAK:, jumped] *= np.exp(0.4)
    result = scan_panel(values, meta, break_month=BREAK, fdr=0.10)
    lines = result.lines.set_index("code")
    rose = set(lines.index[lines["level_verdict"] == "rose"])
    assert len(rose & set(jumped)) >= 6 and len(rose - set(jumped)) <= 2
    assert lines.loc[jumped, "level_change"].median() == pytest.approx(0.4, abs=0.1)
    assert 2 < np.mean(result.placebo_rows()["level_calibrated_p_below_5_pct"]) < 8


def test_the_headline_states_the_measured_power_in_words(hs4):
    import dataclasses

    from tradedeal.models.scan.power import power_words

    assert [power_words(p) for p in (0, 9.9, 10, 49, 50, 79.9, 80, 100)] == [
        "almost no power", "almost no power", "little power", "little power", "some power", "some power",
        "good power", "good power"]
    # the shipped data: the power is measured, and low
    pace = hs4.power[hs4.power["parameter"] == "pace"].set_index("planted_change")
    assert list(pace.index) == [0.02, 0.05, 0.10] and (pace["lines_planted"] == 38).all()
    assert pace["found_pct"].max() < 10
    first, level = hs4.headline_sentences()[:2]
    assert "0 changed at an FDR of 10%" in first and "the scan has almost no power to see this at line level" in first
    assert level.startswith("For the level, 1 changed (1 rose, 0 fell)") and "almost no power" in level
    assert "could not tell, not that the line kept its pace" in hs4.headline_sentences()[-1]
    detail = " ".join(hs4.detail_sentences())
    assert "46 pre-deal placebo breaks" in detail and "at nominal 5%" in detail and "+$3.56bn" in detail
    # a planted power value gives its words, and the figures it rests on
    planted = hs4.power.assign(found_pct=[5.0, 60.0, 90.0, 1.0, 2.0, 30.0])
    sentences = dataclasses.replace(hs4, power=planted).headline_sentences()
    assert "the scan has good power to see this" in sentences[0] and "found in 5%, 60%, 90%" in sentences[0]
    assert "+0.02, +0.05, +0.10 log points a month" in sentences[0]
    assert "the scan has little power to see this" in sentences[1] and "found in 1%, 2%, 30%" in sentences[1]
    assert sentences[-1].endswith("no significant change means a change smaller than those planted")


def test_the_power_is_high_where_lines_are_smooth():
    # SYNTHETIC TEST DATA: smooth lines, where a planted pace of +0.10 a month cannot be missed
    result = scan_panel(*synthetic_panel(5, lines=40), break_month=BREAK, fdr=0.10)
    pace = result.power[result.power["parameter"] == "pace"].set_index("planted_change")
    assert pace.at[0.10, "found_pct"] >= 80 and pace.at[0.02, "found_pct"] < pace.at[0.10, "found_pct"]
    assert "good power" in result.headline_sentences()[0]


def test_the_placebo_calibration_is_cached_and_an_altered_cache_is_a_miss(built_root, hs4, monkeypatch):
    from tradedeal.ingest.paths import processed_dir
    from tradedeal.models.scan import placebos

    window = select(Snapshot(built_root), coverage="annex_6_1")  # a private copy: no cache yet
    cache = processed_dir(built_root) / "cache"
    assert not list(cache.glob("scan_placebos-*.pkl"))
    calls = []
    real_fit_breaks = placebos.fit_breaks
    monkeypatch.setattr(placebos, "fit_breaks", lambda *a, **k: calls.append(1) or real_fit_breaks(*a, **k))
    first = scan(window, level="hs4")
    files = sorted(cache.glob("scan_placebos-*.pkl"))
    assert len(calls) > 0 and len(files) == 1 and first.placebos.equals(hs4.placebos)
    calls.clear()
    again = scan(window, level="hs4")
    assert calls == [] and again.placebos.equals(hs4.placebos)  # served from the cache
    data = bytearray(files[0].read_bytes())
    data[-40] ^= 0xFF  # one byte of the pickle altered, its sha256 header left as it was
    files[0].write_bytes(bytes(data))
    altered = scan(window, level="hs4")
    assert len(calls) > 0  # a miss: computed again
    assert altered.placebos.equals(hs4.placebos) and altered.lines.equals(hs4.lines)
    assert files[0].read_bytes() != bytes(data)  # and rewritten whole
