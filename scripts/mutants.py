"""Plant realistic faults one at a time and check that the tests that should own each one fail.

A fault is a small textual change (a figure computed from the wrong input, a word swapped, a
boundary moved, a CI line deleted, a tolerance loosened). Each is applied to its own temporary
copy of the work tree (tracked and untracked files, never the checkout), then only the tests
named for it run (``pytest -x``), so the whole list takes minutes. The file a fault changes is
found by its content under a glob (``src/**/*.py``), so a module that moves keeps its faults; a
fault whose text is no longer found is reported as STALE and the script exits 1, so the list
cannot rot silently.

    .venv/bin/python scripts/mutants.py              # every fault: prints "caught N of M" and the survivors
    .venv/bin/python scripts/mutants.py --list       # the faults and the tests that own each
    .venv/bin/python scripts/mutants.py --check      # only check that every fault still applies (seconds)
    .venv/bin/python scripts/mutants.py verdict_words_swapped pace_6m_over_5_months   # some faults
    .venv/bin/python scripts/mutants.py --jobs 2     # two faults at a time (two copies)

Exit 0 when every fault is caught or is a named, explained survivor (``why`` below) and the
unchanged copy passes every selected test; 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Fault:
    """``old`` replaced by ``new`` (each exactly once) in the one file under ``where`` holding it;
    ``tests`` are pytest arguments (files or node ids) that must fail. ``why``: for a fault no test
    can catch, why it cannot change an output (it is then a named survivor, not a miss)."""

    name: str
    where: str
    old: str
    new: str
    tests: tuple[str, ...]
    why: str = ""


FIG = "tests/test_figures.py"
TOL = "tests/test_nbval_tolerance.py"
CI = "tests/test_ci.py"
NBVAL = ("--nbval", "--nbval-current-env", "--nbval-sanitize-with", "notebooks/sanitize.cfg")

FAULTS: tuple[Fault, ...] = (
    # ---- verdict words and their direction
    Fault("verdict_words_swapped", "src/**/*.py",
          'else ("sped up", "slowed")', 'else ("slowed", "sped up")',
          (FIG + "::test_the_momentum_verdict_word_follows_the_sign_and_the_p_value",)),
    Fault("verdict_significance_inverted", "src/**/*.py",
          "if self.test.p_value >= self.test.alpha:", "if self.test.p_value < self.test.alpha:",
          (FIG + "::test_the_momentum_verdict_word_follows_the_sign_and_the_p_value",)),
    Fault("verdict_boundary_p_equal_alpha_significant", "src/**/*.py",
          "if self.test.p_value >= self.test.alpha:", "if self.test.p_value > self.test.alpha:",
          (FIG + "::test_the_momentum_verdict_word_follows_the_sign_and_the_p_value",)),
    Fault("sentence_words_swapped", "src/**/*.py",
          "return up if self.test.estimate > 0 else down", "return down if self.test.estimate > 0 else up",
          (FIG + "::test_the_momentum_verdict_word_follows_the_sign_and_the_p_value",)),
    Fault("scanner_groups_swapped", "src/**/*.py",
          '"": ("slope_change", "accelerated", "slowed")', '"": ("slope_change", "slowed", "accelerated")',
          ("tests/test_scanner.py::test_planted_slope_changes_are_found",)),
    Fault("scanner_count_of_accelerated_by_the_wrong_sign", "src/**/*.py",
          'up = fits["level_change" if prefix else "slope_change"].to_numpy() > 0',
          'up = fits["level_change" if prefix else "slope_change"].to_numpy() < 0',
          ("tests/test_scanner.py::test_the_real_break_counts_as_accelerated_only_the_rises",)),
    Fault("calibrated_p_without_the_observed_one", "src/**/*.py",
          "(1 + above) / (1 + len(ranked)))", "above / len(ranked))",
          ("tests/test_scanner.py::test_calibrated_p_values_and_the_out_of_sample_placebo_rule",)),
    # ---- schemas at the read side
    Fault("processed_schema_accepts_negative_dollars", "src/**/*.py",
          "def _usd(ceiling: float = MONTH_CEILING_USD, *, required: bool = True) -> pa.Column:\n"
          "    return column(amount(ceiling, whole=True, unit=\"USD\", required=required))",
          "def _usd(ceiling: float = MONTH_CEILING_USD, *, required: bool = True) -> pa.Column:\n"
          "    return column([c for c in amount(ceiling, whole=True, unit=\"USD\", required=required)"
          " if c.error != \"non-negative\"])",
          (FIG + "::test_the_processed_schemas_refuse_a_negative_dollar_figure_and_accept_a_real_row",)),
    Fault("processed_schema_accepts_duplicate_rows", "src/**/*.py",
          'checks=[frame_rule(lambda f: ~duplicated(f, ["month", "hs6"]), "one row per month and code")],',
          "checks=[],",
          (FIG + "::test_the_processed_schemas_refuse_a_negative_dollar_figure_and_accept_a_real_row",)),
    # ---- labels on their fields
    Fault("tracker_labels_swapped", "src/**/labels.py",
          '"pct_of_annual_target": "Share of the year\'s target (%)",\n    "pct_of_ytd_target": "Share of the target to date (%)",',
          '"pct_of_annual_target": "Share of the target to date (%)",\n    "pct_of_ytd_target": "Share of the year\'s target (%)",',
          (FIG + "::test_each_label_sits_on_its_field",)),
    Fault("pace_labels_swapped", "src/**/labels.py",
          '"pace_3m_usd": "Pace of last 3 months ($bn per month)",\n    "pace_6m_usd": "Pace of last 6 months ($bn per month)",',
          '"pace_3m_usd": "Pace of last 6 months ($bn per month)",\n    "pace_6m_usd": "Pace of last 3 months ($bn per month)",',
          (FIG + "::test_each_label_sits_on_its_field",)),
    Fault("percentile_labels_swapped", "src/**/labels.py",
          '"p10_usd": "10th percentile ($bn)",\n    "p90_usd": "90th percentile ($bn)",',
          '"p10_usd": "90th percentile ($bn)",\n    "p90_usd": "10th percentile ($bn)",',
          (FIG + "::test_each_label_sits_on_its_field",)),
    # ---- headline figures from the wrong input
    Fault("product_headline_2017_months_shifted_by_one", "src/**/product.py",
          "then = m.loc[start:self.as_of].sum(), m.loc[start - back:self.as_of - back].sum()",
          "then = m.loc[start:self.as_of].sum(), m.loc[start - back + 1:self.as_of - back + 1].sum()",
          (FIG + "::test_the_product_headline_against_the_same_months_of_2017_by_hand",)),
    Fault("product_target_2017_months_shifted_by_one", "src/**/product.py",
          "same_2017 = self.monthly.loc[start - 12 * (self.year - BASELINE_YEAR):self.as_of",
          "same_2017 = self.monthly.loc[start - 12 * (self.year - BASELINE_YEAR) - 1:self.as_of",
          (FIG + "::test_the_product_headline_against_the_same_months_of_2017_by_hand",)),
    Fault("pace_6m_over_5_months", "src/**/*.py",
          "pace6 = s.loc[:month].iloc[-6:].mean()", "pace6 = s.loc[:month].iloc[-5:].mean()",
          (FIG + "::test_the_required_rate_and_the_paces_by_hand",)),
    Fault("pace_3m_over_4_months", "src/**/*.py",
          "pace3 = s.loc[:month].iloc[-3:].mean()", "pace3 = s.loc[:month].iloc[-4:].mean()",
          (FIG + "::test_the_required_rate_and_the_paces_by_hand",)),
    Fault("remaining_months_off_by_one", "src/**/*.py",
          "remaining = 12 - month.month", "remaining = 11 - month.month",
          (FIG + "::test_the_required_rate_and_the_paces_by_hand",)),
    Fault("uncovered_share_over_the_top_10", "src/**/tracker.py",
          'out["share_of_uncovered_pct"] = 100 * out["value_usd"] / totals.sum()',
          'out["share_of_uncovered_pct"] = 100 * out["value_usd"] / totals.head(10).sum()',
          (FIG + "::test_the_uncovered_shares_are_of_every_uncovered_dollar",)),
    Fault("uncovered_smallest_first", "src/**/tracker.py",
          'totals = uncovered.groupby("hs6")["value_usd"].sum().sort_values(ascending=False)',
          'totals = uncovered.groupby("hs6")["value_usd"].sum().sort_values(ascending=True)',
          (FIG + "::test_the_uncovered_shares_are_of_every_uncovered_dollar",)),
    Fault("forecast_headline_pct_of_target_from_p10", "src/**/odds.py",
          "projected += (f\", {100 * row['projected_total_usd'] / row['target_usd']:.1f} % of the target;",
          "projected += (f\", {100 * row['p10_usd'] / row['target_usd']:.1f} % of the target;",
          (FIG + "::test_the_forecast_headline_states_the_planted_projection",)),
    Fault("forecast_headline_band_ends_swapped", "src/**/odds.py",
          "(80 % band ${row['p10_usd'] / 1e9:,.1f}-{row['p90_usd'] / 1e9:,.1f}bn)",
          "(80 % band ${row['p90_usd'] / 1e9:,.1f}-{row['p10_usd'] / 1e9:,.1f}bn)",
          (FIG + "::test_the_forecast_headline_states_the_planted_projection",)),
    Fault("forecast_headline_observed_share_of_projection", "src/**/odds.py",
          "first += (f\", {100 * row['observed_ytd_usd'] / row['target_usd']:.1f} % of the full-year target of \"",
          "first += (f\", {100 * row['observed_ytd_usd'] / row['projected_total_usd']:.1f} % of the full-year target of \"",
          (FIG + "::test_the_forecast_headline_states_the_planted_projection",)),
    Fault("under_1_pct_boundary_in_the_headline", "src/**/odds.py",
          "    if p < 0.01:\n        return \"under 1 %\"", "    if p <= 0.01:\n        return \"under 1 %\"",
          (FIG + "::test_probabilities_in_words_at_their_boundaries",)),
    Fault("over_99_pct_boundary_in_the_headline", "src/**/odds.py",
          "    if p > 0.99:\n        return \"over 99 %\"", "    if p >= 0.99:\n        return \"over 99 %\"",
          (FIG + "::test_probabilities_in_words_at_their_boundaries",)),
    Fault("under_1_pct_boundary_in_tables", "src/**/labels.py",
          "    if value < 0.01:\n        return \"under 1 %\" if value > 0 else \"0 %\"",
          "    if value <= 0.01:\n        return \"under 1 %\" if value > 0 else \"0 %\"",
          (FIG + "::test_probabilities_in_words_at_their_boundaries",)),
    Fault("prob_reach_target_strictly_above", "src/**/*.py",
          "float(np.mean(paths[(m, o)] >= targets[y]))", "float(np.mean(paths[(m, o)] > targets[y]))",
          (FIG + "::test_the_probability_of_reaching_the_target_counts_paths_that_reach_it",)),
    Fault("tracker_sentence_reads_the_share_to_date", "src/**/answers.py",
          "{t['pct_of_annual_target']:.1f} % of the {result.year} target\")",
          "{t['pct_of_ytd_target']:.1f} % of the {result.year} target\")",
          (FIG + "::test_the_tracker_headline_by_hand",)),
    Fault("tracker_share_to_date_over_the_annual_target", "src/**/tracker.py",
          'table["pct_of_ytd_target"] = 100 * table["purchases_ytd_usd"] / table["target_ytd_usd"]',
          'table["pct_of_ytd_target"] = 100 * table["purchases_ytd_usd"] / table["target_usd"]',
          ("tests/test_tracker.py::test_2020_through_july_with_seasonal_target_by_hand",)),
    Fault("targets_without_the_baseline", "src/**/targets.py",
          "return baseline(monthly) + increments(year)", "return increments(year)",
          ("tests/test_targets.py::test_targets_are_baseline_plus_increments",)),
    Fault("volume_and_price_swapped", "src/**/volumes.py",
          '"change_from_volume_usd": sums["value_at_2017_prices_usd"] - first,\n'
          '        "change_from_prices_usd": sums["value_usd"] - sums["value_at_2017_prices_usd"],',
          '"change_from_prices_usd": sums["value_at_2017_prices_usd"] - first,\n'
          '        "change_from_volume_usd": sums["value_usd"] - sums["value_at_2017_prices_usd"],',
          ("tests/test_volumes.py::test_crude_oil_2020_at_2017_prices",
           "tests/test_volumes.py::test_synthetic_split_adds_up_and_flags_a_change_of_unit")),
    Fault("headline_sentence_without_its_full_stop", "src/**/headline.py",
          'return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)',
          'return " ".join(parts)',
          (FIG + "::test_a_headline_is_its_sentences_each_closed",)),
    Fault("dollars_in_millions_shown_as_bn", "src/**/labels.py",
          'return _signed(f"{value / 1e9:,.2f}")', 'return _signed(f"{value / 1e6:,.2f}")',
          ("tests/test_tables.py::test_figures_are_formatted_by_their_field",)),
    # ---- CI contract
    Fault("ci_without_make_test", ".ci/run", "\nmake test\n", "\n", (CI,)),
    Fault("ci_without_the_second_kernel", ".ci/run",
          "OPENBLAS_CORETYPE=$core make test TEST_PATHS=notebooks", "echo skipped", (CI,)),
    Fault("ci_second_kernel_run_on_the_own_kernel", ".ci/run",
          "OPENBLAS_CORETYPE=$core make test TEST_PATHS=notebooks", "make test TEST_PATHS=notebooks", (CI,)),
    Fault("readme_test_command_changed", "README.md", "make test     # the test suite", "make check    # the test suite", (CI,)),
    # ---- tolerances
    Fault("tolerance_coverage_loosened_to_100_points", "notebooks/tolerances.yaml",
          "abs: 18.2  # coverage per year", "abs: 100  # coverage per year", (TOL,)),
    Fault("tolerance_monthly_coverage_given_the_per_year_rule", "notebooks/tolerances.yaml",
          "abs: 2.4  # monthly coverage", "abs: 18.2  # monthly coverage", (TOL,)),
    Fault("tolerance_p_values_loosened", "notebooks/tolerances.yaml",
          "  02_momentum:\n    rel: 0\n    abs: 0\n", "  02_momentum:\n    rel: 0\n    abs: 0.05\n", (TOL,)),
    Fault("tolerance_momentum_figures_loosened", "notebooks/tolerances.yaml",
          "        abs: 2.0e-12\n", "        abs: 1.0e-3\n", (TOL,)),
    Fault("tolerance_scanner_loosened", "notebooks/tolerances.yaml",
          "  05_scanner:\n    rel: 0\n    abs: 0\n", "  05_scanner:\n    rel: 1.0e-3\n    abs: 0\n", (TOL,)),
    Fault("tolerance_data_get_a_tolerance", "notebooks/tolerances.yaml",
          "01_tracker: {rel: 0, abs: 0}", "01_tracker: {rel: 1.0e-2, abs: 0}", (TOL,)),
    Fault("tolerance_forecast_default_loosened", "notebooks/tolerances.yaml",
          "    rel: 3.54e-3\n", "    rel: 6.0e-3\n", (TOL,)),
    Fault("tolerance_forecast_data_rule_dropped", "notebooks/tolerances.yaml",
          "      - column: '^(observed_ytd_bn|target_bn|observed_total_bn)$", "      - column: '^(nothing)$", (TOL,)),
    Fault("tolerance_calibration_back_to_0_14", "notebooks/tolerances.yaml",
          "        rel: 0.10\n", "        rel: 0.14\n", (TOL,)),
    Fault("tolerance_quantiles_one_wide_rule", "notebooks/tolerances.yaml",
          "        rel: 6.46e-3\n", "        rel: 0.02\n", (TOL,)),
    Fault("tolerance_sign_may_flip", "tests/nbval_tolerance.py",
          "    if _sign(a) * _sign(b) < 0:\n        return False\n", "", (TOL,)),
    Fault("tolerance_integers_get_a_tolerance", "tests/nbval_tolerance.py",
          "if tol.exact or not (tol.integers or (_is_decimal(stored) and _is_decimal(fresh))):",
          "if tol.exact:", (TOL,)),
    # ---- what only a figure shows: its plotted data, compared by nbval
    Fault("figure_baseline_bars_from_2018", "src/**/plots.py",
          "str(baseline_year): series[series.index.year == baseline_year].to_numpy() / BN,",
          "str(baseline_year): series[series.index.year == baseline_year + 1].to_numpy() / BN,",
          ("notebooks/04_product.ipynb", *NBVAL)),
    Fault("figure_cumulative_purchases_not_cumulated", "src/**/plots.py",
          "purchases.cumsum().to_numpy() / BN", "purchases.to_numpy() / BN",
          ("notebooks/01_tracker.ipynb", *NBVAL)),
    # ---- readers, cache, figure data, tolerance plugin
    Fault("month_text_always_refused", "src/**/months.py",
          "match = _MONTH.fullmatch(value.strip()) if isinstance(value, str) else None", "match = None",
          ("tests/test_properties.py::test_any_text_is_a_month_or_a_parameter_error",)),
    Fault("a_day_outside_its_month_accepted", "src/**/months.py",
          "            dt.date(year, month, day)\n", "            dt.date(year, month, 1)\n",
          ("tests/test_properties.py::test_a_day_not_in_its_month_is_refused",)),
    Fault("interrupt_during_imports_left_as_an_import_error", "src/**/__main__.py",
          "            if not seen:\n                raise\n", "            raise\n",
          ("tests/test_one_line.py::test_ctrl_c_that_a_library_turns_into_an_import_error_is_still_one_line",)),
    Fault("fdr_accepts_its_ends", "src/**/notebook_params.py",
          'number(0, 1, open_ends=True)', 'number(0, 1, open_ends=False)',
          ("tests/test_parameters.py::test_numbers_are_finite_and_in_range_or_an_error",)),
    Fault("cache_serves_an_altered_file", "src/**/cache.py",
          "if len(data) <= _DIGEST or hashlib.sha256(data[_DIGEST:]).digest() != data[:_DIGEST]:",
          "if len(data) <= _DIGEST:",
          ("tests/test_build.py::test_an_altered_or_damaged_result_cache_is_a_miss",)),
    Fault("x13_identity_dropped_from_the_cache_key", "src/**/specifications.py",
          'return seasonal.x13_identity() if "x13" in methods else None', "return None",
          ("tests/test_momentum.py::test_another_x13_binary_computes_the_x13_specifications_afresh",)),
    Fault("bounded_year_stretch_on_logs", "src/**/calibration.py",
          "    if bound is None:\n        logs, back = np.log(months), np.exp", "    if True:\n        logs, back = np.log(months), np.exp",
          ("tests/test_forecast_bounded.py",)),
    Fault("bounded_interventions_dated_on_the_odds", "src/**/statespace.py",
          "return events(s if bound is None else from_odds(s, bound), rule=rule)", "return events(s, rule=rule)",
          ("tests/test_forecast_bounded.py",)),
    Fault("figure_data_to_3_digits", "src/**/figure_data.py", 'text = f"{value:.6g}"', 'text = f"{value:.3g}"',
          ("tests/test_figure_data.py",)),
    Fault("figure_data_without_bands", "src/**/figure_data.py",
          "xy = np.concatenate([p.vertices for p in coll.get_paths()] or [np.empty((0, 2))])", "continue",
          ("tests/test_figure_data.py",)),
    Fault("tolerance_table_key_ignored", "tests/nbval_tolerance.py",
          "(self.table, table), (self.around, around)))", "(self.around, around)))", (TOL,)),
    Fault("tolerance_around_key_ignored", "tests/nbval_tolerance.py",
          "(self.table, table), (self.around, around)))", "(self.table, table)))", (TOL,)),
    # ---- data and build
    Fault("baseline_year_2018", "src/**/targets.py", "BASELINE_YEAR = 2017", "BASELINE_YEAR = 2018",
          ("tests/test_targets.py::test_targets_are_baseline_plus_increments",)),
)


def tree_files(root: Path) -> list[str]:
    """The work tree's files as git sees them: tracked and untracked, less the ignored."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, capture_output=True,
                         check=True).stdout.decode()
    return [f for f in out.split("\0") if f and (root / f).is_file()]


def copy_tree(root: Path, dest: Path) -> Path:
    for name in tree_files(root):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    venv = root / ".venv"
    if venv.exists():
        (dest / ".venv").symlink_to(venv.resolve())
    return dest


def locate(root: Path, fault: Fault) -> Path | None:
    """The one file under ``fault.where`` that holds ``fault.old`` exactly once (None if not one)."""
    hits = [p for p in sorted(root.glob(fault.where)) if p.is_file() and ".venv" not in p.parts
            and p.read_text(encoding="utf-8").count(fault.old) == 1]
    return hits[0] if len(hits) == 1 else None


_RUNNING: set[subprocess.Popen] = set()  # pytest runs under way: ended with the script


def pytest(copy: Path, tests: tuple[str, ...], log: Path) -> int:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TRADEDEAL_DATA_DIR", "TRADEDEAL_TEST_DATA_DIR", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    env["PYTHONPATH"] = str(copy / "src")
    python = copy / ".venv" / "bin" / "python"
    cmd = [str(python if python.exists() else sys.executable), "-m", "pytest", *tests, "-x", "-q",
           "-p", "no:cacheprovider", "-p", "no:randomly"]
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=copy, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        _RUNNING.add(proc)
        try:
            return proc.wait()
        finally:
            _RUNNING.discard(proc)


def _end_running(*_) -> None:
    """End the pytest runs under way (each in its own process group, by its id), then exit."""
    for proc in list(_RUNNING):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    raise SystemExit(130)


def run_fault(fault: Fault, copy: Path, logs: Path) -> tuple[str, str]:
    """``(outcome, detail)``; outcome is caught, survived, stale or error."""
    path = locate(copy, fault)
    if path is None:
        return "stale", f"{fault.old[:60]!r} is not in exactly one file under {fault.where}"
    before = path.read_text(encoding="utf-8")
    path.write_text(before.replace(fault.old, fault.new, 1), encoding="utf-8")
    try:
        code = pytest(copy, fault.tests, logs / f"{fault.name}.log")
    finally:
        path.write_text(before, encoding="utf-8")
    if code in (1, 2):  # a test failed, or the fault broke the import (collection error): caught
        return "caught", f"pytest exit {code}"
    if code == 0:
        return "survived", fault.why or "no test failed"
    return "error", f"pytest exit {code} (a test named for it is missing?) see {logs / (fault.name + '.log')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="faults to plant (default: all)")
    parser.add_argument("--list", action="store_true", help="list the faults and their tests; run nothing")
    parser.add_argument("--check", action="store_true", help="only check that each fault still applies")
    parser.add_argument("--jobs", type=int, default=1, help="faults planted at once, each in its own copy")
    parser.add_argument("--logs", metavar="DIR", help="keep each fault's pytest output in DIR")
    args = parser.parse_args(argv)
    known = {f.name: f for f in FAULTS}
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown fault(s) {', '.join(unknown)}; --list shows them")
    faults = [known[n] for n in args.names] if args.names else list(FAULTS)
    if args.list:
        for f in faults:
            print(f"{f.name}: {f.where}\n    tests: {' '.join(f.tests)}" + (f"\n    why: {f.why}" if f.why else ""))
        return 0
    if args.check:
        stale = [f.name for f in faults if locate(ROOT, f) is None]
        print(f"{len(faults) - len(stale)} of {len(faults)} faults apply" + (f"; STALE: {', '.join(stale)}" if stale else ""))
        return 1 if stale else 0
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _end_running)
    signal.signal(signal.SIGINT, _end_running)
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        logs = Path(args.logs) if args.logs else Path(tmp) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        jobs = max(1, min(args.jobs, len(faults)))
        copies = [copy_tree(ROOT, Path(tmp) / f"tree{i}") for i in range(jobs)]
        # the unchanged tree must pass every selected test, else a "catch" proves nothing
        selected = tuple(dict.fromkeys(t for f in faults for t in f.tests))
        code = pytest(copies[0], selected, logs / "unchanged.log")
        if code != 0:
            print(f"mutants: the unchanged tree fails its own tests (pytest exit {code}); see {logs / 'unchanged.log'}")
            return 1
        results: dict[str, tuple[str, str]] = {}

        def work(i: int) -> None:
            for f in faults[i::jobs]:
                results[f.name] = run_fault(f, copies[i], logs)
                print(f"  {results[f.name][0]:8} {f.name}", flush=True)

        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(work, range(jobs)))
        caught = [n for n, (o, _) in results.items() if o == "caught"]
        survivors = [(n, d) for n, (o, d) in results.items() if o == "survived"]
        broken = [(n, o, d) for n, (o, d) in results.items() if o in ("stale", "error")]
        total = len(faults)
        print(f"caught {len(caught)} of {total} ({100 * len(caught) / total:.0f} %) in {time.monotonic() - started:.0f} s")
        for name, why in survivors:
            print(f"survivor: {name}: {why}")
        for name, outcome, detail in broken:
            print(f"{outcome.upper()}: {name}: {detail}")
        explained = all(known[n].why for n, _ in survivors)
        return 0 if not broken and explained else 1


if __name__ == "__main__":
    raise SystemExit(main())
