"""Electron counts and spin."""

import pytest

from qchemflow.core.spin import alpha_beta, occupied_virtual, spin_squared_value


@pytest.mark.parametrize("electrons, spin, expected", [(10, 0, (5, 5)), (9, 1, (5, 4)),
                                                       (16, 2, (9, 7))])
def test_alpha_beta_adds_up_and_keeps_two_s(electrons, spin, expected):
    n_alpha, n_beta = alpha_beta(electrons, spin)
    assert (n_alpha, n_beta) == expected
    assert n_alpha + n_beta == electrons and n_alpha - n_beta == spin


def test_spin_squared_is_s_times_s_plus_one():
    assert spin_squared_value(5, 5) == 0.0
    assert spin_squared_value(5, 4) == 0.75  # doublet
    assert spin_squared_value(9, 7) == 2.0  # triplet O2


def test_occupied_virtual_takes_the_larger_of_each_spin():
    # 7 orbitals, 9 electrons, doublet: 5 alpha occupied, 7 - 4 = 3 beta virtual.
    assert occupied_virtual(7, 9, 1) == (5, 3)
