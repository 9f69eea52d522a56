"""Reading and writing the per-molecule result records (one JSON file per stage).

JSON floats are written at full precision (Python's shortest round-trip representation).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from qchemflow.core.files import write_text_atomic
from qchemflow.core.record_models import validate_record

STATUS_OK = "ok"
STATUS_FAILED = "failed"
# The classical reference methods of references.json, in the order they run and are reported.
METHOD_ORDER = ("hf", "mp2", "ccsd", "ccsd_t", "mp2_active", "ccsd_active", "ccsd_t_active",
                "casci", "fci")


def json_safe(value: Any) -> Any:
    """Turn NumPy scalars/arrays and non-finite floats into plain JSON values."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if hasattr(value, "tolist"):
        return json_safe(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json_atomic(path: str | Path, record: dict[str, Any]) -> None:
    """Write ``record`` as indented JSON, atomically.

    Args:
        path: destination file.
        record: JSON-serialisable mapping; NumPy values are converted.
    """
    write_text_atomic(path, json.dumps(json_safe(record), indent=2, allow_nan=False) + "\n")


def read_json(path: str | Path) -> dict[str, Any]:
    """Read a result JSON file.

    Args:
        path: file written by :func:`write_json_atomic`.

    Returns:
        The decoded mapping.
    """
    with open(path, encoding="utf-8") as stream:
        record: dict[str, Any] = json.load(stream)
    return record


def stage_record(stage: str, molecule_id: str, **fields: Any) -> dict[str, Any]:
    """A successful stage record with the common fields first.

    Args:
        stage: stage name (``geometry``, ``scf`` ...).
        molecule_id: the molecule's ``id``.
        **fields: the stage's own keys.

    Returns:
        The record, with ``status: "ok"``; the stage adds its ``provenance``.
    """
    return {"id": molecule_id, "stage": stage, "status": STATUS_OK, **fields}


def failure_record(stage: str, molecule_id: str, reason: str, failed_stage: str | None = None
                   ) -> dict[str, Any]:
    """A record saying that this molecule failed at ``failed_stage`` (default: this stage).

    Args:
        stage: the stage writing the record.
        molecule_id: the molecule's ``id``.
        reason: one line saying what went wrong and what to change.
        failed_stage: the stage where the failure happened, when it is an earlier one.

    Returns:
        The record, with ``status: "failed"``.
    """
    return {"id": molecule_id, "stage": stage, "status": STATUS_FAILED,
            "failed_stage": failed_stage or stage, "reason": reason}


def upstream_failure(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first failed record among a stage's inputs, or None when all succeeded."""
    for record in records:
        if record.get("status") == STATUS_FAILED:
            return record
    return None


def write_record(path: str | Path, record: dict[str, Any]) -> None:
    """Write a stage's record atomically, after checking it against its model.

    Raises:
        RecordError: the record breaks its model (a bug: nothing is written).
    """
    validate_record(json_safe(record), str(path))
    write_json_atomic(path, record)


def read_record(path: str | Path) -> dict[str, Any]:
    """Read a stage's record and check it against its model.

    Raises:
        RecordError: the file breaks its model.
    """
    record = read_json(path)
    validate_record(record, str(path))
    return record
