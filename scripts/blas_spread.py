"""How much the report notebooks' numbers move across OpenBLAS kernels: the measurement behind
``notebooks/tolerances.yaml`` (docs/testing.md).

numpy's OpenBLAS picks its kernels by CPU; ``OPENBLAS_CORETYPE`` forces one. This script runs the
named notebooks with default parameters (like the committed ones) once per kernel, each on its
own temporary copy of ``data/raw`` so that no kernel reuses another's cached backtests; it never
writes into ``notebooks/`` or ``data/``. It then compares every number shown, cell by cell,
between kernels and with the committed notebook, the way the tests do
(``tests/nbval_tolerance.py``), and prints for each notebook how many numbers differ, the largest
relative and absolute difference per cell and table column, any text difference (which no
tolerance fixes), and whether each pair passes under the current tolerances. Last, for each
notebook, the spread over every pair of kernels per rule of ``notebooks/tolerances.yaml`` (with
the rule's tolerance as a multiple of it: a rule should be at most about twice its spread) and
per table and column (to write a new rule), and every number whose sign differs between two
kernels (no tolerance allows that: show such a figure another way).

    .venv/bin/python scripts/blas_spread.py                                  # every notebook: the command behind tolerances.yaml
    .venv/bin/python scripts/blas_spread.py 03_forecast --cores Prescott,Haswell --keep /tmp/s
    .venv/bin/python scripts/blas_spread.py --reuse /tmp/s --cores Prescott,Haswell  # compare again
    .venv/bin/python scripts/blas_spread.py --other-core   # a kernel for CI's second run (.ci/run)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nbval.plugin import get_sanitize_patterns  # noqa: E402

from tests.nbval_tolerance import differences, load_tolerances, mismatches, NotebookTolerances  # noqa: E402
from tests.notebook_outputs import reader_outputs  # noqa: E402

DEFAULT_CORES = ("Prescott", "Sandybridge", "Haswell", "SkylakeX")
# Kernels a CI run may force, each with the CPU flag it needs in /proc/cpuinfo (pni is SSE3);
# forcing one the CPU lacks crashes.
OTHER_CORES = {"x86_64": (("Prescott", "pni"), ("Nehalem", "sse4_2"), ("Sandybridge", "avx"), ("Haswell", "avx2")),
               "aarch64": (("ARMV8", "fp"), ("NEOVERSEN1", "asimd"))}


def core_in_use(core: str | None) -> str:
    """The OpenBLAS kernel numpy loads with ``OPENBLAS_CORETYPE=core`` (None: the CPU's own)."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    if core:
        env["OPENBLAS_CORETYPE"] = core
    env["OPENBLAS_VERBOSE"] = "2"
    got = subprocess.run([sys.executable, "-c", "import numpy"], env=env, capture_output=True, text=True)
    return next((line.split(":", 1)[1].strip() for line in (got.stdout + got.stderr).splitlines()
                 if line.startswith("Core:")), "unknown")


def other_core() -> str | None:
    """An ``OPENBLAS_CORETYPE`` this CPU runs that loads another kernel than its own, or None."""
    import platform

    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = set()
    for line in cpuinfo.splitlines():
        if line.split(":")[0].strip() in ("flags", "Features"):
            flags |= set(line.split(":", 1)[1].split())
    own = core_in_use(None)
    for core, flag in OTHER_CORES.get(platform.machine(), ()):
        if flag in flags and core_in_use(core) not in (own, "unknown"):
            return core
    return None


def run_notebooks(names: list[str], core: str, out: Path, data: Path, jobs: int) -> dict[str, Path]:
    """Execute ``names`` with default parameters under ``core``; the executed notebooks by name."""
    env = dict(os.environ, OPENBLAS_CORETYPE=core, TRADEDEAL_DATA_DIR=str(data))
    cmd = [sys.executable, "-m", "tradedeal", "report", *names, "--out", str(out), "--jobs", str(jobs)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"blas_spread: {' '.join(names)} failed under {core}:\n{done.stdout}{done.stderr}")
    return {name: next(out.glob(f"*/{name}.ipynb")) for name in names}


def compare(stored: Path, fresh: Path, sanitize) -> tuple[list[tuple], list[str]]:
    """Differing numbers ``(rel, abs, stored, fresh, cell, column, line, Difference)`` and the text
    differences."""
    numbers, texts = [], []
    for cell, (a_blocks, b_blocks) in enumerate(zip(reader_outputs(stored), reader_outputs(fresh), strict=True)):
        if len(a_blocks) != len(b_blocks):
            texts.append(f"Cell {cell}: {len(a_blocks)} outputs vs {len(b_blocks)}")
            continue
        for a, b in zip(a_blocks, b_blocks):
            a, b = sanitize(a), sanitize(b)
            found = differences(a, b)
            if found is None:
                first = next(((x, y) for x, y in zip([*a.splitlines(), ""], [*b.splitlines(), ""])
                              if differences(x, y) is None), ("?", "?"))
                texts.append(f"Cell {cell}: text differs: {first[0].strip()[:110]!r} vs {first[1].strip()[:110]!r}")
                continue
            for d in found:
                u, v = (float(n.replace(",", "").replace("\u2212", "-")) for n in (d.stored, d.fresh))
                gap = abs(u - v)
                numbers.append((gap / max(abs(u), abs(v)) if gap else 0.0, gap, d.stored, d.fresh, cell, d.column,
                                d.line.strip()[:90], d))
    return numbers, texts


def report_pair(label: str, stored: Path, fresh: Path, sanitize, tolerances: NotebookTolerances, top: int) -> list:
    """Print how the numbers of ``fresh`` differ from ``stored``: overall, then per cell and column;
    return the differing numbers (see :func:`compare`)."""
    numbers, texts = compare(stored, fresh, sanitize)
    if not numbers and not texts:
        print(f"  {label}: identical")
        return numbers
    rel = max((n[0] for n in numbers), default=0.0)
    gap = max((n[1] for n in numbers), default=0.0)
    print(f"  {label}: {len(numbers)} numbers differ, max rel {rel:.2e}, max abs {gap:.4g}"
          + ("; TEXT DIFFERS (no tolerance fixes this):" if texts else ""))
    for text in sorted(set(texts)):
        print(f"      {text}")
    groups: dict[tuple, list] = {}
    for n in numbers:
        groups.setdefault((n[4], n[5]), []).append(n)
    for (cell, column), items in sorted(groups.items(), key=lambda kv: -max(i[0] for i in kv[1]))[:top]:
        worst = max(items)
        print(f"      Cell {cell} column {column or '-'!r}: {len(items)} differ, max rel {worst[0]:.2e}, "
              f"max abs {max(i[1] for i in items):.4g} (e.g. {worst[2]} vs {worst[3]} in {worst[6]!r})")
    sources = nb_sources(stored)
    bad = []
    for cell, (a_blocks, b_blocks) in enumerate(zip(reader_outputs(stored), reader_outputs(fresh))):
        for a, b in zip(a_blocks, b_blocks):
            bad += mismatches(sanitize(a), sanitize(b), tolerances, sources[cell]) or []
    verdict = "PASS" if not bad and not texts else f"FAIL ({len(bad)} numbers outside, {len(texts)} text differences)"
    print(f"      under notebooks/tolerances.yaml: {verdict}")
    for line in bad[:top]:
        print(f"        outside: {line}")
    return numbers


def _sign(text: str) -> int:
    value = float(text.replace(",", "").replace("\u2212", "-"))
    return (value > 0) - (value < 0)


def report_spreads(name: str, numbers: list, tolerances: NotebookTolerances, sources: list[str]) -> None:
    """The spread over every pair of kernels per tolerance rule and per table column, and the
    numbers whose sign differs between kernels: what tolerances.yaml's rules are set from."""
    by_rule: dict[str, list] = {}
    by_column: dict[tuple[str, str], list] = {}
    flips = []
    for n in numbers:
        d = n[7]
        rule = tolerances.rule_for(sources[n[4]], d.line, d.column, d.table, d.around)
        key = "default" if rule is None else f"rule {tolerances.rules.index(rule) + 1}"
        by_rule.setdefault(key, []).append(n)
        by_column.setdefault((d.table[:70] or "-", d.column or "-"), []).append(n)
        if _sign(d.stored) * _sign(d.fresh) < 0:
            flips.append(n)
    print(f"\n{name}: spread over every pair of kernels, per rule of notebooks/tolerances.yaml "
          "(a rule should be at most about twice its spread)")
    rules = [("default", None, tolerances.default, tolerances.spread)] + [
        (f"rule {i}", r, r.tolerance, r.spread) for i, r in enumerate(tolerances.rules, start=1)]
    for key, rule, tol, recorded in rules:
        found = by_rule.get(key, [])
        rel, gap = max((n[0] for n in found), default=0.0), max((n[1] for n in found), default=0.0)
        what = "" if rule is None else " ".join(f"{k}={getattr(rule, k)!r}" for k in ("column", "table", "around", "line", "cell")
                                                 if getattr(rule, k))
        ratio = []
        if tol.abs:
            ratio.append(f"abs {tol.abs:g} = {tol.abs / gap:.1f}x" if gap else f"abs {tol.abs:g} (nothing moved)")
        if tol.rel:
            ratio.append(f"rel {tol.rel:g} = {tol.rel / rel:.1f}x" if rel else f"rel {tol.rel:g} (nothing moved)")
        print(f"  {key} {what}: {len(found)} numbers moved; measured spread: {{abs: {gap:.3g}, rel: {rel:.3g}}}; "
              f"tolerance {', '.join(ratio) or 'exact'}; recorded spread {recorded}")
    print(f"{name}: spread per table and column (table = its headings)")
    for (table, column), found in sorted(by_column.items()):
        print(f"  {column!r} in [{table}]: {len(found)} moved, max abs {max(n[1] for n in found):.3g}, "
              f"max rel {max(n[0] for n in found):.3g}")
    for n in flips:
        print(f"  SIGN FLIP between kernels (no tolerance allows it): {n[2]} vs {n[3]} in Cell {n[4]}: {n[6]!r}")


def nb_sources(path: Path) -> list[str]:
    import nbformat

    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook names (default: every report notebook)")
    parser.add_argument("--cores", default=",".join(DEFAULT_CORES), help="OPENBLAS_CORETYPE values, comma-separated")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--top", type=int, default=12, help="quantities (cell, column) to show per comparison")
    parser.add_argument("--keep", metavar="DIR", help="keep the executed notebooks in DIR (a new folder)")
    parser.add_argument("--reuse", metavar="DIR", help="compare the notebooks an earlier --keep DIR holds; run nothing")
    parser.add_argument("--other-core", action="store_true",
                        help="only print an OPENBLAS_CORETYPE this CPU supports, other than its own kernel")
    args = parser.parse_args(argv)
    if args.other_core:
        core = other_core()
        if core is None:
            print(f"blas_spread: no OpenBLAS kernel other than this CPU's own ({core_in_use(None)}) to force",
                  file=sys.stderr)
            return 1
        print(core)
        return 0
    names = args.notebooks or sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    cores = [c for c in args.cores.split(",") if c]
    patterns = get_sanitize_patterns((ROOT / "notebooks" / "sanitize.cfg").read_text())

    def sanitize(text: str) -> str:
        import re

        for regex, replace in patterns:
            text = re.sub(regex, replace, text)
        return text

    table = load_tolerances()
    print(f"this CPU's own kernel: {core_in_use(None)}")
    with tempfile.TemporaryDirectory(prefix="blas-spread-") as tmp:
        runs = {}
        for core in cores if not args.reuse else ():
            print(f"running {', '.join(names)} under OPENBLAS_CORETYPE={core} (kernel in use: {core_in_use(core)})",
                  flush=True)
            data = Path(args.keep or tmp) / core / "data"  # one data copy per kernel: no backtest cache shared
            shutil.copytree(ROOT / "data" / "raw", data / "raw")
            runs[core] = run_notebooks(names, core, data.parent / "reports", data, args.jobs)
        if args.reuse:
            runs = {core: {name: next(Path(args.reuse, core, "reports").glob(f"*/{name}.ipynb")) for name in names}
                    for core in cores}
        for name in names:
            tolerances = table.get(name, NotebookTolerances())
            print(f"\n{name}  (tolerance: {tolerances})")
            pairs = []
            for core in cores:
                report_pair(f"committed vs {core}", ROOT / "notebooks" / f"{name}.ipynb", runs[core][name], sanitize,
                            tolerances, args.top)
            for i, a in enumerate(cores):
                for b in cores[i + 1:]:
                    pairs += report_pair(f"{a} vs {b}", runs[a][name], runs[b][name], sanitize, tolerances, args.top)
            report_spreads(name, pairs, tolerances, nb_sources(ROOT / "notebooks" / f"{name}.ipynb"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
