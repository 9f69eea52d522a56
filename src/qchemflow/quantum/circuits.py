"""Cirq circuits of the ansätze: Hartree-Fock preparation and exact excitation gates.

:class:`ExcitationGate` is ``exp(theta * c * (T - T^dagger))`` in an encoding (Jordan-Wigner by
default, or Bravyi-Kitaev or parity: :mod:`qchemflow.quantum.encoding`), acting on the qubits
from the lowest to the highest its encoded generator touches (for Jordan-Wigner: its lowest to
its highest spin orbital, the parity string in between included). Its unitary is exact, and it
decomposes exactly into CNOTs and single-qubit rotations: the encoded ``T - T^dagger`` is a sum
of commuting Pauli strings, and each string's exponential is a basis change, a CNOT ladder and
one Rz. The Hartree-Fock preparation is X on the qubits set in the encoded determinant.
"""

from __future__ import annotations

from typing import AbstractSet, Any, Callable, Iterator

import cirq
import numpy as np
import sympy

from qchemflow.quantum.ansatz import Ansatz, Excitation
from qchemflow.quantum.encoding import (Encoding, PauliString, encoding_for,
                                        jordan_wigner_rotations)


def pauli_exponential_layout(string: dict[int, str]) -> list[tuple[str, tuple[int, ...]]]:
    """The gates of exp(i t P) in order: basis change, CNOT ladder, Rz, CNOT ladder, undo.

    Kinds: ``H``, ``RX+`` (Rx(pi/2)), ``RX-`` (Rx(-pi/2)), ``CNOT``, ``RZ`` (Rz(-2t)).
    """
    active = sorted(string)
    Layout = list[tuple[str, tuple[int, ...]]]
    ladder: Layout = [("CNOT", (left, right)) for left, right in zip(active, active[1:])]
    into: Layout = [("H" if string[q] == "X" else "RX+", (q,))
                    for q in active if string[q] in "XY"]
    out: Layout = [("H" if string[q] == "X" else "RX-", (q,))
                   for q in active if string[q] in "XY"]
    return into + ladder + [("RZ", (active[-1],))] + ladder[::-1] + out


PAULI_MATRICES = {"I": np.eye(2, dtype=complex), "X": np.array([[0, 1], [1, 0]], dtype=complex),
                  "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1.0 + 0j, -1.0])}


def pauli_exponential_matrix(string: dict[int, str], angle: float, span: int) -> np.ndarray:
    """exp(i angle P) = cos(angle) + i sin(angle) P for a Pauli string on ``span`` qubits."""
    matrix = np.ones((1, 1), dtype=complex)
    for qubit in range(span):
        matrix = np.kron(matrix, PAULI_MATRICES[string.get(qubit, "I")])
    return np.cos(angle) * np.eye(1 << span) + 1j * np.sin(angle) * matrix


class _AngleGate(cirq.Gate):
    """A gate on qubits first .. first + span - 1 with one (possibly symbolic) angle."""

    angle: Any
    span: int

    def _num_qubits_(self) -> int:
        return self.span

    def _is_parameterized_(self) -> bool:
        return cirq.is_parameterized(self.angle)

    def _parameter_names_(self) -> AbstractSet[str]:
        return cirq.parameter_names(self.angle)

    def _with_angle(self, angle: Any) -> "_AngleGate":
        raise NotImplementedError

    def _resolve_parameters_(self, resolver: cirq.ParamResolver, recursive: bool
                             ) -> "_AngleGate":
        return self._with_angle(resolver.value_of(self.angle, recursive))


class ExcitationGate(_AngleGate):
    """``exp(angle * (T - T^dagger))`` for one fermionic excitation in an encoding."""

    def __init__(self, excitation: Excitation, angle: Any, encoding: Encoding | None = None):
        """Args:
            excitation: modes and coefficient (the coefficient multiplies ``angle``).
            angle: the parameter, a float or a sympy expression.
            encoding: the fermion-to-qubit encoding; None: Jordan-Wigner.
        """
        self.excitation = excitation
        self.angle = angle
        self.encoding = encoding
        self.rotations = excitation_rotations(excitation, encoding)
        support = [qubit for string, _ in self.rotations for qubit, _ in string]
        self.first_qubit = min(support)
        self.span = max(support) - self.first_qubit + 1

    def _with_angle(self, angle: Any) -> "ExcitationGate":
        return ExcitationGate(self.excitation, angle, self.encoding)

    def _pauli_rotations(self) -> Iterator[tuple[dict[int, str], float]]:
        """(local Pauli string, real weight w) with T - T^dagger = i * sum w P."""
        for term, weight in self.rotations:
            yield {qubit - self.first_qubit: pauli for qubit, pauli in term}, weight

    def _unitary_(self) -> np.ndarray | None:
        if self._is_parameterized_():
            return None
        theta = float(self.angle) * self.excitation.coefficient
        unitary = np.eye(1 << self.span, dtype=complex)
        for string, weight in self._pauli_rotations():
            # The strings commute, so the product of their exponentials is exact.
            unitary = pauli_exponential_matrix(string, theta * weight, self.span) @ unitary
        return unitary

    def _decompose_(self, qubits: tuple[cirq.Qid, ...]) -> Iterator[cirq.Operation]:
        theta = self.angle * self.excitation.coefficient
        for string, weight in self._pauli_rotations():
            yield from pauli_exponential(string, theta * weight, qubits)

    def _circuit_diagram_info_(self, args: cirq.CircuitDiagramInfoArgs) -> tuple[str, ...]:
        if self.encoding is not None and self.encoding.mapping != "jordan_wigner":
            return tuple("Exc" for _ in range(self.span))
        labels = []
        for qubit in range(self.span):
            mode = qubit + self.first_qubit
            labels.append("+" if mode in self.excitation.creation else
                          "-" if mode in self.excitation.annihilation else "Z")
        return tuple(f"Exc({label})" for label in labels)


def excitation_rotations(excitation: Excitation, encoding: Encoding | None
                         ) -> tuple[tuple[PauliString, float], ...]:
    """The excitation's generator as Pauli rotations in ``encoding`` (None: Jordan-Wigner)."""
    if encoding is None:
        return jordan_wigner_rotations(excitation.creation, excitation.annihilation)
    return encoding.excitation_rotations(excitation.creation, excitation.annihilation)


class PauliRotationGate(_AngleGate):
    """exp(i * angle * P) for one Pauli string P on consecutive qubits (qubit-ADAPT operators)."""

    def __init__(self, string: tuple[tuple[int, str], ...], angle: Any):
        """Args:
            string: ((qubit, pauli), ...) with absolute qubit indices.
            angle: a float or a sympy expression.
        """
        self.string = tuple(sorted(string))
        self.angle = angle
        self.first_qubit = self.string[0][0]
        self.span = self.string[-1][0] - self.first_qubit + 1

    def _with_angle(self, angle: Any) -> "PauliRotationGate":
        return PauliRotationGate(self.string, angle)

    def local_string(self) -> dict[int, str]:
        """The string on the gate's own qubits (0 = its first qubit)."""
        return {qubit - self.first_qubit: pauli for qubit, pauli in self.string}

    def _unitary_(self) -> np.ndarray | None:
        if self._is_parameterized_():
            return None
        return pauli_exponential_matrix(self.local_string(), float(self.angle), self.span)

    def _decompose_(self, qubits: tuple[cirq.Qid, ...]) -> Iterator[cirq.Operation]:
        yield from pauli_exponential(self.local_string(), self.angle, qubits)


def pauli_rotation_circuit(n_qubits: int, occupied: tuple[int, ...],
                           strings: list[tuple[tuple[int, str], ...]]) -> cirq.Circuit:
    """HF preparation and one parameterised Pauli rotation per string (theta_k for string k)."""
    qubits = cirq.LineQubit.range(n_qubits)
    symbols = parameter_symbols(len(strings))
    circuit = cirq.Circuit(cirq.X(qubits[mode]) for mode in occupied)
    for symbol, string in zip(symbols, strings):
        gate = PauliRotationGate(string, symbol)
        circuit.append(gate.on(*qubits[gate.first_qubit:gate.first_qubit + gate.span]))
    return circuit


def pauli_exponential(string: dict[int, str], angle: Any, qubits: tuple[cirq.Qid, ...]
                      ) -> Iterator[cirq.Operation]:
    """exp(i * angle * P) for a Pauli string P, as Cirq operations (see the layout)."""
    gates: dict[str, Callable[[], cirq.Gate]] = {"H": lambda: cirq.H, "RX+": lambda: cirq.rx(np.pi / 2),
             "RX-": lambda: cirq.rx(-np.pi / 2), "CNOT": lambda: cirq.CNOT,
             "RZ": lambda: cirq.rz(-2 * angle)}
    for kind, targets in pauli_exponential_layout(string):
        yield gates[kind]().on(*(qubits[target] for target in targets))


def parameter_symbols(n_parameters: int) -> list[sympy.Symbol]:
    """The symbols theta_0 ... theta_{n-1}."""
    return [sympy.Symbol(f"theta_{index}") for index in range(n_parameters)]


def ansatz_circuit(ansatz: Ansatz, mapping: str = "jordan_wigner") -> cirq.Circuit:
    """The encoded Hartree-Fock preparation (X on the qubits set in the encoded determinant)
    and one encoded excitation gate per excitation."""
    encoding = encoding_for(mapping, ansatz.n_qubits)
    qubits = cirq.LineQubit.range(ansatz.n_qubits)
    symbols = parameter_symbols(ansatz.n_parameters)
    circuit = cirq.Circuit(cirq.X(qubits[qubit])
                           for qubit in encoding.reference_qubits(ansatz.occupied))
    for excitation in ansatz.excitations:
        gate = ExcitationGate(excitation, symbols[excitation.parameter], encoding)
        circuit.append(gate.on(*qubits[gate.first_qubit:gate.first_qubit + gate.span]))
    return circuit


def ansatz_from_circuit(circuit: cirq.Circuit, name: str, mapping: str = "jordan_wigner"
                        ) -> Ansatz:
    """Read the reference occupation and excitations back from a circuit (what the simulator runs).

    Raises:
        TypeError: the circuit has an operation that is neither X preparation nor an excitation.
    """
    prepared: list[int] = []
    excitations: list[Excitation] = []
    n_qubits = len(circuit.all_qubits())
    for operation in circuit.all_operations():
        if operation.gate == cirq.X:
            prepared.append(operation.qubits[0].x)  # type: ignore[attr-defined]
        elif isinstance(operation.gate, ExcitationGate):
            excitations.append(operation.gate.excitation)
        else:
            raise TypeError(f"unsupported operation {operation}")
    n_parameters = 1 + max((excitation.parameter for excitation in excitations), default=-1)
    occupied = encoding_for(mapping, n_qubits).occupied_modes(tuple(sorted(prepared)))
    return Ansatz(name, n_qubits, occupied, tuple(excitations), n_parameters)


def decomposed_operations(circuit: cirq.Circuit) -> list[cirq.Operation]:
    """The circuit as CNOTs and single-qubit gates (each excitation gate decomposed once)."""
    operations: list[cirq.Operation] = []
    for operation in circuit.all_operations():
        if isinstance(operation.gate, ExcitationGate):
            operations.extend(cirq.decompose_once(operation))
        else:
            operations.append(operation)
    return operations


def circuit_statistics(circuit: cirq.Circuit) -> dict[str, int]:
    """Qubits, depth, gates and two-qubit gates after decomposition to CNOT + 1-qubit rotations.

    Counted from the same layout that ``ExcitationGate._decompose_`` emits, without building the
    Cirq operations; the depth is that of Cirq's EARLIEST placement.
    """
    frontier: dict[int, int] = {}
    n_gates = n_two_qubit_gates = depth = n_excitations = 0

    def place(qubits: tuple[int, ...]) -> None:
        nonlocal depth
        moment = 1 + max(frontier.get(qubit, 0) for qubit in qubits)
        for qubit in qubits:
            frontier[qubit] = moment
        depth = max(depth, moment)

    for operation in circuit.all_operations():
        lines = tuple(qubit.x for qubit in operation.qubits)  # type: ignore[attr-defined]
        if isinstance(operation.gate, PauliRotationGate):
            n_excitations += 1
            for kind, targets in pauli_exponential_layout(dict(operation.gate.string)):
                place(targets)
                n_gates += 1
                n_two_qubit_gates += kind == "CNOT"
            continue
        if not isinstance(operation.gate, ExcitationGate):
            place(lines)
            n_gates += 1
            n_two_qubit_gates += len(lines) == 2
            continue
        n_excitations += 1
        for term, _ in operation.gate.rotations:
            for kind, targets in pauli_exponential_layout(dict(term)):
                place(targets)
                n_gates += 1
                n_two_qubit_gates += kind == "CNOT"
    return {"n_qubits": len(circuit.all_qubits()), "depth": depth, "n_gates": n_gates,
            "n_two_qubit_gates": n_two_qubit_gates, "n_excitation_gates": n_excitations}


def circuit_gates(circuit: cirq.Circuit) -> list[dict[str, Any]]:
    """The parameterised gates of an ansatz circuit, in order, as JSON-ready objects (what
    ``vqe.json`` records so that later stages rebuild the circuit exactly).

    An excitation is ``{"creation", "annihilation", "coefficient", "parameter"}``; a Pauli
    rotation (qubit ADAPT) is ``{"pauli": "X0 Y1", "parameter"}``.

    Raises:
        TypeError: a gate that is neither, or an angle that is not one parameter symbol.
    """
    gates: list[dict[str, Any]] = []
    for operation in circuit.all_operations():
        gate = operation.gate
        if gate == cirq.X:
            continue
        if not isinstance(gate, (ExcitationGate, PauliRotationGate)) or not isinstance(
                gate.angle, sympy.Symbol):
            raise TypeError(f"unsupported operation {operation}")
        parameter = int(str(gate.angle).removeprefix("theta_"))
        if isinstance(gate, ExcitationGate):
            gates.append({"creation": list(gate.excitation.creation),
                          "annihilation": list(gate.excitation.annihilation),
                          "coefficient": gate.excitation.coefficient, "parameter": parameter})
        else:
            gates.append({"pauli": " ".join(f"{pauli}{qubit}" for qubit, pauli in gate.string),
                          "parameter": parameter})
    return gates


def circuit_from_gates(gates: list[dict[str, Any]], reference_qubits: tuple[int, ...],
                       n_qubits: int, mapping: str) -> cirq.Circuit:
    """Rebuild the parameterised circuit from :func:`circuit_gates` and the encoded reference."""
    encoding = encoding_for(mapping, n_qubits)
    qubits = cirq.LineQubit.range(n_qubits)
    operations: list[cirq.Operation] = [cirq.X(qubits[qubit]) for qubit in reference_qubits]
    for entry in gates:
        symbol = sympy.Symbol(f"theta_{entry['parameter']}")
        gate: ExcitationGate | PauliRotationGate
        if "pauli" in entry:
            string = tuple((int(factor[1:]), factor[0]) for factor in entry["pauli"].split())
            gate = PauliRotationGate(string, symbol)
        else:
            excitation = Excitation(tuple(entry["creation"]), tuple(entry["annihilation"]),
                                    int(entry["parameter"]), float(entry["coefficient"]))
            gate = ExcitationGate(excitation, symbol, encoding)
        operations.append(gate.on(*qubits[gate.first_qubit:gate.first_qubit + gate.span]))
    return cirq.Circuit(operations)


def reference_qubits_of(circuit: cirq.Circuit) -> tuple[int, ...]:
    """The qubits the circuit's X preparation sets."""
    return tuple(sorted(operation.qubits[0].x  # type: ignore[attr-defined]
                        for operation in circuit.all_operations() if operation.gate == cirq.X))
