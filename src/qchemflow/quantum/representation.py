"""How the VQE holds its Hamiltonian and simulates its circuit on the sector.

Two representations of the same operator: ``explicit``, the sparse sector matrix built from the
qubit Hamiltonian's Pauli terms (:func:`qchemflow.quantum.sector.sector_matrix`; fastest per
product on small sectors, memory ~ states x X patterns), and ``matrix_free``, PySCF's
``direct_spin1`` on the active-space integrals (a few state vectors of memory; 24-28 qubits).
Number-conserving ansätze run on the CI matrix (:mod:`qchemflow.quantum.strings`) with either;
the qubit ADAPT pool (all 2^n states) and the fermionic ADAPT pool keep the sector simulator and
the explicit matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from qchemflow.core.errors import InputError, ResourceError
from qchemflow.core.memory import matrix_free_memory_mb, memory_fix, require_memory
from qchemflow.quantum.ansatz import Ansatz
from qchemflow.quantum.sector import (PauliTerms, Sector, require_sector_memory, sector_matrix,
                                      spin_squared_matrix)
from qchemflow.quantum.settings import STRING_MIN_DIMENSION, choose_representation
from qchemflow.quantum.simulator import SectorSimulator, threaded

Integrals = Callable[[], tuple[np.ndarray, np.ndarray, float]]
@dataclass
class SectorProblem:
    """The sector, the Hamiltonian on it in the chosen representation, and the layout."""

    sector: Sector
    hamiltonian: Any
    representation: str
    layout: Any  # StringLayout, or None for the sector simulator
    memory_estimate_mb: float

    def simulator(self, ansatz: Ansatz, gates: list[Any] | None = None) -> Any:
        """A simulator of ``ansatz`` (or of ``gates``) on this problem."""
        if self.layout is None:
            return SectorSimulator(ansatz, self.sector, self.hamiltonian, gates)
        from qchemflow.quantum.strings import StringSimulator

        return StringSimulator(ansatz, self.layout, self.hamiltonian, gates)

    def spin_squared(self, state: np.ndarray) -> float:
        """<S^2> of a simulator's state (PySCF's ``spin_square0`` on the CI matrix)."""
        if self.layout is not None:
            from pyscf.fci import spin_op

            return float(spin_op.spin_square0(state.reshape(self.layout.shape),
                                              self.sector.n_qubits // 2,
                                              (self.sector.n_alpha, self.sector.n_beta))[0])
        return float(state @ (spin_squared_matrix(self.sector) @ state))


def sector_problem(terms: PauliTerms, sector: Sector, setting: str, on_strings: bool,
                   integrals: Integrals | None, gate_pairs: int, threads: int,
                   max_memory_mb: float) -> SectorProblem:
    """Choose the representation, check its memory and build the Hamiltonian.

    Args:
        terms: the qubit Hamiltonian.
        sector: its sector.
        setting: ``vqe.hamiltonian`` (auto, explicit, matrix_free).
        on_strings: the ansatz conserves N_alpha and N_beta and may run on the CI matrix.
        integrals: loads (h1, h2, core energy) of the same Hamiltonian; None: explicit only.
        gate_pairs: string pairs of every gate (:func:`string_pair_count`), for the estimate.
        threads: for the Hamiltonian products and the gate kernels.
        max_memory_mb: above it the VQE is refused.

    Raises:
        InputError: matrix_free asked for where it cannot run.
        ResourceError: the chosen representation does not fit.
    """
    try:
        explicit_mb: float | None = require_sector_memory(sector, terms, max_memory_mb, "vqe")
    except ResourceError:
        explicit_mb = None
    usable = on_strings and integrals is not None
    if setting == "matrix_free" and not usable:
        raise InputError("vqe.hamiltonian: matrix_free needs a number-conserving ansatz "
                         "(uccsd, k-upccgsd) and the FCIDUMP")
    representation = choose_representation(setting, sector.dimension, explicit_mb is not None,
                                           usable)
    if representation == "explicit":
        if explicit_mb is None:  # does not fit: say so
            explicit_mb = require_sector_memory(sector, terms, max_memory_mb, "vqe")
        layout = None
        matrix = sector_matrix(terms, sector)
        if on_strings and sector.dimension >= STRING_MIN_DIMENSION:
            from qchemflow.quantum.strings import explicit_ci_matrix, set_threads, string_layout

            set_threads(threads)
            layout = string_layout(sector)
            matrix = explicit_ci_matrix(matrix, layout)
        return SectorProblem(sector, threaded(matrix, threads), "explicit", layout, explicit_mb)
    n_orbitals = sector.n_qubits // 2
    estimate = require_memory(
        matrix_free_memory_mb(sector.dimension, n_orbitals, gate_pairs), max_memory_mb,
        f"the matrix-free VQE ({sector.dimension} states, {gate_pairs} string pairs)",
        memory_fix("vqe", "shrink the space"))
    from qchemflow.quantum.strings import MatrixFreeHamiltonian, set_threads, string_layout

    set_threads(threads)
    assert integrals is not None
    h1, h2, core_energy = integrals()
    return SectorProblem(sector, MatrixFreeHamiltonian(h1, h2, core_energy, sector.n_alpha,
                                                       sector.n_beta, threads),
                         "matrix_free", string_layout(sector), estimate)
