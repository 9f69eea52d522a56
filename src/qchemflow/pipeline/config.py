"""Config validation against the JSON Schema in ``workflow/schemas/config.schema.yaml``.

Snakemake's own ``validate`` prints the whole schema on an error; this module reports one line
per wrong key instead, and fills in the schema's defaults.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from qchemflow.core.errors import InputError
from qchemflow.core.files import read_small_text

MAX_YAML_BYTES = 1_000_000


def load_yaml(path: str | Path) -> Any:
    """Load a YAML file safely (no code is ever constructed from it).

    Raises:
        InputError: the file is missing, larger than ``MAX_YAML_BYTES``, not UTF-8 text, or not
            valid YAML.
    """
    text = read_small_text(path, "config file", MAX_YAML_BYTES, "fix the path",
                           "a config is a few lines of YAML", "save it as YAML")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(f"config file '{path}' is not valid YAML: "
                         f"{str(error).splitlines()[0]}") from error


def _fill_defaults(instance: dict[str, Any], schema: dict[str, Any]) -> None:
    """Set every missing property that has a default, recursively through objects."""
    for key, subschema in schema.get("properties", {}).items():
        if key not in instance and "default" in subschema:
            instance[key] = copy.deepcopy(subschema["default"])
        if isinstance(instance.get(key), dict) and subschema.get("type") == "object":
            _fill_defaults(instance[key], subschema)


def validate_config(config: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Validate ``config`` and return a copy with the defaults filled in.

    Args:
        config: the config as loaded (Snakemake's ``config``).
        schema: the JSON Schema.

    Returns:
        The effective config.

    Raises:
        InputError: one line per wrong key, naming the key and what it must be.
    """
    import jsonschema

    if not isinstance(config, dict):
        raise InputError("config must be a mapping of keys to values")
    effective = copy.deepcopy(config)
    _fill_defaults(effective, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(effective), key=lambda error: list(error.path))
    if errors:
        lines = []
        for error in errors:
            key = ".".join(str(part) for part in error.path) or "(top level)"
            expected = error.schema.get("description", "") if isinstance(error.schema, dict) else ""
            hint = f" ({expected})" if expected else ""
            lines.append(f"config key '{key}': {error.message}{hint}")
        raise InputError("; ".join(lines))
    return effective


def _default_text(value: Any) -> str:
    """A default as the YAML a user would write."""
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    text = yaml.safe_dump(value, default_flow_style=True).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def config_table(schema: dict[str, Any], prefix: str = "") -> list[str]:
    """The README's configuration table rows (Markdown), one per leaf key of the schema:
    ``| `key` | `default` | description |``. The README's table is this, checked by a test.
    A key whose default is a table (``x-readme-default``) is one row that says where it is."""
    rows = []
    for key, subschema in schema.get("properties", {}).items():
        name = f"{prefix}{key}"
        if "x-readme-default" in subschema:
            rows.append(f"| `{name}` | {subschema['x-readme-default']} | "
                        f"{subschema.get('description', '')} |")
        elif subschema.get("type") == "object" and "properties" in subschema:
            rows += config_table(subschema, f"{name}.")
        else:
            rows.append(f"| `{name}` | `{_default_text(subschema.get('default'))}` | "
                        f"{subschema.get('description', '')} |")
    return rows
