"""Set-up files agree with each other and with the README."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement

from conftest import REPO


def _name(spec: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0].strip()).lower()


def _lock() -> dict[str, str]:
    lines = (REPO / "requirements.lock").read_text().splitlines()
    return {_name(line): line.split("==", 1)[1] for line in lines if line and not line.startswith("#")}


def test_lock_environment_yml_and_pyproject_agree():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_specs = project["dependencies"] + project["optional-dependencies"]["test"]
    lock = _lock()
    for spec in pip_specs:  # every dependency is locked at a version its range admits
        requirement = Requirement(spec)
        assert _name(spec) in lock, f"{spec} is not in requirements.lock"
        assert requirement.specifier.contains(lock[_name(spec)]), (spec, lock[_name(spec)])
    conda = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    listed = [d for d in conda if isinstance(d, str)]
    listed += [p for d in conda if isinstance(d, dict) for p in d.get("pip", [])]  # packages conda-forge lacks
    conda_specs = {_name(d): d.split("==", 1)[-1] for d in listed if _name(d) not in {"python", "pip"}}
    assert set(conda_specs) == {_name(s) for s in pip_specs}  # the same packages …
    assert conda_specs == {name: lock[name] for name in conda_specs}  # … pinned to the lock's versions
    python = next(d for d in conda if isinstance(d, str) and _name(d) == "python")
    assert python.replace(" ", "") == "python" + project["requires-python"]
    makefile = (REPO / "Makefile").read_text()
    assert "-c requirements.lock" in makefile and "scripts/write_lock.py" in makefile


def test_readme_opens_with_the_two_commands_and_ci_runs_the_tests():
    readme = (REPO / "README.md").read_text()
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make report", "make test"]
    assert "make test" in (REPO / ".ci" / "run").read_text()
