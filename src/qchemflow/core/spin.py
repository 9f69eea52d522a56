"""Electron counts and spin: one place for N_alpha, N_beta and S(S+1)."""

from __future__ import annotations


def alpha_beta(n_electrons: int, spin: int) -> tuple[int, int]:
    """Alpha and beta electron counts for ``n_electrons`` and 2S = ``spin``."""
    return (n_electrons + spin) // 2, (n_electrons - spin) // 2


def occupied_virtual(n_orbitals: int, n_electrons: int, spin: int) -> tuple[int, int]:
    """Occupied (alpha) and virtual (beta) orbital counts: the larger of each spin's o and v."""
    n_alpha, n_beta = alpha_beta(n_electrons, spin)
    return n_alpha, n_orbitals - n_beta




def spin_squared_value(n_alpha: int, n_beta: int) -> float:
    """S(S+1) of a state with ``n_alpha`` and ``n_beta`` electrons and S = S_z = (Na - Nb)/2."""
    s = (n_alpha - n_beta) / 2
    return s * (s + 1)
