"""Layers point one way (``ingest`` → ``agreement`` → ``models`` → ``present``, read as "is
imported by"), the rooms of ``models/`` import only what docs/architecture.md draws, and no two
modules import each other, directly or round a circle. Imports are read from the source (every
``import`` statement, at module level or inside a function: a lazy import is still an arrow), not
from what loading happens to pull in."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import REPO
from tradedeal.agreement.answers import tracker_result
from tradedeal.agreement.window import select

SRC = REPO / "src"
ABOVE = ("tradedeal.agreement", "tradedeal.models", "tradedeal.present")
#: The layers, lowest first: a module may import its own layer and the layers below it.
LAYERS = ("ingest", "agreement", "models", "present")
#: Below every layer: any module may import them; they import none of the layers.
BASE = ("tradedeal.errors", "tradedeal.months", "tradedeal.units", "tradedeal.executors")
#: The package's front door (``Snapshot``, ``Window`` on first use) and ``python -m tradedeal``.
TOP = ("tradedeal", "tradedeal.__main__")
#: The rooms of ``models/`` and the rooms each may import besides its own (docs/architecture.md).
ROOMS = {"shared": set(), "momentum": {"shared"}, "forecast": {"shared"}, "scan": {"shared", "momentum"}}


def modules(src: Path, package: str = "tradedeal") -> dict[str, Path]:
    """Every module of ``package`` under ``src`` by dotted name (a package by its own name)."""
    found = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(src: Path, package: str = "tradedeal") -> dict[str, set[str]]:
    """The modules of ``package`` each module imports, wherever the import statement stands.
    ``from a.b import c`` is an arrow to ``a.b.c`` when that is a module, else to ``a.b``."""
    mods = modules(src, package)
    arrows: dict[str, set[str]] = {name: set() for name in mods}
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's package, one level up per extra dot
                    anchor = name if path.name == "__init__.py" else name.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                named = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in mods else base for alias in node.names]
            else:
                continue
            for target in named:
                while target and target not in mods:  # `import a.b.c` where c is a name, not a module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    arrows[name].add(target)
    return arrows


def circles(arrows: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: each set of modules that reach one another (a strongly connected
    component of more than one module), sorted."""
    reach = {}
    for start in arrows:
        seen, todo = set(), [start]
        while todo:
            for nxt in arrows.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[start] = seen
    found = {frozenset({a} | {b for b in reach[a] if a in reach.get(b, ())}) for a in arrows if a in reach[a]}
    return sorted(sorted(c) for c in found if len(c) > 1)


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def wrong_way(arrows: dict[str, set[str]]) -> list[str]:
    """Every arrow that points up a layer, out of the base modules into a layer, or between two
    rooms of ``models/`` that :data:`ROOMS` does not allow."""
    wrong = []
    for source, targets in sorted(arrows.items()):
        for target in sorted(targets):
            if source in TOP or target in BASE:
                continue
            if source in BASE or layer(source) is None or layer(target) is None:
                wrong.append(f"{source} -> {target}")
            elif LAYERS.index(layer(source)) < LAYERS.index(layer(target)):
                wrong.append(f"{source} -> {target} (up from {layer(source)} to {layer(target)})")
            elif layer(source) == layer(target) == "models":
                a, b = (m.split(".")[2] if m.count(".") >= 2 else None for m in (source, target))
                if a != b and (a is None or b not in ROOMS.get(a, set())):
                    wrong.append(f"{source} -> {target} (models: {a} may import only {sorted(ROOMS.get(a, ()))})")
    return wrong


def private_imports(src: Path, package: str = "tradedeal") -> list[str]:
    """Every ``from <a module of package> import _name`` where ``_name`` is not a module: a
    module that needs another's helper gets it by a public name."""
    mods = modules(src, package)
    found = []
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == package:
                found += [f"{name} imports {node.module}.{alias.name}" for alias in node.names
                          if alias.name.startswith("_") and f"{node.module}.{alias.name}" not in mods]
    return found


def defined(path: Path) -> set[str]:
    """The names a module defines at its top level (functions, classes, assignments), however deep
    in an ``if`` or ``try``; not the names it imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def reexports(src: Path, package: str = "tradedeal") -> list[str]:
    """Every ``from <module> import name`` (by a module of ``package``) where the module does not
    define ``name`` but imports it itself: one public name per thing, taken from its home. The
    front door (:data:`TOP`) is exempt."""
    mods = modules(src, package)
    found = []
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.ImportFrom) and node.module in mods and node.module not in TOP):
                continue
            home = defined(mods[node.module])
            found += [f"{name} imports {node.module}.{alias.name}" for alias in node.names
                      if alias.name not in home and f"{node.module}.{alias.name}" not in mods]
    return found


def test_every_name_is_imported_from_its_home_module():
    assert reexports(SRC) == []


def test_a_planted_reexport_is_found(tmp_path):
    """Made-up modules: ``b`` hands on ``a``'s name, ``c`` takes it from ``b``."""
    src = _plant(tmp_path, {"__init__.py": "", "a.py": "NAME = 1\n", "b.py": "from tradedeal.a import NAME\n",
                            "c.py": "from tradedeal.b import NAME\nfrom tradedeal.a import NAME as SAME\n"})
    assert reexports(src) == ["tradedeal.c imports tradedeal.b.NAME"]


def test_no_module_imports_a_private_name_of_another():
    assert private_imports(SRC) == []


def test_no_import_circle_between_modules_lazy_imports_included():
    assert circles(imports(SRC)) == []


def test_arrows_point_down_the_layers_and_between_rooms_as_drawn():
    arrows = imports(SRC)
    assert set(ROOMS) == {m.split(".")[2] for m in arrows if m.startswith("tradedeal.models.")}
    assert wrong_way(arrows) == []


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "tradedeal" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_a_planted_circle_through_a_lazy_import_is_found(tmp_path):
    """Made-up modules, not the package: ``a`` imports ``b`` at load, ``b`` imports ``a`` inside
    a function (so loading works), and ``c`` closes a second circle with a relative import."""
    src = _plant(tmp_path, {
        "__init__.py": "",
        "ingest/__init__.py": "",
        "ingest/a.py": "from tradedeal.agreement import b\n",
        "agreement/__init__.py": "",
        "agreement/b.py": "def f():\n    from tradedeal.ingest.a import g\n    return g\n",
        "present/__init__.py": "",
        "present/c.py": "from . import d\n",
        "present/d.py": "def h():\n    import tradedeal.present.c\n",
    })
    arrows = imports(src)
    assert circles(arrows) == [["tradedeal.agreement.b", "tradedeal.ingest.a"],
                               ["tradedeal.present.c", "tradedeal.present.d"]]
    assert wrong_way(arrows) == ["tradedeal.ingest.a -> tradedeal.agreement.b (up from ingest to agreement)"]


def test_a_planted_sideways_arrow_between_rooms_is_found(tmp_path):
    """Made-up modules: the forecast room importing the momentum room."""
    src = _plant(tmp_path, {
        "__init__.py": "", "models/__init__.py": "", "models/momentum/__init__.py": "",
        "models/momentum/m.py": "", "models/forecast/__init__.py": "",
        "models/forecast/f.py": "def f():\n    from tradedeal.models.momentum import m\n",
    })
    assert wrong_way(imports(src)) == [
        "tradedeal.models.forecast.f -> tradedeal.models.momentum.m (models: forecast may import only ['shared'])"]


def test_a_planted_private_import_is_found(tmp_path):
    """Made-up modules: ``b`` takes ``a``'s private helper; a private module is no private name."""
    src = _plant(tmp_path, {"__init__.py": "", "a.py": "def _helper():\n    pass\n", "_c.py": "",
                            "b.py": "from tradedeal.a import _helper\nfrom tradedeal import _c\n"})
    assert private_imports(src) == ["tradedeal.b imports tradedeal.a._helper"]


def test_loading_ingest_loads_nothing_above_it():
    code = ("import sys\n"
            "import tradedeal.ingest.build, tradedeal.ingest.snapshot, tradedeal.ingest.refresh, tradedeal.ingest.cache\n"
            "print(sorted(m for m in sys.modules if m.startswith(%r)))" % (ABOVE,))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_agreement_asks_its_questions_of_a_snapshot(root):
    from tradedeal import Snapshot
    from tradedeal.ingest.sources import load_concordance

    assert len(load_concordance()) == 537  # the clean Annex 6.1 lines, read from ingest (their one home)
    snap = Snapshot(root)
    assert str(select(snap, year=2020, as_of="2020-07").as_of) == "2020-07"
    table = tracker_result(snap, 2020, "2020-12").table.set_index("category")
    assert table.loc["covered_total", "purchases_ytd_usd"] == 93_651_664_966
