"""The particle-number sector and Pauli arrays, against OpenFermion and combinatorics."""

from math import comb

import numpy as np
import openfermion
import pytest

from qchemflow.core.memory import sector_dimension
from qchemflow.quantum.encoding import MAPPINGS, encoding_for
from qchemflow.quantum.sector import (build_sector, diagonal_values, full_space,
                                      full_space_expectation, pauli_terms, pauli_terms_from_json,
                                      sector_matrix, spin_squared_matrix)


@pytest.mark.parametrize("mapping", MAPPINGS)
@pytest.mark.parametrize("n_orbitals, n_alpha, n_beta", [(3, 1, 1), (4, 2, 1), (4, 2, 2)])
def test_sector_holds_every_state_with_the_counts(mapping, n_orbitals, n_alpha, n_beta):
    n_qubits = 2 * n_orbitals
    sector = build_sector(mapping, n_qubits, n_alpha, n_beta)
    assert sector.dimension == comb(n_orbitals, n_alpha) * comb(n_orbitals, n_beta)
    assert sector.dimension == sector_dimension(n_orbitals, n_alpha, n_beta)
    # Each state's qubit index is where the mapped number operators read its occupation.
    for mode in range(n_qubits):
        number = encoding_for(mapping, n_qubits).map(
            openfermion.FermionOperator(((mode, 1), (mode, 0))))
        read = diagonal_values(pauli_terms(number, n_qubits), sector.qubit_indices)
        assert np.array_equal(np.rint(read).astype(int), (sector.occupations >> mode) & 1)
    assert len(set(sector.qubit_indices.tolist())) == sector.dimension


def test_full_space_is_every_basis_state():
    space = full_space(4)
    assert space.dimension == 16 and sorted(space.qubit_indices.tolist()) == list(range(16))


def test_json_terms_give_the_same_arrays():
    operator = (openfermion.QubitOperator("X0 Y1 Z3", 0.25) + openfermion.QubitOperator("Z2", -0.5)
                + openfermion.QubitOperator((), 1.5))
    terms = [[" ".join(f"{pauli}{qubit}" for qubit, pauli in term), float(np.real(value))]
             for term, value in sorted(operator.terms.items())]
    from_json, direct = pauli_terms_from_json(terms, 4), pauli_terms(operator, 4)
    for field in ("x_masks", "z_masks", "y_counts", "coefficients"):
        assert np.array_equal(getattr(from_json, field), getattr(direct, field))
    assert from_json.constant == direct.constant == 1.5


def test_sector_matrix_of_a_number_conserving_operator_equals_openfermion():
    # A hopping plus an interaction term, Hermitian and number conserving, on 3 orbitals.
    fermion = (openfermion.FermionOperator("0^ 2", 0.3) + openfermion.FermionOperator("2^ 0", 0.3)
               + openfermion.FermionOperator("1^ 3^ 3 1", -0.7))
    for mapping in MAPPINGS:
        qubit = encoding_for(mapping, 6).map(fermion)
        sector = build_sector(mapping, 6, 1, 1)
        full = openfermion.get_sparse_operator(qubit, n_qubits=6).toarray()
        expected = full[np.ix_(sector.qubit_indices, sector.qubit_indices)]
        assert np.abs(sector_matrix(pauli_terms(qubit, 6), sector).toarray() - expected
                      ).max() < 1e-12


def test_full_space_expectation_equals_openfermion():
    # Reference: OpenFermion's sparse matrix of the same operator on a random complex state.
    operator = (openfermion.QubitOperator("X0 Y1 Z3", 0.25) + openfermion.QubitOperator("Y0 Y2", 0.4)
                + openfermion.QubitOperator("Z2", -0.5) + openfermion.QubitOperator((), 1.5))
    operator += openfermion.hermitian_conjugated(operator)
    state = np.random.default_rng(7).normal(size=(16, 2)) @ np.array([1, 1j])
    state /= np.linalg.norm(state)
    expected = np.vdot(state, openfermion.get_sparse_operator(operator, n_qubits=4) @ state).real
    assert full_space_expectation(pauli_terms(operator, 4), state) == pytest.approx(expected,
                                                                                  abs=1e-12)


@pytest.mark.parametrize("mapping", MAPPINGS)
@pytest.mark.parametrize("n_orbitals, n_alpha, n_beta",
                         [(3, 1, 1), (4, 2, 2), (4, 3, 1), (5, 3, 2)])
def test_spin_squared_from_strings_equals_openfermion(mapping, n_orbitals, n_alpha, n_beta):
    # Reference: OpenFermion's s_squared_operator through the same mapping, on the sector.
    n_qubits = 2 * n_orbitals
    sector = build_sector(mapping, n_qubits, n_alpha, n_beta)
    reference = sector_matrix(pauli_terms(encoding_for(mapping, n_qubits).map(
        openfermion.s_squared_operator(n_orbitals)), n_qubits), sector)
    assert np.abs((spin_squared_matrix(sector) - reference).toarray()).max() < 1e-12


def test_spin_squared_on_the_full_space_equals_openfermion():
    # Every S_z at once: reference OpenFermion's sparse S^2 (Jordan-Wigner) on 3 orbitals.
    reference = openfermion.get_sparse_operator(openfermion.jordan_wigner(
        openfermion.s_squared_operator(3)), n_qubits=6).toarray().real
    space = full_space(6)
    expected = reference[np.ix_(space.qubit_indices, space.qubit_indices)]
    assert np.abs(spin_squared_matrix(space).toarray() - expected).max() < 1e-12
