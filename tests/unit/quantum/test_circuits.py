"""Excitation gates: decompositions equal unitaries; circuits and statistics."""

import cirq
import numpy as np
import pytest

from qchemflow.quantum.ansatz import Excitation, spin_orbital_uccsd, uccsd
from qchemflow.quantum.circuits import (ExcitationGate, ansatz_circuit, ansatz_from_circuit,
                                circuit_statistics, decomposed_operations)

EXCITATIONS = [
    Excitation((2,), (0,), 0, 1.0),            # alpha single, parity string on qubit 1
    Excitation((7,), (1,), 0, 1.0),            # beta single over a long string
    Excitation((3, 2), (1, 0), 0, -2.0),       # alpha-beta pair double
    Excitation((6, 4), (2, 0), 0, 1.0),        # alpha-alpha double
    Excitation((5, 6), (1, 0), 0, 1.0),        # mixed-spin double
]


@pytest.mark.parametrize("excitation", EXCITATIONS, ids=str)
@pytest.mark.parametrize("angle", [0.0, 0.3141, -1.234, 2.5])
def test_decomposition_equals_unitary(excitation, angle):
    gate = ExcitationGate(excitation, angle)
    qubits = cirq.LineQubit.range(gate.span)
    decomposed = cirq.Circuit(cirq.decompose_once(gate.on(*qubits)))
    assert all(len(op.qubits) == 1 or op.gate == cirq.CNOT for op in decomposed.all_operations())
    np.testing.assert_allclose(decomposed.unitary(qubit_order=qubits), cirq.unitary(gate),
                               atol=1e-12)


@pytest.mark.parametrize("excitation", EXCITATIONS, ids=str)
def test_unitary_is_the_fermionic_exponential(excitation):
    # Independent reference: scipy's expm of OpenFermion's sparse Jordan-Wigner generator.
    import openfermion
    import scipy.linalg

    angle = 0.77
    gate = ExcitationGate(excitation, angle)
    shifted = Excitation(tuple(m - gate.first_qubit for m in excitation.creation),
                         tuple(m - gate.first_qubit for m in excitation.annihilation), 0,
                         excitation.coefficient)
    term = tuple((m, 1) for m in shifted.creation) + tuple((m, 0) for m in shifted.annihilation)
    operator = openfermion.FermionOperator(term)
    generator = openfermion.get_sparse_operator(
        openfermion.jordan_wigner(operator - openfermion.hermitian_conjugated(operator)),
        n_qubits=gate.span).toarray()
    expected = scipy.linalg.expm(angle * excitation.coefficient * generator)
    np.testing.assert_allclose(cirq.unitary(gate), expected, atol=1e-12)


def test_parameterized_gate_resolves():
    import sympy

    gate = ExcitationGate(EXCITATIONS[0], sympy.Symbol("theta_0"))
    assert cirq.is_parameterized(gate) and not cirq.has_unitary(gate)
    resolved = cirq.resolve_parameters(gate, {"theta_0": 0.5})
    np.testing.assert_allclose(cirq.unitary(resolved),
                               cirq.unitary(ExcitationGate(EXCITATIONS[0], 0.5)))


def test_circuit_round_trip_and_statistics():
    ansatz = uccsd(4, 2, 2)
    circuit = ansatz_circuit(ansatz)
    assert ansatz_from_circuit(circuit, "uccsd") == ansatz
    statistics = circuit_statistics(circuit)
    operations = decomposed_operations(circuit)
    assert statistics["depth"] == len(cirq.Circuit(operations))  # Cirq's EARLIEST placement
    assert statistics["n_two_qubit_gates"] == sum(op.gate == cirq.CNOT for op in operations)
    assert statistics["n_qubits"] == 8 and statistics["n_excitation_gates"] == 28


def test_parameter_counts():
    # Spin-orbital UCCSD of LiH (4e, 6o): 16 singles + 76 doubles = 92 (as PennyLane counts);
    # the spin-adapted singlet UCCSD (OpenFermion's uccsd_singlet_paramsize) has 44.
    assert spin_orbital_uccsd(6, 2, 2).n_parameters == 92
    assert uccsd(6, 2, 2).n_parameters == 44


@pytest.mark.parametrize("mapping", ["jordan_wigner", "bravyi_kitaev", "parity"])
def test_recorded_gates_rebuild_the_same_circuit(mapping):
    from qchemflow.quantum.circuits import (circuit_from_gates, circuit_gates,
                                            pauli_rotation_circuit, reference_qubits_of)

    circuit = ansatz_circuit(uccsd(3, 1, 1), mapping)
    rebuilt = circuit_from_gates(circuit_gates(circuit), reference_qubits_of(circuit), 6, mapping)
    angles = {f"theta_{k}": 0.1 * (k + 1) for k in range(uccsd(3, 1, 1).n_parameters)}
    np.testing.assert_allclose(cirq.resolve_parameters(rebuilt, angles).unitary(),
                               cirq.resolve_parameters(circuit, angles).unitary(), atol=1e-12)
    assert circuit_gates(rebuilt) == circuit_gates(circuit)
    rotations = pauli_rotation_circuit(4, (0, 1), [((0, "X"), (2, "Y")), ((1, "Y"), (3, "X"))])
    again = circuit_from_gates(circuit_gates(rotations), (0, 1), 4, "jordan_wigner")
    angles = {"theta_0": 0.3, "theta_1": -0.2}
    np.testing.assert_allclose(cirq.resolve_parameters(again, angles).unitary(),
                               cirq.resolve_parameters(rotations, angles).unitary(), atol=1e-12)
