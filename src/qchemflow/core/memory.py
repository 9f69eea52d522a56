"""Memory guards: before a stage allocates its large arrays it estimates them, and
:func:`require_memory` refuses, with the estimate and the fix, when they do not fit in what the
job has left (its ``mem_mb`` minus what the process already holds).

The estimates are shared with the job requests (:mod:`qchemflow.pipeline.resources`), so a job
always asks for at least what its guards will check.
"""

from __future__ import annotations

import os
import resource
import sys
from math import comb
from pathlib import Path

from qchemflow.core.errors import ResourceError

BYTES_PER_FLOAT = 8
BYTES_PER_SPARSE_ENTRY = 36  # CSR value and index, plus row, column and value while building
FCI_DAVIDSON_SPACE = 20  # the CASCI/FCI solver's max_space (qchemflow.chemistry.references)
# PySCF's Davidson keeps the subspace vectors x and their products A x (2 per space vector), plus
# a few working vectors (the residual, the preconditioned update, the current and last solution).
FCI_VECTORS = 2 * FCI_DAVIDSON_SPACE + 4
STATE_COPIES = 16
SCF_MATRICES = 24  # Fock, density, orbitals, overlap, core Hamiltonian, 8+ DIIS vectors, ...
CC_AMPLITUDE_COPIES = 8  # t2, its update, residual and the o^2 v^2 intermediates
MP2_AMPLITUDE_COPIES = 3  # (ov|ov) integrals, t2 and a working copy


def process_memory_mb() -> float:
    """The memory this process holds now (resident set), in MB.

    From ``/proc/self/statm`` on Linux; elsewhere the peak resident set (``ru_maxrss``: bytes on
    macOS, KiB on other systems), which can only overstate it.
    """
    try:
        resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def memory_fix(rule: str, shrink: str) -> str:
    """What to change when a rule's job lacks memory."""
    return f"raise mem_mb (--set-resources {rule}:mem_mb=...) or {shrink}"


def require_memory(needed_mb: float, max_memory_mb: float, what: str, fix: str) -> float:
    """Refuse when ``needed_mb`` does not fit in the job's memory left.

    Args:
        needed_mb: the estimate of what is about to be allocated.
        max_memory_mb: the job's ``mem_mb``.
        what: what needs it, e.g. "CCSD amplitudes (o=5, v=20)".
        fix: what to change, e.g. "raise mem_mb (--set-resources references:mem_mb=...)".

    Returns:
        ``needed_mb``.

    Raises:
        ResourceError: with the estimate, what is left and the fix.
    """
    left = max_memory_mb - process_memory_mb()
    if needed_mb > left:
        raise ResourceError(f"{what} needs about {needed_mb:.4g} MB but the job has "
                            f"{max(left, 0):.4g} MB left of mem_mb = {max_memory_mb:.0f}; {fix}")
    return needed_mb


def active_integrals_memory_mb(n_orbitals: int) -> float:
    """The active-space two-electron integrals without symmetry (n^4 doubles), twice: the
    transformed tensor and the copy written to the FCIDUMP, in MB."""
    return 2 * n_orbitals ** 4 * BYTES_PER_FLOAT / 1e6


def scf_working_memory_mb(n_basis_functions: int) -> float:
    """SCF matrices that stay in memory even when the integrals are computed directly, in MB."""
    return SCF_MATRICES * n_basis_functions ** 2 * BYTES_PER_FLOAT / 1e6


def coupled_cluster_memory_mb(n_occupied: int, n_virtual: int, open_shell: bool) -> float:
    """CCSD amplitudes and their o^2 v^2 intermediates (three spin blocks for open shells), MB.

    PySCF keeps the transformed integrals on disk when they do not fit in ``max_memory``; the
    amplitudes it always keeps in memory.
    """
    blocks = 3 if open_shell else 1
    return blocks * CC_AMPLITUDE_COPIES * (n_occupied * n_virtual) ** 2 * BYTES_PER_FLOAT / 1e6


def mp2_memory_mb(n_occupied: int, n_virtual: int, open_shell: bool) -> float:
    """MP2 integrals and amplitudes, in MB."""
    blocks = 3 if open_shell else 1
    return blocks * MP2_AMPLITUDE_COPIES * (n_occupied * n_virtual) ** 2 * BYTES_PER_FLOAT / 1e6


def density_fitted_memory_mb(n_basis_functions: int, n_auxiliary: int, n_occupied: int,
                             n_virtual: int) -> float:
    """Density-fitted HF and MP2: the SCF's three-index integrals (auxiliary × pairs of basis
    functions) and the MP2's (occupied × virtual × auxiliary), in MB."""
    pairs = n_basis_functions * (n_basis_functions + 1) // 2
    return n_auxiliary * (pairs + n_occupied * n_virtual) * BYTES_PER_FLOAT / 1e6


def fci_memory_mb(determinants: int) -> float:
    """The Davidson vectors of a CASCI/FCI (``FCI_VECTORS`` of the determinant count), MB."""
    return determinants * FCI_VECTORS * BYTES_PER_FLOAT / 1e6


def integral_memory_mb(n_basis_functions: int) -> float:
    """Two-electron integrals with 8-fold symmetry, in MB."""
    return n_basis_functions ** 4 / 8 * BYTES_PER_FLOAT / 1e6


def sector_dimension(n_orbitals: int, n_alpha: int, n_beta: int) -> int:
    """States with fixed alpha and beta counts."""
    return comb(n_orbitals, n_alpha) * comb(n_orbitals, n_beta)


def sector_hamiltonian_memory_mb(dimension: int, patterns: int) -> float:
    """Sector Hamiltonian (at most one entry per state and X pattern, held twice while it is
    built) and the simulator's state vectors, in MB."""
    matrix = dimension * min(patterns, dimension) * BYTES_PER_SPARSE_ENTRY
    return (matrix + STATE_COPIES * dimension * BYTES_PER_FLOAT) / 1e6


MATRIX_FREE_STATE_COPIES = 8  # reference, state, adjoint, H|psi>, PySCF's work space


def matrix_free_memory_mb(dimension: int, n_orbitals: int, gate_pairs: int) -> float:
    """The matrix-free VQE: state vectors on the CI matrix, the integrals (PySCF holds a few
    n^4 copies) and the gates' string pairs (index, index, sign), in MB."""
    return (MATRIX_FREE_STATE_COPIES * dimension * BYTES_PER_FLOAT
            + 4 * n_orbitals ** 4 * BYTES_PER_FLOAT + 24 * gate_pairs) / 1e6


STATE_VECTOR_COPIES = 6  # state, basis-rotated copy, probabilities and the simulator's work space


def state_vector_memory_mb(n_qubits: int) -> float:
    """The hardware stage's full state vectors (complex128 over all 2^n outcomes, a device's
    view of the state)."""
    return STATE_VECTOR_COPIES * 16 * (1 << n_qubits) / 1e6


def noise_memory_mb(n_qubits: int, density_matrix_max_qubits: int, trajectories: int) -> float:
    """The noise stage's noisy state with its working copies: the complex128 density matrix up
    to ``density_matrix_max_qubits``, else ``trajectories`` complex64 states (and their
    outcome probabilities per measurement group)."""
    if n_qubits <= density_matrix_max_qubits:
        return 4 * 16 * 4.0 ** n_qubits / 1e6
    return 4 * 16 * trajectories * 2.0 ** n_qubits / 1e6
