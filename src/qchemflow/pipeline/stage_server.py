"""A warm stage server for local runs: every job still runs as its own process, forked from one
that has already imported PySCF, OpenFermion, Cirq and qchemflow.

A batch of small molecules spends most of each job's time starting Python and importing the
libraries (seconds per job) rather than computing (a tenth of a second for a small VQE). For a
local run the workflow starts this server once (``onstart`` in ``workflow/rules/common.smk``)
and exports its socket in :data:`SOCKET_VARIABLE`; the ``qchemflow`` command each job runs is
then a thin client: it hands its arguments, working folder, environment and its stdin, stdout
and stderr to the server, which forks a child that runs the command exactly as the command
itself would (:func:`qchemflow.pipeline.cli.main`) and sends back its exit status. Snakemake's
jobs, their files, logs, caching and exit codes are unchanged; only the start-up is shared.

The client runs the command in its own process instead whenever the server cannot serve it: no
socket in the environment, inside a SLURM job (the job's cgroup must hold the work), a server
gone or unreachable, or a server of another Python environment. If the client is killed
(Snakemake cancelling the job), its child is killed too. Snakemake's benchmark files then time
the job correctly but see only the client's memory.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SOCKET_VARIABLE = "QCHEMFLOW_STAGE_SERVER"
# What the server imports once, before it serves: what the stages import.
PRELOAD = ("numpy", "scipy.optimize", "scipy.sparse.linalg", "pyscf", "pyscf.cc", "pyscf.mp",
           "pyscf.fci", "pyscf.mcscf", "pyscf.tools.fcidump", "rdkit.Chem.AllChem", "openfermion",
           "cirq", "qchemflow.pipeline.cli", "qchemflow.chemistry.references",
           "qchemflow.chemistry.selection", "qchemflow.quantum.qubit_hamiltonian",
           "qchemflow.quantum.vqe", "qchemflow.quantum.strings", "qchemflow.quantum.hardware",
           "qchemflow.quantum.noise")
HEADER_BYTES = 8
STATUS_BYTES = 4
REFUSED = -1000  # the server's answer to a client of another Python environment
POLL_SECONDS = 1.0


def send_message(connection: socket.socket, payload: dict[str, Any],
                 descriptors: list[int] | None = None) -> None:
    """A length-prefixed JSON message, with file descriptors on its header."""
    body = json.dumps(payload).encode()
    socket.send_fds(connection, [len(body).to_bytes(HEADER_BYTES, "big")], descriptors or [])
    connection.sendall(body)


def receive_exactly(connection: socket.socket, size: int) -> bytes:
    """``size`` bytes, or fewer if the other side closed."""
    chunks = b""
    while len(chunks) < size:
        chunk = connection.recv(size - len(chunks))
        if not chunk:
            break
        chunks += chunk
    return chunks


def receive_message(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """A message sent by :func:`send_message` and its file descriptors."""
    header, descriptors, _, _ = socket.recv_fds(connection, HEADER_BYTES, 3)
    header += receive_exactly(connection, HEADER_BYTES - len(header))
    body = receive_exactly(connection, int.from_bytes(header, "big"))
    return json.loads(body), list(descriptors)


# --- the client ----------------------------------------------------------------------------


def serves_here() -> str | None:
    """The server's socket if this process may use it (not inside a SLURM job), else None."""
    if "SLURM_JOB_ID" in os.environ:
        return None
    return os.environ.get(SOCKET_VARIABLE) or None


def run_on_server(path: str, arguments: list[str]) -> int | None:
    """Run ``qchemflow <arguments>`` in a child of the server at ``path``.

    Returns:
        The command's exit status; None when the server cannot serve (run it here instead).
    """
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
        send_message(connection, {"arguments": arguments, "cwd": os.getcwd(),
                                  "environment": dict(os.environ), "prefix": sys.prefix},
                     [0, 1, 2])
    except OSError:
        connection.close()
        return None
    with connection:
        status = receive_exactly(connection, STATUS_BYTES)
    if len(status) < STATUS_BYTES:
        print(f"qchemflow: the stage server's child ended without an exit status "
              f"(killed?); rerun the job, or unset {SOCKET_VARIABLE} to run it in its own "
              "process", file=sys.stderr)
        return 1
    code = int.from_bytes(status, "big", signed=True)
    return None if code == REFUSED else code


def main() -> int:
    """Entry point of the ``qchemflow`` console script: on the server where there is one,
    otherwise here."""
    path = serves_here()
    if path is not None:
        code = run_on_server(path, sys.argv[1:])
        if code is not None:
            return code
    from qchemflow.pipeline import cli

    return cli.main()


# --- the server ----------------------------------------------------------------------------


def exit_when_client_leaves(connection: socket.socket) -> None:
    """In the child: end the process when the client closes its end (the job was killed)."""
    def watch() -> None:
        try:
            while connection.recv(1):
                pass
        except OSError:
            pass
        os._exit(128 + signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def run_child(connection: socket.socket) -> None:
    """In the forked child: take the client's files, folder and environment, run the command,
    send its exit status. Never returns."""
    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        request, descriptors = receive_message(connection)
        if request["prefix"] != sys.prefix:
            print(f"refused: a client of {request['prefix']}", flush=True)
            connection.sendall(REFUSED.to_bytes(STATUS_BYTES, "big", signed=True))
            os._exit(0)
        print(f"{time.strftime('%H:%M:%S')} pid {os.getpid()}: qchemflow "
              f"{' '.join(request['arguments'][:1])} in {request['cwd']}", flush=True)
        for target, descriptor in zip((0, 1, 2), descriptors):
            os.dup2(descriptor, target)
            os.close(descriptor)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["environment"])
        sys.argv = ["qchemflow", *request["arguments"]]
        exit_when_client_leaves(connection)
        from qchemflow.pipeline import cli

        try:
            code = cli.main(request["arguments"])
        except SystemExit as error:  # argparse: --help, a usage error
            code = error.code if isinstance(error.code, int) else (0 if error.code is None
                                                                    else 2)
        except BaseException:  # noqa: BLE001 - as an uncaught error in the process would
            import traceback

            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        connection.sendall(int(code).to_bytes(STATUS_BYTES, "big", signed=True))
    finally:
        os._exit(code)


def preload() -> None:
    """Import what the stages import, once (a module that fails to import is left out), and
    freeze what they made: a child's garbage collector then never walks (or copies) the
    preloaded objects."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    gc.collect()
    gc.freeze()


def reap_children() -> None:
    """Collect the children that have ended."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def serve(path: str, parent: int) -> None:
    """Listen on ``path``, preload, and fork one child per connection until ``parent`` ends or
    SIGTERM."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(128)  # clients wait in the queue while the server preloads
    preload()
    print(f"{time.strftime('%H:%M:%S')} pid {os.getpid()}: serving on {path}", flush=True)
    sys.stderr.flush()
    listener.settimeout(POLL_SECONDS)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while os.getppid() == parent:
            reap_children()
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(None)
            if os.fork() == 0:
                listener.close()
                run_child(connection)
            connection.close()
    finally:
        listener.close()
        Path(path).unlink(missing_ok=True)


def start(log: str | Path) -> tuple[subprocess.Popen[bytes], str | None]:
    """Start a server for this process (it ends when this process does); its clients find it
    in :data:`SOCKET_VARIABLE`, which the caller exports.

    Args:
        log: the server's log: a line per command it serves, and any error of its own.

    Returns:
        The server process and its socket (None: it did not start; see the log).
    """
    folder = tempfile.mkdtemp(prefix="qchemflow-")  # short: a socket path has ~100 bytes
    path = os.path.join(folder, "stages.sock")
    # In this process's group, like the jobs: a signal to the group (Ctrl-C, kill -9 of a
    # `make run`) reaches the server and its children too.
    with open(log, "ab") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "qchemflow.pipeline.stage_server", path, str(os.getpid())],
            stdin=subprocess.DEVNULL, stdout=stream, stderr=stream)
    deadline = time.monotonic() + 30
    while not os.path.exists(path) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return process, path if os.path.exists(path) else None


def stop(process: subprocess.Popen[bytes], path: str | None) -> None:
    """Stop the server and remove its socket and folder."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    if path is not None:
        Path(path).unlink(missing_ok=True)
        try:
            os.rmdir(os.path.dirname(path))
        except OSError:
            pass


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
