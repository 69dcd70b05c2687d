"""The product scanner: planted slope changes are found, the false discovery rate holds on a null
panel, and on the shipped data the lines add up to the category totals they come from.

The panels of the first two tests are SYNTHETIC TEST DATA, NOT REAL: made here with known answers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tradedeal import Snapshot
from tradedeal.agreement.concordance import CATEGORIES
from tradedeal.models.scanner import scan, scan_panel
from tradedeal.present import cli

RECOVERY = pd.Period("2020-05", "M")


def synthetic_panel(seed: int, *, lines: int = 30, planted: int = 0, change: float = 0.03):
    """SYNTHETIC TEST DATA, NOT REAL: ``lines`` monthly series of about $100m, 2013-01 to 2021-01,
    seasonal with noise; the first ``planted`` speed up by ``change`` log points a month from 2020-05."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2013-01", "2021-01", freq="M", name="month")
    t = np.arange(len(months))
    after = np.clip(t - int(np.flatnonzero(months == RECOVERY)[0]), 0, None)
    columns = {}
    for i in range(lines):
        season = 0.3 * np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
        ar = np.zeros(len(t))
        shocks = rng.normal(0, 0.08, len(t))
        for k in range(1, len(t)):
            ar[k] = 0.3 * ar[k - 1] + shocks[k]
        logs = np.log(100e6) + 0.002 * t + season + ar + (change * after if i < planted else 0)
        columns[f"L{i:02d}"] = np.exp(logs)
    values = pd.DataFrame(columns, index=months)
    meta = pd.DataFrame({"description": "synthetic", "subcategory": "synthetic", "category": "manufactures"},
                        index=values.columns)
    return values, meta


def test_planted_slope_changes_are_found():
    values, meta = synthetic_panel(7, lines=40, planted=10, change=0.05)
    result = scan_panel(values, meta, recovery_month=RECOVERY, fdr=0.10)
    found = set(result.lines.loc[result.lines["verdict"] == "accelerated", "code"])
    planted = {f"L{i:02d}" for i in range(10)}
    assert len(found & planted) >= 9
    assert len(found - planted) <= 2
    assert result.lines.loc[result.lines["code"].isin(planted), "slope_change"].median() == pytest.approx(0.05, abs=0.01)


def test_benjamini_hochberg_keeps_false_discoveries_near_the_nominal_rate():
    # on a null panel every discovery is false, so the FDR is the share of panels with any
    runs = [scan_panel(*synthetic_panel(seed), recovery_month=RECOVERY, fdr=0.10) for seed in range(60)]
    any_discovery = np.mean([(r.lines["verdict"] != "no significant change").any() for r in runs])
    assert any_discovery <= 0.20
    q = np.concatenate([r.lines["q_value"].to_numpy() for r in runs])
    assert ((q >= 0) & (q <= 1)).all()


def test_on_the_shipped_data_the_lines_add_up_to_their_categories(root):
    snap = Snapshot(root)
    window = snap.select(coverage="annex_6_1")
    expected = snap.exports_by_category("annex_6_1").loc["2017", list(CATEGORIES)].sum()
    for level in ("hs4", "subcategory"):
        result = scan(window, level=level)
        every = pd.concat([result.lines, result.skipped])
        assert every["code"].is_unique
        got = every.groupby("category")["value_2017_usd"].sum().reindex(list(CATEGORIES))
        assert got.to_dict() == expected.to_dict(), level
    hs4 = scan(window, level="hs4")
    assert set(hs4.skipped["reason"].str.split(":").str[0]) <= {"too small in 2017", "too many months with no trade"}
    soy = hs4.lines.set_index("code").loc["1201"]
    assert soy["value_2017_usd"] == pytest.approx(12_224.4e6, rel=0.001) and soy["subcategory"] == "Oilseeds"
    assert hs4.headline().startswith(f"{hs4.counts()['accelerated']} of {len(hs4.lines)} hs4 lines tested accelerated")


def test_the_scan_command(root, monkeypatch, capsys):
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(root))
    assert cli.main(["scan", "--level", "subcategory", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert {(r["vintage"], r["as_of"]) for r in rows} == {("snapshot", "2021-01")}
    assert {"Oilseeds", "Crude oil"} <= {r["code"] for r in rows}
    assert "lines tested accelerated after 2020-05 at an FDR of 10%" in err
    assert cli.main(["scan", "--fdr", "2"]) == 2
    assert capsys.readouterr().err.strip() == "tradedeal scan: argument --fdr: invalid share '2': must be between 0 and 1"
