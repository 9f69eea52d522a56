"""The pipeline on a real single-node SLURM cluster (scripts/slurm/start_cluster.sh).

CI starts the cluster and sets QCHEMFLOW_REQUIRE_SLURM=1, so there this test must run and pass;
elsewhere it runs when a cluster answers and is skipped otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import REPOSITORY
from test_pipeline import make_project, read_summary, snakemake

ENERGY_COLUMNS = ("hf", "mp2", "ccsd", "ccsd_t", "mp2_active", "ccsd_active", "ccsd_t_active",
                  "casci", "fci", "vqe")
# Small active spaces (4, 6 and 8 qubits): the test is about the cluster path, and the node's two
# CPUs run the molecules' jobs one after the other (each asks for both).
TABLE = "id,smiles,active_electrons,active_orbitals\nH2,[H][H],,\nLiH,[LiH],2,3\nwater,O,4,4\n"


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
    slurm_logs = tmp_path / "slurm_logs"
    since = time.strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1)
    # The plugin deletes the SLURM logs of successful jobs unless asked to keep them: they say
    # which rules and molecules each job ran.
    result = snakemake(cluster_dir, "--profile", str(REPOSITORY / "profiles/slurm"),
                       "--slurm-init-seconds-before-status-checks", "1",
                       "--seconds-between-status-checks", "2",
                       "--slurm-logdir", str(slurm_logs), "--slurm-keep-successful-logs")
    assert result.returncode == 0, result.stderr[-4000:]
    # sacct's record of the run: every job completed with exit code 0, no retry, all under the
    # run's one job name (the plugin names every job of a run by the run's id).
    jobs = sacct_jobs(since)
    assert jobs and all(job["state"] == "COMPLETED" and job["exit"] == "0:0" for job in jobs), jobs
    assert len({job["name"] for job in jobs}) == 1, jobs
    # Each job's log (named by its SLURM job id, in a folder named by its group or rule): one
    # job per molecule running that molecule's eight stages (group 'molecule' in the profile),
    # and one report job.
    logs = {path.stem: path for path in slurm_logs.rglob("*.log")}
    assert sorted(logs) == sorted(job["id"] for job in jobs), (logs, jobs)
    stages = ["active_space", "geometry", "hardware", "noise", "qubits", "references", "scf",
              "vqe"]
    molecules_per_job = []
    for job_id, path in logs.items():
        text = path.read_text()
        # "rule x:" is the job's planning; "localrule x:" the step that ran it, once per rule.
        rules = sorted(re.findall(r"^localrule (\w+):", text, re.MULTILINE))
        if path.parent.name == "rule_report" or path.parent.parent.name == "rule_report":
            assert rules == ["report"], (job_id, rules)
            continue
        assert rules == stages, (job_id, rules, text[-3000:])
        molecules_per_job.append(set(re.findall(r"wildcards: id=([^,\s]+)", text)))
    assert sorted(map(sorted, molecules_per_job)) == [["H2"], ["LiH"], ["water"]]
    # The same numbers as on the workstation, every energy present in both.
    local = snakemake(local_dir, "--cores", "2")
    assert local.returncode == 0, local.stderr[-3000:]
    on_cluster, on_workstation = read_summary(cluster_dir), read_summary(local_dir)
    assert set(on_cluster) == set(on_workstation) == {"H2", "LiH", "water"}
    for molecule_id, row in on_cluster.items():
        assert row["status"] == on_workstation[molecule_id]["status"] == "ok"
        for column in ENERGY_COLUMNS:
            here, there = row[column], on_workstation[molecule_id][column]
            assert here and there, (molecule_id, column, here, there)
            assert abs(float(here) - float(there)) < 1e-9, (molecule_id, column, here, there)
