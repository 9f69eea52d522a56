"""The sector simulator against Cirq's state vector, and adjoint gradients against finite differences."""

import cirq
import numpy as np
import pytest

from qchemflow.quantum.ansatz import uccsd
from qchemflow.quantum.circuits import ansatz_circuit, ansatz_from_circuit
from qchemflow.quantum.sector import build_sector, jordan_wigner_qubit_indices
from qchemflow.quantum.simulator import SectorSimulator
from qchemflow.quantum.vqe import layered_ansatz


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
    indices = jordan_wigner_qubit_indices(sector.occupations, 2 * n_orbitals)
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

    from qchemflow.quantum.simulator import RowBlockMatrix, threaded

    matrix = scipy.sparse.random(20000, 20000, density=1e-3, format="csr", random_state=5)
    vector = np.random.default_rng(6).normal(size=20000)
    blocked = threaded(matrix, 2)
    assert isinstance(blocked, RowBlockMatrix)
    assert np.array_equal(blocked @ vector, matrix @ vector)
    assert threaded(matrix[:1000, :1000], 4) is not None  # small: the matrix itself
    assert not isinstance(threaded(matrix[:1000, :1000], 4), RowBlockMatrix)
