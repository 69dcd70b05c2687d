"""Parameterized report notebooks: parameter checks, and the papermill report run.

``tradedeal report`` runs notebooks with papermill into ``reports/<run-id>/`` (executed
``.ipynb`` and code-free HTML, plus ``index.html``). Parameters are checked here, before any
kernel starts; each notebook's first cell after its parameters calls
:func:`check_parameters` again, so a notebook opened by hand gets the same checks.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tradedeal.agreement.concordance import COVERAGES
from tradedeal.agreement.targets import GOODS, PRORATIONS, check_year
from tradedeal.errors import ParameterError
from tradedeal.ingest.paths import atomic_path, checkout_root, notebooks_dir
from tradedeal.models import MODEL_CHOICES
from tradedeal.months import parse_month

KERNEL = "tradedeal"
#: Arguments of every kernel a report run starts: its own log lines (the TCP notice, a caught
#: KeyboardInterrupt) are noise to a reader, who sees a failing cell in the summary instead.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
#: Prefix of a report being written; such files are removed when a run is interrupted.
RUNNING_PREFIX = ".running-"
NOT_RUN = "not run (the run was interrupted)"


# --- parameters -------------------------------------------------------------------------------


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


def describe(params: dict, window) -> str:
    """The lines every report opens with: its parameters, the question (period, coverage, data)
    and the software that answered it."""
    lines = ["Parameters: " + ", ".join(f"{k} = {v if v is not None else 'default'}" for k, v in params.items())]
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


@dataclass(frozen=True)
class Outcome:
    run: Run
    ok: bool
    ipynb: Path
    html: Path | None
    error: str = ""


def available_notebooks() -> dict[str, Path]:
    """Report notebooks by name (file stem), in order."""
    return {p.stem: p for p in sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))}


def notebook_parameters(path: Path) -> dict:
    """The names and defaults of a notebook's ``parameters`` cell (read by papermill, no kernel)."""
    import nbformat
    from papermill.inspection import inspect_notebook

    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"{path.name}: needs exactly one cell tagged 'parameters'; has {len(cells)}")
    return {name: spec["default"] for name, spec in inspect_notebook(str(path)).items()}


def load_batch(path: str | os.PathLike[str]) -> list[dict]:
    """Parameter sets from a YAML file: one mapping, or a list of mappings (each a report).

    A mapping may name its ``notebook``; the others apply to every notebook selected.
    """
    import yaml

    try:
        content = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ParameterError(f"{path}: cannot read parameter file ({exc})".splitlines()[0]) from None
    sets = content if isinstance(content, list) else [content or {}]
    if not all(isinstance(s, dict) for s in sets):
        raise ParameterError(f"{path}: a parameter file holds a mapping or a list of mappings")
    return sets


def plan(notebooks: Iterable[str] | None, parameter_sets: list[dict]) -> list[Run]:
    """The runs to make, with every parameter checked; raises ParameterError before any kernel."""
    known = available_notebooks()
    chosen = list(notebooks) if notebooks else list(known)
    for name in chosen:
        if Path(name).stem not in known:
            raise ParameterError(f"unknown notebook {name!r}; notebooks are {', '.join(known)}")
    chosen = [Path(n).stem for n in chosen]
    accepted = {n: notebook_parameters(known[n]) for n in chosen}
    runs: list[Run] = []
    for values in parameter_sets or [{}]:
        values = dict(values)
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
        for name in targets:
            own = {k: v for k, v in values.items() if k in accepted[name]}
            checked = check_parameters(name, **own)
            suffix = "-".join(re.sub(r"[^\w.-]+", "_", str(v)) for v in checked.values() if v is not None)
            runs.append(Run(name, checked, f"{name}-{suffix}" if suffix else name))
    labels: dict[str, int] = {}
    unique = []
    for run in runs:
        n = labels.get(run.label, 0)
        labels[run.label] = n + 1
        unique.append(run if n == 0 else Run(run.notebook, run.parameters, f"{run.label}-{n + 1}"))
    return unique


def _scrub(text: str) -> str:
    """Remove machine paths and the Census API key from one piece of text."""
    key = os.environ.get("CENSUS_API_KEY")
    if key:
        text = text.replace(key, "[redacted]")
    for path in sorted({str(checkout_root()), str(Path.home()), tempfile.gettempdir()}, key=len, reverse=True):
        if len(path) > 1:
            text = text.replace(path + os.sep, "").replace(path, ".")
    return text


def scrub_notebook(nb) -> None:
    """Scrub every text a notebook carries (sources, text outputs, tracebacks), not its images."""
    for cell in nb.cells:
        cell.source = _scrub(cell.source)
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = _scrub(output["text"])
            if "traceback" in output:
                output["traceback"] = [_scrub(line) for line in output["traceback"]]
            if "evalue" in output:
                output["evalue"] = _scrub(output["evalue"])
            for mime, value in output.get("data", {}).items():
                if not mime.startswith("image/") and isinstance(value, str):
                    output["data"][mime] = _scrub(value)
    papermill = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path", "cwd"):
        if isinstance(papermill.get(key), str):
            papermill[key] = _scrub(papermill[key])
    if isinstance(papermill.get("parameters"), dict):
        papermill["parameters"] = {k: _scrub(v) if isinstance(v, str) else v for k, v in papermill["parameters"].items()}


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def execute(run: Run, out_dir: Path, kernel: str = KERNEL) -> Outcome:
    """Run one notebook with papermill, then write it scrubbed, and its code-free HTML."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    source = available_notebooks()[run.notebook]
    ipynb = out_dir / f"{run.label}.ipynb"
    running = out_dir / f"{RUNNING_PREFIX}{run.label}.ipynb"  # papermill writes here as cells finish
    error = ""
    try:
        pm.execute_notebook(
            str(source), str(running), parameters=run.parameters, kernel_name=kernel, progress_bar=False,
            cwd=str(source.parent), log_output=False, extra_arguments=KERNEL_ARGUMENTS,
        )
    except pm.PapermillExecutionError as exc:
        error = f"cell {exc.exec_count}: {exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}"
    except Exception as exc:  # kernel failed to start, notebook unreadable …
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    if not running.exists():
        return Outcome(run, False, ipynb, None, error or "no output written")
    nb = nbformat.read(running, as_version=4)
    running.unlink()
    scrub_notebook(nb)
    meta = nb.metadata.get("papermill", {})
    meta["input_path"], meta["output_path"] = f"notebooks/{source.name}", ipynb.name
    _write(ipynb, nbformat.writes(nb))
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    html = ipynb.with_suffix(".html")
    _write(html, body)
    return Outcome(run, not error, ipynb, html, error)


def _index(outcomes: list[Outcome], run_id: str, not_run: list[Run] = ()) -> str:
    rows = []
    for o in [*outcomes, *(Outcome(r, False, Path(), None, NOT_RUN) for r in not_run)]:
        params = ", ".join(f"{k}={v}" for k, v in o.run.parameters.items() if v is not None) or "defaults"
        link = f'<a href="{o.html.name}">{o.run.label}</a>' if o.html else o.run.label
        status = "ok" if o.ok else (NOT_RUN if o.error == NOT_RUN else f"FAILED — {o.error}")
        rows.append(f"<tr><td>{link}</td><td>{params}</td><td>{status}</td></tr>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>tradedeal reports " + run_id + "</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em 1em;text-align:left}</style></head><body>"
        f"<h1>tradedeal reports</h1><p>Run {run_id}. Phase One purchases of US goods: tracker, momentum, "
        "forecasts and products. Each report states its parameters, coverage and data vintage.</p>"
        "<table><tr><th>report</th><th>parameters</th><th>status</th></tr>" + "".join(rows) + "</table></body></html>\n"
    )


class Interrupted(Exception):
    """A report run stopped by SIGINT or SIGTERM; ``code`` is the exit code (130 or 143)."""

    def __init__(self, signum: int, finished: int, total: int, index: Path):
        self.code = 128 + signum
        self.finished, self.total, self.index = finished, total, index
        name = signal.Signals(signum).name
        super().__init__(f"interrupted ({name}): {finished} of {total} reports finished; index: {index}")


class _Terminated(BaseException):
    """Raised in the main thread by the SIGTERM handler, as KeyboardInterrupt is by SIGINT."""


def _raise_terminated(signum, frame):
    raise _Terminated()


def _quiet_worker() -> None:
    """Workers leave SIGINT and SIGTERM to the parent, which stops them and their kernels."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop_descendants(grace: float = 3.0) -> None:
    """Terminate every process this one started (pool workers and their kernels, which run in
    sessions of their own), then kill what is left after ``grace`` seconds. Nothing is reaped
    here: the pool reaps its own workers (a worker reaped behind its back looks alive to it)."""
    import psutil

    def running(procs):
        alive = []
        for proc in procs:
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append(proc)
            except psutil.NoSuchProcess:
                pass
        return alive

    family = psutil.Process().children(recursive=True)
    for send in ("terminate", "kill"):
        for proc in running(family):
            try:
                getattr(proc, send)()
            except psutil.NoSuchProcess:
                pass
        deadline = time.monotonic() + grace
        while running(family) and time.monotonic() < deadline:
            time.sleep(0.05)


def run_report(runs: list[Run], out_dir: Path, *, jobs: int = 1, kernel: str = KERNEL, progress: bool = True) -> list[Outcome]:
    """Execute ``runs`` (in ``jobs`` processes) into ``out_dir`` and write ``index.html``.

    A failing notebook does not stop the others: its outcome carries the error. SIGINT (Ctrl-C)
    or SIGTERM stops the run within seconds: every worker and kernel is ended, finished reports
    stay, half-written ones are removed, the index marks what did not run, and
    :class:`Interrupted` is raised.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm import tqdm

    if jobs < 1:
        raise ParameterError(f"jobs must be at least 1; got {jobs}")
    check_kernel(kernel)
    out_dir.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(runs), desc="reports", unit="notebook", disable=not progress)
    outcomes: list[Outcome] = []
    pool = None
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if main_thread else None
    try:
        # notebooks run in worker processes even one at a time: the parent only waits, so a
        # signal finds it ready to stop the workers and their kernels
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_quiet_worker)
        futures = [pool.submit(execute, run, out_dir, kernel) for run in runs]
        for future in as_completed(futures):
            outcomes.append(future.result())
            bar.update()
        pool.shutdown()
    except (KeyboardInterrupt, _Terminated) as exc:
        signum = signal.SIGINT if isinstance(exc, KeyboardInterrupt) else signal.SIGTERM
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        _stop_descendants()
        for partial in out_dir.glob(f"{RUNNING_PREFIX}*"):
            partial.unlink(missing_ok=True)
        for partial in out_dir.glob(".*.tmp"):
            partial.unlink(missing_ok=True)
        bar.close()
        done = {o.run.label for o in outcomes}
        _write(out_dir / "index.html", _index(_ordered(outcomes, runs), out_dir.name, [r for r in runs if r.label not in done]))
        raise Interrupted(signum, len(outcomes), len(runs), out_dir / "index.html") from None
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    bar.close()
    outcomes = _ordered(outcomes, runs)
    _write(out_dir / "index.html", _index(outcomes, out_dir.name))
    return outcomes


def _ordered(outcomes: list[Outcome], runs: list[Run]) -> list[Outcome]:
    order = {run.label: i for i, run in enumerate(runs)}
    return sorted(outcomes, key=lambda o: order[o.run.label])


def check_kernel(kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    if kernel not in KernelSpecManager().find_kernel_specs():
        raise ParameterError(
            f"Jupyter kernel {kernel!r} is not installed; run: python -m ipykernel install --sys-prefix --name {kernel}"
        )


def new_run_dir(base: str | os.PathLike[str] = "reports") -> Path:
    """Create ``reports/<run-id>/``: a UTC timestamp run id, with a suffix when another run took
    it. The folder is created exclusively, so two runs started in the same second never share one."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    Path(base).mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        path = Path(base) / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise ParameterError(f"{base}: no free run id for {stamp}")
