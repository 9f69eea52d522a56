"""The README's configuration table and config/config.yaml say what the schema says."""

import yaml

from qchemflow.pipeline.config import config_table, load_yaml, validate_config

from conftest import REPOSITORY

SCHEMA = load_yaml(REPOSITORY / "workflow/schemas/config.schema.yaml")


def test_readme_config_table_is_the_schema():
    readme = (REPOSITORY / "README.md").read_text()
    section = readme[readme.index("## Configuration"):]
    section = section[:section.index("\n## ", 1)]
    table = [line for line in section.splitlines() if line.startswith("| `")]
    assert table == config_table(SCHEMA)


def test_config_file_repeats_exactly_the_schema_defaults():
    # config/config.yaml documents every key; its values must be the schema's defaults, so the
    # defaults are written once (in the schema) and only checked here.
    shipped = yaml.safe_load((REPOSITORY / "config/config.yaml").read_text())
    assert shipped == validate_config({}, SCHEMA)


def test_the_table_check_can_fail():
    changed = {"properties": {**SCHEMA["properties"],
                              "seed": {**SCHEMA["properties"]["seed"], "default": 7}}}
    assert config_table(changed) != config_table(SCHEMA)
