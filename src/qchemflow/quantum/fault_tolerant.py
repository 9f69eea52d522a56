"""Fault-tolerant outlook: qubitised phase estimation on the double-factorised Hamiltonian.

The cost model is the double-factorisation (DF) costing of Lee, Berry, Gidney, Huggins, McClean,
Wiebe & Babbush, "Even more efficient quantum computations of chemistry through tensor
hypercontraction", PRX Quantum 2, 030305 (2021), Appendix C and Table III, as coded in
OpenFermion's ``resource_estimates.df``:

1. ``factorize_df.factorize`` splits the chemists'-notation tensor (pq|rs) into L Cholesky-like
   vectors and each vector into its eigenvectors, dropping eigenvalues below the threshold
   (Xi eigenvectors are kept in all, OpenFermion's ``Lxi``).
2. The one-norm lambda is the formula of OpenFermion's ``compute_lambda_df.compute_lambda``
   (re-implemented here from h1 and h2, since OpenFermion's takes a PySCF mean-field object):
   the eigenvalue one-norm of T = h1 - 1/2 sum_l (pl|lq) + sum_l (ll|pq), plus
   1/4 sum_ell (sum_i |eigenvalue_i of factor ell|)^2.
3. ``compute_cost_df.compute_cost`` gives Toffolis per walk step, total Toffolis for
   ceil(pi lambda / (2 dE)) steps, and logical qubits, run twice as in OpenFermion's tests and
   costing table (the Toffolis per step of a first pass with ``stps=20000`` are the ``stps`` of
   the second).

Only the submodules are imported: OpenFermion's ``resource_estimates.df`` package exports nothing
without jax, but these two need only numpy (and h5py through ``resource_estimates.utils``).

DF truncation changes the Hamiltonian: the estimate carries the largest and the Frobenius
error of the rebuilt two-electron integrals, so a reader sees what the threshold costs in
accuracy as well as what it saves in gates.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

import numpy as np
from openfermion.resource_estimates.df import compute_cost_df, factorize_df

METHOD = ("double factorisation, Lee et al. PRX Quantum 2, 030305 (2021), "
          "OpenFermion resource_estimates")
CHI_BITS = 10
"""Bits of the state-preparation coefficients (aleph_1 = aleph_2); 10 in every row of the
paper's Table III and the default of OpenFermion's ``generate_costing_table``."""
BETA_BITS = 20
"""Bits of the Givens-rotation angles (beth); 20 is OpenFermion's ``generate_costing_table``
default and the paper's Li et al. FeMoco row (the Reiher et al. row used 16)."""
FIRST_PASS_STEPS = 20000
"""The rough ``stps`` of the first costing pass, as in OpenFermion's tests and costing table."""


@dataclass(frozen=True, eq=False)
class DoubleFactorisation:
    """The retained DF factors of a two-electron tensor and what truncation cost.

    Attributes:
        factors: (n, n, L) array; factor ell is the truncated symmetric matrix L^ell.
        rank: L, the number of retained Cholesky (first-factorisation) vectors.
        eigenvectors: Xi, the total number of retained eigenvectors (OpenFermion's ``Lxi``).
        threshold: the truncation threshold used.
        eri_max_abs_error: max |(pq|rs) rebuilt from the factors - (pq|rs) input|, Hartree.
        eri_frobenius_error: Frobenius norm of the same difference (the ``||ERI - DF||`` column
            of OpenFermion's costing table), Hartree.
    """

    factors: np.ndarray
    rank: int
    eigenvectors: int
    threshold: float
    eri_max_abs_error: float
    eri_frobenius_error: float


@dataclass(frozen=True)
class FaultTolerantEstimate:
    """Logical qubits and Toffolis of qubitised phase estimation on the DF Hamiltonian.

    Attributes:
        n_orbitals: active spatial orbitals.
        n_spin_orbitals: system qubits, 2 * n_orbitals.
        logical_qubits: all logical qubits (system, control, QROM outputs, phase gradient, ...).
        toffolis: total Toffolis of phase estimation to ``accuracy_hartree``.
        toffolis_per_step: Toffolis of one step of the qubitised walk.
        walk_steps: ceil(pi * lambda / (2 * accuracy)), the walk steps of phase estimation.
        lambda_hartree: the DF one-norm lambda (one-body plus two-body), Hartree.
        lambda_one_body: the one-body part of lambda, Hartree.
        lambda_two_body: the two-body part of lambda, Hartree.
        rank: L, the number of retained Cholesky vectors.
        eigenvectors: Xi, the total number of retained eigenvectors (OpenFermion's ``Lxi``).
        threshold: the DF truncation threshold.
        eri_max_abs_error: max abs error of the two-electron integrals rebuilt from the
            retained factors, Hartree (what the truncation changes in the Hamiltonian).
        eri_frobenius_error: Frobenius norm of that error, Hartree.
        accuracy_hartree: the phase-estimation target Delta E, Hartree.
        chi: bits of the state-preparation coefficients.
        beta: bits of the rotation angles.
        method: what was costed and after whom.
    """

    n_orbitals: int
    n_spin_orbitals: int
    logical_qubits: int
    toffolis: int
    toffolis_per_step: int
    walk_steps: int
    lambda_hartree: float
    lambda_one_body: float
    lambda_two_body: float
    rank: int
    eigenvectors: int
    threshold: float
    eri_max_abs_error: float
    eri_frobenius_error: float
    accuracy_hartree: float
    chi: int
    beta: int
    method: str


def _checked_h2(h2: np.ndarray) -> np.ndarray:
    """h2 as a float array, its shape and symmetries checked.

    Raises:
        ValueError: not a real, finite (n, n, n, n) tensor with the symmetries of (pq|rs), or
            zero.
    """
    if np.iscomplexobj(h2):
        raise ValueError("h2 must be real (real spatial orbitals)")
    two = np.asarray(h2, dtype=float)
    n = two.shape[0] if two.ndim else 0
    if two.ndim != 4 or n == 0 or two.shape != (n, n, n, n):
        raise ValueError(f"h2 must be the full (n, n, n, n) chemists'-notation tensor, got "
                         f"shape {two.shape}")
    if not np.all(np.isfinite(two)):
        raise ValueError("h2 contains NaN or infinity")
    tolerance = 1e-8 * max(1.0, float(np.max(np.abs(two))))
    if (np.max(np.abs(two - two.transpose(1, 0, 2, 3))) > tolerance
            or np.max(np.abs(two - two.transpose(2, 3, 0, 1))) > tolerance):
        raise ValueError("h2 lacks the 8-fold symmetry of (pq|rs) in chemists' notation "
                         "(is it in physicists' notation?)")
    if not np.any(two):
        raise ValueError("h2 is zero: there is no two-electron interaction to factorise")
    return two


def _checked_integrals(h1: np.ndarray, h2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """h1 and h2 as float arrays, their shapes and symmetries checked.

    Raises:
        ValueError: h1 not a real, finite, symmetric (n, n) matrix with h2 (n, n, n, n), or h2
            as in :func:`_checked_h2`.
    """
    two = _checked_h2(h2)
    if np.iscomplexobj(h1):
        raise ValueError("h1 must be real (real spatial orbitals)")
    one = np.asarray(h1, dtype=float)
    n = two.shape[0]
    if one.shape != (n, n):
        raise ValueError(f"h1 must be (n, n) with n = {n} as h2, got shape {one.shape}")
    if not np.all(np.isfinite(one)):
        raise ValueError("h1 contains NaN or infinity")
    if np.max(np.abs(one - one.T)) > 1e-8 * max(1.0, float(np.max(np.abs(one)))):
        raise ValueError("h1 is not symmetric")
    return one, two


def double_factorise(h2: np.ndarray, threshold: float) -> DoubleFactorisation:
    """Double-factorise (pq|rs) with OpenFermion's ``factorize`` and measure the truncation.

    Args:
        h2: (n, n, n, n) two-electron integrals in chemists' notation, 8-fold symmetric.
        threshold: drop eigenvalue e of a Cholesky vector when (sum |e'|) * |e| <= threshold;
            stop at the first Cholesky vector that keeps none (OpenFermion's criterion).

    Returns:
        The retained factors, L, Xi and the error of the integrals they rebuild.

    Raises:
        ValueError: a non-positive or non-finite threshold, a malformed h2, or a threshold so
            large that no vector is kept.
    """
    if not (np.isfinite(threshold) and threshold > 0):
        raise ValueError(f"the DF threshold must be a positive number, got {threshold}")
    eri = _checked_h2(h2)
    try:
        rebuilt, factors, _, eigenvectors = factorize_df.factorize(eri, threshold)
    except ValueError as error:  # OpenFermion's einsum fails on an empty factor list
        raise ValueError(f"DF threshold {threshold} keeps no Cholesky vector (the largest is "
                         f"below it); lower the threshold ({error})") from error
    factors = np.asarray(factors, dtype=float)
    difference = np.asarray(rebuilt) - eri
    # The number of retained vectors is read from the factors: OpenFermion's returned ``rank``
    # is the loop index at the first empty vector, one short when no vector is empty.
    return DoubleFactorisation(factors=factors, rank=int(factors.shape[2]),
                               eigenvectors=int(eigenvectors), threshold=float(threshold),
                               eri_max_abs_error=float(np.max(np.abs(difference))),
                               eri_frobenius_error=float(np.linalg.norm(difference)))


def one_body_lambda(h1: np.ndarray, h2: np.ndarray) -> float:
    """One-body part of the DF lambda, as in OpenFermion's ``compute_lambda_df``.

    Args:
        h1: (n, n) one-electron integrals (with the frozen-core mean field).
        h2: (n, n, n, n) two-electron integrals in chemists' notation (the full, untruncated
            tensor, as OpenFermion uses).

    Returns:
        sum |eigenvalues| of T = h1 - 1/2 sum_l (il|lj) + sum_l (ll|ij), Hartree.

    Raises:
        ValueError: malformed integrals.
    """
    one, two = _checked_integrals(h1, h2)
    t_matrix = one - 0.5 * np.einsum("illj->ij", two) + np.einsum("llij->ij", two)
    return float(np.sum(np.abs(np.linalg.eigvalsh(t_matrix))))


def two_body_lambda(factors: np.ndarray) -> float:
    """Two-body part of the DF lambda, as in OpenFermion's ``compute_lambda_df``.

    Args:
        factors: (n, n, L) retained DF factors.

    Returns:
        1/4 sum_ell (sum_i |eigenvalue_i of factor ell|)^2, Hartree.

    Raises:
        ValueError: factors not an (n, n, L) array.
    """
    array = np.asarray(factors, dtype=float)
    if array.ndim != 3 or array.shape[0] != array.shape[1]:
        raise ValueError(f"the DF factors must be an (n, n, L) array, got shape {array.shape}")
    total = 0.0
    for vector in range(array.shape[2]):
        eigenvalues = np.linalg.eigvalsh(array[:, :, vector])
        total += 0.25 * float(np.sum(np.abs(eigenvalues))) ** 2
    return total


def double_factorised_lambda(h1: np.ndarray, h2: np.ndarray, factors: np.ndarray) -> float:
    """The DF one-norm lambda from h1, h2 and the retained factors.

    The formula of OpenFermion's ``compute_lambda_df.compute_lambda`` (which takes a PySCF
    mean-field object instead of integrals).

    Args:
        h1: (n, n) one-electron integrals (with the frozen-core mean field).
        h2: (n, n, n, n) two-electron integrals in chemists' notation.
        factors: (n, n, L) retained DF factors of h2.

    Returns:
        lambda, Hartree.

    Raises:
        ValueError: malformed integrals or factors.
    """
    return one_body_lambda(h1, h2) + two_body_lambda(factors)


def qrom_cost(items: int, bits: int) -> tuple[int, int]:
    """Optimal log2 block size and Toffoli cost of a QROM (QROAM) over ``items`` outputs.

    OpenFermion's ``utils.QR`` minimises items / 2^k + bits * (2^k - 1) over the integers
    next to k* = log2(items / bits) / 2, and calls ``sys.exit`` when k* < 0 (fewer items than
    output bits, as in tiny active spaces). The cost is convex in k, so for k* < 0 the best
    non-negative k is 0 (a plain QROM, cost ``items``). This is that function with k* clamped at
    0: the same numbers wherever OpenFermion's is defined.

    Args:
        items: number of items the QROM outputs.
        bits: output size in bits.

    Returns:
        ``(k, toffolis)``: the block size is 2^k.

    Raises:
        ValueError: items or bits below 1.
    """
    if items < 1 or bits < 1:
        raise ValueError(f"a QROM needs items >= 1 and bits >= 1, got {items} and {bits}")
    optimum = max(0.5 * float(np.log2(items / bits)), 0.0)
    candidates = (float(np.floor(optimum)), float(np.ceil(optimum)))
    costs = [items / 2.0**k + bits * (2.0**k - 1) for k in candidates]
    best = int(np.argmin(costs))
    return int(candidates[best]), int(np.ceil(costs[best]))


# OpenFermion's compute_cost, its code unchanged, run with qrom_cost where it looks up QR: a
# new function object over a copy of its module's globals, so OpenFermion itself is untouched.
_COMPUTE_COST = types.FunctionType(compute_cost_df.compute_cost.__code__,
                                   {**vars(compute_cost_df), "QR": qrom_cost}, "compute_cost",
                                   compute_cost_df.compute_cost.__defaults__,
                                   compute_cost_df.compute_cost.__closure__)


def _openfermion_cost(n_spin_orbitals: int, lambda_hartree: float, accuracy_hartree: float,
                      rank: int, eigenvectors: int, chi: int, beta: int,
                      steps: int) -> tuple[int, int, int]:
    """OpenFermion's ``compute_cost`` with its QROM cost clamped as in :func:`qrom_cost`."""
    step_cost, total_cost, qubits = _COMPUTE_COST(
        n_spin_orbitals, lambda_hartree, accuracy_hartree, rank, eigenvectors, chi, beta, steps,
        verbose=False)
    return int(step_cost), int(total_cost), int(qubits)


def phase_estimation_cost(n_spin_orbitals: int, lambda_hartree: float, rank: int,
                          eigenvectors: int, accuracy_hartree: float, chi: int,
                          beta: int) -> tuple[int, int, int]:
    """Toffolis and logical qubits of qubitised phase estimation with the DF walk.

    OpenFermion's ``compute_cost_df.compute_cost`` (Lee et al. Appendix C), called twice as in
    its tests and ``generate_costing_table``: a first pass with ``stps=20000``, then a second
    with ``stps`` set to the Toffolis per step of the first (``stps`` sets the precision of the
    rotation that prepares the equal superposition over the L + 1 first-register values). The
    QROM cost is :func:`qrom_cost`, identical to OpenFermion's where that is defined.

    Args:
        n_spin_orbitals: system qubits, 2 * spatial orbitals (even).
        lambda_hartree: the DF one-norm lambda, Hartree.
        rank: L, retained Cholesky vectors.
        eigenvectors: Xi, retained eigenvectors in all (at least L).
        accuracy_hartree: phase-estimation target Delta E, Hartree.
        chi: bits of the state-preparation coefficients.
        beta: bits of the rotation angles.

    Returns:
        ``(toffolis_per_step, toffolis, logical_qubits)``.

    Raises:
        ValueError: an argument out of range.
    """
    if n_spin_orbitals < 2 or n_spin_orbitals % 2:
        raise ValueError(f"n_spin_orbitals must be even and >= 2, got {n_spin_orbitals}")
    if not (np.isfinite(lambda_hartree) and lambda_hartree > 0):
        raise ValueError(f"lambda must be a positive number, got {lambda_hartree}")
    if not (np.isfinite(accuracy_hartree) and accuracy_hartree > 0):
        raise ValueError(f"the target accuracy must be a positive number, got "
                         f"{accuracy_hartree}")
    if rank < 1 or eigenvectors < rank:
        raise ValueError(f"need rank L >= 1 and eigenvectors Xi >= L, got L = {rank}, "
                         f"Xi = {eigenvectors}")
    if chi < 1 or beta < 2:
        raise ValueError(f"need chi >= 1 and beta >= 2 bits, got chi = {chi}, beta = {beta}")
    arguments = (int(n_spin_orbitals), float(lambda_hartree), float(accuracy_hartree),
                 int(rank), int(eigenvectors), int(chi), int(beta))
    first_step_cost, _, _ = _openfermion_cost(*arguments, FIRST_PASS_STEPS)
    return _openfermion_cost(*arguments, first_step_cost)


def double_factorised_estimate(h1: np.ndarray, h2: np.ndarray, threshold: float,
                               accuracy_hartree: float, *, chi: int = CHI_BITS,
                               beta: int = BETA_BITS) -> FaultTolerantEstimate:
    """The fault-tolerant cost of phase estimation on one active-space Hamiltonian.

    Double-factorises h2, computes lambda and costs qubitised phase estimation to
    ``accuracy_hartree`` (Lee et al. 2021, DF). The core energy shifts the spectrum only and
    does not enter. Thresholds of the order of 1e-4 keep the integrals to ~1e-5 Hartree for
    small molecules; the paper picks the threshold at which the truncated Hamiltonian's
    CCSD(T) energy is within 1 mHa (0.00125 for FeMoco) -- check ``eri_max_abs_error``.

    Args:
        h1: (n, n) one-electron integrals, including the frozen-core mean field.
        h2: (n, n, n, n) two-electron integrals (pq|rs), chemists' notation.
        threshold: DF truncation threshold (see :func:`double_factorise`).
        accuracy_hartree: phase-estimation target Delta E (chemical accuracy: 0.0016).
        chi: bits of the state-preparation coefficients (10, as in the paper).
        beta: bits of the rotation angles (20, OpenFermion's costing-table default).

    Returns:
        The estimate.

    Raises:
        ValueError: malformed integrals, a non-positive threshold or accuracy, or a threshold
            that keeps no DF vector.
    """
    one, two = _checked_integrals(h1, h2)
    factorisation = double_factorise(two, threshold)
    lambda_one = one_body_lambda(one, two)
    lambda_two = two_body_lambda(factorisation.factors)
    lambda_total = lambda_one + lambda_two
    n_spin_orbitals = 2 * one.shape[0]
    per_step, total, qubits = phase_estimation_cost(
        n_spin_orbitals, lambda_total, factorisation.rank, factorisation.eigenvectors,
        accuracy_hartree, chi, beta)
    return FaultTolerantEstimate(
        n_orbitals=one.shape[0], n_spin_orbitals=n_spin_orbitals, logical_qubits=qubits,
        toffolis=total, toffolis_per_step=per_step,
        walk_steps=int(np.ceil(np.pi * lambda_total / (2 * accuracy_hartree))),
        lambda_hartree=lambda_total, lambda_one_body=lambda_one, lambda_two_body=lambda_two,
        rank=factorisation.rank, eigenvectors=factorisation.eigenvectors,
        threshold=factorisation.threshold, eri_max_abs_error=factorisation.eri_max_abs_error,
        eri_frobenius_error=factorisation.eri_frobenius_error,
        accuracy_hartree=float(accuracy_hartree), chi=int(chi), beta=int(beta), method=METHOD)
