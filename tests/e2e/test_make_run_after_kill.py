"""After a crash, `make run` just works: SIGKILL a `make run` in the middle of its VQE job (the
whole process group, as a power loss would end it); the next `make run` removes the dead run's
Snakemake lock itself, says so, and completes, resuming the VQE from its checkpoint. While one
`make run` runs, a second one is refused at once instead of waiting or unlocking."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPOSITORY
from test_kill_resume import CHAIN, FEWER_TRAJECTORIES, SETTINGS
from test_pipeline import make_project, read_summary

pytestmark = pytest.mark.e2e
# H6 alone (two UCCSD layers: about 560 optimizer iterations, 4 s): long enough to be killed
# mid-job, and nothing else to wait for.
TABLE = "id,smiles,xyz\nH6,,h6.xyz\n"
# `-o .venv/.installed`: use the environment these tests run in as it is (the copy's .venv
# links to it), never reinstall it from the copy.
MAKE_RUN = ["make", "-o", ".venv/.installed", "run"]
# Only the system folders on PATH, as for a fresh shell: the Makefile finds its own tools. No
# MAKEFLAGS from an outer `make test`.
ENVIRONMENT = {**{key: value for key, value in os.environ.items()
                  if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}, "PATH": os.defpath}


def project_copy(folder: Path) -> Path:
    """The parts of the repository that `make run` uses, its .venv linked to the one running
    these tests, and config/config.yaml pointing at the H6 table."""
    folder.mkdir()
    for name in ("Makefile", "Snakefile", "pyproject.toml"):
        shutil.copy2(REPOSITORY / name, folder / name)
    for name in ("workflow", "envs", "scripts"):
        shutil.copytree(REPOSITORY / name, folder / name)
    (folder / ".venv").symlink_to(Path(sys.executable).parent.parent, target_is_directory=True)
    project = make_project(folder, TABLE, noise=FEWER_TRAJECTORIES, **SETTINGS)
    (project / "h6.xyz").write_text(CHAIN)
    return project


def wait_until_gone(process_group: int, lock: Path) -> None:
    """Wait until every thread of the killed group has exited (a zombie has closed its files)
    and the kernel has released the dead `make run`'s flock: SIGKILL is delivered at once, but
    the processes take a moment to exit after make itself has been reaped."""
    deadline = time.monotonic() + 30
    while True:
        alive = set()
        for stat in Path("/proc").glob("[0-9]*/task/[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == process_group and fields[0] not in "ZX":
                    alive.add(stat.parents[2].name)
        if not alive and lock_is_free(lock):
            return
        assert time.monotonic() < deadline, f"processes {alive} or the flock outlived SIGKILL"
        time.sleep(0.01)


def lock_is_free(path: Path) -> bool:
    with open(path, "a") as stream:
        try:
            fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(stream, fcntl.LOCK_UN)
        return True


def make_run(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(MAKE_RUN, cwd=project, capture_output=True, text=True,
                          env=ENVIRONMENT, timeout=600)


def test_make_run_after_sigkill_unlocks_and_completes(tmp_path):
    project = project_copy(tmp_path / "project")
    checkpoint = project / "results/H6/vqe.checkpoint.npz"
    locks = project / ".snakemake/locks"

    with open(tmp_path / "first.log", "w") as log:
        first = subprocess.Popen(MAKE_RUN, cwd=project, stdout=log, stderr=subprocess.STDOUT,
                                 env=ENVIRONMENT, start_new_session=True)
        try:
            deadline = time.monotonic() + 300
            while not checkpoint.exists():
                assert first.poll() is None, "the run ended before the VQE saved a checkpoint"
                assert time.monotonic() < deadline, "no checkpoint within 300 s"
                time.sleep(0.01)
            second = make_run(project)
            assert first.poll() is None, "the first run ended before it could be killed"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(first.pid, signal.SIGKILL)  # make, snakemake and the VQE job
            first.wait()
            wait_until_gone(first.pid, project / ".snakemake/make-run.lock")
    first_output = (tmp_path / "first.log").read_text()

    # The second `make run` was refused at once, and left the running one's lock alone.
    assert second.returncode != 0
    assert "another 'make run' is running" in second.stderr, second.stderr[-3000:]
    assert "unlocking" not in second.stdout + second.stderr
    assert "unlocking" not in first_output  # nothing was locked when the first one started

    # What the kill left: Snakemake's lock and an unfinished VQE (its checkpoint, no vqe.json).
    assert list(locks.glob("*.lock"))
    assert checkpoint.is_file() and not (project / "results/H6/vqe.json").exists()

    third = make_run(project)
    assert third.returncode == 0, (third.stdout + third.stderr)[-3000:]
    assert "left by an interrupted run: unlocking (snakemake --unlock)" in third.stdout
    assert not list(locks.glob("*.lock"))
    assert read_summary(project)["H6"]["status"] == "ok"
    vqe = json.loads((project / "results/H6/vqe.json").read_text())
    # --rerun-incomplete reran the killed VQE job, which resumed from its checkpoint.
    assert 0 < vqe["checkpoint"]["resumed_evaluations"] < vqe["gradient_evaluations"]
    assert not checkpoint.exists()
