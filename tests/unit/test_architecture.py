"""The package's shape, checked: tests mirror the modules, no private name crosses a module,
every stage's settings have their defaults in the config schema only, and the layer contract
(.importlinter, run by `make test`) is what DESIGN.md says."""

import ast
import configparser
import dataclasses
from pathlib import Path

import pytest

from qchemflow.chemistry.active_space import ActiveSpaceSettings
from qchemflow.chemistry.geometry import GeometrySettings
from qchemflow.chemistry.references import ReferenceSettings
from qchemflow.chemistry.scf import SCFSettings
from qchemflow.core.settings import RunSettings
from qchemflow.pipeline.settings import STAGE_SETTINGS
from qchemflow.quantum.settings import (HardwareSettings, NoiseSettings, QubitSettings,
                                       SQDSettings, VQESettings)

from conftest import REPOSITORY

PACKAGE = REPOSITORY / "src/qchemflow"
LAYERS = ("core", "chemistry", "quantum", "analysis", "pipeline")


def modules():
    return sorted(path for layer in LAYERS for path in (PACKAGE / layer).glob("*.py")
                  if path.name != "__init__.py")


def test_every_module_lives_in_a_layer():
    loose = [path.name for path in PACKAGE.glob("*.py")
             if path.name not in ("__init__.py", "__main__.py")]
    assert loose == []


@pytest.mark.parametrize("module", modules(), ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_every_module_has_its_test_file(module):
    assert (REPOSITORY / "tests/unit" / module.parent.name / f"test_{module.stem}.py").is_file()


def private_imports(path: Path) -> list[str]:
    """`from qchemflow.x import _y` and `module._y` uses of imported qchemflow modules."""
    tree = ast.parse(path.read_text())
    found, imported_modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qchemflow"):
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{node.module}.{alias.name}")
                imported_modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            imported_modules.update(alias.asname or alias.name for alias in node.names
                                    if alias.name.startswith("qchemflow"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__") and isinstance(node.value, ast.Name)
                and node.value.id in imported_modules):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_private_name_crosses_a_module():
    offenders = {str(path.relative_to(REPOSITORY)): private_imports(path)
                 for path in [*modules(), *(REPOSITORY / "tests").rglob("*.py")]}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_private_name_check_finds_one(tmp_path):
    # The check above can fail: a file that imports a private name is caught.
    sample = tmp_path / "sample.py"
    sample.write_text("from qchemflow.quantum import sector\n"
                      "from qchemflow.quantum.adapt import _hidden\nsector._private\n")
    assert private_imports(sample) == ["qchemflow.quantum.adapt._hidden", "sector._private"]


SETTINGS_CLASSES = (GeometrySettings, SCFSettings, ActiveSpaceSettings, ReferenceSettings,
                    QubitSettings, VQESettings, HardwareSettings, NoiseSettings, SQDSettings,
                    RunSettings)


@pytest.mark.parametrize("kind", SETTINGS_CLASSES, ids=lambda kind: kind.__name__)
def test_settings_have_no_defaults_of_their_own(kind):
    # Defaults live in the config schema only: a settings field with a default would be a
    # second place for it.
    for field in dataclasses.fields(kind):
        assert field.default is dataclasses.MISSING, (kind.__name__, field.name)
        assert field.default_factory is dataclasses.MISSING, (kind.__name__, field.name)


def test_every_stage_has_a_settings_builder():
    assert set(STAGE_SETTINGS) == {"geometry", "scf", "active_space", "references", "cbs",
                                   "qubits", "vqe", "hardware", "noise"}


def test_layer_contract_is_the_designed_one():
    parser = configparser.ConfigParser()
    parser.read(REPOSITORY / ".importlinter")
    layers = parser["importlinter:contract:layers"]["layers"].split()
    assert layers == ["qchemflow.pipeline", "qchemflow.analysis", "qchemflow.chemistry", "|",
                      "qchemflow.quantum", "qchemflow.core"]
    forbidden = parser["importlinter:contract:analysis-reads-records"]["forbidden_modules"]
    assert {"qchemflow.chemistry", "qchemflow.quantum", "pyscf", "openfermion",
            "cirq"} <= set(forbidden.split())
    assert parser["importlinter:contract:no-snakemake"]["forbidden_modules"].split() == [
        "snakemake"]
