"""CNOT-efficient fermionic excitation circuits (Yordanov et al., PRA 102, 062612 (2020)).

The reference unitary is ``cirq.unitary(ExcitationGate(...))``: the product of the commuting
Pauli-string exponentials of OpenFermion's Jordan-Wigner image of ``T - T†``, itself tested
against scipy's expm of OpenFermion's sparse generator in test_circuits.py (and again here).
"""

import itertools

import cirq
import numpy as np
import openfermion
import pytest
import scipy.linalg
import sympy

from qchemflow.quantum.ansatz import Excitation, k_upccgsd, uccsd
from qchemflow.quantum.circuits import (ExcitationGate, ansatz_circuit, ansatz_from_circuit,
                                        decomposed_operations)
from qchemflow.quantum.efficient_circuits import (EfficientExcitationGate,
                                                  efficient_ansatz_circuit,
                                                  efficient_excitation_operations,
                                                  efficient_two_qubit_gate_count,
                                                  jordan_wigner_layout)

ANGLES = [0.0, 0.3141, -1.234, 2.5]
COEFFICIENTS = [1.0, -2.0, 0.5, -1.0]

# Singles: both orderings, adjacent and distant, alpha (even) and beta (odd) modes.
SINGLES = [Excitation((c,), (a,), 0, COEFFICIENTS[index % 4])
           for index, (c, a) in enumerate(
               pair for modes in [(0, 1), (0, 2), (1, 7), (3, 4), (2, 8)]
               for pair in (modes, modes[::-1]))]

# Doubles: every ordering of the four modes into (creation, annihilation) tuples for mode sets
# with parity set P (see jordan_wigner_layout) empty and adjacent (0, 1, 2, 3), empty but
# spread (0, 1, 5, 6), one mode in each parity range (0, 2, 5, 7: e.g. creation (7, 2),
# annihilation (5, 0), interleaved ranges), and four (0, 3, 4, 7).
DOUBLE_MODE_SETS = [(0, 1, 2, 3), (0, 1, 5, 6), (0, 2, 5, 7), (0, 3, 4, 7)]
DOUBLES = [Excitation(order[:2], order[2:], 0, COEFFICIENTS[index % 4])
           for modes in DOUBLE_MODE_SETS
           for index, order in enumerate(itertools.permutations(modes))]

# The excitations the ansätze produce (closed- and open-shell UCCSD, k-UpCCGSD), shifted to 0.
ANSATZ_EXCITATIONS = list(dict.fromkeys(
    Excitation(e.creation, e.annihilation, 0, e.coefficient)
    for ansatz in (uccsd(4, 1, 1), uccsd(3, 2, 1), k_upccgsd(3, 1, 1, 1))
    for e in ansatz.excitations))

EXCITATIONS = SINGLES + DOUBLES + ANSATZ_EXCITATIONS


def efficient_unitary(excitation, angle):
    gate = ExcitationGate(excitation, angle)
    qubits = cirq.LineQubit.range(gate.span)
    operations = efficient_excitation_operations(excitation, angle, qubits)
    return cirq.Circuit(operations).unitary(qubit_order=qubits)


def two_qubit_count(operations):
    return sum(len(operation.qubits) == 2 for operation in operations)


def label(excitation):
    return f"{excitation.creation}-{excitation.annihilation}x{excitation.coefficient:g}"


@pytest.mark.parametrize("excitation", EXCITATIONS, ids=label)
def test_decomposition_equals_exact_unitary(excitation):
    for angle in ANGLES:
        np.testing.assert_allclose(efficient_unitary(excitation, angle),
                                   cirq.unitary(ExcitationGate(excitation, angle)),
                                   atol=1e-10, err_msg=f"angle {angle}")


def test_the_ansatz_excitations_are_covered():
    # 15 + 8 + 9 gates (printed from the ansätze), some shared; doubles among them.
    assert len(ANSATZ_EXCITATIONS) >= 20
    assert any(len(e.creation) == 2 for e in ANSATZ_EXCITATIONS)
    assert any(len(e.creation) == 1 for e in ANSATZ_EXCITATIONS)


@pytest.mark.parametrize("excitation", [
    Excitation((7, 2), (5, 0), 0, 1.0), Excitation((3,), (0,), 0, -1.0),
    Excitation((0, 4), (6, 1), 0, 0.5)], ids=label)
def test_against_scipy_expm_of_the_fermionic_generator(excitation):
    # Independent reference: scipy expm of OpenFermion's sparse Jordan-Wigner generator.
    angle = 0.77
    first = min(excitation.modes)
    span = max(excitation.modes) - first + 1
    term = (tuple((m - first, 1) for m in excitation.creation)
            + tuple((m - first, 0) for m in excitation.annihilation))
    operator = openfermion.FermionOperator(term)
    generator = openfermion.get_sparse_operator(
        openfermion.jordan_wigner(operator - openfermion.hermitian_conjugated(operator)),
        n_qubits=span).toarray()
    expected = scipy.linalg.expm(angle * excitation.coefficient * generator)
    np.testing.assert_allclose(efficient_unitary(excitation, angle), expected, atol=1e-10)


@pytest.mark.parametrize("excitation", SINGLES + DOUBLES[::5], ids=label)
def test_layout_is_openfermions_jordan_wigner(excitation):
    # T = s * prod(sigma) * Z_P, sigma^+ = (X - iY)/2 on creation modes, (X + iY)/2 otherwise.
    sign, parity = jordan_wigner_layout(excitation)
    expected = openfermion.QubitOperator((), sign)
    for mode in excitation.modes:
        ladder = -0.5j if mode in excitation.creation else 0.5j
        expected *= (openfermion.QubitOperator(((mode, "X"),), 0.5)
                     + openfermion.QubitOperator(((mode, "Y"),), ladder))
    for mode in parity:
        expected *= openfermion.QubitOperator(((mode, "Z"),))
    term = (tuple((m, 1) for m in excitation.creation)
            + tuple((m, 0) for m in excitation.annihilation))
    actual = openfermion.jordan_wigner(openfermion.FermionOperator(term))
    assert (actual - expected).induced_norm() < 1e-12


def test_parity_sets_by_hand():
    # Modes sorted m1 < m2 < m3 < m4: P = (m1, m2) u (m3, m4); single: P = (m1, m2).
    assert jordan_wigner_layout(Excitation((7, 2), (5, 0), 0, 1.0))[1] == (1, 6)
    assert jordan_wigner_layout(Excitation((5, 6), (1, 0), 0, 1.0))[1] == ()
    assert jordan_wigner_layout(Excitation((2,), (6,), 0, 1.0))[1] == (3, 4, 5)
    # a†_p a_q = sigma^+_p sigma^-_q Z_between for either order of p and q.
    assert jordan_wigner_layout(Excitation((2,), (0,), 0, 1.0))[0] == 1
    assert jordan_wigner_layout(Excitation((0,), (2,), 0, 1.0))[0] == 1
    # Swapping two creation operators flips the sign.
    assert (jordan_wigner_layout(Excitation((3, 2), (1, 0), 0, 1.0))[0]
            == -jordan_wigner_layout(Excitation((2, 3), (1, 0), 0, 1.0))[0])


def test_symbolic_angle_resolves():
    theta = sympy.Symbol("theta")
    for excitation in (Excitation((7, 2), (5, 0), 0, -2.0), Excitation((1,), (6,), 0, 0.5)):
        gate = ExcitationGate(excitation, 0.6)
        qubits = cirq.LineQubit.range(gate.span)
        circuit = cirq.Circuit(efficient_excitation_operations(excitation, 2 * theta, qubits))
        assert cirq.parameter_names(circuit) == {"theta"}
        resolved = cirq.resolve_parameters(circuit, {"theta": 0.3})
        np.testing.assert_allclose(resolved.unitary(qubit_order=qubits), cirq.unitary(gate),
                                   atol=1e-10)


def test_gate_interface():
    excitation = Excitation((3, 2), (1, 0), 4, -2.0)
    gate = EfficientExcitationGate(excitation, sympy.Symbol("theta_4"))
    assert isinstance(gate, ExcitationGate) and cirq.num_qubits(gate) == 4
    assert gate.first_mode == 0 and gate.span == 4 and gate.excitation == excitation
    assert cirq.is_parameterized(gate) and not cirq.has_unitary(gate)
    resolved = cirq.resolve_parameters(gate, {"theta_4": 0.5})
    assert isinstance(resolved, EfficientExcitationGate) and resolved.angle == 0.5
    np.testing.assert_allclose(cirq.unitary(resolved),
                               cirq.unitary(ExcitationGate(excitation, 0.5)), atol=1e-12)
    qubits = cirq.LineQubit.range(4)
    decomposed = cirq.decompose_once(resolved.on(*qubits))
    np.testing.assert_allclose(cirq.Circuit(decomposed).unitary(qubit_order=qubits),
                               cirq.unitary(resolved), atol=1e-10)


@pytest.mark.parametrize("excitation", [
    Excitation((4, 3, 2), (2, 1, 0), 0, 1.0),   # triple
    Excitation((3, 2), (1,), 0, 1.0),           # unbalanced
    Excitation((3, 1), (1, 0), 0, 1.0),         # repeated mode
    Excitation((), (), 0, 1.0)], ids=str)
def test_unsupported_excitations_raise(excitation):
    with pytest.raises(ValueError):
        efficient_excitation_operations(excitation, 0.1, cirq.LineQubit.range(8))
    with pytest.raises(ValueError):
        efficient_two_qubit_gate_count(excitation)
    with pytest.raises(ValueError):
        EfficientExcitationGate(excitation, 0.1)


def test_wrong_number_of_qubits_raises():
    with pytest.raises(ValueError, match="acts on 4 qubits"):
        efficient_excitation_operations(Excitation((3, 2), (1, 0), 0, 1.0), 0.1,
                                        cirq.LineQubit.range(5))


@pytest.mark.parametrize("excitation", EXCITATIONS, ids=label)
def test_gate_set_and_two_qubit_count(excitation):
    angle = sympy.Symbol("t")
    gate = ExcitationGate(excitation, angle)
    qubits = cirq.LineQubit.range(gate.span)
    operations = efficient_excitation_operations(excitation, angle, qubits)
    assert all(len(op.qubits) == 1 or op.gate in (cirq.CNOT, cirq.CZ) for op in operations)
    count = two_qubit_count(operations)
    assert count == efficient_two_qubit_gate_count(excitation)
    # Strictly fewer than the Pauli-string decomposition of ExcitationGate.
    assert count < two_qubit_count(cirq.decompose_once(gate.on(*qubits)))


def test_cnot_counts_against_the_paper():
    # Adjacent double: paper 13 CNOTs vs 8 Pauli strings x 6 CNOTs = 48.
    double = Excitation((3, 2), (1, 0), 0, -2.0)
    qubits = cirq.LineQubit.range(4)
    efficient = two_qubit_count(efficient_excitation_operations(double, 0.3, qubits))
    pauli = two_qubit_count(cirq.decompose_once(ExcitationGate(double, 0.3).on(*qubits)))
    assert efficient <= 14 and efficient == 13 and pauli == 48
    # Adjacent single: 2 CNOTs vs 2 Pauli strings x 2 CNOTs = 4.
    single = Excitation((1,), (0,), 0, 1.0)
    qubits = cirq.LineQubit.range(2)
    assert two_qubit_count(efficient_excitation_operations(single, 0.3, qubits)) == 2
    assert two_qubit_count(cirq.decompose_once(ExcitationGate(single, 0.3).on(*qubits))) == 4
    # With parity strings: 2|P| more (ladder |P| - 1 CNOTs and one CZ, on either side).
    assert efficient_two_qubit_gate_count(Excitation((7, 2), (5, 0), 0, 1.0)) == 13 + 4
    assert efficient_two_qubit_gate_count(Excitation((6,), (0,), 0, 1.0)) == 2 + 10


def test_ansatz_state_vector_equals_exact_circuit():
    ansatz = uccsd(4, 2, 2)
    rng = np.random.default_rng(7)
    values = rng.uniform(-1.0, 1.0, ansatz.n_parameters)
    resolver = {f"theta_{index}": value for index, value in enumerate(values)}
    simulator = cirq.Simulator(dtype=np.complex128)
    exact = cirq.resolve_parameters(ansatz_circuit(ansatz), resolver)
    efficient = cirq.resolve_parameters(efficient_ansatz_circuit(ansatz), resolver)
    qubits = cirq.LineQubit.range(ansatz.n_qubits)
    expected = simulator.simulate(exact, qubit_order=qubits).final_state_vector
    # Simulate the decomposition itself (the gate's _unitary_ is the exact one).
    operations = decomposed_operations(efficient)
    assert not any(isinstance(op.gate, ExcitationGate) for op in operations)
    actual = simulator.simulate(cirq.Circuit(operations), qubit_order=qubits).final_state_vector
    np.testing.assert_allclose(actual, expected, atol=1e-10)
    assert abs(np.vdot(expected, expected) - 1) < 1e-12


def test_efficient_ansatz_circuit_round_trip_and_count():
    ansatz = uccsd(4, 2, 2)
    circuit = efficient_ansatz_circuit(ansatz)
    gates = [op.gate for op in circuit.all_operations() if isinstance(op.gate, ExcitationGate)]
    assert len(gates) == 28 and all(isinstance(g, EfficientExcitationGate) for g in gates)
    assert ansatz_from_circuit(circuit, "uccsd") == ansatz
    operations = decomposed_operations(circuit)
    expected = sum(efficient_two_qubit_gate_count(e) for e in ansatz.excitations)
    assert two_qubit_count(operations) == expected
    assert expected < two_qubit_count(decomposed_operations(ansatz_circuit(ansatz)))
