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
months, counts, whole dollars) always compare exactly, and no tolerance lets a number change
sign (``0.9`` never stands for ``-0.9``). A rule can give one quantity its own tolerance: by
cell source, by output line, by table column (its heading, found in a pandas text table or a
Styler HTML table), by table (all its headings: the same column in two tables can mean two
things) or by the words around the number (``bought $#bn``: the line with the number as ``#``).
A rule records the spread it was measured from (``spread``, the largest difference seen across
kernels: ``scripts/blas_spread.py``); ``tests/test_nbval_tolerance.py`` holds every rule to at
most about twice its spread.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

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
    output lines that match ``line``, in table columns whose heading matches ``column``, in tables
    whose headings (all of them, joined by spaces) match ``table``, and where the line with the
    number written as ``#`` matches ``around`` (regular expressions, searched; an empty one
    matches everything). ``spread`` is what it was measured from: the largest difference seen
    across kernels, as ``Tolerance(rel, abs)``."""

    tolerance: Tolerance
    cell: str = ""
    line: str = ""
    column: str = ""
    table: str = ""
    around: str = ""
    spread: Tolerance | None = field(default=None, compare=False)

    def applies(self, source: str, line: str, column: str, table: str = "", around: str = "") -> bool:
        return all(not pattern or re.search(pattern, text) is not None
                   for pattern, text in ((self.cell, source), (self.line, line), (self.column, column),
                                         (self.table, table), (self.around, around)))


@dataclass(frozen=True)
class NotebookTolerances:
    """A notebook's tolerances: the first rule that applies to a number wins, else ``default``."""

    default: Tolerance = EXACT
    rules: tuple[Rule, ...] = ()
    spread: Tolerance | None = field(default=None, compare=False)  # what ``default`` was measured from

    @property
    def exact(self) -> bool:
        return self.default.exact and all(r.tolerance.exact for r in self.rules)

    def rule_for(self, source: str, line: str, column: str = "", table: str = "", around: str = "") -> Rule | None:
        """The first rule that applies to a number, or None (the notebook's ``default``)."""
        return next((r for r in self.rules if r.applies(source, line, column, table, around)), None)

    def for_number(self, source: str, line: str, column: str = "", table: str = "", around: str = "") -> Tolerance:
        rule = self.rule_for(source, line, column, table, around)
        return self.default if rule is None else rule.tolerance


KEYS = ("rel", "abs", "integers", "spread", "cell", "line", "column", "table", "around", "rules")


def _tolerance(entry: dict, where: str) -> Tolerance:
    unknown = set(entry) - set(KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {', '.join(KEYS)}")
    tol = Tolerance(float(entry.get("rel", 0)), float(entry.get("abs", 0)), bool(entry.get("integers", False)))
    if tol.rel < 0 or tol.abs < 0 or tol.rel >= 1:
        raise ValueError(f"{where}: rel must be in [0, 1) and abs >= 0; got rel={tol.rel}, abs={tol.abs}")
    return tol


def _spread(entry: dict, where: str) -> Tolerance | None:
    spread = entry.get("spread")
    if spread is None:
        return None
    if not isinstance(spread, dict) or set(spread) - {"rel", "abs"}:
        raise ValueError(f"{where}: spread must be a mapping of rel and/or abs (the largest difference measured); "
                         f"got {spread!r}")
    return _tolerance(spread, where)


def _pattern(entry: dict, key: str, where: str) -> str:
    pattern = str(entry.get(key, ""))
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{where}: {key} {pattern!r} is not a regular expression: {exc}") from None
    return pattern


PATTERNS = ("cell", "line", "column", "table", "around")


def load_tolerances(path: Path = TOLERANCES) -> dict[str, NotebookTolerances]:
    """The tolerances of every notebook named in ``path``; a notebook not named is exact."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out = {}
    for name, entry in (data.get("notebooks") or {}).items():
        entry = entry or {}
        where = f"{path}: {name} rule"
        rules = tuple(Rule(_tolerance(r, where), *(_pattern(r, key, where) for key in PATTERNS),
                           spread=_spread(r, where))
                      for r in entry.get("rules", []))
        out[name] = NotebookTolerances(_tolerance(entry, f"{path}: {name}"), rules, _spread(entry, f"{path}: {name}"))
    return out


def split_numbers(text: str) -> list[str]:
    """``text`` as alternating parts: text, number, text, …, text (always an odd count)."""
    return NUMBER.split(text)


def _value(token: str) -> float:
    return float(token.replace(",", "").replace("\u2212", "-"))


def _is_decimal(token: str) -> bool:
    return "." in token or "e" in token.lower()


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)  # "-0.0" is zero, not negative


def number_close(stored: str, fresh: str, tol: Tolerance) -> bool:
    """Whether number ``fresh`` may stand for ``stored``: equal strings, or both decimals within
    ``tol`` (pandas' general format writes ``1.5`` beside ``1.502``) and not of opposite signs;
    integers are exact."""
    if stored == fresh:
        return True
    if tol.exact or not (tol.integers or (_is_decimal(stored) and _is_decimal(fresh))):
        return False
    a, b = _value(stored), _value(fresh)
    if _sign(a) * _sign(b) < 0:
        return False
    return math.isclose(a, b, rel_tol=tol.rel, abs_tol=tol.abs)


def _padding(parts: list[str]) -> list[str]:
    return [SPACES.sub(" ", part) for part in parts]


class Difference(NamedTuple):
    """A number that differs: its stored and fresh text, where it stands (its line, the heading of
    its table column, all the headings of its table) and its line with the number as ``#``."""

    stored: str
    fresh: str
    line: str
    column: str
    table: str
    around: str


def differences(stored: str, fresh: str, padding: bool = True) -> list[Difference] | None:
    """The numbers that differ between two texts (:class:`Difference`), or ``None`` when the text
    between the numbers, or their count, differs. With ``padding``, a run of spaces may change
    length (a text table pads its columns to the widest number)."""
    a, b = split_numbers(stored), split_numbers(fresh)
    if len(a) != len(b) or (_padding(a[0::2]) != _padding(b[0::2]) if padding else a[0::2] != b[0::2]):
        return None
    out = []
    offset = 0
    for i, part in enumerate(a):
        if i % 2 and part != b[i]:
            out.append(where(stored, offset, offset + len(part), part, b[i]))
        offset += len(part)
    return out


def where(text: str, start: int, end: int, stored: str = "", fresh: str = "") -> Difference:
    """Where the number at ``text[start:end]`` stands (see :class:`Difference`)."""
    line = _line(text, start)
    at = start - (text.rfind("\n", 0, start) + 1)
    column, table = _column(text, start, end)
    return Difference(stored or text[start:end], fresh, line, column, table, line[:at] + "#" + line[at + end - start:])


def mismatches(stored: str, fresh: str, tolerances: NotebookTolerances, source: str = "") -> list[str] | None:
    """The numbers of ``fresh`` outside their tolerance (``[]`` when it may stand for ``stored``),
    or ``None`` when the text between the numbers, or their count, differs."""
    found = differences(stored, fresh, padding=not tolerances.exact)
    if found is None:
        return None
    return [f"{d.stored} -> {d.fresh} (in: {d.line.strip()[:120]})" for d in found
            if not number_close(d.stored, d.fresh, tolerances.for_number(source, d.line, d.column, d.table, d.around))]


def _line(text: str, at: int) -> str:
    """The line of ``text`` that holds position ``at``."""
    end = text.find("\n", at)
    return text[text.rfind("\n", 0, at) + 1: len(text) if end < 0 else end]


HTML_CELL = re.compile(r'(?:id="(T_\w+?)_row\d+_col\d+" )?class="data row\d+ col(\d+)"')
HTML_HEADING = re.compile(r'(?:id="(T_\w+?)_level0_col\d+" )?class="col_heading level0 col(\d+)"\s*>([^<]*)<')


def _column(text: str, start: int, end: int) -> tuple[str, str]:
    """The heading of the table column holding the number at ``text[start:end]`` and all the
    headings of its table, joined by spaces ('' if none): in a pandas Styler HTML table, the
    heading of the cell's ``colN`` in the same table; in a pandas text table, the word that ends
    where the number ends (or, for a figure followed by its unit, the word above it), on the
    nearest line above without numbers, and that line."""
    cell = HTML_CELL.search(_line(text, start))
    if cell:
        table_id, col = cell.groups()
        headings = [(c, h) for t, c, h in HTML_HEADING.findall(text) if table_id is None or t in ("", table_id)]
        return dict(headings).get(col, ""), " ".join(h for _, h in headings)
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
                return word, " ".join(line.split())
        above = begin - 1
    return "", ""


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
