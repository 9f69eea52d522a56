"""CNOT-efficient fermionic excitation circuits (Yordanov, Arvidsson-Shukur & Barnes 2020).

The circuits of Phys. Rev. A 102, 062612 (2020), arXiv:2005.14475, under Jordan-Wigner:

* Sign and parity. For an excitation ``T = a†_{c1} a†_{c2} ... a_{a1} a_{a2}`` on distinct
  modes, Jordan-Wigner gives ``T = s * Q * Z_P``: ``Q`` is the *qubit* excitation (``sigma^+``,
  i.e. ``|1><0|``, on the creation qubits, ``sigma^-`` on the annihilation qubits), ``Z_P`` the
  product of ``Z`` over the parity set ``P`` and ``s = +-1``. Reordering the operators into
  decreasing mode order costs the sign of that permutation; then with the modes sorted
  ``m_1 < ... < m_n`` the operator at ``m_k`` carries ``n - k`` Jordan-Wigner ``Z``s from the
  higher ones, so ``P`` holds the modes strictly between ``m_k`` and ``m_{k+1}`` for odd
  ``n - k``, and each creation mode ``m_k`` with odd ``n - k`` contributes ``-1``
  (``Z sigma^+ = -sigma^+``, ``Z sigma^- = sigma^-``). Every ordering of the creation and
  annihilation tuples is handled by this permutation sign; nothing assumes one ordering.
* Parity. ``Z_x (Q - Q†) Z_x = -(Q - Q†)`` for an excitation qubit ``x``, so
  ``exp(phi (Q - Q†) Z_P) = CZ(p, x) exp(phi (Q - Q†)) CZ(p, x)`` once qubit ``p`` holds the
  parity of ``P`` (a CNOT ladder over ``P`` computes it and is undone afterwards):
  ``2 |P|`` extra two-qubit gates (none when ``P`` is empty).
* Qubit single excitation (2 CNOTs): ``exp(phi (Q - Q†)) = exp(i phi/2 (X_c Y_a - Y_c X_a))``
  ``= W CNOT(c->a) Rx_c(-phi) Rz_a(phi) CNOT(c->a) W†`` with the Clifford ``W`` mapping
  ``X_c X_a -> X_c Y_a`` and ``Z_c Z_a -> Y_c X_a`` (the paper's Fig. 2 construction).
* Qubit double excitation (13 CNOTs): three CNOTs map ``|c=11, a=00>`` and ``|c=00, a=11>``
  to two states that differ only in qubit ``c1``; the rotation between them is an ``Ry(2 phi)``
  on ``c1`` controlled by the other three qubits, a Gray-code sequence of eight
  ``Ry(+-phi/4)`` and eight CZs (``Z Ry(b) Z = Ry(-b)``); the first CZ merges with the last
  mapping CNOT into one CNOT (``CZ(y, z) CNOT(y->z) = S_y CY(y->z)``), and three CNOTs undo
  the mapping: 3 + 8 + 3 - 1 = 13 (the paper's Fig. 3 count).

The decomposition is exact, global phase included: it equals
``cirq.unitary(ExcitationGate(excitation, angle))``.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import cirq
import numpy as np

from qchemflow.quantum.ansatz import Ansatz, Excitation
from qchemflow.quantum.circuits import ExcitationGate, parameter_symbols

#: Two-qubit gates of the qubit excitations: single and double.
QUBIT_EXCITATION_CNOTS = {1: 2, 2: 13}


def _permutation_sign(values: Sequence[int]) -> int:
    """Sign of the permutation that sorts ``values`` (distinct) into decreasing order."""
    inversions = sum(1 for i in range(len(values)) for j in range(i + 1, len(values))
                     if values[i] < values[j])
    return -1 if inversions % 2 else 1


def _check(excitation: Excitation) -> None:
    order = len(excitation.creation)
    if order not in (1, 2) or len(excitation.annihilation) != order:
        raise ValueError(
            "efficient circuits exist for single (1 creation, 1 annihilation) and double "
            f"(2 and 2) excitations only, not creation={excitation.creation}, "
            f"annihilation={excitation.annihilation}")
    if len(set(excitation.modes)) != len(excitation.modes):
        raise ValueError(f"the modes of an excitation must be distinct: {excitation.modes}")


def jordan_wigner_layout(excitation: Excitation) -> tuple[int, tuple[int, ...]]:
    """``(s, P)`` with ``T = s * Q * Z_P`` under Jordan-Wigner (see the module docstring).

    ``P`` is sorted and holds absolute mode indices.

    Raises:
        ValueError: not a single or double excitation on distinct modes.
    """
    _check(excitation)
    modes = excitation.modes
    sign = _permutation_sign(modes)
    ordered = sorted(modes)
    n = len(ordered)
    parity: list[int] = []
    for k, mode in enumerate(ordered):
        if (n - 1 - k) % 2 == 1:  # an odd number of higher operators' Z strings reach here
            if mode in excitation.creation:
                sign = -sign
            parity.extend(range(mode + 1, ordered[k + 1]))
    return sign, tuple(parity)


def efficient_two_qubit_gate_count(excitation: Excitation) -> int:
    """CNOTs + CZs of :func:`efficient_excitation_operations`: 2 (single) or 13 (double) + 2|P|.

    Raises:
        ValueError: not a single or double excitation on distinct modes.
    """
    _, parity = jordan_wigner_layout(excitation)
    return QUBIT_EXCITATION_CNOTS[len(excitation.creation)] + 2 * len(parity)


def _qubit_single(phi: Any, c: cirq.Qid, a: cirq.Qid) -> Iterator[cirq.Operation]:
    """``exp(phi (|1_c 0_a><0_c 1_a| - h.c.))`` with two CNOTs."""
    half_pi = np.pi / 2
    # W† (W_c = Rx(-pi/2): X->X, Z->Y; W_a = Rz(pi/2) Rx(pi/2): X->Y, Z->X).
    yield cirq.rx(half_pi).on(c)
    yield cirq.rz(-half_pi).on(a)
    yield cirq.rx(-half_pi).on(a)
    # exp(i phi/2 X_c X_a) exp(-i phi/2 Z_c Z_a).
    yield cirq.CNOT(c, a)
    yield cirq.rx(-phi).on(c)
    yield cirq.rz(phi).on(a)
    yield cirq.CNOT(c, a)
    # W.
    yield cirq.rx(-half_pi).on(c)
    yield cirq.rx(half_pi).on(a)
    yield cirq.rz(half_pi).on(a)


# The reflected Gray code on (z, u, v) (bit 0 = z): the masks after each CZ of the cycle.
_GRAY_MASKS = (0b001, 0b011, 0b010, 0b110, 0b111, 0b101, 0b100, 0b000)


def _qubit_double(phi: Any, c1: cirq.Qid, c2: cirq.Qid, a1: cirq.Qid, a2: cirq.Qid
                  ) -> Iterator[cirq.Operation]:
    """``exp(phi (|11_c 00_a><00_c 11_a| - h.c.))`` with 13 CNOTs."""
    # Mapping: |c1 c2 a1 a2> = |0011> -> |0010>, |1100> -> |1010>: they differ only in c1,
    # and the controls (c2, a1, a2) = (0, 1, 0) single them out.
    y, z, u, v = c1, a1, c2, a2
    controls = (z, u, v)
    pattern = 0b001  # z = a1 = 1, u = c2 = 0, v = a2 = 0
    yield cirq.CNOT(c1, c2)
    yield cirq.CNOT(a1, a2)
    # CNOT(y->z) followed by the cycle's first CZ(z, y) = S_y CY(y->z) = S_y S_z CNOT S_z†.
    yield (cirq.S ** -1).on(z)
    yield cirq.CNOT(y, z)
    yield cirq.S.on(z)
    yield cirq.S.on(y)
    previous = 0
    for index, mask in enumerate(_GRAY_MASKS):
        if index > 0:
            flipped = mask ^ previous
            yield cirq.CZ(controls[flipped.bit_length() - 1], y)
        previous = mask
        # Walsh coefficient of 2 phi * delta(x, pattern): (2 phi / 8) (-1)^{mask . pattern}.
        sign = -1 if bin(mask & pattern).count("1") % 2 else 1
        yield cirq.ry(sign * phi / 4).on(y)
    yield cirq.CNOT(y, z)
    yield cirq.CNOT(a1, a2)
    yield cirq.CNOT(c1, c2)


def efficient_excitation_operations(excitation: Excitation, angle: Any,
                                    qubits: Sequence[cirq.Qid]) -> list[cirq.Operation]:
    """``exp(angle * coefficient * (T - T†))`` as CNOTs, CZs and single-qubit gates.

    Args:
        excitation: a single or double excitation on distinct modes.
        angle: a float or a sympy expression (the operations stay parameterised).
        qubits: ``qubits[k]`` is mode ``min(excitation.modes) + k``; exactly as many as the
            modes from the lowest to the highest, like ``ExcitationGate.on(*qubits)``.

    Returns:
        Operations whose product is ``cirq.unitary(ExcitationGate(excitation, angle))``,
        global phase included.

    Raises:
        ValueError: not a single or double excitation on distinct modes, or the wrong number
            of qubits.
    """
    sign, parity = jordan_wigner_layout(excitation)
    first = min(excitation.modes)
    span = max(excitation.modes) - first + 1
    if len(qubits) != span:
        raise ValueError(f"{excitation} acts on {span} qubits, got {len(qubits)}")

    def qubit(mode: int) -> cirq.Qid:
        return qubits[mode - first]

    phi = angle * (sign * excitation.coefficient)
    if len(excitation.creation) == 1:
        core = list(_qubit_single(phi, qubit(excitation.creation[0]),
                                  qubit(excitation.annihilation[0])))
    else:
        core = list(_qubit_double(phi, *(qubit(mode) for mode in excitation.creation),
                                  *(qubit(mode) for mode in excitation.annihilation)))
    if not parity:
        return core
    # The parity of P into its last qubit, a CZ onto an excitation qubit on either side.
    ladder = [cirq.CNOT(qubit(left), qubit(right)) for left, right in zip(parity, parity[1:])]
    flip = cirq.CZ(qubit(parity[-1]), qubit(excitation.creation[0]))
    return ladder + [flip] + core + [flip] + ladder[::-1]


class EfficientExcitationGate(ExcitationGate):
    """An :class:`ExcitationGate` (same unitary) decomposing into the CNOT-efficient circuit.

    Jordan-Wigner only (the parent's ``encoding`` is None); ``first_mode`` is its first qubit.
    Everything that recognises ``ExcitationGate`` keeps working. Note that
    ``circuits.circuit_statistics`` counts the Pauli-string layout for every ExcitationGate;
    the two-qubit gates of this gate's decomposition are
    :func:`efficient_two_qubit_gate_count`.
    """

    def __init__(self, excitation: Excitation, angle: Any):
        """Args:
            excitation: a single or double excitation (the coefficient multiplies ``angle``).
            angle: the parameter, a float or a sympy expression.

        Raises:
            ValueError: not a single or double excitation on distinct modes.
        """
        _check(excitation)
        super().__init__(excitation, angle)  # encoding None: Jordan-Wigner
        self.first_mode = min(excitation.modes)  # = the first qubit under Jordan-Wigner

    def _with_angle(self, angle: Any) -> "EfficientExcitationGate":
        return EfficientExcitationGate(self.excitation, angle)

    def _decompose_(self, qubits: tuple[cirq.Qid, ...]) -> Iterator[cirq.Operation]:
        yield from efficient_excitation_operations(self.excitation, self.angle, qubits)

    def __repr__(self) -> str:
        return f"EfficientExcitationGate({self.excitation!r}, {self.angle!r})"


def efficient_ansatz_circuit(ansatz: Ansatz) -> cirq.Circuit:
    """Like ``circuits.ansatz_circuit``, with :class:`EfficientExcitationGate`s.

    Raises:
        ValueError: an excitation is neither a single nor a double on distinct modes.
    """
    qubits = cirq.LineQubit.range(ansatz.n_qubits)
    symbols = parameter_symbols(ansatz.n_parameters)
    circuit = cirq.Circuit(cirq.X(qubits[mode]) for mode in ansatz.occupied)
    for excitation in ansatz.excitations:
        gate = EfficientExcitationGate(excitation, symbols[excitation.parameter])
        circuit.append(gate.on(*qubits[gate.first_mode:gate.first_mode + gate.span]))
    return circuit
