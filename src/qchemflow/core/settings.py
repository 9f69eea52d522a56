"""Typed settings objects passed from the workflow to a stage as one JSON argument.

Each stage has one frozen dataclass of the settings that shape its result (science), defined
beside the code that uses it and built from the validated config by
:mod:`qchemflow.pipeline.settings`; the config schema is the only place with defaults. What only
shapes the run (threads, memory) is :class:`RunSettings`, kept apart.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass
from typing import Any, TypeVar

from qchemflow.core.errors import InputError

Settings = TypeVar("Settings")


@dataclass(frozen=True)
class RunSettings:
    """How a job runs, never what it computes: results are bitwise the same for any values.

    Attributes:
        threads: the rule's threads (PySCF's threads, the simulator's Hamiltonian threads).
        memory_mb: the rule's ``mem_mb`` (PySCF's ``max_memory``, the memory guards' limit).
    """

    threads: int
    memory_mb: int


def settings_to_json(settings: Any) -> str:
    """A settings dataclass as compact JSON (keys in field order)."""
    return json.dumps(dataclasses.asdict(settings), separators=(",", ":"))


def settings_from_json(kind: type[Settings], text: str) -> Settings:
    """Rebuild a settings dataclass from :func:`settings_to_json`'s text.

    Lists become tuples (settings are frozen). Every field must be given, and nothing else.

    Raises:
        InputError: not JSON, not an object, or the keys differ from the fields.
    """
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{kind.__name__}: settings are not JSON ({error})") from error
    return settings_from_values(kind, values)


def settings_from_values(kind: type[Settings], values: Any) -> Settings:
    """Rebuild a settings dataclass from its :func:`dataclasses.asdict` values; a field that is
    itself a settings dataclass is rebuilt from its object.

    Raises:
        InputError: not an object, or the keys differ from the fields.
    """
    if not isinstance(values, dict):
        raise InputError(f"{kind.__name__}: settings must be a JSON object")
    names = {field.name for field in dataclasses.fields(kind)}  # type: ignore[arg-type]
    if set(values) != names:
        missing, unknown = sorted(names - set(values)), sorted(set(values) - names)
        raise InputError(f"{kind.__name__}: settings keys differ from the fields "
                         f"(missing: {missing or 'none'}, unknown: {unknown or 'none'})")
    types = typing.get_type_hints(kind)

    def rebuilt(name: str, value: Any) -> Any:
        if dataclasses.is_dataclass(types[name]) and isinstance(types[name], type):
            return settings_from_values(types[name], value)
        return tuple(value) if isinstance(value, list) else value

    return kind(**{name: rebuilt(name, value) for name, value in values.items()})
