"""Typed report parameters: one declaration per parameter reads ``-p``, YAML batch files, the check
made before any kernel and the notebook's own check; bad input is one line and exit 2."""

from __future__ import annotations

import re
import string

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import REPO
from tradedeal.errors import ParameterError
from tradedeal.present import cli, notebook_params, parameters, report

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_declaration_and_the_parameters_cell_agree(path):
    """Names, order and defaults: the notebook's cell and its declaration are one list."""
    cell = parameters.notebook_parameters(path)
    assert list(cell.items()) == list(notebook_params.NOTEBOOKS[path.stem].items())
    for name, default in cell.items():  # every default passes its own check
        assert notebook_params.PARAMS[name].read(default) == (str(default) if name in ("as_of", "recovery_month")
                                                              and default else default)


@pytest.fixture
def planned(monkeypatch, tmp_path):
    """Run the command line's `report` up to the runs it would start (no kernel): returns them."""
    seen = []

    def run_report(runs, out, **options):
        seen.extend(runs)
        return []

    monkeypatch.setattr(report, "run_report", run_report)

    def plan(*argv):
        seen.clear()
        code = cli.main(["report", *argv, "--out", str(tmp_path / "r")])
        return code, list(seen)

    return plan


@pytest.mark.parametrize(("code", "label"), [("0203", "04_product-0203"), ("020714", "04_product-020714")])
def test_product_codes_stay_text_on_the_command_line(planned, code, label):
    # YAML 1.1 read 020714 (frozen chicken cuts) as the octal number 8652, and 0203 (pork) as 131
    rc, runs = planned("04_product", "-p", "product", code)
    assert rc == 0
    assert [(r.label, r.parameters) for r in runs] == [(label, {"product": code})]


def test_a_product_code_without_exports_is_named_as_given(planned, capsys):
    rc, runs = planned("04_product", "-p", "product", "020500")  # was report 8512 (electrical equipment), rc 0
    err = capsys.readouterr().err
    assert rc == 2 and runs == []
    assert err == ("tradedeal: error: parameters (product=020500): product '020500': no HS6 line starts with 020500\n")


def test_batch_files_keep_the_text_written(tmp_path):
    batch = tmp_path / "batch.yaml"
    batch.write_text("- notebook: 04_product\n  product: 020714\n  year: 2021\n"
                     "- notebook: 04_product\n  product: 0203\n"
                     "- notebook: 05_scanner\n  fdr: 0.05\n  min_usd: 10_000_000\n"
                     "- notebook: 01_tracker\n  as_of: 2020-07-01\n  coverage: null\n")
    runs = parameters.plan(None, parameters.load_batch(batch))
    assert [r.parameters for r in runs] == [
        {"product": "020714", "year": 2021}, {"product": "0203"}, {"fdr": 0.05, "min_usd": 10_000_000.0},
        {"as_of": "2020-07", "coverage": None},
    ]


@pytest.mark.parametrize(("argv", "message"), [
    (["03_forecast", "-p", "year", "²"], "year must be a whole number from 2000 to 2100; got '²'"),
    (["03_forecast", "-p", "horizon", "¹"], "horizon must be a whole number from 1 to 24; got '¹'"),
    (["03_forecast", "-p", "horizon", "١٢"], "horizon must be a whole number from 1 to 24; got '١٢'"),
    (["05_scanner", "-p", "fdr", "nan"], "fdr must be a number between 0 and 1; got 'nan'"),
    (["05_scanner", "-p", "min_usd", "1e400"], "min_usd must be a number from 0 to 1e+12; got '1e400'"),
    (["04_product", "-p", "year", "0x7e4"], "year must be a whole number from 2000 to 2100; got '0x7e4'"),
    (["03_forecast", "-p", "year", "2014", "-p", "as_of", "2014-03"],
     "parameters (year=2014, as_of=2014-03): as_of 2014-03: too little data for a forecast with model auto "
     "(data start 2013-01, so as_of from 2014-12)"),
])
def test_bad_values_are_one_line_before_any_kernel(planned, capsys, argv, message):
    rc, runs = planned(*argv)
    err = capsys.readouterr().err
    assert rc == 2 and runs == [] and err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize(("year", "as_of"), [(2013, "2013-01"), (2014, "2014-03")])
def test_a_forecast_with_too_little_data_is_one_line(capsys, year, as_of):
    code = cli.main(["forecast", "--year", str(year), "--as-of", as_of])
    err = capsys.readouterr().err
    assert code == 2 and err == (f"tradedeal: error: as_of {as_of}: too little data for a forecast with model auto "
                                 "(data start 2013-01, so as_of from 2014-12)\n")


@pytest.mark.parametrize(("content", "message"), [
    ("- notebook: 04_product\n  product: caf\xe9\n".encode("latin-1"), "not UTF-8 text (byte 37 is 0xe9)"),
    (b"[" * 5000 + b"]" * 5000, "nested too deep for a parameter file"),
    (b"- notebook: 04_product\n  product: [pork, corn]\n", "entry 0: product must be a single value; got a list"),
    (b"!!python/object/apply:os.system ['echo hi']\n", "a parameter file holds a mapping or a list of mappings"),
])
def test_bad_batch_files_are_one_line(tmp_path, capsys, content, message):
    batch = tmp_path / "batch.yaml"
    batch.write_bytes(content)
    code = cli.main(["report", "-f", str(batch), "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(("address", "message"), [
    ("garbage::://x", "scheduler must be an address such as tcp://host:8786; got 'garbage::://x' (unknown address "
                      "scheme 'garbage::'"),
    ("127.0.0.1", "scheduler must be an address such as tcp://host:8786; got '127.0.0.1' (missing port number"),
])
def test_a_bad_scheduler_address_is_one_line(tmp_path, capsys, address, message):
    argv = ["report", "01_tracker", "--executor", "dask", "--scheduler", address, "--out", str(tmp_path / "r")]
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "r").exists()


# --- property-based: the readers of each type --------------------------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
# Each reader is fed valid inputs too, and an oracle written here says which inputs are valid: a
# reader that refused everything would fail on them.
HORIZONS = st.integers(1, 24).map(lambda n: f"{' ' * (n % 2)}{n}")
SHARES = st.floats(1e-6, 1 - 1e-6).map(repr)
MONTHS = st.dates().map(lambda d: d.strftime("%Y-%m"))


def valid_horizon(text: str) -> bool:
    return re.fullmatch(r"\s*[0-9]+\s*", text) is not None and 1 <= int(text) <= 24


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, HORIZONS))
@example("²")
@example("١٢")
@example(" 12 ")
def test_whole_numbers_are_ascii_digits_or_an_error(text):
    check = notebook_params.PARAMS["horizon"].check
    try:
        value = check("horizon", text)
    except ParameterError as exc:
        assert str(exc).startswith("horizon must be a whole number from 1 to 24; got ")
        assert not valid_horizon(text), f"a valid horizon {text!r} was refused"
    else:
        assert text.strip() and set(text.strip()) <= set(string.digits) and value == int(text) and 1 <= value <= 24


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str), SHARES))
@example("0.1")
@example("0")
@example("1")
@example("1.0")
def test_numbers_are_finite_and_in_range_or_an_error(text):
    try:
        value = notebook_params.PARAMS["fdr"].check("fdr", text)
    except ParameterError as exc:
        assert str(exc).startswith("fdr must be a number between 0 and 1; got ")
        plain = re.fullmatch(r"\s*[0-9]*\.[0-9]+(e-[0-9]+)?\s*", text)
        assert not (plain and 0 < float(text) < 1), f"a valid share {text!r} was refused"
    else:
        assert 0 < value < 1 and value == float(text.replace("_", ""))
        assert text.isascii()


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, st.dates().map(str), MONTHS))
@example("٢٠٢٠-07")
@example("2020-07-31")
@example("2020-07")
def test_months_are_yyyy_mm_or_an_error(text):
    try:
        value = notebook_params.PARAMS["as_of"].read(text)
    except ParameterError as exc:
        assert str(exc).startswith("as_of must be a month YYYY-MM; got ")
        assert re.fullmatch(r"\s*[0-9]{4}-(0[1-9]|1[0-2])\s*", text) is None, f"a valid month {text!r} was refused"
    else:
        if text.strip() in notebook_params.NULL_TEXT:
            assert value is None
        else:
            assert value == text.strip()[:7] and pd.Period(value, "M").strftime("%Y-%m") == value


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=999_999), st.sampled_from([4, 6]))
def test_hs_codes_keep_their_leading_zeros(number, width):
    code = f"{number:0{width}d}"[-width:]
    assert notebook_params.PARAMS["product"].read(code) == code
    if len(str(int(code))) not in (4, 6):  # an int that lost a leading zero is not taken for a code
        with pytest.raises(ParameterError):
            notebook_params.PARAMS["product"].read(int(code))
