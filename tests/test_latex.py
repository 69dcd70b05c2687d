"""Tables for a paper: every table a report exports compiles with a real LaTeX engine (pdflatex),
as a threeparttable with caption, label and notes, ASCII signs and headers that wrap.

pdflatex comes from Debian's TeX Live (texlive-latex-recommended and texlive-latex-extra;
`.ci/run` installs them). On a developer's machine without it the compile tests are skipped,
saying so; under CI=true a missing engine fails them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tradedeal.present import latex
from tradedeal.present.tables import Table

ENGINE = shutil.which("pdflatex")
NOTEBOOKS = ("01_tracker", "02_momentum", "03_forecast", "04_product", "05_scanner")


def _engine() -> str:
    if ENGINE:
        return ENGINE
    message = ("no LaTeX engine: pdflatex is not installed (Debian: apt-get install --no-install-recommends "
               "texlive-latex-recommended texlive-latex-extra; .ci/run does)")
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must compile every exported table")
    pytest.skip(message)


def compile_tables(bodies: list[str], folder: Path) -> str:
    """Compile ``bodies`` in one article; returns the log. Fails with pdflatex's first error."""
    engine = _engine()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tables.tex").write_text(latex.document(bodies), encoding="ascii")
    done = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "tables.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TEXMFVAR": str(folder / "texmf-var")})
    log = (folder / "tables.log").read_text(errors="replace") if (folder / "tables.log").exists() else done.stdout
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert done.returncode == 0 and not errors, f"pdflatex failed: {errors[:3] or done.stdout[-800:]}"
    assert (folder / "tables.pdf").stat().st_size > 1000
    return log


def made_up_table() -> pd.DataFrame:
    """made-up figures (not data): a wide table with signs, a ratio, money and a text column."""
    return pd.DataFrame(
        {"required_vs_pace_3m": [1.2, -0.35], "pct_of_ytd_target_at_2017_prices": [58.9, 62.5],
         "change_usd": [-2.67e9, 1.5e9], "description": ["Soybeans, whether or not broken — heading 1201", "Wire"],
         "target_two_years_usd": [1e11, 2e11], "p_value": [0.0004, 0.3], "q_value": [0.01, 0.5],
         "slope_change": [0.0236, -0.0112], "ci_lower": [-0.02, -0.05], "ci_upper": [0.07, 0.03]},
        index=pd.Index(["agriculture", "covered_total"], name="category"))


def test_a_table_is_a_threeparttable_with_caption_label_notes_and_ascii_signs():
    tex = Table(made_up_table(), "Purchases — 50% & $bn", notes=["Coverage: annex_6_1"]).latex(label="tab:made-up")
    assert tex.isascii()
    assert "\\begin{threeparttable}" in tex and "\\caption{Purchases --- 50\\% \\& \\$bn}" in tex
    assert "\\label{tab:made-up}" in tex
    assert "\\begin{tablenotes}" in tex and "\\item Coverage: all Annex 6.1 goods including civil aircraft" in tex
    assert "$-$2.67" in tex and "$-$0.35" in tex and "\u2212" not in tex and "$<$ 0.001" in tex
    assert "\\toprule" in tex and "\\bottomrule" in tex
    head = tex[tex.index("\\toprule"):tex.index("\\midrule")]
    assert "Required / pace of last 3 months ($\\times$)" in head and "category" not in head.lower().split("&")[1]
    column_format = tex[tex.index("\\begin{tabular}{") + 16:].split("\n")[0]
    assert column_format.count("p{") == 11  # every column a paragraph: headers wrap, figures right-aligned
    assert column_format.count("\\raggedleft") == 9


def test_a_wide_table_compiles_and_fits_the_page(tmp_path):
    log = compile_tables([Table(made_up_table(), "A wide table", notes=["A note."]).latex()], tmp_path)
    assert "Overfull \\hbox" not in log


@pytest.fixture(scope="module")
def exported(default_run):
    """The tables of every report with its default parameters, and of the two-year tracker, from
    the shared report run (``default_run``: --figures svg,png)."""
    assert (default_run / "01_tracker-2020-2021.ipynb").exists()
    return sorted(default_run.glob("*-table*.tex"))


def test_every_exported_table_compiles_with_pdflatex(exported, tmp_path):
    assert {p.name.split("-")[0] for p in exported} == set(NOTEBOOKS)
    bodies = [p.read_text(encoding="utf-8") for p in exported]
    for path, body in zip(exported, bodies):
        assert body.isascii(), f"{path.name}: not ASCII"
        assert "\\caption{" in body and "\\label{tab:" in body and "\\begin{tablenotes}" in body, path.name
    labels = [b[b.index("\\label{") + 7:].split("}")[0] for b in bodies]
    assert len(set(labels)) == len(labels), "two tables share a label"
    compile_tables(bodies, tmp_path)


def test_a_cell_opening_with_a_bracket_compiles(tmp_path):
    """A first cell like ``[0.2, 0.4)`` (a reliability bin) right after a row's ``\\\\`` must not
    read as the row's spacing argument (pdflatex: "Illegal unit of measure")."""
    frame = pd.DataFrame({"bin": ["[0.0, 0.2)", "[0.2, 0.4)"], "projections": [3, 4]})
    body = latex.table(frame, text_columns=(0,), caption="Bins", notes=["planted, not data"])
    assert "{[}0.2, 0.4)" in body
    compile_tables([body], tmp_path)
