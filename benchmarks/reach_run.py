"""Reach: the large VQEs of molecules/reach.csv through snakemake, with their time, peak memory
and error against CASCI of the same Hamiltonian.

    .venv/bin/python benchmarks/reach_run.py [--ids N2_ccpvdz_10e12o_24q ...] [--layers 1 2]
        [--deep-ids N2_ccpvdz_10e12o_24q] [--deep-optimizer BFGS] [--max-iterations 5000]
        [--cores 2] [--output benchmarks/results/NAME]

For each number of layers, one snakemake run (``--cores``, every job its own process:
``stage_server: false``, so that each rule's benchmark file holds its job's peak memory) of the
targets ``results/<id>/vqe.json`` and ``results/<id>/references.json`` in a fresh folder; the
classical stages run once, in the first folder, and are copied to the others. One layer runs
every id with the config's optimizer (L-BFGS-B); more layers run the ``--deep-ids`` with
``--deep-optimizer``, BFGS by default (N2 (10e,8o), two layers: 736 iterations to the gradient
tolerance where L-BFGS-B took 3 233). Per molecule: the
VQE job's wall time and peak resident memory (its benchmark file) beside its request (the rule's
``mem_mb``, from the job log), the VQE record (iterations, convergence, energy) and, from the
references stage, CASCI (energy, wall time on one thread) and CCSD, CCSD(T) in the same space.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from result_files import write_results  # beside this script

REPOSITORY = Path(__file__).resolve().parents[1]
HARTREE_TO_MILLIHARTREE = 1000.0
DEFAULT_IDS = ("N2_ccpvdz_10e12o_24q", "N2_ccpvdz_10e14o_28q")
# Two layers at 28 qubits take hours (hundreds of iterations of ~20 s): by default only at 24.
DEEP_IDS = ("N2_ccpvdz_10e12o_24q",)
CLASSICAL = ("geometry", "scf", "active_space", "references", "qubits")


def benchmark_row(path: Path) -> dict[str, str]:
    with open(path) as stream:
        return list(csv.DictReader(stream, delimiter="\t"))[-1]


def run_layers(workdir: Path, ids: list[str], layers: int, optimizer: str, max_iterations: int,
               cores: int) -> float:
    """Snakemake on ``ids`` with ``vqe.layers`` and ``optimizer``; returns the wall time."""
    (workdir / "run.yaml").write_text(
        f"stage_server: false\nfci_max_determinants: 5000000\nmolecules: "
        f"{REPOSITORY / 'molecules/reach.csv'}\n"
        f"optimizer: {optimizer}\nvqe: {{layers: {layers}, max_iterations: {max_iterations}}}\n")
    targets = [f"results/{molecule_id}/{name}.json" for molecule_id in ids
               for name in ("vqe", "references")]
    command = [str(Path(sys.executable).with_name("snakemake")), *targets, "--snakefile",
               str(REPOSITORY / "Snakefile"), "--directory", str(workdir), "--configfile",
               str(REPOSITORY / "config/config.yaml"), str(workdir / "run.yaml"), "--cores",
               str(cores), "--keep-going", "--printshellcmds"]
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    (workdir / "snakemake.log").write_text(completed.stdout + completed.stderr)
    if completed.returncode != 0:
        print(completed.stderr[-3000:], file=sys.stderr)
    return time.perf_counter() - start


def requested_mb(workdir: Path, molecule_id: str) -> int | None:
    """The VQE job's ``--memory-mb`` (its ``mem_mb``) from the printed shell command."""
    text = (workdir / "snakemake.log").read_text()
    match = re.search(rf"qchemflow vqe .*?--memory-mb (\d+).*?results/{molecule_id}/vqe\.json",
                      text)
    return int(match.group(1)) if match else None


def row(workdir: Path, molecule_id: str, layers: int, optimizer: str) -> dict:
    results = workdir / "results" / molecule_id
    vqe = json.loads((results / "vqe.json").read_text())
    references = json.loads((results / "references.json").read_text())
    qubits = json.loads((results / "qubit_hamiltonian.json").read_text())
    energies = references["energies"]
    casci = energies["casci"]
    job = benchmark_row(results / "benchmarks/vqe.tsv")

    def error(value: float | None) -> float | None:
        return None if value is None else (value - casci) * HARTREE_TO_MILLIHARTREE

    return {
        "id": molecule_id, "layers": layers, "optimizer": optimizer, "qubits": qubits["n_qubits"],
        "sector_states": qubits["sector_dimension"], "status": vqe["status"],
        "parameters": vqe.get("n_parameters"),
        "gates": vqe.get("circuit", {}).get("n_excitation_gates"),
        "iterations": vqe.get("iterations"), "evaluations": vqe.get("energy_evaluations"),
        "converged": vqe.get("converged"), "gradient_max_abs": vqe.get("gradient_max_abs"),
        "representation": vqe.get("hamiltonian"), "s2": vqe.get("s2"),
        "vqe_job_s": float(job["s"]), "vqe_max_rss_mb": float(job["max_rss"]),
        "vqe_request_mb": requested_mb(workdir, molecule_id),
        "vqe_wall_s": vqe.get("wall_s"), "energy": vqe.get("energy"), "casci": casci,
        "error_vs_casci_mha": error(vqe.get("energy")),
        "ccsd_active_error_mha": error(energies.get("ccsd_active")),
        "ccsd_t_active_error_mha": error(energies.get("ccsd_t_active")),
        "casci_wall_s": references.get("wall_s", {}).get("casci"),
        "reason": vqe.get("reason"),
    }


def markdown(rows: list[dict]) -> str:
    lines = ["| case | layers (optimizer) | qubits | sector states | parameters / gates | "
             "iterations (E+grad) | converged | VQE job s | VQE peak MB (request) | "
             "error vs CASCI mHa | CCSD / "
             "CCSD(T) in the space, mHa | CASCI s (1 thread) |", "|" + "---|" * 12]
    for item in rows:
        if item["status"] != "ok":
            lines.append(f"| {item['id']} | {item['layers']} | {item['qubits']} | "
                         f"{item['sector_states']} | failed: {item['reason']} |" + " |" * 7)
            continue
        lines.append(
            f"| {item['id']} | {item['layers']} ({item['optimizer']}) | {item['qubits']} | "
            f"{item['sector_states']} | "
            f"{item['parameters']} / {item['gates']} | {item['iterations']} "
            f"({item['evaluations']}) | {'yes' if item['converged'] else 'no'} | "
            f"{item['vqe_job_s']:.0f} | {item['vqe_max_rss_mb']:.0f} ({item['vqe_request_mb']}) | "
            f"{item['error_vs_casci_mha']:.2f} | {item['ccsd_active_error_mha']:.2f} / "
            f"{item['ccsd_t_active_error_mha']:.2f} | {item['casci_wall_s']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", nargs="+", default=list(DEFAULT_IDS))
    parser.add_argument("--layers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--deep-ids", nargs="+", default=list(DEEP_IDS),
                        help="the ids that also run with more than one layer")
    parser.add_argument("--deep-optimizer", default="BFGS",
                        help="the optimizer above one layer (one layer: the config's L-BFGS-B)")
    parser.add_argument("--max-iterations", type=int, default=5000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--output", default=str(REPOSITORY / "benchmarks/results/reach"))
    arguments = parser.parse_args()
    rows, folders = [], []
    for layers in arguments.layers:
        workdir = Path(tempfile.mkdtemp(prefix=f"qchemflow-reach-{layers}-"))
        if folders:  # the classical stages and the qubit Hamiltonian, computed once
            shutil.copytree(folders[0] / "results", workdir / "results",
                            ignore=shutil.ignore_patterns("vqe*", "benchmarks", "logs"))
            for molecule_id in arguments.ids:
                (workdir / "results" / molecule_id / "benchmarks").mkdir(exist_ok=True)
                for stage in CLASSICAL:
                    shutil.copy2(folders[0] / "results" / molecule_id / f"benchmarks/{stage}.tsv",
                                 workdir / "results" / molecule_id / f"benchmarks/{stage}.tsv")
        folders.append(workdir)
        ids = [molecule_id for molecule_id in arguments.ids
               if layers == 1 or molecule_id in arguments.deep_ids]
        optimizer = "L-BFGS-B" if layers == 1 else arguments.deep_optimizer
        wall = run_layers(workdir, ids, layers, optimizer, arguments.max_iterations,
                          arguments.cores)
        print(f"layers {layers}: {wall:.0f} s", flush=True)
        for molecule_id in ids:
            rows.append(row(workdir, molecule_id, layers, optimizer))
            print(json.dumps(rows[-1]), flush=True)
    write_results(arguments.output, rows, markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
