"""Simulating a compiled circuit under a noise model: the exact density matrix where it fits,
quantum trajectories (qsim) beyond.

- ``density_matrix``: Cirq's ``DensityMatrixSimulator`` (complex128): the noisy state exactly.
- ``trajectories``: qsim samples one Kraus operator per channel and runs the circuit as a pure
  state (Dalibard, Castin & Mølmer, PRL 68, 580 (1992)); the mean over K trajectories of
  |psi_k><psi_k| is an unbiased estimate of the density matrix. The circuit is translated for
  qsim once and each trajectory has its own seed, drawn from the stage's seed, so the ensemble is
  reproducible. States are single precision (qsim's), ~1e-7 relative.

Either way a measurement basis (a qubit-wise group's rotations) gives the distribution of the
2^n outcomes; for trajectories also each trajectory's own, whose spread is the statistical error
the finite ensemble adds to any energy.
"""

from __future__ import annotations

from dataclasses import dataclass

import cirq
import numpy as np
import qsimcirq

from qchemflow.quantum.measurement import BASIS_CHANGES
from qchemflow.quantum.noise_models import DeviceNoiseModel

METHODS = ("density_matrix", "trajectories")


@dataclass(frozen=True)
class NoisyState:
    """The noisy circuit's final state: a density matrix or an ensemble of trajectories.

    Attributes:
        method: ``density_matrix`` or ``trajectories``.
        n_qubits: qubits (Cirq order: qubit 0 is the leading bit of an outcome index).
        density_matrix: 2^n x 2^n (``density_matrix`` only).
        trajectories: K x 2^n pure states (``trajectories`` only).
    """

    method: str
    n_qubits: int
    density_matrix: np.ndarray | None
    trajectories: np.ndarray | None

    @property
    def n_trajectories(self) -> int | None:
        """K, or None for the exact density matrix."""
        return None if self.trajectories is None else int(self.trajectories.shape[0])

    def basis_probabilities(self, basis: tuple[tuple[int, str], ...]) -> np.ndarray:
        """Per trajectory (K x 2^n), or exactly (1 x 2^n), the outcome probabilities after the
        basis changes of ``basis`` (X -> H, Y -> H S^dagger, the readout itself ideal)."""
        n = self.n_qubits
        if self.trajectories is not None:
            tensor = self.trajectories.reshape((-1,) + (2,) * n)
            for qubit, pauli in basis:
                if pauli in BASIS_CHANGES:
                    tensor = np.moveaxis(np.tensordot(BASIS_CHANGES[pauli].astype(tensor.dtype),
                                                      tensor, axes=([1], [qubit + 1])),
                                         0, qubit + 1)
            return (np.abs(tensor.reshape(tensor.shape[0], -1)) ** 2).astype(float)
        assert self.density_matrix is not None
        tensor = self.density_matrix.reshape((2,) * (2 * n))
        for qubit, pauli in basis:
            if pauli in BASIS_CHANGES:
                change = BASIS_CHANGES[pauli]
                tensor = np.moveaxis(np.tensordot(change, tensor, axes=([1], [qubit])), 0, qubit)
                tensor = np.moveaxis(np.tensordot(change.conj(), tensor, axes=([1], [n + qubit])),
                                     0, n + qubit)
        diagonal = np.real(np.diagonal(tensor.reshape(1 << n, 1 << n)))
        return np.clip(diagonal, 0.0, None)[np.newaxis, :]


def trajectory_seeds(seed: int, count: int) -> list[int]:
    """One 31-bit seed per trajectory, drawn from ``seed`` (qsim takes 32-bit seeds)."""
    return [int(value) for value in
            np.random.default_rng(seed).integers(0, 2 ** 31 - 1, size=count)]


def simulate_density_matrix(noisy: cirq.Circuit, qubits: list[cirq.Qid]) -> np.ndarray:
    """The exact final density matrix of a circuit with channels (Cirq, complex128)."""
    result = cirq.DensityMatrixSimulator(dtype=np.complex128).simulate(noisy, qubit_order=qubits)
    return np.asarray(result.final_density_matrix, dtype=complex)


def simulate_trajectories(noisy: cirq.Circuit, qubits: list[cirq.Qid], count: int, seed: int,
                          threads: int) -> np.ndarray:
    """K final states of quantum trajectories (qsim, complex64), one seed each.

    The circuit is translated once and handed to qsim's trajectory simulator per seed, which is
    what ``QSimSimulator.simulate`` does for one trajectory (it would translate the circuit
    again on every call: ~2 s for 8000 noisy operations, against ~15 ms to run them).
    """
    simulator = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=threads))
    translated, _ = qsimcirq.QSimCircuit(noisy).translate_cirq_to_qtrajectory(
        cirq.QubitOrder.as_qubit_order(qubits).order_for(noisy.all_qubits()))
    options = dict(simulator.qsim_options)
    options["c"] = translated
    states = np.empty((count, 1 << len(qubits)), dtype=np.complex64)
    for index, trajectory_seed in enumerate(trajectory_seeds(seed, count)):
        options["s"] = trajectory_seed
        states[index] = simulator._sim_module.qtrajectory_simulate_fullstate(options, 0).view(
            np.complex64)
    return states


def simulate_noisy(circuit: cirq.Circuit, model: DeviceNoiseModel, n_qubits: int, method: str,
                   trajectories: int, seed: int, threads: int = 1) -> NoisyState:
    """The circuit's final state under ``model`` on ``n_qubits`` line qubits.

    Raises:
        ValueError: unknown method.
    """
    qubits: list[cirq.Qid] = list(cirq.LineQubit.range(n_qubits))
    # Every qubit takes part (idle ones relax too), whatever the circuit touches.
    noisy = cirq.Circuit(model.noisy_moments(circuit, qubits))
    noisy.append(cirq.I.on_each(*qubits))
    if method == "density_matrix":
        return NoisyState(method, n_qubits, simulate_density_matrix(noisy, qubits), None)
    if method == "trajectories":
        return NoisyState(method, n_qubits, None,
                          simulate_trajectories(noisy, qubits, trajectories, seed, threads))
    raise ValueError(f"unknown noisy simulation method '{method}'; use one of {METHODS}")


def choose_method(n_qubits: int, density_matrix_max_qubits: int) -> str:
    """``density_matrix`` up to the configured size, ``trajectories`` beyond."""
    return "density_matrix" if n_qubits <= density_matrix_max_qubits else "trajectories"
