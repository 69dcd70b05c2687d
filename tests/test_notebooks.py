"""Report notebooks: parameter checks before any kernel, papermill runs with other parameters,
failures that do not stop the others, and executed notebooks free of secrets and machine paths."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import nbformat
import pytest

from conftest import REPO
from notebook_outputs import reader_text
from tradedeal.errors import ParameterError
from tradedeal.present import cli, parameters, report, writing

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def row(text: str, *cells: str) -> bool:
    """Whether a printed table has a row with these cells, in order, separated by spaces."""
    return re.search(r"\s+".join(re.escape(c) for c in cells), text) is not None


def outputs(path: Path) -> str:
    """All text outputs of an executed notebook as a reader sees them (stdout in one piece)."""
    return reader_text(path, mimes=("text/plain",))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_has_one_parameters_cell_then_a_check(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = parameters.notebook_parameters(path)
    assert names and set(names) <= set(parameters.CHECKS)
    following = next(c for c in nb.cells[tagged[0] + 1 :] if c.cell_type == "code")
    assert f'parameters.check_parameters("{path.stem}"' in following.source
    assert "def " not in "".join(c.source for c in nb.cells if c.cell_type == "code")
    assert nb.metadata["kernelspec"]["name"] == "tradedeal"


def test_parameter_checks_normalise_and_reject():
    got = parameters.check_parameters("x", as_of=dt.date(2020, 7, 1), year="2021", horizon=6, product="LNG")
    assert got == {"as_of": "2020-07", "year": 2021, "horizon": 6, "product": "lng"}
    assert parameters.check_parameters("x", as_of="2020-07-01", vintage=None) == {"as_of": "2020-07", "vintage": None}
    assert parameters.check_parameters("x", product="Crude oil")["product"] == "Crude oil"
    for values, message in [
        ({"as_of": "July 2020"}, "as_of must be a month YYYY-MM; got 'July 2020'"),
        ({"year": "next"}, "year must be a whole number from 2000 to 2100; got 'next'"),
        ({"horizon": 0}, "horizon must be a whole number from 1 to 24; got 0"),
        ({"horizon": 2.5}, "horizon must be a whole number from 1 to 24; got 2.5"),
        ({"category": "services"}, "category must be one of agriculture, manufactures, energy, covered_total"),
        ({"product": "tofu"}, "product must be one of soybeans"),
        ({"model": "prophet"}, "model must be one of auto, snaive"),
        ({"colour": "red"}, "unknown parameter 'colour'"),
    ]:
        with pytest.raises(ParameterError, match=values and message.replace("(", r"\(").replace(")", r"\)")):
            parameters.check_parameters("x", **values)


def test_plan_expands_batch_files(tmp_path):
    batch = tmp_path / "batch.yaml"
    batch.write_text("- {}\n- notebook: 04_product\n  product: pork\n- notebook: 04_product\n  product: 2709\n")
    runs = parameters.plan(None, parameters.load_batch(batch))
    labels = [r.label for r in runs]
    assert labels == ["01_tracker", "02_momentum", "03_forecast", "04_product", "05_scanner", "04_product-pork",
                      "04_product-2709"]
    assert runs[-1].parameters == {"product": "2709"}
    with pytest.raises(ParameterError, match="unknown parameter 'product' for 01_tracker"):
        parameters.plan(["01_tracker"], [{"product": "pork"}])
    with pytest.raises(ParameterError, match="unknown notebook '05_trade'"):
        parameters.plan(["05_trade"], [{}])


def test_bad_parameter_exits_2_before_any_kernel(tmp_path, capsys):
    code = cli.main(["report", "01_tracker", "-p", "year", "2019", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    message = ("tradedeal: error: parameters (year=2019): year must be one of 2020, 2021: "
               "the agreement sets no purchase targets for 2019")
    assert code == 2 and err.strip() == message
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("argv", "batch", "message"),
    [
        (["02_momentum", "-p", "as_of", "2035-01"], None,
         "tradedeal: error: parameters (as_of=2035-01): as_of 2035-01 is outside the data: "
         "annex_6_1_ex_civil_aircraft figures run 2013-01 to 2021-11"),
        (["01_tracker", "-p", "as_of", "2021-03"], None,  # the notebook's default year is 2020
         "tradedeal: error: parameters (as_of=2021-03): as_of must be a month of 2020; got 2021-03"),
        ([], "- notebook: 04_product\n  product: pork\n- notebook: 03_forecast\n  year: 2020\n  as_of: 2021-02\n",
         "batch.yaml entry 1 (notebook=03_forecast, year=2020, as_of=2021-02): as_of must be a month of 2020; got 2021-02"),
        ([], "- notebook: 04_product\n  product: [pork\n", "batch.yaml: not valid YAML: line 3, column 1:"),
    ],
)
def test_parameters_are_checked_against_the_data_before_any_kernel(tmp_path, capsys, argv, batch, message):
    if batch is not None:
        (tmp_path / "batch.yaml").write_text(batch)
        argv = [*argv, "-f", str(tmp_path / "batch.yaml")]
    code = cli.main(["report", *argv, "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "r").exists()  # nothing written


def executed(run, label: str) -> str:
    """The text outputs of one report of the run, which must have succeeded."""
    outcome = run[1][label]
    assert outcome.ok, outcome.error
    return outputs(outcome.ipynb)


def test_tracker_notebook_with_2021_parameters(nondefault_run):
    text = executed(nondefault_run, "01_tracker-2021-2021-06-flat")
    assert "Coverage: Annex 6.1 goods without civil aircraft" in text
    # covered total purchases Jan-Jun 2021 as published: $51,497,817,209
    assert row(text, "covered_total", "78.77", "176.97", "51.50", "88.49", "58.2", "29.1")


def test_momentum_notebook_for_agriculture(nondefault_run):
    text = executed(nondefault_run, "02_momentum-agriculture-2020-12")
    assert "Series: agriculture, 2013-01 to 2020-12" in text
    assert "Coverage: all Annex 6.1 goods including civil aircraft " in text
    assert "Oilseeds" in text and "Meat" in text


def test_forecast_notebook_with_ratio_model(nondefault_run):
    text = executed(nondefault_run, "03_forecast-2020-2020-07-ratio-energy")
    assert row(text, "energy", "ratio", "2020-07", "2020", "3.81")  # energy Jan-Jul 2020: $3.81bn
    assert "2020: covered total through 2020-12" in text


def test_product_notebook_for_crude_oil(nondefault_run):
    text = executed(nondefault_run, "04_product-crude_oil-2020")
    assert "energy / Crude oil" in text
    assert row(text, "2017", "4.38", "0.0")  # 2017 crude oil exports: $4,378.7m
    assert "qty_BBL" in text


def test_a_failing_notebook_does_not_stop_the_others(nondefault_run):
    out, outcomes = nondefault_run
    failed = outcomes["02_momentum-2021-06"]
    assert not failed.ok
    assert "ParameterError: recovery_month 2021-06 is after the end of the HS6 data" in failed.error
    assert sum(o.ok for o in outcomes.values()) == 4
    index = (out / "index.html").read_text()
    assert "FAILED" in index and index.count("<tr>") == 6
    assert all(o.html and o.html.exists() for o in outcomes.values())


def test_executed_notebooks_carry_no_secret_and_no_machine_path(nondefault_run):
    out, _ = nondefault_run
    for path in list(out.glob("*.ipynb")) + list(out.glob("*.html")):
        text = path.read_text()
        assert "k3y" * 10 not in text, path.name
        for machine in (str(REPO), str(Path.home()) + "/"):
            assert machine not in text, (path.name, machine)
    nb = json.loads(next(out.glob("04_product*.ipynb")).read_text())
    assert nb["metadata"]["papermill"]["input_path"] == "notebooks/04_product.ipynb"


def test_scrub_keeps_images(monkeypatch):
    monkeypatch.setenv("CENSUS_API_KEY", "abc123abc123abc123")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    png = "iVBORw0KGgo/tmp/abc123abc123abc123" + str(Path.home())
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": f"{REPO}/data abc123abc123abc123"})]
    nb.cells = [cell]
    writing.scrub_notebook(nb)
    data = nb.cells[0].outputs[0]["data"]
    assert data["image/png"] == png
    assert data["text/plain"] == "data [redacted]"
