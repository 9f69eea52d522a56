"""Fermion-to-qubit encodings as one object, used by the qubit Hamiltonian, the circuits and the
cost model alike.

Jordan-Wigner, parity and Bravyi-Kitaev are linear encodings: the occupation vector n of the
spin orbitals (mode k) is stored on the qubits as q = A n over GF(2), with A the encoder matrix
(the identity, the lower-triangular ones, the Fenwick tree). The encoded image of an operator is
its Jordan-Wigner image conjugated by the basis permutation U|n> = |A n>, which maps a Pauli
string X^x Z^z to X^(A x) Z^(A^-T z) exactly (no signs: U permutes basis states). So one
function encodes every operator (Hamiltonian, S^2, number operators, excitation generators) for
every encoding, and the reference determinant is the basis state A n_HF.

Jordan-Wigner and Bravyi-Kitaev images are OpenFermion's own (``jordan_wigner``,
``bravyi_kitaev``; the Jordan-Wigner image of an ``InteractionOperator`` is computed on arrays,
:func:`jordan_wigner_interaction`, and tested equal to OpenFermion's); the tests check that the
conjugation reproduces OpenFermion's Bravyi-Kitaev image term by term and OpenFermion's
``binary_code_transform`` with ``parity_code``, so the three encodings share one convention.

Bit conventions: a Pauli mask or a basis-state index has qubit q at bit (n - 1 - q), as in Cirq,
OpenFermion's sparse matrices and :class:`qchemflow.quantum.sector.PauliTerms`; an occupation
integer has mode k at bit k.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any

import numpy as np
import openfermion

MAPPINGS = ("jordan_wigner", "bravyi_kitaev", "parity")
PauliString = tuple[tuple[int, str], ...]


def gf2_inverse(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a square 0/1 matrix over GF(2).

    Raises:
        ValueError: the matrix is singular over GF(2).
    """
    size = matrix.shape[0]
    work = np.concatenate([matrix.astype(np.uint8) % 2, np.eye(size, dtype=np.uint8)], axis=1)
    for column in range(size):
        pivots = np.nonzero(work[column:, column])[0]
        if pivots.size == 0:
            raise ValueError("the encoder matrix is singular over GF(2)")
        pivot = column + int(pivots[0])
        work[[column, pivot]] = work[[pivot, column]]
        for row in np.nonzero(work[:, column])[0]:
            if row != column:
                work[row] ^= work[column]
    return work[:, size:]


def row_masks(matrix: np.ndarray) -> tuple[int, ...]:
    """Row j of a 0/1 matrix as a mask with column k at bit (n - 1 - k)."""
    size = matrix.shape[1]
    return tuple(int(sum(1 << (size - 1 - k) for k in np.nonzero(row)[0])) for row in matrix)


def apply_masks(rows: tuple[int, ...], vector: int) -> int:
    """The GF(2) product of the matrix with ``rows`` and a vector, both in the mask convention."""
    size = len(rows)
    result = 0
    for j, row in enumerate(rows):
        if (row & vector).bit_count() & 1:
            result |= 1 << (size - 1 - j)
    return result


def reverse_bits(values: np.ndarray, n_bits: int) -> np.ndarray:
    """Each integer with its lowest ``n_bits`` bits in reverse order (bit k to bit n - 1 - k)."""
    reversed_values = np.zeros_like(values)
    for bit in range(n_bits):
        reversed_values |= ((values >> bit) & 1) << (n_bits - 1 - bit)
    return reversed_values


def apply_masks_to_array(rows: tuple[int, ...], vectors: np.ndarray) -> np.ndarray:
    """:func:`apply_masks` for an array of vectors."""
    size = len(rows)
    result = np.zeros_like(vectors)
    for j, row in enumerate(rows):
        bits = np.bitwise_count(np.bitwise_and(vectors, row)).astype(np.int64) & 1
        result |= bits << (size - 1 - j)
    return result


@dataclass(frozen=True)
class Encoding:
    """One fermion-to-qubit encoding on ``n_qubits`` qubits (one per spin orbital).

    ``encoder_rows`` are the rows of A (q = A n) and ``decoder_rows`` those of A^-1, as masks;
    ``dual_rows`` are the rows of A^-T (how Z strings transform).
    """

    mapping: str
    n_qubits: int
    encoder_rows: tuple[int, ...]
    decoder_rows: tuple[int, ...]
    dual_rows: tuple[int, ...]

    def qubit_indices(self, occupations: np.ndarray) -> np.ndarray:
        """Basis-state indices of occupation integers (mode k at bit k)."""
        return apply_masks_to_array(self.encoder_rows,
                                    reverse_bits(np.asarray(occupations, dtype=np.int64),
                                                 self.n_qubits))

    def occupations(self, qubit_indices: np.ndarray) -> np.ndarray:
        """Occupation integers (mode k at bit k) of basis-state indices: the inverse of
        :meth:`qubit_indices`, e.g. for decoding measured bit strings."""
        modes = apply_masks_to_array(self.decoder_rows,
                                     np.asarray(qubit_indices, dtype=np.int64))
        return reverse_bits(modes, self.n_qubits)

    def reference_qubits(self, occupied_modes: tuple[int, ...]) -> tuple[int, ...]:
        """The qubits set to 1 in the encoded determinant with these modes occupied."""
        index = int(self.qubit_indices(np.array([sum(1 << mode for mode in occupied_modes)]))[0])
        return tuple(q for q in range(self.n_qubits) if index >> (self.n_qubits - 1 - q) & 1)

    def occupied_modes(self, reference_qubits: tuple[int, ...]) -> tuple[int, ...]:
        """The occupied modes of the basis state with ``reference_qubits`` set (the inverse)."""
        index = sum(1 << (self.n_qubits - 1 - q) for q in reference_qubits)
        modes = apply_masks(self.decoder_rows, index)
        return tuple(k for k in range(self.n_qubits) if modes >> (self.n_qubits - 1 - k) & 1)

    def encode_string(self, string: PauliString) -> tuple[PauliString, complex]:
        """U P U^dagger for a Jordan-Wigner Pauli string P: ``(string, phase)`` with phase ±1."""
        n = self.n_qubits
        x_mask = z_mask = 0
        for qubit, pauli in string:
            bit = 1 << (n - 1 - qubit)
            x_mask |= bit if pauli in "XY" else 0
            z_mask |= bit if pauli in "ZY" else 0
        y_count = (x_mask & z_mask).bit_count()
        new_x = apply_masks(self.encoder_rows, x_mask)
        new_z = apply_masks(self.dual_rows, z_mask)
        new_y = (new_x & new_z).bit_count()
        # P = i^y X^x Z^z, and the encoded X^x' Z^z' = (-i)^y' P'.
        phase = (1j ** y_count) * ((-1j) ** new_y)
        encoded = tuple((q, "Y" if (new_x & new_z) >> (n - 1 - q) & 1 else
                         "X" if new_x >> (n - 1 - q) & 1 else "Z")
                        for q in range(n) if (new_x | new_z) >> (n - 1 - q) & 1)
        return encoded, phase

    def encode_jordan_wigner(self, operator: Any) -> Any:
        """The encoded image of a Jordan-Wigner ``QubitOperator``."""
        if self.mapping == "jordan_wigner":
            return operator
        encoded = openfermion.QubitOperator()
        for string, coefficient in operator.terms.items():
            new_string, phase = self.encode_string(string)
            encoded += openfermion.QubitOperator(new_string, coefficient * phase)
        return encoded

    def map(self, fermion_operator: Any) -> Any:
        """The encoded image of a ``FermionOperator`` or ``InteractionOperator``.

        Jordan-Wigner and Bravyi-Kitaev are OpenFermion's; parity is the conjugated
        Jordan-Wigner image (OpenFermion's ``binary_code_transform`` gives the same operator, far
        more slowly).
        """
        if self.mapping == "bravyi_kitaev":
            if isinstance(fermion_operator, openfermion.InteractionOperator):
                fermion_operator = openfermion.get_fermion_operator(fermion_operator)
            return openfermion.bravyi_kitaev(fermion_operator, n_qubits=self.n_qubits)
        if isinstance(fermion_operator, openfermion.InteractionOperator):
            return self.encode_jordan_wigner(jordan_wigner_interaction(fermion_operator))
        return self.encode_jordan_wigner(openfermion.jordan_wigner(fermion_operator))

    def excitation_rotations(self, creation: tuple[int, ...], annihilation: tuple[int, ...]
                             ) -> tuple[tuple[PauliString, float], ...]:
        """``T - T^dagger = i * sum_k w_k P_k`` in this encoding: the (P_k, w_k), sorted."""
        return encoded_rotations(self, creation, annihilation)


Y_PHASES = np.array([1, -1j, -1, 1j])  # (-i)^k exactly, k = 0..3


def ladder_products(modes: Sequence[np.ndarray], actions: Sequence[bool],
                    coefficients: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Products of ladder operators under Jordan-Wigner as X^x Z^z strings (bit q: qubit q).

    Entry k is ``coefficients[k]`` times the product over i of a+ (``actions[i]``) or a of mode
    ``modes[i][k]``. Each factor is Z_{<j} (X_j -+ i Y_j) / 2 = Z_{<j} (X_j +- X_j Z_j) / 2 (Y = i X
    Z), and (X^x1 Z^z1)(X^x2 Z^z2) = (-1)^(z1.x2) X^(x1^x2) Z^(z1^z2): all entries are expanded at
    once into 2^len(actions) strings each, not yet summed (:func:`summed_pauli_strings`).

    Returns:
        x masks, z masks and coefficients of the strings.
    """
    x_mask = np.zeros(coefficients.size, dtype=np.int64)
    z_mask = np.zeros(coefficients.size, dtype=np.int64)
    coefficients = coefficients.astype(complex)
    for mode, create in zip(modes, actions):
        # The strings so far are blocks of all entries, one block per choice made.
        bit = np.tile(np.left_shift(np.int64(1), mode.astype(np.int64)), x_mask.size // mode.size)
        half = 0.5 * coefficients * np.where(z_mask & bit, -1.0, 1.0)  # x2 is this bit
        x_mask = np.tile(x_mask ^ bit, 2)
        z_mask = np.concatenate([z_mask ^ (bit - 1), z_mask ^ (bit - 1) ^ bit])
        coefficients = np.concatenate([half, half if create else -half])
    return x_mask, z_mask, coefficients


def summed_pauli_strings(x_mask: np.ndarray, z_mask: np.ndarray, coefficients: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strings of equal (x, z) summed (lexsort + reduceat), and X^x Z^z = (-i)^(number of Y) P:
    the x and z masks of the distinct strings and the coefficients of their Pauli strings P."""
    order = np.lexsort((z_mask, x_mask))
    x_mask, z_mask = x_mask[order], z_mask[order]
    new_string = (np.diff(x_mask) != 0) | (np.diff(z_mask) != 0)
    starts = np.flatnonzero(np.concatenate([[True], new_string]))
    summed = np.add.reduceat(coefficients[order], starts)
    x_mask, z_mask = x_mask[starts], z_mask[starts]
    return x_mask, z_mask, summed * Y_PHASES[np.bitwise_count(x_mask & z_mask) % 4]


@functools.lru_cache(maxsize=None)
def jordan_wigner_rotations(creation: tuple[int, ...], annihilation: tuple[int, ...]
                            ) -> tuple[tuple[PauliString, float], ...]:
    """``T - T^dagger = i * sum_k w_k P_k`` under Jordan-Wigner: the (P_k, w_k), sorted (the
    terms of OpenFermion's ``jordan_wigner``, tested; computed here on bit masks)."""
    operators = [(mode, True) for mode in creation] + [(mode, False) for mode in annihilation]
    excitation = ladder_products([np.array([mode]) for mode, _ in operators],
                                 [create for _, create in operators], np.ones(1))
    conjugate = ladder_products([np.array([mode]) for mode, _ in reversed(operators)],
                                [not create for _, create in reversed(operators)], -np.ones(1))
    x_mask, z_mask, weights = summed_pauli_strings(
        *(np.concatenate(parts) for parts in zip(excitation, conjugate)))
    return tuple(sorted((xz_string(int(x), int(z)), float(np.imag(weight)))
                        for x, z, weight in zip(x_mask, z_mask, weights)
                        if abs(weight) >= 1e-8))  # OpenFermion's EQ_TOLERANCE


def xz_string(x_mask: int, z_mask: int) -> PauliString:
    """The Pauli string of X^x Z^z (bit q: qubit q), up to its phase (-i)^(number of Y)."""
    return tuple((qubit, "Y" if x_mask >> qubit & z_mask >> qubit & 1 else
                  "X" if x_mask >> qubit & 1 else "Z")
                 for qubit in range(max(x_mask | z_mask, 1).bit_length())
                 if (x_mask | z_mask) >> qubit & 1)


def jordan_wigner_interaction(operator: Any) -> Any:
    """OpenFermion's ``jordan_wigner`` of an ``InteractionOperator``, on arrays.

    Every nonzero tensor entry's product of ladder operators is expanded for all entries at once
    (:func:`ladder_products`), the strings of equal (x, z) are summed
    (:func:`summed_pauli_strings`); strings that cancel to 1e-14 are left out. The same operator
    as OpenFermion's (tested to 1e-12 term by term), faster: OpenFermion builds it term by term
    in Python.
    """
    parts = [(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64),
              np.array([operator.constant], dtype=complex))]
    for tensor, actions in ((operator.one_body_tensor, (True, False)),
                            (operator.two_body_tensor, (True, True, False, False))):
        modes = np.nonzero(tensor)
        parts.append(ladder_products(modes, actions, tensor[modes]))
    x_mask, z_mask, summed = summed_pauli_strings(
        *(np.concatenate(part) for part in zip(*parts)))
    kept = np.abs(summed) > 1e-14  # the cancelled strings (the qubits stage's compress threshold)
    qubit_operator = openfermion.QubitOperator()
    qubit_operator.terms = {xz_string(int(x), int(z)): complex(value)
                            for x, z, value in zip(x_mask[kept], z_mask[kept], summed[kept])}
    return qubit_operator


@functools.lru_cache(maxsize=None)
def encoded_rotations(encoding: Encoding, creation: tuple[int, ...],
                      annihilation: tuple[int, ...]) -> tuple[tuple[PauliString, float], ...]:
    """The excitation generator's Pauli rotations in ``encoding`` (see :meth:`Encoding.
    excitation_rotations`). The strings commute (U preserves commutation)."""
    if encoding.mapping == "jordan_wigner":
        return jordan_wigner_rotations(creation, annihilation)
    rotations = []
    for string, weight in jordan_wigner_rotations(creation, annihilation):
        encoded, phase = encoding.encode_string(string)
        rotations.append((encoded, weight * float(np.real(phase))))
    return tuple(sorted(rotations))


def encoder_matrix(mapping: str, n_qubits: int) -> np.ndarray:
    """The encoder matrix A (q = A n over GF(2)) of ``mapping``.

    Bravyi-Kitaev's is read off OpenFermion's mapped number operators, n_k = (1 - Z_{S_k}) / 2:
    row k of A^-1 is S_k; so the sector and the reference follow OpenFermion's convention.

    Raises:
        ValueError: unknown mapping.
    """
    if mapping == "jordan_wigner":
        return np.eye(n_qubits, dtype=np.uint8)
    if mapping == "parity":
        return np.tril(np.ones((n_qubits, n_qubits), dtype=np.uint8))
    if mapping == "bravyi_kitaev":
        decoder = np.zeros((n_qubits, n_qubits), dtype=np.uint8)
        for mode in range(n_qubits):
            number = openfermion.bravyi_kitaev(
                openfermion.FermionOperator(((mode, 1), (mode, 0))), n_qubits=n_qubits)
            strings = [string for string in number.terms if string]
            if len(strings) != 1 or any(pauli != "Z" for _, pauli in strings[0]):
                raise ValueError("Bravyi-Kitaev number operator is not one Z string")
            decoder[mode, [qubit for qubit, _ in strings[0]]] = 1
        return gf2_inverse(decoder)
    raise ValueError(f"unknown mapping '{mapping}'; use one of {', '.join(MAPPINGS)}")


@functools.lru_cache(maxsize=None)
def encoding_for(mapping: str, n_qubits: int) -> Encoding:
    """The :class:`Encoding` of ``mapping`` on ``n_qubits`` qubits.

    Raises:
        ValueError: unknown mapping.
    """
    encoder = encoder_matrix(mapping, n_qubits)
    decoder = gf2_inverse(encoder)
    return Encoding(mapping, n_qubits, row_masks(encoder), row_masks(decoder),
                    row_masks(decoder.T))
