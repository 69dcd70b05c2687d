"""Size and power of the momentum verdict's calibrated test, measured by simulation.

The null is simulated on the primary specification's own design (the shipped data's months,
break, shock dummies, tariff step and month effects) with AR(1) errors at the ρ fitted under
the null; every simulated series goes through the whole test (ρ estimated and bias-corrected,
the bootstrap under its own fitted null). Power adds a slope change of +0.02 log points a month
after the break, with the fitted innovation standard deviation. For comparison: the textbook
FGLS t-test (Student t critical values) on the same series, the absolute answer's test, and the
size when the errors are closer to a unit root than fitted. The size is measured inside the model
(AR(1) errors, one fixed seasonal pattern); beside it, the rejection rate of the same test at the
placebo breaks on the real pre-deal data, which is outside the model's reach.

    .venv/bin/python benchmarks/size.py              # one to two minutes on two busy cores
    .venv/bin/python benchmarks/size.py --reps 4000  # tighter Monte Carlo error
    .venv/bin/python benchmarks/size.py --only panel,regimes  # the panel's and the regimes' sections

Two more sections (issue 23). **Panel**: the product-level test's size under a null built from
the data (``tradedeal.models.momentum.panel_size``: pre-deal residual ratios resampled by product in
12-month blocks, the same months for every line), against the randomization critical value of
the real data, and its power at a level change of +0.10 and a pace change of +0.02. **Regimes**:
the aggregate test's size when the innovations' sd is 0.06 before 2018-07, 0.15 from 2018-07 to
2020-01 and 0.09 after (and with the post-break sd doubled), parametric and wild calibration.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
from scipy import stats

from tradedeal import Snapshot
from tradedeal.agreement.window import select
from tradedeal.models.momentum import primary
from tradedeal.models.momentum import verdict as v
from tradedeal.models.shared import calibrated


def primary_design(data: primary.Inputs, spec: primary.Specification):
    """The design matrix, the slope change's column and the fitted test of ``spec`` on the data."""
    fit = primary.estimate(data, spec)
    y = primary.outcome(data, spec).loc[: fit.end]
    X = primary.design(y.index, spec.break_month, shocks=fit.shocks)
    return X.to_numpy(), X.columns.get_loc("slope_change"), fit


def textbook_size(X: np.ndarray, j: int, rho: float, reps: int, seed: int) -> float:
    """Rejection rate of the FGLS t against Student t critical values, under the null."""
    est, se, *_ = calibrated.fgls_t(X, calibrated.ar1_paths(rho, X.shape[0], reps, np.random.default_rng(seed)), j)
    return float(np.mean(np.abs(est / se) > stats.t.ppf(0.975, X.shape[0] - X.shape[1])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000,
                        help="simulated series for the size and power lines, half as many for the others "
                             "(default: 1000)")
    parser.add_argument("--draws", type=int, default=399, help="bootstrap draws per test (default: 399)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="aggregate,panel,regimes",
                        help="sections, comma-separated: aggregate, panel, regimes (default: all)")
    parser.add_argument("--panel-reps", type=int, default=200, help="simulated panels (default: 200)")
    args = parser.parse_args()
    start = time.perf_counter()
    sections = set(args.only.split(","))
    if "panel" in sections:
        panel_section(args)
    if "regimes" in sections:
        regimes_section(args)
    if "aggregate" not in sections:
        return
    snap = Snapshot()
    data = primary.inputs(select(snap), "covered_total")
    X, j, fit = primary_design(data, primary.PRIMARY)
    rho, sigma = fit.test.rho_null, fit.test.sigma
    mc = lambda p: 100 * np.sqrt(p * (1 - p) / args.reps)  # noqa: E731 (Monte Carlo standard error, points)
    print(f"primary specification: covered_total ({data.window.coverage}) relative to the control "
          f"({primary.PRIMARY.control}), {fit.start} to {fit.end}, break {primary.PRIMARY.break_month}, {fit.post_months} months "
          f"after it outside the shock; vintage {snap.vintage}")
    print(f"fitted null: rho = {rho:.3f} (bias-corrected), innovation sd = {sigma:.4f}; {args.reps} series, "
          f"{args.draws} bootstrap draws each")
    common = dict(reps=args.reps, draws=args.draws, seed=args.seed)
    side = dict(common, reps=max(args.reps // 2, 1))  # the secondary figures: half as many series
    size = calibrated.rejection_rate(X, j, rho=rho, **common)
    print(f"size at nominal 5 %: {100 * size:.1f} %")
    power = calibrated.rejection_rate(X, j, rho=rho, effect=0.02, sigma=sigma, **common)
    print(f"power at +0.02/month: {100 * power:.1f} %")
    print(f"(Monte Carlo standard error of each: {mc(size):.1f} and {mc(power):.1f} points)")
    # the size above is inside the model (AR(1) errors, fixed month effects); on the real pre-deal data:
    placebo = v.placebos(data, fit, seed=args.seed)
    clean = placebo[~placebo["spans_tariffs"]]
    rejected, rejected_clean = (int((part["p_value"] < 0.05).sum()) for part in (placebo, clean))
    print(f"placebo rejection rate on the pre-deal data (real series, nominal 5 %): {rejected} of {len(placebo)} "
          f"({100 * rejected / len(placebo):.1f} %); {rejected_clean} of {len(clean)} whose window does not span "
          f"the 2018 tariffs ({100 * rejected_clean / len(clean):.1f} %)")
    power4 = calibrated.rejection_rate(X, j, rho=rho, effect=0.04, sigma=sigma, **side)
    print(f"power at +0.04/month: {100 * power4:.1f} %")
    print(f"textbook FGLS t-test, same null: size {100 * textbook_size(X, j, rho, 10 * args.reps, args.seed):.1f} %")
    for near in (0.9, 0.95):
        print(f"size if the errors' rho were {near}: {100 * calibrated.rejection_rate(X, j, rho=near, **side):.1f} %")
    Xa, ja, fa = primary_design(data, replace(primary.PRIMARY, control="none"))
    sa = calibrated.rejection_rate(Xa, ja, rho=fa.test.rho_null, **side)
    pa = calibrated.rejection_rate(Xa, ja, rho=fa.test.rho_null, effect=0.02, sigma=fa.test.sigma, **side)
    print(f"absolute answer ({fa.start} to {fa.end}, {fa.post_months} months after the break, rho = "
          f"{fa.test.rho_null:.3f}): size {100 * sa:.1f} %, power at +0.02/month {100 * pa:.1f} %")
    print(f"({time.perf_counter() - start:.0f} s)")


def panel_section(args) -> None:
    """The panel test's size and power under the data-built null."""
    from tradedeal.models.momentum import panel as pm
    from tradedeal.models.momentum import panel_answer as pa
    from tradedeal.models.momentum import panel_size as ps
    from tradedeal.models.momentum.panel_data import panel

    start, cpu = time.perf_counter(), time.process_time()
    snap = Snapshot()
    p = panel(snap)
    answer = pa.compute(p, shocks=pa.shocks_of(snap, p.as_of))
    m = pa.matrix(p, "dollar")
    X = pm.terms(p.months, pm.IN_FORCE, answer.fit.shocks)
    critical = {k: answer.calibration[k]["critical"] for k in pm.PARAMETERS}
    rates = ps.rates(ps.simulate(m, X, critical, reps=args.panel_reps, seed=args.seed))
    print(f"panel (dollar weights, {p.months[0]} to {p.months[-1]}, {answer.fit.n_lines} lines; randomization critical "
          f"|t|: level {critical['level']:.2f}, pace {critical['pace']:.2f}; {args.panel_reps} simulated panels, "
          "pre-deal residuals resampled by product in 12-month blocks)")
    for k in pm.PARAMETERS:
        r = rates.loc[("null", k)]
        print(f"panel size at nominal 5 % ({k}): {r['calibrated']:.1f} % (Monte Carlo s.e. {r['mc_se']:.1f}); "
              f"clustered t against 1.96: {r['clustered']:.1f} %")
    print(f"panel power at a level change of +0.10: {rates.loc[('level', 'level'), 'calibrated']:.1f} %; "
          f"at a pace change of +0.02: {rates.loc[('pace', 'pace'), 'calibrated']:.1f} %")
    placebo = answer.placebo[answer.placebo["estimable"]]
    for k in pm.PARAMETERS:
        hits = int((placebo[f"{k}_t"].abs() > critical[k]).sum())
        print(f"panel placebo break dates rejecting at 5 % ({k}): {hits} of {len(placebo)} "
              f"({pa.independent(answer.placebo)} non-overlapping windows)")
    print(f"(panel section: {time.perf_counter() - start:.0f} s wall, {time.process_time() - cpu:.0f} s CPU)")


def regimes_section(args) -> None:
    """The aggregate test's size under the residuals' variance regimes, parametric and wild."""
    from tradedeal.models.shared import calibrated_wild as cw

    start = time.perf_counter()
    snap = Snapshot()
    data = primary.inputs(select(snap), "covered_total")
    X, j, fit = primary_design(data, primary.PRIMARY)
    months = primary.outcome(data, primary.PRIMARY).loc[: fit.end].index
    sd = np.where(months < primary.TARIFF_MONTH, 0.06, np.where(months < primary.IN_FORCE, 0.15, 0.09))
    reps = max(args.reps // 2, 1)
    for name, sds in (("measured regimes (0.06 / 0.15 / 0.09)", sd),
                      ("post-break sd doubled (0.06 / 0.15 / 0.18)", np.where(months >= primary.IN_FORCE, 0.18, sd))):
        r = cw.regime_size(X, j, sds, rho=fit.test.rho_null, reps=reps, draws=199, seed=args.seed)
        print(f"aggregate size under {name}, nominal 5 %: parametric {100 * r['parametric']:.1f} %, "
              f"wild {100 * r['wild']:.1f} % ({reps} series, Monte Carlo s.e. about "
              f"{100 * np.sqrt(0.05 * 0.95 / reps):.1f} points)")
    wild = cw.wild_calibrated_test(X, primary.outcome(data, primary.PRIMARY).loc[: fit.end].to_numpy(), j, draws=999)
    print(f"aggregate pace on the real data, wild calibration: {wild.estimate:+.4f} ({wild.lower:+.4f} to "
          f"{wild.upper:+.4f}), p = {wild.p_value:.3f}")
    print(f"(regimes section: {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
