"""The warm stage server: a command run through it writes the same record, bit for bit, as the
command run in its own process, with the same exit status and messages; the client runs the
command itself where the server cannot serve it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import vqe_settings
from qchemflow.core.settings import settings_to_json
from qchemflow.pipeline import stage_server

QCHEMFLOW = str(Path(sys.executable).with_name("qchemflow"))
VOLATILE = ("work_s", "wall_s", "optimisation_wall_s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "server.log"
    process, path = stage_server.start(log)
    assert path is not None, log.read_text()
    yield path, log
    stage_server.stop(process, path)
    assert process.poll() is not None and not os.path.exists(path)


def qchemflow(arguments, cwd, **environment):
    """The console script, as a rule's shell runs it."""
    variables = {key: value for key, value in os.environ.items()
                 if key not in (stage_server.SOCKET_VARIABLE, "SLURM_JOB_ID")}
    return subprocess.run([QCHEMFLOW, *arguments], cwd=cwd, capture_output=True, text=True,
                          env={**variables, **environment})


def vqe_arguments(folder):
    return ["vqe", "--settings", settings_to_json(vqe_settings()), "--qubit-hamiltonian-json",
            str(folder / "qubit_hamiltonian.json"), "--fcidump",
            str(folder / "hamiltonian.fcidump"), "--output-json", "vqe.json"]


def served_lines(log):
    return [line for line in log.read_text().splitlines() if ": qchemflow " in line]


def stable(path):
    record = json.loads(path.read_text())
    return {key: value for key, value in record.items() if key not in VOLATILE}


def test_a_served_stage_writes_the_same_record(server, h2_results, tmp_path):
    path, log = server
    (tmp_path / "own").mkdir()
    (tmp_path / "served").mkdir()
    own = qchemflow(vqe_arguments(h2_results / "H2"), tmp_path / "own")
    before = len(served_lines(log))
    served = qchemflow(vqe_arguments(h2_results / "H2"), tmp_path / "served",
                       **{stage_server.SOCKET_VARIABLE: path})
    assert own.returncode == served.returncode == 0, served.stderr
    # Served: one more line in the server's log, naming the job's folder.
    assert len(served_lines(log)) == before + 1
    assert served_lines(log)[-1].endswith(f"qchemflow vqe in {tmp_path / 'served'}")
    # The child wrote the record in the client's folder, equal bit for bit (the energy is
    # written at full precision), and logged to the client's stderr.
    assert stable(tmp_path / "served/vqe.json") == stable(tmp_path / "own/vqe.json")
    assert "vqe: H2: done" in served.stderr and "vqe: H2: done" in own.stderr


def test_command_errors_are_the_same_through_the_server(server, tmp_path):
    path, _ = server
    for arguments in (["no-such-stage"], ["vqe", "--settings", "{}"], ["--version"]):
        own = qchemflow(arguments, tmp_path)
        served = qchemflow(arguments, tmp_path, **{stage_server.SOCKET_VARIABLE: path})
        assert (served.returncode, served.stdout, served.stderr) == \
            (own.returncode, own.stdout, own.stderr)
    assert qchemflow(["--version"], tmp_path).returncode == 0


def test_the_client_runs_the_command_itself_where_it_cannot_be_served(server, h2_results,
                                                                      tmp_path):
    path, log = server
    before = len(served_lines(log))
    # Inside a SLURM job (the job's cgroup must hold the work), and with no server at the path.
    for name, environment in (("slurm", {stage_server.SOCKET_VARIABLE: path,
                                         "SLURM_JOB_ID": "1"}),
                              ("gone", {stage_server.SOCKET_VARIABLE: str(tmp_path / "none")})):
        (tmp_path / name).mkdir()
        result = qchemflow(vqe_arguments(h2_results / "H2"), tmp_path / name, **environment)
        assert result.returncode == 0, result.stderr
        assert json.loads((tmp_path / name / "vqe.json").read_text())["status"] == "ok"
    assert len(served_lines(log)) == before


def test_a_server_of_another_environment_refuses_and_the_client_runs_it(tmp_path):
    # A client of another Python environment (a rule's conda env) is not served: the server
    # answers "refused" and the client runs the command in its own process.
    log = tmp_path / "server.log"
    process, path = stage_server.start(log)
    try:
        other = tmp_path / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(other)],
                       check=True)
        code = subprocess.run(
            [str(other / "bin/python"), "-c",
             "import sys; sys.path[:0] = sys.argv[2:]; "
             "from qchemflow.pipeline import stage_server as s; "
             "print(s.run_on_server(sys.argv[1], ['--version']))", path, *sys.path],
            capture_output=True, text=True, check=True)
        assert code.stdout.strip() == "None"
        assert "refused: a client of" in log.read_text()
    finally:
        stage_server.stop(process, path)
        shutil.rmtree(tmp_path / "venv", ignore_errors=True)
