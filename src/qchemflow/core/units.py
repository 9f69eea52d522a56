"""Units and thresholds shared by every layer: one place for each conversion.

All energies at interfaces are in Hartree; errors are reported in milli-Hartree (mHa) and
relative energies in kcal/mol.
"""

from __future__ import annotations

HARTREE_TO_MILLIHARTREE = 1000.0
HARTREE_TO_KCAL_PER_MOL = 627.5094740631  # CODATA 2018, as in DESIGN.md
CHEMICAL_ACCURACY_MHA = 1.6  # 1 kcal/mol = 1.5936 mHa, rounded as the field does


def error_millihartree(energy: float | None, exact: float | None) -> float | None:
    """``energy - exact`` in mHa, or None when either is missing."""
    if energy is None or exact is None:
        return None
    return (energy - exact) * HARTREE_TO_MILLIHARTREE
