"""Noisy simulation: the trajectory ensemble is an unbiased estimate of the exact density
matrix, reproducible from its seed."""

import cirq
import numpy as np
import openfermion
import pytest

from qchemflow.quantum.noise_models import DeviceNoiseModel, NoiseParameters
from qchemflow.quantum.noisy_simulation import choose_method, simulate_noisy, trajectory_seeds
from qchemflow.quantum.sector import density_matrix_expectation, full_space_expectations, pauli_terms

QUBITS = cirq.LineQubit.range(3)
CIRCUIT = cirq.Circuit([cirq.PhasedXZGate(x_exponent=0.4, z_exponent=0.1,
                                          axis_phase_exponent=0.3).on(QUBITS[0]),
                        cirq.CZ(QUBITS[0], QUBITS[1]), cirq.H(QUBITS[2]),
                        cirq.CZ(QUBITS[1], QUBITS[2]), cirq.X(QUBITS[1]) ** 0.3])
OPERATOR = (openfermion.QubitOperator("Z0 Z1", 0.7) + openfermion.QubitOperator("X1 Y2", -0.4)
            + openfermion.QubitOperator("Y0", 0.2) + openfermion.QubitOperator("", 0.1))


def strong_noise(**overrides):
    values = dict(one_qubit_depolarizing=0.02, two_qubit_depolarizing=0.08, readout_error=0.0,
                  t1_us=1.0, t2_us=1.5, single_qubit_s=3e-8, two_qubit_s=7e-8, serial=False)
    values.update(overrides)
    return DeviceNoiseModel(NoiseParameters(**values))


def test_noiseless_density_matrix_is_the_pure_state():
    # Identity: without noise, rho = |psi><psi| (psi from Cirq's state-vector simulator).
    quiet = strong_noise(one_qubit_depolarizing=0, two_qubit_depolarizing=0, t1_us=None,
                         t2_us=None)
    state = simulate_noisy(CIRCUIT, quiet, 3, "density_matrix", 0, 0)
    psi = cirq.final_state_vector(CIRCUIT, qubit_order=QUBITS, dtype=np.complex128)
    assert np.abs(state.density_matrix - np.outer(psi, psi.conj())).max() < 1e-12
    for basis in ((), ((0, "X"), (2, "Y"))):
        rotated = cirq.final_state_vector(
            CIRCUIT + cirq.Circuit(cirq.H(QUBITS[0]), cirq.S(QUBITS[2]) ** -1, cirq.H(QUBITS[2]))
            if basis else CIRCUIT, qubit_order=QUBITS, dtype=np.complex128)
        assert np.abs(state.basis_probabilities(basis)[0] - np.abs(rotated) ** 2).max() < 1e-12


def test_trajectories_estimate_the_density_matrix_without_bias():
    # Identity: the trajectory mean of <H> is an unbiased estimate of Tr(rho H); with K
    # trajectories it lies within a few standard errors (their spread / sqrt(K)).
    terms = pauli_terms(OPERATOR, 3)
    model = strong_noise()
    exact = density_matrix_expectation(
        terms, simulate_noisy(CIRCUIT, model, 3, "density_matrix", 0, 0).density_matrix)
    ensemble = simulate_noisy(CIRCUIT, model, 3, "trajectories", 4000, seed=5)
    energies = full_space_expectations(terms, ensemble.trajectories.astype(complex))
    error = energies.std(ddof=1) / np.sqrt(energies.size)
    assert error > 1e-3  # the noise is strong enough for the test to mean something
    assert abs(energies.mean() - exact) < 4 * error
    # The same for the outcome distribution of a measured basis.
    probabilities = ensemble.basis_probabilities(((1, "X"),))
    exact_probabilities = simulate_noisy(CIRCUIT, model, 3, "density_matrix", 0, 0
                                         ).basis_probabilities(((1, "X"),))[0]
    spread = probabilities.std(axis=0, ddof=1) / np.sqrt(probabilities.shape[0])
    assert np.all(np.abs(probabilities.mean(axis=0) - exact_probabilities) < 4 * spread + 1e-6)


def test_trajectories_are_reproducible_from_the_seed():
    model = strong_noise()
    first = simulate_noisy(CIRCUIT, model, 3, "trajectories", 50, seed=11)
    again = simulate_noisy(CIRCUIT, model, 3, "trajectories", 50, seed=11)
    other = simulate_noisy(CIRCUIT, model, 3, "trajectories", 50, seed=12)
    assert np.array_equal(first.trajectories, again.trajectories)
    assert not np.array_equal(first.trajectories, other.trajectories)
    assert trajectory_seeds(11, 3) == trajectory_seeds(11, 3)
    assert first.n_trajectories == 50


def test_method_choice_and_unknown_method():
    assert choose_method(10, 10) == "density_matrix"
    assert choose_method(12, 10) == "trajectories"
    with pytest.raises(ValueError, match="unknown"):
        simulate_noisy(CIRCUIT, strong_noise(), 3, "tensor_network", 1, 0)
