"""Units: one conversion each, checked against their definitions."""

import pytest

from qchemflow.core.units import (CHEMICAL_ACCURACY_MHA, HARTREE_TO_KCAL_PER_MOL,
                                  HARTREE_TO_MILLIHARTREE, error_millihartree)


def test_conversions_match_codata():
    # CODATA 2018: 1 Hartree = 4.3597447222071e-18 J; N_A = 6.02214076e23 /mol; 4184 J/kcal.
    assert HARTREE_TO_KCAL_PER_MOL == pytest.approx(4.3597447222071e-18 * 6.02214076e23 / 4184,
                                                    rel=1e-10)
    assert HARTREE_TO_MILLIHARTREE == 1000.0


def test_chemical_accuracy_is_one_kcal_per_mol():
    assert CHEMICAL_ACCURACY_MHA == pytest.approx(1000 / HARTREE_TO_KCAL_PER_MOL, abs=0.01)


def test_error_is_signed_and_missing_stays_missing():
    assert error_millihartree(-1.0, -1.002) == pytest.approx(2.0)
    assert error_millihartree(-1.002, -1.0) == pytest.approx(-2.0)
    assert error_millihartree(None, -1.0) is None and error_millihartree(-1.0, None) is None
