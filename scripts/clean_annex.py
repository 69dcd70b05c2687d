"""Write data/raw/agreement/annex_6_1.csv, the clean concordance, from the damaged transcription.

Run once by hand (``python scripts/clean_annex.py``); the output is committed and reviewed.
What it does, in order:

* codes: HS4 lines stay HS4; the energy lines the agreement lists below HS4 (2710.12.25 naphtha,
  2711.11/12/13/19 LNG and LPG, 2713.11/12 petroleum coke, 2905.11 methanol) become the HS6 codes
  Census publishes them under (a line given at HS8/HS10 is observed only at its HS6 parent);
* Census reports civil aircraft, engines and parts under the special code 880000 rather than
  under chapter 88 HS6 lines: it is added to "Aircraft (orders and deliveries)" (see
  docs/coverage.md for the reconciliation that found it);
* sub-category and category names are cleaned (``Industrial mac.hin ery`` -> ``Industrial
  machinery``; ``1. Manufactured Goods`` -> ``manufactures``);
* descriptions are repaired by rule (displaced commas, words split by spaces, line breaks), a
  short list of OCR misreadings, and the glued words of ``tradedeal.ingest.annex_text.REPAIRS``
  (``oilsobtained``, ``Wireof``: the loader applies that list too, so the shipped file is read
  right without being edited); residual typos in long descriptions may remain — codes and
  categories, not descriptions, drive every figure. The damage report at the end names words
  that look glued (``annex_text.looks_glued``) for a person to add to the list.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from tradedeal.ingest.annex_text import looks_glued
from tradedeal.ingest.annex_text import repair as repair_glued

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data/raw/agreement/annex_6_1_hs4_as_transcribed.csv"
TARGET = ROOT / "data/raw/agreement/annex_6_1.csv"

CATEGORIES = {"1. Manufactured Goods": "manufactures", "2. Agriculture": "agriculture", "3. Energy": "energy"}
SUBCATEGORIES = {
    "Industrial mac.hin ery": "Industrial machinery",
    "Electrical equipment and mac.hioery": "Electrical equipment and machinery",
    "Air craf t (ord ers and deliverie s)": "Aircraft (orders and deliveries)",
}
# Lines the agreement lists below HS4, as Census publishes them (HS6).
CODES = {"271012250": "271012", "27111990": "271119"}
OCR = {
    "Com(maize)": "Corn (maize)", "Buttennilk": "Buttermilk", "hwnan": "human", "consumotion": "consumption",
    "freeof Jean": "free of lean", "pmposes": "purposes", "fumaces": "furnaces", "Stearn": "Steam",
    "bou1es": "boules", "insu1ators": "insulators", "disabilitv; oarts": "disability; parts",
    "saliva !,.)": "sativa L.)", "yam waste": "yarn waste", "rolline:": "rolling", "chiowood": "chipwood",
    "heading854;6electrical": "heading 8546; electrical", "heading010,5": "heading 0105,", ",vater": " water",
    ",vagons": " wagons", "offal.": "offal,", "dried.": "dried,", "molded.": "molded,", "forged.": "forged,",
    "Pig,s'": "Pigs',", "et,c.": "etc.,", "examp, le": "example,", "examp,le": "example,",
    "carsand": "cars and", "shapesand": "shapes and", "oilsderived": "oils derived", "partsof": "parts of",
    "partsand": "parts and", "glandsand": "glands and", "andpellets": "and pellets", "moreof": "more of",
    "beforeor": "before or", "orr oots": "or roots", "nutsetc.": "nuts etc.", "oftransdermal": "of transdermal",
    "pharmaceuticalsubstances": "pharmaceutical substances", "hidepowder": "hide powder",
    "bindingsubstance": "binding substance", "bentor": "bent or", "toolhandles": "tool handles",
    "articles ofloofah": "articles of loofah", "spiegeleisenin": "spiegeleisen in", "havinga": "having a",
    "widthof": "width of", "thancast": "than cast", "iron)or": "iron) or", "Tubeor": "Tube or",
    "laboratoryequipme,nt": "laboratory equipment,", "ovensand": "ovens and", "thanskip": "than skip",
    "capstans;jacks": "capstans; jacks", "ballor": "ball or", "gasketsand": "gaskets and",
    "notcontaining": "not containing", "staticconverters": "static converters", "self-containedelectric":
    "self-contained electric", "hair-removingappliances": "hair-removing appliances", "thischapter": "this chapter",
    "graphiteor": "graphite or", "glassnot": "glass not", "therapeuticuses": "therapeutic uses",
    "whetheror": "whether or", "3006)consisting": "3006) consisting", "heading4601;articles": "heading 4601; articles",
    "acid;polyphosphoric": "acid; polyphosphoric", "brine;smoked": "brine; smoked", "1006);germ": "1006); germ",
    "0713),of": "0713), of", "0714);flou": "0714); flou", "Hydrogen,rare": "Hydrogen, rare",
    "crustaceans,molluscs": "crustaceans, molluscs", "rectifying,sterilizing": "rectifying, sterilizing",
    "super-heaters,soot": "super-heaters, soot", "rectifiers)and": "rectifiers) and", "870,2)": "8702)",
    "3002,3005 or  3006": "3002, 3005 or 3006", "8525,8527": "8525, 8527", "U n ca lc ined": "Uncalcined",
    "plane, d sanded": "planed, sanded", "partsnor": "parts nor", "wagonsand": "wagons and", ")&": ") &",
    "&not": "& not",
}
SHORT_WORDS = {"a", "an", "as", "at", "be", "by", "in", "no", "of", "on", "or", "to"}
DAMAGE = re.compile(r"[A-Za-z],[A-Za-z]|\s{2,}| ,|\.hin")


def repair(text: str, vocabulary: set[str]) -> str:
    """Undo the PDF-extraction damage of one description."""
    text = text.replace("\n", "  ")
    for wrong, right in OCR.items():
        text = text.replace(wrong, right)
    # a comma moved into the word before it: "Hors,es  ass,es" -> "Horses, asses"
    text = re.sub(r"([A-Za-z]+),([a-z]{1,3})(?=[\s)]|$)", r"\1\2,", text)
    # a word broken before its last letters: "liv, e  nesoi" -> "live, nesoi"
    text = re.sub(r"([A-Za-z]+), ([a-z]{1,2})(?=\s{2}|$)", r"\1\2,", text)
    text = re.sub(r"([A-Za-z]+) ,", r"\1,", text)
    text = re.sub(r",\s*\)", "),", text)
    text = re.sub(r",(?=[A-Za-z(])", ", ", text)
    tokens = text.split()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for span in (4, 3, 2):  # words split by spaces: "Edib  l e" -> "Edible"
            parts = tokens[i : i + span]
            if len(parts) < span:
                continue
            word = "".join(parts)
            core = re.sub(r"\W", "", word).lower()
            known = [re.sub(r"\W", "", p).lower() in vocabulary | SHORT_WORDS for p in parts]
            if core in vocabulary and not all(known):
                out.append(word)
                i += span
                break
        else:
            out.append(tokens[i])
            i += 1
    text = " ".join(out)
    text = re.sub(r"\s+([,;)])", r"\1", text)
    text = re.sub(r",(?=[^\s\d])", ", ", text)
    text = re.sub(r",,", ",", text)
    return repair_glued(text.strip())


def main() -> None:
    with SOURCE.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    words = Counter(w.lower() for r in rows for w in re.findall(r"[A-Za-z]{3,}", r["description"]))
    vocabulary = {w for w, n in words.items() if n >= 2} | {
        "oats", "rice", "cheese", "live", "malt", "starches", "extracts", "casks", "vats", "pulley", "turbojets",
        "uncalcined", "compression", "agglomerated", "railway", "angles", "centrifuges", "aircraft", "orders",
        "deliveries", "flour", "honey", "edible", "offal", "extinguishers", "internal", "electromagnetic", "methanol",
    }
    clean = []
    for r in rows:
        code = CODES.get(r["hs4_o"], r["hs4_o"])
        clean.append(
            {
                "code": code,
                "level": f"hs{len(code)}",
                "description": repair(r["description"], vocabulary),
                "subcategory": SUBCATEGORIES.get(r["low_catagory"], r["low_catagory"]),
                "category": CATEGORIES[r["high_catagory"]],
            }
        )
    clean.append(
        {
            "code": "880000",
            "level": "census_special",
            "description": "Civilian aircraft, engines, equipment and parts (Census special code for civil aircraft)",
            "subcategory": "Aircraft (orders and deliveries)",
            "category": "manufactures",
        }
    )
    clean.sort(key=lambda r: r["code"])
    tmp = TARGET.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["code", "level", "description", "subcategory", "category"])
        writer.writeheader()
        writer.writerows(clean)
    tmp.replace(TARGET)
    damaged = [r for r in clean if DAMAGE.search(r["description"]) or looks_glued(r["description"], vocabulary)]
    print(f"wrote {len(clean)} lines to {TARGET.relative_to(ROOT)}; {len(damaged)} descriptions still look damaged")
    for r in damaged:
        print(" ", r["code"], r["description"][:150])


if __name__ == "__main__":
    main()
