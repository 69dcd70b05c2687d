"""The aggregate test under variance regimes: the parametric calibration over-rejects, the wild
one holds. The design is the primary specification's on the shipped data; the series are
simulated (the null is true by construction), their variance regimes those measured on the
real residuals (docs/momentum.md)."""

from __future__ import annotations

import numpy as np
import pytest

from tradedeal.agreement.window import select
from tradedeal.ingest.snapshot import Snapshot
from tradedeal.models.momentum import primary
from tradedeal.models.shared import calibrated_wild as cw


@pytest.fixture(scope="module")
def design(root):
    data = primary.inputs(select(Snapshot(root=root)), "covered_total")
    fit = primary.estimate(data, primary.PRIMARY, draws=199)
    y = primary.outcome(data, primary.PRIMARY).loc[: fit.end]
    X = primary.design(y.index, primary.PRIMARY.break_month, shocks=fit.shocks)
    return X.to_numpy(), X.columns.get_loc("slope_change"), y, fit


def test_the_wild_calibration_holds_where_the_parametric_one_does_not(design):
    X, j, y, fit = design
    months = y.index
    sd = np.where(months < primary.TARIFF_MONTH, 0.06, np.where(months < primary.IN_FORCE, 0.15, 0.18))
    rates = cw.regime_size(X, j, sd, rho=fit.test.rho_null, reps=200, draws=99, seed=3)
    assert rates["parametric"] > 0.12  # the post-break variance doubled: the parametric null is too narrow
    assert 0.01 <= rates["wild"] <= 0.09


def test_the_wild_test_on_the_real_series_agrees_with_the_parametric_verdict(design):
    X, j, y, fit = design
    wild = cw.wild_calibrated_test(X, y.to_numpy(), j, draws=199)
    assert wild.estimate == pytest.approx(fit.test.estimate, rel=1e-9)  # the same FGLS estimate
    assert 0.15 < wild.p_value < 0.5 and wild.lower < 0 < wild.upper
