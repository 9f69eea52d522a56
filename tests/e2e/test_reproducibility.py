"""Two runs with the same inputs and seed give bit-identical numbers (wall times aside)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from test_pipeline import make_project, snakemake

pytestmark = pytest.mark.e2e
TABLE = "id,smiles,multiplicity,active_electrons,active_orbitals\n" \
        "water,O,1,4,4\nmethyl,[CH3],2,3,3\nLiH,[LiH],1,,\n"
VOLATILE = {"wall_s", "wall_s_total", "optimisation_wall_s", "work_s"}
# Summary columns measured by the clock: wall times, and the CCSD(T) price (its wall time on
# one cloud core).
WALL_TIME_COLUMNS = ("wall_s", "ccsd_t_active_usd")


def strip_volatile(value: Any) -> Any:
    """The record without wall times (the only numbers allowed to differ)."""
    if isinstance(value, dict):
        return {key: strip_volatile(item) for key, item in value.items()
                if key not in VOLATILE}
    if isinstance(value, list):
        return [strip_volatile(item) for item in value]
    return value


def run_records(workdir: Path) -> dict[str, Any]:
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return collect_records(workdir)


def collect_records(workdir: Path) -> dict[str, Any]:
    """Every result JSON (wall times stripped), summary.csv and the geometries of a run."""
    records = {str(path.relative_to(workdir)): strip_volatile(json.loads(path.read_text()))
               for path in sorted((workdir / "results").glob("*/*.json"))}
    with open(workdir / "results/summary.csv") as stream:
        records["summary"] = [{key: value for key, value in row.items()
                               if not key.endswith(WALL_TIME_COLUMNS)}
                              for row in csv.DictReader(stream)]
    records["geometry"] = {str(path.relative_to(workdir)): path.read_text()
                           for path in sorted((workdir / "results").glob("*/geometry.xyz"))}
    return records


def differences(first: Any, second: Any, where: str = "") -> list[str]:
    """Paths at which two JSON-like values differ."""
    if isinstance(first, dict) and isinstance(second, dict):
        return [found for key in sorted(set(first) | set(second))
                for found in differences(first.get(key), second.get(key), f"{where}/{key}")]
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        return [found for index, (a, b) in enumerate(zip(first, second))
                for found in differences(a, b, f"{where}[{index}]")]
    return [] if first == second else [where]


def test_two_runs_are_bit_identical(tmp_path):
    # Same table file, same config (so the same config hash), two working folders.
    (tmp_path / "project").mkdir()
    project = make_project(tmp_path / "project", TABLE)
    first, second = tmp_path / "first", tmp_path / "second"
    for workdir in (first, second):
        shutil.copytree(project / "config", workdir / "config")
    first_records, second_records = run_records(first), run_records(second)
    assert len(first_records) > 18
    # json.loads keeps every float exactly, so == compares energies and parameters bit for bit.
    assert differences(first_records, second_records) == []
