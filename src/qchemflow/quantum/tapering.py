"""Qubit tapering (Bravyi, Gambetta, Mezzacapo & Temme, arXiv:1701.08213): Z2 symmetries of the
qubit Hamiltonian, their eigenvalues in the reference determinant, and the Hamiltonian and
circuit on fewer qubits.

A Z string S commutes with a Pauli term of X mask x exactly when popcount(x & S) is even, so the
Z-type symmetries are the GF(2) kernel of the terms' X masks (the X block of the Pauli check
matrix; OpenFermion has no finder). Only Z-type symmetries are kept: the reference determinant is
a computational basis state, an eigenstate of every Z string and of no other Pauli string, so it
fixes their eigenvalues; symmetries with X or Y parts would need another reference. The kernel is
brought to reduced row-echelon form, so each generator has a qubit (its pivot) that no other
generator touches: that qubit is removed, with OpenFermion's ``taper_off_qubits`` (which keeps
the other qubits' basis states and renumbers them in order), and the tapered reference is the
reference with the removed qubits deleted.

The circuit is tapered gate by gate: each exponential of a Pauli string that commutes with every
symmetry becomes the exponential of its tapered string. A gate that anticommutes with a symmetry
(an excitation that changes the point-group irrep) has a zero angle in a symmetric state; it is
dropped when its angle is below :data:`ZERO_ANGLE`, and refused otherwise.

The symmetries are exact: a term of the stored Hamiltonian (coefficients above 1e-14 Ha) that
breaks one rules it out, so a geometry that is only nearly symmetric tapers fewer qubits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cirq
import numpy as np
import openfermion

from qchemflow.quantum.circuits import ExcitationGate, PauliRotationGate
from qchemflow.quantum.encoding import PauliString
from qchemflow.quantum.sector import PauliTerms

ZERO_ANGLE = 1e-9


def gf2_row_echelon(matrix: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Reduced row-echelon form over GF(2) and its pivot columns (zero rows dropped)."""
    work = matrix.astype(np.uint8) % 2
    pivots: list[int] = []
    row = 0
    for column in range(work.shape[1]):
        if row == work.shape[0]:
            break
        candidates = np.nonzero(work[row:, column])[0]
        if candidates.size == 0:
            continue
        pivot = row + int(candidates[0])
        work[[row, pivot]] = work[[pivot, row]]
        for other in np.nonzero(work[:, column])[0]:
            if other != row:
                work[other] ^= work[row]
        pivots.append(column)
        row += 1
    return work[:row], pivots


def gf2_kernel(matrix: np.ndarray) -> np.ndarray:
    """A basis of {v : matrix v = 0} over GF(2), in reduced row-echelon form (rows)."""
    n_columns = matrix.shape[1]
    echelon, pivots = gf2_row_echelon(matrix)
    free = [column for column in range(n_columns) if column not in pivots]
    basis = np.zeros((len(free), n_columns), dtype=np.uint8)
    for index, column in enumerate(free):
        basis[index, column] = 1
        for row, pivot in enumerate(pivots):
            basis[index, pivot] = echelon[row, column]
    reduced, _ = gf2_row_echelon(basis) if len(free) else (basis, [])
    return reduced


def mask_bits(masks: np.ndarray, n_qubits: int) -> np.ndarray:
    """Masks (qubit q at bit n - 1 - q) as rows of 0/1 over qubits 0 .. n - 1."""
    shifts = n_qubits - 1 - np.arange(n_qubits)
    return ((np.asarray(masks, dtype=np.int64)[:, None] >> shifts[None, :]) & 1).astype(np.uint8)


@dataclass(frozen=True)
class Tapering:
    """Z2 symmetries of a qubit Hamiltonian with their reference eigenvalues.

    ``symmetries[k]`` is a Z string (its qubits) with eigenvalue ``eigenvalues[k]`` (±1) in the
    reference; ``removed_qubits[k]`` is the qubit it removes (its pivot).
    """

    n_qubits: int
    symmetries: tuple[tuple[int, ...], ...]
    eigenvalues: tuple[int, ...]
    removed_qubits: tuple[int, ...]

    @property
    def tapered_qubits(self) -> int:
        """Qubits left after tapering."""
        return self.n_qubits - len(self.removed_qubits)

    def stabilizers(self) -> list[Any]:
        """The symmetries times their eigenvalues, as OpenFermion ``QubitOperator``s (the
        reference is their +1 eigenstate)."""
        return [openfermion.QubitOperator(tuple((qubit, "Z") for qubit in symmetry), value)
                for symmetry, value in zip(self.symmetries, self.eigenvalues)]

    def labels(self) -> list[str]:
        """The symmetries as signed strings, e.g. ``+Z0 Z2``."""
        return [("+" if value > 0 else "-") + " ".join(f"Z{qubit}" for qubit in symmetry)
                for symmetry, value in zip(self.symmetries, self.eigenvalues)]

    def taper(self, operator: Any) -> Any:
        """The operator on the tapered qubits (it must commute with every symmetry).

        Raises:
            ValueError: a term anticommutes with a symmetry.
        """
        for string in operator.terms:
            if self.anticommutes(string):
                raise ValueError(f"term {string} anticommutes with a symmetry")
        if not self.symmetries:
            return operator
        tapered = openfermion.taper_off_qubits(operator, self.stabilizers(), manual_input=True,
                                               fixed_positions=list(self.removed_qubits))
        tapered.compress(1e-14)
        return tapered

    def anticommutes(self, string: PauliString) -> bool:
        """Whether a Pauli string anticommutes with any symmetry."""
        flips = {qubit for qubit, pauli in string if pauli in "XY"}
        return any(len(flips.intersection(symmetry)) % 2 for symmetry in self.symmetries)

    def tapered_reference(self, reference_qubits: tuple[int, ...]) -> tuple[int, ...]:
        """The reference's set qubits after the removed ones are deleted and the rest renumbered."""
        kept = [qubit for qubit in range(self.n_qubits) if qubit not in self.removed_qubits]
        return tuple(kept.index(qubit) for qubit in reference_qubits if qubit in kept)


def find_tapering(terms: PauliTerms, reference_qubits: tuple[int, ...]) -> Tapering:
    """The Z-type Z2 symmetries of ``terms`` and their eigenvalues in the reference.

    Args:
        terms: the qubit Hamiltonian.
        reference_qubits: the qubits set in the reference determinant (encoded).
    """
    n_qubits = terms.n_qubits
    x_rows = mask_bits(np.unique(terms.x_masks), n_qubits)
    kernel = gf2_kernel(x_rows) if x_rows.size else np.eye(n_qubits, dtype=np.uint8)
    symmetries, eigenvalues, removed = [], [], []
    reference = set(reference_qubits)
    for row in kernel:
        qubits = tuple(int(qubit) for qubit in np.nonzero(row)[0])
        symmetries.append(qubits)
        eigenvalues.append(-1 if len(reference.intersection(qubits)) % 2 else 1)
        removed.append(qubits[0])  # the pivot: no other generator touches it
    return Tapering(n_qubits, tuple(symmetries), tuple(eigenvalues), tuple(removed))


def tapered_circuit(circuit: cirq.Circuit, tapering: Tapering,
                    reference_qubits: tuple[int, ...]) -> cirq.Circuit:
    """The resolved circuit on the tapered qubits: the tapered reference, then one Pauli
    rotation per commuting string of each gate (strings that taper to the identity are a global
    phase and dropped).

    Args:
        circuit: a resolved circuit of X preparation, :class:`~qchemflow.quantum.circuits.
            ExcitationGate` and :class:`~qchemflow.quantum.circuits.PauliRotationGate`.
        tapering: the symmetries.
        reference_qubits: the qubits the circuit's X gates set (encoded reference).

    Raises:
        ValueError: a gate anticommutes with a symmetry at a non-zero angle, or an operation is
            of another kind.
    """
    qubits = cirq.LineQubit.range(tapering.tapered_qubits)
    operations = [cirq.X(qubits[qubit]) for qubit in tapering.tapered_reference(reference_qubits)]
    for operation in circuit.all_operations():
        gate = operation.gate
        if gate == cirq.X:
            continue
        if isinstance(gate, ExcitationGate):
            angle = float(gate.angle) * gate.excitation.coefficient
            rotations = [(string, angle * weight) for string, weight in gate.rotations]
        elif isinstance(gate, PauliRotationGate):
            rotations = [(gate.string, float(gate.angle))]
        else:
            raise ValueError(f"cannot taper operation {operation}")
        for string, angle in rotations:
            if tapering.anticommutes(string):
                if abs(angle) > ZERO_ANGLE:
                    raise ValueError(f"a gate breaks a symmetry at angle {angle:.3e}: the state "
                                     "is not in the reference's symmetry sector")
                continue
            tapered = tapering.taper(openfermion.QubitOperator(string, 1.0))
            ((new_string, sign),) = tapered.terms.items()
            if new_string:
                operations.append(PauliRotationGate(new_string, angle * float(np.real(sign))).on(
                    *qubits[new_string[0][0]:new_string[-1][0] + 1]))
    return cirq.Circuit(operations)
