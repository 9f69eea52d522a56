"""The CI-matrix layout, its compiled gate kernels and the matrix-free Hamiltonian.

Every check is an exact identity: the same Hamiltonian applied as the explicit sector matrix
(from the Pauli terms) and by PySCF's direct_spin1 (from the integrals), and the same circuit
simulated on the sector and on the CI matrix, agree to 1e-12; threads change no bit.
"""

import dataclasses

import numpy as np
import pytest

from conftest import vqe_settings
from qchemflow.quantum import strings
from qchemflow.quantum.qubit_hamiltonian import map_hamiltonian
from qchemflow.quantum.sector import sector_matrix
from qchemflow.quantum.simulator import SectorSimulator
from qchemflow.quantum.ansatz import build_ansatz

# (alpha, beta) electrons in the six orbitals of linear H6: closed shell, and two open shells.
ELECTRONS = [(3, 3), (4, 2), (2, 3)]


def problem(chain, electrons, mapping="jordan_wigner"):
    mapped = map_hamiltonian(*chain, *electrons, mapping)
    layout = strings.string_layout(mapped.sector)
    return mapped, layout, sector_matrix(mapped.terms, mapped.sector)


def unit_vectors(dimension, count, seed=5):
    vectors = np.random.default_rng(seed).normal(size=(count, dimension))
    return vectors / np.linalg.norm(vectors, axis=1)[:, None]


@pytest.mark.parametrize("mapping", ["jordan_wigner", "bravyi_kitaev"])
@pytest.mark.parametrize("electrons", ELECTRONS)
def test_matrix_free_product_equals_the_pauli_sector_matrix(chain, electrons, mapping):
    mapped, layout, matrix = problem(chain, electrons, mapping)
    free = strings.MatrixFreeHamiltonian(*chain, *electrons, threads=1)
    explicit = strings.explicit_ci_matrix(matrix, layout)
    for vector in unit_vectors(mapped.sector.dimension, 3):
        ci_vector = layout.to_ci(vector)
        expected = matrix @ vector
        assert np.abs(layout.to_sector(free @ ci_vector) - expected).max() < 1e-12
        assert np.abs(layout.to_sector(explicit @ ci_vector) - expected).max() < 1e-12
        assert np.array_equal(layout.to_sector(ci_vector), vector)


@pytest.mark.parametrize("electrons,ansatz", [((3, 3), "uccsd"), ((4, 2), "uccsd"),
                                              ((2, 3), "uccsd"), ((3, 3), "k-upccgsd")])
def test_ci_matrix_simulator_equals_the_sector_simulator(chain, electrons, ansatz):
    # The sector simulator's gradient is checked against finite differences in test_simulator.
    mapped, layout, matrix = problem(chain, electrons)
    circuit_ansatz = build_ansatz(vqe_settings(ansatz=ansatz, layers=2), 6, *electrons)
    reference = SectorSimulator(circuit_ansatz, mapped.sector, matrix)
    parameters = np.random.default_rng(11).normal(0.0, 0.2, circuit_ansatz.n_parameters)
    energy, gradient = reference.energy_and_gradient(parameters)
    for hamiltonian in (strings.explicit_ci_matrix(matrix, layout),
                        strings.MatrixFreeHamiltonian(*chain, *electrons, threads=1)):
        simulator = strings.StringSimulator(circuit_ansatz, layout, hamiltonian)
        assert np.abs(layout.to_sector(simulator.state(parameters))
                      - reference.state(parameters)).max() < 1e-13
        string_energy, string_gradient = simulator.energy_and_gradient(parameters)
        assert abs(string_energy - energy) < 1e-12
        assert np.abs(string_gradient - gradient).max() < 1e-12


def test_gate_kernels_give_the_same_bits_on_any_thread_count(chain):
    mapped, layout, matrix = problem(chain, (3, 3))
    ansatz = build_ansatz(vqe_settings(), 6, 3, 3)
    parameters = np.random.default_rng(2).normal(0.0, 0.2, ansatz.n_parameters)
    results = []
    for threads in (1, 2):
        strings.set_threads(threads)
        simulator = strings.StringSimulator(ansatz, layout, strings.explicit_ci_matrix(matrix,
                                                                                       layout))
        energy, gradient = simulator.energy_and_gradient(parameters)
        results.append((energy, gradient, simulator.state(parameters)))
    strings.set_threads(1)
    assert results[0][0] == results[1][0]
    assert np.array_equal(results[0][1], results[1][1])
    assert np.array_equal(results[0][2], results[1][2])


def test_matrix_free_product_is_reproducible_per_thread_count(chain):
    # PySCF adds its threads' partial sums (README: the matrix-free product's last bits depend
    # on the thread count); for a given count it is the same on every call.
    vector = unit_vectors(400, 1)[0]
    products = {threads: [strings.MatrixFreeHamiltonian(*chain, 3, 3, threads=threads) @ vector
                          for _ in range(2)] for threads in (1, 2)}
    for first, second in products.values():
        assert np.array_equal(first, second)
    assert np.abs(products[1][0] - products[2][0]).max() < 1e-13


def test_the_layout_sign_is_the_reordering_parity():
    # |a0 b0 a1> interleaved (modes 0, 1, 2) is -|a0 a1 b0> alpha first: one beta electron
    # (orbital 0) below one alpha electron (orbital 1).
    occupations = np.array([0b000111, 0b001011, 0b000101], dtype=np.int64)
    assert list(strings.interleaving_signs(occupations, 3)) == [-1.0, 1.0, 1.0]


def test_the_dot_product_is_exact_for_any_chunking():
    values = np.random.default_rng(4).normal(size=3 * strings.DOT_CHUNK + 17)
    assert strings.dot(values, values) == pytest.approx(float(values @ values), rel=1e-14)
