"""Noise stage: what today's noise does to the VQE energy, what mitigation recovers and costs,
and what sample-based quantum diagonalisation (SQD) makes of the same noisy circuit.

From the qubit Hamiltonian, the VQE record and the active-space integrals (never the classical
references), this module

1. rebuilds the VQE's circuit at its optimum (untapered: post-selection and SQD read every
   mode) and compiles it to the noise model's native gate set
   (:func:`~qchemflow.quantum.compilation.compile_circuit`);
2. simulates it under the device noise model (:mod:`~qchemflow.quantum.noise_models`): the
   exact density matrix up to ``density_matrix_max_qubits``, quantum trajectories beyond
   (:mod:`~qchemflow.quantum.noisy_simulation`);
3. measures the energy like a device in qubit-wise groups, readout errors included, with the
   shots that give the unmitigated estimate a standard error of ``target_error_hartree``: the
   expectation (infinitely many shots) and one seeded sampled estimate with its standard error
   (shots, plus the finite trajectory ensemble's share);
4. mitigates (:mod:`~qchemflow.quantum.mitigation`): readout inversion, electron-number
   post-selection, and zero-noise extrapolation (Mitiq's folding and Richardson and linear
   fits, on readout-mitigated estimates), each with its shot overhead;
5. scans the two-qubit error rate: the noisy and the extrapolated expectation per rate;
6. draws Z-basis samples of the noisy circuit and runs SQD (:mod:`~qchemflow.quantum.sqd`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import cirq
import numpy as np
from mitiq.zne.scaling import fold_global

from qchemflow.core.memory import memory_fix, noise_memory_mb, require_memory
from qchemflow.quantum import compilation, mitigation
from qchemflow.quantum.encoding import encoding_for
from qchemflow.quantum.hardware import device_circuit, final_state
from qchemflow.quantum.measurement import GroupStatistics, PauliGroup, qubit_wise_groups
from qchemflow.quantum.mitigation import GroupEstimator
from qchemflow.quantum.noise_models import DeviceNoiseModel, NoiseParameters, readout_confusion
from qchemflow.quantum.noisy_simulation import NoisyState, choose_method, simulate_noisy
from qchemflow.quantum.sector import (PauliTerms, density_matrix_expectation,
                                      full_space_expectation, full_space_expectations)
from qchemflow.quantum.settings import NoiseSettings
from qchemflow.quantum.sqd import sample_based_diagonalisation

logger = logging.getLogger(__name__)

MITIGATIONS = ("readout", "post_selection")


def noise_parameters(settings: NoiseSettings) -> NoiseParameters:
    """The device noise of the settings, with the gate set's gate times."""
    times = settings.gate_times
    return NoiseParameters(settings.one_qubit_depolarizing, settings.two_qubit_depolarizing,
                           settings.readout_error, settings.t1_us, settings.t2_us,
                           float(times["single_qubit_s"]), float(times["two_qubit_s"]),
                           bool(times["serial"]))


@dataclass(frozen=True)
class GroupDistribution:
    """A group's value distribution over the shots it keeps, and the share it keeps."""

    kept: GroupStatistics
    acceptance: float

    @property
    def effective_deviation(self) -> float:
        """sigma / sqrt(acceptance): the spread per shot spent."""
        return (self.kept.standard_deviation / math.sqrt(self.acceptance) if self.acceptance
                else 0.0)


def group_distribution(estimator: GroupEstimator, probabilities: np.ndarray) -> GroupDistribution:
    """The estimator's values under the outcome distribution, equal values merged."""
    kept = probabilities if estimator.accepted is None else probabilities * estimator.accepted
    present = np.nonzero(kept > 1e-300)[0]
    distinct, inverse = np.unique(np.round(estimator.values[present], 12), return_inverse=True)
    weights = np.bincount(inverse, weights=kept[present], minlength=distinct.size)
    acceptance = float(weights.sum())
    if acceptance == 0:  # every outcome discarded: nothing to estimate from
        return GroupDistribution(GroupStatistics(np.zeros(1), np.ones(1)), 0.0)
    return GroupDistribution(GroupStatistics(distinct, weights / acceptance), acceptance)


@dataclass(frozen=True)
class Measurement:
    """One estimator's energy under one noisy state: per group distributions and, for
    trajectories, each trajectory's energy."""

    constant: float
    groups: tuple[GroupDistribution, ...]
    trajectory_energies: np.ndarray | None

    @property
    def expectation(self) -> float:
        """The energy with infinitely many shots (of this state or ensemble)."""
        return self.constant + sum(group.kept.mean for group in self.groups)

    @property
    def spread(self) -> float:
        """S = sum_g sigma_g / sqrt(a_g): the standard error is S / sqrt(shots) at the best
        allocation."""
        return sum(group.effective_deviation for group in self.groups)

    @property
    def trajectory_error(self) -> float:
        """The standard error the finite trajectory ensemble adds (0 for a density matrix)."""
        if self.trajectory_energies is None:
            return 0.0
        return float(np.std(self.trajectory_energies, ddof=1)
                     / math.sqrt(self.trajectory_energies.size))

    def shots_per_group(self, total: int) -> list[int]:
        """``total`` shots shared in proportion to sigma_g / sqrt(a_g), at least one each."""
        deviations = np.array([group.effective_deviation for group in self.groups])
        if deviations.sum() == 0:
            return [1] * len(self.groups)
        return [max(1, math.ceil(total * deviation / deviations.sum()))
                for deviation in deviations]

    def sample(self, total: int, random: np.random.Generator) -> tuple[float, float]:
        """One device-like estimate from ``total`` shots, and its standard error (shots and
        trajectories)."""
        estimate, variance = self.constant, 0.0
        for group, shots in zip(self.groups, self.shots_per_group(total)):
            outcomes = np.append(group.kept.probabilities * group.acceptance,
                                 max(0.0, 1.0 - group.acceptance))
            counts = random.multinomial(shots, outcomes / outcomes.sum())[:-1]
            kept = int(counts.sum())
            estimate += float(counts @ group.kept.values) / kept if kept else group.kept.mean
            variance += group.kept.standard_deviation ** 2 / max(kept, 1)
        return estimate, math.sqrt(variance + self.trajectory_error ** 2)


def measure(state: NoisyState, groups: list[PauliGroup],
            estimators: dict[str, list[GroupEstimator]], readout_error: float, constant: float
            ) -> dict[str, Measurement]:
    """Each estimator's measurement of the noisy state, readout errors included; the basis
    rotation of a group is done once for all estimators."""
    distributions: dict[str, list[GroupDistribution]] = {name: [] for name in estimators}
    energies: dict[str, np.ndarray] = {name: np.full(state.n_trajectories or 1, constant)
                                       for name in estimators}
    for index, group in enumerate(groups):
        probabilities = state.basis_probabilities(group.basis)
        mean = readout_confusion(probabilities.mean(axis=0), state.n_qubits, readout_error)
        for name, group_estimators in estimators.items():
            distributions[name].append(group_distribution(group_estimators[index], mean))
            if state.trajectories is not None:
                energies[name] += group_estimators[index].trajectory_means(probabilities,
                                                                           readout_error)
    return {name: Measurement(constant, tuple(distributions[name]),
                              energies[name] if state.trajectories is not None else None)
            for name in estimators}


def readout_damped(terms: PauliTerms, flip: float) -> PauliTerms:
    """The operator whose expectation a readout with symmetric flips ``flip`` reports: each
    term scaled by (1 - 2 flip)^weight."""
    weights = np.bitwise_count(np.bitwise_or(terms.x_masks, terms.z_masks)).astype(int)
    return dataclasses.replace(terms, coefficients=terms.coefficients * (1 - 2 * flip) ** weights)


def state_energies(state: NoisyState, terms: PauliTerms) -> np.ndarray:
    """The energy of each trajectory, or the density matrix's (one value)."""
    if state.trajectories is not None:
        return full_space_expectations(terms, state.trajectories.astype(complex))
    assert state.density_matrix is not None
    return np.array([density_matrix_expectation(terms, state.density_matrix)])


def mean_and_error(energies: np.ndarray) -> tuple[float, float]:
    """The mean of trajectory energies and its standard error (0 for one exact value)."""
    if energies.size == 1:
        return float(energies[0]), 0.0
    return float(energies.mean()), float(np.std(energies, ddof=1) / math.sqrt(energies.size))


class NoisyRuns:
    """Noisy simulations of the compiled circuit at a noise scale and two-qubit rate, each run
    once (seeded by both) and kept."""

    def __init__(self, compiled: cirq.Circuit, n_qubits: int, parameters: NoiseParameters,
                 settings: NoiseSettings, threads: int) -> None:
        self.compiled = compiled
        self.n_qubits = n_qubits
        self.parameters = parameters
        self.settings = settings
        self.threads = threads
        self.method = choose_method(n_qubits, settings.density_matrix_max_qubits)
        self.folded = {scale: self.fold(scale) for scale in settings.zne_scale_factors}
        self.states: dict[tuple[float, float], NoisyState] = {}

    def fold(self, scale: float) -> cirq.Circuit:
        """The circuit folded to ``scale`` times its noise (Mitiq, seeded)."""
        if scale == 1:
            return self.compiled
        return fold_global(self.compiled, scale)

    def state(self, scale: float, rate: float) -> NoisyState:
        """The noisy state of the circuit folded to ``scale`` at two-qubit rate ``rate``."""
        key = (scale, rate)
        if key not in self.states:
            start = time.perf_counter()
            model = DeviceNoiseModel(self.parameters.with_two_qubit_depolarizing(rate))
            seed = self.settings.seed + len(self.states)
            self.states[key] = simulate_noisy(self.folded[scale], model, self.n_qubits,
                                              self.method, self.settings.trajectories, seed,
                                              self.threads)
            logger.info("noisy simulation (scale %g, two-qubit rate %g, %s): %.1f s", scale,
                        rate, self.method, time.perf_counter() - start)
        return self.states[key]


def zne_fields(runs: NoisyRuns, groups: list[PauliGroup], estimators: list[GroupEstimator],
               unmitigated: Measurement, unmitigated_shots: int, random: np.random.Generator
               ) -> dict[str, Any]:
    """Zero-noise extrapolation of the readout-mitigated estimate at the configured rate."""
    settings, parameters = runs.settings, runs.parameters
    scales = settings.zne_scale_factors
    measured = [measure(runs.state(scale, parameters.two_qubit_depolarizing), groups,
                        {"zne": estimators}, parameters.readout_error,
                        unmitigated.constant)["zne"] for scale in scales]
    expectations = [measurement.expectation for measurement in measured]
    spreads = [measurement.spread for measurement in measured]
    fits = {}
    for fit in mitigation.EXTRAPOLATIONS:
        weights = mitigation.extrapolation_weights(fit, scales)
        overhead = mitigation.zne_shot_overhead(weights, spreads, unmitigated.spread)
        shares = mitigation.zne_shot_shares(weights, spreads)
        total = math.ceil(overhead * unmitigated_shots)
        sampled = [measurement.sample(max(1, math.ceil(total * share)), random)
                   for measurement, share in zip(measured, shares)]
        fits[fit] = {
            "energy": mitigation.extrapolate(fit, scales, [value for value, _ in sampled]),
            "std": math.sqrt(float(np.sum((weights * np.array([std for _, std in sampled]))
                                          ** 2))),
            "expectation": mitigation.extrapolate(fit, scales, expectations),
            "shot_overhead": overhead,
            "shots": total,
            "weights": weights.tolist(),
            "qpu_time_overhead": overhead * float(shares @ np.array(scales)),
        }
    return {**fits["richardson"], "extrapolation": "richardson",
            "linear": fits["linear"], "scale_factors": list(scales),
            "scaled_expectations": expectations,
            "folding": "mitiq.zne.scaling.fold_global (the whole circuit folded, C (C^dagger C)^k; exact for odd integer factors)",
            "two_qubit_gates": [sum(len(op.qubits) == 2 for op in runs.folded[scale]
                                    .all_operations()) for scale in scales],
            "combined_with": "readout" if parameters.readout_error > 0 else None}


def method_fields(measurement: Measurement, unmitigated: Measurement, unmitigated_shots: int,
                  random: np.random.Generator) -> dict[str, Any]:
    """A mitigated estimate at the shots that match the unmitigated standard error."""
    overhead = (measurement.spread / unmitigated.spread) ** 2
    shots = math.ceil(overhead * unmitigated_shots)
    energy, std = measurement.sample(shots, random)
    return {"energy": energy, "std": std, "expectation": measurement.expectation,
            "shot_overhead": overhead, "shots": shots}


def expected_gate_errors(circuit: cirq.Circuit, parameters: NoiseParameters) -> float:
    """The mean number of depolarising errors in one run of the circuit (sum of the gate error
    probabilities). A trajectory ensemble's error bar is only as good as the number of
    trajectories that saw an error: K times this should be well above one."""
    counts = [len(operation.qubits) for operation in circuit.all_operations()]
    return (counts.count(1) * parameters.one_qubit_depolarizing
            + counts.count(2) * parameters.two_qubit_depolarizing)


def scan_fields(runs: NoisyRuns, terms: PauliTerms) -> list[dict[str, Any]]:
    """Per two-qubit rate: the noisy and the (readout-mitigated, Richardson) extrapolated
    expectation with their trajectory errors.

    With trajectories the extrapolation is left out at rates other than the configured one
    (null): each would be two more ensembles of a three- and five-fold longer circuit.
    """
    damped = readout_damped(terms, runs.parameters.readout_error)
    scales = runs.settings.zne_scale_factors
    weights = mitigation.extrapolation_weights("richardson", scales)
    rows = []
    for rate in runs.settings.two_qubit_rates:
        noisy, noisy_error = mean_and_error(state_energies(runs.state(1.0, rate), damped))
        row: dict[str, Any] = {
            "two_qubit_depolarizing": rate,
            "expected_gate_errors": expected_gate_errors(
                runs.compiled, runs.parameters.with_two_qubit_depolarizing(rate)),
            "noisy_expectation": noisy, "noisy_error": noisy_error,
            "zne_expectation": None, "zne_error": None,
        }
        if runs.method == "density_matrix" or rate == runs.parameters.two_qubit_depolarizing:
            scaled = [mean_and_error(state_energies(runs.state(scale, rate), terms))
                      for scale in scales]
            row["zne_expectation"] = mitigation.extrapolate(
                "richardson", scales, [value for value, _ in scaled])
            row["zne_error"] = math.sqrt(float(np.sum((weights * np.array(
                [error for _, error in scaled])) ** 2)))
        rows.append(row)
    return rows


def z_basis_samples(state: NoisyState, readout_error: float, shots: int,
                    random: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``shots`` computational-basis outcomes of the noisy state: (outcome indices, counts)."""
    probabilities = readout_confusion(state.basis_probabilities(()), state.n_qubits,
                                      readout_error).mean(axis=0)
    counts = random.multinomial(shots, probabilities / probabilities.sum())
    outcomes = np.nonzero(counts)[0]
    return outcomes.astype(np.int64), counts[outcomes]


def sqd_fields(state: NoisyState, mapping: str, h1: np.ndarray, h2: np.ndarray,
               core_energy: float, n_alpha: int, n_beta: int, settings: NoiseSettings,
               readout_error: float, random: np.random.Generator) -> dict[str, Any]:
    """SQD from the noisy circuit's Z-basis samples (decoded to occupations)."""
    start = time.perf_counter()
    outcomes, counts = z_basis_samples(state, readout_error, settings.sqd.shots, random)
    occupations = encoding_for(mapping, state.n_qubits).occupations(outcomes)
    result = sample_based_diagonalisation(occupations, counts, h1, h2, core_energy,
                                          h1.shape[0], n_alpha, n_beta, settings.sqd,
                                          settings.seed)
    fields = dataclasses.asdict(result)
    fields["iterations"] = [dataclasses.asdict(step) for step in result.iterations]
    fields["occupations"] = list(result.occupations)
    fields["variational"] = ("the energy is variational in the sampled subspace: an upper "
                             "bound to CASCI of the same Hamiltonian")
    fields["covers_full_space"] = result.subspace_dimension >= result.full_dimension
    fields["wall_s"] = time.perf_counter() - start
    return fields


def require_noise_memory(n_qubits: int, settings: NoiseSettings, max_memory_mb: float) -> float:
    """The noisy state's memory (:func:`~qchemflow.core.memory.noise_memory_mb`); refuse when
    it does not fit.

    Raises:
        ResourceError: with the estimate and what to change.
    """
    method = choose_method(n_qubits, settings.density_matrix_max_qubits)
    what = (f"the {n_qubits}-qubit density matrix" if method == "density_matrix"
            else f"{settings.trajectories} trajectories of {n_qubits} qubits")
    return require_memory(noise_memory_mb(n_qubits, settings.density_matrix_max_qubits,
                                          settings.trajectories), max_memory_mb, what,
                          memory_fix("noise", "lower noise.trajectories or "
                                     "noise.density_matrix_max_qubits, or shrink the space"))


def group_estimators(terms: PauliTerms, groups: list[PauliGroup], mapping: str, n_alpha: int,
                     n_beta: int, readout_error: float) -> dict[str, list[GroupEstimator]]:
    """Per group, the unmitigated, the readout-mitigated and the post-selecting estimator
    (outcomes decoded through the encoding to count the electrons)."""
    occupations = encoding_for(mapping, terms.n_qubits).occupations(
        np.arange(1 << terms.n_qubits, dtype=np.int64))
    valid = mitigation.valid_outcome_mask(occupations, n_alpha, n_beta)
    return {"noisy": [mitigation.raw_estimator(terms, group) for group in groups],
            "readout": [mitigation.readout_estimator(terms, group, readout_error)
                        for group in groups],
            "post_selection": [mitigation.post_selection_estimator(terms, group, valid)
                               for group in groups]}


def post_selection_fields(measurement: Measurement, groups: list[PauliGroup]) -> dict[str, Any]:
    """Which groups were post-selected and the smallest share of shots they kept."""
    kept = [distribution.acceptance for distribution, group in zip(measurement.groups, groups)
            if mitigation.is_z_basis(group)]
    return {"groups_post_selected": len(kept), "acceptance": min(kept) if kept else None,
            "selects": "alpha and beta electron numbers, in groups measured in the Z basis"}


def noise_fields(terms_json: list[list[Any]], mapping: str, n_qubits: int,
                 vqe_record: dict[str, Any], n_alpha: int, n_beta: int, h1: np.ndarray,
                 h2: np.ndarray, core_energy: float, settings: NoiseSettings,
                 max_memory_mb: float, threads: int = 1) -> dict[str, Any]:
    """Everything in ``noise.json`` but the envelope.

    Raises:
        InputError: settings that do not apply.
        ResourceError: the noisy state would not fit.
    """
    start = time.perf_counter()
    device = device_circuit(terms_json, mapping, n_qubits, vqe_record,
                            settings.excitation_circuit, False)
    parameters = noise_parameters(settings)
    memory_mb = require_noise_memory(n_qubits, settings, max_memory_mb)
    compiled = compilation.compile_circuit(device.circuit, settings.gate_set)
    noiseless = full_space_expectation(device.terms, final_state(compiled, n_qubits))
    runs = NoisyRuns(compiled, n_qubits, parameters, settings, threads)
    terms = device.terms
    groups = qubit_wise_groups(terms)
    estimators = group_estimators(terms, groups, mapping, n_alpha, n_beta,
                                  parameters.readout_error)
    state = runs.state(1.0, parameters.two_qubit_depolarizing)
    measured = measure(state, groups, estimators, parameters.readout_error, terms.constant)
    unmitigated = measured["noisy"]
    shots = math.ceil((unmitigated.spread / settings.target_error_hartree) ** 2)
    random = np.random.default_rng(settings.seed)
    noisy_energy, noisy_std = unmitigated.sample(shots, random)
    mitigated = {name: method_fields(measured[name], unmitigated, shots, random)
                 for name in MITIGATIONS}
    mitigated["post_selection"].update(post_selection_fields(measured["post_selection"], groups))
    mitigated["readout"]["readout_error"] = parameters.readout_error
    mitigated["zne"] = zne_fields(runs, groups, estimators["readout"], unmitigated, shots, random)
    sqd = sqd_fields(state, mapping, h1, h2, core_energy, n_alpha, n_beta, settings,
                     parameters.readout_error, random)
    scan = scan_fields(runs, terms) if n_qubits <= settings.scan_max_qubits else []
    return {
        "noise_model": {
            "preset": settings.preset, "source": settings.source,
            **{name: getattr(parameters, name) for name in
               ("one_qubit_depolarizing", "two_qubit_depolarizing", "readout_error", "t1_us",
                "t2_us", "single_qubit_s", "two_qubit_s", "serial")},
            "gate_set": settings.gate_set,
        },
        "simulation": {
            "method": runs.method,
            "trajectories": settings.trajectories if runs.method == "trajectories" else None,
            "n_qubits": n_qubits,
            "excitation_circuit": device.kind,
            "two_qubit_gates": sum(len(op.qubits) == 2 for op in compiled.all_operations()),
            "single_qubit_gates": sum(len(op.qubits) == 1 for op in compiled.all_operations()),
            "moments": len(compiled),
            "expected_gate_errors": expected_gate_errors(compiled, parameters),
            "routing": "not simulated: the compiled circuit runs on all-to-all qubits (no SWAPs)",
            "seed": settings.seed,
        },
        "noiseless_energy": noiseless,
        "vqe_energy": float(vqe_record["energy"]),
        "noisy_expectation": unmitigated.expectation,
        "noisy_energy": noisy_energy,
        "noisy_std": noisy_std,
        "trajectory_error": unmitigated.trajectory_error,
        "shots": shots,
        "target_error_hartree": settings.target_error_hartree,
        "n_groups": len(groups),
        "mitigated": mitigated,
        "sqd": sqd,
        "scan": scan,
        "memory_estimate_mb": memory_mb,
        "wall_s": time.perf_counter() - start,
    }
