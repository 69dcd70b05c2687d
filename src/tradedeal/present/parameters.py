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

from tradedeal.agreement.targets import TWO_YEARS, check_tracker_year, check_year
from tradedeal.errors import ParameterError, TradedealError
from tradedeal.ingest.paths import checkout_root, notebooks_dir
from tradedeal.ingest.verify import raw_digest
from tradedeal.present.notebook_params import NOTEBOOKS, PARAMS, TARGET_YEAR_NOTEBOOKS, declared


#: How each parameter is checked and normalised, by name (its declaration's ``read``).
CHECKS = {name: param.read for name, param in PARAMS.items()}


def check_parameters(notebook: str, **values) -> dict:
    """Check and normalise a notebook's parameters (Python values, or their text as ``-p`` and
    batch files give them) against its declaration; raise ParameterError naming the first bad one."""
    accepted = declared(notebook)
    out = {}
    for name, value in values.items():
        if name not in accepted:
            raise ParameterError(f"{notebook}: unknown parameter {name!r}")
        out[name] = accepted[name].read(value)
    if notebook in TARGET_YEAR_NOTEBOOKS and "year" in out:
        out["year"] = check_tracker_year(out["year"])
    elif out.get("year") == TWO_YEARS:
        raise ParameterError(f"{notebook}: year {TWO_YEARS} is for {', '.join(TARGET_YEAR_NOTEBOOKS)} only")
    return out


#: What a parameter left at None stands for, where the window does not say.
DEFAULTS_SHOWN = {"category": "all categories", "coverage": "default", "break_month": "the primary specification's"}


def describe(params: dict, window) -> str:
    """The lines every report opens with: its parameters with the values they resolved to
    (``as_of = 2021-11 (latest)``), the question (period, coverage, data), the raw files' hashes
    and the software."""
    resolved = {"as_of": f"{window.as_of} (latest)", "vintage": f"{window.vintage} (latest)",
                "coverage": f"{window.coverage} (default)", "year": f"{window.year} (default)"}
    shown = {k: v if v is not None else resolved.get(k, DEFAULTS_SHOWN.get(k, "default")) for k, v in params.items()}
    lines = ["Parameters: " + ", ".join(f"{k} = {v}" for k, v in shown.items())]
    question = window.question()
    if params.get("year") == TWO_YEARS:  # the two-year view's window is its last year's
        question[0] = f"period: {TWO_YEARS}, through {window.as_of}"
    lines += [line[0].upper() + line[1:] for line in question]
    lines.append(f"Raw data: {raw_digest(window.snapshot.manifest)} (tradedeal data verify rebuilds the tables "
                 "from them)")
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

    A mapping may name its ``notebook``; the others apply to every notebook selected. Every
    scalar is kept as the text written (``product: 020500`` stays ``"020500"``, never an octal
    number): each parameter's declaration reads it. The file must be UTF-8.
    """
    import yaml

    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read parameter file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{path}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x})") from None
    try:
        content = yaml.load(text, Loader=yaml.BaseLoader)  # scalars stay text; no tags, no code
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParameterError(f"{path}: not valid YAML: {where}{problem}") from None
    except RecursionError:
        raise ParameterError(f"{path}: nested too deep for a parameter file (a mapping or a list of them)") from None
    sets = content if isinstance(content, list) else [content or {}]
    if not all(isinstance(s, dict) for s in sets):
        raise ParameterError(f"{path}: a parameter file holds a mapping or a list of mappings")
    for index, values in enumerate(sets):
        for name, value in values.items():
            if not isinstance(value, str):
                raise ParameterError(f"{path} entry {index}: {name} must be a single value; got a "
                                     f"{'list' if isinstance(value, list) else 'mapping'}")
    return sets


def plan(notebooks: Iterable[str] | None, parameter_sets: list[dict], *, source: str = "parameters") -> list[Run]:
    """The runs to make, every parameter set checked and resolved against the data.

    Values may be Python values or their text (``-p``, batch files): each notebook's declaration
    reads them. Raises ParameterError (or DataNotAvailableError) before any kernel starts, naming
    the entry of ``source`` (a batch file) at fault by its index and parameters. A question asked
    by several entries is resolved against the data once.
    """
    known = available_notebooks()
    chosen = list(notebooks) if notebooks else list(known)
    for name in chosen:
        if Path(name).stem not in known:
            raise ParameterError(f"unknown notebook {name!r}; notebooks are {', '.join(known)}")
    chosen = [Path(n).stem for n in chosen]
    runs: list[Run] = []
    sets = parameter_sets or [{}]
    answers: dict = {}  # each distinct question, resolved once: None, or the error it raised
    snapshots: dict = {}  # one snapshot per vintage, reading each table once
    for index, values in enumerate(sets):
        try:
            runs += _runs_of(dict(values), chosen, known, answers, snapshots)
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


def _runs_of(values: dict, chosen: list[str], known: dict, answers: dict, snapshots: dict) -> list[Run]:
    target = values.pop("notebook", None)
    targets = [Path(str(target)).stem] if target else chosen
    for name in targets:
        if name not in known:
            raise ParameterError(f"unknown notebook {target!r}; notebooks are {', '.join(known)}")
    for key in values:
        if not any(key in declared(n) for n in targets):
            raise ParameterError(f"unknown parameter {key!r} for {', '.join(targets)}")
    runs = []
    for name in targets:
        own = {k: v for k, v in values.items() if k in declared(name)}
        checked = check_parameters(name, **own)
        params = {**check_parameters(name, **NOTEBOOKS.get(name, {})), **checked}
        key = (name, tuple(sorted((k, str(v)) for k, v in params.items())))
        if key not in answers:
            try:
                vintage = params.get("vintage")
                if vintage not in snapshots:
                    snapshots[vintage] = _snapshot(vintage, memo=True)
                resolve(name, params, snapshot=snapshots[vintage])
                answers[key] = None
            except TradedealError as exc:
                answers[key] = exc
        if answers[key] is not None:
            raise answers[key]
        suffix = "-".join(re.sub(r"[^\w.-]+", "_", str(v)) for v in checked.values() if v is not None)
        runs.append(Run(name, checked, f"{name}-{suffix}" if suffix else name))
    return runs


def resolve(notebook: str, params: dict, *, snapshot=None):
    """The question a notebook will ask with ``params`` (its defaults filled in), resolved
    against the data (``snapshot``, default: the data at the vintage asked for): a
    :class:`~tradedeal.agreement.window.Window`. Raises what the notebook would raise in its
    first cell, before any kernel starts."""
    from tradedeal.agreement.product import profile
    from tradedeal.agreement.window import select

    snapshot = snapshot if snapshot is not None else _snapshot(params.get("vintage"))
    if notebook == "04_product":
        return profile(snapshot, params["product"], year=params["year"], as_of=params["as_of"],
                       coverage=params["coverage"]).window
    if notebook == "05_scanner":
        from tradedeal.models.scan.scanner import check_break, window

        scan_window = window(snapshot, params.get("coverage"))
        check_break(snapshot.hs6_months(), params.get("break_month"))  # before any kernel starts
        return scan_window
    if notebook in TARGET_YEAR_NOTEBOOKS and check_tracker_year(params["year"]) == TWO_YEARS:
        from tradedeal.agreement.cumulative import select_two_years

        return select_two_years(snapshot, params.get("as_of"), params.get("coverage"))
    if notebook in TARGET_YEAR_NOTEBOOKS:
        check_year(params["year"])
    window = select(snapshot, year=params.get("year"), as_of=params.get("as_of"), coverage=params.get("coverage"))
    if notebook == "03_forecast":
        check_forecast_history(window, params.get("model") or "auto", params.get("category"))
    return window


def _snapshot(vintage: str | None, *, memo: bool = False):
    """The data at ``vintage``; with ``memo``, one that reads each table and derived frame once
    (a batch asks the same data many times)."""
    from tradedeal.ingest.snapshot import Snapshot

    if not memo:
        return Snapshot(vintage=vintage)
    global _MemoSnapshot
    if _MemoSnapshot is None:
        _MemoSnapshot = _memo_class(Snapshot)
    return _MemoSnapshot(vintage=vintage)


_MemoSnapshot = None
#: The Snapshot methods a checked batch reads again and again.
_MEMOIZED = ("table", "exports_hs6", "exports_by_category", "exports_by_subcategory", "exports_hs6_classified",
             "hs6_months", "sources", "total_goods", "category_releases", "concordance", "available_through",
             "hs6_descriptions", "product_frame", "series")


def _memo_class(base: type) -> type:
    """A subclass of Snapshot whose :data:`_MEMOIZED` methods compute once per arguments and
    hand out copies (a caller may change what it gets)."""

    def memoized(name: str):
        method = getattr(base, name)

        def call(self, *args, **kwargs):
            try:
                key = (name, args, tuple(sorted(kwargs.items())))
                hash(key)
            except TypeError:
                return method(self, *args, **kwargs)
            if key not in self._memo:
                self._memo[key] = method(self, *args, **kwargs)
            value = self._memo[key]
            return value.copy() if hasattr(value, "copy") else value

        call.__name__ = call.__qualname__ = name
        return call

    def post_init(self) -> None:
        base.__post_init__(self)
        object.__setattr__(self, "_memo", {})

    def manifest(self) -> dict:
        if ("manifest",) not in self._memo:
            self._memo[("manifest",)] = base.manifest.fget(self)
        return self._memo[("manifest",)]

    namespace = {"__post_init__": post_init, "manifest": property(manifest),
                 **{n: memoized(n) for n in _MEMOIZED if hasattr(base, n)}}
    return type("MemoSnapshot", (base,), namespace)


def check_forecast_history(window, model: str = "auto", category: str | None = None) -> None:
    """Raise ParameterError when none of the models asked for can forecast with the window's data
    through its ``as_of``: each needs :data:`~tradedeal.models.forecast.monthly.MIN_MONTHS` of history, and
    ``ratio`` all of its baseline year (``auto`` needs one model that can)."""
    import pandas as pd

    from tradedeal.agreement.targets import BASELINE_YEAR, GOODS
    from tradedeal.models.forecast import MODELS
    from tradedeal.models.forecast.monthly import MIN_MONTHS

    models = MODELS if model == "auto" else (model,)
    known = window.monthly()
    columns = [c for c in (GOODS if category is None else (category,)) if c in known]
    series = [known[c].dropna() for c in columns]
    months = min((len(s) for s in series), default=0)
    start = min((s.index.min() for s in series if len(s)), default=None)
    firsts = {m: start + MIN_MONTHS[m] - 1 if start is not None else None for m in models}
    if "ratio" in firsts and firsts["ratio"] is not None:
        firsts["ratio"] = max(firsts["ratio"], pd.Period(f"{BASELINE_YEAR}-12", "M"))
    if any(first is not None and months >= MIN_MONTHS[m] and window.as_of >= first for m, first in firsts.items()):
        return
    first = min((f for f in firsts.values() if f is not None), default=None)
    since = f"data start {start}, so as_of from {first}" if first is not None else "no data"
    raise ParameterError(f"as_of {window.as_of}: too little data for a forecast with model {model} ({since})")
