"""The ``qchemflow`` command: one sub-command per pipeline stage.

Stage failures that are expected (bad input, no convergence, too little memory) are written to
the stage's JSON as data and the command exits 0; other errors in the command line exit 2 with
one line on stderr.
"""

from __future__ import annotations

import argparse
import logging
import json
import signal
import sys
from typing import Any

from qchemflow.analysis import summary
from qchemflow.core.errors import QchemflowError
from qchemflow.core.provenance import qchemflow_version
from qchemflow.core.settings import RunSettings, settings_from_json
from qchemflow.pipeline import stages
from qchemflow.pipeline.settings import read_run_file

STAGE_COMMANDS = ("geometry", "scf", "active-space", "references", "qubits", "vqe")


def _set_threads(threads: int) -> None:
    from pyscf import lib

    lib.num_threads(threads)


def _add_stage_options(parser: argparse.ArgumentParser, settings_help: str) -> None:
    """The options every stage command shares: its settings, the run's provenance, and the
    job's threads and memory."""
    parser.add_argument("--settings", required=True,
                        help=f"JSON object of the {settings_help} (built from the config by the "
                             "workflow: qchemflow.pipeline.settings)")
    parser.add_argument("--run", default=None,
                        help="the run file (provenance, checkpoint cadence) the workflow writes; "
                             "left out by hand: no provenance, no checkpoint")
    parser.add_argument("--threads", type=int, default=1, help="the job's threads")
    parser.add_argument("--memory-mb", type=int, default=4000,
                        help="the job's memory (PySCF max_memory, memory guards)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="qchemflow", description=__doc__)
    parser.add_argument("--version", action="version", version=f"qchemflow {qchemflow_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    geometry = commands.add_parser("geometry", help="SMILES or XYZ to geometry.xyz/json")
    _add_stage_options(geometry, "GeometrySettings")
    geometry.add_argument("--output-xyz", required=True)
    geometry.add_argument("--output-json", required=True)

    scf = commands.add_parser("scf", help="RHF/ROHF: scf.chk and scf.json")
    _add_stage_options(scf, "SCFSettings")
    scf.add_argument("--geometry-json", required=True)
    scf.add_argument("--geometry-xyz", required=True)
    scf.add_argument("--output-chk", required=True)
    scf.add_argument("--output-json", required=True)

    active = commands.add_parser("active-space", help="FCIDUMP and active_space.json")
    _add_stage_options(active, "ActiveSpaceSettings")
    active.add_argument("--scf-json", required=True)
    active.add_argument("--scf-chk", required=True)
    active.add_argument("--output-fcidump", required=True)
    active.add_argument("--output-json", required=True)

    references = commands.add_parser("references", help="classical reference energies")
    _add_stage_options(references, "ReferenceSettings")
    references.add_argument("--scf-json", required=True)
    references.add_argument("--scf-chk", required=True)
    references.add_argument("--active-space-json", required=True)
    references.add_argument("--fcidump", required=True)
    references.add_argument("--output-json", required=True)

    qubits = commands.add_parser("qubits", help="qubit Hamiltonian: qubit_hamiltonian.json")
    _add_stage_options(qubits, "QubitSettings")
    qubits.add_argument("--active-space-json", required=True)
    qubits.add_argument("--fcidump", required=True)
    qubits.add_argument("--output-json", required=True)

    vqe = commands.add_parser("vqe", help="VQE on the qubit Hamiltonian only: vqe.json")
    _add_stage_options(vqe, "VQESettings")
    vqe.add_argument("--qubit-hamiltonian-json", required=True)
    vqe.add_argument("--checkpoint", default=None,
                     help="checkpoint file: saved every few iterations, resumed from on rerun")
    vqe.add_argument("--output-json", required=True)

    for name, what in (("report", "summary.csv, plots and report.html"),
                       ("summary", "results/summary.csv")):
        command = commands.add_parser(name, help=what)
        command.add_argument("--results", required=True, help="the results folder")
        command.add_argument("--ids", nargs="*", default=[])
        command.add_argument("--invalid-rows", default="[]",
                             help="JSON list of [id, message] of refused rows")
        command.add_argument("--summary", required=True, help="the summary CSV to write")
        if name == "report":
            command.add_argument("--html", required=True)
            command.add_argument("--plots", required=True, help="folder of the PNG plots")
            command.add_argument("--template", required=True,
                                 help="Jinja2 template of report.html "
                                      "(workflow/report/templates/report.html.j2)")

    provenance = commands.add_parser("provenance", help="print what made every result JSON")
    provenance.add_argument("results", help="the results folder")
    return parser


def provenance_table(results_folder: str) -> str:
    """One line per result JSON: id, stage, status, versions, hashes, seed and commit."""
    from pathlib import Path

    from qchemflow.core.records import read_record

    header = ("id", "stage", "status", "qchemflow", "pyscf", "openfermion", "cirq", "config",
              "input", "seed", "commit")
    lines = []
    for path in sorted(Path(results_folder).glob("*/*.json")):
        record = read_record(path)
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


def run_stage(arguments: argparse.Namespace) -> None:
    """Run one stage command with its settings object, run settings and provenance."""
    from qchemflow.chemistry.active_space import ActiveSpaceSettings
    from qchemflow.chemistry.geometry import GeometrySettings
    from qchemflow.chemistry.references import ReferenceSettings
    from qchemflow.chemistry.scf import SCFSettings
    from qchemflow.quantum.qubit_hamiltonian import QubitSettings
    from qchemflow.quantum.vqe import VQESettings

    _set_threads(arguments.threads)
    run = RunSettings(arguments.threads, arguments.memory_mb)
    run_file = read_run_file(arguments.run)
    origin = run_file.provenance
    command = arguments.command
    if command == "geometry":
        stages.geometry_stage(settings_from_json(GeometrySettings, arguments.settings), origin,
                              arguments.output_xyz, arguments.output_json)
    elif command == "scf":
        stages.scf_stage(arguments.geometry_json, arguments.geometry_xyz,
                         settings_from_json(SCFSettings, arguments.settings), run, origin,
                         arguments.output_chk, arguments.output_json)
    elif command == "active-space":
        stages.active_space_stage(arguments.scf_json, arguments.scf_chk,
                                  settings_from_json(ActiveSpaceSettings, arguments.settings),
                                  run, origin, arguments.output_fcidump, arguments.output_json)
    elif command == "references":
        stages.references_stage(arguments.scf_json, arguments.scf_chk,
                                arguments.active_space_json, arguments.fcidump,
                                settings_from_json(ReferenceSettings, arguments.settings), run,
                                origin, arguments.output_json)
    elif command == "qubits":
        stages.qubits_stage(arguments.active_space_json, arguments.fcidump,
                            settings_from_json(QubitSettings, arguments.settings), run, origin,
                            arguments.output_json)
    elif command == "vqe":
        stages.vqe_stage(arguments.qubit_hamiltonian_json,
                         settings_from_json(VQESettings, arguments.settings), run, origin,
                         arguments.output_json, arguments.checkpoint, run_file.checkpoint_every)


def run(arguments: argparse.Namespace) -> None:
    """Dispatch one parsed command."""
    if arguments.command in STAGE_COMMANDS:
        run_stage(arguments)
    elif arguments.command in ("report", "summary"):
        invalid_rows: list[Any] = json.loads(arguments.invalid_rows)
        rows = summary.summarise(arguments.results, arguments.ids,
                                 [(str(item[0]), str(item[1])) for item in invalid_rows],
                                 arguments.summary)
        if arguments.command == "report":
            from qchemflow.analysis import report

            report.write_report(arguments.results, rows, arguments.plots, arguments.html,
                                arguments.template)
    elif arguments.command == "provenance":
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly
        print(provenance_table(arguments.results))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qchemflow`` console script.

    Returns:
        0 on success (a molecule's expected failure included), 2 on an error of the command.
    """
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        run(arguments)
    except QchemflowError as error:
        print(f"qchemflow {arguments.command}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
