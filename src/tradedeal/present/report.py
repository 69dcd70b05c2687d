"""The report run: papermill executes the planned runs into ``reports/<run-id>/``.

Each run gives an executed ``.ipynb`` (scrubbed of machine paths and the API key) and
code-free HTML, and the run folder an ``index.html``. Runs are planned and their parameters
checked by :mod:`tradedeal.present.parameters` before any kernel starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from tradedeal.errors import ParameterError
from tradedeal.executors import shutdown
from tradedeal.present.headline import for_readers
from tradedeal.present.index import index_html
from tradedeal.present.parameters import Run, available_notebooks
from tradedeal.present.workers import Dropped, quiet_worker, stop_descendants, write_pair
from tradedeal.present.writing import scrub_notebook, start_line, write_text

KERNEL = "tradedeal"  # the Jupyter kernel `make` registers
#: Arguments of every kernel a report run starts: its own log lines (the TCP notice, a caught
#: KeyboardInterrupt) are noise to a reader, who sees a failing cell in the summary instead.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
#: Prefix of a report being written; such files are removed when a run is interrupted.
RUNNING_PREFIX = ".running-"
NOT_RUN = "not run (the run was interrupted)"
#: A run folder's mark, while an interrupted run stops, that a report finishing now is not kept.
STOPPED = ".stopped"
#: How long an interrupted run waits for a cluster's tasks to end once their kernels are gone.
STOP_SECONDS = 15
#: The HTML template of the reports: the lab template, with alt text on figures.
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Outcome:
    run: Run
    ok: bool
    ipynb: Path
    html: Path | None
    error: str = ""


def execute(run: Run, out_dir: Path, kernel: str = KERNEL, figures: tuple[str, ...] = ()) -> Outcome:
    """Run one notebook with papermill, then write it scrubbed, and its code-free HTML."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    logging.getLogger("papermill").setLevel(logging.CRITICAL)  # the outcome carries the error; a kernel
    # ended by an interrupt is no news on the worker's stderr

    source = available_notebooks()[run.notebook]
    ipynb = out_dir / f"{run.label}.ipynb"
    running = out_dir / f"{RUNNING_PREFIX}{run.label}.ipynb"  # papermill writes here as cells finish
    error = ""
    if (out_dir / STOPPED).exists():  # a cluster's task that begins after the run was stopped
        return Outcome(run, False, ipynb, None, NOT_RUN)
    try:
        pm.execute_notebook(
            str(source), str(running), parameters=run.parameters, kernel_name=kernel, progress_bar=False,
            cwd=str(source.parent), log_output=False,
            extra_arguments=KERNEL_ARGUMENTS + _export_arguments(run, out_dir, figures),
        )
    except pm.PapermillExecutionError as exc:
        error = f"cell {exc.exec_count}: {exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}"
    except Exception as exc:  # kernel failed to start, notebook unreadable …
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    if (out_dir / STOPPED).exists():  # the run was interrupted while this report ran: it is not kept
        running.unlink(missing_ok=True)
        return Outcome(run, False, ipynb, None, NOT_RUN)
    if not running.exists():
        return Outcome(run, False, ipynb, None, error or "no output written")
    nb = nbformat.read(running, as_version=4)
    running.unlink()
    scrub_notebook(nb)
    meta = nb.metadata.get("papermill", {})
    meta["input_path"], meta["output_path"] = f"notebooks/{source.name}", ipynb.name
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            template_file=str(TEMPLATES / "tradedeal.html.j2"))
    body, _ = exporter.from_notebook_node(for_readers(nb))  # title and headline first
    html = ipynb.with_suffix(".html")
    try:
        write_pair({ipynb: nbformat.writes(nb), html: body}, unless=out_dir / STOPPED)
    except Dropped:
        return Outcome(run, False, ipynb, None, NOT_RUN)
    return Outcome(run, not error, ipynb, html, error)


def _settle(runs: list[Run], outcomes: list[Outcome], out_dir: Path) -> list[Outcome]:
    """After an interrupt: the outcomes, with the reports that reached the disk whole but whose
    result the run did not receive (read back from their notebook); a lone file of a report is
    removed, so the folder and the index agree."""
    import json

    done = {o.run.label for o in outcomes}
    settled = list(outcomes)
    for run in runs:
        ipynb = out_dir / f"{run.label}.ipynb"
        html = ipynb.with_suffix(".html")
        if run.label in done:
            continue
        if ipynb.exists() and html.exists():
            nb = json.loads(ipynb.read_text(encoding="utf-8"))
            errors = [o for c in nb.get("cells", []) for o in c.get("outputs", []) if o.get("output_type") == "error"]
            error = f"{errors[0].get('ename', '')}: {errors[0].get('evalue', '')}".splitlines()[0] if errors else ""
            settled.append(Outcome(run, not errors, ipynb, html, error))
        else:
            ipynb.unlink(missing_ok=True)
            html.unlink(missing_ok=True)
    return settled


def _export_arguments(run: Run, out_dir: Path, figures: tuple[str, ...]) -> list[str]:
    """With ``figures`` (formats), the kernel saves every figure and table next to the report
    (:mod:`tradedeal.present.export`)."""
    return [f"--IPKernelApp.exec_lines={start_line(out_dir.resolve(), run.label, figures)}"] if figures else []


def _index(outcomes: list[Outcome], run_id: str, not_run: list[Run] = ()) -> str:
    entries = []
    for o in [*outcomes, *(Outcome(r, False, Path(), None, NOT_RUN) for r in not_run)]:
        status = "ok" if o.ok else (NOT_RUN if o.error == NOT_RUN else f"FAILED — {o.error}")
        entries.append((o.run.label, o.html, o.ipynb if o.html else None, status, o.ok, o.run.parameters))
    return index_html(entries, run_id)


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


def run_report(runs: list[Run], out_dir: Path, *, jobs: int = 1, kernel: str = KERNEL, progress: bool = True,
               executor: Executor | None = None, figures: tuple[str, ...] = ()) -> list[Outcome]:
    """Execute ``runs`` into ``out_dir`` and write ``index.html``: in ``jobs`` local processes,
    or on ``executor`` (a dask.distributed client's, see :func:`tradedeal.executors.executor`;
    its workers must see ``out_dir`` and the data folder). ``figures`` (formats from ``svg``,
    ``pdf``, ``png``): every figure is also saved next to its report with its caption, and every
    table as CSV and LaTeX (:mod:`tradedeal.present.export`).

    A failing notebook does not stop the others: its outcome carries the error. SIGINT (Ctrl-C)
    or SIGTERM stops the run within seconds: every worker and kernel is ended, finished reports
    stay, half-written ones are removed, the index marks what did not run, and
    :class:`Interrupted` is raised.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed, wait

    import nbformat  # noqa: F401  the index reads notebooks: imported before the run, not when a signal
    from tqdm import tqdm  # comes, when a dask client's busy threads can make an import take seconds

    if jobs < 1:
        raise ParameterError(f"jobs must be at least 1; got {jobs}")
    jobs = min(jobs, max(1, len(runs)), os.cpu_count() or 1)  # never more workers than work or cores
    check_kernel(kernel)
    out_dir.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(runs), desc="reports", unit="notebook", disable=not progress)
    outcomes: list[Outcome] = []
    pool, futures = None, []
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if main_thread else None
    try:
        # notebooks run in worker processes even one at a time: the parent only waits, so a
        # signal finds it ready to stop the workers and their kernels
        pool = executor or ProcessPoolExecutor(max_workers=jobs, initializer=quiet_worker)
        futures = [pool.submit(execute, run, out_dir, kernel, tuple(figures)) for run in runs]
        for future in as_completed(futures):
            outcomes.append(future.result())
            bar.update()
        if executor is None:
            pool.shutdown()
    except (KeyboardInterrupt, _Terminated) as exc:
        signum = signal.SIGINT if isinstance(exc, KeyboardInterrupt) else signal.SIGTERM
        (out_dir / STOPPED).touch()  # from now on a report that ends is not kept, one not begun not run
        quiet = True
        if executor is None:
            if pool is not None:
                shutdown(pool, cancel=True)
            stop_descendants()
        else:  # a cluster's own processes are closed by its owner: end the kernels, let the tasks end
            stop_descendants(kernels_only=True)
            quiet = not wait(futures, timeout=STOP_SECONDS).not_done
            shutdown(pool, cancel=True)
        for partial in out_dir.glob(f"{RUNNING_PREFIX}*"):
            partial.unlink(missing_ok=True)
        for partial in out_dir.glob(".*.tmp"):
            partial.unlink(missing_ok=True)
        bar.close()
        outcomes = _settle(runs, outcomes, out_dir)
        if quiet:  # else a cluster's task may still end: the mark stays for it
            (out_dir / STOPPED).unlink(missing_ok=True)
        done = {o.run.label for o in outcomes}
        write_text(out_dir / "index.html", _index(_ordered(outcomes, runs), out_dir.name, [r for r in runs if r.label not in done]))
        raise Interrupted(signum, len(outcomes), len(runs), out_dir / "index.html") from None
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    bar.close()
    outcomes = _ordered(outcomes, runs)
    write_text(out_dir / "index.html", _index(outcomes, out_dir.name))
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

