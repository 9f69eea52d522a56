"""Exact state-vector simulation of excitation circuits on the particle-number sector.

Every excitation gate ``exp(theta * c * (T - T^dagger))`` rotates pairs of sector basis states
``(b, b')`` with ``T|b> = sign |b'>``: ``psi_b <- cos psi_b - sign sin psi_b'`` and
``psi_b' <- cos psi_b' + sign sin psi_b``. States and Hamiltonian are real, gates are applied in
place on index pairs precomputed once, and gradients come from adjoint differentiation: one
forward sweep, one Hamiltonian product and one backward sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse

from qchemflow.quantum.ansatz import Ansatz, Excitation
from qchemflow.quantum.sector import Sector, pauli_arrays, z_parity


@dataclass(frozen=True)
class GatePairs:
    """Sector positions rotated by one excitation gate and the fermionic sign of each pair."""

    source: np.ndarray
    target: np.ndarray
    sign: np.ndarray
    parameter: int
    coefficient: float


def _apply_mode_operator(states: np.ndarray, mode: int, create: bool
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply a†_mode or a_mode to occupation strings: (valid mask, new strings, signs)."""
    bit = np.int64(1) << mode
    occupied = (states & bit) != 0
    valid = ~occupied if create else occupied
    below = np.bitwise_count(states & (bit - 1)) & 1
    return valid, states ^ bit, 1 - 2 * below.astype(np.int64)


def excitation_pairs(excitation: Excitation, sector: Sector) -> GatePairs:
    """The sector basis pairs (b, b') with T|b> = sign|b'> for one excitation."""
    states = sector.occupations.copy()
    valid = np.ones(states.shape, dtype=bool)
    sign = np.ones(states.shape, dtype=np.int64)
    operators = [(mode, True) for mode in excitation.creation] + \
                [(mode, False) for mode in excitation.annihilation]
    for mode, create in reversed(operators):  # the rightmost operator acts first
        ok, states, mode_sign = _apply_mode_operator(states, mode, create)
        valid &= ok
        sign *= mode_sign
    source = np.nonzero(valid)[0]
    target = np.searchsorted(sector.occupations, states[source])
    return GatePairs(source, target, sign[source].astype(float), excitation.parameter,
                     excitation.coefficient)


def pauli_rotation_pairs(string: tuple[tuple[int, str], ...], sector: Sector, parameter: int,
                         coefficient: float = 1.0) -> GatePairs:
    """exp(theta * i P) for a Pauli string P with an odd number of Y (so i P is real).

    i P maps |b> to sign(b) |b XOR x>; pairs are listed once, from the lower qubit index.
    """
    masks = pauli_arrays([(string, 1.0)], sector.n_qubits)
    x_mask, z_mask, y_count = (int(masks.x_masks[0]), int(masks.z_masks[0]),
                               int(masks.y_counts[0]))
    if y_count % 2 != 1 or x_mask == 0:
        raise ValueError(f"i P is not a real rotation for {string}")
    indices = sector.qubit_indices
    order = np.argsort(indices)
    sorted_indices = indices[order]
    targets = indices ^ x_mask
    found = np.minimum(np.searchsorted(sorted_indices, targets), sector.dimension - 1)
    keep = (sorted_indices[found] == targets) & (indices < targets)
    parity = z_parity(indices[keep], z_mask)
    # i * i^y * (-1)^{b.z}: real because y is odd.
    sign = np.real(1j * (1j ** (y_count % 4))) * parity
    return GatePairs(np.nonzero(keep)[0], order[found[keep]], sign.astype(float), parameter,
                     coefficient)


MIN_STATES_PER_THREAD = 8192


class RowBlockMatrix:
    """A sparse matrix whose products with a vector run on threads, one block of rows each.

    Each row's sum is the same as in the single-threaded product, so results are bit-identical.
    """

    def __init__(self, matrix: scipy.sparse.csr_matrix, threads: int):
        """Split ``matrix`` into ``threads`` row blocks."""
        from concurrent.futures import ThreadPoolExecutor

        self.matrix = matrix
        self.shape = matrix.shape
        bounds = np.linspace(0, matrix.shape[0], threads + 1).astype(int)
        self.blocks = [matrix[start:stop] for start, stop in zip(bounds, bounds[1:])]
        self.pool = ThreadPoolExecutor(threads)

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        return np.concatenate(list(self.pool.map(lambda block: block @ vector, self.blocks)))


def threaded(matrix: scipy.sparse.csr_matrix, threads: int) -> Any:
    """``matrix`` itself, or a :class:`RowBlockMatrix` when the threads have enough rows each."""
    usable = min(threads, matrix.shape[0] // MIN_STATES_PER_THREAD)
    return RowBlockMatrix(matrix, usable) if usable > 1 else matrix


class SectorSimulator:
    """Energies, gradients and states of an ansatz on a Hamiltonian's sector."""

    def __init__(self, ansatz: Ansatz, sector: Sector, hamiltonian: Any,
                 gates: list[GatePairs] | None = None):
        """Precompute the gate pairs and the reference state.

        Args:
            ansatz: reference occupation and excitations.
            sector: the basis states the ansatz stays in (fixed N_alpha, N_beta, or all states).
            hamiltonian: the Hamiltonian on those states (sparse, or a threaded wrapper).
            gates: rotations to use instead of the ansatz's excitations (e.g. Pauli rotations).
        """
        self.ansatz = ansatz
        self.sector = sector
        self.hamiltonian = hamiltonian
        self.gates = gates if gates is not None else [
            excitation_pairs(excitation, sector) for excitation in ansatz.excitations]
        reference = sum(1 << mode for mode in ansatz.occupied)
        position = int(np.searchsorted(sector.occupations, reference))
        if sector.occupations[position] != reference:
            raise ValueError("the reference determinant is not in the sector")
        self.reference_state = np.zeros(sector.dimension)
        self.reference_state[position] = 1.0
        self.energy_evaluations = 0
        self.gradient_evaluations = 0

    @staticmethod
    def rotate(state: np.ndarray, gate: GatePairs, angle: float) -> None:
        """Apply exp(angle * (T - T^dagger)) in place."""
        cosine, sine = np.cos(angle), np.sin(angle)
        source_values = state[gate.source]
        target_values = state[gate.target]
        state[gate.source] = cosine * source_values - sine * gate.sign * target_values
        state[gate.target] = cosine * target_values + sine * gate.sign * source_values

    @staticmethod
    def _generator(state: np.ndarray, gate: GatePairs) -> np.ndarray:
        """(T - T^dagger) state, as a new vector."""
        result = np.zeros_like(state)
        result[gate.target] = gate.sign * state[gate.source]
        result[gate.source] = -gate.sign * state[gate.target]
        return result

    def state(self, parameters: np.ndarray) -> np.ndarray:
        """The ansatz state for ``parameters`` (real amplitudes on the sector)."""
        state = self.reference_state.copy()
        for gate in self.gates:
            self.rotate(state, gate, gate.coefficient * parameters[gate.parameter])
        return state

    def energy(self, parameters: np.ndarray) -> float:
        """<psi|H|psi>."""
        self.energy_evaluations += 1
        state = self.state(parameters)
        return float(state @ (self.hamiltonian @ state))

    def energy_and_gradient(self, parameters: np.ndarray) -> tuple[float, np.ndarray]:
        """Energy and its exact gradient by adjoint differentiation."""
        self.energy_evaluations += 1
        self.gradient_evaluations += 1
        state = self.state(parameters)
        adjoint = self.hamiltonian @ state
        energy = float(state @ adjoint)
        gradient = np.zeros_like(parameters, dtype=float)
        for gate in reversed(self.gates):
            # d/dtheta <psi|H|psi> = 2 <lambda| c G |phi> with phi after this gate.
            derivative = (adjoint[gate.target] @ (gate.sign * state[gate.source])
                          - adjoint[gate.source] @ (gate.sign * state[gate.target]))
            gradient[gate.parameter] += 2.0 * gate.coefficient * derivative
            angle = -gate.coefficient * parameters[gate.parameter]
            self.rotate(state, gate, angle)
            self.rotate(adjoint, gate, angle)
        return energy, gradient
