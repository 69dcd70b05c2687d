"""The notebooks' numeric tolerances (tests/nbval_tolerance.py, notebooks/tolerances.yaml): a
number may move within its measured tolerance, and a wrong number or changed text still fails,
both in the comparison itself and through nbval on a real kernel."""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest

from conftest import REPO
from tests.nbval_tolerance import (
    NotebookTolerances, Rule, Tolerance, load_tolerances, matches, mismatches, reconcile, split_numbers,
)

FIT = NotebookTolerances(Tolerance(rel=1e-3))
EXACT = NotebookTolerances()


def test_numbers_are_split_from_text_and_identifiers_stay_text():
    assert split_numbers("T_row0_col1 $-2.67bn, 1,234.5 in 2020-12; 1.8e-07 v1.2.3") == [
        "T_row0_col1 $", "-2.67", "bn, ", "1,234.5", " in ", "2020", "-", "12", "; ", "1.8e-07", " v1.2.3"]


@pytest.mark.parametrize(("stored", "fresh", "ok"), [
    ("prob 0.6457", "prob 0.6456", True),             # last digit of a fit: rel 1.5e-4
    ("change -14.9 %", "change -14.8 %", False),      # rel 6.7e-3 is more than 1e-3
    ("total $93.65bn", "total $93.75bn", False),      # a wrong number: rel 1.07e-3
    ("total $93.65bn", "total $93.65bn", True),
    ("mase 1.5", "mase 1.501", True),                 # pandas' general format drops trailing zeros
    ("mase 1.5", "mase 1.6", False),
    ("in 2020", "in 2021", False),                    # integers are always exact
    ("20,969,792,856", "20,969,792,857", False),
    ("total $93.65bn", "total: $93.65bn", False),     # text is exact
    ("rows 1 2", "rows 1 2 3", False),                # so is the number of numbers
])
def test_a_number_moves_within_its_tolerance_and_nothing_else_does(stored, fresh, ok):
    assert matches(stored, fresh, FIT) is ok


def test_an_exact_notebook_fails_on_the_last_digit():
    assert not matches("prob 0.6457", "prob 0.6456", EXACT)
    assert mismatches("a 0.6457\nb 93.65", "a 0.6457\nb 93.75", FIT) == ["93.65 -> 93.75 (in: b 93.65)"]


def test_a_rule_gives_one_quantity_its_own_tolerance():
    tol = NotebookTolerances(Tolerance(rel=1e-3), (Rule(Tolerance(abs=0.5), line="coverage"),
                                                  Rule(Tolerance(), cell="tracker")))
    assert matches("coverage 85.0 %", "coverage 84.6 %", tol)
    assert not matches("coverage 85.0 %", "coverage 84.4 %", tol)
    assert not matches("MAE 85.0", "MAE 84.6", tol)                        # other lines: rel 1e-3
    assert not matches("MAE 0.6457", "MAE 0.6456", tol, source="snap.tracker(2020)")  # that cell: exact


def test_whole_numbers_get_a_tolerance_only_where_a_rule_says_so():
    tol = NotebookTolerances(Tolerance(rel=1e-3), (Rule(Tolerance(abs=2, integers=True), line="probability"),))
    assert matches("probability 10 %", "probability 9 %", tol)      # whole percent, within 2 points
    assert not matches("probability 10 %", "probability 7 %", tol)  # a wrong number still fails
    assert not matches("in 2020 10 %", "in 2020 9 %", tol)          # elsewhere integers stay exact
    by_column = NotebookTolerances(rules=(Rule(Tolerance(abs=2, integers=True), column="^prob_reach_target$"),))
    table = "     p10_bn prob_reach_target\nagri  31.96              {} %\n"
    assert matches(table.format(10), table.format(9), by_column)     # "10 %" sits under its heading
    assert not matches(table.format(10), table.format(9).replace("31.96", "31.97"), by_column)


TEXT_TABLE = """\
       mae_bn   mase coverage_pct
model                            
auto     1.19  1.502         {cov}
ets      {mae}  1.503         84.6
"""
HTML_TABLE = """<table id="T_1">
<th id="T_1_level0_col0" class="col_heading level0 col0" >mae ($bn)</th>
<th id="T_1_level0_col1" class="col_heading level0 col1" >coverage (%)</th>
<td id="T_1_row0_col0" class="data row0 col0" >{mae}</td>
<td id="T_1_row0_col1" class="data row0 col1" >{cov}</td>
</table>"""


@pytest.mark.parametrize("table", [TEXT_TABLE, HTML_TABLE], ids=["text", "html"])
def test_a_rule_finds_its_column_in_a_text_or_html_table(table):
    tol = NotebookTolerances(Tolerance(rel=1e-3), (Rule(Tolerance(abs=2.0), column="coverage"),))
    stored = table.format(mae="1.21", cov="86.5")
    assert matches(stored, table.format(mae="1.21", cov="84.7"), tol)       # coverage: abs 2
    assert not matches(stored, table.format(mae="1.21", cov="84.4"), tol)
    assert not matches(stored, table.format(mae="1.22", cov="86.5"), tol)   # mae: rel 1e-3


def test_a_rule_can_name_its_table_and_the_words_around_the_number():
    monthly = "        mae_bn coverage_pct\nauto      1.23         {}\n"
    yearly = "       coverage_pct   n\nyear                  \n2017         {}  11\n"
    tol = NotebookTolerances(rules=(Rule(Tolerance(abs=2.4), column="coverage", table="mae_bn"),
                                    Rule(Tolerance(abs=18.2), column="coverage", table="^coverage_pct n$"),
                                    Rule(Tolerance(), around=r"bought \$#bn"),
                                    Rule(Tolerance(rel=0.01), line="band")))
    assert matches(monthly.format("85.8"), monthly.format("84.0"), tol)
    assert not matches(monthly.format("85.8"), monthly.format("68.0"), tol)   # monthly: 2.4 points
    assert matches(yearly.format("90.9"), yearly.format("81.8"), tol)        # per year: one origin in 11
    assert not matches("China bought $101.0bn in a band", "China bought $101.1bn in a band", tol)  # data: exact
    assert matches("China sold $101.0bn in a band", "China sold $101.1bn in a band", tol)
    assert not matches("error 0.9 in a band", "error -0.9 in a band", NotebookTolerances(Tolerance(abs=5)))  # no sign flip
    assert matches("error -0.0 in a band", "error 0.1 in a band", NotebookTolerances(Tolerance(abs=5)))    # -0.0 is zero


def test_reconcile_keeps_the_stored_text_only_where_the_numbers_are_close():
    stored = [nbformat.v4.new_output("stream", name="stdout", text="MAE 0.6457\n"),
              nbformat.v4.new_output("display_data", data={"text/plain": "total 93.65", "text/html": "<td>93.65</td>"})]
    fresh = [nbformat.v4.new_output("stream", name="stdout", text="MAE 0.6456\n"),
             nbformat.v4.new_output("display_data", data={"text/plain": "total 93.75", "text/html": "<td>93.65</td>"})]
    got = reconcile(fresh, stored, FIT, lambda s: s, source="")
    assert got[0]["text"] == "MAE 0.6457\n"                     # within tolerance: nbval sees equal texts
    assert got[1]["data"]["text/plain"] == "total 93.75"        # outside: nbval reports the difference
    assert fresh[0]["text"] == "MAE 0.6456\n"                   # the fresh outputs themselves are untouched
    assert reconcile(fresh, stored, EXACT, lambda s: s, source="")[0]["text"] == "MAE 0.6456\n"


def test_the_shipped_tolerances_keep_plain_arithmetic_exact():
    table = load_tolerances()
    for name in ("01_tracker", "04_product"):
        assert table[name].exact, name
    notebooks = {p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert set(table) <= notebooks
    for name, tol in table.items():  # a tolerance is for measured spread, never a licence for any number
        assert tol.default.rel <= 0.01 and all(r.tolerance.rel <= 0.15 for r in tol.rules), name


def test_a_bad_tolerance_file_is_one_clear_error(tmp_path):
    path = tmp_path / "tolerances.yaml"
    path.write_text("notebooks:\n  03_forecast: {relative: 0.001}\n")
    with pytest.raises(ValueError, match=r"03_forecast: unknown key\(s\) \['relative'\]"):
        load_tolerances(path)
    path.write_text("notebooks:\n  03_forecast:\n    rules:\n      - {column: 'coverage (', abs: 1}\n")
    with pytest.raises(ValueError, match=r"03_forecast rule: column 'coverage \(' is not a regular expression"):
        load_tolerances(path)


def test_nbval_on_a_kernel_passes_a_close_number_and_fails_a_wrong_one_or_changed_text(tmp_path):
    cells = [("print('MAE', 0.6456)", "MAE 0.6457\n"),       # within rel 1e-3: passes
             ("print('total', 93.75)", "total 93.65\n"),     # a wrong number: fails
             ("print('cover 0.6457')", "coverage 0.6457\n"),  # changed text: fails
             ("print('year', 2021)", "year 2020\n")]         # an integer: fails
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": kernel})
    for i, (source, stored) in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=i)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored)]
        nb.cells.append(cell)
    nbformat.write(nb, tmp_path / "fit.ipynb")
    nbformat.write(nb, tmp_path / "plain.ipynb")
    (tmp_path / "tolerances.yaml").write_text("notebooks:\n  fit: {rel: 1.0e-3}  # a test fixture, not a measurement\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "fit.ipynb", "plain.ipynb", "--nbval", "--nbval-current-env",
         "-p", "tests.nbval_tolerance", "--nbval-tolerances", str(tmp_path / "tolerances.yaml"),
         "-p", "no:cacheprovider", "-q", "-rA", "--rootdir", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    passed = sorted(line.split()[1:3] for line in done.stdout.splitlines() if line.startswith("PASSED"))
    failed = sorted(line.split()[1:3] for line in done.stdout.splitlines() if line.startswith("FAILED"))
    assert passed == [["fit.ipynb::Cell", "0"]], done.stdout
    assert failed == [["fit.ipynb::Cell", "1"], ["fit.ipynb::Cell", "2"], ["fit.ipynb::Cell", "3"],
                      ["plain.ipynb::Cell", "0"], ["plain.ipynb::Cell", "1"], ["plain.ipynb::Cell", "2"],
                      ["plain.ipynb::Cell", "3"]], done.stdout
    assert "93.65" in done.stdout and "93.75" in done.stdout  # nbval shows the wrong number as before


def test_a_text_table_may_pad_its_columns_to_a_wider_number_only_under_a_tolerance():
    stored, fresh = "month   mean\n2021-04  9.96\n", "month    mean\n2021-04  10.01\n"
    assert not matches(stored, fresh, FIT)                                   # 9.96 -> 10.01 is a wrong number …
    assert matches("month   mean\n2021-04  9.996\n", "month    mean\n2021-04  9.997\n", FIT)  # … a close one is not
    assert not matches("a  b 0.6457", "a b 0.6457", EXACT)                    # exact notebooks keep their padding
    assert not matches("a  b 0.6457", "a  c 0.6457", FIT)


# ----------------------------------------------------------------------------- the shipped rules

TABLE = load_tolerances()
NOTEBOOK_NAMES = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TWICE = 2.0 * (1 + 1e-9)  # twice the measured spread: more than that must fail


def _measured(where: str, tol: Tolerance, spread: Tolerance | None) -> None:
    if tol.exact:
        return
    assert spread is not None, f"{where}: a tolerance without its measured spread (scripts/blas_spread.py)"
    assert tol.abs <= TWICE * spread.abs + 1e-12, f"{where}: abs {tol.abs} is more than twice the spread {spread.abs}"
    assert tol.rel <= TWICE * spread.rel + 1e-12, f"{where}: rel {tol.rel} is more than twice the spread {spread.rel}"


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_every_rule_is_at_most_about_twice_its_measured_spread_and_bounded(name):
    tol = TABLE.get(name, NotebookTolerances())
    _measured(f"{name} default", tol.default, tol.spread)
    for i, rule in enumerate(tol.rules, start=1):
        _measured(f"{name} rule {i} ({rule.column or rule.around or rule.line})", rule.tolerance, rule.spread)
    # bounds whatever the measurement: a tolerance is for the last digits of a fit, never a licence
    for t in (tol.default, *(r.tolerance for r in tol.rules)):
        assert t.rel <= 0.15 and t.abs <= 20, (name, t)
    assert tol.default.rel <= 0.005 and tol.default.abs == 0, (name, tol.default)


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_a_notebook_without_rules_is_exact(name):
    tol = TABLE.get(name, NotebookTolerances())
    if not tol.rules:
        assert tol.exact, f"{name} has no measured rule, so it must be exact: {tol.default}"


def _blocks(name: str, mime: str) -> list[tuple[str, str]]:
    """Each output block of a committed notebook with its cell's source."""
    import re as _re

    from nbval.plugin import get_sanitize_patterns

    from tests.notebook_outputs import reader_outputs

    patterns = get_sanitize_patterns((REPO / "notebooks" / "sanitize.cfg").read_text())
    path = REPO / "notebooks" / f"{name}.ipynb"
    sources = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    out = []
    for source, blocks in zip(sources, reader_outputs(path, mimes=(mime,))):
        for block in blocks:
            for regex, replace in patterns:
                block = _re.sub(regex, replace, block)
            out.append((block, source))
    return out


def _planted(number: str, tol: Tolerance, spread: Tolerance | None) -> str:
    """``number`` moved by more than twice its measured spread (one display step when exact),
    written with the same decimals."""
    from tests.nbval_tolerance import _value

    value = _value(number)
    decimals = len(number.split(".")[1].split("e")[0].split("E")[0]) if "." in number else 0
    step = 10.0 ** -decimals
    spread = spread or Tolerance()
    rel = 2 * spread.rel
    # isclose measures rel against the larger of the two: move far enough that even that fails
    move = max(2 * spread.abs, rel * abs(value) / (1 - rel) if rel < 1 else abs(value)) + step
    moved = value + move if value >= 0 else value - move
    return f"{moved:.{decimals}f}" if "e" not in number.lower() else f"{moved:.{decimals}e}"


@pytest.mark.parametrize("mime", ["text/plain", "text/html"])
@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_any_shown_number_moved_by_more_than_twice_its_spread_fails(name, mime):
    """Every decimal number the committed notebook shows, planted one at a time at more than twice
    its rule's measured spread away (one display step for an exact one), fails the comparison:
    through the same column, table and context lookup nbval's comparison makes."""
    from tests.nbval_tolerance import NUMBER, _is_decimal, number_close, where

    tol = TABLE.get(name, NotebookTolerances())
    checked = passed = 0
    for block, source in _blocks(name, mime):
        for m in NUMBER.finditer(block):
            number = m.group(1)
            if not _is_decimal(number):
                continue  # integers are always exact
            d = where(block, m.start(1), m.end(1))
            rule = tol.rule_for(source, d.line, d.column, d.table, d.around)
            applied, spread = (tol.default, tol.spread) if rule is None else (rule.tolerance, rule.spread)
            fresh = _planted(number, applied, spread)
            checked += 1
            if number_close(number, fresh, applied):
                passed += 1
                assert False, f"{name}: {number} -> {fresh} passes (in: {d.line.strip()[:100]})"
    assert checked or name not in ("03_forecast",), f"{name}: no decimal number found"


def _plant(name: str, mime: str, column: str, row: str, value: str) -> tuple[str, str, str]:
    """A committed output block of ``name`` with the first number in the column whose heading
    matches ``column``, on a line matching ``row``, replaced by ``value``: (stored, fresh, source)."""
    import re as _re

    from tests.nbval_tolerance import NUMBER, where

    for block, source in _blocks(name, mime):
        for m in NUMBER.finditer(block):
            d = where(block, m.start(1), m.end(1))
            if _re.search(column, d.column) and _re.search(row, d.line):
                return block, block[:m.start(1)] + value + block[m.end(1):], source
    pytest.fail(f"{name}: no number in a column {column!r} on a line {row!r} (the table moved: update this test)")


@pytest.mark.parametrize(("column", "row", "value", "why"), [
    ("^coverage_pct$", r"^auto .* 267 ", "68.0", "monthly 80 % interval coverage (issue: 85.8 -> 68.0)"),
    ("^coverage_pct$", r"^auto .* 498 ", "97.8", "monthly coverage, horizons 1-12, one-sided count"),
    ("^observed_ytd_bn$", r"^covered_total ", "101.59", "observed purchases are data"),
    ("^target_bn$", r"^covered_total ", "178.00", "a target is data"),
    ("^observed_total_bn$", r"^2020-01 ", "89.30", "the observed year total is data"),
    ("^mean_abs_error_pct$", r"^auto ", "6.6", "year-total error 3.5 -> 6.6 (or 28.8 -> 31.9)"),
    ("^auto_pct$", r"^2020-09 ", "-0.9", "a real-time error changing sign (0.9 -> -0.9)"),
    ("^calibration$", r"^auto ", "2.350", "calibration 2.071 -> 2.350"),
    ("^median_bn$", r"^2020-01 ", "67.00", "a median 65.76 -> 67.00"),
])
def test_the_material_errors_planted_in_03_forecast_fail(column, row, value, why):
    stored, fresh, source = _plant("03_forecast", "text/plain", column, row, value)
    assert mismatches(stored, fresh, TABLE["03_forecast"], source), why
