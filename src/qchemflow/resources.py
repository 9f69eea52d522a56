"""Per-job memory and runtime requests computed from the problem size (used by the rules).

Every estimate grows linearly with the Snakemake attempt, so a retry after an out-of-memory or
time-limit kill asks for more.
"""

from __future__ import annotations

from math import comb

BASE_MEMORY_MB = 1000
BYTES_PER_FLOAT = 8
BYTES_PER_SPARSE_ENTRY = 36  # CSR value and index, plus row, column and value while building
FCI_VECTORS = 20
STATE_COPIES = 16


def integral_memory_mb(n_basis_functions: int) -> float:
    """Two-electron integrals with 8-fold symmetry, in MB."""
    return n_basis_functions ** 4 / 8 * BYTES_PER_FLOAT / 1e6


def scf_memory_mb(n_basis_functions: int, attempt: int = 1) -> int:
    """SCF: integrals, three working copies, the base process."""
    return int((BASE_MEMORY_MB + 3 * integral_memory_mb(n_basis_functions)) * attempt)


def references_memory_mb(n_basis_functions: int, n_electrons: int, fci_determinants: int,
                         attempt: int = 1) -> int:
    """CCSD(T) (integrals, o^2 v^2 amplitudes and intermediates) and the largest CI vector set."""
    occupied = n_electrons // 2 + 1
    virtual = max(n_basis_functions - occupied, 1)
    coupled_cluster = 12 * occupied ** 2 * virtual ** 2 * BYTES_PER_FLOAT / 1e6
    configuration_interaction = fci_determinants * FCI_VECTORS * BYTES_PER_FLOAT / 1e6
    total = BASE_MEMORY_MB + 3 * integral_memory_mb(n_basis_functions) + coupled_cluster
    return int((total + configuration_interaction) * attempt)


def sector_dimension(n_orbitals: int, n_alpha: int, n_beta: int) -> int:
    """States with fixed alpha and beta counts."""
    return comb(n_orbitals, n_alpha) * comb(n_orbitals, n_beta)


def sector_hamiltonian_memory_mb(dimension: int, patterns: int) -> float:
    """Sector Hamiltonian (at most one entry per state and X pattern, held twice while it is
    built) and the simulator's state vectors, in MB."""
    matrix = dimension * min(patterns, dimension) * BYTES_PER_SPARSE_ENTRY
    return (matrix + STATE_COPIES * dimension * BYTES_PER_FLOAT) / 1e6


def vqe_memory_mb(n_orbitals: int, n_alpha: int, n_beta: int, attempt: int = 1) -> int:
    """The VQE job's request: the process plus the sector Hamiltonian, with an upper bound on the
    number of X patterns (dense integrals)."""
    dimension = sector_dimension(n_orbitals, n_alpha, n_beta)
    patterns = (2 * n_orbitals) ** 4 // 60 + 1
    return int((BASE_MEMORY_MB + sector_hamiltonian_memory_mb(dimension, patterns)) * attempt)


def runtime_minutes(work: float, attempt: int = 1, minimum: int = 10) -> int:
    """Minutes for a job whose cost scales like ``work`` (seconds on this class of machine)."""
    return int(max(minimum, 3 * work / 60) * attempt)
