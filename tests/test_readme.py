"""The README's first screen: the two commands, then the answers of a report run, copied in by
scripts/readme_answers.py, never typed; the option reference lives in docs/cli.md."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat

from tradedeal.present.headline import opening

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"


def _script():
    spec = importlib.util.spec_from_file_location("readme_answers", REPO / "scripts" / "readme_answers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_first_screen_has_the_two_commands_then_the_answers():
    text = README.read_text(encoding="utf-8")
    first = "\n".join(text.splitlines()[:40])
    assert "make report" in first and "make test" in first
    script = _script()
    assert first.index("make test") < text.index(script.START) < text.index(script.END)
    assert "docs/cli.md" in text and (REPO / "docs" / "cli.md").is_file()


def test_every_committed_report_headline_is_in_the_readme_as_its_run_gave_it():
    """The committed notebooks are the default-parameter runs `make report` also makes: a README
    whose answers were typed, or copied from another state of the code, fails here (re-run
    `make report` and scripts/readme_answers.py)."""
    script = _script()
    text = README.read_text(encoding="utf-8")
    block = text[text.index(script.START):text.index(script.END)]
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        found = opening(nbformat.read(path, as_version=4))
        assert f"- **{found.title}.** {found.headline}" in block, f"{path.stem}: README answer out of date"


def test_the_script_writes_the_answers_of_a_run_between_the_markers(tmp_path):
    script = _script()
    run = tmp_path / "run"
    run.mkdir()
    for stem in ("04_product", "01_tracker"):
        (run / f"{stem}.ipynb").write_bytes((REPO / "notebooks" / f"{stem}.ipynb").read_bytes())
    (run / "index.html").write_text('<a href="04_product.html">x</a><a href="01_tracker.html">y</a>')
    readme = tmp_path / "README.md"
    readme.write_text(f"# t\n\n{script.START}\ntyped by hand\n{script.END}\nafter\n")
    assert script.main(["--run", str(run), "--readme", str(readme), "--check"]) == 1
    assert script.main(["--run", str(run), "--readme", str(readme)]) == 0
    lines = readme.read_text().splitlines()
    assert "typed by hand" not in lines and lines[-1] == "after"
    answers = [line for line in lines if line.startswith("- **")]
    assert [re.match(r"- \*\*(.+?)[ —(]", a)[1] for a in answers] == ["One", "Phase"]  # the run's order
    assert script.main(["--run", str(run), "--readme", str(readme), "--check"]) == 0
