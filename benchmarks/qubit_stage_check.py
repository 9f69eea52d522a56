"""Qubits stage: the optional spectrum check against the code that always diagonalised.

The qubits stage used to diagonalise its sector Hamiltonian every time (the same number as the
references stage's CASCI); now it does so only when ``qubits.check_spectrum`` says so (``auto``:
up to 16 qubits). This script measures the saving side by side, as a ratio against the old code.

Usage, from the repository root, with the old checkout's interpreter as the argument:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/qubit_stage_check.py \\
        /tmp/baseline/.venv/bin/python [--repeats 3] [--cases N2_10e8o_16q N2_631g_10e10o_20q]
        [--workdir /tmp/qubit_stage_check] [--output benchmarks/results/NAME]

What it does:
1. For each case (the rows of ``molecules/reach.csv``) it builds the SCF, the active-space
   integrals and their CASCI energy once, with this checkout's functions, and saves them to
   ``<workdir>/<case>.npz``.
2. It times the qubits stage on those integrals in a fresh process per measurement, with one
   thread: ``old`` (the old checkout's ``qchemflow.qubits.timed_qubit_hamiltonian``, which always
   diagonalises), ``new_no_check`` and ``new_check`` (this checkout's
   ``qchemflow.quantum.qubit_hamiltonian.timed_qubit_hamiltonian`` with
   ``check_spectrum`` False and True). Each round runs the three variants, alternating the order
   from round to round; medians over the rounds are reported.
3. Per measurement: ``wall_s`` (the stage's own timer), ``process_s`` (the whole process, with the
   interpreter start and the imports), ``peak_rss_mb`` (``ru_maxrss`` of the process) and
   ``rss_before_mb`` (``ru_maxrss`` just before the stage: interpreter, imports, integrals).
   Both code bases must give the same Pauli terms (hash) and, with the check, the same energy.

Results go to ``<output>.json`` and ``<output>.md``; the exit status is 1 when the old and new
energies or terms disagree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
TABLE = REPOSITORY / "molecules" / "reach.csv"
VARIANTS = ("old", "new_no_check", "new_check")
MAPPING = "jordan_wigner"
ENERGY_TOLERANCE_HARTREE = 1e-8
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def build_integrals(row: dict[str, str], path: Path) -> dict[str, Any]:
    """SCF, active-space integrals and CASCI of one table row, with this checkout's functions
    (the pipeline's defaults: frozen core, conv_tol 1e-10); saved to ``path``."""
    import numpy as np
    from pyscf.data import elements

    from qchemflow.chemistry.active_space import active_space_integrals, choose_active_space
    from qchemflow.chemistry.geometry import read_xyz
    from qchemflow.chemistry.references import fci_ground_state
    from qchemflow.chemistry.scf import build_molecule, run_scf

    geometry = read_xyz(TABLE.parent / row["xyz"])
    molecule = build_molecule(geometry.atoms, 0, 0, row["basis"], False, 16000)
    scf_object, _ = run_scf(molecule, 1e-10, 100, None)
    choice = choose_active_space(int(molecule.nelectron), len(scf_object.mo_energy),
                                 int(elements.chemcore(molecule)), 0,
                                 int(row["active_electrons"]), int(row["active_orbitals"]))
    h1, h2, core = active_space_integrals(scf_object, choice, scf_object.mo_coeff)
    casci, _, _ = fci_ground_state(h1, h2, choice.n_orbitals, choice.n_alpha_beta, core, 16000)
    n_alpha, n_beta = choice.n_alpha_beta
    np.savez(path, h1=h1, h2=h2, core=core, n_alpha=n_alpha, n_beta=n_beta)
    return {"n_qubits": 2 * choice.n_orbitals, "n_alpha": n_alpha, "n_beta": n_beta,
            "scf_energy": float(scf_object.e_tot), "casci": casci}


def measure(variant: str, integrals: Path) -> dict[str, Any]:
    """One qubits stage on saved integrals, in this process (run in a child of the harness)."""
    import numpy as np

    import qchemflow

    data = np.load(integrals)
    arguments = (data["h1"], data["h2"], float(data["core"]), int(data["n_alpha"]),
                 int(data["n_beta"]))
    if variant == "old":
        from qchemflow.qubits import timed_qubit_hamiltonian as old_stage

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _, fields = old_stage(*arguments, MAPPING)
    else:
        from qchemflow.quantum.qubit_hamiltonian import timed_qubit_hamiltonian
        from qchemflow.quantum.settings import QubitSettings

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _, fields = timed_qubit_hamiltonian(
            *arguments, QubitSettings(MAPPING, variant == "new_check"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    terms = json.dumps(fields["terms"]).encode()
    return {"wall_s": fields["wall_s"], "peak_rss_mb": peak / 1024,
            "rss_before_mb": rss_before / 1024,
            "ground_state_energy": fields["ground_state_energy"], "n_terms": fields["n_terms"],
            "sector_dimension": fields["sector_dimension"],
            "terms_sha256": hashlib.sha256(terms).hexdigest(),
            "qchemflow": str(Path(qchemflow.__file__).resolve().parent)}


def run_child(python: str, variant: str, integrals: Path) -> dict[str, Any]:
    """``measure`` in a fresh process of ``python``, one thread, no PYTHONPATH."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    environment.update({name: "1" for name in THREAD_VARIABLES})
    start = time.perf_counter()
    completed = subprocess.run([python, str(Path(__file__).resolve()), "--child", variant,
                                str(integrals)], capture_output=True, text=True, check=False,
                               env=environment, cwd=integrals.parent)
    process_s = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"{variant} on {integrals.name} failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return {**result, "process_s": process_s}


def git_state(folder: Path) -> dict[str, Any]:
    """Commit and whether the work tree has changes (read-only git commands)."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", "-C", str(folder), *arguments], capture_output=True,
                              text=True, check=False).stdout.strip()

    return {"path": str(folder), "commit": git("rev-parse", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def median(runs: list[dict[str, Any]], key: str) -> float:
    """Median of one measured quantity over the runs."""
    return float(statistics.median(run[key] for run in runs))


def summarise(case: dict[str, Any]) -> dict[str, Any]:
    """Medians per variant, ratios against ``old`` and the consistency checks of one case."""
    summary: dict[str, Any] = {}
    for variant in VARIANTS:
        runs = case["runs"][variant]
        summary[variant] = {key: median(runs, key)
                            for key in ("wall_s", "process_s", "peak_rss_mb", "rss_before_mb")}
    for variant in VARIANTS:
        for key in ("wall_s", "process_s", "peak_rss_mb"):
            summary[variant][f"{key}_over_old"] = summary[variant][key] / summary["old"][key]
    energies = {variant: {run["ground_state_energy"] for run in case["runs"][variant]}
                for variant in VARIANTS}
    hashes = {run["terms_sha256"] for variant in VARIANTS for run in case["runs"][variant]}
    old_energy, new_energy = min(energies["old"]), min(energies["new_check"])
    summary["energies"] = {"casci": case["casci"], "old": sorted(energies["old"]),
                           "new_check": sorted(energies["new_check"]),
                           "new_no_check": sorted(energies["new_no_check"], key=str),
                           "old_minus_new_check": old_energy - new_energy,
                           "new_check_minus_casci": new_energy - case["casci"]}
    summary["agree"] = (len(hashes) == 1 and energies["new_no_check"] == {None}
                        and max(energies["old"] | energies["new_check"])
                        - min(energies["old"] | energies["new_check"]) <= ENERGY_TOLERANCE_HARTREE)
    return summary


def markdown(record: dict[str, Any]) -> str:
    """Where and what was run, the timing table and the energy table."""
    old, new = record["old"], record["new"]
    lines = [f"Qubits stage, {record['date']}, {record['machine']}, {record['cpu_count']} CPUs, "
             f"{record['threads']} thread, load average {record['load_average'][0]:.2f} before "
             f"and {record['load_average'][1]:.2f} after; {record['repeats']} rounds, medians. "
             f"old: {old['path']} {old['commit'][:7]}; new: {new['path']} {new['commit'][:7]}"
             f"{' (work tree changed)' if new['dirty'] else ''}.", "",
             "| case | qubits | sector states | variant | auto default | stage wall s (median) "
             "| runs s | process s | peak RSS MB | RSS before stage MB | wall / old "
             "| peak RSS / old |", "|" + "---|" * 12]
    for case in record["cases"]:
        summary = case["summary"]
        default = "new_check" if case["n_qubits"] <= 16 else "new_no_check"
        for variant in VARIANTS:
            values = summary[variant]
            runs = ", ".join(f"{run['wall_s']:.2f}" for run in case["runs"][variant])
            lines.append(
                f"| {case['case']} | {case['n_qubits']} | {case['sector_dimension']} | {variant} "
                f"| {'yes' if variant == default else ''} | {values['wall_s']:.3f} | {runs} "
                f"| {values['process_s']:.2f} | {values['peak_rss_mb']:.0f} "
                f"| {values['rss_before_mb']:.0f} | {values['wall_s_over_old']:.3f} "
                f"| {values['peak_rss_mb_over_old']:.3f} |")
    lines += ["", "| case | CASCI Ha | old ground_state_energy Ha | new (check) Ha "
              "| old - new (check) Ha | new (check) - CASCI Ha | new (no check) | same terms, "
              "same energy |", "|" + "---|" * 8]
    for case in record["cases"]:
        energies = case["summary"]["energies"]
        lines.append(
            f"| {case['case']} | {energies['casci']:.12f} | {energies['old'][0]:.12f} "
            f"| {energies['new_check'][0]:.12f} | {energies['old_minus_new_check']:.1e} "
            f"| {energies['new_check_minus_casci']:.1e} | {energies['new_no_check'][0]} "
            f"| {'yes' if case['summary']['agree'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Build the integrals, run the rounds, print and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old_python", nargs="?", help="python of the checkout before the change")
    parser.add_argument("--cases", nargs="+", default=None, help="ids in molecules/reach.csv")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of the three variants")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qubit_stage_check"))
    parser.add_argument("--output", type=Path,
                        default=Path(__file__).parent / "results" / "latest-qubit-stage")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "NPZ"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(measure(arguments.child[0], Path(arguments.child[1]))))
        return 0
    if arguments.old_python is None:
        parser.error("give the old checkout's python")

    from qchemflow.chemistry.molecules import read_table_rows

    rows = {row["id"]: row for row in read_table_rows(
        TABLE, ("id", "xyz", "basis", "active_electrons", "active_orbitals"))}
    names = arguments.cases or list(rows)
    arguments.workdir.mkdir(parents=True, exist_ok=True)
    pythons = {"old": arguments.old_python, "new_no_check": sys.executable,
               "new_check": sys.executable}
    load_before = os.getloadavg()[0]
    cases = []
    for name in names:
        integrals = arguments.workdir / f"{name}.npz"
        case: dict[str, Any] = {"case": name, **rows[name],
                                **build_integrals(rows[name], integrals),
                                "runs": {variant: [] for variant in VARIANTS}}
        for round_number in range(arguments.repeats):
            order = VARIANTS if round_number % 2 == 0 else VARIANTS[::-1]
            for variant in order:
                result = run_child(pythons[variant], variant, integrals)
                case["runs"][variant].append(result)
                print(f"{name} round {round_number} {variant}: {result['wall_s']:.3f} s, "
                      f"{result['peak_rss_mb']:.0f} MB, E = {result['ground_state_energy']}",
                      flush=True)
        case["sector_dimension"] = case["runs"]["old"][0]["sector_dimension"]
        case["n_terms"] = case["runs"]["old"][0]["n_terms"]
        case["summary"] = summarise(case)
        cases.append(case)
    code = {variant: case["runs"][variant][0]["qchemflow"] for variant in ("old", "new_check")}
    if code["old"] == code["new_check"]:
        raise RuntimeError(f"both sides imported qchemflow from {code['old']}")
    record = {"cases": cases, "date": time.strftime("%Y-%m-%d %H:%M:%S"),
              "machine": platform.platform(), "cpu_count": os.cpu_count(), "threads": 1,
              "repeats": arguments.repeats, "mapping": MAPPING,
              "load_average": [load_before, os.getloadavg()[0]],
              "old": {"python": arguments.old_python, "qchemflow": code["old"],
                      **git_state(Path(code["old"]).parents[1])},
              "new": {"python": sys.executable, "qchemflow": code["new_check"],
                      **git_state(REPOSITORY)}}
    table = markdown(record)
    print(table)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    arguments.output.with_suffix(".md").write_text(table)
    return 0 if all(case["summary"]["agree"] for case in cases) else 1


if __name__ == "__main__":
    sys.exit(main())
