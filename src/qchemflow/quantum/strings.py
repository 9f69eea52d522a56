"""The sector as a CI matrix of alpha strings by beta strings, and excitation gates on it.

A sector state with alpha string I and beta string J (bit i: orbital i occupied) sits at row
``address(I)``, column ``address(J)`` of an (alpha strings) x (beta strings) matrix, strings in
ascending order as in PySCF's ``cistring``. Amplitudes follow PySCF's convention: every alpha
creation operator stands left of every beta one, ``|I, J> = A+(I) B+(J)|0>``. The sector's own
order (:mod:`qchemflow.quantum.sector`) interleaves the modes (2i alpha, 2i+1 beta); the two
differ by the sign (-1)^(pairs of a beta electron in orbital j and an alpha electron in orbital
i > j), applied once on the way in and out (:class:`StringLayout`).

An excitation ``T`` that conserves N_alpha and N_beta factors into an alpha part and a beta part,
so its gate rotates the pairs (I, J) -> (I', J') of the product of an alpha-string pair list and
a beta-string pair list: a few thousand index pairs per gate where the sector's pair list
(:class:`qchemflow.quantum.simulator.GatePairs`) holds one per rotated state. The compiled
kernels below apply a gate, and a gate's gradient contribution fused with the backward step of
adjoint differentiation, on threads over the alpha pairs; every sum is taken per alpha pair and
then added in a fixed order, so results do not depend on the thread count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import scipy.sparse

from qchemflow.quantum.ansatz import Ansatz, Excitation
from qchemflow.quantum.sector import Sector


def set_threads(threads: int) -> None:
    """Run the kernels on ``threads`` threads (at most the ones Numba started)."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]


def spin_strings(occupations: np.ndarray, n_orbitals: int, spin: int) -> np.ndarray:
    """The alpha (``spin`` 0) or beta (1) string of interleaved occupations: bit i = orbital i."""
    strings = np.zeros_like(occupations)
    for orbital in range(n_orbitals):
        strings |= ((occupations >> (2 * orbital + spin)) & 1) << orbital
    return strings


def interleaving_signs(occupations: np.ndarray, n_orbitals: int) -> np.ndarray:
    """(-1)^(pairs of a beta electron in orbital j and an alpha electron in orbital i > j): the
    sign between the interleaved mode order and alpha-before-beta."""
    alpha_above = np.zeros_like(occupations)
    crossings = np.zeros_like(occupations)
    for orbital in reversed(range(n_orbitals)):
        crossings += ((occupations >> (2 * orbital + 1)) & 1) * alpha_above
        alpha_above += (occupations >> (2 * orbital)) & 1
    return (1 - 2 * (crossings & 1)).astype(float)


@dataclass(frozen=True)
class StringLayout:
    """Where each sector state sits in the CI matrix, and its sign there.

    ``positions[k]`` is the flat CI index (row-major) of sector state k, ``signs[k]`` the factor
    between its sector amplitude and its CI amplitude.
    """

    n_orbitals: int
    alpha_strings: np.ndarray
    beta_strings: np.ndarray
    positions: np.ndarray
    signs: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(alpha strings, beta strings)."""
        return int(self.alpha_strings.size), int(self.beta_strings.size)

    @property
    def dimension(self) -> int:
        """Number of sector states."""
        return int(self.positions.size)

    def to_ci(self, sector_vector: np.ndarray) -> np.ndarray:
        """A sector vector as a flat CI vector."""
        ci_vector = np.empty(self.dimension, dtype=sector_vector.dtype)
        ci_vector[self.positions] = self.signs * sector_vector
        return ci_vector

    def to_sector(self, ci_vector: np.ndarray) -> np.ndarray:
        """A flat CI vector as a sector vector."""
        return self.signs * ci_vector[self.positions]


def string_layout(sector: Sector) -> StringLayout:
    """The CI layout of a fixed-(N_alpha, N_beta) sector.

    Raises:
        ValueError: the sector does not fix the electron counts (the full 2^n space).
    """
    if sector.n_alpha < 0 or sector.n_beta < 0:
        raise ValueError("the CI layout needs fixed alpha and beta electron counts")
    n_orbitals = sector.n_qubits // 2
    alpha = spin_strings(sector.occupations, n_orbitals, 0)
    beta = spin_strings(sector.occupations, n_orbitals, 1)
    alpha_strings, beta_strings = np.unique(alpha), np.unique(beta)
    positions = (np.searchsorted(alpha_strings, alpha) * beta_strings.size
                 + np.searchsorted(beta_strings, beta))
    return StringLayout(n_orbitals, alpha_strings, beta_strings, positions,
                        interleaving_signs(sector.occupations, n_orbitals))


@dataclass(frozen=True)
class StringPairs:
    """Strings (I -> I') that one spin's part of an excitation connects, with its sign."""

    source: np.ndarray
    target: np.ndarray
    sign: np.ndarray


@dataclass(frozen=True)
class StringGate:
    """One excitation gate on the CI matrix: the product of its alpha and beta string pairs,
    times ``sign`` (moving its alpha operators left of its beta ones)."""

    alpha: StringPairs
    beta: StringPairs
    sign: float
    parameter: int
    coefficient: float


def identity_pairs(size: int) -> StringPairs:
    """Every string to itself: the part of an excitation with no operator of that spin."""
    indices = np.arange(size, dtype=np.int64)
    return StringPairs(indices, indices, np.ones(size))


def string_pairs(strings: np.ndarray, operators: list[tuple[int, bool]]) -> StringPairs:
    """The strings on which ``operators`` ((orbital, creation?) in written order) do not vanish,
    where each goes, and the sign (operators in ascending orbital order, as in A+(I))."""
    states = strings.copy()
    valid = np.ones(states.shape, dtype=bool)
    sign = np.ones(states.shape, dtype=np.int64)
    for orbital, create in reversed(operators):  # the rightmost operator acts first
        bit = np.int64(1) << orbital
        occupied = (states & bit) != 0
        valid &= ~occupied if create else occupied
        sign *= 1 - 2 * (np.bitwise_count(states & (bit - 1)) & 1).astype(np.int64)
        states = states ^ bit
    source = np.nonzero(valid)[0]
    return StringPairs(source, np.searchsorted(strings, states[source]),
                       sign[source].astype(float))


def string_gate(excitation: Excitation, layout: StringLayout,
                identities: tuple[StringPairs, StringPairs] | None = None) -> StringGate:
    """The CI-matrix gate of one excitation (``identities``: shared identity pair lists).

    Raises:
        ValueError: the excitation changes N_alpha or N_beta.
    """
    operators = [(mode, True) for mode in excitation.creation] + \
                [(mode, False) for mode in excitation.annihilation]
    alpha_ops = [(mode // 2, create) for mode, create in operators if mode % 2 == 0]
    beta_ops = [(mode // 2, create) for mode, create in operators if mode % 2 == 1]
    for part in (alpha_ops, beta_ops):
        if sum(1 if create else -1 for _, create in part):
            raise ValueError(f"excitation {excitation} changes an electron count")
    # Each beta operator moves right past the alpha operators written after it.
    crossings = sum(sum(1 for later, _ in operators[position + 1:] if later % 2 == 0)
                    for position, (mode, _) in enumerate(operators) if mode % 2 == 1)
    identities = identities or (identity_pairs(layout.shape[0]), identity_pairs(layout.shape[1]))
    alpha = string_pairs(layout.alpha_strings, alpha_ops) if alpha_ops else identities[0]
    beta = string_pairs(layout.beta_strings, beta_ops) if beta_ops else identities[1]
    return StringGate(alpha, beta, float(1 - 2 * (crossings % 2)), excitation.parameter,
                      excitation.coefficient)


def string_gates(excitations: tuple[Excitation, ...], layout: StringLayout) -> list[StringGate]:
    """The gates of ``excitations``, sharing one identity pair list per spin."""
    identities = (identity_pairs(layout.shape[0]), identity_pairs(layout.shape[1]))
    return [string_gate(excitation, layout, identities) for excitation in excitations]


@numba.njit(parallel=True, cache=True, nogil=True)
def _rotate(matrix: np.ndarray, alpha_source: np.ndarray, alpha_target: np.ndarray,
            alpha_sign: np.ndarray, beta_source: np.ndarray, beta_target: np.ndarray,
            beta_sign: np.ndarray, cosine: float, sine: float) -> None:  # pragma: no cover
    for pair in numba.prange(alpha_source.size):
        row, row_to = alpha_source[pair], alpha_target[pair]
        for column in range(beta_source.size):
            column_from, column_to = beta_source[column], beta_target[column]
            signed_sine = sine * alpha_sign[pair] * beta_sign[column]
            source = matrix[row, column_from]
            target = matrix[row_to, column_to]
            matrix[row, column_from] = cosine * source - signed_sine * target
            matrix[row_to, column_to] = cosine * target + signed_sine * source


@numba.njit(parallel=True, cache=True, nogil=True)
def _derivative_and_rotate(state: np.ndarray, adjoint: np.ndarray, alpha_source: np.ndarray,
                           alpha_target: np.ndarray, alpha_sign: np.ndarray,
                           beta_source: np.ndarray, beta_target: np.ndarray,
                           beta_sign: np.ndarray, cosine: float, sine: float,
                           partial: np.ndarray) -> None:  # pragma: no cover
    for pair in numba.prange(alpha_source.size):
        row, row_to = alpha_source[pair], alpha_target[pair]
        total = 0.0
        for column in range(beta_source.size):
            column_from, column_to = beta_source[column], beta_target[column]
            sign = alpha_sign[pair] * beta_sign[column]
            state_source, state_target = state[row, column_from], state[row_to, column_to]
            adjoint_source = adjoint[row, column_from]
            adjoint_target = adjoint[row_to, column_to]
            total += sign * (adjoint_target * state_source - adjoint_source * state_target)
            signed_sine = sine * sign
            state[row, column_from] = cosine * state_source - signed_sine * state_target
            state[row_to, column_to] = cosine * state_target + signed_sine * state_source
            adjoint[row, column_from] = cosine * adjoint_source - signed_sine * adjoint_target
            adjoint[row_to, column_to] = cosine * adjoint_target + signed_sine * adjoint_source
        partial[pair] = total


def rotate(matrix: np.ndarray, gate: StringGate, angle: float) -> None:
    """Apply exp(angle * (T - T^dagger)) to the CI matrix in place."""
    _rotate(matrix, gate.alpha.source, gate.alpha.target, gate.alpha.sign, gate.beta.source,
            gate.beta.target, gate.beta.sign, np.cos(angle), gate.sign * np.sin(angle))


def derivative_and_rotate(state: np.ndarray, adjoint: np.ndarray, gate: StringGate,
                          angle: float) -> float:
    """<adjoint|(T - T^dagger)|state>, then both rotated by exp(angle (T - T^dagger)) in place.

    The sum is taken per alpha pair and the partial sums added in order: the same for any number
    of threads.
    """
    partial = np.empty(gate.alpha.source.size)
    _derivative_and_rotate(state, adjoint, gate.alpha.source, gate.alpha.target,
                           gate.alpha.sign, gate.beta.source, gate.beta.target, gate.beta.sign,
                           np.cos(angle), gate.sign * np.sin(angle), partial)
    return gate.sign * float(np.sum(partial))


class StringSimulator:
    """Energies, gradients and states of a number-conserving ansatz on the CI matrix.

    The same interface as :class:`qchemflow.quantum.simulator.SectorSimulator`; states are flat
    CI vectors (``layout.to_sector`` gives the sector's order) and ``hamiltonian`` acts on them.
    """

    def __init__(self, ansatz: Ansatz, layout: StringLayout, hamiltonian: Any,
                 gates: list[StringGate] | None = None):
        """Precompute the string gates and the reference state."""
        self.ansatz = ansatz
        self.layout = layout
        self.hamiltonian = hamiltonian
        self.gates = gates if gates is not None else string_gates(ansatz.excitations, layout)
        occupied = sum(1 << mode for mode in ansatz.occupied)
        reference = np.array([occupied], dtype=np.int64)
        row = np.searchsorted(layout.alpha_strings, spin_strings(reference, layout.n_orbitals, 0))
        column = np.searchsorted(layout.beta_strings,
                                 spin_strings(reference, layout.n_orbitals, 1))
        self.reference_state = np.zeros(layout.shape)
        self.reference_state[row, column] = interleaving_signs(reference, layout.n_orbitals)
        self.energy_evaluations = 0
        self.gradient_evaluations = 0

    def state(self, parameters: np.ndarray) -> np.ndarray:
        """The ansatz state for ``parameters`` (a flat CI vector)."""
        matrix = self.reference_state.copy()
        for gate in self.gates:
            rotate(matrix, gate, gate.coefficient * parameters[gate.parameter])
        return matrix.ravel()

    def energy(self, parameters: np.ndarray) -> float:
        """<psi|H|psi>."""
        self.energy_evaluations += 1
        state = self.state(parameters)
        return dot(state, self.hamiltonian @ state)

    def energy_and_gradient(self, parameters: np.ndarray) -> tuple[float, np.ndarray]:
        """Energy and its exact gradient by adjoint differentiation (one fused backward sweep)."""
        self.energy_evaluations += 1
        self.gradient_evaluations += 1
        state = self.state(parameters)
        adjoint = np.asarray(self.hamiltonian @ state)
        energy = dot(state, adjoint)
        state_matrix = state.reshape(self.layout.shape)
        adjoint_matrix = adjoint.reshape(self.layout.shape)
        gradient = np.zeros_like(parameters, dtype=float)
        for gate in reversed(self.gates):
            angle = -gate.coefficient * parameters[gate.parameter]
            derivative = derivative_and_rotate(state_matrix, adjoint_matrix, gate, angle)
            gradient[gate.parameter] += 2.0 * gate.coefficient * derivative
        return energy, gradient


DOT_CHUNK = 1 << 14


@numba.njit(parallel=True, cache=True, nogil=True)
def _chunk_dots(left: np.ndarray, right: np.ndarray, partial: np.ndarray
                ) -> None:  # pragma: no cover
    for chunk in numba.prange(partial.size):
        total = 0.0
        for index in range(chunk * DOT_CHUNK, min((chunk + 1) * DOT_CHUNK, left.size)):
            total += left[index] * right[index]
        partial[chunk] = total


def dot(left: np.ndarray, right: np.ndarray) -> float:
    """left . right in fixed chunks added in order: the same bits for any number of threads
    (a BLAS dot splits its sum by the thread count)."""
    partial = np.empty(-(-left.size // DOT_CHUNK))
    _chunk_dots(left, right, partial)
    return float(np.sum(partial))


def explicit_ci_matrix(matrix: scipy.sparse.csr_matrix, layout: StringLayout
                       ) -> scipy.sparse.csr_matrix:
    """A sector matrix (sector order) moved to the CI layout, signs included."""
    entries = matrix.tocoo()
    return scipy.sparse.csr_matrix(
        (layout.signs[entries.row] * layout.signs[entries.col] * entries.data,
         (layout.positions[entries.row], layout.positions[entries.col])), shape=matrix.shape)


class MatrixFreeHamiltonian:
    """H applied to a flat CI vector from the active-space integrals without storing H: PySCF's
    ``direct_spin1`` (``absorb_h1e`` once, ``contract_2e`` per product, on ``threads``)."""

    def __init__(self, h1: np.ndarray, h2: np.ndarray, core_energy: float, n_alpha: int,
                 n_beta: int, threads: int):
        from pyscf import ao2mo
        from pyscf.fci import cistring, direct_spin1

        self.n_orbitals = h1.shape[0]
        self.electrons = (n_alpha, n_beta)
        self.core_energy = core_energy
        self.threads = threads
        eri = ao2mo.restore(1, np.asarray(h2), self.n_orbitals)
        self.absorbed = direct_spin1.absorb_h1e(h1, eri, self.n_orbitals, self.electrons, 0.5)
        self.links = (cistring.gen_linkstr_index_trilidx(range(self.n_orbitals), n_alpha),
                      cistring.gen_linkstr_index_trilidx(range(self.n_orbitals), n_beta))
        self.shape = (self.links[0].shape[0] * self.links[1].shape[0],) * 2
        self.contract = direct_spin1.contract_2e

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        from pyscf import lib

        with lib.with_omp_threads(self.threads):
            product = self.contract(self.absorbed,
                                    vector.reshape(self.links[0].shape[0], -1),
                                    self.n_orbitals, self.electrons, link_index=self.links)
        return np.asarray(product).ravel() + self.core_energy * vector
