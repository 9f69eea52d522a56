"""Error mitigation of noisy energy estimates, and what each method costs in shots.

Every estimate is a sum over qubit-wise measurement groups of the mean of a per-shot value
(:mod:`~qchemflow.quantum.measurement`). A method changes, per group, the value each outcome is
worth and which outcomes are kept (:class:`GroupEstimator`):

- ``readout``: with independent symmetric bit flips of probability p, a Z string of weight w on
  the measured bits has its expectation multiplied by (1 - 2p)^w. Dividing each term's
  coefficient by that factor undoes it exactly; it is what the inverse of the tensor-product
  confusion matrix does (Mitiq's ``mitiq.rem``; the tests check they agree), at a larger
  per-shot spread.
- ``post_selection``: in a group measured entirely in the Z basis the outcome is an occupation
  string (decoded through the encoding); outcomes with the wrong number of alpha or beta
  electrons cannot come from the noiseless circuit and are discarded. Groups with X or Y
  factors keep every outcome. The discarded share of shots must be paid for.
- ``zne``: zero-noise extrapolation. The circuit is run at noise scale factors lambda_i (Mitiq's
  unitary folding, ``fold_gates_at_random``: G -> G G^dagger G for a seeded random subset of
  gates) and the estimates are extrapolated to lambda = 0 by Mitiq's Richardson or linear
  (least-squares) fit (Temme, Bravyi & Gambetta, PRL 119, 180509 (2017); Giurgica-Tiron et al.,
  IEEE QCE 2020, 306). Both fits are linear in the estimates, E_0 = sum_i gamma_i E_i; the
  weights gamma_i are read off Mitiq's own extrapolation of unit vectors.

Shot overhead: with shots allocated in proportion to each group's per-shot spread sigma_g, an
estimate's standard error is S / sqrt(M) for M shots, S = sum_g sigma_g (sigma_g / sqrt(a_g)
when only a share a_g of a group's shots is kept). The overhead of a method is the factor on M
that gives the same standard error as the unmitigated estimate: (S_method / S_noisy)^2, and for
ZNE (sum_i |gamma_i| S_i / S_noisy)^2 with M_i proportional to |gamma_i| S_i (each scaled
circuit is also lambda_i times longer on the device).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from mitiq.zne.inference import LinearFactory, RichardsonFactory

from qchemflow.quantum.measurement import PauliGroup, outcome_values, term_paulis
from qchemflow.quantum.noise_models import readout_confusion
from qchemflow.quantum.sector import PauliTerms

EXTRAPOLATIONS = {"richardson": RichardsonFactory, "linear": LinearFactory}


@dataclass(frozen=True)
class GroupEstimator:
    """What each of a group's 2^n outcomes is worth, and which outcomes are kept."""

    values: np.ndarray
    accepted: np.ndarray | None

    def trajectory_means(self, probabilities: np.ndarray, flip: float = 0.0) -> np.ndarray:
        """The group mean under each row of ``probabilities`` (one trajectory each), after
        readout flips of probability ``flip``.

        The confusion matrix C is symmetric, so (C p) . v = p . (C v): the flips are applied
        once to the value and acceptance vectors instead of to every trajectory.
        """
        n_qubits = int(self.values.size).bit_length() - 1
        if self.accepted is None:
            return probabilities @ readout_confusion(self.values, n_qubits, flip)
        kept = readout_confusion(self.accepted.astype(float), n_qubits, flip)
        weighted = readout_confusion(self.values * self.accepted, n_qubits, flip)
        return (probabilities @ weighted) / np.maximum(probabilities @ kept, 1e-300)


def term_weights(terms: PauliTerms, members: tuple[int, ...]) -> np.ndarray:
    """The number of qubits each member term acts on (its weight)."""
    return np.array([len(term_paulis(terms, member)) for member in members])


def raw_estimator(terms: PauliTerms, group: PauliGroup) -> GroupEstimator:
    """No mitigation: each outcome is worth the group operator's value."""
    outcomes = np.arange(1 << terms.n_qubits, dtype=np.int64)
    return GroupEstimator(outcome_values(terms, group.members, outcomes), None)


def readout_estimator(terms: PauliTerms, group: PauliGroup, flip: float) -> GroupEstimator:
    """Readout-error mitigation: each term's coefficient divided by (1 - 2 p)^weight."""
    outcomes = np.arange(1 << terms.n_qubits, dtype=np.int64)
    scales = (1.0 - 2.0 * flip) ** -term_weights(terms, group.members)
    values = np.zeros(outcomes.size)
    for member, scale in zip(group.members, scales):
        values += scale * outcome_values(terms, (member,), outcomes)
    return GroupEstimator(values, None)


def is_z_basis(group: PauliGroup) -> bool:
    """Whether the group is measured in the computational basis on every qubit it reads."""
    return all(pauli == "Z" for _, pauli in group.basis)


def post_selection_estimator(terms: PauliTerms, group: PauliGroup,
                             valid_outcomes: np.ndarray) -> GroupEstimator:
    """Keep only outcomes with the right electron numbers, in Z-basis groups."""
    estimator = raw_estimator(terms, group)
    return GroupEstimator(estimator.values, valid_outcomes if is_z_basis(group) else None)


def valid_outcome_mask(occupations: np.ndarray, n_alpha: int, n_beta: int) -> np.ndarray:
    """Whether each outcome's occupation string (mode 2i alpha, 2i + 1 beta) has the electron
    numbers of the molecule."""
    alpha_mask = sum(1 << mode for mode in range(0, 62, 2))
    alpha = np.bitwise_count(np.bitwise_and(occupations, alpha_mask))
    beta = np.bitwise_count(np.bitwise_and(occupations, alpha_mask << 1))
    return (alpha == n_alpha) & (beta == n_beta)


def extrapolation_weights(method: str, scale_factors: tuple[float, ...]) -> np.ndarray:
    """gamma_i with E_0 = sum_i gamma_i E_i, from Mitiq's own extrapolation of unit vectors."""
    factory = EXTRAPOLATIONS[method]
    unit = np.eye(len(scale_factors))
    return np.array([float(factory.extrapolate(list(scale_factors), list(row))) for row in unit])


def extrapolate(method: str, scale_factors: tuple[float, ...], values: list[float]) -> float:
    """Mitiq's zero-noise extrapolation of ``values`` measured at ``scale_factors``."""
    return float(EXTRAPOLATIONS[method].extrapolate(list(scale_factors), values))


def zne_shot_overhead(weights: np.ndarray, spreads: list[float], unmitigated_spread: float
                      ) -> float:
    """(sum_i |gamma_i| S_i / S_noisy)^2: shots for the unmitigated standard error."""
    return float(np.abs(weights) @ np.array(spreads) / unmitigated_spread) ** 2


def zne_shot_shares(weights: np.ndarray, spreads: list[float]) -> np.ndarray:
    """The share of a ZNE budget each scale factor gets (proportional to |gamma_i| S_i)."""
    parts = np.abs(weights) * np.array(spreads)
    return parts / parts.sum()
