"""Export to a paper: `tradedeal report --figures svg,png` saves every figure next to its report
with its caption, and every table as CSV (the question as `#` lines) and LaTeX."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from tradedeal.present import cli, export
from tradedeal.present.tables import Table


@pytest.fixture(scope="module")
def exported(default_run):
    """The folder of the shared report run (``default_run``: --figures svg,png), which holds the
    soybean product report with its defaults."""
    return default_run


def test_every_figure_is_saved_in_each_format_with_its_caption(exported):
    report = json.loads((exported / "04_product.ipynb").read_text())
    shown = [o for c in report["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    alts = [o["metadata"]["image/png"]["alt"] for o in shown]
    sidecars = sorted(exported.glob("04_product-fig*.json"))
    assert len(sidecars) == len(shown) >= 1
    for n, (sidecar, alt) in enumerate(zip(sidecars, alts), start=1):
        meta = json.loads(sidecar.read_text())
        assert meta["caption"] == alt and meta["figure"] == n
        assert meta["files"] == [f"04_product-fig{n:02d}.svg", f"04_product-fig{n:02d}.png"]
        svg = ET.parse(exported / meta["files"][0]).getroot()
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        assert (exported / meta["files"][1]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (exported / "04_product-fig01.pdf").exists()  # only the formats asked for


def test_every_table_is_a_csv_with_its_question_and_the_real_figures(exported):
    csvs = sorted(exported.glob("04_product-table*.csv"))
    assert len(csvs) >= 2
    text = csvs[0].read_text()
    header = [line for line in text.splitlines() if line.startswith("# ")]
    assert header[0] == "# report: 04_product, table 1"
    assert any(line.startswith("# Coverage: all Annex 6.1 goods including civil aircraft — ") for line in header), header
    assert any(line.startswith("# Period: 2020, through 2020-12") for line in header), header
    assert any("vintage: snapshot" in line for line in header), header
    annual = pd.read_csv(csvs[0], comment="#", index_col=0)
    # soybeans (HS 1201) exported to China in 2017: $12,224,802,399 (Census, whole dollars as in the data)
    assert annual.loc[2017, "value_usd"] == 12_224_802_399
    latex = csvs[0].with_suffix(".tex").read_text()
    assert "\\begin{tabular}" in latex and "Value (\\$bn)" in latex and "12.22" in latex


def test_unknown_figure_format_is_refused_before_any_kernel(tmp_path, capsys):
    assert cli.main(["report", "04_product", "--figures", "svg,bmp", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err == "tradedeal: error: --figures takes formats from svg, pdf, png, comma-separated; got 'svg,bmp'\n"
    assert not (tmp_path / "r").exists()


def test_nothing_is_written_outside_an_exporting_report_run(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert not export.active()
    fig, _ = plt.subplots()
    assert export.figure(fig, "a figure") == [] and export.table(Table(pd.DataFrame({"a": [1]}))) == []
    plt.close(fig)
