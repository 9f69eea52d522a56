"""Where each VQE representation is fastest: the sector simulator with the explicit matrix, the
CI-matrix simulator with the explicit matrix, and the CI-matrix simulator with the matrix-free
product, side by side in one process on N2 active spaces of 8 to 24 qubits (singlet UCCSD).

Per case: the one-off build (sector matrix, or integrals and link tables; gate tables) and one
energy-plus-gradient at small random parameters, best of three. The thresholds
``EXPLICIT_MAX_DIMENSION`` and ``STRING_MIN_DIMENSION`` of ``qchemflow.quantum.settings``
come from this table.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/representation_crossover.py [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from pyscf import ao2mo, gto, mcscf, scf

from qchemflow.quantum import strings
from qchemflow.quantum.qubit_hamiltonian import map_hamiltonian
from qchemflow.quantum.sector import sector_matrix
from qchemflow.quantum.simulator import SectorSimulator, threaded
from qchemflow.quantum.vqe import fixed_ansatz

# (basis, active electrons, active orbitals): 8 to 24 qubits.
CASES = [("sto-3g", 6, 4), ("sto-3g", 6, 6), ("sto-3g", 10, 7), ("sto-3g", 10, 8),
         ("6-31g", 10, 9), ("6-31g", 10, 10), ("cc-pvdz", 10, 11), ("cc-pvdz", 10, 12)]
EXPLICIT_LIMIT = 250_000  # sector states: beyond (24 qubits), the explicit matrix needs > 10 GB


def integrals(basis: str, electrons: int, orbitals: int) -> tuple[np.ndarray, np.ndarray, float]:
    molecule = gto.M(atom="N 0 0 0; N 0 0 1.0977", basis=basis, verbose=0)
    mean_field = scf.RHF(molecule).run()
    casci = mcscf.CASCI(mean_field, orbitals, electrons)
    h1, core = casci.get_h1eff()
    return h1, ao2mo.restore(1, casci.get_h2eff(), orbitals), float(core)


def best_of(repeats: int, function) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(basis: str, electrons: int, orbitals: int, threads: int) -> dict:
    h1, h2, core = integrals(basis, electrons, orbitals)
    half = electrons // 2
    start = time.perf_counter()
    mapped = map_hamiltonian(h1, h2, core, half, half, "jordan_wigner")
    mapping_s = time.perf_counter() - start
    _, ansatz = fixed_ansatz_for(orbitals, half)
    parameters = np.random.default_rng(1).normal(0.0, 0.01, ansatz.n_parameters)
    sector = mapped.sector
    layout = strings.string_layout(sector)
    strings.set_threads(threads)
    row: dict = {"case": f"N2/{basis} ({electrons}e,{orbitals}o)", "qubits": 2 * orbitals,
                 "states": sector.dimension, "parameters": ansatz.n_parameters,
                 "gates": len(ansatz.excitations), "mapping_s": mapping_s}
    if sector.dimension <= EXPLICIT_LIMIT:
        start = time.perf_counter()
        matrix = sector_matrix(mapped.terms, sector)
        row["explicit_build_s"] = time.perf_counter() - start
        row["explicit_nnz"] = int(matrix.nnz)
        sector_simulator = SectorSimulator(ansatz, sector, threaded(matrix, threads))
        row["sector_explicit_s"] = best_of(3, lambda: sector_simulator.energy_and_gradient(
            parameters))
        ci_matrix = threaded(strings.explicit_ci_matrix(matrix, layout), threads)
        ci_simulator = strings.StringSimulator(ansatz, layout, ci_matrix)
        ci_simulator.energy_and_gradient(parameters)  # compile
        row["strings_explicit_s"] = best_of(3, lambda: ci_simulator.energy_and_gradient(
            parameters))
    start = time.perf_counter()
    free = strings.MatrixFreeHamiltonian(h1, h2, core, half, half, threads)
    simulator = strings.StringSimulator(ansatz, layout, free)
    row["matrix_free_build_s"] = time.perf_counter() - start
    simulator.energy_and_gradient(parameters)
    row["strings_matrix_free_s"] = best_of(3, lambda: simulator.energy_and_gradient(parameters))
    return row


def fixed_ansatz_for(orbitals: int, half: int):
    from qchemflow.pipeline.config import load_yaml, validate_config
    from qchemflow.pipeline.settings import vqe_settings

    root = Path(__file__).resolve().parents[1]
    config = validate_config({}, load_yaml(root / "workflow/schemas/config.schema.yaml"))
    return fixed_ansatz(vqe_settings(None, config), "jordan_wigner", orbitals, half, half)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", default=None, help="JSON file of the rows")
    arguments = parser.parse_args()
    rows = []
    for case in CASES:
        rows.append(measure(*case, arguments.threads))
        print(json.dumps(rows[-1]), flush=True)
    if arguments.output:
        Path(arguments.output).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
