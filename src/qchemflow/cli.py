"""The ``qchemflow`` command: one sub-command per pipeline stage.

Stage failures that are expected (bad input, no convergence, too little memory) are written to
the stage's JSON as data and the command exits 0; other errors in the command line exit 2 with
one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from typing import Any

from qchemflow import __version__, stages, summary
from qchemflow.errors import QchemflowError
from qchemflow.molecules import parse_boolean


def _optional_int(text: str) -> int | None:
    return None if text.lower() in ("", "none", "null") else int(text)


def _boolean(text: str) -> bool:
    try:
        return parse_boolean(text, "value")
    except QchemflowError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _set_threads(threads: int) -> None:
    from pyscf import lib

    lib.num_threads(threads)


def _add_runtime(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, default=1, help="threads for PySCF")
    parser.add_argument("--memory-mb", type=int, default=4000, help="PySCF max_memory (MB)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="qchemflow", description=__doc__)
    parser.add_argument("--version", action="version", version=f"qchemflow {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    geometry = commands.add_parser("geometry", help="SMILES or XYZ to geometry.xyz/json")
    geometry.add_argument("--id", required=True)
    geometry.add_argument("--smiles")
    geometry.add_argument("--xyz")
    geometry.add_argument("--charge", type=int, default=0)
    geometry.add_argument("--multiplicity", type=int, default=1)
    geometry.add_argument("--seed", type=int, default=42)
    geometry.add_argument("--output-xyz", required=True)
    geometry.add_argument("--output-json", required=True)

    scf = commands.add_parser("scf", help="RHF/ROHF: scf.chk and scf.json")
    scf.add_argument("--geometry-json", required=True)
    scf.add_argument("--geometry-xyz", required=True)
    scf.add_argument("--basis", required=True)
    scf.add_argument("--cartesian", type=_boolean, default=False)
    scf.add_argument("--conv-tol", type=float, default=1e-10)
    scf.add_argument("--max-cycles", type=int, default=100)
    scf.add_argument("--stability", type=_boolean, default=True,
                     help="stability analysis; follow internal instabilities")
    scf.add_argument("--output-chk", required=True)
    scf.add_argument("--output-json", required=True)
    _add_runtime(scf)

    active = commands.add_parser("active-space", help="FCIDUMP and active_space.json")
    active.add_argument("--scf-json", required=True)
    active.add_argument("--scf-chk", required=True)
    active.add_argument("--frozen-core", type=_boolean, default=True)
    active.add_argument("--electrons", type=_optional_int, default=None)
    active.add_argument("--orbitals", type=_optional_int, default=None)
    active.add_argument("--output-fcidump", required=True)
    active.add_argument("--output-json", required=True)
    _add_runtime(active)

    references = commands.add_parser("references", help="classical reference energies")
    references.add_argument("--scf-json", required=True)
    references.add_argument("--scf-chk", required=True)
    references.add_argument("--active-space-json", required=True)
    references.add_argument("--fcidump", required=True)
    references.add_argument("--methods", nargs="+", required=True)
    references.add_argument("--fci-max-determinants", type=int, default=2_000_000)
    references.add_argument("--output-json", required=True)
    _add_runtime(references)

    qubits = commands.add_parser("qubits", help="qubit Hamiltonian: qubit_hamiltonian.json")
    qubits.add_argument("--active-space-json", required=True)
    qubits.add_argument("--fcidump", required=True)
    qubits.add_argument("--mapping", default="jordan_wigner")
    qubits.add_argument("--output-json", required=True)
    _add_runtime(qubits)

    vqe = commands.add_parser("vqe", help="VQE: vqe.json")
    vqe.add_argument("--qubit-hamiltonian-json", required=True)
    vqe.add_argument("--references-json", required=True)
    vqe.add_argument("--ansatz", default="uccsd")
    vqe.add_argument("--layers", type=int, default=1)
    vqe.add_argument("--optimizer", default="L-BFGS-B")
    vqe.add_argument("--gradient-tolerance", type=float, default=1e-5)
    vqe.add_argument("--max-iterations", type=int, default=5000)
    vqe.add_argument("--simulator", default="qchemflow")
    vqe.add_argument("--seed", type=int, default=42)
    vqe.add_argument("--adapt-gradient-norm", type=float, default=1e-3)
    vqe.add_argument("--adapt-max-operators", type=int, default=200)
    vqe.add_argument("--adapt-pool", default="fermionic", choices=["fermionic", "qubit"])
    vqe.add_argument("--checkpoint", default=None,
                     help="checkpoint file: saved every few iterations, resumed from on rerun")
    vqe.add_argument("--checkpoint-every", type=int, default=10,
                     help="save the checkpoint every this many iterations (0: never)")
    vqe.add_argument("--output-json", required=True)
    _add_runtime(vqe)

    report = commands.add_parser("report", help="summary.csv, plots and report.html")
    report.add_argument("--results", required=True, help="the results folder")
    report.add_argument("--ids", nargs="*", default=[])
    report.add_argument("--invalid-rows", default="[]",
                        help="JSON list of [id, message] of refused rows")
    report.add_argument("--summary", required=True)
    report.add_argument("--html", required=True)
    report.add_argument("--plots", required=True, help="folder of the PNG plots")

    provenance = commands.add_parser("provenance", help="print what made every result JSON")
    provenance.add_argument("results", help="the results folder")

    summary_parser = commands.add_parser("summary", help="results/summary.csv")
    summary_parser.add_argument("--results", required=True, help="the results folder")
    summary_parser.add_argument("--ids", nargs="*", default=[])
    summary_parser.add_argument("--invalid-rows", default="[]",
                                help="JSON list of [id, message] of refused rows")
    summary_parser.add_argument("--output", required=True)
    return parser


def provenance_table(results_folder: str) -> str:
    """One line per result JSON: id, stage, status, versions, hashes, seed and commit."""
    from pathlib import Path

    from qchemflow.results import read_json

    header = ("id", "stage", "status", "qchemflow", "pyscf", "openfermion", "cirq", "config",
              "input", "seed", "commit")
    lines = []
    for path in sorted(Path(results_folder).glob("*/*.json")):
        record = read_json(path)
        origin = record.get("provenance", {})
        versions = origin.get("versions", {})
        lines.append((str(record.get("id")), str(record.get("stage")), str(record.get("status")),
                      versions.get("qchemflow", "?"), versions.get("pyscf", "?"),
                      versions.get("openfermion", "?"), versions.get("cirq-core", "?"),
                      (origin.get("config_hash") or "-")[:12],
                      (origin.get("input_hash") or "-")[:12], str(origin.get("seed")),
                      (origin.get("git_commit") or "-")[:10]))
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in [header, *lines])


def run(arguments: argparse.Namespace) -> None:
    """Dispatch one parsed command."""
    if hasattr(arguments, "threads"):
        _set_threads(arguments.threads)
    if arguments.command == "geometry":
        stages.geometry_stage(arguments.id, arguments.smiles, arguments.xyz, arguments.charge,
                              arguments.multiplicity, arguments.seed, arguments.output_xyz,
                              arguments.output_json)
    elif arguments.command == "scf":
        stages.scf_stage(arguments.geometry_json, arguments.geometry_xyz, arguments.basis,
                         arguments.cartesian, arguments.conv_tol, arguments.max_cycles,
                         arguments.stability, arguments.memory_mb, arguments.output_chk,
                         arguments.output_json)
    elif arguments.command == "active-space":
        stages.active_space_stage(arguments.scf_json, arguments.scf_chk, arguments.frozen_core,
                                  arguments.electrons, arguments.orbitals, arguments.memory_mb,
                                  arguments.output_fcidump, arguments.output_json)
    elif arguments.command == "references":
        stages.references_stage(arguments.scf_json, arguments.scf_chk,
                                arguments.active_space_json, arguments.fcidump, arguments.methods,
                                arguments.fci_max_determinants, arguments.memory_mb,
                                arguments.output_json)
    elif arguments.command == "qubits":
        stages.qubits_stage(arguments.active_space_json, arguments.fcidump, arguments.mapping,
                            arguments.output_json, arguments.memory_mb)
    elif arguments.command == "vqe":
        from qchemflow.vqe import VQESettings

        settings = VQESettings(arguments.ansatz, arguments.layers, arguments.optimizer,
                               arguments.gradient_tolerance, arguments.max_iterations,
                               arguments.simulator, arguments.seed,
                               arguments.adapt_gradient_norm, arguments.adapt_max_operators,
                               arguments.adapt_pool, arguments.threads,
                               arguments.checkpoint_every)
        stages.vqe_stage(arguments.qubit_hamiltonian_json, arguments.references_json, settings,
                         arguments.memory_mb, arguments.output_json, arguments.checkpoint)
    elif arguments.command == "report":
        from qchemflow import report

        invalid_rows: list[Any] = json.loads(arguments.invalid_rows)
        rows = summary.summarise(arguments.results, arguments.ids,
                                 [(str(item[0]), str(item[1])) for item in invalid_rows],
                                 arguments.summary)
        report.write_report(arguments.results, rows, arguments.plots,
                            arguments.html)
    elif arguments.command == "provenance":
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly
        print(provenance_table(arguments.results))
    elif arguments.command == "summary":
        invalid: list[Any] = json.loads(arguments.invalid_rows)
        summary.summarise(arguments.results, arguments.ids,
                          [(str(item[0]), str(item[1])) for item in invalid], arguments.output)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qchemflow`` console script.

    Returns:
        0 on success (a molecule's expected failure included), 2 on an error of the command.
    """
    arguments = build_parser().parse_args(argv)
    try:
        run(arguments)
    except QchemflowError as error:
        print(f"qchemflow {arguments.command}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
