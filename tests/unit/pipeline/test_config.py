import pytest

from qchemflow.pipeline.config import load_yaml, validate_config
from qchemflow.core.errors import InputError

from conftest import REPOSITORY

SCHEMA = load_yaml(REPOSITORY / "workflow/schemas/config.schema.yaml")


def test_shipped_config_is_valid_and_complete():
    shipped = load_yaml(REPOSITORY / "config/config.yaml")
    effective = validate_config(shipped, SCHEMA)
    assert set(SCHEMA["properties"]) == set(shipped)  # every key documented in config.yaml
    assert effective == shipped


@pytest.mark.parametrize("overlay", sorted(
    path.name for path in (REPOSITORY / "config").glob("*.yaml") if path.name != "config.yaml"))
def test_shipped_overlays_are_valid_on_the_main_config(overlay):
    # `snakemake --configfile config/config.yaml config/<overlay>`: Snakemake updates the first
    # config with the second, key by key; the result must validate and its tables exist.
    from snakemake.utils import update_config

    merged = load_yaml(REPOSITORY / "config/config.yaml")
    update_config(merged, load_yaml(REPOSITORY / "config" / overlay))
    effective = validate_config(merged, SCHEMA)
    for key in ("molecules", "reactions"):
        assert effective[key] is None or (REPOSITORY / effective[key]).is_file(), key


def test_the_shipped_relative_energy_tables_use_the_cbs_stage():
    for overlay in ("gmtkn55.yaml", "heterocycles.yaml"):
        config = load_yaml(REPOSITORY / "config" / overlay)
        assert config["cbs"]["enabled"] is True and config["reactions"], overlay


def test_defaults_are_filled():
    effective = validate_config({}, SCHEMA)
    assert effective["basis"] == "sto-3g"
    assert effective["active_space"] == {
        "method": "window", "electrons": None, "orbitals": None,
        "ao_labels": ["C 2p", "N 2p", "O 2p"], "threshold": 0.2, "occupation_threshold": 0.02}
    assert effective["scf"]["max_cycles"] == 100


@pytest.mark.parametrize("config, key", [
    ({"basis": 3}, "basis"),
    ({"seed": "forty"}, "seed"),
    ({"cartesian": "maybe"}, "cartesian"),
    ({"active_space": {"electrons": -2}}, "active_space.electrons"),
    ({"references": ["ccsdtq"]}, "references.0"),
    ({"mapping": "superfast"}, "mapping"),
    ({"hardware": {"providers": {"x": {"device": "d"}}}}, "hardware.providers.x"),
    ({"excitation_circuit": "fast"}, "excitation_circuit"),
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


# --- property-based: whatever the config holds, validation answers with a config or one line ---

from hypothesis import given, strategies as st  # noqa: E402

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)
KEYS = st.sampled_from(sorted(SCHEMA["properties"]) + ["basiss", "threads"])


@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_any_config_is_accepted_whole_or_refused_with_a_key(config):
    try:
        effective = validate_config(config, SCHEMA)
    except InputError as error:
        assert str(error).startswith("config key '") or "unknown" in str(error) \
            or "not allowed" in str(error) or "Additional properties" in str(error), str(error)
        return
    # Accepted: complete (every documented key), valid again, and stable under re-validation.
    assert set(effective) == set(SCHEMA["properties"])
    assert validate_config(effective, SCHEMA) == effective


# Random bytes, and text made of YAML's punctuation (anchors, tags, flow collections, block
# scalars), so that both loaded and refused files are explored.
YAML_TEXT = st.text(st.sampled_from(list("ab01.e: -[]{},#!&*|>'\"%@?\n\t")), max_size=120)
YAML_MAPPING = st.lists(st.tuples(st.sampled_from(["basis", "seed", "scf", "  a", "- b", "&x c"]),
                                  st.one_of(st.text("ab01.e -", max_size=8), YAML_TEXT)),
                        max_size=4).map(
    lambda items: "\n".join(f"{key}: {value}" for key, value in items))


@given(st.one_of(st.binary(max_size=300), YAML_TEXT.map(str.encode),
                 YAML_MAPPING.map(str.encode)))
def test_any_file_is_loaded_safely_or_refused(tmp_path, data):
    # Loaded: exactly what PyYAML's safe loader makes of the text, and nothing but plain data.
    # Refused: one line naming the file and why, as Python's UTF-8 decoder and PyYAML's safe
    # loader decide.
    import datetime
    import re

    import yaml

    path = tmp_path / "config.yaml"
    path.write_bytes(data)
    try:
        expected = yaml.safe_load(data.decode("utf-8-sig"))
        why = None
    except UnicodeDecodeError:
        why = "is not UTF-8 text"
    except yaml.YAMLError:
        why = "is not valid YAML"
    try:
        loaded = load_yaml(path)
    except InputError as error:
        message = str(error)
        assert not re.search(r"[\r\n]", message), message
        assert why is not None and message.startswith(f"config file '{path}' {why}"), message
        return
    assert why is None, f"loaded although it {why}"
    assert repr(loaded) == repr(expected)  # repr: NaN and self-referencing aliases compare

    def plain(value, depth=0):
        if depth > 50:  # an alias can make a list contain itself
            return True
        if isinstance(value, dict):
            return all(plain(key, depth + 1) and plain(item, depth + 1)
                       for key, item in value.items())
        if isinstance(value, (list, set)):
            return all(plain(item, depth + 1) for item in value)
        return value is None or isinstance(value, (bool, int, float, str, bytes, datetime.date))

    assert plain(loaded), repr(loaded)


@pytest.mark.parametrize("text", [
    "!!python/object/apply:os.system ['touch pwned']\n",
    "basis: !!python/object/new:subprocess.Popen [['touch', 'pwned']]\n",
])
def test_yaml_is_never_code(tmp_path, monkeypatch, text):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text(text)
    with pytest.raises(InputError, match="not valid YAML"):
        load_yaml(tmp_path / "c.yaml")
    assert not (tmp_path / "pwned").exists()
