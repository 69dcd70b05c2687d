"""What a report run killed outright (``kill -9``) leaves behind, and how the next run puts it right.

A run holds a claim on its folder for as long as it or one of its workers lives: a plan file
beside the folder (``reports/.<run-id>.run.json``: its reports, labels and parameters) locked
with ``flock``, which the kernel releases when the last process holding it is gone, however it
ended. When the next run starts, :func:`recover` takes every claim nobody holds any more: it
removes the half-written reports of that run (``.running-*``, temporary files), keeps the
reports whose two files reached the disk, and writes the ``index.html`` the killed run never
wrote, marking the reports that did not run. A run still going is never touched.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The plan file of a run folder, beside it: ``.<run-id>.run.json``.
PLAN_SUFFIX = ".run.json"


def plan_file(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}{PLAN_SUFFIX}"


@contextmanager
def claim(out_dir: Path, runs) -> Iterator[None]:
    """Hold the claim on ``out_dir`` for the block (and for the life of every process that
    inherits it: pool workers): the plan of ``runs``, written whole and locked before it has
    its name, so another run never sees it unlocked while this one lives. Removed at the end."""
    target = plan_file(out_dir)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".claim-", suffix=".tmp")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        plan = [{"notebook": r.notebook, "label": r.label, "parameters": r.parameters} for r in runs]
        os.write(fd, json.dumps({"run": out_dir.name, "runs": plan}, default=str).encode())
        os.replace(tmp, target)
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        yield
    finally:
        target.unlink(missing_ok=True)
        os.close(fd)


def recover(base: Path) -> list[str]:
    """Settle every run under ``base`` that was killed (its claim is held by no process): remove
    its half-written files, write its ``index.html``. Returns one line per run settled."""
    from tradedeal.present.parameters import Run
    from tradedeal.present.report import STOPPED, settle_folder

    lines = []
    if not base.is_dir():
        return lines
    for path in sorted(base.glob(f".*{PLAN_SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # the run, or one of its workers, is still there
                continue
            try:
                content = json.loads(path.read_text(encoding="utf-8"))
                runs = [Run(r["notebook"], r["parameters"], r["label"]) for r in content["runs"]]
                out_dir = base / content["run"]
            except (OSError, ValueError, KeyError, TypeError):
                path.unlink(missing_ok=True)  # not a plan this code wrote whole: nothing to settle by it
                continue
            if out_dir.is_dir():
                (out_dir / STOPPED).unlink(missing_ok=True)
                outcomes = settle_folder(runs, [], out_dir)
                lines.append(f"run {out_dir.name} had stopped (killed): {len(outcomes)} of {len(runs)} reports "
                             f"finished; wrote {out_dir / 'index.html'}")
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return lines
