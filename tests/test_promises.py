"""Promises kept: a Snapshot serves the vintage it resolved at creation, whatever is pulled after;
an estimator never gives a verdict from a number that is not finite.

The pull planted here is a copy of the REAL shipped FRED EXPCH file with one month changed
(TEST DATA, NOT REAL), in the layout a refresh writes.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tradedeal.errors import EstimationError, TradedealError
from tradedeal.ingest import vintages
from tradedeal.ingest.snapshot import Snapshot
from tradedeal.models.forecast.monthly import fit
from tradedeal.models.shared.finite import finite

PULL = "2026-12-01T000000Z"


def _plant_fred_pull(root, month: str = "2020-06-01", value: str = "9000.500000") -> None:
    """A FRED pull of EXPCH as a refresh would write it, one month changed (TEST DATA, NOT REAL)."""
    folder = root / "raw" / "vintages" / "fred" / PULL
    folder.mkdir(parents=True)
    lines = (root / "raw" / "fred" / "EXPCH.csv").read_text().splitlines()
    lines = [f"{month},{value}" if line.startswith(month) else line for line in lines]
    (folder / "EXPCH.csv").write_text("\n".join(lines) + "\n")
    files = {"EXPCH.csv": {"sha256": vintages.sha256(folder / "EXPCH.csv"), "rows": len(lines) - 1}}
    (folder / "manifest.json").write_text(json.dumps({"files": files, "pulled_at": PULL}))


def test_a_snapshot_made_before_a_refresh_serves_its_own_vintage(fresh_root):
    before = Snapshot(fresh_root)
    june = before.total_goods().loc["2020-06", "exports_usd"]
    assert before.vintage == "snapshot" and june == 9_240_649_481  # "2020-06-01,9240.649481" in EXPCH.csv
    _plant_fred_pull(fresh_root)
    after = Snapshot(fresh_root)
    assert after.vintage == PULL and after.total_goods().loc["2020-06", "exports_usd"] == 9_000_500_000
    assert before.vintage == "snapshot"
    assert before.total_goods().loc["2020-06", "exports_usd"] == june  # the same data, as its name says
    assert before.manifest["vintage"] == "snapshot" and after.manifest["vintage"] == PULL
    assert Snapshot(fresh_root, vintage="snapshot").total_goods().loc["2020-06", "exports_usd"] == june


def test_momentum_from_a_series_against_itself_is_one_line_not_a_verdict(run, recwarn):
    """total_exports against total_other (total goods less the series: zero) once printed
    "slowed, p = 0.001" from an estimate of NaN, with 84 RuntimeWarnings."""
    code, out, err = run("momentum", "--series", "total_exports", "--control", "total_other")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "total_exports" in err and "slowed" not in err
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_estimators_refuse_numbers_that_are_not_finite(root):
    """A real series (soybeans) with one month made infinite (a planted fault, NOT REAL), and
    results that are not numbers: each refused in one line naming the series."""
    soybeans = Snapshot(root).series("soybeans")
    assert np.isfinite(soybeans).all()
    planted = soybeans.copy()
    planted.loc["2019-03"] = np.inf
    with pytest.raises(EstimationError) as err:
        fit(planted, "snaive")
    assert str(err.value) == ("soybeans: series is inf at 2019-03, not a finite number: no estimate or verdict is "
                              "given from it")
    assert issubclass(EstimationError, TradedealError)  # the command line's one line and exit 2
    with pytest.raises(EstimationError, match=r"^covered_total: p value is nan, not a finite number"):
        finite("covered_total", estimate=0.01, p_value=float("nan"))
    finite("covered_total", estimate=0.01, p_value=0.2, interval=np.array([0.0, 0.02]))  # finite: no error
