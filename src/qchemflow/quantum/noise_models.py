"""Gate-level noise models of today's quantum hardware, as Cirq noise models.

A :class:`NoiseParameters` describes one device class (see the presets in ``config.yaml``,
``noise.presets``, each with its source):

- depolarising noise after every gate: ``cirq.depolarize(p1)`` on each qubit of a one-qubit gate
  and the two-qubit depolarising channel ``cirq.depolarize(p2, n_qubits=2)`` (each of the 15
  non-identity Pauli pairs with probability p2 / 15) after every two-qubit gate;
- thermal relaxation on every qubit, busy or idle, for the duration of each moment (one gate
  time, the two-qubit time when the moment holds a two-qubit gate; gates one after another for a
  serial device such as an ion chain): amplitude damping with gamma = 1 - exp(-t / T1) and pure
  dephasing (``cirq.phase_damp``) with gamma_phi = 1 - exp(-2 t / T_phi),
  1 / T_phi = 1 / T2 - 1 / (2 T1), so that a coherence decays as exp(-t / T2) in all
  (Nielsen & Chuang, section 8.3);
- readout bit flips with probability ``readout_error`` (symmetric), applied to the outcome
  distribution by :func:`readout_confusion` rather than as a channel: the device's readout is
  classical.

Rates are per gate as a device's calibration reports them; the gate times come from the hardware
stage's table (``hardware.gate_times``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cirq
import numpy as np


@dataclass(frozen=True)
class NoiseParameters:
    """One device's error rates and gate times.

    Attributes:
        one_qubit_depolarizing: depolarising probability after each one-qubit gate.
        two_qubit_depolarizing: two-qubit depolarising probability after each two-qubit gate.
        readout_error: probability that a measured bit is flipped.
        t1_us: energy relaxation time (microseconds); None: no relaxation.
        t2_us: coherence time (microseconds); None: no dephasing beyond T1's.
        single_qubit_s: one-qubit gate time (seconds).
        two_qubit_s: two-qubit gate time (seconds).
        serial: gates run one after another (an ion chain), not a moment at a time.
    """

    one_qubit_depolarizing: float
    two_qubit_depolarizing: float
    readout_error: float
    t1_us: float | None
    t2_us: float | None
    single_qubit_s: float
    two_qubit_s: float
    serial: bool

    def __post_init__(self) -> None:
        for name in ("one_qubit_depolarizing", "two_qubit_depolarizing", "readout_error"):
            value = getattr(self, name)
            if not 0.0 <= value < 0.5:
                raise ValueError(f"noise.{name} = {value}: a probability in [0, 0.5) is needed")
        if self.t1_us is not None and self.t1_us <= 0:
            raise ValueError(f"noise.t1_us = {self.t1_us}: must be positive (or null)")
        if self.t2_us is not None:
            limit = 2 * self.t1_us if self.t1_us is not None else math.inf
            if not 0 < self.t2_us <= limit:
                raise ValueError(f"noise.t2_us = {self.t2_us}: must be positive and at most "
                                 "2 T1 (T2 <= 2 T1 for any physical qubit)")

    def with_two_qubit_depolarizing(self, rate: float) -> NoiseParameters:
        """The same device with another two-qubit error rate."""
        return dataclasses.replace(self, two_qubit_depolarizing=rate)

    def relaxation(self, duration_s: float) -> tuple[float, float]:
        """(amplitude-damping gamma, phase-damping gamma) over ``duration_s``."""
        if self.t1_us is None and self.t2_us is None:
            return 0.0, 0.0
        t1 = self.t1_us * 1e-6 if self.t1_us is not None else math.inf
        t2 = self.t2_us * 1e-6 if self.t2_us is not None else 2 * t1
        amplitude = -math.expm1(-duration_s / t1)
        dephasing_rate = 1.0 / t2 - 1.0 / (2.0 * t1)
        phase = -math.expm1(-2.0 * duration_s * dephasing_rate) if dephasing_rate > 0 else 0.0
        return amplitude, phase

    @property
    def is_noiseless(self) -> bool:
        """No gate, relaxation or readout error at all."""
        return (self.one_qubit_depolarizing == 0 and self.two_qubit_depolarizing == 0
                and self.readout_error == 0 and self.relaxation(1.0) == (0.0, 0.0))


def _channel_axes_last(args: cirq.ApplyChannelArgs) -> tuple[np.ndarray, list[int], int]:
    """The target tensor with the channel's row and column axes moved last and merged into a
    (d, d) matrix per remaining index; the permutation and d."""
    axes = list(args.left_axes) + list(args.right_axes)
    tensor = np.moveaxis(args.target_tensor, axes, list(range(-len(axes), 0)))
    dimension = 2 ** len(args.left_axes)
    return tensor.reshape(tensor.shape[:-len(axes)] + (dimension, dimension)), axes, dimension


def _channel_axes_back(matrix: np.ndarray, args: cirq.ApplyChannelArgs, axes: list[int]
                       ) -> np.ndarray:
    """Undo :func:`_channel_axes_last` into ``args.out_buffer``."""
    tensor = matrix.reshape(matrix.shape[:-2] + (2,) * len(axes))
    args.out_buffer[...] = np.moveaxis(tensor, list(range(-len(axes), 0)), axes)
    return args.out_buffer


class DepolarizingChannel(cirq.DepolarizingChannel):
    """``cirq.depolarize`` with a fast density-matrix update.

    Cirq applies the channel to a density matrix as its 4^n-term Pauli mixture; the same map is
    rho -> (1 - lambda) rho + lambda Tr_q(rho) (x) I / 2^n with lambda = p 4^n / (4^n - 1), one
    partial trace (about 30 times faster for two qubits; the tests check they agree). Trajectory
    simulators (qsim) use the mixture, unchanged.
    """

    def _apply_channel_(self, args: cirq.ApplyChannelArgs) -> np.ndarray:
        matrix, axes, dimension = _channel_axes_last(args)
        strength = self.p * dimension ** 2 / (dimension ** 2 - 1)
        traced = np.trace(matrix, axis1=-2, axis2=-1)[..., np.newaxis, np.newaxis]
        result = (1 - strength) * matrix + strength / dimension * traced * np.eye(dimension)
        return _channel_axes_back(result, args, axes)


class ThermalRelaxationChannel(cirq.Gate):
    """Amplitude damping (gamma) followed by phase damping (gamma_phi) on one qubit.

    Kraus operators: those of ``cirq.phase_damp(gamma_phi)`` times those of
    ``cirq.amplitude_damp(gamma)``. On a density matrix: rho_00 += gamma rho_11,
    rho_11 *= 1 - gamma, rho_01 *= sqrt((1 - gamma)(1 - gamma_phi)), applied in place.
    """

    def __init__(self, gamma: float, gamma_phi: float) -> None:
        self.gamma = gamma
        self.gamma_phi = gamma_phi

    def _num_qubits_(self) -> int:
        return 1

    def _kraus_(self) -> list[np.ndarray]:
        return [phase @ amplitude for phase in cirq.kraus(cirq.phase_damp(self.gamma_phi))
                for amplitude in cirq.kraus(cirq.amplitude_damp(self.gamma))]

    def _has_kraus_(self) -> bool:
        return True

    def _apply_channel_(self, args: cirq.ApplyChannelArgs) -> np.ndarray:
        matrix, axes, _ = _channel_axes_last(args)
        result = matrix.copy()
        result[..., 0, 0] += self.gamma * matrix[..., 1, 1]
        result[..., 1, 1] *= 1 - self.gamma
        coherence = math.sqrt((1 - self.gamma) * (1 - self.gamma_phi))
        result[..., 0, 1] *= coherence
        result[..., 1, 0] *= coherence
        return _channel_axes_back(result, args, axes)

    def _circuit_diagram_info_(self, args: cirq.CircuitDiagramInfoArgs) -> str:
        return f"T({self.gamma:.2g},{self.gamma_phi:.2g})"


class DeviceNoiseModel(cirq.NoiseModel):
    """Depolarising gate errors and thermal relaxation per moment (:class:`NoiseParameters`)."""

    def __init__(self, parameters: NoiseParameters) -> None:
        self.parameters = parameters

    def moment_duration(self, moment: cirq.Moment) -> float:
        """How long the moment takes: its slowest gate, or all its gates for a serial device."""
        times = [self.parameters.two_qubit_s if len(operation.qubits) == 2
                 else self.parameters.single_qubit_s for operation in moment.operations]
        if not times:
            return 0.0
        return float(sum(times)) if self.parameters.serial else max(times)

    def gate_errors(self, moment: cirq.Moment) -> list[cirq.Operation]:
        """The depolarising channels after the moment's gates."""
        errors = []
        for operation in moment.operations:
            if len(operation.qubits) == 1 and self.parameters.one_qubit_depolarizing > 0:
                errors.append(DepolarizingChannel(self.parameters.one_qubit_depolarizing)
                              .on(*operation.qubits))
            elif len(operation.qubits) == 2 and self.parameters.two_qubit_depolarizing > 0:
                errors.append(DepolarizingChannel(self.parameters.two_qubit_depolarizing,
                                                  n_qubits=2).on(*operation.qubits))
            elif len(operation.qubits) > 2:
                raise ValueError(f"{operation}: compile the circuit to one- and two-qubit gates "
                                 "before adding noise")
        return errors

    def noisy_moment(self, moment: cirq.Moment, system_qubits: Sequence[cirq.Qid]
                     ) -> cirq.OP_TREE:
        """The moment, its gate errors, then relaxation of every qubit for its duration."""
        if cirq.is_measurement(moment):
            return [moment]
        noisy: list[cirq.OP_TREE] = [moment]
        errors = self.gate_errors(moment)
        if errors:
            noisy.append(cirq.Moment(errors))
        amplitude, phase = self.parameters.relaxation(self.moment_duration(moment))
        if amplitude > 0 or phase > 0:
            noisy.append(cirq.Moment(ThermalRelaxationChannel(amplitude, phase).on(qubit)
                                     for qubit in system_qubits))
        return noisy


def readout_confusion(probabilities: np.ndarray, n_qubits: int, flip: float) -> np.ndarray:
    """The outcome distribution after each bit flips independently with probability ``flip``."""
    if flip == 0:
        return probabilities
    confusion = np.array([[1 - flip, flip], [flip, 1 - flip]])
    tensor = probabilities.reshape((-1,) + (2,) * n_qubits)
    for qubit in range(n_qubits):
        tensor = np.moveaxis(np.tensordot(confusion, tensor, axes=([1], [qubit + 1])), 0,
                             qubit + 1)
    return tensor.reshape(probabilities.shape)
