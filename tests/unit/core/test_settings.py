"""Settings objects travel as one JSON argument, exactly."""

import dataclasses

import pytest

from qchemflow.chemistry.references import ReferenceSettings
from qchemflow.core.errors import InputError
from qchemflow.core.settings import RunSettings, settings_from_json, settings_to_json


def test_round_trip_is_exact_and_lists_become_tuples():
    settings = ReferenceSettings(("hf", "casci"), 2_000_000)
    text = settings_to_json(settings)
    assert text == '{"methods":["hf","casci"],"fci_max_determinants":2000000}'
    assert settings_from_json(ReferenceSettings, text) == settings


@pytest.mark.parametrize("text, problem", [
    ("{", "not JSON"),
    ("[1]", "must be a JSON object"),
    ('{"threads": 1}', "missing: ['memory_mb']"),
    ('{"threads": 1, "memory_mb": 2, "cores": 3}', "unknown: ['cores']"),
])
def test_anything_else_is_refused_naming_the_problem(text, problem):
    with pytest.raises(InputError, match=rf"RunSettings: .*{__import__('re').escape(problem)}"):
        settings_from_json(RunSettings, text)


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RunSettings(1, 2).threads = 3  # type: ignore[misc]
