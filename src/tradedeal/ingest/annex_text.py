"""The Annex 6.1 descriptions as readers see them: words the PDF extraction glued together
(``oilsobtained``, ``Wireof``) or misread (``conditionine:machines``), set apart again.

The shipped ``data/raw/agreement/annex_6_1.csv`` is never edited: the concordance loader applies
:func:`repair` to its descriptions when it reads them, and ``scripts/clean_annex.py`` applies it
when it writes the file, so a new clean file has them right. Each repair is whole-word and its
result does not contain its source, so applying it twice changes nothing. :func:`looks_glued`
finds candidates for the list (a word glued to ``of``/``or``/``and``); the list is reviewed by
hand, since a rule would also split ``tractor`` or ``within``.
"""

from __future__ import annotations

import re

#: Glued or misread words in the Annex 6.1 transcription, and the words they stand for.
REPAIRS: dict[str, str] = {
    "oilsobtained": "oils obtained",
    "Wireof": "Wire of",
    "offalor": "offal or",
    "preparedor": "prepared or",
    "orsteel": "or steel",
    "androds": "and rods",
    "andaccessories": "and accessories",
    "Hydrogenchloride": "Hydrogen chloride",
    "chlorosulfuricacid": "chlorosulfuric acid",
    "drillbars": "drill bars",
    "conditionine:machines": "conditioning machines",
    "ofheadine:": "of heading",
    "oarts": "parts",
}
_PATTERN = re.compile(r"(?<![\w:])(" + "|".join(map(re.escape, sorted(REPAIRS, key=len, reverse=True))) + r")(?![\w])")
_GLUED = re.compile(r"\b(?:[A-Za-z]{3,}(?:of|or|and)|(?:of|or|and)[a-z]{3,})\b")


def repair(text: str) -> str:
    """``text`` with every glued or misread word of :data:`REPAIRS` set right."""
    return _PATTERN.sub(lambda m: REPAIRS[m[1]], str(text))


def looks_glued(text: str, vocabulary: set[str]) -> list[str]:
    """Words of ``text`` that are a ``vocabulary`` word glued to ``of``, ``or`` or ``and`` (candidates
    for :data:`REPAIRS`, to be read by a person)."""
    out = []
    for word in _GLUED.findall(str(text)):
        low = word.lower()
        for small in ("of", "or", "and"):
            rest = low[: -len(small)] if low.endswith(small) else low[len(small):] if low.startswith(small) else None
            if rest and rest in vocabulary and low not in vocabulary:
                out.append(word)
                break
    return out
