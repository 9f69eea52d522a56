"""Measurement groups, variances, shot budgets and sampled estimates."""

import numpy as np
import openfermion
import pytest

from qchemflow.quantum.measurement import (group_statistics, optimal_shots, qubit_wise_groups,
                                           sampled_energies, term_paulis)
from qchemflow.quantum.sector import full_space_expectation, pauli_terms


def random_hamiltonian(n_qubits: int, n_terms: int, seed: int):
    rng = np.random.default_rng(seed)
    operator = openfermion.QubitOperator((), 0.7)
    for _ in range(n_terms):
        string = tuple((q, "XYZ"[rng.integers(3)]) for q in range(n_qubits) if rng.random() < 0.5)
        operator += openfermion.QubitOperator(string, rng.normal())
    return operator


def random_state(n_qubits: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    state = rng.normal(size=1 << n_qubits) + 1j * rng.normal(size=1 << n_qubits)
    return state / np.linalg.norm(state)


@pytest.fixture(scope="module")
def problem():
    operator = random_hamiltonian(5, 40, seed=2)
    terms = pauli_terms(operator, 5)
    state = random_state(5, seed=4)
    groups = qubit_wise_groups(terms)
    return operator, terms, state, groups, [group_statistics(terms, g, state) for g in groups]


def test_groups_partition_the_terms_and_commute_qubit_wise(problem):
    _, terms, _, groups, _ = problem
    members = sorted(index for group in groups for index in group.members)
    assert members == list(range(terms.coefficients.size))
    for group in groups:
        basis = dict(group.basis)
        for member in group.members:
            assert all(basis[q] == p for q, p in term_paulis(terms, member).items())
    assert len(groups) < terms.coefficients.size


def test_group_means_and_variances_equal_openfermion(problem):
    # Reference: <H_g> and <H_g^2> - <H_g>^2 from OpenFermion's sparse matrix of each group.
    operator, terms, state, groups, statistics = problem
    labels = sorted(string for string in operator.terms if string)
    for group, stats in zip(groups, statistics):
        group_operator = openfermion.QubitOperator()
        for member in group.members:
            group_operator += openfermion.QubitOperator(labels[member],
                                                        terms.coefficients[member].real)
        matrix = openfermion.get_sparse_operator(group_operator, n_qubits=5).toarray()
        mean = np.vdot(state, matrix @ state).real
        variance = np.vdot(state, matrix @ matrix @ state).real - mean ** 2
        assert stats.mean == pytest.approx(mean, abs=1e-12)
        assert stats.standard_deviation == pytest.approx(np.sqrt(variance), abs=1e-9)
    # Identity: the group means sum to the energy.
    assert terms.constant + sum(s.mean for s in statistics) == pytest.approx(
        full_space_expectation(terms, state), abs=1e-12)


def test_optimal_budget_meets_the_target_and_beats_the_alternatives(problem):
    _, terms, _, _, statistics = problem
    target = 0.0016
    budget = optimal_shots(statistics, terms, target)
    assert budget.predicted_standard_error == pytest.approx(target, rel=1e-3)
    assert budget.predicted_standard_error <= target
    deviations = np.array([s.standard_deviation for s in statistics])
    # Uniform allocation of the same total gives a larger error (Cauchy-Schwarz).
    uniform = np.sqrt(np.sum(deviations ** 2) / (budget.total / len(statistics)))
    assert uniform > budget.predicted_standard_error
    assert budget.one_norm_shots >= budget.total


def test_sampled_spread_equals_the_predicted_standard_error(problem):
    # Identity: the spread of the sampled estimates is the predicted standard error (1000
    # repeats: the sample standard deviation is within 10 % at > 4 sigma), and their mean is the
    # exact energy within 4 standard errors of the mean.
    _, terms, _, _, statistics = problem
    budget = optimal_shots(statistics, terms, 0.01)
    estimates = sampled_energies(statistics, budget.shots, terms.constant, 1000, seed=9)
    exact = terms.constant + sum(s.mean for s in statistics)
    assert np.std(estimates, ddof=1) == pytest.approx(budget.predicted_standard_error, rel=0.1)
    assert abs(np.mean(estimates) - exact) < 4 * budget.predicted_standard_error / np.sqrt(1000)
    again = sampled_energies(statistics, budget.shots, terms.constant, 1000, seed=9)
    assert np.array_equal(estimates, again)
