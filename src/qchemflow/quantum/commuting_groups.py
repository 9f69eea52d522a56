"""Measuring in fully commuting groups: one Clifford circuit diagonalises a whole group.

Qubit-wise commuting groups (:mod:`qchemflow.quantum.measurement`) need the same Pauli on every
qubit. Terms that merely commute as operators (an even number of qubits where they anticommute)
also share an eigenbasis, reached by a Clifford circuit C with C P_k C^dagger = +-Z-string for
every member P_k (Gokhale et al., arXiv:1907.13623; Yen, Verteletskyi & Izmaylov, JCTC 16, 2400
(2020)). The groups are larger and fewer, and for the states of interest the summed standard
deviation sum_g sigma_g, which sets the shot count, is smaller (Crawford et al., Quantum 5, 385
(2021)); the price is two-qubit gates before the readout.

Groups are formed by sorted insertion with the full commutation test: P = i^y X^x Z^z and
P' = i^y' X^x' Z^z' commute iff popcount(x & z') + popcount(z & x') is even.

The diagonalising circuit is synthesised on the members' symplectic vectors [x | z] over GF(2)
(van den Berg & Temme, Quantum 4, 322 (2020), in the manner of Aaronson & Gottesman's tableau):

1. a basis of r independent generators, reduced with the X part leading, splits into rows with an
   X part (independent X parts) and Z-only rows;
2. Hadamards on the Z-only rows' pivot qubits give an X block of full rank r (the rows commute,
   so no combination loses its X part);
3. Gaussian elimination of the X block by row operations (free: a change of generators) and
   CNOTs (column operations) leaves every generator with X on its own pivot qubit only;
4. the Z block on the pivot qubits is then symmetric (the rows commute); CZs clear its
   off-diagonal and S gates its diagonal;
5. Hadamards on the pivot qubits turn every generator into a Z string.

At most r(n - 1) CNOTs and r(r - 1)/2 CZs. Every member is then conjugated through the gate list
with its phase tracked exactly (a Pauli i^e X^x Z^z; e mod 4), which gives its sign and Z mask.

Qubit q is bit (n - 1 - q) of a mask and of a basis-state index, as in Cirq.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cirq
import numpy as np

from qchemflow.quantum.measurement import GroupStatistics
from qchemflow.quantum.sector import PauliTerms, z_parity

ONE_QUBIT_GATES = ("H", "S")
TWO_QUBIT_GATES = ("CNOT", "CZ")
CIRQ_GATES: dict[str, cirq.Gate] = {"H": cirq.H, "S": cirq.S, "CNOT": cirq.CNOT, "CZ": cirq.CZ}

Operation = tuple[str, tuple[int, ...]]


@dataclass(frozen=True)
class DiagonalisedGroup:
    """A fully commuting group and the Clifford that diagonalises it.

    ``operations`` is the circuit as ``(gate, qubits)`` pairs in time order, gates from
    H, S, CNOT (control, target) and CZ. After it, member ``members[k]`` is
    ``signs[k] * Z^z_masks[k]`` (its coefficient unchanged).
    """

    members: tuple[int, ...]
    operations: tuple[Operation, ...]
    z_masks: tuple[int, ...]
    signs: tuple[int, ...]

    @property
    def two_qubit_gates(self) -> int:
        """Number of CNOT and CZ gates."""
        return sum(gate in TWO_QUBIT_GATES for gate, _ in self.operations)

    @property
    def one_qubit_gates(self) -> int:
        """Number of H and S gates."""
        return sum(gate in ONE_QUBIT_GATES for gate, _ in self.operations)

    def circuit(self, qubits: Sequence[cirq.Qid]) -> cirq.Circuit:
        """The diagonalising circuit on ``qubits`` (qubit q of the terms is ``qubits[q]``)."""
        return cirq.Circuit(CIRQ_GATES[gate].on(*(qubits[q] for q in targets))
                            for gate, targets in self.operations)


def symplectic_product(x_masks: np.ndarray, z_masks: np.ndarray, x_mask: int, z_mask: int
                       ) -> np.ndarray:
    """popcount(x & z') + popcount(z & x') mod 2 of each string against one: 0 iff they commute."""
    return (np.bitwise_count(np.bitwise_and(x_masks, z_mask))
            + np.bitwise_count(np.bitwise_and(z_masks, x_mask))) & 1


def commuting_groups(terms: PauliTerms) -> list[tuple[int, ...]]:
    """Sorted insertion into fully commuting groups (deterministic: ties by term order).

    Terms by decreasing |c|; each joins the first group all of whose members it commutes with.
    """
    order = sorted(range(terms.coefficients.size),
                   key=lambda index: (-abs(terms.coefficients[index]), index))
    groups: list[list[int]] = []
    for index in order:
        x_mask, z_mask = int(terms.x_masks[index]), int(terms.z_masks[index])
        for group in groups:
            members = np.array(group, dtype=np.int64)
            if not np.any(symplectic_product(terms.x_masks[members], terms.z_masks[members],
                                             x_mask, z_mask)):
                group.append(index)
                break
        else:
            groups.append([index])
    return [tuple(group) for group in groups]


def conjugate(x_masks: np.ndarray, z_masks: np.ndarray, phases: np.ndarray,
              operation: Operation, n_qubits: int) -> None:
    """Conjugate Paulis i^phase X^x Z^z by one gate G (P -> G P G^dagger), in place.

    H: X^a Z^b -> (-1)^ab X^b Z^a. S: X -> iXZ (so Y -> -X). CNOT(c, t): x_t ^= x_c,
    z_c ^= z_t, no phase in this ordering. CZ(a, b): z_a ^= x_b, z_b ^= x_a, (-1)^(x_a x_b).
    """
    gate, qubits = operation
    bits = [1 << (n_qubits - 1 - qubit) for qubit in qubits]
    if gate == "H":
        x, z = x_masks & bits[0], z_masks & bits[0]
        phases += 2 * ((x != 0) & (z != 0))
        x_masks ^= x ^ z
        z_masks ^= x ^ z
    elif gate == "S":
        x = x_masks & bits[0]
        phases += x != 0
        z_masks ^= x
    elif gate == "CNOT":
        control, target = bits
        x_masks ^= np.where(x_masks & control, target, 0)
        z_masks ^= np.where(z_masks & target, control, 0)
    elif gate == "CZ":
        first, second = bits
        has_first, has_second = (x_masks & first) != 0, (x_masks & second) != 0
        phases += 2 * (has_first & has_second)
        z_masks ^= np.where(has_second, first, 0) ^ np.where(has_first, second, 0)
    else:
        raise ValueError(f"gate '{gate}' is not one of H, S, CNOT, CZ")
    phases %= 4


def generator_basis(x_masks: np.ndarray, z_masks: np.ndarray, n_qubits: int) -> list[int]:
    """A reduced echelon GF(2) basis of the vectors (x << n) | z: X parts lead, so the rows with
    an X part have independent X parts and the rest are Z-only with independent Z parts."""
    basis: dict[int, int] = {}
    for x_mask, z_mask in zip(x_masks, z_masks):
        vector = (int(x_mask) << n_qubits) | int(z_mask)
        for pivot in sorted(basis, reverse=True):
            if vector >> pivot & 1:
                vector ^= basis[pivot]
        if vector:
            pivot = vector.bit_length() - 1
            for other in basis:
                if basis[other] >> pivot & 1:
                    basis[other] ^= vector
            basis[pivot] = vector
    return [basis[pivot] for pivot in sorted(basis, reverse=True)]


def qubit_of(bit: int, n_qubits: int) -> int:
    """The qubit whose mask bit is ``bit`` (a single set bit)."""
    return n_qubits - bit.bit_length()


def lowest_qubit_bit(mask: int) -> int:
    """The bit of the lowest-numbered qubit in ``mask`` (its highest set bit)."""
    return 1 << (mask.bit_length() - 1)


def diagonalising_operations(terms: PauliTerms, members: tuple[int, ...]) -> list[Operation]:
    """The Clifford gate list that turns every generator of the group into a Z string."""
    n = terms.n_qubits
    index = np.array(members, dtype=np.int64)
    basis = generator_basis(terms.x_masks[index], terms.z_masks[index], n)
    full = (1 << n) - 1
    x_rows = np.array([vector >> n for vector in basis], dtype=np.int64)
    z_rows = np.array([vector & full for vector in basis], dtype=np.int64)
    phases = np.zeros(len(basis), dtype=np.int64)
    operations: list[Operation] = []

    def apply(operation: Operation) -> None:
        operations.append(operation)
        conjugate(x_rows, z_rows, phases, operation, n)

    # Step 2: Hadamards on the Z-only rows' pivots (each reduced row's leading Z bit).
    for vector in basis:
        if vector >> n == 0:
            apply(("H", (qubit_of(lowest_qubit_bit(vector), n),)))
    # Step 3: X block to one X per row, on its own pivot qubit.
    pivots: list[int] = []
    for row in range(len(basis)):
        candidates = [other for other in range(row, len(basis)) if x_rows[other]]
        if not candidates:
            raise RuntimeError("the X block lost rank; do the group's members commute?")
        chosen = candidates[0]
        x_rows[[row, chosen]] = x_rows[[chosen, row]]
        z_rows[[row, chosen]] = z_rows[[chosen, row]]
        pivot_bit = lowest_qubit_bit(int(x_rows[row]))
        for other in range(len(basis)):
            if other != row and x_rows[other] & pivot_bit:
                x_rows[other] ^= x_rows[row]
                z_rows[other] ^= z_rows[row]
        pivot = qubit_of(pivot_bit, n)
        rest = int(x_rows[row]) ^ pivot_bit
        while rest:
            target_bit = lowest_qubit_bit(rest)
            apply(("CNOT", (pivot, qubit_of(target_bit, n))))
            rest ^= target_bit
        pivots.append(pivot)
    # Step 4: the symmetric Z block on the pivots, cleared by CZ (off-diagonal) and S (diagonal).
    for row, pivot in enumerate(pivots):
        for later in range(row + 1, len(pivots)):
            if z_rows[row] & (1 << (n - 1 - pivots[later])):
                apply(("CZ", (pivot, pivots[later])))
        if z_rows[row] & (1 << (n - 1 - pivot)):
            apply(("S", (pivot,)))
    # Step 5: Hadamards on the pivots.
    for pivot in pivots:
        apply(("H", (pivot,)))
    if np.any(x_rows):
        raise RuntimeError("the group's generators were not diagonalised; do its members commute?")
    return operations


def diagonalise_group(terms: PauliTerms, members: tuple[int, ...]) -> DiagonalisedGroup:
    """The Clifford that diagonalises a fully commuting group, and each member's image.

    Raises:
        ValueError: two members anticommute.
    """
    index = np.array(members, dtype=np.int64)
    x_masks, z_masks = terms.x_masks[index].copy(), terms.z_masks[index].copy()
    for member in range(index.size):
        if np.any(symplectic_product(x_masks, z_masks, int(x_masks[member]),
                                     int(z_masks[member]))):
            raise ValueError(f"term {members[member]} anticommutes with another member")
    operations = diagonalising_operations(terms, members)
    phases = terms.y_counts[index] % 4
    for operation in operations:
        conjugate(x_masks, z_masks, phases, operation, terms.n_qubits)
    if np.any(x_masks) or np.any(phases % 2):
        raise RuntimeError("a member is not a signed Z string after the Clifford")
    return DiagonalisedGroup(tuple(members), tuple(operations),
                             tuple(int(mask) for mask in z_masks),
                             tuple(1 - int(phase) for phase in phases))


def apply_clifford(state: np.ndarray, operations: Sequence[Operation], n_qubits: int
                   ) -> np.ndarray:
    """The state vector after the gate list (Cirq's qubit order: qubit 0 is the leading bit)."""
    indices = np.arange(state.size, dtype=np.int64)
    state = np.asarray(state, dtype=complex)
    for gate, qubits in operations:
        bits = [1 << (n_qubits - 1 - qubit) for qubit in qubits]
        if gate == "H":
            low, high = state[indices & ~bits[0]], state[indices | bits[0]]
            state = np.where(indices & bits[0], low - high, low + high) / math.sqrt(2.0)
        elif gate == "S":
            state = np.where(indices & bits[0], 1j * state, state)
        elif gate == "CNOT":
            state = state[indices ^ np.where(indices & bits[0], bits[1], 0)]
        elif gate == "CZ":
            state = np.where(((indices & bits[0]) != 0) & ((indices & bits[1]) != 0), -state, state)
        else:
            raise ValueError(f"gate '{gate}' is not one of H, S, CNOT, CZ")
    return state


def commuting_group_statistics(terms: PauliTerms, group: DiagonalisedGroup, state: np.ndarray
                               ) -> GroupStatistics:
    """The distribution of the group operator's value over one shot's outcomes.

    After the Clifford, outcome b gives sum_k c_k signs_k (-1)^popcount(b & z_k). Outcomes with
    the same value are merged, as in :func:`qchemflow.quantum.measurement.group_statistics`.
    """
    probabilities = np.abs(apply_clifford(state, group.operations, terms.n_qubits)) ** 2
    outcomes = np.nonzero(probabilities > 1e-300)[0].astype(np.int64)
    weights = probabilities[outcomes]
    values = np.zeros(outcomes.size)
    for member, z_mask, sign in zip(group.members, group.z_masks, group.signs):
        values += sign * float(terms.coefficients[member].real) * z_parity(outcomes, z_mask)
    distinct, inverse = np.unique(np.round(values, 12), return_inverse=True)
    merged = np.bincount(inverse, weights=weights, minlength=distinct.size)
    return GroupStatistics(distinct, merged / merged.sum())
