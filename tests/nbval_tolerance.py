"""nbval with numbers compared within a measured tolerance; text and structure still exact.

Numbers from iterative fits (statsmodels) differ in their last digits across CPUs, because
numpy's OpenBLAS picks its kernels by CPU. nbval compares outputs as exact strings and has no
tolerance option, so this plugin (loaded by the root ``conftest.py``) wraps its comparison: a
stored output and a fresh one are split into text and numbers. The text between the numbers must
be identical, except the length of a run of spaces (a text table pads its columns to the widest
number). Each number must equal its stored counterpart within the tolerance that
``notebooks/tolerances.yaml`` declares for that notebook (default: exact, padding included).
When every number is within tolerance, the fresh text is replaced by the stored one before nbval
compares, so any other difference is reported by nbval exactly as before.

Only numbers written with a decimal point or an exponent get a tolerance: integers (years,
months, counts, whole dollars) always compare exactly. A rule can give one quantity its own
tolerance: by cell source, by output line, or by table column (its heading, found in a pandas
text table or a Styler HTML table).
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
TOLERANCES = REPO / "notebooks" / "tolerances.yaml"

SPACES = re.compile(" {2,}")
# A number: optional sign, digits (with thousands separators), optional decimals and exponent;
# never the tail of a word or of another number ("row0", "col12", "v1.2.3" stay text).
NUMBER = re.compile(r"(?<![\w.])([-+\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?)")


@dataclass(frozen=True)
class Tolerance:
    """How far a number may be from its stored value: ``math.isclose(rel_tol=rel, abs_tol=abs)``."""

    rel: float = 0.0
    abs: float = 0.0
    #: Whether whole numbers get the tolerance too (a probability shown in whole percent);
    #: otherwise integers (years, months, counts, dollars) are exact.
    integers: bool = False

    @property
    def exact(self) -> bool:
        return self.rel == 0 and self.abs == 0


EXACT = Tolerance()


@dataclass(frozen=True)
class Rule:
    """A tolerance for the numbers of one quantity: in cells whose source matches ``cell``, on
    output lines that match ``line`` and in table columns whose heading matches ``column``
    (regular expressions, searched; an empty one matches everything)."""

    tolerance: Tolerance
    cell: str = ""
    line: str = ""
    column: str = ""

    def applies(self, source: str, line: str, column: str) -> bool:
        return all(not pattern or re.search(pattern, text) is not None
                   for pattern, text in ((self.cell, source), (self.line, line), (self.column, column)))


@dataclass(frozen=True)
class NotebookTolerances:
    """A notebook's tolerances: the first rule that applies to a number wins, else ``default``."""

    default: Tolerance = EXACT
    rules: tuple[Rule, ...] = ()

    @property
    def exact(self) -> bool:
        return self.default.exact and all(r.tolerance.exact for r in self.rules)

    def for_number(self, source: str, line: str, column: str = "") -> Tolerance:
        return next((r.tolerance for r in self.rules if r.applies(source, line, column)), self.default)


def _tolerance(entry: dict, where: str) -> Tolerance:
    unknown = set(entry) - {"rel", "abs", "integers", "cell", "line", "column", "rules"}
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: rel, abs, integers, cell, line, column, rules")
    tol = Tolerance(float(entry.get("rel", 0)), float(entry.get("abs", 0)), bool(entry.get("integers", False)))
    if tol.rel < 0 or tol.abs < 0 or tol.rel >= 1:
        raise ValueError(f"{where}: rel must be in [0, 1) and abs >= 0; got rel={tol.rel}, abs={tol.abs}")
    return tol


def _pattern(entry: dict, key: str, where: str) -> str:
    pattern = str(entry.get(key, ""))
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{where}: {key} {pattern!r} is not a regular expression: {exc}") from None
    return pattern


def load_tolerances(path: Path = TOLERANCES) -> dict[str, NotebookTolerances]:
    """The tolerances of every notebook named in ``path``; a notebook not named is exact."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out = {}
    for name, entry in (data.get("notebooks") or {}).items():
        entry = entry or {}
        where = f"{path}: {name} rule"
        rules = tuple(Rule(_tolerance(r, where), *(_pattern(r, key, where) for key in ("cell", "line", "column")))
                      for r in entry.get("rules", []))
        out[name] = NotebookTolerances(_tolerance(entry, f"{path}: {name}"), rules)
    return out


def split_numbers(text: str) -> list[str]:
    """``text`` as alternating parts: text, number, text, …, text (always an odd count)."""
    return NUMBER.split(text)


def _value(token: str) -> float:
    return float(token.replace(",", "").replace("\u2212", "-"))


def _is_decimal(token: str) -> bool:
    return "." in token or "e" in token.lower()


def number_close(stored: str, fresh: str, tol: Tolerance) -> bool:
    """Whether number ``fresh`` may stand for ``stored``: equal strings, or both decimals within
    ``tol`` (pandas' general format writes ``1.5`` beside ``1.502``); integers are exact."""
    if stored == fresh:
        return True
    if tol.exact or not (tol.integers or (_is_decimal(stored) and _is_decimal(fresh))):
        return False
    return math.isclose(_value(stored), _value(fresh), rel_tol=tol.rel, abs_tol=tol.abs)


def _padding(parts: list[str]) -> list[str]:
    return [SPACES.sub(" ", part) for part in parts]


def differences(stored: str, fresh: str, padding: bool = True) -> list[tuple[str, str, str, str]] | None:
    """The numbers that differ between two texts, as ``(stored, fresh, line, column heading)``, or
    ``None`` when the text between the numbers, or their count, differs. With ``padding``, a run
    of spaces may change length (a text table pads its columns to the widest number)."""
    a, b = split_numbers(stored), split_numbers(fresh)
    if len(a) != len(b) or (_padding(a[0::2]) != _padding(b[0::2]) if padding else a[0::2] != b[0::2]):
        return None
    out = []
    offset = 0
    for i, part in enumerate(a):
        if i % 2 and part != b[i]:
            out.append((part, b[i], _line(stored, offset), _column(stored, offset, offset + len(part))))
        offset += len(part)
    return out


def mismatches(stored: str, fresh: str, tolerances: NotebookTolerances, source: str = "") -> list[str] | None:
    """The numbers of ``fresh`` outside their tolerance (``[]`` when it may stand for ``stored``),
    or ``None`` when the text between the numbers, or their count, differs."""
    found = differences(stored, fresh, padding=not tolerances.exact)
    if found is None:
        return None
    return [f"{a} -> {b} (in: {line.strip()[:120]})" for a, b, line, column in found
            if not number_close(a, b, tolerances.for_number(source, line, column))]


def _line(text: str, at: int) -> str:
    """The line of ``text`` that holds position ``at``."""
    end = text.find("\n", at)
    return text[text.rfind("\n", 0, at) + 1: len(text) if end < 0 else end]


HTML_CELL = re.compile(r'class="data row\d+ col(\d+)"')
HTML_HEADING = re.compile(r'class="col_heading level0 col(\d+)"\s*>([^<]*)<')


def _column(text: str, start: int, end: int) -> str:
    """The heading of the table column holding the number at ``text[start:end]`` ('' if none):
    in a pandas Styler HTML table, the heading of the cell's ``colN``; in a pandas text table,
    the word that ends where the number ends (or, for a figure followed by its unit, the word
    above it), on the nearest line above without numbers."""
    cell = HTML_CELL.search(_line(text, start))
    if cell:
        return dict(HTML_HEADING.findall(text)).get(cell.group(1), "")
    line_start = text.rfind("\n", 0, start) + 1
    right = end - line_start
    above = line_start - 1
    while above > 0:
        begin = text.rfind("\n", 0, above) + 1
        line = text[begin:above]
        if len(split_numbers(line)) == 1:  # no numbers: a heading line
            words = list(re.finditer(r"\S+", line))
            word = next((m.group() for m in words if m.end() == right), None)
            if word is None:  # a figure with a unit after it ("10 %") ends inside its heading
                word = next((m.group() for m in words if m.start() <= start - line_start and m.end() >= right), None)
            if word:
                return word
        above = begin - 1
    return ""


def matches(stored: str, fresh: str, tolerances: NotebookTolerances, source: str = "") -> bool:
    """Whether ``fresh`` shows what ``stored`` shows: same text, numbers within tolerance."""
    return mismatches(stored, fresh, tolerances, source) == []


def _slots(outputs) -> dict[str, list[tuple[dict, str]]]:
    """Where each compared text sits, by key in nbval's order (stream name or MIME type)."""
    slots: dict[str, list[tuple[dict, str]]] = {}
    for out in outputs:
        if out.get("output_type") == "stream":
            slots.setdefault(out["name"], []).append((out, "text"))
        for mime in out.get("data", {}):
            slots.setdefault(mime, []).append((out["data"], mime))
    return slots


def reconcile(fresh: list, stored: list, tolerances: NotebookTolerances, sanitize, source: str,
              skip: tuple[str, ...] = ()) -> list:
    """A copy of the fresh outputs in which every text that matches its stored counterpart within
    tolerance (after ``sanitize``) is replaced by the stored text; the rest is left for nbval."""
    fresh = copy.deepcopy(fresh)
    if tolerances.exact:
        return fresh
    ours, theirs = _slots(fresh), _slots(stored)
    for key, places in ours.items():
        if key in skip or key not in theirs or len(places) != len(theirs[key]):
            continue
        for (f_holder, f_key), (s_holder, s_key) in zip(places, theirs[key]):
            f_text, s_text = f_holder[f_key], s_holder[s_key]
            if isinstance(f_text, str) and isinstance(s_text, str) and f_text != s_text \
                    and matches(sanitize(s_text), sanitize(f_text), tolerances, source):
                f_holder[f_key] = s_text
    return fresh


# ----------------------------------------------------------------------------- pytest plugin

def pytest_addoption(parser) -> None:
    parser.getgroup("nbval").addoption(
        "--nbval-tolerances", default=str(TOLERANCES),
        help="YAML file of numeric tolerances per notebook (default: notebooks/tolerances.yaml)")


def pytest_configure(config) -> None:
    path = Path(config.getoption("nbval_tolerances"))
    config.nbval_tolerances = load_tolerances(path) if path.exists() else {}
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to wrap
        return
    if getattr(IPyNbCell.compare_outputs, "tolerant", False):
        return
    original = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        table = getattr(self.config, "nbval_tolerances", {})
        tolerances = table.get(Path(str(self.fspath)).stem, NotebookTolerances())
        skip = tuple(skip_compare or self.parent.skip_compare)
        fresh = reconcile(test, ref, tolerances, self.sanitize, self.cell.source, skip)
        return original(self, fresh, ref, skip_compare)

    compare_outputs.tolerant = True
    IPyNbCell.compare_outputs = compare_outputs
