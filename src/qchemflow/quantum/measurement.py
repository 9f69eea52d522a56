"""Measuring the energy on a device: Pauli groups, their variances, the shot budget, and sampled
estimates that check it.

A device measures one basis per circuit run. Terms that act on every qubit with the same Pauli
or the identity (qubit-wise commuting) share a basis, so the Hamiltonian is split into such
groups, by sorted insertion (terms by decreasing |c|, each into the first group it fits;
Crawford et al., Quantum 5, 385 (2021)).

For a state, each group's operator H_g has a mean and a standard deviation sigma_g over the
outcomes of its basis. Spending shots in proportion to sigma_g minimises the variance of the
summed estimate (Wecker, Hastings & Troyer, PRA 92, 042303 (2015); Rubin, Babbush & McClean,
NJP 20, 053020 (2018)): a standard error epsilon needs M = (sum_g sigma_g)^2 / epsilon^2 shots
in all, N_g = M sigma_g / sum sigma_g for group g. The one-norm bound (sum_i |c_i|)^2 /
epsilon^2 needs no state and is what a budget without variances must assume.

The estimate is then *sampled*: per group, the state is rotated to the group's basis and its
outcome distribution drawn from with multinomial counts (seeded), exactly as a device returns
them; repeated, the spread of the estimates checks the predicted standard error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qchemflow.quantum.sector import PauliTerms, z_parity

SQRT_HALF = 1.0 / math.sqrt(2.0)
# Basis changes before a Z-basis readout: X -> H, Y -> H S^dagger.
BASIS_CHANGES = {
    "X": np.array([[1, 1], [1, -1]], dtype=complex) * SQRT_HALF,
    "Y": np.array([[1, -1j], [1, 1j]], dtype=complex) * SQRT_HALF,
}


@dataclass(frozen=True)
class PauliGroup:
    """Qubit-wise commuting terms: the basis per qubit and the members' indices in the terms."""

    basis: tuple[tuple[int, str], ...]
    members: tuple[int, ...]


def term_paulis(terms: PauliTerms, index: int) -> dict[int, str]:
    """The Pauli on each qubit of term ``index``."""
    n = terms.n_qubits
    x_mask, z_mask = int(terms.x_masks[index]), int(terms.z_masks[index])
    paulis = {}
    for qubit in range(n):
        bit = 1 << (n - 1 - qubit)
        if x_mask & bit:
            paulis[qubit] = "Y" if z_mask & bit else "X"
        elif z_mask & bit:
            paulis[qubit] = "Z"
    return paulis


def qubit_wise_groups(terms: PauliTerms) -> list[PauliGroup]:
    """Sorted insertion into qubit-wise commuting groups (deterministic: ties by term order)."""
    order = sorted(range(terms.coefficients.size),
                   key=lambda index: (-abs(terms.coefficients[index]), index))
    bases: list[dict[int, str]] = []
    members: list[list[int]] = []
    for index in order:
        paulis = term_paulis(terms, index)
        for basis, group in zip(bases, members):
            if all(basis.get(qubit, pauli) == pauli for qubit, pauli in paulis.items()):
                basis.update(paulis)
                group.append(index)
                break
        else:
            bases.append(dict(paulis))
            members.append([index])
    return [PauliGroup(tuple(sorted(basis.items())), tuple(group))
            for basis, group in zip(bases, members)]


def rotate_to_basis(state: np.ndarray, basis: tuple[tuple[int, str], ...], n_qubits: int
                    ) -> np.ndarray:
    """The state after the basis changes of ``basis`` (Cirq qubit order: qubit 0 leftmost)."""
    tensor = state.reshape((2,) * n_qubits)
    for qubit, pauli in basis:
        if pauli in BASIS_CHANGES:
            tensor = np.moveaxis(np.tensordot(BASIS_CHANGES[pauli], tensor, axes=([1], [qubit])),
                                 0, qubit)
    return tensor.reshape(-1)


@dataclass(frozen=True)
class GroupStatistics:
    """One group's outcome distribution: distinct values of H_g and their probabilities."""

    values: np.ndarray
    probabilities: np.ndarray

    @property
    def mean(self) -> float:
        """<H_g>."""
        return float(self.probabilities @ self.values)

    @property
    def standard_deviation(self) -> float:
        """sqrt(<H_g^2> - <H_g>^2), the spread of one shot's value."""
        variance = float(self.probabilities @ (self.values - self.mean) ** 2)
        return math.sqrt(max(variance, 0.0))


def group_statistics(terms: PauliTerms, group: PauliGroup, state: np.ndarray
                     ) -> GroupStatistics:
    """The distribution of the group operator's value over one shot's outcomes.

    After the basis change every member is a Z string on its support, so an outcome b gives
    sum_i c_i (-1)^popcount(b & support_i). Outcomes with the same value are merged.
    """
    return outcome_statistics(terms, group.members,
                              np.abs(rotate_to_basis(state, group.basis, terms.n_qubits)) ** 2)


def outcome_values(terms: PauliTerms, members: tuple[int, ...], outcomes: np.ndarray
                   ) -> np.ndarray:
    """The group operator's value for each outcome of its (diagonalised) basis."""
    values = np.zeros(outcomes.size)
    for member in members:
        support = int(terms.x_masks[member] | terms.z_masks[member])
        values += float(terms.coefficients[member].real) * z_parity(outcomes, support)
    return values


def outcome_statistics(terms: PauliTerms, members: tuple[int, ...], probabilities: np.ndarray
                       ) -> GroupStatistics:
    """The value distribution of a qubit-wise group, given the probabilities of the 2^n
    outcomes of its basis (a pure state's, or a noisy device's)."""
    outcomes = np.nonzero(probabilities > 1e-300)[0].astype(np.int64)
    weights = probabilities[outcomes]
    values = outcome_values(terms, members, outcomes)
    distinct, inverse = np.unique(np.round(values, 12), return_inverse=True)
    merged = np.bincount(inverse, weights=weights, minlength=distinct.size)
    return GroupStatistics(distinct, merged / merged.sum())


@dataclass(frozen=True)
class ShotBudget:
    """Shots per group for a target standard error, and what they give."""

    shots: tuple[int, ...]
    total: int
    predicted_standard_error: float
    one_norm_shots: int


def optimal_shots(statistics: list[GroupStatistics], terms: PauliTerms, target_error: float
                  ) -> ShotBudget:
    """Shots per group proportional to sigma_g for a standard error of ``target_error``.

    Every group gets at least one shot (a device cannot know a group's mean without measuring
    it). The one-norm bound counts every non-identity term.
    """
    deviations = np.array([group.standard_deviation for group in statistics])
    total_deviation = float(deviations.sum())
    budget = total_deviation ** 2 / target_error ** 2
    shots = tuple(max(1, math.ceil(budget * deviation / total_deviation))
                  if total_deviation > 0 else 1 for deviation in deviations)
    predicted = math.sqrt(float(np.sum(deviations ** 2 / np.array(shots))))
    one_norm = float(np.abs(terms.coefficients).sum())
    return ShotBudget(shots, int(sum(shots)), predicted,
                      math.ceil(one_norm ** 2 / target_error ** 2))


def sampled_energies(statistics: list[GroupStatistics], shots: tuple[int, ...], constant: float,
                     repeats: int, seed: int) -> np.ndarray:
    """``repeats`` energy estimates from multinomial outcome counts per group (seeded)."""
    random = np.random.default_rng(seed)
    estimates = np.full(repeats, constant)
    for group, count in zip(statistics, shots):
        draws = random.multinomial(count, group.probabilities, size=repeats)
        estimates += draws @ group.values / count
    return estimates
