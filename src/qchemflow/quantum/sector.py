"""The particle-number sector and Pauli operators as arrays.

Particle number and spin projection are conserved, so everything works in the sector of basis
states with the molecule's alpha and beta electron counts: an operator is built as a sparse matrix
on that sector directly from its Pauli terms (never a dense 2^n x 2^n matrix, never the full 2^n
space: the encoding's matrix places each state, :mod:`qchemflow.quantum.encoding`). Spin orbitals are interleaved: mode 2i is orbital i alpha, 2i+1 orbital
i beta. Qubit q is bit (n - 1 - q) of a basis-state index, as in Cirq and OpenFermion.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse

from qchemflow.core.errors import ResourceError
from qchemflow.core.memory import memory_fix, require_memory, sector_hamiltonian_memory_mb
from qchemflow.quantum.encoding import encoding_for

MAX_SECTOR_DIMENSION = 50_000_000


@dataclass(frozen=True)
class PauliTerms:
    """A qubit operator as arrays: X mask, Z mask (Y sets both), number of Y, coefficient."""

    n_qubits: int
    x_masks: np.ndarray
    z_masks: np.ndarray
    y_counts: np.ndarray
    coefficients: np.ndarray
    constant: float


@dataclass(frozen=True)
class Sector:
    """Basis states with fixed alpha and beta electron counts.

    ``occupations[k]`` is the occupation bit string of state k (bit j = spin orbital j occupied),
    sorted ascending; ``qubit_indices[k]`` is its computational-basis index under the mapping.
    """

    n_qubits: int
    n_alpha: int
    n_beta: int
    occupations: np.ndarray
    qubit_indices: np.ndarray

    @property
    def dimension(self) -> int:
        """Number of basis states in the sector."""
        return int(self.occupations.size)


def pauli_terms(qubit_operator: Any, n_qubits: int) -> PauliTerms:
    """Arrays of the Pauli strings of a ``QubitOperator`` (identity term kept as ``constant``).

    Terms are taken in sorted order, so sums do not depend on Python's hash seed.
    """
    return pauli_arrays(sorted(qubit_operator.terms.items()), n_qubits)


def pauli_terms_from_json(terms: list[list[Any]], n_qubits: int) -> PauliTerms:
    """Pauli terms from ``qubit_hamiltonian.json`` (``["X0 Y1 Z3", coefficient]``, sorted)."""
    return pauli_arrays([(tuple((int(factor[1:]), factor[0]) for factor in label.split()),
                           coefficient) for label, coefficient in terms], n_qubits)


def pauli_arrays(terms: list[tuple[tuple[tuple[int, str], ...], Any]], n_qubits: int
                  ) -> PauliTerms:
    """Masks and coefficients of ``(((qubit, pauli), ...), coefficient)`` terms, in order."""
    x_masks, z_masks, y_counts, coefficients = [], [], [], []
    constant = 0.0
    for term, coefficient in terms:
        if not term:
            constant += float(np.real(coefficient))
            continue
        x_mask = z_mask = y_count = 0
        for qubit, pauli in term:
            bit = 1 << (n_qubits - 1 - qubit)
            if pauli in ("X", "Y"):
                x_mask |= bit
            if pauli in ("Z", "Y"):
                z_mask |= bit
            y_count += pauli == "Y"
        x_masks.append(x_mask)
        z_masks.append(z_mask)
        y_counts.append(y_count)
        coefficients.append(complex(coefficient))
    return PauliTerms(n_qubits, np.array(x_masks, dtype=np.int64),
                      np.array(z_masks, dtype=np.int64), np.array(y_counts, dtype=np.int64),
                      np.array(coefficients, dtype=complex), constant)


def z_parity(indices: np.ndarray, z_mask: int | np.ndarray) -> np.ndarray:
    """(-1)^popcount(index & z_mask)."""
    return 1 - 2 * (np.bitwise_count(np.bitwise_and(indices, z_mask)) & 1).astype(np.int64)


def full_space_expectation(terms: PauliTerms, state: np.ndarray) -> float:
    """<psi|H|psi> over all 2^n basis states (a state vector in Cirq's qubit order)."""
    return float(full_space_expectations(terms, state[np.newaxis, :])[0])


def x_mask_weights(terms: PauliTerms, indices: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Per distinct X mask x: w_x[b] = sum of i^y c (-1)^(b.z) over the terms with that mask.

    A term i^y X^x Z^z maps |b> to (-1)^(b.z) |b ^ x>, so <H> = sum_x sum_b
    rho[b ^ x, b] w_x[b], with rho[b ^ x, b] = conj(psi[b ^ x]) psi[b] for a pure state.
    """
    phases = (1j ** (terms.y_counts % 4)) * terms.coefficients
    for x_mask in np.unique(terms.x_masks):
        members = np.nonzero(terms.x_masks == x_mask)[0]
        weights = np.zeros(indices.size, dtype=complex)
        for member in members:
            weights += phases[member] * z_parity(indices, int(terms.z_masks[member]))
        yield int(x_mask), weights


def full_space_expectations(terms: PauliTerms, states: np.ndarray) -> np.ndarray:
    """<psi_k|H|psi_k> for each row of ``states`` (K x 2^n), terms sharing an X mask sharing
    the gather."""
    indices = np.arange(states.shape[1], dtype=np.int64)
    totals = terms.constant * np.sum(np.abs(states) ** 2, axis=1).astype(complex)
    for x_mask, weights in x_mask_weights(terms, indices):
        totals += (np.conj(states[:, np.bitwise_xor(indices, x_mask)]) * states) @ weights
    return totals.real


def density_matrix_expectation(terms: PauliTerms, density_matrix: np.ndarray) -> float:
    """Tr(rho H) over all 2^n basis states."""
    indices = np.arange(density_matrix.shape[0], dtype=np.int64)
    total = complex(terms.constant * np.trace(density_matrix))
    for x_mask, weights in x_mask_weights(terms, indices):
        total += density_matrix[indices, np.bitwise_xor(indices, x_mask)] @ weights
    return float(total.real)


def diagonal_values(terms: PauliTerms, indices: np.ndarray) -> np.ndarray:
    """Values of a diagonal (Z-only) operator on basis states ``indices``."""
    if np.any(terms.x_masks):
        raise ValueError("operator is not diagonal in the computational basis")
    values = np.full(indices.shape, terms.constant, dtype=float)
    for z_mask, coefficient in zip(terms.z_masks, terms.coefficients):
        values += coefficient.real * z_parity(indices, int(z_mask))
    return values


def occupations_with(n_orbitals: int, n_alpha: int, n_beta: int) -> np.ndarray:
    """Occupation bit strings (bit 2i alpha, 2i+1 beta) with the given counts, sorted."""
    alpha_strings = [sum(1 << (2 * i) for i in chosen)
                     for chosen in itertools.combinations(range(n_orbitals), n_alpha)]
    beta_strings = [sum(1 << (2 * i + 1) for i in chosen)
                    for chosen in itertools.combinations(range(n_orbitals), n_beta)]
    return np.sort(np.add.outer(np.array(alpha_strings, dtype=np.int64),
                                np.array(beta_strings, dtype=np.int64)).ravel())


def full_space(n_qubits: int) -> Sector:
    """Every basis state (Jordan-Wigner), for ansätze that do not conserve the particle number.

    ``n_alpha`` and ``n_beta`` are -1: no counts are fixed.
    """
    occupations = np.arange(1 << n_qubits, dtype=np.int64)
    return Sector(n_qubits, -1, -1, occupations,
                  encoding_for("jordan_wigner", n_qubits).qubit_indices(occupations))


def build_sector(mapping: str, n_qubits: int, n_alpha: int, n_beta: int) -> Sector:
    """The fixed-(N_alpha, N_beta) sector and where its states sit under ``mapping``.

    Raises:
        ResourceError: the sector would be too large.
        ValueError: unknown mapping.
    """
    n_orbitals = n_qubits // 2
    occupations = occupations_with(n_orbitals, n_alpha, n_beta)
    if occupations.size > MAX_SECTOR_DIMENSION:
        raise ResourceError(f"sector of {occupations.size} states exceeds {MAX_SECTOR_DIMENSION}; "
                            "use a smaller active space")
    return Sector(n_qubits, n_alpha, n_beta, occupations,
                  encoding_for(mapping, n_qubits).qubit_indices(occupations))


def sector_matrix(terms: PauliTerms, sector: Sector) -> scipy.sparse.csr_matrix:
    """The operator restricted to the sector, as a real sparse matrix (exact, no dense 2^n).

    Terms sharing an X mask connect the same pairs of basis states, so they are handled together:
    one target lookup per X mask, and one matrix entry per (state, X mask).
    """
    columns_index = sector.qubit_indices
    order = np.argsort(columns_index)
    sorted_indices = columns_index[order]
    state_positions = np.arange(sector.dimension)
    phases = (1j ** (terms.y_counts % 4)) * terms.coefficients
    rows, columns, entries = [], [], []
    for x_mask in np.unique(terms.x_masks):
        members = np.nonzero(terms.x_masks == x_mask)[0]
        targets = np.bitwise_xor(columns_index, x_mask)
        found = np.minimum(np.searchsorted(sorted_indices, targets), sector.dimension - 1)
        inside = sorted_indices[found] == targets
        if not np.any(inside):
            continue
        sources = columns_index[inside]
        values = np.zeros(sources.shape, dtype=complex)
        for member in members:
            values += phases[member] * z_parity(sources, int(terms.z_masks[member]))
        imaginary = float(np.abs(values.imag).max())
        if imaginary > 1e-10:
            raise ValueError(f"sector matrix is not real (imaginary part {imaginary:.2e})")
        rows.append(order[found[inside]])
        columns.append(state_positions[inside])
        entries.append(values.real)
    matrix = scipy.sparse.csr_matrix(
        (np.concatenate(entries) if entries else np.zeros(0),
         (np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64),
          np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64))),
        shape=(sector.dimension, sector.dimension))
    matrix.eliminate_zeros()
    return (matrix + terms.constant * scipy.sparse.identity(sector.dimension, format="csr")).tocsr()


def spin_squared_matrix(sector: Sector) -> scipy.sparse.csr_matrix:
    """S^2 on the sector's states, built from their occupation strings.

    S^2 = S_z(S_z + 1) + S_- S_+ with S_+ = sum_j a+_{j alpha} a_{j beta}. With interleaved spin
    orbitals every term of S_- S_+ moves an electron between the two modes of one orbital, so no
    sign arises: its diagonal counts the orbitals that hold a beta electron alone, and it joins
    each state to the one where an alpha-only orbital i and a beta-only orbital j swap spins
    (entry +1). Every fermion encoding maps occupation states to basis states one to one, so the
    matrix is the same for all of them (tested against OpenFermion's ``s_squared_operator`` under
    each mapping). Works on the full space too (S_z varies from state to state).
    """
    occupations = sector.occupations
    n_orbitals = sector.n_qubits // 2
    alpha = np.stack([(occupations >> (2 * i)) & 1 for i in range(n_orbitals)])
    beta = np.stack([(occupations >> (2 * i + 1)) & 1 for i in range(n_orbitals)])
    alpha_only, beta_only = alpha & (1 - beta), beta & (1 - alpha)
    spin_z = 0.5 * (alpha.sum(axis=0) - beta.sum(axis=0))
    diagonal = spin_z * (spin_z + 1) + beta_only.sum(axis=0)
    positions = np.arange(sector.dimension)
    rows: list[np.ndarray] = [positions]
    columns: list[np.ndarray] = [positions]
    for i, j in itertools.permutations(range(n_orbitals), 2):
        sources = np.nonzero(alpha_only[i] & beta_only[j])[0]
        if sources.size:
            swap = (3 << (2 * i)) | (3 << (2 * j))
            rows.append(np.searchsorted(occupations, occupations[sources] ^ swap))
            columns.append(sources)
    entries = np.concatenate([diagonal.astype(float)]
                             + [np.ones(column.size) for column in columns[1:]])
    return scipy.sparse.csr_matrix((entries, (np.concatenate(rows), np.concatenate(columns))),
                                   shape=(sector.dimension, sector.dimension))


def require_sector_memory(sector: Sector, terms: PauliTerms, max_memory_mb: float,
                          rule: str) -> float:
    """Estimated memory (MB) of the sector Hamiltonian and the states; refuse when it does not fit.

    The sector matrix has at most one entry per (state, distinct X mask); building it holds each
    entry with its row and column once more.

    Raises:
        ResourceError: with the estimate and what to change.
    """
    n_masks = int(np.unique(terms.x_masks).size) + 1
    return require_memory(
        sector_hamiltonian_memory_mb(sector.dimension, n_masks), max_memory_mb,
        f"the sector Hamiltonian ({sector.dimension} states, {n_masks} Pauli X patterns)",
        memory_fix(rule, "shrink the space"))
