"""Ansätze as excitation lists: identities with OpenFermion's generators and exact counts."""

from math import comb

import numpy as np
import openfermion
import pytest

from qchemflow.quantum.ansatz import (k_upccgsd, reference_occupation, singlet_uccsd,
                                      spin_orbital_uccsd, uccsd)


def generator_of(ansatz, amplitudes):
    """sum_p theta_p * coefficient * (T - T^dagger) over the ansatz's excitations."""
    generator = openfermion.FermionOperator()
    for excitation in ansatz.excitations:
        term = tuple((mode, 1) for mode in excitation.creation) + tuple(
            (mode, 0) for mode in excitation.annihilation)
        operator = openfermion.FermionOperator(
            term, excitation.coefficient * amplitudes[excitation.parameter])
        generator += operator - openfermion.hermitian_conjugated(operator)
    return openfermion.normal_ordered(generator)


@pytest.mark.parametrize("n_orbitals, n_electrons", [(2, 2), (4, 4), (5, 4)])
def test_singlet_uccsd_is_openfermions_generator(n_orbitals, n_electrons):
    # Identity: the excitation list rebuilds OpenFermion's uccsd_singlet_generator exactly,
    # for random packed amplitudes.
    ansatz = singlet_uccsd(n_orbitals, n_electrons)
    amplitudes = np.random.default_rng(7).normal(size=ansatz.n_parameters)
    expected = openfermion.normal_ordered(
        openfermion.uccsd_singlet_generator(amplitudes, 2 * n_orbitals, n_electrons))
    difference = generator_of(ansatz, amplitudes) - expected
    difference.compress(1e-12)
    assert difference.terms == {}
    assert ansatz.n_parameters == openfermion.uccsd_singlet_paramsize(2 * n_orbitals,
                                                                      n_electrons)


@pytest.mark.parametrize("n_orbitals, n_electrons", [(3, 2), (4, 4), (6, 4), (5, 6)])
def test_each_singlet_parameter_has_openfermions_terms(n_orbitals, n_electrons):
    # Identity, parameter by parameter: the gates sharing parameter k are the normal-ordered
    # excitation half of OpenFermion's generator with only amplitude k set, in the same order.
    ansatz = singlet_uccsd(n_orbitals, n_electrons)
    n_parameters = openfermion.uccsd_singlet_paramsize(2 * n_orbitals, n_electrons)
    assert ansatz.n_parameters == n_parameters
    for parameter in range(n_parameters):
        amplitudes = np.zeros(n_parameters)
        amplitudes[parameter] = 1.0
        generator = openfermion.normal_ordered(
            openfermion.uccsd_singlet_generator(amplitudes, 2 * n_orbitals, n_electrons))
        expected = sorted((term, coefficient.real) for term, coefficient in generator.terms.items()
                          if abs(coefficient) > 1e-14 and term[0][0] >= n_electrons)
        ours = sorted((tuple((mode, 1) for mode in excitation.creation)
                       + tuple((mode, 0) for mode in excitation.annihilation),
                       excitation.coefficient)
                      for excitation in ansatz.excitations if excitation.parameter == parameter)
        assert ours == expected


def test_spin_orbital_uccsd_counts_and_keeps_spin():
    # Doublet, 3 orbitals, 2 alpha + 1 beta: occupied alpha {0, 2}, beta {1}; virtual alpha
    # {4}, beta {3, 5}. Singles keep the spin: 2*1 (alpha) + 1*2 (beta) = 4. Doubles keep S_z:
    # alpha-alpha: C(2,2)*C(1,2)=0; alpha-beta: 2*1 occupied pairs x 1*2 virtual pairs = 4;
    # beta-beta: C(1,2)=0 -> 4.
    ansatz = spin_orbital_uccsd(3, 2, 1)
    assert ansatz.occupied == (0, 1, 2)
    singles = [e for e in ansatz.excitations if len(e.creation) == 1]
    doubles = [e for e in ansatz.excitations if len(e.creation) == 2]
    assert (len(singles), len(doubles), ansatz.n_parameters) == (4, 4, 8)
    for excitation in ansatz.excitations:
        assert sum(mode % 2 for mode in excitation.creation) == sum(
            mode % 2 for mode in excitation.annihilation)  # beta count kept, so S_z kept
        assert set(excitation.annihilation) <= set(ansatz.occupied)
        assert not set(excitation.creation) & set(ansatz.occupied)


def test_uccsd_chooses_by_shell():
    assert uccsd(4, 2, 2) == singlet_uccsd(4, 4)
    assert uccsd(3, 2, 1) == spin_orbital_uccsd(3, 2, 1)


@pytest.mark.parametrize("n_orbitals, k", [(3, 1), (4, 2)])
def test_k_upccgsd_counts(n_orbitals, k):
    # Lee et al., JCTC 15, 311 (2019): per layer one pair double and one spin-complemented single
    # per orbital pair p > q, so k * 2 * C(n, 2) parameters and k * 3 * C(n, 2) gates.
    ansatz = k_upccgsd(n_orbitals, 1, 1, k)
    assert ansatz.n_parameters == k * 2 * comb(n_orbitals, 2)
    assert len(ansatz.excitations) == k * 3 * comb(n_orbitals, 2)
    pair_doubles = [e for e in ansatz.excitations if len(e.creation) == 2]
    for excitation in pair_doubles:
        p, q = excitation.creation[0] // 2, excitation.annihilation[0] // 2
        assert excitation.creation == (2 * p, 2 * p + 1)
        assert excitation.annihilation == (2 * q + 1, 2 * q) and p > q


def test_reference_occupation_is_the_lowest_orbitals():
    assert reference_occupation(2, 2) == (0, 1, 2, 3)
    assert reference_occupation(3, 1) == (0, 1, 2, 4)
