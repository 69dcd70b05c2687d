"""Copy the answers of a report run into the README, between its answer markers; never typed.

Each report of the run (``make report`` writes ``reports/<run-id>/``) gives one line: its title
and its headline, read from the executed notebook as ``index.html`` reads them
(:func:`tradedeal.present.headline.opening`), in the run's order:

    make report && .venv/bin/python scripts/readme_answers.py            # the newest run under reports/
    .venv/bin/python scripts/readme_answers.py --run reports/20261202-1400
    .venv/bin/python scripts/readme_answers.py --check                   # exit 1 when the README differs

The README is written whole or not at all (a temporary file, then a rename). The test
``tests/test_readme.py`` checks that every committed report's headline is in it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from tradedeal.present.headline import opening

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START = "<!-- answers: copied from a `make report` run by scripts/readme_answers.py; do not edit by hand -->"
END = "<!-- /answers -->"
_BLOCK = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)


def newest_run(reports: Path) -> Path:
    """The newest run folder under ``reports`` (run ids sort by time)."""
    runs = sorted(p for p in reports.iterdir() if p.is_dir() and (p / "index.html").exists()) if reports.is_dir() else []
    if not runs:
        raise SystemExit(f"readme_answers: no report run under {reports}: run `make report` first")
    return runs[-1]


def answers(run: Path) -> list[str]:
    """One markdown line per report of ``run`` that has a headline: ``**title.** headline``."""
    order = re.findall(r'<a href="([^"]+)\.html">', (run / "index.html").read_text(encoding="utf-8"))
    lines = []
    for stem in order:
        path = run / f"{stem}.ipynb"
        if not path.is_file():
            continue
        found = opening(nbformat.read(path, as_version=4))
        if found.headline:
            lines.append(f"- **{found.title}.** {found.headline}")
    if not lines:
        raise SystemExit(f"readme_answers: no report in {run} has a headline")
    return lines


def block(lines: list[str]) -> str:
    return "\n".join([START, *lines, END])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a report run folder (default: the newest under reports/)")
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("--check", action="store_true", help="only say whether the README is up to date")
    args = parser.parse_args(argv)
    run = args.run or newest_run(ROOT / "reports")
    text = args.readme.read_text(encoding="utf-8")
    if not _BLOCK.search(text):
        print(f"readme_answers: {args.readme.name} has no answer markers ({START} … {END})", file=sys.stderr)
        return 2
    new = _BLOCK.sub(lambda _: block(answers(run)), text)
    if args.check:
        print("README answers are up to date" if new == text else "README answers differ from the run")
        return 0 if new == text else 1
    tmp = args.readme.with_suffix(".md.tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(args.readme)
    print(f"wrote the answers of {len(answers(run))} reports from {run} into {args.readme.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
