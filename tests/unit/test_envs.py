"""The pinned conda environments agree with pyproject.toml (conda itself cannot run here)."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from conftest import REPOSITORY


def pyproject_requirements():
    with open(REPOSITORY / "pyproject.toml", "rb") as stream:
        project = tomllib.load(stream)["project"]
    return {Requirement(text).name.lower(): Requirement(text) for text in project["dependencies"]}


def environment_pins(path: Path) -> dict[str, str]:
    environment = yaml.safe_load(path.read_text())
    pins = {}
    for item in environment["dependencies"]:
        entries = item["pip"] if isinstance(item, dict) else [item]
        for entry in entries:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*={1,2}\s*([0-9][^\s]*)", entry)
            if match:
                pins[match.group(1).lower()] = match.group(2)
            elif entry not in ("pip",):
                pytest.fail(f"{path.name}: '{entry}' is not pinned to one version")
    return pins


ENVIRONMENTS = sorted((REPOSITORY / "envs").glob("*.yaml"))


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=lambda path: path.name)
def test_pins_satisfy_pyproject(path):
    requirements = pyproject_requirements()
    pins = environment_pins(path)
    assert pins.get("python", "").startswith("3.1")
    for name, pinned in pins.items():
        if name in requirements:
            assert Version(pinned) in requirements[name].specifier, (name, pinned)


def test_every_rule_names_an_existing_environment():
    for rules in (REPOSITORY / "workflow/rules").glob("*.smk"):
        for environment in re.findall(r'conda:\s*\n\s*"([^"]+)"', rules.read_text()):
            assert (rules.parent / environment).resolve().is_file(), (rules.name, environment)
