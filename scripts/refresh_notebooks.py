"""Re-execute the report notebooks with their default parameters and store their outputs.

The committed notebooks carry the outputs of the default run, which `make test` compares with
a fresh run (nbval). Run this after changing a notebook or what it shows:

    .venv/bin/python scripts/refresh_notebooks.py              # every report notebook
    .venv/bin/python scripts/refresh_notebooks.py 02_momentum  # only these
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat

from tradedeal.present import parameters, report

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv) or None
    runs = parameters.plan(names, [{}])
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = report.run_report(runs, Path(tmp), jobs=2)
        failed = [o for o in outcomes if not o.ok]
        for o in failed:
            print(f"FAILED {o.run.label}: {o.error}", file=sys.stderr)
        if failed:
            return 1
        for o in outcomes:
            nb = nbformat.read(o.ipynb, as_version=4)
            nb.metadata.pop("papermill", None)
            for cell in nb.cells:
                cell.metadata.pop("papermill", None)
                cell.metadata.pop("execution", None)
            target = ROOT / "notebooks" / f"{o.run.notebook}.ipynb"
            nbformat.write(nb, target)
            print(f"refreshed {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
