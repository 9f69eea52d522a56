"""The conda environment of the rules (snakemake --sdm conda) agrees with pyproject.toml and
installs qchemflow itself; conda channels are unreachable here, so it is never built in tests."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from conftest import REPOSITORY

ENVIRONMENT = REPOSITORY / "envs/qchemflow.yaml"
PIN = re.compile(r"([A-Za-z0-9_.-]+)\s*={1,2}\s*([0-9][^\s]*)")
EDITABLE = re.compile(r"(?:-e|--editable)[\s=]+(\S+)")
# Where Snakemake puts the copy of an environment file that conda reads (the default conda
# prefix, snakemake/persistence: <working directory>/.snakemake/conda, and the copy
# <prefix>/<hash>.yaml, snakemake/deployment/conda.py). Conda runs pip in the copy's folder
# (conda/env/pip_util.py get_pip_workdir) and pip reads a relative path of a requirement from
# its working folder.
CONDA_PREFIX = Path(".snakemake/conda")


def pyproject() -> dict:
    with open(REPOSITORY / "pyproject.toml", "rb") as stream:
        return tomllib.load(stream)["project"]


def pyproject_requirements() -> dict[str, Requirement]:
    return {Requirement(text).name.lower(): Requirement(text)
            for text in pyproject()["dependencies"]}


def environment_entries(path: Path) -> tuple[list[str], list[str]]:
    """The conda and the pip entries of an environment file."""
    conda, pip = [], []
    for item in yaml.safe_load(path.read_text())["dependencies"]:
        if isinstance(item, dict):
            pip.extend(item["pip"])
        else:
            conda.append(item)
    return conda, pip


def environment_pins(path: Path) -> dict[str, str]:
    """Package name -> pinned version; fails on an entry that is neither a pin nor pip itself
    nor the editable install of a local project."""
    pins = {}
    conda, pip = environment_entries(path)
    for entry in conda + pip:
        match = PIN.fullmatch(entry)
        if match:
            pins[match.group(1).lower()] = match.group(2)
        elif entry != "pip" and not EDITABLE.fullmatch(entry):
            pytest.fail(f"{path.name}: '{entry}' is not pinned to one version")
    return pins


def rules_and_environments() -> list[tuple[Path, str, str | None]]:
    """(file, rule, its conda: path or None) for every rule of the workflow that runs a command."""
    found = []
    for source in [REPOSITORY / "Snakefile", *sorted((REPOSITORY / "workflow").rglob("*.smk"))]:
        for block in re.split(r"^(?=rule \w+:)", source.read_text(), flags=re.MULTILINE)[1:]:
            name = re.match(r"rule (\w+):", block).group(1)
            if not re.search(r"^\s+(shell|run|script|notebook|wrapper):", block, re.MULTILINE):
                continue  # a target rule such as `all` runs nothing
            environment = re.search(r'^\s+conda:\s*\n\s*"([^"]+)"', block, re.MULTILINE)
            found.append((source, name, environment.group(1) if environment else None))
    return found


def test_the_rules_share_one_environment_file():
    assert sorted((REPOSITORY / "envs").glob("*.y*ml")) == [ENVIRONMENT]


def test_pins_satisfy_pyproject():
    requirements = pyproject_requirements()
    pins = environment_pins(ENVIRONMENT)
    assert Version(pins["python"]) in Requirement(f"python{pyproject()['requires-python']}").specifier
    for name, pinned in pins.items():
        if name in requirements:
            assert Version(pinned) in requirements[name].specifier, (name, pinned)


def test_every_dependency_of_qchemflow_is_pinned():
    # pip installs qchemflow's dependencies with it: any not pinned here would arrive unpinned.
    missing = set(pyproject_requirements()) - set(environment_pins(ENVIRONMENT))
    assert not missing, f"{ENVIRONMENT.name} pins none of {sorted(missing)}"


def test_environment_installs_qchemflow_from_the_workflow_source():
    _, pip = environment_entries(ENVIRONMENT)
    local = [EDITABLE.fullmatch(entry).group(1) for entry in pip if EDITABLE.fullmatch(entry)]
    assert len(local) == 1, f"{ENVIRONMENT.name}: expected one pip '-e <path>' entry for qchemflow"
    # The folder conda runs pip in when `snakemake --sdm conda` runs in the repository.
    source = (REPOSITORY / CONDA_PREFIX / local[0]).resolve()
    assert source == REPOSITORY.resolve(), source
    with open(source / "pyproject.toml", "rb") as stream:
        assert tomllib.load(stream)["project"]["name"] == "qchemflow"
    assert (source / "Snakefile").is_file()


def test_every_rule_names_an_existing_environment():
    rules = rules_and_environments()
    assert len(rules) >= 7, rules  # geometry ... vqe and report: the parser found them
    for source, name, environment in rules:
        assert environment is not None, f"{source.name}: rule {name} has no conda: directive"
        # Snakemake reads a relative conda: path from the folder of the file defining the rule.
        path = (source.parent / environment).resolve()
        assert path == ENVIRONMENT.resolve(), (source.name, name, environment)
