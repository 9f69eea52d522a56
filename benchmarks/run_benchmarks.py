"""VQE benchmark: qchemflow against PennyLane lightning.qubit (adjoint) on the same Hamiltonians.

Usage (one thread, as the issue's reference numbers):

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/run_benchmarks.py [--cases H2 LiH ...]
        [--no-pennylane] [--repeats 3] [--output benchmarks/results/NAME]

Every case builds its SCF and active space with qchemflow's own functions, then:
- qchemflow: ``qubit`` = wall_s of the qubits stage (mapping, sector, exact ground state) and
  ``vqe`` = wall_s of the VQE stage (sector Hamiltonian from the terms, circuit, optimisation),
  the same functions the pipeline runs;
- PennyLane (``pip install -e '.[bench]'``): ``qubit`` = fermionic_observable + qubit_observable
  from the same integrals, ``vqe`` = AllSinglesDoubles on lightning.qubit with adjoint gradients,
  SciPy BFGS from the HF state, gradient tolerance 1e-5.
Both are measured in this one process, side by side (each case ``--repeats`` times per
program, the fastest run in the table), and compared with CASCI of the same integrals.
Results go to ``<output>.json`` and ``<output>.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
from result_files import write_results  # beside this script


from qchemflow.chemistry.active_space import active_space_integrals, choose_active_space
from qchemflow.chemistry.geometry import Atom
from qchemflow.chemistry.references import fci_ground_state
from qchemflow.chemistry.scf import build_molecule, run_scf
from qchemflow.core.provenance import package_versions
from qchemflow.core.settings import RunSettings
from qchemflow.pipeline.config import load_yaml, validate_config
from qchemflow.pipeline.settings import check_spectrum, vqe_settings
from qchemflow.quantum.qubit_hamiltonian import timed_qubit_hamiltonian
from qchemflow.quantum.sector import pauli_terms_from_json
from qchemflow.quantum.settings import QubitSettings, VQESettings
from qchemflow.quantum.vqe import run_vqe

# The pipeline's default VQE settings: the config schema's defaults (the one place they live).
DEFAULT_VQE = vqe_settings(None, validate_config(  # type: ignore[arg-type]
    {}, load_yaml(Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml")))
RUN = RunSettings(threads=1, memory_mb=16000)

HARTREE_TO_MILLIHARTREE = 1000.0
WATER = (("O", (0.0, 0.0, 0.0)), ("H", (0.7569503, 0.5858823, 0.0)),
         ("H", (-0.7569503, 0.5858823, 0.0)))  # O-H 0.9572 A, H-O-H 104.52 degrees


@dataclass(frozen=True)
class Case:
    """One benchmark molecule and its active space."""

    name: str
    atoms: tuple[tuple[str, tuple[float, float, float]], ...]
    active_electrons: int | None
    active_orbitals: int | None
    frozen_core: bool
    basis: str = "sto-3g"
    settings: VQESettings = DEFAULT_VQE


CASES = {
    "H2": Case("H2", (("H", (0, 0, 0)), ("H", (0, 0, 0.7414))), None, None, False),
    "H2O_4e4o": Case("H2O_4e4o", WATER, 4, 4, True),
    "LiH": Case("LiH", (("Li", (0, 0, 0)), ("H", (0, 0, 1.5949))), None, None, False),
    "BeH2_fc": Case("BeH2_fc", (("Be", (0, 0, 0)), ("H", (0, 0, 1.3264)),
                                ("H", (0, 0, -1.3264))), 4, 6, True),
    "H2O_8e6o": Case("H2O_8e6o", WATER, 8, 6, True),
    "N2_6e6o": Case("N2_6e6o", (("N", (0, 0, 0)), ("N", (0, 0, 1.0977))), 6, 6, True),
    "BeH2_full": Case("BeH2_full", (("Be", (0, 0, 0)), ("H", (0, 0, 1.3264)),
                                    ("H", (0, 0, -1.3264))), None, None, False),
    "H6_adapt": Case("H6_adapt", tuple(("H", (0, 0, 1.5 * i)) for i in range(6)), None, None,
                     False, settings=dataclasses.replace(DEFAULT_VQE, ansatz="adapt", optimizer="BFGS")),
    "N2_10e8o": Case("N2_10e8o", (("N", (0, 0, 0)), ("N", (0, 0, 1.0977))), 10, 8, True),
    "N2_631g_10e10o": Case("N2_631g_10e10o", (("N", (0, 0, 0)), ("N", (0, 0, 1.0977))), 10, 10,
                           True, basis="6-31g"),
}
DEFAULT_CASES = ("H2", "H2O_4e4o", "LiH", "BeH2_fc", "H2O_8e6o", "N2_6e6o", "BeH2_full")


def active_space_problem(case: Case) -> dict[str, Any]:
    """SCF and active-space integrals with qchemflow's functions; CASCI of those integrals."""
    from pyscf.data import elements

    atoms = tuple(Atom(symbol, *(repr(float(c)) for c in xyz)) for symbol, xyz in case.atoms)
    molecule = build_molecule(atoms, 0, 0, case.basis, False, 16000)
    scf_object, _ = run_scf(molecule, 1e-10, 200, None)
    n_frozen = int(elements.chemcore(molecule)) if case.frozen_core else 0
    choice = choose_active_space(int(molecule.nelectron), len(scf_object.mo_energy), n_frozen, 0,
                                 case.active_electrons, case.active_orbitals)
    h1, h2, core = active_space_integrals(scf_object, choice, scf_object.mo_coeff)
    casci, _, _ = fci_ground_state(h1, h2, choice.n_orbitals, choice.n_alpha_beta, core, 16000)
    return {"h1": h1, "h2": h2, "core": core, "choice": choice, "casci": casci}


def run_qchemflow(problem: dict[str, Any], settings: VQESettings) -> dict[str, Any]:
    """The qubits and VQE stages' computations, with their own wall_s."""
    choice = problem["choice"]
    n_alpha, n_beta = choice.n_alpha_beta
    _, qubit_fields = timed_qubit_hamiltonian(problem["h1"], problem["h2"], problem["core"],
                                              n_alpha, n_beta, QubitSettings(
                                                  "jordan_wigner",
                                                  check_spectrum("auto", 2 * choice.n_orbitals)))
    terms = pauli_terms_from_json(qubit_fields["terms"], qubit_fields["n_qubits"])
    vqe = run_vqe(terms, "jordan_wigner", choice.n_orbitals, n_alpha, n_beta, settings, RUN)
    return {"qubit_s": qubit_fields["wall_s"], "vqe_s": vqe["wall_s"],
            "total_s": qubit_fields["wall_s"] + vqe["wall_s"], "energy": vqe["energy"],
            "n_parameters": vqe["n_parameters"], "iterations": vqe["iterations"],
            "energy_evaluations": vqe["energy_evaluations"],
            "gradient_evaluations": vqe["gradient_evaluations"],
            "n_two_qubit_gates": vqe["circuit"]["n_two_qubit_gates"],
            "gradient_over_energy": gradient_cost_ratio(terms, choice, settings, vqe)}


def gradient_cost_ratio(terms: Any, choice: Any, settings: VQESettings, vqe: dict[str, Any]
                        ) -> float:
    """Time of one energy+gradient over one energy, at the converged parameters."""
    from qchemflow.quantum import circuits
    from qchemflow.quantum.sector import build_sector, sector_matrix
    from qchemflow.quantum.simulator import SectorSimulator
    from qchemflow.quantum.ansatz import build_ansatz

    if settings.ansatz == "adapt":
        return float("nan")
    n_alpha, n_beta = choice.n_alpha_beta
    sector = build_sector("jordan_wigner", 2 * choice.n_orbitals, n_alpha, n_beta)
    ansatz = circuits.ansatz_from_circuit(circuits.ansatz_circuit(
        build_ansatz(settings, choice.n_orbitals, n_alpha, n_beta)), settings.ansatz)
    simulator = SectorSimulator(ansatz, sector, sector_matrix(terms, sector))
    parameters = np.asarray(vqe["parameters"])
    repetitions = 20
    start = time.perf_counter()
    for _ in range(repetitions):
        simulator.energy(parameters)
    energy_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(repetitions):
        simulator.energy_and_gradient(parameters)
    return (time.perf_counter() - start) / energy_s


def run_pennylane(problem: dict[str, Any]) -> dict[str, Any]:
    """PennyLane lightning.qubit, adjoint gradients, AllSinglesDoubles, BFGS (same integrals)."""
    import pennylane as qml
    import scipy.optimize
    from pennylane import numpy as pnp

    choice = problem["choice"]
    n_qubits, n_electrons = 2 * choice.n_orbitals, choice.n_electrons
    start = time.perf_counter()
    fermionic = qml.qchem.fermionic_observable(
        np.array([problem["core"]]), problem["h1"], problem["h2"].transpose(0, 2, 3, 1))
    hamiltonian = qml.qchem.qubit_observable(fermionic)
    qubit_s = time.perf_counter() - start
    start = time.perf_counter()
    singles, doubles = qml.qchem.excitations(n_electrons, n_qubits)
    reference = qml.qchem.hf_state(n_electrons, n_qubits)
    device = qml.device("lightning.qubit", wires=n_qubits)

    @qml.qnode(device, diff_method="adjoint")
    def energy(parameters: Any) -> Any:
        qml.AllSinglesDoubles(parameters, wires=range(n_qubits), hf_state=reference,
                              singles=singles, doubles=doubles)
        return qml.expval(hamiltonian)

    gradient = qml.grad(energy)
    counts = {"energy": 0, "gradient": 0}

    def value(parameters: np.ndarray) -> float:
        counts["energy"] += 1
        return float(energy(pnp.array(parameters, requires_grad=False)))

    def jacobian(parameters: np.ndarray) -> np.ndarray:
        counts["gradient"] += 1
        return np.asarray(gradient(pnp.array(parameters, requires_grad=True)))

    n_parameters = len(singles) + len(doubles)
    result = scipy.optimize.minimize(value, np.zeros(n_parameters), jac=jacobian, method="BFGS",
                                     options={"gtol": 1e-5})
    vqe_s = time.perf_counter() - start
    return {"qubit_s": qubit_s, "vqe_s": vqe_s, "total_s": qubit_s + vqe_s,
            "energy": float(result.fun), "n_parameters": n_parameters,
            "iterations": int(result.nit), "energy_evaluations": counts["energy"],
            "gradient_evaluations": counts["gradient"]}


def fastest(run: Callable[[], dict[str, Any]], repeats: int) -> dict[str, Any]:
    """The run with the smallest ``total_s`` of ``repeats``, with every run's total."""
    runs = [run() for _ in range(repeats)]
    best = min(runs, key=lambda item: item["total_s"])
    return {**best, "all_total_s": [item["total_s"] for item in runs]}


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The result table in Markdown."""
    lines = ["| case | qubits | qchemflow params | qchemflow qubit + VQE s | error mHa | "
             "evals (E/grad) | grad/E cost | PennyLane params | PennyLane qubit + VQE s | "
             "PennyLane error mHa | qchemflow/PennyLane | peak RSS MB |",
             "|" + "---|" * 12]
    for row in rows:
        ours, theirs = row["qchemflow"], row.get("pennylane")
        ratio = f"{ours['total_s'] / theirs['total_s']:.3f}" if theirs else "—"
        pennylane = (f"{theirs['n_parameters']} | {theirs['qubit_s']:.2f} + {theirs['vqe_s']:.2f}"
                     f" | {theirs['error_mha']:.4f}") if theirs else "— | — | —"
        lines.append(
            f"| {row['case']} | {row['n_qubits']} | {ours['n_parameters']} | "
            f"{ours['qubit_s']:.3f} + {ours['vqe_s']:.3f} | {ours['error_mha']:.4f} | "
            f"{ours['energy_evaluations']}/{ours['gradient_evaluations']} | "
            f"{ours['gradient_over_energy']:.2f} | {pennylane} | {ratio} | "
            f"{row['peak_rss_mb']:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run the cases, print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES), choices=list(CASES))
    parser.add_argument("--no-pennylane", action="store_true")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each program per case; the table shows the fastest")
    parser.add_argument("--output", default=str(Path(__file__).parent / "results" / "latest"))
    arguments = parser.parse_args()
    # Warm-up, untimed: the first call of each program in a process pays for lazy imports and
    # compilation (0.2 s of qchemflow's qubit stage, 3 s of PennyLane's VQE on H2).
    warm_up = active_space_problem(CASES["H2"])
    run_qchemflow(warm_up, CASES["H2"].settings)
    if not arguments.no_pennylane:
        run_pennylane(warm_up)
    rows = []
    for name in arguments.cases:
        case = CASES[name]
        problem = active_space_problem(case)
        row: dict[str, Any] = {"case": name, "n_qubits": 2 * problem["choice"].n_orbitals,
                               "casci": problem["casci"]}
        ours = fastest(lambda: run_qchemflow(problem, case.settings), arguments.repeats)
        ours["error_mha"] = (ours["energy"] - problem["casci"]) * HARTREE_TO_MILLIHARTREE
        row["qchemflow"] = ours
        if not arguments.no_pennylane and case.settings.ansatz == "uccsd":
            theirs = fastest(lambda: run_pennylane(problem), arguments.repeats)
            theirs["error_mha"] = (theirs["energy"] - problem["casci"]) * HARTREE_TO_MILLIHARTREE
            row["pennylane"] = theirs
        row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(row)
        print(markdown_table([row]).splitlines()[-1], flush=True)
    table = markdown_table(rows)
    record = {"rows": rows, "versions": package_versions(), "machine": platform.platform(),
              "cpu_count": os.cpu_count(), "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
              "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    try:
        import pennylane

        record["versions"]["pennylane"] = pennylane.__version__
    except ImportError:
        pass
    write_results(arguments.output, record, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
