"""The sector simulator against Cirq's state vector, and adjoint gradients against finite differences."""

import cirq
import numpy as np
import pytest

from qchemflow.quantum.ansatz import uccsd
from qchemflow.quantum.circuits import ansatz_circuit, ansatz_from_circuit
from qchemflow.quantum.encoding import encoding_for
from qchemflow.quantum.sector import build_sector
from qchemflow.quantum.simulator import SectorSimulator
from qchemflow.quantum.ansatz import layered_ansatz


def random_symmetric_hamiltonian(dimension, seed):
    import scipy.sparse

    matrix = np.random.default_rng(seed).normal(size=(dimension, dimension))
    return scipy.sparse.csr_matrix(matrix + matrix.T)


@pytest.mark.parametrize("n_orbitals, n_alpha, n_beta", [(4, 2, 2), (4, 3, 2), (3, 2, 0)])
def test_state_equals_cirq_simulation(n_orbitals, n_alpha, n_beta):
    # The decomposed circuit simulated by Cirq in double precision gives the same amplitudes
    # on the sector, and nothing outside it.
    ansatz = uccsd(n_orbitals, n_alpha, n_beta)
    circuit = ansatz_circuit(ansatz)
    sector = build_sector("jordan_wigner", 2 * n_orbitals, n_alpha, n_beta)
    simulator = SectorSimulator(ansatz_from_circuit(circuit, "uccsd"), sector,
                                random_symmetric_hamiltonian(sector.dimension, 0))
    parameters = np.random.default_rng(1).normal(size=ansatz.n_parameters) * 0.5
    resolver = {f"theta_{k}": value for k, value in enumerate(parameters)}
    qubits = cirq.LineQubit.range(2 * n_orbitals)
    decomposed = cirq.Circuit(cirq.decompose(cirq.resolve_parameters(circuit, resolver)))
    state = cirq.Simulator(dtype=np.complex128).simulate(
        decomposed, qubit_order=qubits).final_state_vector
    indices = encoding_for("jordan_wigner", 2 * n_orbitals).qubit_indices(sector.occupations)
    np.testing.assert_allclose(state[indices], simulator.state(parameters), atol=1e-10)
    assert np.linalg.norm(state[indices]) == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("layers", [1, 2])
def test_adjoint_gradient_equals_finite_differences(layers):
    ansatz = layered_ansatz(uccsd(4, 2, 2), layers)
    sector = build_sector("jordan_wigner", 8, 2, 2)
    simulator = SectorSimulator(ansatz, sector, random_symmetric_hamiltonian(sector.dimension, 3))
    parameters = np.random.default_rng(4).normal(size=ansatz.n_parameters) * 0.3
    energy, gradient = simulator.energy_and_gradient(parameters)
    step = 1e-5
    finite = np.array([
        (simulator.energy(parameters + step * unit) - simulator.energy(parameters - step * unit))
        / (2 * step) for unit in np.eye(ansatz.n_parameters)])
    assert energy == pytest.approx(simulator.energy(parameters), abs=1e-12)
    np.testing.assert_allclose(gradient, finite, atol=1e-6)


def test_threaded_products_are_bit_identical():
    import scipy.sparse

    from qchemflow.quantum.simulator import MIN_STATES_PER_THREAD, RowBlockMatrix, threaded

    # 40000 rows with 20 entries each on average: 4 threads of 10000 rows, each at least
    # MIN_STATES_PER_THREAD (8192). (A Generator, not a seed: SciPy's legacy sampler draws a
    # permutation of all 1.6e9 positions and takes 80 s.)
    matrix = scipy.sparse.random(40000, 40000, density=5e-4, format="csr",
                                 random_state=np.random.default_rng(5))
    vector = np.random.default_rng(6).normal(size=40000)
    blocked = threaded(matrix, 4)
    assert isinstance(blocked, RowBlockMatrix)
    assert [block.shape[0] for block in blocked.blocks] == [10000] * 4
    # Bit-identical to SciPy's single-threaded product (array_equal, not allclose): the blocks
    # split rows, so every row's sum runs in the same order. Summing the same entries in another
    # order (e.g. splitting columns) changes the last bits of most rows.
    assert np.array_equal(blocked @ vector, matrix @ vector)
    # Fewer rows than two threads' worth (1000 < 2 * 8192): the matrix itself, not a copy.
    small = matrix[:1000, :1000]
    assert small.shape[0] < 2 * MIN_STATES_PER_THREAD
    assert threaded(small, 4) is small
