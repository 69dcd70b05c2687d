"""Set-up files agree with each other and with the README."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import REPO


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec, maxsplit=1)[0].strip().lower()


def test_environment_yml_and_pyproject_list_the_same_packages():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_specs = project["dependencies"] + project["optional-dependencies"]["test"]
    conda = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    conda_specs = [d for d in conda if isinstance(d, str) and _name(d) not in {"python", "pip"}]
    assert sorted(s.replace(" ", "") for s in pip_specs) == sorted(s.replace(" ", "") for s in conda_specs)
    python = next(d for d in conda if isinstance(d, str) and _name(d) == "python")
    assert python.replace(" ", "") == "python" + project["requires-python"]


def test_readme_opens_with_the_two_commands_and_ci_runs_the_tests():
    readme = (REPO / "README.md").read_text()
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make report", "make test"]
    assert "make test" in (REPO / ".ci" / "run").read_text()
