"""The clean Annex 6.1 concordance against the damaged transcription, and the coverages."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import RAW

from tradedeal.errors import ConcordanceError, ParameterError
from tradedeal.ingest.concordance import COVERAGES, classify
from tradedeal.ingest.sources import load_concordance

CATEGORY = {"1. Manufactured Goods": "manufactures", "2. Agriculture": "agriculture", "3. Energy": "energy"}


@pytest.fixture(scope="module")
def concordance() -> pd.DataFrame:
    return load_concordance(RAW / "agreement" / "annex_6_1.csv")


def test_every_transcribed_code_keeps_its_category(concordance):
    damaged = pd.read_csv(RAW / "agreement" / "annex_6_1_hs4_as_transcribed.csv", dtype=str)
    assert len(damaged) == 536
    mapped = classify(damaged["hs4_o"], concordance)
    expected = damaged.set_index("hs4_o")["high_catagory"].map(CATEGORY)
    assert mapped.loc[expected.index, "category"].tolist() == expected.tolist()


def test_names_and_descriptions_are_clean(concordance):
    assert set(concordance["category"]) == {"agriculture", "manufactures", "energy"}
    assert "Industrial machinery" in set(concordance["subcategory"])
    assert "Aircraft (orders and deliveries)" in set(concordance["subcategory"])
    damage = re.compile(r"[A-Za-z],[A-Za-z]|\s{2,}| ,|\.hin|\n")
    assert not [d for d in concordance["description"] if damage.search(d)]
    assert concordance.set_index("code").loc["0101", "description"] == "Horses, asses, mules and hinnies, live"


def test_the_more_specific_line_wins(concordance):
    got = classify(["290511", "290519", "271012", "271019", "270900", "880000", "999999"], concordance)
    assert got["category"].tolist() == [
        "energy", "manufactures", "energy", "not_covered", "energy", "manufactures", "not_covered",
    ]
    assert got.loc["290511", "subcategory"] == "Refined products"


def test_civil_aircraft_depends_on_coverage(concordance):
    full = classify(["880000", "880240"], concordance, "annex_6_1")
    ex = classify(["880000", "880240"], concordance, "annex_6_1_ex_civil_aircraft")
    assert full["category"].tolist() == ["manufactures", "manufactures"]
    assert ex["category"].tolist() == ["not_covered", "manufactures"]
    assert set(COVERAGES) == {"annex_6_1", "annex_6_1_ex_civil_aircraft"}


def test_unknown_coverage_names_the_choices(concordance):
    with pytest.raises(ParameterError, match="coverage must be one of annex_6_1, annex_6_1_ex_civil_aircraft"):
        classify(["1201"], concordance, "everything")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('0101,hs6,"Horses",Other,agriculture', "line 2: code '0101' does not fit level 'hs6'"),
        ('0101,hs4,"Horses",Other,minerals', "line 2: category 'minerals'"),
    ],
)
def test_malformed_concordance_is_rejected(tmp_path, line, message):
    path = tmp_path / "annex_6_1.csv"
    path.write_text("code,level,description,subcategory,category\n" + line + "\n")
    with pytest.raises(ConcordanceError, match=re.escape(message)):
        load_concordance(path)
