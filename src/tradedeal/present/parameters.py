"""Report parameters: checks, the batch file, the plan of runs, and the lines a report opens with.

Parameters are checked here, before any kernel starts, first one by one (types, choices), then
against the data (:func:`resolve`: the month is in the data, the year and the month agree);
each notebook's first cell after its parameters calls :func:`check_parameters` again, so a
notebook opened by hand gets the same checks.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tradedeal.agreement.concordance import COVERAGES
from tradedeal.agreement.targets import GOODS, PRORATIONS, check_year
from tradedeal.errors import ParameterError, TradedealError
from tradedeal.ingest.paths import checkout_root, notebooks_dir
from tradedeal.models import MODEL_CHOICES
from tradedeal.months import parse_month


def _month(name: str, value, *, optional: bool = True):
    if value is None and optional:
        return None
    return str(parse_month(value, name))


def _choice(name: str, value, choices, *, optional: bool = True):
    if value is None and optional:
        return None
    if value not in choices:
        raise ParameterError(f"{name} must be one of {', '.join(map(str, choices))}; got {value!r}")
    return value


def _integer(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise ParameterError(f"{name} must be a whole number from {lo} to {hi}; got {value!r}")
    number = int(value)
    if not lo <= number <= hi:
        raise ParameterError(f"{name} must be a whole number from {lo} to {hi}; got {value!r}")
    return number


def _number(name: str, value, lo: float, hi: float, *, open_ends: bool = False) -> float:
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if number is None or number != number or not (lo < number < hi if open_ends else lo <= number <= hi):
        ends = f"between {lo:g} and {hi:g}" if open_ends else f"from {lo:g} to {hi:g}"
        raise ParameterError(f"{name} must be a number {ends}; got {value!r}")
    return float(number)


def _product(name: str, value) -> str:
    from tradedeal.ingest.snapshot import PRODUCTS

    if not isinstance(value, (str, int)) or not str(value).strip():
        raise ParameterError(f"{name} must be a product name, an Annex 6.1 sub-category or an HS code; got {value!r}")
    text = str(value).strip()
    if text.lower() in PRODUCTS or (text.isdigit() and len(text) in (4, 6)):
        return text.lower() if text.lower() in PRODUCTS else text
    from tradedeal.agreement.concordance import load_concordance

    subcategories = {s.lower(): s for s in load_concordance()["subcategory"].unique()}
    if text.lower() in subcategories:
        return subcategories[text.lower()]
    raise ParameterError(
        f"{name} must be one of {', '.join(PRODUCTS)}, an Annex 6.1 sub-category or an HS4/HS6 code; got {value!r}"
    )


#: How each shared parameter is checked and normalised.
CHECKS = {
    "as_of": lambda v: _month("as_of", v),
    "year": lambda v: _integer("year", v, 2000, 2100),
    "vintage": lambda v: _vintage(v),
    "category": lambda v: _choice("category", v, GOODS),
    "coverage": lambda v: _choice("coverage", v, tuple(COVERAGES)),
    "proration": lambda v: _choice("proration", v, PRORATIONS, optional=False),
    "recovery_month": lambda v: _month("recovery_month", v, optional=False),
    "model": lambda v: _choice("model", v, MODEL_CHOICES, optional=False),
    "horizon": lambda v: _integer("horizon", v, 1, 24),
    "product": lambda v: _product("product", v),
    "level": lambda v: _choice("level", v, ("hs4", "hs6", "subcategory"), optional=False),
    "min_2017_usd": lambda v: _number("min_2017_usd", v, 0, 1e12),
    "fdr": lambda v: _number("fdr", v, 0, 1, open_ends=True),
}


#: Notebooks whose year must be one the agreement sets targets for.
TARGET_YEAR_NOTEBOOKS = ("01_tracker",)


def _vintage(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"vintage must be a vintage id (see tradedeal data vintages); got {value!r}")
    return value.strip()


def check_parameters(notebook: str, **values) -> dict:
    """Check and normalise a notebook's parameters; raise ParameterError naming the first bad one."""
    out = {}
    for name, value in values.items():
        if name not in CHECKS:
            raise ParameterError(f"{notebook}: unknown parameter {name!r}")
        out[name] = CHECKS[name](value)
    if notebook in TARGET_YEAR_NOTEBOOKS and "year" in out:
        check_year(out["year"])
    return out


#: What a parameter left at None stands for, where the window does not say.
DEFAULTS_SHOWN = {"category": "all categories", "coverage": "default"}


def describe(params: dict, window) -> str:
    """The lines every report opens with: its parameters with the values they resolved to
    (``as_of = 2021-11 (latest)``), the question (period, coverage, data) and the software."""
    resolved = {"as_of": f"{window.as_of} (latest)", "vintage": f"{window.vintage} (latest)",
                "coverage": f"{window.coverage} (default)", "year": f"{window.year} (default)"}
    shown = {k: v if v is not None else resolved.get(k, DEFAULTS_SHOWN.get(k, "default")) for k, v in params.items()}
    lines = ["Parameters: " + ", ".join(f"{k} = {v}" for k, v in shown.items())]
    lines += [line[0].upper() + line[1:] for line in window.question()]
    lines.append("Software: " + environment())
    return "\n".join(lines)


#: The lock of exact versions that ``make`` installs from.
LOCK = "requirements.lock"


def environment() -> str:
    """The versions behind a report: tradedeal, pandas, statsmodels, papermill, and the lock's hash."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for name in ("tradedeal", "pandas", "statsmodels", "papermill"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    lock = checkout_root() / LOCK
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()[:12] if lock.exists() else "none"
    return ", ".join(parts) + f"; {LOCK} sha256 {digest}"


def coerce(text: str):
    """A command-line parameter value as YAML reads it (``2021`` → int, ``null`` → None)."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


# --- the report run ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One notebook with one parameter set."""

    notebook: str
    parameters: dict = field(default_factory=dict)
    label: str = ""


def available_notebooks() -> dict[str, Path]:
    """Report notebooks by name (file stem), in order."""
    return {p.stem: p for p in sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))}


def notebook_parameters(path: Path) -> dict:
    """The names and default values of a notebook's ``parameters`` cell (read by papermill, no
    kernel; each default must be a Python literal)."""
    import nbformat
    from papermill.inspection import inspect_notebook

    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"{path.name}: needs exactly one cell tagged 'parameters'; has {len(cells)}")
    return {name: ast.literal_eval(spec["default"]) for name, spec in inspect_notebook(str(path)).items()}


def load_batch(path: str | os.PathLike[str]) -> list[dict]:
    """Parameter sets from a YAML file: one mapping, or a list of mappings (each a report).

    A mapping may name its ``notebook``; the others apply to every notebook selected.
    """
    import yaml

    try:
        content = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read parameter file ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParameterError(f"{path}: not valid YAML: {where}{problem}") from None
    sets = content if isinstance(content, list) else [content or {}]
    if not all(isinstance(s, dict) for s in sets):
        raise ParameterError(f"{path}: a parameter file holds a mapping or a list of mappings")
    return sets


def plan(notebooks: Iterable[str] | None, parameter_sets: list[dict], *, source: str = "parameters") -> list[Run]:
    """The runs to make, every parameter set checked and resolved against the data.

    Raises ParameterError (or DataNotAvailableError) before any kernel starts, naming the entry
    of ``source`` (a batch file) at fault by its index and parameters.
    """
    known = available_notebooks()
    chosen = list(notebooks) if notebooks else list(known)
    for name in chosen:
        if Path(name).stem not in known:
            raise ParameterError(f"unknown notebook {name!r}; notebooks are {', '.join(known)}")
    chosen = [Path(n).stem for n in chosen]
    accepted = {n: notebook_parameters(known[n]) for n in chosen}
    runs: list[Run] = []
    sets = parameter_sets or [{}]
    for index, values in enumerate(sets):
        try:
            runs += _runs_of(dict(values), chosen, known, accepted)
        except TradedealError as exc:
            shown = ", ".join(f"{k}={v}" for k, v in values.items()) or "defaults"
            entry = f"{source} entry {index} ({shown})" if len(sets) > 1 or source != "parameters" else f"{source} ({shown})"
            raise type(exc)(f"{entry}: {exc}") from None
    labels: dict[str, int] = {}
    unique = []
    for run in runs:
        n = labels.get(run.label, 0)
        labels[run.label] = n + 1
        unique.append(run if n == 0 else Run(run.notebook, run.parameters, f"{run.label}-{n + 1}"))
    return unique


def _runs_of(values: dict, chosen: list[str], known: dict, accepted: dict) -> list[Run]:
    target = values.pop("notebook", None)
    targets = [Path(str(target)).stem] if target else chosen
    for name in targets:
        if name not in known:
            raise ParameterError(f"unknown notebook {target!r}; notebooks are {', '.join(known)}")
        if name not in accepted:
            accepted[name] = notebook_parameters(known[name])
    for key in values:
        if not any(key in accepted[n] for n in targets):
            raise ParameterError(f"unknown parameter {key!r} for {', '.join(targets)}")
    runs = []
    for name in targets:
        own = {k: v for k, v in values.items() if k in accepted[name]}
        checked = check_parameters(name, **own)
        resolve(name, {**check_parameters(name, **accepted[name]), **checked})
        suffix = "-".join(re.sub(r"[^\w.-]+", "_", str(v)) for v in checked.values() if v is not None)
        runs.append(Run(name, checked, f"{name}-{suffix}" if suffix else name))
    return runs


def resolve(notebook: str, params: dict):
    """The question a notebook will ask with ``params`` (its defaults filled in), resolved
    against the data: a :class:`~tradedeal.agreement.window.Window`. Raises what the notebook
    would raise in its first cell, before any kernel starts."""
    from tradedeal.agreement.product import profile
    from tradedeal.ingest.snapshot import Snapshot

    snapshot = Snapshot(vintage=params.get("vintage"))
    if notebook == "04_product":
        return profile(snapshot, params["product"], year=params["year"], as_of=params["as_of"],
                       coverage=params["coverage"]).window
    if notebook == "05_scanner":
        from tradedeal.models.scanner import window

        return window(snapshot, params.get("coverage"))
    if notebook in TARGET_YEAR_NOTEBOOKS:
        check_year(params["year"])
    return snapshot.select(params.get("year"), params.get("as_of"), params.get("coverage"))
