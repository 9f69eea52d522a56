"""Provenance: what made a record (package versions, config and input hashes, seed, commit)."""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

TRACKED_PACKAGES = ("qchemflow", "pyscf", "openfermion", "cirq-core", "qsimcirq", "rdkit", "numpy",
                    "scipy", "basis-set-exchange")


def qchemflow_version() -> str:
    """The installed qchemflow version ("0+unknown" from a source tree without install)."""
    try:
        return version("qchemflow")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


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


@dataclass(frozen=True)
class RunProvenance:
    """What the workflow knows about a run, passed to every stage explicitly.

    Attributes:
        config_hash: SHA-256 of the effective config (:func:`config_hash`); None by hand.
        seed: the configured seed; None by hand.
        git_commit: the workflow's git commit; None outside a checkout.
    """

    config_hash: str | None = None
    seed: int | None = None
    git_commit: str | None = None


def provenance(run: RunProvenance, input_hash: str | None) -> dict[str, Any]:
    """A record's ``provenance``: package versions (once per record), the run's config hash,
    seed and git commit, and the molecule's input hash."""
    return {
        "versions": package_versions(),
        "config_hash": run.config_hash,
        "input_hash": input_hash,
        "seed": run.seed,
        "git_commit": run.git_commit or None,
    }
