"""Encodings: OpenFermion's images, the encoded determinant and exact encoded circuits."""

import cirq
import numpy as np
import openfermion
import pytest

from qchemflow.quantum.ansatz import uccsd
from qchemflow.quantum.circuits import ExcitationGate, ansatz_circuit, ansatz_from_circuit
from qchemflow.quantum.encoding import (MAPPINGS, encoding_for, gf2_inverse,
                                        jordan_wigner_interaction)
from qchemflow.quantum.qubit_hamiltonian import interaction_operator


def random_number_conserving_operator(n_modes: int, seed: int) -> openfermion.FermionOperator:
    rng = np.random.default_rng(seed)
    operator = openfermion.FermionOperator()
    for _ in range(25):
        p, q, r, s = (int(mode) for mode in rng.integers(0, n_modes, 4))
        operator += openfermion.FermionOperator(((p, 1), (q, 1), (r, 0), (s, 0)), rng.normal())
        p, q = (int(mode) for mode in rng.integers(0, n_modes, 2))
        operator += openfermion.FermionOperator(((p, 1), (q, 0)), rng.normal())
    return operator + openfermion.hermitian_conjugated(operator)


def test_conjugated_images_equal_openfermion():
    # References: OpenFermion's bravyi_kitaev, and its binary_code_transform with parity_code.
    operator = random_number_conserving_operator(8, seed=3)
    jordan_wigner = openfermion.jordan_wigner(operator)
    references = {
        "bravyi_kitaev": openfermion.bravyi_kitaev(operator, n_qubits=8),
        "parity": openfermion.binary_code_transform(operator, openfermion.parity_code(8)),
    }
    for mapping, reference in references.items():
        difference = encoding_for(mapping, 8).encode_jordan_wigner(jordan_wigner) - reference
        difference.compress(1e-12)
        assert not difference.terms, mapping
        mapped = encoding_for(mapping, 8).map(operator) - reference
        mapped.compress(1e-12)
        assert not mapped.terms, mapping


def test_encoder_matrices():
    # Parity: q_j = n_0 + ... + n_j (Seeley, Richard & Love, JCP 137, 224109 (2012)).
    assert np.array_equal(encoding_for("parity", 4).qubit_indices(np.array([0b0101])),
                          [int("1100", 2)])
    for mapping in MAPPINGS:
        encoding = encoding_for(mapping, 6)
        occupied = (0, 1, 3)
        assert encoding.occupied_modes(encoding.reference_qubits(occupied)) == occupied
        # Decoding every basis state and encoding it again is the identity (a bijection).
        every_state = np.arange(1 << 6, dtype=np.int64)
        assert np.array_equal(encoding.qubit_indices(encoding.occupations(every_state)),
                              every_state)
        assert np.array_equal(np.sort(encoding.occupations(every_state)), every_state)
    matrix = np.tril(np.ones((5, 5), dtype=np.uint8))
    assert np.array_equal((gf2_inverse(matrix).astype(int) @ matrix) % 2, np.eye(5))
    with pytest.raises(ValueError, match="singular"):
        gf2_inverse(np.ones((3, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="unknown mapping"):
        encoding_for("superfast", 4)


@pytest.mark.parametrize("mapping", MAPPINGS)
def test_encoded_excitation_gate_is_the_encoded_exponential(mapping):
    # Reference: scipy's expm of the generator mapped by OpenFermion (or the parity code).
    import scipy.linalg

    from qchemflow.quantum.ansatz import Excitation

    n_qubits = 6
    encoding = encoding_for(mapping, n_qubits)
    for excitation in (Excitation((4,), (0,), 0, 1.0), Excitation((5, 4), (1, 0), 0, -2.0),
                       Excitation((3, 4), (1, 0), 0, 0.5)):
        angle = 0.41
        term = (tuple((mode, 1) for mode in excitation.creation)
                + tuple((mode, 0) for mode in excitation.annihilation))
        operator = openfermion.FermionOperator(term, excitation.coefficient * angle)
        generator = encoding.map(operator - openfermion.hermitian_conjugated(operator))
        expected = scipy.linalg.expm(
            openfermion.get_sparse_operator(generator, n_qubits=n_qubits).toarray())
        qubits = cirq.LineQubit.range(n_qubits)
        gate = ExcitationGate(excitation, angle, encoding)
        circuit = cirq.Circuit(gate.on(*qubits[gate.first_qubit:gate.first_qubit + gate.span]),
                               cirq.I.on_each(*qubits))
        np.testing.assert_allclose(circuit.unitary(qubit_order=qubits), expected, atol=1e-12)
        decomposed = cirq.Circuit(cirq.decompose(circuit))
        np.testing.assert_allclose(decomposed.unitary(qubit_order=qubits), expected, atol=1e-12)


@pytest.mark.parametrize("mapping", MAPPINGS)
@pytest.mark.parametrize("n_alpha, n_beta", [(2, 2), (2, 1)])
def test_cirq_simulation_of_the_encoded_circuit_equals_the_sector_simulator(mapping, n_alpha,
                                                                            n_beta):
    # Identity: the encoded circuit simulated by Cirq and measured on the encoded Hamiltonian
    # over all 2^n states equals the sector simulator's energy (which never builds a circuit
    # state), for random parameters.
    from qchemflow.quantum.sector import build_sector, full_space_expectation, pauli_terms, \
        sector_matrix
    from qchemflow.quantum.simulator import SectorSimulator

    n_orbitals = 4
    n_qubits = 2 * n_orbitals
    operator = random_number_conserving_operator(n_qubits, seed=11)
    terms = pauli_terms(encoding_for(mapping, n_qubits).map(operator), n_qubits)
    sector = build_sector(mapping, n_qubits, n_alpha, n_beta)
    ansatz = uccsd(n_orbitals, n_alpha, n_beta)
    circuit = ansatz_circuit(ansatz, mapping)
    assert ansatz_from_circuit(circuit, "uccsd", mapping) == ansatz
    parameters = np.random.default_rng(5).normal(0, 0.3, ansatz.n_parameters)
    simulator = SectorSimulator(ansatz, sector, sector_matrix(terms, sector))
    expected = simulator.energy(parameters)
    resolved = cirq.resolve_parameters(
        circuit, {f"theta_{k}": value for k, value in enumerate(parameters)})
    state = cirq.Simulator(dtype=np.complex128).simulate(
        cirq.Circuit(cirq.decompose(resolved)),
        qubit_order=cirq.LineQubit.range(n_qubits)).final_state_vector
    assert full_space_expectation(terms, state) == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize("creation,annihilation", [
    ((5,), (1,)), ((1,), (5,)), ((6, 7), (1, 0)), ((9, 4), (2, 7)), ((4, 5), (5, 0)),
    ((8, 9), (3, 2)), ((3, 0), (7, 11)), ((6,), (6,))])
def test_jordan_wigner_rotations_are_openfermions(creation, annihilation):
    # Identity: our bit-mask Jordan-Wigner image of T - T^dagger equals OpenFermion's, term by
    # term (including a generalized excitation sharing a mode, and a number operator, whose
    # generator vanishes).
    from qchemflow.quantum.encoding import jordan_wigner_rotations

    term = tuple((mode, 1) for mode in creation) + tuple((mode, 0) for mode in annihilation)
    operator = openfermion.FermionOperator(term)
    generator = openfermion.jordan_wigner(operator - openfermion.hermitian_conjugated(operator))
    expected = tuple(sorted((pauli, float(np.imag(coefficient)))
                            for pauli, coefficient in generator.terms.items()))
    ours = jordan_wigner_rotations(creation, annihilation)
    assert [string for string, _ in ours] == [string for string, _ in expected]
    assert np.allclose([weight for _, weight in ours], [weight for _, weight in expected],
                       atol=1e-15)


@pytest.mark.parametrize("seed", [0, 1])
def test_jordan_wigner_of_an_interaction_operator_is_openfermions(seed):
    # Reference: OpenFermion's jordan_wigner of the same operator as a FermionOperator, term by
    # term (its InteractionOperator path assumes a Hermitian operator). Dense random complex
    # tensors (not Hermitian, no symmetry) exercise every product of ladder operators.
    rng = np.random.default_rng(seed)
    n_modes = 6
    operator = openfermion.InteractionOperator(
        rng.normal(), rng.normal(size=(n_modes,) * 2) + 1j * rng.normal(size=(n_modes,) * 2),
        rng.normal(size=(n_modes,) * 4) + 1j * rng.normal(size=(n_modes,) * 4))
    ours = jordan_wigner_interaction(operator)
    reference = openfermion.jordan_wigner(openfermion.get_fermion_operator(operator))
    reference.compress(1e-14)
    assert set(ours.terms) == set(reference.terms)
    assert max(abs(ours.terms[term] - reference.terms[term]) for term in reference.terms) < 1e-12


def test_jordan_wigner_of_a_molecular_hamiltonian_is_openfermions():
    # Reference: OpenFermion's jordan_wigner of the InteractionOperator (its Hermitian path), on
    # the spin-orbital Hamiltonian of random real integrals with the molecular symmetries.
    rng = np.random.default_rng(5)
    h1 = rng.normal(size=(4, 4))
    h2 = rng.normal(size=(4,) * 4)
    h1 = h1 + h1.T
    for permutation in ((1, 0, 2, 3), (0, 1, 3, 2), (2, 3, 0, 1)):
        h2 = h2 + h2.transpose(permutation)
    operator = interaction_operator(h1, h2, 0.7)
    ours, reference = jordan_wigner_interaction(operator), openfermion.jordan_wigner(operator)
    reference.compress(1e-14)
    assert set(ours.terms) == set(reference.terms)
    assert max(abs(ours.terms[term] - reference.terms[term]) for term in reference.terms) < 1e-12
