import pytest

from qchemflow.config import load_yaml, validate_config
from qchemflow.errors import InputError

from conftest import REPOSITORY

SCHEMA = load_yaml(REPOSITORY / "workflow/schemas/config.schema.yaml")


def test_shipped_config_is_valid_and_complete():
    shipped = load_yaml(REPOSITORY / "config/config.yaml")
    effective = validate_config(shipped, SCHEMA)
    assert set(SCHEMA["properties"]) == set(shipped)  # every key documented in config.yaml
    assert effective == shipped


def test_defaults_are_filled():
    effective = validate_config({}, SCHEMA)
    assert effective["basis"] == "sto-3g"
    assert effective["active_space"] == {"electrons": None, "orbitals": None}
    assert effective["scf"]["max_cycles"] == 100


@pytest.mark.parametrize("config, key", [
    ({"basis": 3}, "basis"),
    ({"seed": "forty"}, "seed"),
    ({"cartesian": "maybe"}, "cartesian"),
    ({"active_space": {"electrons": -2}}, "active_space.electrons"),
    ({"references": ["ccsdtq"]}, "references.0"),
    ({"mapping": "parity"}, "mapping"),
    ({"scf": {"conv_tol": 0.1}}, "scf.conv_tol"),
])
def test_wrong_value_names_the_key(config, key):
    with pytest.raises(InputError, match=f"config key '{key}'"):
        validate_config(config, SCHEMA)


def test_unknown_key_is_refused():
    with pytest.raises(InputError, match="basiss"):
        validate_config({"basiss": "sto-3g"}, SCHEMA)


def test_malformed_yaml(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("basis: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_yaml(bad)
