"""A report's opening: its title names the report and its subject, its headline comes first in
the HTML (before the parameter block), and the index repeats headline, coverage and parameters."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tradedeal.present import headline
from tradedeal.present.index import index_html

PARAMETERS = ("Parameters: product = soybeans, year = 2020, as_of = 2020-12 (latest), coverage = annex_6_1 (default), "
              "vintage = snapshot (latest)\nPeriod: 2020, through 2020-12\nCoverage: annex_6_1 — Annex 6.1 covered "
              "products\nData: US Census Bureau [vintage: snapshot]\n")
SENTENCE = "Through 2020-12 China bought $14.20bn of soybeans, 116.2 % of its 2017 level"


def made_up_report(coverage: str | None = None):
    """made-up notebook outputs (not data): a product report as papermill leaves it."""
    meta = {"headline": SENTENCE + "."} | ({"coverage": coverage} if coverage else {})
    return new_notebook(cells=[
        new_markdown_cell("# One product in depth\n\nValue, quantity and unit value of one product."),
        new_code_cell("product = 'soybeans'"),
        new_code_cell("print(parameters.describe(params, window))",
                      outputs=[new_output("stream", name="stdout", text=PARAMETERS)]),
        new_code_cell("show_headline(sentences)", outputs=[new_output(
            "display_data", data={"text/markdown": f"**{SENTENCE}.**", "text/plain": SENTENCE + "."},
            metadata={"tradedeal": meta})]),
        new_markdown_cell("## Value by year, against 2017"),
    ])


def test_the_opening_is_read_from_the_report_outputs():
    found = headline.opening(made_up_report())
    assert found.title == "One product in depth — soybeans, 2020, through 2020-12"
    assert found.headline == SENTENCE + "."
    assert found.coverage == "annex_6_1"  # from the Coverage line
    assert found.parameters.startswith("product = soybeans, year = 2020")
    assert headline.opening(made_up_report("annex_6_1_ex_civil_aircraft")).coverage == "annex_6_1_ex_civil_aircraft"


def test_the_html_opens_with_title_and_headline_and_shows_them_once():
    from nbconvert import HTMLExporter

    from tradedeal.present.report import TEMPLATES

    nb = made_up_report()
    readers = headline.for_readers(nb)
    assert "".join(nb.cells[0].source).startswith("# One product")  # the executed notebook is kept whole
    body, _ = HTMLExporter(exclude_input=True, template_file=str(TEMPLATES / "tradedeal.html.j2")).from_notebook_node(
        nbformat.from_dict(readers))
    assert "<title>One product in depth — soybeans, 2020, through 2020-12</title>" in body
    main = body[body.index("<main>"):]
    assert main.index('class="tradedeal-headline"') < main.index("Parameters: product = soybeans")
    assert main.count("$14.20bn of soybeans") == 1 and main.count("<h1") == 1
    assert "mathjax" not in body.lower()  # "$14.20bn … $200bn" is money, not a formula


def test_the_index_repeats_headline_coverage_and_resolved_parameters(tmp_path):
    path = tmp_path / "04_product.ipynb"
    nbformat.write(made_up_report(), path)
    page = index_html([("04_product", tmp_path / "04_product.html", path, "ok", True, {}),
                       ("05_scanner", None, None, "not run (the run was interrupted)", False, {"level": "hs6"})], "r1")
    assert page.count("<tr>") == 3
    assert '<a href="04_product.html">One product in depth — soybeans, 2020, through 2020-12</a>' in page
    assert f"<td class=\"headline\">{SENTENCE}.</td>" in page
    assert "Coverage: All Annex 6.1 goods including civil aircraft" in page and "product = soybeans, year = 2020" in page and "defaults" not in page
    assert "level = hs6" in page and "not run (the run was interrupted)" in page
