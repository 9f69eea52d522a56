"""Fully commuting measurement groups, their diagonalising Cliffords, variances and shots."""

import json

import cirq
import numpy as np
import openfermion
import pytest

from qchemflow.quantum.commuting_groups import (commuting_group_statistics, commuting_groups,
                                                diagonalise_group)
from qchemflow.quantum.measurement import group_statistics, optimal_shots, qubit_wise_groups
from qchemflow.quantum.qubit_hamiltonian import map_hamiltonian
from qchemflow.quantum.sector import full_space_expectation, pauli_terms, sector_matrix

WATER = "O 0 0 0.1173; H 0 0.7572 -0.4692; H 0 -0.7572 -0.4692"
LITHIUM_HYDRIDE = "Li 0 0 0; H 0 0 1.595"
PAULIS = {"X": cirq.X, "Y": cirq.Y, "Z": cirq.Z}


def molecule(atom: str, n_orbitals: int, n_electrons: int):
    """Jordan-Wigner Hamiltonian of a STO-3G CASCI active space (PySCF integrals), its Pauli
    labels in the order of ``terms`` and its exact ground state on all 2^n basis states."""
    from pyscf import ao2mo, gto, mcscf, scf

    scf_object = scf.RHF(gto.M(atom=atom, basis="sto-3g", verbose=0)).run(conv_tol=1e-10)
    casci = mcscf.CASCI(scf_object, n_orbitals, n_electrons)
    h1, core = casci.get_h1eff()
    h2 = ao2mo.restore(1, casci.get_h2eff(), n_orbitals)
    mapped = map_hamiltonian(h1, h2, core, n_electrons // 2, n_electrons // 2, "jordan_wigner")
    terms = mapped.terms
    labels = sorted(string for string in mapped.qubit_operator.terms if string)
    _, vectors = np.linalg.eigh(sector_matrix(terms, mapped.sector).toarray())
    ground = np.zeros(1 << terms.n_qubits, dtype=complex)
    ground[mapped.sector.qubit_indices] = vectors[:, 0]
    return terms, labels, ground


def random_state(n_qubits: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    state = rng.normal(size=1 << n_qubits) + 1j * rng.normal(size=1 << n_qubits)
    return state / np.linalg.norm(state)


@pytest.fixture(scope="module", params=["H2O", "LiH"])
def problem(request):
    """H2O with 4 active orbitals (8 qubits) and LiH with all 6 orbitals (12 qubits)."""
    if request.param == "H2O":
        terms, labels, ground = molecule(WATER, 4, 4)
    else:
        terms, labels, ground = molecule(LITHIUM_HYDRIDE, 6, 4)
    groups = [diagonalise_group(terms, members) for members in commuting_groups(terms)]
    return request.param, terms, labels, ground, groups


def z_string(z_mask: int, n_qubits: int) -> np.ndarray:
    """OpenFermion's matrix of the Z string on the qubits of ``z_mask`` (qubit q is bit n-1-q)."""
    string = tuple((q, "Z") for q in range(n_qubits) if z_mask >> (n_qubits - 1 - q) & 1)
    return openfermion.get_sparse_operator(openfermion.QubitOperator(string),
                                           n_qubits=n_qubits).toarray()


def commute(first, second) -> bool:
    """Reference: OpenFermion's commutator of two Pauli strings vanishes."""
    a, b = openfermion.QubitOperator(first), openfermion.QubitOperator(second)
    return len((a * b - b * a).terms) == 0


def test_groups_partition_the_terms_commute_and_beat_qubit_wise(problem):
    name, terms, labels, _, groups = problem
    members = sorted(index for group in groups for index in group.members)
    assert members == list(range(terms.coefficients.size))
    for group in groups:
        for position, first in enumerate(group.members):
            for second in group.members[position + 1:]:
                assert commute(labels[first], labels[second])
    qubit_wise = qubit_wise_groups(terms)
    print(f"{name}: {terms.coefficients.size} terms, {len(groups)} commuting groups, "
          f"{len(qubit_wise)} qubit-wise groups")
    assert len(groups) < len(qubit_wise)
    # Sorted insertion: every group's first (largest) term anticommutes with a member of each
    # earlier group, else it would have joined it.
    for later, group in enumerate(groups):
        for earlier in groups[:later]:
            assert any(not commute(labels[group.members[0]], labels[member])
                       for member in earlier.members)


def test_cliffords_diagonalise_every_member_as_matrices():
    # Reference: U P_k U^dagger from Cirq's unitary and OpenFermion's sparse matrix of P_k,
    # against signs[k] * Z^z_masks[k] built from the bits (8 qubits).
    terms, labels, _ = molecule(WATER, 4, 4)
    n = terms.n_qubits
    qubits = cirq.LineQubit.range(n)
    for members in commuting_groups(terms):
        group = diagonalise_group(terms, members)
        unitary = group.circuit(qubits).unitary(qubit_order=qubits,
                                                qubits_that_should_be_present=qubits)
        for member, z_mask, sign in zip(group.members, group.z_masks, group.signs):
            pauli = openfermion.get_sparse_operator(openfermion.QubitOperator(labels[member]),
                                                    n_qubits=n).toarray()
            image = sign * z_string(z_mask, n)
            assert np.abs(unitary @ pauli @ unitary.conj().T - image).max() < 1e-10


def test_cliffords_agree_with_cirq_pauli_propagation(problem):
    # Reference: Cirq's PauliString.after(ops) = C P C^dagger, with its own tableau rules.
    _, terms, labels, _, groups = problem
    qubits = cirq.LineQubit.range(terms.n_qubits)
    for group in groups:
        operations = list(group.circuit(qubits).all_operations())
        for member, z_mask, sign in zip(group.members, group.z_masks, group.signs):
            string = cirq.PauliString({qubits[q]: PAULIS[p] for q, p in labels[member]})
            image = string.after(operations)
            assert all(pauli == cirq.Z for pauli in image.values())
            assert sum(1 << (terms.n_qubits - 1 - q.x) for q in image.keys()) == z_mask
            assert image.coefficient == sign


def random_operator(n_qubits: int, n_terms: int, seed: int):
    rng = np.random.default_rng(seed)
    operator = openfermion.QubitOperator()
    for _ in range(n_terms):
        string = tuple((q, "XYZ"[rng.integers(3)]) for q in range(n_qubits) if rng.random() < 0.6)
        operator += openfermion.QubitOperator(string, rng.normal())
    return operator


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cliffords_diagonalise_random_commuting_groups(seed):
    # Random strings have Z-only generators, Y-heavy ones and full-rank groups that molecular
    # Hamiltonians may not: the same matrix reference on 6 qubits.
    n = 6
    operator = random_operator(n, 60, seed)
    terms = pauli_terms(operator, n)
    labels = sorted(string for string in operator.terms if string)
    qubits = cirq.LineQubit.range(n)
    for members in commuting_groups(terms):
        group = diagonalise_group(terms, members)
        unitary = group.circuit(qubits).unitary(qubit_order=qubits,
                                                qubits_that_should_be_present=qubits)
        rank = min(len(members), n)  # at most r(n - 1) CNOTs and r(r - 1)/2 CZs
        assert group.two_qubit_gates <= rank * (n - 1) + rank * (rank - 1) // 2
        for member, z_mask, sign in zip(group.members, group.z_masks, group.signs):
            pauli = openfermion.get_sparse_operator(openfermion.QubitOperator(labels[member]),
                                                    n_qubits=n).toarray()
            image = sign * z_string(z_mask, n)
            assert np.abs(unitary @ pauli @ unitary.conj().T - image).max() < 1e-10


def test_anticommuting_members_are_refused():
    terms = pauli_terms(openfermion.QubitOperator("X0 Z1") + openfermion.QubitOperator("Z0"), 2)
    with pytest.raises(ValueError):
        diagonalise_group(terms, (0, 1))


def test_group_statistics_equal_sparse_matrices(problem):
    # Reference: <H_g> and <H_g^2> - <H_g>^2 from OpenFermion's sparse matrix of each group;
    # the group means plus the constant are sector.full_space_expectation's energy.
    _, terms, labels, _, groups = problem
    n = terms.n_qubits
    state = random_state(n, seed=7)
    total = terms.constant
    for group in groups:
        statistics = commuting_group_statistics(terms, group, state)
        operator = openfermion.QubitOperator()
        for member in group.members:
            operator += openfermion.QubitOperator(labels[member], terms.coefficients[member].real)
        matrix = openfermion.get_sparse_operator(operator, n_qubits=n)
        applied = matrix @ state
        mean = np.vdot(state, applied).real
        variance = np.vdot(applied, applied).real - mean ** 2
        assert statistics.mean == pytest.approx(mean, abs=1e-10)
        assert statistics.standard_deviation == pytest.approx(np.sqrt(max(variance, 0.0)),
                                                              abs=1e-10)
        assert statistics.probabilities.sum() == pytest.approx(1.0, abs=1e-12)
        total += statistics.mean
    assert total == pytest.approx(full_space_expectation(terms, state), abs=1e-10)


def test_commuting_groups_need_fewer_shots_than_qubit_wise(problem):
    # (sum_g sigma_g)^2 / epsilon^2 for a random state and for the exact ground state.
    name, terms, _, ground, groups = problem
    qubit_wise = qubit_wise_groups(terms)
    for label, state in (("random", random_state(terms.n_qubits, seed=3)), ("ground", ground)):
        commuting = optimal_shots([commuting_group_statistics(terms, group, state)
                                   for group in groups], terms, 1e-3)
        wise = optimal_shots([group_statistics(terms, group, state) for group in qubit_wise],
                             terms, 1e-3)
        print(f"{name} {label} state, 1 mHa: {commuting.total} shots in commuting groups, "
              f"{wise.total} qubit-wise, {commuting.one_norm_shots} one-norm")
        assert commuting.total < wise.total
    gates = [group.two_qubit_gates for group in groups]
    print(f"{name}: two-qubit gates per group mean {np.mean(gates):.1f}, max {max(gates)}")


def test_groups_and_circuits_are_deterministic_and_json_friendly(problem):
    _, terms, _, _, groups = problem
    again = [diagonalise_group(terms, members) for members in commuting_groups(terms)]
    assert again == groups
    for group in groups:
        operations = json.loads(json.dumps(group.operations))
        assert [(gate, tuple(qubits)) for gate, qubits in operations] == list(group.operations)
        assert {gate for gate, _ in group.operations} <= {"H", "S", "CNOT", "CZ"}
        assert group.one_qubit_gates + group.two_qubit_gates == len(group.operations)
