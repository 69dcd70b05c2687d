"""Data to the present: a refresh past 2021-01 (TEST DATA, NOT REAL months from future_vintage.py)
flows through every view, each month counted once; vintages can be dropped; the build is safe
when two processes run it at once; a missing raw year is named."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import future_vintage
import pandas as pd
import pytest
import yaml
from api_server import APIServer

from conftest import REPO, census_rows
from tradedeal import Snapshot
from tradedeal.errors import SchemaError
from tradedeal.ingest import processed
from tradedeal.ingest.concordance import AGGREGATE_COVERAGE, CATEGORIES, classify
from tradedeal.ingest.sources import load_concordance
from tradedeal.present import cli
from tradedeal.present.parameters import load_batch, plan

PUBLISHED_YTD_2021_11 = 100_986_670_042  # covered total, Jan-Nov 2021, as published (no civil aircraft)
#: The entry of notebooks/report.yaml the future-vintage test leaves out: on that vintage, its run of
#: 04_product (year 2020, no quantities, the full Annex 6.1) takes the same lines and branches as the
#: default run (soybeans), in the package and in the notebook; only the product code differs.
SAME_PATH_AS_KEPT = {"notebook": "04_product", "product": "civil_aircraft"}


@pytest.fixture
def future_api(fresh_root, tmp_path, monkeypatch, capsys):
    """A local API serving the synthetic months 2021-02..2021-04; the CLI pointed at it and at
    ``fresh_root``; returns a runner of the CLI."""
    folder = future_vintage.write(tmp_path / "future")[0].parent
    server = APIServer(future=folder).__enter__()
    monkeypatch.setenv("TRADEDEAL_CENSUS_URL", f"{server.url}/data/timeseries/intltrade/exports/hs")
    monkeypatch.setenv("TRADEDEAL_FRED_URL", f"{server.url}/graph/fredgraph.csv")
    monkeypatch.setenv("TRADEDEAL_HTTP_BACKOFF", "0")
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(fresh_root))
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    server.__exit__(None, None, None)


def covered_sums(rows_by_month: dict[str, list[list[str]]], coverage: str) -> pd.Series:
    """Covered total by month, computed here from the rows as the API sent them."""
    concordance = load_concordance(REPO / "data" / "raw" / "agreement" / "annex_6_1.csv")
    out = {}
    for month, rows in rows_by_month.items():
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        category = classify(frame["E_COMMODITY"], concordance, coverage)["category"]
        covered = frame["E_COMMODITY"].map(category).isin(CATEGORIES)
        out[month] = frame.loc[covered, "ALL_VAL_MO"].astype("int64").sum()
    return pd.Series(out)


def test_refresh_past_2021_01_then_tracker_forecast_and_reports(future_api, fresh_root, tmp_path):
    run = future_api
    code, out, err = run("data", "refresh", "--source", "all", "--start", "2021-02", "--end", "2021-05")
    assert code == 0, err
    assert "new vintage: census/" in out and "new vintage: fred/" in out
    january = census_rows(2021)
    months = {"2021-01": january, **{m: future_vintage.future_rows(m) for m in future_vintage.FACTORS}}

    # full Annex 6.1 now runs as far as HS6 does, and each refreshed month counts once
    code, out, err = run("tracker", "--year", "2021", "--coverage", "annex_6_1", "--format", "json")
    assert code == 0, err
    rows = {r["category"]: r for r in json.loads(out)}
    expected = covered_sums(months, "annex_6_1")
    assert rows["covered_total"]["as_of"] == "2021-04"
    assert rows["covered_total"]["purchases_ytd_usd"] == expected.sum()
    assert rows["covered_total"]["vintage"] != "snapshot"

    # the aggregates' coverage: HS6 through 2021-04, then the published releases, never both
    code, out, err = run("tracker", "--year", "2021", "--coverage", AGGREGATE_COVERAGE, "--as-of", "2021-04",
                         "--format", "csv")
    assert code == 0, err
    table = pd.read_csv(pd.io.common.StringIO(out)).set_index("category")
    assert table.loc["covered_total", "purchases_ytd_usd"] == covered_sums(months, AGGREGATE_COVERAGE).sum()
    code, out, err = run("tracker", "--year", "2021", "--format", "json")  # default: latest month of 2021
    assert code == 0, err
    total = next(r for r in json.loads(out) if r["category"] == "covered_total")
    assert total["as_of"] == "2021-11" and total["coverage"] == AGGREGATE_COVERAGE
    assert total["purchases_ytd_usd"] == PUBLISHED_YTD_2021_11  # later months telescope to the published total
    assert "Census HS6 lines 2013-01 to 2021-04; published category aggregates 2021-05 to 2021-11" in err

    snap = Snapshot(fresh_root)
    monthly = snap.exports_by_category(AGGREGATE_COVERAGE)
    assert monthly.index.is_unique and str(monthly.index.max()) == "2021-11"
    sources = snap.sources(AGGREGATE_COVERAGE)
    assert [(s, str(a), str(b)) for s, a, b in sources.itertuples(index=False)] == [
        ("census_hs6", "2013-01", "2021-04"), ("category_ytd_releases", "2021-05", "2021-11")]
    assert str(snap.available_through("annex_6_1")) == "2021-04"

    code, out, err = run("forecast", "--year", "2021", "--format", "json")
    assert code == 0, err
    forecast = json.loads(out)
    assert [r["category"] for r in forecast] == ["agriculture", "manufactures", "energy", "covered_total"]
    assert all(r["as_of"] == "2021-11" and r["vintage"] == snap.vintage for r in forecast)

    # `make report`'s batch on the new vintage, less one report that runs no line or branch of the
    # package, nor of its notebook, that the others do not (measured under coverage on this vintage)
    batch = [entry for entry in load_batch(REPO / "notebooks" / "report.yaml") if entry != SAME_PATH_AS_KEPT]
    assert len(batch) == len(load_batch(REPO / "notebooks" / "report.yaml")) - 1  # the one dropped is still there
    (tmp_path / "batch.yaml").write_text(yaml.safe_dump(batch))
    code, out, err = run("report", "-f", str(tmp_path / "batch.yaml"), "--jobs", "2", "--out", str(tmp_path / "reports"))
    assert code == 0, err
    labels = sorted(r.label for r in plan(None, batch))
    assert len(labels) == 8 and f"{len(labels)} of {len(labels)} reports ok" in out
    index = next((tmp_path / "reports").glob("*/index.html"))
    reports = [html for html in index.parent.glob("*.html") if html.name != "index.html"]
    assert sorted(html.stem for html in reports) == labels
    for html in reports:
        assert f"vintage: {snap.vintage}" in html.read_text(), html.name


def test_a_vintage_can_be_dropped_but_never_the_snapshot(future_api, fresh_root):
    run = future_api
    assert run("data", "refresh", "--source", "census", "--start", "2021-02", "--end", "2021-03")[0] == 0
    code, out, _ = run("data", "vintages")
    pull = out.split()[-1]
    assert out.split()[0] == "snapshot" and pull != "snapshot"
    assert str(Snapshot(fresh_root).available_through("annex_6_1")) == "2021-03"
    code, out, err = run("data", "vintages", "--drop", "snapshot")
    assert code == 2 and err.strip() == "tradedeal: error: the shipped snapshot is never dropped"
    code, out, err = run("data", "vintages", "--drop", "2001-01-01T000000Z")
    assert code == 2 and "no vintage '2001-01-01T000000Z' to drop" in err
    code, out, err = run("data", "vintages", "--drop", pull)
    assert code == 0 and out.strip() == f"dropped vintage: census/{pull}"
    assert run("data", "vintages")[1].split() == ["snapshot"]
    assert str(Snapshot(fresh_root).available_through("annex_6_1")) == "2021-01"


@pytest.mark.parametrize("year", [2013, 2021])
def test_a_missing_first_or_last_raw_year_is_named(fresh_root, year):
    (fresh_root / "raw" / "census" / f"exports_hs6_cty5700_{year}.json.gz").unlink()
    with pytest.raises(SchemaError, match=f"raw data missing: census/exports_hs6_cty5700_{year}.json.gz"):
        Snapshot(fresh_root).exports_hs6()
    assert not (fresh_root / "processed" / "manifest.json").exists()


def test_two_builds_at_once_build_once(fresh_root):
    script = ("import logging, sys; logging.basicConfig(level=logging.INFO, stream=sys.stdout, format='%(message)s'); "
              "from tradedeal.ingest.processed import ensure_built; ensure_built(sys.argv[1])")
    env = {k: v for k, v in os.environ.items() if k != "TRADEDEAL_DATA_DIR"}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(fresh_root)], stdout=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sum(o.count("building processed data") for o in outputs) == 1  # the other waited, then found it built
    assert processed.is_current(fresh_root)
    assert Snapshot(fresh_root).exports_by_category("annex_6_1").loc["2021-01", "agriculture"] == 3_869_342_817
