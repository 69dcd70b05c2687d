"""The CI contract: `.ci/run` runs the README's test command, unconditionally and failing on the
first error, then the notebooks again under a second OpenBLAS kernel; in CI a browser test that
cannot run fails the run instead of skipping (a developer's `make test` may skip it, saying so)."""

from __future__ import annotations

import re

import pytest

from conftest import REPO

import test_browser


def readme_test_command() -> str:
    """The test command of the README's first code block (the line with 'test' in it)."""
    readme = (REPO / "README.md").read_text()
    block = re.search(r"```(?:sh|bash)?\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    (command,) = [c for c in commands if "test" in c]
    return command


def top_level_commands(script: str) -> list[str]:
    """The commands a shell script always runs: comments dropped, lines inside if/for/while
    blocks, functions or `{ …; }` groups and after an unconditional `exit` left out."""
    out, depth = [], 0
    for raw in script.splitlines():
        line = raw.split(" #")[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        first = line.split()[0].rstrip(";")
        if first in ("fi", "done", "}", "esac"):
            depth -= 1
            continue
        if first in ("if", "for", "while", "until", "case") or line.endswith("{") or line.endswith("()"):
            depth += 0 if (first == "if" and line.endswith("fi")) else 1
            continue
        if depth == 0:
            if first == "exit":
                break
            out.append(line)
    return out


def test_ci_runs_the_readme_test_command_then_the_notebooks_under_a_second_kernel():
    script = (REPO / ".ci" / "run").read_text()
    commands = top_level_commands(script)
    assert "set -euo pipefail" in commands or "set -eo pipefail" in commands, commands  # a failure fails CI
    test = readme_test_command()
    assert test == "make test"
    assert test in commands, f"{test!r} is not run unconditionally by .ci/run: {commands}"
    core = [c for c in commands if re.fullmatch(r"core=\$\(.*scripts/blas_spread\.py --other-core\)", c)]
    assert core, "no second OpenBLAS kernel chosen (scripts/blas_spread.py --other-core)"
    second = [c for c in commands if c == f'OPENBLAS_CORETYPE=$core {test} TEST_PATHS=notebooks']
    assert second, f"the notebooks are not run again under OPENBLAS_CORETYPE=$core: {commands}"
    assert commands.index(test) < commands.index(second[0])


def test_the_makefile_test_target_runs_pytest_with_nbval_over_tests_and_notebooks():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^TEST_PATHS \?= tests notebooks$", makefile, re.M)
    recipe = re.search(r"^test: .*\n\t(.*)$", makefile, re.M).group(1)
    assert "-m pytest $(TEST_PATHS) " in recipe and " --nbval " in recipe
    assert "--nbval-sanitize-with notebooks/sanitize.cfg" in recipe
    # workers take whole files: a notebook's cells must run in one kernel, in order
    assert "--dist loadfile" in recipe or "-n" not in recipe.split()


def test_the_contract_reader_sees_what_a_shell_runs():
    script = "set -euo pipefail\n# make test\nif false; then\n  make test\nfi\nmake report\nexit 0\nmake test\n"
    assert top_level_commands(script) == ["set -euo pipefail", "make report"]


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), (None, pytest.skip.Exception)])
def test_without_chromium_the_browser_test_fails_in_ci_and_skips_elsewhere(monkeypatch, ci, outcome):
    monkeypatch.setattr(test_browser, "CHROMIUM", None)
    if ci:
        monkeypatch.setenv("CI", ci)
    else:
        monkeypatch.delenv("CI", raising=False)
    with pytest.raises(outcome, match="Chromium"):
        test_browser.chromium_or_skip()
