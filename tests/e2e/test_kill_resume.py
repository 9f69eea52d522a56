"""Kill a run with SIGKILL in the middle of a VQE job, rerun it, and get an uninterrupted run's
results: Snakemake reruns what did not finish, atomic writes leave no half file, and the VQE
resumes from its checkpoint instead of starting over."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPOSITORY
from test_pipeline import SNAKEMAKE, make_project, snakemake
from test_reproducibility import collect_records, differences, run_records

pytestmark = pytest.mark.e2e
# Linear H6 at 1.5 A, two UCCSD layers in the full space: about 560 optimizer iterations (4 s),
# long enough to be killed mid-job. H2 finishes first.
CHAIN = "6\nlinear H6, 1.5 A\n" + "".join(f"H 0 0 {1.5 * index}\n" for index in range(6))
TABLE = "id,smiles,xyz\nH2,[H][H],\nH6,,h6.xyz\n"
# The noise stage is not what these tests are about: on top of make_project's light settings,
# half the trajectories.
FEWER_TRAJECTORIES = {"trajectories": 4}
SETTINGS = {"frozen_core": False, "vqe": {"layers": 2, "gradient_tolerance": 1e-5,
                                          "max_iterations": 5000, "checkpoint_every": 10}}


def working_folders(root: Path) -> tuple[Path, Path]:
    """Two working folders with the same config and table (so the same config hash)."""
    (root / "project").mkdir()
    project = make_project(root / "project", TABLE, noise=FEWER_TRAJECTORIES, **SETTINGS)
    (project / "h6.xyz").write_text(CHAIN)
    folders = root / "uninterrupted", root / "killed"
    for workdir in folders:
        shutil.copytree(project / "config", workdir / "config")
    return folders


def start_and_kill(workdir: Path, checkpoint: Path) -> None:
    """Start snakemake in its own process group; SIGKILL the group once the VQE has saved a
    checkpoint (as a node failure or `kill -9` of the whole job would)."""
    process = subprocess.Popen(
        [SNAKEMAKE, "--snakefile", str(REPOSITORY / "Snakefile"), "--directory", str(workdir),
         "--cores", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PATH": os.defpath}, start_new_session=True)
    deadline = time.monotonic() + 300
    while not checkpoint.exists():
        assert process.poll() is None, "the run ended before the VQE saved a checkpoint"
        assert time.monotonic() < deadline, "no checkpoint within 300 s"
        time.sleep(0.01)
    time.sleep(0.5)  # a few more checkpoints, then kill mid-write or mid-iteration
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_killed_run_resumes_to_the_uninterrupted_results(tmp_path):
    first, workdir = working_folders(tmp_path)
    uninterrupted = run_records(first)

    checkpoint = workdir / "results/H6/vqe.checkpoint.npz"
    start_and_kill(workdir, checkpoint)
    assert checkpoint.is_file() and not (workdir / "results/H6/vqe.json").exists()
    for path in (workdir / "results").glob("*/*.json"):  # no half-written file
        json.loads(path.read_text())

    locked = snakemake(workdir, "--cores", "2", "--rerun-incomplete")
    assert locked.returncode != 0 and "--unlock" in locked.stderr  # the killed run's lock
    unlocked = snakemake(workdir, "--unlock")
    assert unlocked.returncode == 0, unlocked.stderr[-3000:]
    # As `make run` and both profiles do: rerun the jobs whose outputs are marked incomplete.
    resumed_run = snakemake(workdir, "--cores", "2", "--rerun-incomplete")
    assert resumed_run.returncode == 0, resumed_run.stderr[-3000:]
    resumed = collect_records(workdir)
    assert not checkpoint.exists()

    vqe = resumed["results/H6/vqe.json"]
    replayed = vqe["checkpoint"]["resumed_evaluations"]
    assert 0 < replayed < vqe["gradient_evaluations"]  # resumed, neither restarted nor finished
    vqe["checkpoint"]["resumed_evaluations"] = 0  # the one field that says it was resumed
    # json.loads keeps every float exactly: energies and parameters are compared bit for bit.
    assert differences(uninterrupted, resumed) == []
