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
