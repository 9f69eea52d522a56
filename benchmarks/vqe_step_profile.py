"""One matrix-free VQE step taken apart: sector, CI layout, gate tables, the forward sweep, one
``contract_2e`` and a whole energy plus gradient, on N2/cc-pVDZ (10e, n_orbitals o), N 1s frozen.

    .venv/bin/python benchmarks/vqe_step_profile.py 14 2     # 28 qubits, 2 threads
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from pyscf import ao2mo, gto, mcscf, scf

from qchemflow.quantum import strings
from qchemflow.quantum.ansatz import build_ansatz
from qchemflow.quantum.sector import build_sector

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import vqe_settings  # noqa: E402  (the default settings, from the schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("orbitals", type=int)
    parser.add_argument("threads", type=int)
    arguments = parser.parse_args()
    n, threads = arguments.orbitals, arguments.threads
    molecule = gto.M(atom="N 0 0 0; N 0 0 1.0977", basis="cc-pvdz", verbose=0)
    casci = mcscf.CASCI(scf.RHF(molecule).run(), n, 10)
    h1, core = casci.get_h1eff()
    h2 = ao2mo.restore(1, casci.get_h2eff(), n)
    clock = [time.perf_counter()]

    def tick(label: str) -> None:
        now = time.perf_counter()
        print(f"{label}: {now - clock[0]:.2f} s", flush=True)
        clock[0] = now

    sector = build_sector("jordan_wigner", 2 * n, 5, 5)
    tick(f"sector ({sector.dimension} states)")
    layout = strings.string_layout(sector)
    tick("CI layout")
    strings.set_threads(threads)
    hamiltonian = strings.MatrixFreeHamiltonian(h1, h2, float(core), 5, 5, threads)
    ansatz = build_ansatz(vqe_settings(), n, 5, 5)
    simulator = strings.StringSimulator(ansatz, layout, hamiltonian)
    tick(f"ansatz and gate tables ({len(simulator.gates)} gates)")
    parameters = np.random.default_rng(1).normal(0.0, 0.01, ansatz.n_parameters)
    simulator.energy_and_gradient(parameters)
    tick("first energy + gradient (numba compiles or loads its cache)")
    state = simulator.state(parameters)
    tick("forward sweep")
    hamiltonian @ state
    tick("one contract_2e")
    simulator.energy_and_gradient(parameters)
    tick("energy + gradient")


if __name__ == "__main__":
    main()
