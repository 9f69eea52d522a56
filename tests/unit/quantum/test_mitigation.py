"""Error mitigation: readout inversion against Mitiq's confusion matrices, extrapolation
weights against hand-derived Lagrange weights and Mitiq's fits, post-selection masks."""

import numpy as np
import openfermion
import pytest
from mitiq.rem import generate_inverse_confusion_matrix

from qchemflow.quantum import mitigation
from qchemflow.quantum.encoding import encoding_for
from qchemflow.quantum.measurement import qubit_wise_groups
from qchemflow.quantum.noise_models import readout_confusion
from qchemflow.quantum.sector import pauli_terms

OPERATOR = (openfermion.QubitOperator("Z0 Z1", 0.7) + openfermion.QubitOperator("Z2", -0.4)
            + openfermion.QubitOperator("X0 Z2", 0.3) + openfermion.QubitOperator("Z0 Z1 Z2", 0.2))


def test_readout_mitigation_undoes_symmetric_bit_flips_as_mitiq_does():
    # Identity: under independent flips p, the mitigated estimator's mean on the confused
    # distribution equals the ideal mean; and it equals the mean over Mitiq's inverse
    # tensor-product confusion matrix applied to the confused distribution.
    terms = pauli_terms(OPERATOR, 3)
    flip = 0.04
    ideal = np.random.default_rng(2).dirichlet(np.ones(8))
    confused = readout_confusion(ideal, 3, flip)
    inverse = generate_inverse_confusion_matrix(3, flip, flip)
    for group in qubit_wise_groups(terms):
        raw = mitigation.raw_estimator(terms, group)
        mitigated = mitigation.readout_estimator(terms, group, flip)
        assert mitigated.values @ confused == pytest.approx(raw.values @ ideal, abs=1e-13)
        assert mitigated.values @ confused == pytest.approx(raw.values @ (inverse @ confused),
                                                            abs=1e-13)
        # Without mitigation the confused mean is biased whenever the group has Z strings.
        assert abs(raw.values @ confused - raw.values @ ideal) > 1e-4


def test_extrapolation_weights_are_lagrange_and_least_squares_weights():
    # Hand calculation: Richardson through (1, 3, 5) at 0 is the Lagrange weights
    # (15/8, -10/8, 3/8); a least-squares line through (1, 2, 3) at 0 is (4/3, 1/3, -2/3).
    richardson = mitigation.extrapolation_weights("richardson", (1.0, 3.0, 5.0))
    assert richardson == pytest.approx([15 / 8, -10 / 8, 3 / 8], abs=1e-12)
    linear = mitigation.extrapolation_weights("linear", (1.0, 2.0, 3.0))
    assert linear == pytest.approx([4 / 3, 1 / 3, -2 / 3], abs=1e-12)
    values = [-1.10, -1.02, -0.97]
    for fit, scales in (("richardson", (1.0, 3.0, 5.0)), ("linear", (1.0, 2.0, 3.0))):
        weights = mitigation.extrapolation_weights(fit, scales)
        assert weights.sum() == pytest.approx(1.0, abs=1e-12)
        assert mitigation.extrapolate(fit, scales, values) == pytest.approx(weights @ values,
                                                                            abs=1e-12)
    # A quadratic in the scale is extrapolated exactly by Richardson on three points.
    quadratic = [2.0 - 0.3 * x + 0.01 * x * x for x in (1.0, 3.0, 5.0)]
    assert mitigation.extrapolate("richardson", (1.0, 3.0, 5.0), quadratic) == pytest.approx(2.0)


def test_zne_shot_overhead_and_shares():
    # By hand: |gamma| . S / S_noisy, squared; shares proportional to |gamma_i| S_i.
    weights = np.array([15 / 8, -10 / 8, 3 / 8])
    spreads = [1.0, 1.2, 1.4]
    assert mitigation.zne_shot_overhead(weights, spreads, 1.0) == pytest.approx(
        (15 / 8 + 1.5 + 3 * 1.4 / 8) ** 2)
    shares = mitigation.zne_shot_shares(weights, spreads)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[0] / shares[2] == pytest.approx((15 / 8) / (3 * 1.4 / 8))


@pytest.mark.parametrize("mapping", ["jordan_wigner", "bravyi_kitaev", "parity"])
def test_post_selection_keeps_the_right_electron_numbers(mapping):
    # Reference: the outcomes of the encoded sector (its qubit indices) are exactly the kept
    # ones (2 alpha and 1 beta electrons in 3 spatial orbitals).
    from qchemflow.quantum.sector import build_sector

    encoding = encoding_for(mapping, 6)
    outcomes = np.arange(64, dtype=np.int64)
    mask = mitigation.valid_outcome_mask(encoding.occupations(outcomes), 2, 1)
    sector = build_sector(mapping, 6, 2, 1)
    assert sorted(np.nonzero(mask)[0]) == sorted(sector.qubit_indices.tolist())
    terms = pauli_terms(OPERATOR, 6)
    for group in qubit_wise_groups(terms):
        estimator = mitigation.post_selection_estimator(terms, group, mask)
        assert (estimator.accepted is not None) == mitigation.is_z_basis(group)


def test_trajectory_means_with_and_without_selection():
    estimator = mitigation.GroupEstimator(np.array([1.0, -1.0, 0.5, 2.0]),
                                          np.array([True, True, False, True]))
    probabilities = np.array([[0.5, 0.5, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]])
    assert estimator.trajectory_means(probabilities) == pytest.approx([0.0, 2.0 / 3.0])
    plain = mitigation.GroupEstimator(estimator.values, None)
    assert plain.trajectory_means(probabilities) == pytest.approx([0.0, 0.625])


def test_trajectory_means_apply_the_readout_flips_to_the_estimator():
    # Identity: (C p) . v = p . (C v) for the symmetric confusion matrix C, with and without
    # selection (the ratio of two such products).
    rng = np.random.default_rng(4)
    probabilities = rng.dirichlet(np.ones(8), size=3)
    estimator = mitigation.GroupEstimator(rng.normal(size=8), rng.random(8) > 0.3)
    confused = readout_confusion(probabilities, 3, 0.05)
    assert estimator.trajectory_means(probabilities, 0.05) == pytest.approx(
        estimator.trajectory_means(confused), abs=1e-13)
    plain = mitigation.GroupEstimator(estimator.values, None)
    assert plain.trajectory_means(probabilities, 0.05) == pytest.approx(
        plain.trajectory_means(confused), abs=1e-13)
