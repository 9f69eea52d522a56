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

# Each stage command: its help, its settings class and its input and output files (all
# required options; a rule passes each one).
STAGE_ARGUMENTS = {
    "geometry": ("SMILES or XYZ to geometry.xyz/json", "GeometrySettings",
                 ("output-xyz", "output-json")),
    "scf": ("RHF/ROHF: scf.chk and scf.json", "SCFSettings",
            ("geometry-json", "geometry-xyz", "output-chk", "output-json")),
    "active-space": ("FCIDUMP and active_space.json", "ActiveSpaceSettings",
                     ("scf-json", "scf-chk", "output-fcidump", "output-json")),
    "references": ("classical reference energies", "ReferenceSettings",
                   ("scf-json", "scf-chk", "active-space-json", "fcidump", "output-json")),
    "cbs": ("focal-point CCSD(T)/CBS: cbs.json", "CBSSettings",
            ("scf-json", "scf-chk", "active-space-json", "references-json", "output-json")),
    "qubits": ("qubit Hamiltonian: qubit_hamiltonian.json", "QubitSettings",
               ("active-space-json", "fcidump", "output-json")),
    "vqe": ("VQE on the qubit Hamiltonian (FCIDUMP: the same Hamiltonian, for the matrix-free "
            "product): vqe.json", "VQESettings",
            ("qubit-hamiltonian-json", "fcidump", "output-json")),
    "hardware": ("compiled circuits, shots, prices, fault-tolerant cost: hardware.json",
                 "HardwareSettings",
                 ("qubit-hamiltonian-json", "vqe-json", "fcidump", "output-json")),
    "noise": ("noisy energy, error mitigation and SQD: noise.json", "NoiseSettings",
              ("qubit-hamiltonian-json", "vqe-json", "fcidump", "output-json")),
}
STAGE_COMMANDS = tuple(STAGE_ARGUMENTS)


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

    for command, (help_text, settings, files) in STAGE_ARGUMENTS.items():
        stage = commands.add_parser(command, help=help_text)
        _add_stage_options(stage, settings)
        for name in files:
            stage.add_argument(f"--{name}", required=True)
        if command == "vqe":
            stage.add_argument("--checkpoint", default=None,
                               help="checkpoint file: saved every few iterations (the run "
                                    "file's cadence), resumed from on rerun")

    for name, what in (("report", "summary.csv, plots and report.html"),
                       ("summary", "results/summary.csv")):
        analysis = commands.add_parser(name, help=what)
        analysis.add_argument("--results", required=True, help="the results folder")
        analysis.add_argument("--ids", nargs="*", default=[])
        analysis.add_argument("--invalid-rows", default="[]",
                              help="JSON list of [id, message] of refused rows")
        analysis.add_argument("--summary", required=True, help="the summary CSV to write")
        if name == "report":
            analysis.add_argument("--html", required=True)
            analysis.add_argument("--plots", required=True, help="folder of the PNG plots")
            analysis.add_argument("--reactions-csv", default="",
                                  help="results/reactions.csv, when a reactions table is set")
            analysis.add_argument("--scans-csv", nargs="*", default=[],
                                  help="the scan tables results/scans/<id>.csv")
            analysis.add_argument("--template", required=True,
                                  help="Jinja2 template of report.html "
                                       "(workflow/report/templates/report.html.j2)")

    reactions = commands.add_parser("reactions", help="results/reactions.csv: relative energies")
    reactions.add_argument("--results", required=True, help="the results folder")
    reactions.add_argument("--reactions", required=True,
                           help="JSON list of the validated reactions "
                                "(qchemflow.pipeline.reactions.reactions_json)")
    reactions.add_argument("--invalid-rows", default="[]",
                           help="JSON list of [id, message] of refused reaction rows")
    reactions.add_argument("--output", required=True, help="the reactions CSV to write")

    scan = commands.add_parser("scan", help="results/scans/<id>.csv: energies along a scan")
    scan.add_argument("--results", required=True, help="the results folder")
    scan.add_argument("--points", required=True,
                      help="JSON list of [point id, bond length in Angstrom]")
    scan.add_argument("--output", required=True, help="the scan CSV to write")

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


def scan_points_from_json(text: str) -> list[Any]:
    """The points of a scan from the ``scan`` command's ``--points`` JSON.

    Raises:
        InputError: not a list of [id, bond length] pairs.
    """
    from qchemflow.analysis.scans import ScanPoint
    from qchemflow.core.errors import InputError

    try:
        items = json.loads(text)
        return [ScanPoint(str(point_id), float(length)) for point_id, length in items]
    except (ValueError, TypeError) as error:
        raise InputError(f"scan --points: not a list of [id, bond length] ({error})") from error


def run_stage(arguments: argparse.Namespace) -> None:
    """Run one stage command with its settings object, run settings and provenance."""
    from qchemflow.chemistry.active_space import ActiveSpaceSettings
    from qchemflow.chemistry.cbs import CBSSettings
    from qchemflow.chemistry.geometry import GeometrySettings
    from qchemflow.chemistry.references import ReferenceSettings
    from qchemflow.chemistry.scf import SCFSettings
    from qchemflow.quantum.settings import (HardwareSettings, NoiseSettings, QubitSettings,
                                           VQESettings)

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
    elif command == "cbs":
        stages.cbs_stage(arguments.scf_json, arguments.scf_chk, arguments.active_space_json,
                         arguments.references_json,
                         settings_from_json(CBSSettings, arguments.settings), run, origin,
                         arguments.output_json)
    elif command == "qubits":
        stages.qubits_stage(arguments.active_space_json, arguments.fcidump,
                            settings_from_json(QubitSettings, arguments.settings), run, origin,
                            arguments.output_json)
    elif command == "vqe":
        stages.vqe_stage(arguments.qubit_hamiltonian_json, arguments.fcidump,
                         settings_from_json(VQESettings, arguments.settings), run, origin,
                         arguments.output_json, arguments.checkpoint, run_file.checkpoint_every)
    elif command == "hardware":
        stages.hardware_stage(arguments.qubit_hamiltonian_json, arguments.vqe_json,
                              arguments.fcidump,
                              settings_from_json(HardwareSettings, arguments.settings), run,
                              origin, arguments.output_json)
    elif command == "noise":
        stages.noise_stage(arguments.qubit_hamiltonian_json, arguments.vqe_json,
                           arguments.fcidump, settings_from_json(NoiseSettings, arguments.settings),
                           run, origin, arguments.output_json)


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
                                arguments.template, arguments.reactions_csv or None,
                                arguments.scans_csv)
    elif arguments.command == "reactions":
        from qchemflow.analysis.relative_energies import write_reactions
        from qchemflow.pipeline.reactions import reactions_from_json

        refused: list[Any] = json.loads(arguments.invalid_rows)
        write_reactions(reactions_from_json(arguments.reactions), arguments.results,
                        arguments.output, [(str(item[0]), str(item[1])) for item in refused])
    elif arguments.command == "scan":
        from qchemflow.analysis.scans import write_scan

        write_scan(scan_points_from_json(arguments.points), arguments.results, arguments.output)
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
