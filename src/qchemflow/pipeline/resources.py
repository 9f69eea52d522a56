"""Job requests: the memory and runtime each rule asks the scheduler for.

Every request grows linearly with the Snakemake attempt, so a retry after an out-of-memory or
time-limit kill asks for more. The requests are built from the same estimates as the stages'
guards (:mod:`qchemflow.core.memory`), so a job always has what its guards will check.
"""

from __future__ import annotations

from qchemflow.core.memory import (active_integrals_memory_mb, coupled_cluster_memory_mb,
                                   density_fitted_memory_mb,
                                   fci_memory_mb, integral_memory_mb, matrix_free_memory_mb,
                                   mp2_memory_mb, sector_dimension, sector_hamiltonian_memory_mb,
                                   noise_memory_mb, state_vector_memory_mb)
from qchemflow.chemistry.cbs import basis_function_count
from qchemflow.chemistry.molecules import MoleculeSpec
from qchemflow.core.spin import alpha_beta, occupied_virtual
from qchemflow.quantum.ansatz import ansatz_string_pairs, build_ansatz
from qchemflow.quantum.settings import VQESettings, choose_representation

BASE_MEMORY_MB = 1000
# One PySCF thread per this many basis functions, at most MAX_PYSCF_THREADS.
FUNCTIONS_PER_THREAD = 100
MAX_PYSCF_THREADS = 8
# CCSD(T) time model: iterations to converge, and a sustained rate of one thread. Measured: the
# whole references job of 2-pyridone in cc-pVDZ (o = 18, v = 98: 1.1e12 by this count) took 158 s
# on one thread of this project's 2-core machine, 7e9 per second; runtime_minutes adds a factor 3.
CCSD_ITERATIONS = 20
# The hardware stage: seconds per (o v)^2 at 12 qubits (LiH: 100 s for (2 * 4)^2).
HARDWARE_SECONDS = 1.6
# The noise stage: seconds per (o v)^2 at 12 qubits and 100 trajectories (LiH: 120 s).
NOISE_SECONDS = 2.0
FLOPS_PER_THREAD = 5e9
# The matrix-free VQE: threads (the gate kernels and PySCF's product scale to a few cores), the
# seconds one thread spends per (state x excitation gate) on one energy plus gradient (forward
# sweep, contract_2e, fused backward sweep; N2/cc-pVDZ (10e,14o), 28 qubits: 25 s on 2 threads
# for 4.0e6 states x 3555 gates), and the evaluations per layer (L-BFGS-B from the HF state took
# 23 and 24 at 24 and 28 qubits; later layers start from random values and take more; a job
# that runs out of time resumes from its checkpoint with twice the time). benchmarks/README.md.
MATRIX_FREE_THREADS = 8
SECONDS_PER_STATE_GATE = 3.5e-9
VQE_EVALUATIONS_PER_LAYER = 60


def scf_memory_mb(n_basis_functions: int, attempt: int = 1) -> int:
    """SCF: integrals, three working copies, the base process."""
    return int((BASE_MEMORY_MB + 3 * integral_memory_mb(n_basis_functions)) * attempt)


def active_space_memory_mb(n_basis_functions: int, n_active_orbitals: int, attempt: int = 1
                           ) -> int:
    """The active-space job's request: the process, the AO integrals (so PySCF transforms them
    in memory) and the guard's active-space integral estimate."""
    return int((BASE_MEMORY_MB + integral_memory_mb(n_basis_functions)
                + active_integrals_memory_mb(n_active_orbitals)) * attempt)


def references_memory_mb(n_basis_functions: int, n_electrons: int, spin: int,
                         fci_determinants: int, attempt: int = 1) -> int:
    """CCSD(T) (integrals in memory, amplitudes and intermediates) and the largest CI vector set,
    with the same estimates as the stage's guards."""
    n_occupied, n_virtual = occupied_virtual(n_basis_functions, n_electrons, spin)
    total = (BASE_MEMORY_MB + 3 * integral_memory_mb(n_basis_functions)
             + coupled_cluster_memory_mb(n_occupied, max(n_virtual, 1), spin != 0)
             + fci_memory_mb(fci_determinants))
    return int(total * attempt)


def vqe_memory_mb(n_orbitals: int, n_alpha: int, n_beta: int, attempt: int = 1) -> int:
    """The explicit sector Hamiltonian's job: the process plus the sector matrix, with an upper
    bound on the number of X patterns (dense integrals)."""
    dimension = sector_dimension(n_orbitals, n_alpha, n_beta)
    patterns = (2 * n_orbitals) ** 4 // 60 + 1
    return int((BASE_MEMORY_MB + sector_hamiltonian_memory_mb(dimension, patterns)) * attempt)


def runtime_minutes(work: float, attempt: int = 1, minimum: int = 10) -> int:
    """Minutes for a job whose cost scales like ``work`` (seconds on this class of machine)."""
    return int(max(minimum, 3 * work / 60) * attempt)


# What each rule asks for, from the validated molecule (workflow/rules/common.smk calls these).

def scf_request_mb(molecule: MoleculeSpec, attempt: int = 1) -> int:
    """The scf job's memory."""
    return scf_memory_mb(molecule.n_basis_functions, attempt)


def active_space_request_mb(molecule: MoleculeSpec, attempt: int = 1) -> int:
    """The active_space job's memory; with natural orbitals, also the MP2 they come from."""
    request = active_space_memory_mb(molecule.n_basis_functions, molecule.n_active_orbitals,
                                     attempt)
    if molecule.active_space_method != "natural_orbitals":
        return request
    n_frozen = molecule.n_frozen_core
    occupied, virtual = occupied_virtual(molecule.n_basis_functions - n_frozen,
                                         molecule.n_electrons - 2 * n_frozen, molecule.spin)
    return request + int(mp2_memory_mb(occupied, virtual, molecule.spin != 0) * attempt)


def largest_ci_determinants(molecule: MoleculeSpec, fci_max_determinants: int) -> int:
    """The largest CI the references job may run: the full-space FCI over the orbitals that are
    not frozen, or the active-space CASCI, whichever is larger, at most the configured limit."""
    n_frozen = molecule.n_frozen_core
    full = sector_dimension(molecule.n_basis_functions - n_frozen,
                            *alpha_beta(molecule.n_electrons - 2 * n_frozen, molecule.spin))
    active = sector_dimension(molecule.n_active_orbitals,
                              *alpha_beta(molecule.n_active_electrons, molecule.spin))
    return min(max(full, active), fci_max_determinants)


def references_request_mb(molecule: MoleculeSpec, fci_max_determinants: int, attempt: int = 1
                          ) -> int:
    """The references job's memory."""
    return references_memory_mb(molecule.n_basis_functions, molecule.n_electrons, molecule.spin,
                                largest_ci_determinants(molecule, fci_max_determinants), attempt)


def active_sector_dimension(molecule: MoleculeSpec) -> int:
    """States of the active space's particle-number sector (the VQE's vectors)."""
    return sector_dimension(molecule.n_active_orbitals,
                            *alpha_beta(molecule.n_active_electrons, molecule.spin))


def vqe_runs_matrix_free(molecule: MoleculeSpec, settings: VQESettings) -> bool:
    """Whether the VQE stage will choose the matrix-free Hamiltonian (a fixed, number-conserving
    ansatz on a sector above the explicit limit, or ``vqe.hamiltonian: matrix_free``)."""
    return choose_representation(settings.hamiltonian, active_sector_dimension(molecule),
                                 on_strings=settings.runs_on_strings) == "matrix_free"


def vqe_string_pairs(molecule: MoleculeSpec, settings: VQESettings) -> tuple[int, int]:
    """The fixed ansatz's excitation gates and their string pairs (the matrix-free guard's
    count)."""
    n_alpha, n_beta = alpha_beta(molecule.n_active_electrons, molecule.spin)
    ansatz = build_ansatz(settings, molecule.n_active_orbitals, n_alpha, n_beta)
    return len(ansatz.excitations), ansatz_string_pairs(ansatz, n_alpha, n_beta)


def vqe_request_mb(molecule: MoleculeSpec, settings: VQESettings, attempt: int = 1) -> int:
    """The vqe job's memory: the process plus the representation the stage will choose, with
    the stage guard's estimate."""
    n_alpha, n_beta = alpha_beta(molecule.n_active_electrons, molecule.spin)
    if not vqe_runs_matrix_free(molecule, settings):
        return vqe_memory_mb(molecule.n_active_orbitals, n_alpha, n_beta, attempt)
    _, pairs = vqe_string_pairs(molecule, settings)
    return int((BASE_MEMORY_MB + matrix_free_memory_mb(
        active_sector_dimension(molecule), molecule.n_active_orbitals, pairs)) * attempt)


def vqe_threads(molecule: MoleculeSpec, settings: VQESettings) -> int:
    """The vqe job's threads: one on the explicit matrix (small sectors, bitwise the same
    whatever ``--cores`` allows), :data:`MATRIX_FREE_THREADS` matrix-free (Snakemake caps it at
    ``--cores``)."""
    return MATRIX_FREE_THREADS if vqe_runs_matrix_free(molecule, settings) else 1


def vqe_runtime_minutes(molecule: MoleculeSpec, settings: VQESettings, attempt: int = 1) -> int:
    """The vqe job's time limit: matrix-free, :data:`VQE_EVALUATIONS_PER_LAYER` energies and
    gradients per layer, each of (states x gates) work, on two threads (the fewest it may get);
    explicit, proportional to the sector (small sectors: the minimum)."""
    dimension = active_sector_dimension(molecule)
    if not vqe_runs_matrix_free(molecule, settings):
        return runtime_minutes(dimension / 2000, attempt)
    gates, _ = vqe_string_pairs(molecule, settings)
    work = (VQE_EVALUATIONS_PER_LAYER * max(1, settings.layers) * dimension * gates
            * SECONDS_PER_STATE_GATE)
    return runtime_minutes(work / 2, attempt)


def qubits_request_mb(molecule: MoleculeSpec, check_spectrum: bool, attempt: int = 1) -> int:
    """The qubits job's memory: the sector matrix when it checks the spectrum, else the process
    and the Pauli terms (within the base allowance)."""
    if check_spectrum:
        return vqe_memory_mb(molecule.n_active_orbitals,
                             *alpha_beta(molecule.n_active_electrons, molecule.spin), attempt)
    return BASE_MEMORY_MB * attempt


def qubits_runtime_minutes(molecule: MoleculeSpec, check_spectrum: bool, attempt: int = 1
                           ) -> int:
    """The qubits job's time limit: the sector's diagonalisation when it checks, else the
    minimum."""
    work = active_sector_dimension(molecule) / 2000 if check_spectrum else 0.0
    return runtime_minutes(work, attempt)


def hardware_request_mb(molecule: MoleculeSpec, attempt: int = 1) -> int:
    """The hardware job's memory: the process and the full state vector's copies (the same
    estimate as the stage's guard), untapered (an upper bound)."""
    n_qubits = 2 * molecule.n_active_orbitals
    return int((BASE_MEMORY_MB + state_vector_memory_mb(n_qubits)) * attempt)


def hardware_runtime_minutes(molecule: MoleculeSpec, attempt: int = 1) -> int:
    """The hardware job's time limit: compilation and routing dominate, and scale with the
    excitation gates (about (o v)^2) times the qubits. Measured: LiH (o = 2, v = 4 spatial
    orbitals, 12 qubits) took 100 s on this project's machine."""
    n_alpha, n_beta = alpha_beta(molecule.n_active_electrons, molecule.spin)
    occupied = max(n_alpha, n_beta)
    virtual = molecule.n_active_orbitals - min(n_alpha, n_beta)
    n_qubits = 2 * molecule.n_active_orbitals
    return runtime_minutes(HARDWARE_SECONDS * (occupied * virtual) ** 2 * n_qubits / 12, attempt)


def noise_request_mb(molecule: MoleculeSpec, density_matrix_max_qubits: int, trajectories: int,
                     attempt: int = 1) -> int:
    """The noise job's memory: the process and the noisy state (the stage's guard's estimate)."""
    n_qubits = 2 * molecule.n_active_orbitals
    return int((BASE_MEMORY_MB + noise_memory_mb(n_qubits, density_matrix_max_qubits,
                                                 trajectories)) * attempt)


def noise_runtime_minutes(molecule: MoleculeSpec, trajectories: int, attempt: int = 1) -> int:
    """The noise job's time limit: compilation (as the hardware job's) and the noisy
    simulations, nine of them (three rates, three noise scales), whose trajectories scale with
    the gates. Measured: LiH (12 qubits, 100 trajectories) took 120 s on this project's
    machine."""
    n_alpha, n_beta = alpha_beta(molecule.n_active_electrons, molecule.spin)
    gates = (max(n_alpha, n_beta) * (molecule.n_active_orbitals - min(n_alpha, n_beta))) ** 2
    return runtime_minutes(NOISE_SECONDS * gates * 2.0 ** (2 * molecule.n_active_orbitals - 12)
                           * max(1.0, trajectories / 100), attempt)


def pyscf_threads(molecule: MoleculeSpec) -> int:
    """Threads for the SCF and references jobs: one per :data:`FUNCTIONS_PER_THREAD` basis
    functions, from one (every small molecule: one thread keeps results bitwise the same
    whatever ``--cores`` allows) to :data:`MAX_PYSCF_THREADS`; Snakemake caps it at
    ``--cores``."""
    return max(1, min(MAX_PYSCF_THREADS, molecule.n_basis_functions // FUNCTIONS_PER_THREAD))


def coupled_cluster_seconds(molecule: MoleculeSpec) -> float:
    """CCSD(T)'s time on one thread, from its operation count over the orbitals that are not
    frozen: :data:`CCSD_ITERATIONS` CCSD iterations of o²v⁴ and the (T) step's o³v⁴, at
    :data:`FLOPS_PER_THREAD`."""
    n_frozen = molecule.n_frozen_core
    occupied, virtual = occupied_virtual(molecule.n_basis_functions - n_frozen,
                                         molecule.n_electrons - 2 * n_frozen, molecule.spin)
    operations = (CCSD_ITERATIONS * occupied ** 2 + occupied ** 3) * float(virtual) ** 4
    return operations / FLOPS_PER_THREAD


def references_runtime_minutes(molecule: MoleculeSpec, fci_max_determinants: int,
                               attempt: int = 1) -> int:
    """The references job's time limit: CCSD(T) on its threads, the largest CI it may run and
    the integrals."""
    work = (coupled_cluster_seconds(molecule) / pyscf_threads(molecule)
            + largest_ci_determinants(molecule, fci_max_determinants) / 2e4
            + molecule.n_basis_functions ** 4 / 2e6)
    return runtime_minutes(work, attempt)


# Density-fitting sets (cc-pVXZ-JKFIT, -RI) have about three functions per basis function.
AUXILIARY_PER_BASIS_FUNCTION = 3
DENSITY_FITTED_SCF_ITERATIONS = 30


def cbs_largest_basis_functions(molecule: MoleculeSpec, basis_sets: tuple[str, ...]) -> int:
    """Spherical basis functions of the molecule in the largest of ``basis_sets`` (tight-d sets
    on Al–Ar)."""
    return max(basis_function_count(list(molecule.symbols), basis) for basis in basis_sets)


def cbs_request_mb(molecule: MoleculeSpec, basis_sets: tuple[str, ...], attempt: int = 1) -> int:
    """The CBS job's memory: the density-fitted SCF's and MP2's three-index integrals in the
    largest basis (the estimate of the stage's guard, with auxiliary sets of about three
    functions per basis function)."""
    n = cbs_largest_basis_functions(molecule, basis_sets)
    tensors = density_fitted_memory_mb(n, AUXILIARY_PER_BASIS_FUNCTION * n,
                                       *occupied_virtual(n, molecule.n_electrons, molecule.spin))
    return int((BASE_MEMORY_MB + tensors) * attempt)


def cbs_runtime_minutes(molecule: MoleculeSpec, basis_sets: tuple[str, ...],
                        attempt: int = 1) -> int:
    """The CBS job's time limit: the density-fitted SCF's exchange (iterations × auxiliary ×
    n² × occupied) and the DF-MP2 (occupied² × virtual² × auxiliary) in each basis, on the
    job's threads."""
    work = 0.0
    for basis in basis_sets:
        n = basis_function_count(list(molecule.symbols), basis)
        auxiliary = AUXILIARY_PER_BASIS_FUNCTION * n
        occupied, virtual = occupied_virtual(n, molecule.n_electrons, molecule.spin)
        work += (DENSITY_FITTED_SCF_ITERATIONS * auxiliary * float(n) ** 2 * occupied
                 + float(occupied) ** 2 * float(virtual) ** 2 * auxiliary) / FLOPS_PER_THREAD
    return runtime_minutes(work / pyscf_threads(molecule), attempt)
