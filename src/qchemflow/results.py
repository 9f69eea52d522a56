"""Reading and writing the per-molecule result files.

Every file is written atomically (a temporary file in the same folder, then a rename), so an
interrupted job never leaves half a file. JSON floats are written at full precision (Python's
shortest round-trip representation).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable

STATUS_OK = "ok"
STATUS_FAILED = "failed"
TRACKED_PACKAGES = ("qchemflow", "pyscf", "openfermion", "cirq-core", "qsimcirq", "rdkit", "numpy",
                    "scipy")
# Set by the workflow (workflow/rules/common.smk) for every job it starts.
CONFIG_HASH_VARIABLE = "QCHEMFLOW_CONFIG_HASH"
GIT_COMMIT_VARIABLE = "QCHEMFLOW_GIT_COMMIT"
SEED_VARIABLE = "QCHEMFLOW_SEED"


def _temporary_prefix(destination: Path) -> str:
    """Temporary files of an atomic write sit beside the destination, hidden: ``.name.XXXX``."""
    return f".{destination.name}."


def remove_with_leftovers(path: str | Path) -> None:
    """Delete a file and any temporary file an interrupted atomic write of it left behind."""
    destination = Path(path)
    destination.unlink(missing_ok=True)
    for leftover in destination.parent.glob(f"{_temporary_prefix(destination)}*"):
        leftover.unlink(missing_ok=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    Args:
        path: destination file; its folder is created when missing.
        text: the whole content.
    """
    destination = Path(path)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=destination.parent,
                                         prefix=_temporary_prefix(destination))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_file_atomic(path: str | Path, writer: Callable[[str], None]) -> None:
    """Let ``writer`` write a file at a temporary path, then flush it to disk and rename it to
    ``path``.

    For writers of other libraries (PySCF's FCIDUMP and checkpoint writers, NumPy's ``savez``)
    that take a path.

    Args:
        path: destination file; its folder must exist.
        writer: called with the temporary path (which does not exist yet).
    """
    destination = Path(path)
    handle, temporary = tempfile.mkstemp(dir=destination.parent,
                                         prefix=_temporary_prefix(destination))
    os.close(handle)
    Path(temporary).unlink()
    try:
        writer(temporary)
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _json_safe(value: Any) -> Any:
    """Turn NumPy scalars/arrays and non-finite floats into plain JSON values."""
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if hasattr(value, "tolist"):
        return _json_safe(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json_atomic(path: str | Path, record: dict[str, Any]) -> None:
    """Write ``record`` as indented JSON, atomically.

    Args:
        path: destination file.
        record: JSON-serialisable mapping; NumPy values are converted.
    """
    write_text_atomic(path, json.dumps(_json_safe(record), indent=2, allow_nan=False) + "\n")


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


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that decide the numbers."""
    versions = {"python": platform.python_version()}
    for package in TRACKED_PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def text_hash(text: str) -> str:
    """SHA-256 of a text (hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_hash(config: dict[str, Any]) -> str:
    """SHA-256 of the effective config, keys sorted."""
    return text_hash(json.dumps(config, sort_keys=True, default=str))


def provenance(input_hash: str | None) -> dict[str, Any]:
    """What made a record: versions, config and input hashes, seed and git commit.

    The config hash, seed and commit come from the environment the workflow sets for its jobs;
    they are null when a stage is run by hand outside the workflow.
    """
    seed = os.environ.get(SEED_VARIABLE)
    return {
        "qchemflow_version": package_versions()["qchemflow"],
        "versions": package_versions(),
        "config_hash": os.environ.get(CONFIG_HASH_VARIABLE),
        "input_hash": input_hash,
        "seed": int(seed) if seed is not None else None,
        "git_commit": os.environ.get(GIT_COMMIT_VARIABLE) or None,
    }


def stage_record(stage: str, molecule_id: str, **fields: Any) -> dict[str, Any]:
    """A successful stage record with the common fields first.

    Args:
        stage: stage name (``geometry``, ``scf`` ...).
        molecule_id: the molecule's ``id``.
        **fields: the stage's own keys.

    Returns:
        The record, with ``status: "ok"`` and the package versions.
    """
    return {"id": molecule_id, "stage": stage, "status": STATUS_OK, **fields,
            "versions": package_versions(), "provenance": provenance(None)}


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
            "failed_stage": failed_stage or stage, "reason": reason,
            "versions": package_versions(), "provenance": provenance(None)}


def upstream_failure(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first failed record among a stage's inputs, or None when all succeeded."""
    for record in records:
        if record.get("status") == STATUS_FAILED:
            return record
    return None
