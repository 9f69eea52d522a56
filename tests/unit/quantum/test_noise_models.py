"""Noise models: each channel against Cirq's own, relaxation against its closed form."""

import math

import cirq
import numpy as np
import pytest

from qchemflow.quantum.noise_models import (DepolarizingChannel, DeviceNoiseModel,
                                            NoiseParameters, ThermalRelaxationChannel,
                                            readout_confusion)


def parameters(**overrides):
    values = dict(one_qubit_depolarizing=1e-3, two_qubit_depolarizing=1e-2, readout_error=0.02,
                  t1_us=50.0, t2_us=70.0, single_qubit_s=3e-8, two_qubit_s=7e-8, serial=False)
    values.update(overrides)
    return NoiseParameters(**values)


def random_density_matrix(n_qubits, seed):
    rng = np.random.default_rng(seed)
    dimension = 1 << n_qubits
    matrix = rng.normal(size=(dimension, dimension)) + 1j * rng.normal(size=(dimension, dimension))
    rho = matrix @ matrix.conj().T
    return rho / np.trace(rho)


def evolve(operations, rho, qubits):
    simulator = cirq.DensityMatrixSimulator(dtype=np.complex128)
    return simulator.simulate(cirq.Circuit(operations), initial_state=rho.copy(),
                              qubit_order=qubits).final_density_matrix


@pytest.mark.parametrize("targets", [(1,), (0, 2), (2, 1)])
def test_fast_depolarizing_equals_cirqs_pauli_mixture(targets):
    # Reference: cirq.depolarize applied as its 4^n-term Pauli mixture by Cirq.
    qubits = cirq.LineQubit.range(3)
    rho = random_density_matrix(3, seed=len(targets))
    on = [qubits[index] for index in targets]
    ours = evolve([DepolarizingChannel(0.07, n_qubits=len(on)).on(*on)], rho, qubits)
    cirqs = evolve([cirq.depolarize(0.07, n_qubits=len(on)).on(*on)], rho, qubits)
    assert np.abs(ours - cirqs).max() < 1e-14
    # The mixture qsim samples is Cirq's, unchanged.
    assert cirq.mixture(DepolarizingChannel(0.07))[1][0] == pytest.approx(0.07 / 3)


def test_thermal_relaxation_equals_amplitude_then_phase_damping():
    # Reference: Cirq's amplitude_damp followed by phase_damp, and the channel's own Kraus
    # operators (which qsim's trajectories use) summed by hand.
    qubits = cirq.LineQubit.range(2)
    rho = random_density_matrix(2, seed=3)
    channel = ThermalRelaxationChannel(0.12, 0.05)
    ours = evolve([channel.on(qubits[1])], rho, qubits)
    cirqs = evolve([cirq.amplitude_damp(0.12).on(qubits[1]), cirq.phase_damp(0.05).on(qubits[1])],
                   rho, qubits)
    assert np.abs(ours - cirqs).max() < 1e-15
    kraus = [np.kron(np.eye(2), operator) for operator in cirq.kraus(channel)]
    assert np.abs(sum(k @ rho @ k.conj().T for k in kraus) - ours).max() < 1e-15
    assert np.abs(sum(k.conj().T @ k for k in cirq.kraus(channel)) - np.eye(2)).max() < 1e-15


def test_relaxation_decays_populations_with_t1_and_coherences_with_t2():
    # Closed form (Nielsen & Chuang 8.3): P(1) decays as exp(-t/T1), |rho_01| as exp(-t/T2).
    noise = parameters()
    duration = 20e-6
    amplitude, phase = noise.relaxation(duration)
    qubit = cirq.LineQubit(0)
    plus = np.full((2, 2), 0.5, dtype=complex)
    rho = evolve([ThermalRelaxationChannel(amplitude, phase).on(qubit)], plus, [qubit])
    assert rho[1, 1] == pytest.approx(0.5 * math.exp(-duration / 50e-6), rel=1e-12)
    assert abs(rho[0, 1]) == pytest.approx(0.5 * math.exp(-duration / 70e-6), rel=1e-12)
    assert parameters(t1_us=None, t2_us=None).relaxation(1.0) == (0.0, 0.0)
    # T2 alone: pure dephasing (no T1).
    amplitude, phase = parameters(t1_us=None, t2_us=10.0).relaxation(duration)
    assert amplitude == 0 and math.sqrt(1 - phase) == pytest.approx(math.exp(-2.0), rel=1e-12)


def test_parameters_are_checked():
    with pytest.raises(ValueError, match="2 T1"):
        parameters(t2_us=120.0)
    with pytest.raises(ValueError, match="readout_error"):
        parameters(readout_error=0.6)
    with pytest.raises(ValueError, match="t1_us"):
        parameters(t1_us=0.0)
    assert parameters(one_qubit_depolarizing=0, two_qubit_depolarizing=0, readout_error=0,
                      t1_us=None, t2_us=None).is_noiseless


def test_device_noise_model_adds_gate_errors_and_relaxation_per_moment():
    qubits = cirq.LineQubit.range(3)
    circuit = cirq.Circuit([cirq.Moment([cirq.CZ(qubits[0], qubits[1]), cirq.X(qubits[2])]),
                            cirq.Moment([cirq.H(qubits[0])])])
    model = DeviceNoiseModel(parameters())
    assert model.moment_duration(circuit[0]) == 7e-8
    assert DeviceNoiseModel(parameters(serial=True)).moment_duration(circuit[0]) == 1e-7
    noisy = cirq.Circuit(model.noisy_moments(circuit, qubits))
    depolarizing = [op for op in noisy.all_operations() if isinstance(op.gate, DepolarizingChannel)]
    relaxation = [op for op in noisy.all_operations()
                  if isinstance(op.gate, ThermalRelaxationChannel)]
    assert sorted(len(op.qubits) for op in depolarizing) == [1, 1, 2]
    assert len(relaxation) == 6  # every qubit, idle ones included, after each moment
    with pytest.raises(ValueError, match="compile"):
        model.gate_errors(cirq.Moment([cirq.CCZ(*qubits)]))


def test_readout_confusion_is_the_tensor_product_of_bit_flips():
    # Reference: the Kronecker product of one 2x2 confusion matrix per qubit.
    flip = 0.03
    probabilities = np.random.default_rng(1).dirichlet(np.ones(8))
    one = np.array([[1 - flip, flip], [flip, 1 - flip]])
    expected = np.kron(np.kron(one, one), one) @ probabilities
    assert np.allclose(readout_confusion(probabilities, 3, flip), expected, atol=1e-15)
    batch = np.stack([probabilities, probabilities[::-1]])
    assert np.allclose(readout_confusion(batch, 3, flip)[1],
                       np.kron(np.kron(one, one), one) @ probabilities[::-1], atol=1e-15)
