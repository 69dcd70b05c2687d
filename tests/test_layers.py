"""Layers point one way: ``ingest`` never imports ``agreement`` (nor anything above it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import REPO
from tradedeal.agreement.answers import tracker_result
from tradedeal.agreement.window import select

INGEST = REPO / "src" / "tradedeal" / "ingest"
ABOVE = ("tradedeal.agreement", "tradedeal.models", "tradedeal.present")


def test_loading_ingest_loads_nothing_above_it():
    code = ("import sys\n"
            "import tradedeal.ingest.build, tradedeal.ingest.snapshot, tradedeal.ingest.refresh, tradedeal.ingest.cache\n"
            "print(sorted(m for m in sys.modules if m.startswith(%r)))" % (ABOVE,))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _module_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = []
    for node in tree.body:  # module level only: a method may hand work up to a layer above
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def test_no_ingest_module_imports_a_layer_above():
    upward = {p.name: [m for m in _module_level_imports(p) if m.startswith(ABOVE)] for p in sorted(INGEST.glob("*.py"))}
    assert {name: mods for name, mods in upward.items() if mods} == {}


def test_the_agreement_offers_the_concordance_and_asks_its_questions_of_a_snapshot(root):
    from tradedeal import Snapshot
    from tradedeal.agreement import concordance
    from tradedeal.ingest import concordance as base

    assert concordance.classify is base.classify and concordance.COVERAGES is base.COVERAGES
    assert len(concordance.load_concordance()) == 537  # the clean Annex 6.1 lines
    snap = Snapshot(root)
    assert str(select(snap, year=2020, as_of="2020-07").as_of) == "2020-07"
    table = tracker_result(snap, 2020, "2020-12").table.set_index("category")
    assert table.loc["covered_total", "purchases_ytd_usd"] == 93_651_664_966
