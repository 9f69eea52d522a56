"""Sample-based quantum diagonalisation (SQD) of a circuit's Z-basis samples.

SQD (Robledo-Moreno et al., "Chemistry beyond the scale of exact diagonalization on a
quantum-centric supercomputer", Sci. Adv. 11, eadu9991 (2025), arXiv:2405.05068; reference
implementation: qiskit-addon-sqd) uses the quantum computer only as a sampler. A (noisy) circuit
that prepares an approximate ground state is measured in the Z basis; each shot is a
determinant. The samples pick the subspace, and a classical computer diagonalises the
active-space Hamiltonian in it:

1. Each sample splits into an alpha string and a beta string (bit i = orbital i occupied, as
   PySCF's selected CI writes them, :func:`spin_strings`). Noise leaves some samples with the
   wrong electron numbers. The first round keeps only those with the right (N_alpha, N_beta).
   When there are none, the Hartree-Fock determinant's occupations (the lowest N_alpha and
   N_beta orbitals filled) stand in for the average occupations, and the first round recovers
   configurations from them too.
2. Configuration recovery (:func:`recover_configurations`) repairs the other samples. For a spin
   part with too many (too few) electrons, occupied (empty) orbitals are emptied (filled) at
   random until the count is right. Each orbital is weighted by how far its bit is from that
   orbital's average occupation in the last round's ground state, using the modified ReLU
   weights of the paper and of ``recover_configurations`` in qiskit-addon-sqd. Samples with the
   right counts are not changed.
3. Each of ``batches`` subsamples of ``samples_per_batch`` distinct configurations (drawn with
   probability proportional to their counts, :func:`subsample`) gives the set of alpha strings
   and the set of beta strings it contains. Those strings, together with the previous round's
   strings that carry weight, span the subspace: every alpha string times every beta string.
   When ``symmetrize_spin`` is set and N_alpha = N_beta, both spins take the union, which keeps
   the subspace closed under spin flip.
4. PySCF's selected CI (``pyscf.fci.selected_ci.kernel_fixed_space``) diagonalises the
   Hamiltonian in that subspace. A spin penalty (``pyscf.fci.addons.fix_spin_``: H + shift
   (S^2 - s(s+1)), s = (N_alpha - N_beta)/2) steers it to the target spin, since a product
   subspace is not closed under S^2. The reported energy is <H> of the state found (penalty
   removed) and <S^2> is measured (``selected_ci.spin_square``). The ground state's average
   occupations feed the next round's recovery. Rounds stop after ``iterations``, or when the
   best batch energy changes by less than ``energy_tolerance``. The result is the lowest energy
   of any batch of any round, with its state (as qiskit-addon-sqd's ``best_result``).

The energy is variational in the sampled subspace. It is <H> of a normalised state that lies in
a subspace of the CASCI space of the same Hamiltonian, so it is an upper bound to CASCI; it is
not an estimate with an error bar. When the sampled strings cover every alpha and every beta
string, the subspace is the whole CASCI space and the result is CASCI itself. That case, usual
for the small active spaces simulated here, says nothing about how SQD scales: its claim is for
spaces far beyond exact diagonalisation, where the samples span a tiny fraction.

Randomness comes only from ``np.random.default_rng(seed)``: the same inputs and seed give a
bit-identical result (with the same number of PySCF threads, whose OpenMP sums can change the
last bits).

Occupation integers follow the project's convention: spin-orbital mode k is bit k, mode 2i is
orbital i alpha and 2i+1 orbital i beta (:func:`qchemflow.quantum.sector.occupations_with`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyscf import lib
from pyscf.fci import addons, cistring, direct_spin1, selected_ci, spin_op

from qchemflow.core.spin import spin_squared_value
from qchemflow.quantum.settings import SQDSettings

# The spin penalty shift (Hartree) of ``fix_spin_``, PySCF's and qiskit-addon-sqd's default.
SPIN_PENALTY_HARTREE = 0.1
# Davidson convergence on the energy, tighter than PySCF's selected-CI default (1e-9).
DAVIDSON_TOLERANCE = 1e-11
DAVIDSON_MAX_CYCLE = 200
# Strings of the previous round's ground state with an amplitude above this are kept in the next
# subspace (qiskit-addon-sqd's ``carryover_threshold``).
CARRYOVER_AMPLITUDE = 1e-4
# Memory bound on a subspace: each spin keeps at most isqrt of this many strings (the most
# weighted first), so the CI vector has at most this many determinants (80 MB each, and the
# Davidson solver holds about a dozen).
MAX_SUBSPACE_DIMENSION = 10_000_000
# Bit-flip weights below this are raised to it, so that recovery can always reach the right
# electron count (the reference skips a spin part whose weights are all zero).
MIN_FLIP_WEIGHT = 1e-12
# The reference's ``eps``: the weight of a flip that goes against the average occupation.
FLIP_EPSILON = 0.01
# Spaces up to this size are diagonalised densely in the fully spin-polarised fallback.
DENSE_LIMIT = 2000


@dataclass(frozen=True)
class SQDIteration:
    """One round of recovery and diagonalisation.

    Attributes:
        energy: the lowest total energy (core included) over this round's batches.
        s2: <S^2> of that batch's ground state.
        subspace_dimension: alpha strings x beta strings of that batch's subspace.
        alpha_strings, beta_strings: the strings spanning it.
        recovered_fraction: fraction of the shots whose configuration recovery changed (0 in a
            first round that only post-selects).
        configurations: distinct configurations with the right electron counts that the batches
            were drawn from.
        batch_energies: every batch's total energy, in batch order.
        converged: the Davidson solver converged for that batch.
    """

    energy: float
    s2: float
    subspace_dimension: int
    alpha_strings: int
    beta_strings: int
    recovered_fraction: float
    configurations: int
    batch_energies: tuple[float, ...]
    converged: bool


@dataclass(frozen=True)
class SQDResult:
    """The SQD estimate: the lowest energy of any batch in any round, and its state.

    Attributes:
        energy: total energy (core included), variational in the sampled subspace.
        s2: <S^2> of that state.
        subspace_dimension: ``alpha_strings * beta_strings`` of its subspace.
        alpha_strings, beta_strings: the strings spanning that subspace.
        full_dimension: C(n_orbitals, N_alpha) * C(n_orbitals, N_beta), the CASCI space.
        shots: samples used (the sum of the counts).
        valid_fraction: fraction of the shots with the right (N_alpha, N_beta) before recovery.
        iterations: every round, in order.
        occupations: that state's average occupation of each spin orbital, interleaved as the
            modes are: entry 2i is orbital i alpha, 2i+1 orbital i beta.
        converged: the rounds stopped because the energy changed by less than the tolerance
            (False when they ran out, or when only one round was allowed).
        spin_symmetrized: the alpha and beta strings were merged (``symmetrize_spin`` with
            N_alpha = N_beta).
        hartree_fock_start: no sample had the right electron counts, so the first round recovered
            configurations from the Hartree-Fock occupations.
    """

    energy: float
    s2: float
    subspace_dimension: int
    alpha_strings: int
    beta_strings: int
    full_dimension: int
    shots: int
    valid_fraction: float
    iterations: tuple[SQDIteration, ...]
    occupations: tuple[float, ...]
    converged: bool
    spin_symmetrized: bool
    hartree_fock_start: bool


@dataclass(frozen=True)
class SubspaceState:
    """The ground state of the Hamiltonian in the subspace alpha strings x beta strings.

    Attributes:
        energy: <H> of the state (core included, spin penalty removed).
        s2: <S^2> of the state.
        alpha_strings, beta_strings: the sorted strings (bit i = orbital i occupied).
        amplitudes: the CI vector as an (alpha strings, beta strings) matrix.
        alpha_occupations, beta_occupations: average occupation of each orbital.
        converged: the eigensolver converged.
    """

    energy: float
    s2: float
    alpha_strings: np.ndarray
    beta_strings: np.ndarray
    amplitudes: np.ndarray
    alpha_occupations: np.ndarray
    beta_occupations: np.ndarray
    converged: bool

    @property
    def dimension(self) -> int:
        """Determinants in the subspace."""
        return int(self.amplitudes.size)


def spin_strings(occupations: np.ndarray, n_orbitals: int) -> tuple[np.ndarray, np.ndarray]:
    """Alpha and beta strings of occupation integers, in PySCF's string convention.

    Bit 2i (orbital i alpha) of an occupation becomes bit i of its alpha string, and bit 2i+1
    (orbital i beta) becomes bit i of its beta string.
    """
    occupations = np.asarray(occupations, dtype=np.int64)
    alpha = np.zeros(occupations.shape, dtype=np.int64)
    beta = np.zeros(occupations.shape, dtype=np.int64)
    for orbital in range(n_orbitals):
        alpha |= ((occupations >> (2 * orbital)) & 1) << orbital
        beta |= ((occupations >> (2 * orbital + 1)) & 1) << orbital
    return alpha, beta


def occupations_from_strings(alpha: np.ndarray, beta: np.ndarray, n_orbitals: int) -> np.ndarray:
    """Occupation integers (bit 2i alpha, 2i+1 beta) of alpha and beta strings; inverse of
    :func:`spin_strings`."""
    alpha = np.asarray(alpha, dtype=np.int64)
    beta = np.asarray(beta, dtype=np.int64)
    occupations = np.zeros(np.broadcast(alpha, beta).shape, dtype=np.int64)
    for orbital in range(n_orbitals):
        occupations |= ((alpha >> orbital) & 1) << (2 * orbital)
        occupations |= ((beta >> orbital) & 1) << (2 * orbital + 1)
    return occupations


def hartree_fock_occupations(n_orbitals: int, n_electrons: int) -> np.ndarray:
    """Occupations of one spin in the Hartree-Fock determinant: the first ``n_electrons``
    orbitals filled (the lowest, for canonical orbitals in energy order, as CASCI gives them)."""
    return (np.arange(n_orbitals) < n_electrons).astype(float)


def flip_weights(bits: np.ndarray, occupations: np.ndarray, n_electrons: int) -> np.ndarray:
    """The modified ReLU weight of flipping each bit (rows: samples, columns: orbitals).

    With r = n_electrons / n_orbitals the expected filling and n an orbital's average occupation,
    a 0 -> 1 flip weighs n * eps / r when n < r, and rises linearly from eps at n = r to 1 at
    n = 1 otherwise (eps when r = 1). A 1 -> 0 flip weighs the same function of (1 - r, 1 - n).
    These are the ``_p_flip_0_to_1`` and ``_p_flip_1_to_0`` weights of qiskit-addon-sqd, with
    eps = 0.01. The weights are clipped to [MIN_FLIP_WEIGHT, 1].
    """
    n_orbitals = bits.shape[1]
    ratio = n_electrons / n_orbitals
    weight_fill = relu_weight(ratio, occupations)
    weight_empty = relu_weight(1.0 - ratio, 1.0 - occupations)
    weights = np.where(bits, weight_empty[np.newaxis, :], weight_fill[np.newaxis, :])
    return np.clip(weights, MIN_FLIP_WEIGHT, 1.0)


def relu_weight(ratio: float, occupations: np.ndarray) -> np.ndarray:
    """Weight of a 0 -> 1 flip for each occupation at expected filling ``ratio``."""
    occupations = np.asarray(occupations, dtype=float)
    if ratio >= 1.0:
        above = np.full(occupations.shape, FLIP_EPSILON)
    else:
        slope = (1.0 - FLIP_EPSILON) / (1.0 - ratio)
        above = occupations * slope + (1.0 - slope)
    below = occupations * FLIP_EPSILON / ratio if ratio > 0 else np.zeros(occupations.shape)
    return np.where(occupations < ratio, below, above)


def recover_spin_strings(strings: np.ndarray, occupations: np.ndarray, n_orbitals: int,
                         n_electrons: int, rng: np.random.Generator) -> np.ndarray:
    """One spin's strings with their electron count made ``n_electrons``.

    A string with k too many electrons loses k of its occupied orbitals, and one with k too few
    gains k of its empty ones. They are drawn without replacement with probability proportional
    to :func:`flip_weights`, by exponential keys (Efraimidis and Spirakis, Inf. Process. Lett. 97,
    181 (2006): the k smallest of E_j / w_j, with E_j ~ Exp(1), are a weighted draw without
    replacement). Strings with the right count are returned unchanged, and draw no random numbers.
    """
    strings = np.asarray(strings, dtype=np.int64)
    recovered = strings.copy()
    excess = np.bitwise_count(strings).astype(np.int64) - n_electrons
    wrong = np.nonzero(excess)[0]
    if wrong.size == 0:
        return recovered
    bits = ((strings[wrong, np.newaxis] >> np.arange(n_orbitals)) & 1).astype(bool)
    weights = flip_weights(bits, np.asarray(occupations, dtype=float), n_electrons)
    # Candidates: occupied orbitals when there are too many electrons, empty ones when too few.
    candidates = bits == (excess[wrong] > 0)[:, np.newaxis]
    keys = np.where(candidates, rng.standard_exponential(bits.shape) / weights, np.inf)
    ranks = np.empty(keys.shape, dtype=np.int64)
    order = np.argsort(keys, axis=1, kind="stable")
    np.put_along_axis(ranks, order, np.arange(n_orbitals)[np.newaxis, :].repeat(wrong.size, 0),
                      axis=1)
    flips = ranks < np.abs(excess[wrong])[:, np.newaxis]
    masks = np.sum(np.where(flips, np.int64(1) << np.arange(n_orbitals, dtype=np.int64), 0),
                   axis=1)
    recovered[wrong] = strings[wrong] ^ masks
    return recovered


def recover_configurations(alpha: np.ndarray, beta: np.ndarray,
                           occupations: tuple[np.ndarray, np.ndarray], n_orbitals: int,
                           n_alpha: int, n_beta: int, rng: np.random.Generator
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Configuration recovery: every sample's alpha and beta strings with the right counts.

    ``occupations`` is (alpha occupations, beta occupations) per orbital. Each spin part is
    recovered on its own (:func:`recover_spin_strings`), alpha first.
    """
    return (recover_spin_strings(alpha, occupations[0], n_orbitals, n_alpha, rng),
            recover_spin_strings(beta, occupations[1], n_orbitals, n_beta, rng))


def subsample(weights: np.ndarray, samples_per_batch: int, batches: int,
              rng: np.random.Generator) -> list[np.ndarray]:
    """Indices of ``batches`` subsamples, each of ``samples_per_batch`` distinct items.

    Each batch is drawn without replacement with probability proportional to ``weights``
    (exponential keys, as in :func:`recover_spin_strings`); batches are independent. When there
    are no more items than ``samples_per_batch``, every batch is all of them (as in
    qiskit-addon-sqd's ``subsample``).
    """
    count = weights.size
    if samples_per_batch >= count:
        return [np.arange(count) for _ in range(batches)]
    chosen = []
    for _ in range(batches):
        keys = rng.standard_exponential(count) / weights
        chosen.append(np.sort(np.argsort(keys, kind="stable")[:samples_per_batch]))
    return chosen


def prioritised_strings(ordered: np.ndarray, limit: int) -> np.ndarray:
    """The first ``limit`` distinct strings of ``ordered`` (highest priority first), sorted
    ascending, as PySCF's selected CI needs them."""
    _, first = np.unique(ordered, return_index=True)
    return np.sort(ordered[np.sort(first)][:limit])


def by_weight(strings: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Distinct ``strings``, most total weight first (ties: smaller string first)."""
    distinct, inverse = np.unique(strings, return_inverse=True)
    totals = np.bincount(inverse, weights=weights, minlength=distinct.size)
    return distinct[np.lexsort((distinct, -totals))]


def batch_strings(alpha: np.ndarray, beta: np.ndarray, weights: np.ndarray,
                  carried: tuple[np.ndarray, np.ndarray], symmetrize: bool, limit: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The alpha and beta strings spanning one batch's subspace.

    The carried-over strings come first, then the batch's strings by total weight; each spin
    keeps at most ``limit``. With ``symmetrize`` both spins take the union of the two lists.
    """
    if symmetrize:
        merged = np.concatenate([carried[0], carried[1],
                                 by_weight(np.concatenate([alpha, beta]),
                                           np.concatenate([weights, weights]))])
        strings = prioritised_strings(merged, limit)
        return strings, strings.copy()
    return (prioritised_strings(np.concatenate([carried[0], by_weight(alpha, weights)]), limit),
            prioritised_strings(np.concatenate([carried[1], by_weight(beta, weights)]), limit))


def solve_subspace(h1: np.ndarray, h2: np.ndarray, core_energy: float, n_orbitals: int,
                   n_alpha: int, n_beta: int, alpha_strings: np.ndarray,
                   beta_strings: np.ndarray, spin_penalty: float = SPIN_PENALTY_HARTREE
                   ) -> SubspaceState:
    """Ground state of the Hamiltonian in the span of ``alpha_strings`` x ``beta_strings``.

    PySCF's ``selected_ci.kernel_fixed_space`` with ``fix_spin_`` (a shift of ``spin_penalty``
    per unit of S^2 - s(s+1); 0 for none). Its eigenvalue includes the penalty, so the energy is
    recomputed as <H> of the normalised vector. PySCF's selected CI divides by each spin's
    electron count, so a spin with no electrons goes to :func:`solve_polarised` instead.
    """
    # Sorted and distinct: PySCF's link tables look strings up by bisection, and unsorted
    # strings give a wrong energy without an error.
    strings = (np.unique(np.asarray(alpha_strings, dtype=np.int64)),
               np.unique(np.asarray(beta_strings, dtype=np.int64)))
    nelec = (n_alpha, n_beta)
    if n_alpha == 0 or n_beta == 0:
        return solve_polarised(h1, h2, core_energy, n_orbitals, nelec, strings)
    solver: Any = selected_ci.SelectedCI()
    solver.verbose = 0
    if spin_penalty:
        solver = addons.fix_spin_(solver, shift=spin_penalty,
                                  ss=spin_squared_value(n_alpha, n_beta))
    _, vector = selected_ci.kernel_fixed_space(
        solver, h1, h2, n_orbitals, nelec, ci_strs=strings, tol=DAVIDSON_TOLERANCE,
        max_cycle=DAVIDSON_MAX_CYCLE)
    absorbed = direct_spin1.absorb_h1e(h1, h2, n_orbitals, nelec, 0.5)
    h_vector = selected_ci.contract_2e(absorbed, vector, n_orbitals, nelec)
    norm = float(np.vdot(vector, vector))
    energy = float(np.vdot(vector, h_vector)) / norm + core_energy
    s2, _ = selected_ci.spin_square(vector, n_orbitals, nelec)
    dm_alpha, dm_beta = selected_ci.make_rdm1s(vector, n_orbitals, nelec)
    return SubspaceState(energy, float(s2) / norm, strings[0], strings[1],
                         np.asarray(vector, dtype=float).copy(),
                         np.diag(dm_alpha) / norm, np.diag(dm_beta) / norm,
                         bool(solver.converged))


def solve_polarised(h1: np.ndarray, h2: np.ndarray, core_energy: float, n_orbitals: int,
                    nelec: tuple[int, int], strings: tuple[np.ndarray, np.ndarray]
                    ) -> SubspaceState:
    """The same ground state when a spin has no electrons, through PySCF's full-space FCI.

    The vector is placed in the full space, acted on by ``direct_spin1.contract_2e`` and
    projected back: exact, and no larger than the full space, which a spin without electrons
    keeps to C(n_orbitals, N) determinants. The state has S = S_z, so no penalty is needed.
    """
    addresses = (cistring.strs2addr(n_orbitals, nelec[0], strings[0]),
                 cistring.strs2addr(n_orbitals, nelec[1], strings[1]))
    full_shape = (cistring.num_strings(n_orbitals, nelec[0]),
                  cistring.num_strings(n_orbitals, nelec[1]))
    absorbed = direct_spin1.absorb_h1e(h1, h2, n_orbitals, nelec, 0.5)
    shape = (strings[0].size, strings[1].size)

    def embed(vector: np.ndarray) -> np.ndarray:
        full = np.zeros(full_shape)
        full[np.ix_(addresses[0], addresses[1])] = vector.reshape(shape)
        return full

    def apply(vector: np.ndarray) -> np.ndarray:
        result = direct_spin1.contract_2e(absorbed, embed(vector), n_orbitals, nelec)
        return np.asarray(result).reshape(full_shape)[np.ix_(addresses[0], addresses[1])].ravel()

    dimension = shape[0] * shape[1]
    if dimension <= DENSE_LIMIT:
        matrix = np.column_stack([apply(column) for column in np.eye(dimension)])
        values, vectors = np.linalg.eigh(0.5 * (matrix + matrix.T))
        vector, converged = vectors[:, 0], True
    else:
        diagonal = direct_spin1.make_hdiag(h1, h2, n_orbitals, nelec).reshape(full_shape)[
            np.ix_(addresses[0], addresses[1])].ravel()
        guess = np.zeros(dimension)
        guess[int(np.argmin(diagonal))] = 1.0
        converged_flags, _, found = lib.davidson1(
            lambda xs: [apply(x) for x in xs], [guess],
            lambda x, e, *args: x / (diagonal - e + 1e-4), tol=DAVIDSON_TOLERANCE,
            max_cycle=DAVIDSON_MAX_CYCLE, nroots=1, verbose=0)
        vector, converged = np.asarray(found[0]), bool(converged_flags[0])
    vector = vector / np.linalg.norm(vector)
    full = embed(vector)
    energy = float(vector @ apply(vector)) + core_energy
    s2, _ = spin_op.spin_square0(full, n_orbitals, nelec)
    dm_alpha, dm_beta = direct_spin1.make_rdm1s(full, n_orbitals, nelec)
    return SubspaceState(energy, float(s2), strings[0], strings[1], vector.reshape(shape),
                         np.diag(dm_alpha), np.diag(dm_beta), converged)


def carried_strings(state: SubspaceState, symmetrize: bool) -> tuple[np.ndarray, np.ndarray]:
    """Strings of ``state``'s determinants with |amplitude| above CARRYOVER_AMPLITUDE, each spin
    by its weight in the state (most first; with ``symmetrize`` one merged list for both)."""
    large = np.abs(state.amplitudes) > CARRYOVER_AMPLITUDE
    rows, columns = np.nonzero(np.any(large, axis=1))[0], np.nonzero(np.any(large, axis=0))[0]
    alpha, beta = state.alpha_strings[rows], state.beta_strings[columns]
    weight_alpha = np.sum(state.amplitudes[rows] ** 2, axis=1)
    weight_beta = np.sum(state.amplitudes[:, columns] ** 2, axis=0)
    if symmetrize:
        merged = by_weight(np.concatenate([alpha, beta]),
                           np.concatenate([weight_alpha, weight_beta]))
        return merged, merged.copy()
    return by_weight(alpha, weight_alpha), by_weight(beta, weight_beta)


def validated_samples(occupations: np.ndarray, counts: np.ndarray, n_orbitals: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct occupation integers and their summed counts (zero counts dropped).

    Raises:
        ValueError: no samples, mismatched shapes, negative or non-integer counts, or an
            occupation outside the 2 * n_orbitals spin orbitals.
    """
    occupations = np.asarray(occupations)
    counts = np.asarray(counts)
    if occupations.ndim != 1 or counts.ndim != 1 or occupations.shape != counts.shape:
        raise ValueError(f"SQD: occupations {occupations.shape} and counts {counts.shape} must be "
                         "1-D arrays of the same length")
    if occupations.size == 0:
        raise ValueError("SQD: no samples")
    if not np.issubdtype(occupations.dtype, np.integer):
        raise ValueError(f"SQD: occupations must be integers, not {occupations.dtype}")
    if not np.all(np.isfinite(counts)) or np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError("SQD: counts must be non-negative integers")
    occupations = occupations.astype(np.int64)
    if np.any(occupations < 0) or np.any(occupations >> (2 * n_orbitals)):
        raise ValueError(f"SQD: occupations must lie in [0, 2^{2 * n_orbitals}) for "
                         f"{n_orbitals} orbitals")
    counts = counts.astype(np.int64)
    if counts.sum() == 0:
        raise ValueError("SQD: every count is zero")
    distinct, inverse = np.unique(occupations, return_inverse=True)
    summed = np.bincount(inverse, weights=counts, minlength=distinct.size).astype(np.int64)
    keep = summed > 0
    return distinct[keep], summed[keep]


def validate_problem(h1: np.ndarray, h2: np.ndarray, n_orbitals: int, n_alpha: int,
                     n_beta: int, settings: SQDSettings) -> tuple[np.ndarray, np.ndarray]:
    """The integrals as contiguous float arrays ((n, n) and (n, n, n, n)), checked.

    Raises:
        ValueError: wrong shapes, non-finite integrals, impossible electron counts or settings.
    """
    if not 1 <= n_orbitals <= 31:
        raise ValueError(f"SQD: n_orbitals must be 1 to 31 (64-bit occupations), not {n_orbitals}")
    if not (0 <= n_alpha <= n_orbitals and 0 <= n_beta <= n_orbitals) or n_alpha + n_beta == 0:
        raise ValueError(f"SQD: electron counts ({n_alpha}, {n_beta}) do not fit {n_orbitals} "
                         "orbitals (or there are no electrons)")
    h1 = np.asarray(h1, dtype=float)
    h2 = np.asarray(h2, dtype=float)
    if h1.shape != (n_orbitals, n_orbitals):
        raise ValueError(f"SQD: h1 has shape {h1.shape}, expected ({n_orbitals}, {n_orbitals})")
    if h2.shape not in ((n_orbitals,) * 4, (n_orbitals ** 2,) * 2):
        raise ValueError(f"SQD: h2 has shape {h2.shape}, expected the full 4-index "
                         f"({n_orbitals},) * 4")
    if not (np.all(np.isfinite(h1)) and np.all(np.isfinite(h2))):
        raise ValueError("SQD: the integrals are not finite")
    for name in ("iterations", "batches", "samples_per_batch"):
        if getattr(settings, name) < 1:
            raise ValueError(f"SQD: settings.{name} must be at least 1")
    if not settings.energy_tolerance >= 0:
        raise ValueError("SQD: settings.energy_tolerance must be non-negative")
    return (np.ascontiguousarray(h1),
            np.ascontiguousarray(h2.reshape((n_orbitals,) * 4)))


@dataclass(frozen=True)
class SamplePool:
    """The configurations one round draws its batches from, with the right electron counts.

    Attributes:
        alpha, beta: each configuration's strings.
        weights: its shots.
        recovered_fraction: fraction of all shots whose configuration recovery changed.
    """

    alpha: np.ndarray
    beta: np.ndarray
    weights: np.ndarray
    recovered_fraction: float


def postselected_pool(alpha: np.ndarray, beta: np.ndarray, weights: np.ndarray,
                      valid: np.ndarray) -> SamplePool:
    """The samples that already have the right electron counts (the first round's pool)."""
    return SamplePool(alpha[valid], beta[valid], weights[valid].astype(float), 0.0)


def recovered_pool(alpha: np.ndarray, beta: np.ndarray, weights: np.ndarray,
                   averages: tuple[np.ndarray, np.ndarray], n_orbitals: int, n_alpha: int,
                   n_beta: int, rng: np.random.Generator) -> SamplePool:
    """Every sample after configuration recovery from ``averages``, repeats merged."""
    fixed_alpha, fixed_beta = recover_configurations(alpha, beta, averages, n_orbitals, n_alpha,
                                                     n_beta, rng)
    changed = (fixed_alpha != alpha) | (fixed_beta != beta)
    merged, inverse = np.unique(occupations_from_strings(fixed_alpha, fixed_beta, n_orbitals),
                                return_inverse=True)
    merged_alpha, merged_beta = spin_strings(merged, n_orbitals)
    return SamplePool(merged_alpha, merged_beta,
                      np.bincount(inverse, weights=weights, minlength=merged.size),
                      float(weights[changed].sum() / weights.sum()))


def diagonalise_batches(pool: SamplePool, carried: tuple[np.ndarray, np.ndarray],
                        h1: np.ndarray, h2: np.ndarray, core_energy: float, n_orbitals: int,
                        n_alpha: int, n_beta: int, settings: SQDSettings, symmetrize: bool,
                        limit: int, rng: np.random.Generator) -> list[SubspaceState]:
    """The ground state of each batch's subspace, in batch order (a subspace that two batches
    share is diagonalised once)."""
    states: dict[bytes, SubspaceState] = {}
    batch_states = []
    for indices in subsample(pool.weights, settings.samples_per_batch, settings.batches, rng):
        strings = batch_strings(pool.alpha[indices], pool.beta[indices], pool.weights[indices],
                                carried, symmetrize, limit)
        key = strings[0].tobytes() + b"|" + strings[1].tobytes()
        if key not in states:
            states[key] = solve_subspace(h1, h2, core_energy, n_orbitals, n_alpha, n_beta,
                                         *strings)
        batch_states.append(states[key])
    return batch_states


def iteration_record(batch_states: list[SubspaceState], pool: SamplePool) -> SQDIteration:
    """A round's record: its lowest batch and every batch's energy."""
    lowest = min(batch_states, key=lambda state: state.energy)
    return SQDIteration(
        float(lowest.energy), float(lowest.s2), lowest.dimension,
        int(lowest.alpha_strings.size), int(lowest.beta_strings.size), pool.recovered_fraction,
        int(pool.weights.size), tuple(float(state.energy) for state in batch_states),
        lowest.converged)


def sample_based_diagonalisation(occupations: np.ndarray, counts: np.ndarray, h1: np.ndarray,
                                 h2: np.ndarray, core_energy: float, n_orbitals: int,
                                 n_alpha: int, n_beta: int, settings: SQDSettings, seed: int,
                                 *, max_dimension: int = MAX_SUBSPACE_DIMENSION) -> SQDResult:
    """SQD of Z-basis samples (occupation integers with counts) for the active-space Hamiltonian.

    Args:
        occupations, counts: the samples, decoded to occupation integers (bit 2i orbital i
            alpha, 2i+1 beta), and how often each was seen; repeats are merged.
        h1, h2, core_energy: the active-space integrals (h2 in chemists' notation, full 4-index)
            and the constant added to every energy.
        n_orbitals, n_alpha, n_beta: the active space.
        settings: :class:`qchemflow.quantum.settings.SQDSettings`.
        seed: seeds every random choice (subsampling and recovery).
        max_dimension: the largest subspace diagonalised (each spin keeps isqrt of it strings).

    Raises:
        ValueError: bad samples, integrals, electron counts or settings.
    """
    h1, h2 = validate_problem(h1, h2, n_orbitals, n_alpha, n_beta, settings)
    distinct, weights = validated_samples(occupations, counts, n_orbitals)
    rng = np.random.default_rng(seed)
    raw_alpha, raw_beta = spin_strings(distinct, n_orbitals)
    valid = (np.bitwise_count(raw_alpha) == n_alpha) & (np.bitwise_count(raw_beta) == n_beta)
    symmetrize = bool(settings.symmetrize_spin) and n_alpha == n_beta
    limit = max(1, math.isqrt(max_dimension))
    hartree_fock_start = not bool(np.any(valid))
    averages = ((hartree_fock_occupations(n_orbitals, n_alpha),
                 hartree_fock_occupations(n_orbitals, n_beta)) if hartree_fock_start else None)
    carried = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    rounds: list[SQDIteration] = []
    best: SubspaceState | None = None
    converged = False
    for _ in range(settings.iterations):
        pool = (postselected_pool(raw_alpha, raw_beta, weights, valid) if averages is None
                else recovered_pool(raw_alpha, raw_beta, weights, averages, n_orbitals, n_alpha,
                                    n_beta, rng))
        batch_states = diagonalise_batches(pool, carried, h1, h2, core_energy, n_orbitals,
                                           n_alpha, n_beta, settings, symmetrize, limit, rng)
        lowest = min(batch_states, key=lambda state: state.energy)
        rounds.append(iteration_record(batch_states, pool))
        if best is None or lowest.energy < best.energy:
            best = lowest
        if (len(rounds) > 1
                and abs(rounds[-1].energy - rounds[-2].energy) < settings.energy_tolerance):
            converged = True
            break
        averages = (lowest.alpha_occupations, lowest.beta_occupations)
        carried = carried_strings(lowest, symmetrize)
    assert best is not None
    occupation_pairs = np.column_stack([best.alpha_occupations, best.beta_occupations]).ravel()
    return SQDResult(
        energy=float(best.energy), s2=float(best.s2), subspace_dimension=best.dimension,
        alpha_strings=int(best.alpha_strings.size), beta_strings=int(best.beta_strings.size),
        full_dimension=math.comb(n_orbitals, n_alpha) * math.comb(n_orbitals, n_beta),
        shots=int(weights.sum()), valid_fraction=float(weights[valid].sum() / weights.sum()),
        iterations=tuple(rounds),
        occupations=tuple(float(value) for value in occupation_pairs), converged=converged,
        spin_symmetrized=symmetrize, hartree_fock_start=hartree_fock_start)
