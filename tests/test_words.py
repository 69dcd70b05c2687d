"""Words where a reader looks: no field name or snake_case token in what a report or a CLI table
shows, product titles in words, HS codes with their descriptions from the shipped sources."""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tradedeal.ingest import annex_text, descriptions, sources
from tradedeal.present import labels, wording
from tradedeal.present.headline import opening

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ANNEX = REPO / "data" / "raw" / "agreement" / "annex_6_1.csv"


# --- the detector ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("China bought 59.5 % (annex_6_1_ex_civil_aircraft).", ["annex_6_1_ex_civil_aircraft"]),
    ("US exports of crude_oil and lng", ["crude_oil", "lng"]),
    ("covered hs4 lines; see prob_reach_target", ["hs4", "prob_reach_target"]),
    ("control: total_other", ["total_other"]),
    ("Figures from docs/momentum.md and benchmarks/size.py, scripts/blas_spread.py", []),
    ("Parameters: min_usd = 1000000, as_of = 2021-11 (latest)", []),
    ("All Annex 6.1 goods, HS4 lines, LNG, a p-value of 0.3", []),
])
def test_field_names_are_found_in_a_sentence_and_paths_are_not(text, expected):
    assert labels.field_names(text) == expected


def test_words_replaces_each_field_name_with_its_label():
    text = "US exports of crude_oil (annex_6_1_ex_civil_aircraft), covered hs4 lines; slope_change"
    assert labels.words(text) == ("US exports of crude oil (Annex 6.1 goods without civil aircraft), covered HS4 "
                                   "lines; change in monthly growth")
    assert labels.field_names(labels.words(text)) == []
    assert labels.words("Parameters: min_usd = 1000000") == "Parameters: min_usd = 1000000"


def test_commands_quoted_in_markdown_are_typed_as_they_are():
    nb = _report("Fine.", markdown="Named products (crude oil; typed as `-p product crude_oil`).\n\n```sh\n"
                                    "tradedeal scan --min-usd 1e6 --table lines\n```")
    assert wording.offenders(nb) == []
    assert wording.offenders(_report("Fine.", markdown="Named (`crude_oil`).")) != []


def _report(headline: str, markdown: str = "Text.", header: str = "Share (%)", alt: str = "A chart"):
    """made-up notebook outputs (not data): one of each kind of text a reader sees."""
    table = f"<table><caption>Caption</caption><thead><tr><th>{header}</th></tr></thead><tr><td>1.0</td></tr></table>"
    return new_notebook(cells=[
        new_markdown_cell(f"# A report\n\n{markdown}"),
        new_code_cell("x", outputs=[
            new_output("stream", name="stdout", text="Parameters: as_of = 2021-11 (latest)\nNote: fine.\n"),
            new_output("display_data", data={"text/markdown": f"**{headline}**", "text/plain": headline},
                       metadata={"tradedeal": {"headline": headline}}),
            new_output("display_data", data={"text/html": table, "text/plain": "t"}),
            new_output("display_data", data={"image/png": "", "text/plain": "<Figure>"},
                       metadata={"image/png": {"alt": alt}}),
        ]),
    ])


def test_a_planted_field_name_is_caught_wherever_a_reader_sees_it():
    assert wording.offenders(_report("China bought 59.5 % of the target.")) == []
    for planted in (_report("China bought 59.5 % (annex_6_1)."), _report("Fine.", markdown="see `relative_mae`"),
                    _report("Fine.", header="crps_usd"), _report("Fine.", alt="Forecasts of covered_total")):
        found = wording.offenders(planted)
        assert len(found) == 1, found
        assert found[0][1] in ("annex_6_1", "relative_mae", "crps_usd", "covered_total")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_field_name_reaches_a_reader_of_a_committed_report(path):
    """Every markdown cell, headline, printed line, HTML table and alt text of the committed report
    (the Parameters and Software lines excepted: they are for re-running it)."""
    found = wording.offenders(nbformat.read(path, as_version=4))
    assert not found, "\n".join(f"{where}: {token!r} in {text[:120]!r}" for where, token, text in found[:15])


@pytest.mark.parametrize("headline_field", ["headline"])
def test_committed_headlines_have_two_or_three_sentences(headline_field):
    import re

    for path in NOTEBOOKS:
        text = opening(nbformat.read(path, as_version=4)).headline or ""
        sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9$−-])", text.strip()) if s]
        assert 1 <= len(sentences) <= 3, f"{path.stem}: {len(sentences)} sentences: {text[:200]}"
        assert len(text.split()) <= 120, f"{path.stem}: {len(text.split())} words"


# --- labels ---------------------------------------------------------------------------------

def test_names_in_sentences_and_product_titles():
    assert labels.name("covered_total") == "covered total"
    assert labels.name("lng") == "LNG"
    assert labels.name("crps_usd") == "CRPS"
    assert labels.name("annex_6_1_ex_civil_aircraft") == "Annex 6.1 goods without civil aircraft"
    assert labels.product("0203") == "pork (HS 0203)"
    assert labels.product("crude_oil") == "crude oil"
    assert labels.product("8703") == "HS 8703"


def test_a_product_report_is_titled_in_words():
    nb = new_notebook(cells=[
        new_markdown_cell("# One product in depth"),
        new_code_cell("p", outputs=[new_output("stream", name="stdout", text=(
            "Parameters: product = 0203, year = 2020\nPeriod: 2020, through 2020-12\n"))]),
    ])
    assert opening(nb).title == "One product in depth — pork (HS 0203), 2020, through 2020-12"


# --- descriptions ---------------------------------------------------------------------------

def test_the_annex_text_is_read_without_its_glued_words_and_the_file_is_not_edited():
    raw = {r["code"]: r["description"] for r in csv.DictReader(ANNEX.open(encoding="utf-8"))}
    assert "oilsobtained" in raw["2709"] and raw["7217"].startswith("Wireof")  # the shipped file as it is
    read = sources.load_concordance(ANNEX).set_index("code")["description"]
    assert read["2709"] == "Petroleum oils and oils obtained from bituminous minerals, crude"
    assert read["7217"] == "Wire of iron or nonalloy steel"
    assert read["8418"].endswith("other than the air conditioning machines of heading 8415; parts thereof")
    assert not read.str.contains("|".join(annex_text.REPAIRS)).any()
    assert read.map(annex_text.repair).equals(read)  # twice changes nothing
    vocabulary = {w.lower() for text in read for w in text.split()}
    assert [w for text in read for w in annex_text.looks_glued(text, vocabulary)] == []


def test_hs6_descriptions_come_from_census_then_the_line_then_the_heading():
    concordance = pd.DataFrame({"code": ["2709", "271111"], "description": ["Crude oils", "LNG, liquefied"]})
    census = pd.Series({"270900": "CRUDE PETROLEUM", "271112": ""}, name="description")
    out = descriptions.table(["270900", "271111", "270710", "271112"], census, concordance).set_index("hs6")
    assert out.loc["270900"].tolist() == ["CRUDE PETROLEUM", "census"]
    assert out.loc["271111"].tolist() == ["LNG, liquefied", "annex_line"]
    assert "270710" not in out.index and "271112" not in out.index  # neither Census nor the Annex describes them


def test_the_build_counts_the_descriptions_it_writes(root):
    table = pd.read_parquet(root / "processed" / "hs6_descriptions.parquet").set_index("hs6")
    assert table.loc["120190", "description"] == "Soybeans, whether or not broken (heading 1201)"
    assert table.loc["271111", "source"] == "annex_line"
    assert table.loc["721710", "description"] == "Wire of iron or nonalloy steel (heading 7217)"
    assert len(table) > 2000  # every HS6 code of the data under a covered heading or line


# --- command-line tables ------------------------------------------------------------------------

def test_a_cli_table_is_headed_by_labels_and_keeps_fields_in_csv():
    from tradedeal.ingest.concordance import COVERAGES
    from tradedeal.present.tables import render

    fields = [f for f in labels.LABELS if f not in COVERAGES and f not in ("crude_oil", "lng", "civil_aircraft")]
    frame = pd.DataFrame({f: [1.5e9 if f.endswith("_usd") else 0.25] for f in fields})
    frame["coverage"] = "annex_6_1_ex_civil_aircraft"
    frame["category"] = "covered_total"
    text = render(frame, "table", header=["coverage: annex_6_1"], notes=["see crps_usd"])
    assert labels.field_names(text) == [], labels.field_names(text)[:10]
    assert "Covered total" in text and "Annex 6.1 goods without civil aircraft" in text
    assert "note: see CRPS" in text
    assert render(frame, "csv").splitlines()[0].split(",") == [*fields, "coverage", "category"]


def test_the_tracker_and_product_commands_show_no_field_name(run):
    for args in (("tracker", "--year", "2020"), ("tracker", "--year", "2020-2021"),
                 ("tracker", "--year", "2020", "--prices", "2017"), ("tracker", "--year", "2020-2021", "--table", "gaps"),
                 ("tracker", "--year", "2020-2021", "--table", "published"), ("product", "0203", "--year", "2020")):
        code, out, err = run(*args)
        assert code == 0, err
        assert labels.field_names(out) == [] and labels.field_names(err) == [], (args, labels.field_names(out))
