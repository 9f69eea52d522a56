"""The pipeline on a real single-node SLURM cluster (scripts/slurm/start_cluster.sh).

CI starts the cluster and sets QCHEMFLOW_REQUIRE_SLURM=1, so there this test must run and pass;
elsewhere it runs when a cluster answers and is skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPOSITORY
from test_pipeline import make_project, read_summary, snakemake

ENERGY_COLUMNS = ("hf", "mp2", "ccsd", "ccsd_t", "mp2_active", "ccsd_active", "ccsd_t_active",
                  "casci", "fci", "vqe")
TABLE = "id,smiles,active_electrons,active_orbitals\nH2,[H][H],,\nLiH,[LiH],,\nwater,O,4,4\n"


def cluster_answers() -> bool:
    if shutil.which("sinfo") is None:
        return False
    result = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True,
                            timeout=30)
    return result.returncode == 0 and ("idle" in result.stdout or "mix" in result.stdout)


pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not os.environ.get("QCHEMFLOW_REQUIRE_SLURM") and not cluster_answers(),
    reason="no SLURM cluster (start one with scripts/slurm/start_cluster.sh)")]


def sacct_jobs(since: str) -> list[dict[str, str]]:
    """Jobs of every user since ``since`` (sacct works because slurmdbd runs)."""
    result = subprocess.run(
        ["sacct", "-a", "-X", "-n", "-P", "-S", since, "-o", "JobID,JobName,State,ExitCode"],
        capture_output=True, text=True, timeout=60, check=True)
    rows = [line.split("|") for line in result.stdout.strip().splitlines() if line]
    return [dict(zip(("id", "name", "state", "exit"), row)) for row in rows]


def test_pipeline_runs_through_slurm_and_matches_a_local_run(tmp_path):
    assert cluster_answers(), "SLURM does not answer: run scripts/slurm/start_cluster.sh"
    (tmp_path / "cluster").mkdir()
    (tmp_path / "local").mkdir()
    cluster_dir = make_project(tmp_path / "cluster", TABLE)
    local_dir = make_project(tmp_path / "local", TABLE)
    since = time.strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1)
    result = snakemake(cluster_dir, "--profile", str(REPOSITORY / "profiles/slurm"),
                       "--slurm-init-seconds-before-status-checks", "1",
                       "--seconds-between-status-checks", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    jobs = sacct_jobs(since)
    # One job per molecule (its six stages grouped) plus the report.
    assert len(jobs) >= 4, jobs
    assert all(job["state"] == "COMPLETED" and job["exit"] == "0:0" for job in jobs), jobs
    local = snakemake(local_dir, "--cores", "2")
    assert local.returncode == 0, local.stderr[-3000:]
    on_cluster, on_workstation = read_summary(cluster_dir), read_summary(local_dir)
    assert set(on_cluster) == {"H2", "LiH", "water"}
    for molecule_id, row in on_cluster.items():
        assert row["status"] == "ok"
        for column in ENERGY_COLUMNS:
            if row[column]:
                assert abs(float(row[column]) - float(on_workstation[molecule_id][column])) < 1e-9
