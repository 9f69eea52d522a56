"""Hardware stage: what the final VQE circuit needs and costs on real quantum computers.

From the qubit Hamiltonian and the VQE's recorded circuit and parameters (never the classical
references), this module

1. rebuilds the encoded circuit at the optimum, with each excitation as Pauli-string
   exponentials or as the efficient circuits of Yordanov et al., and tapers it when asked;
2. simulates that circuit with Cirq and measures its energy on the (tapered) Hamiltonian, a check
   that encoding, tapering and circuits agree with the VQE's sector simulator;
3. compiles it to the native gate sets and routes it (:mod:`~qchemflow.quantum.compilation`);
4. groups the Hamiltonian for measurement, computes each group's variance in the circuit's
   state and the shots for the target standard error, and samples that budget
   (:mod:`~qchemflow.quantum.measurement`);
5. prices one energy and the whole VQE per provider (:mod:`~qchemflow.quantum.pricing`);
6. estimates the fault-tolerant alternative (:mod:`~qchemflow.quantum.fault_tolerant`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import Any

import cirq
import numpy as np
import openfermion

from qchemflow.core.errors import InputError
from qchemflow.core.memory import memory_fix, require_memory, state_vector_memory_mb
from qchemflow.quantum import circuits, compilation, measurement, pricing
from qchemflow.quantum.commuting_groups import (commuting_group_statistics, commuting_groups,
                                                diagonalise_group)
from qchemflow.quantum.efficient_circuits import EfficientExcitationGate
from qchemflow.quantum.fault_tolerant import double_factorised_estimate
from qchemflow.quantum.sector import PauliTerms, full_space_expectation, pauli_terms
from qchemflow.quantum.settings import HardwareSettings
from qchemflow.quantum.tapering import Tapering, find_tapering, tapered_circuit

logger = logging.getLogger(__name__)


def qubit_operator(terms: list[list[Any]]) -> Any:
    """The OpenFermion ``QubitOperator`` of ``qubit_hamiltonian.json`` terms."""
    operator = openfermion.QubitOperator()
    for label, coefficient in terms:
        operator += openfermion.QubitOperator(label, coefficient)
    return operator


def excitation_circuit_kind(setting: str, mapping: str, tapering: bool) -> str:
    """``pauli`` or ``efficient``: ``auto`` is efficient for an untapered Jordan-Wigner circuit.

    Raises:
        InputError: ``efficient`` asked for where it does not apply.
    """
    applies = mapping == "jordan_wigner" and not tapering
    if setting == "efficient" and not applies:
        raise InputError("excitation_circuit: efficient is the Jordan-Wigner circuit of "
                         "Yordanov et al.; use mapping: jordan_wigner and tapering: false, or "
                         "excitation_circuit: auto")
    return "efficient" if setting in ("efficient", "auto") and applies else "pauli"


def with_efficient_excitations(circuit: cirq.Circuit) -> cirq.Circuit:
    """The same circuit with every (Jordan-Wigner) excitation gate built efficiently."""
    def replace(operation: cirq.Operation) -> cirq.Operation:
        gate = operation.gate
        if isinstance(gate, circuits.ExcitationGate):
            return EfficientExcitationGate(gate.excitation, gate.angle).on(*operation.qubits)
        return operation

    return cirq.Circuit(replace(operation) for operation in circuit.all_operations())


def final_state(circuit: cirq.Circuit, n_qubits: int) -> np.ndarray:
    """The decomposed circuit's state vector (Cirq, double precision)."""
    decomposed = cirq.Circuit(cirq.decompose(circuit))
    result = cirq.Simulator(dtype=np.complex128).simulate(
        decomposed, qubit_order=cirq.LineQubit.range(n_qubits))
    return np.asarray(result.final_state_vector, dtype=complex)


def gate_times(settings: HardwareSettings, gate_set: str) -> compilation.GateTimes:
    """The configured gate times of a gate set."""
    times = settings.gate_times[gate_set]
    return compilation.GateTimes(times["single_qubit_s"], times["two_qubit_s"],
                                 times["readout_s"])


def compiled_fields(circuit: cirq.Circuit, settings: HardwareSettings
                    ) -> dict[str, dict[str, Any]]:
    """Per gate set: gate counts, routing and duration (serial gate sets: the sum of the gate
    times plus one readout)."""
    fields = {}
    for gate_set in settings.gate_sets:
        start = time.perf_counter()
        times = gate_times(settings, gate_set)
        compiled = compilation.compile_for_hardware(circuit, gate_set, times, settings.seed)
        record = dataclasses.asdict(compiled)
        if settings.gate_times[gate_set]["serial"]:
            record["duration_s"] = (compiled.single_qubit_gates * times.single_qubit_s
                                    + compiled.two_qubit_gates * times.two_qubit_s
                                    + times.readout_s)
        record["wall_s"] = time.perf_counter() - start
        fields[gate_set] = record
        logger.info("compiled to %s: %d two-qubit gates, %.1f s", gate_set,
                    compiled.two_qubit_gates, record["wall_s"])
    return fields


GROUPINGS = {"qubit_wise": "qubit-wise commuting, sorted insertion",
             "commuting": "fully commuting, sorted insertion, Clifford diagonalisation"}


def grouped_statistics(terms: PauliTerms, state: np.ndarray, grouping: str
                       ) -> tuple[list[measurement.GroupStatistics], list[tuple[int, int]]]:
    """Each group's outcome statistics in ``state`` and the (one-, two-qubit) gates its basis
    change adds before the readout.

    Qubit-wise groups rotate each X or Y qubit (one gate); fully commuting groups run their
    diagonalising Clifford (:mod:`~qchemflow.quantum.commuting_groups`).
    """
    if grouping == "commuting":
        groups = [diagonalise_group(terms, members) for members in commuting_groups(terms)]
        return ([commuting_group_statistics(terms, group, state) for group in groups],
                [(group.one_qubit_gates, group.two_qubit_gates) for group in groups])
    qubit_wise = measurement.qubit_wise_groups(terms)
    return ([measurement.group_statistics(terms, group, state) for group in qubit_wise],
            [(sum(pauli in "XY" for _, pauli in group.basis), 0) for group in qubit_wise])


def measurement_fields(terms: PauliTerms, state: np.ndarray, settings: HardwareSettings
                       ) -> tuple[dict[str, Any], list[int], list[tuple[int, int]]]:
    """Groups, variances, the shot budget and its sampled check.

    Returns:
        The ``measurement`` fields, the shots per group and the basis-change gates per group.
    """
    statistics, basis_gates = grouped_statistics(terms, state, settings.grouping)
    budget = measurement.optimal_shots(statistics, terms, settings.target_error_hartree)
    sampled = measurement.sampled_energies(statistics, budget.shots, terms.constant,
                                           settings.repeats, settings.seed)
    exact = terms.constant + sum(group.mean for group in statistics)
    fields = {
        "grouping": GROUPINGS[settings.grouping],
        "n_terms": int(terms.coefficients.size),
        "n_groups": len(statistics),
        "target_error_hartree": settings.target_error_hartree,
        "shots_for_chemical_accuracy": budget.total,
        "shots_per_group": list(budget.shots),
        "group_standard_deviations": [group.standard_deviation for group in statistics],
        "predicted_std_mha": 1000 * budget.predicted_standard_error,
        "one_norm_shots": budget.one_norm_shots,
        "exact_energy": exact,
        "repeats": settings.repeats,
        "sampled_energies": sampled.tolist(),
        "sampled_mean": float(np.mean(sampled)),
        "sampled_std_mha": 1000 * float(np.std(sampled, ddof=1)),
    }
    return fields, list(budget.shots), basis_gates


def cost_fields(compiled: dict[str, dict[str, Any]], n_qubits: int, shots: list[int],
                basis_gates: list[tuple[int, int]], vqe_energies: int, settings: HardwareSettings
                ) -> dict[str, dict[str, Any]]:
    """Per provider whose gate set was compiled: one energy at the shot budget and the VQE as
    it ran."""
    costs = {}
    for provider in pricing.providers_from_settings(settings.providers):
        if provider.gate_set not in compiled:
            continue
        counts = compiled[provider.gate_set]
        routed = counts["two_qubit_gates_grid"]
        circuit = pricing.CircuitCost(n_qubits, int(counts["single_qubit_gates"]),
                                      int(routed if routed is not None
                                          else counts["two_qubit_gates"]),
                                      float(counts["duration_s"]))
        energy = pricing.energy_charge(provider, circuit, shots, basis_gates)
        costs[provider.name] = {
            "device": provider.device, "gate_set": provider.gate_set,
            "energy_usd": energy.usd, "qpu_seconds": energy.qpu_seconds,
            "energy_tasks": energy.tasks, "energy_shots": energy.shots,
            "energy_hqc": energy.hqc,
            "vqe_usd": energy.usd * vqe_energies,
            "vqe_qpu_seconds": energy.qpu_seconds * vqe_energies,
            "source": provider.source, "date": provider.date,
        }
    return costs


def require_state_memory(n_qubits: int, max_memory_mb: float) -> float:
    """The full state vector's memory (the device's 2^n outcomes); refuse when it does not fit.

    Raises:
        ResourceError: with the estimate and what to change.
    """
    return require_memory(state_vector_memory_mb(n_qubits), max_memory_mb, f"the {n_qubits}-qubit state vector",
                          memory_fix("hardware", "shrink the active space or set tapering: true"))


@dataclass(frozen=True)
class DeviceCircuit:
    """The circuit a device would run at the VQE's optimum, and the Hamiltonian it measures.

    Attributes:
        circuit: resolved, on ``n_qubits`` line qubits (tapered when ``tapered``).
        terms: the Hamiltonian on those qubits.
        n_qubits: the device's qubits.
        kind: how the excitations are built (``pauli``, ``efficient`` or tapered rotations).
        tapering: the symmetries found (used or not).
        tapered: whether circuit and Hamiltonian are tapered.
    """

    circuit: cirq.Circuit
    terms: PauliTerms
    n_qubits: int
    kind: str
    tapering: Tapering
    tapered: bool


def device_circuit(terms_json: list[list[Any]], mapping: str, n_qubits: int,
                   vqe_record: dict[str, Any], excitation_circuit: str, tapering: bool
                   ) -> DeviceCircuit:
    """Rebuild the VQE's encoded circuit at its optimum; taper it (``tapering``) or build its
    excitations as ``excitation_circuit`` asks (:func:`excitation_circuit_kind`).

    Raises:
        InputError: settings that do not apply.
    """
    kind = excitation_circuit_kind(excitation_circuit, mapping, tapering)
    operator = qubit_operator(terms_json)
    terms = pauli_terms(operator, n_qubits)
    reference = tuple(int(qubit) for qubit in vqe_record["reference_qubits"])
    symmetries = find_tapering(terms, reference)
    parameters = {f"theta_{index}": float(value)
                  for index, value in enumerate(vqe_record["parameters"])}
    circuit = cirq.resolve_parameters(
        circuits.circuit_from_gates(vqe_record["gates"], reference, n_qubits, mapping),
        parameters)
    if tapering:
        return DeviceCircuit(tapered_circuit(circuit, symmetries, reference),
                             pauli_terms(symmetries.taper(operator), symmetries.tapered_qubits),
                             symmetries.tapered_qubits, "tapered Pauli rotations", symmetries,
                             True)
    if kind == "efficient":
        circuit = with_efficient_excitations(circuit)
    return DeviceCircuit(circuit, terms, n_qubits, kind, symmetries, False)


def hardware_fields(terms_json: list[list[Any]], mapping: str, n_qubits: int,
                    vqe_record: dict[str, Any], h1: np.ndarray, h2: np.ndarray,
                    settings: HardwareSettings, max_memory_mb: float) -> dict[str, Any]:
    """Everything in ``hardware.json`` but the envelope.

    Args:
        terms_json: ``qubit_hamiltonian.json`` ``terms``.
        mapping: its encoding.
        n_qubits: its qubits.
        vqe_record: ``vqe.json`` (parameters, gates, reference, evaluations, energy).
        h1: active-space one-electron integrals (for the fault-tolerant estimate).
        h2: active-space two-electron integrals, chemists' notation.
        settings: the stage's settings.
        max_memory_mb: the job's memory.

    Raises:
        InputError: settings that do not apply.
        ResourceError: the state vector would not fit.
    """
    start = time.perf_counter()
    device = device_circuit(terms_json, mapping, n_qubits, vqe_record,
                            settings.excitation_circuit, settings.tapering)
    memory_mb = require_state_memory(device.n_qubits, max_memory_mb)
    state = final_state(device.circuit, device.n_qubits)
    circuit_energy = full_space_expectation(device.terms, state)
    measured, shots, basis_gates = measurement_fields(device.terms, state, settings)
    compiled = compiled_fields(device.circuit, settings)
    vqe_energies = pricing.energies_per_vqe(int(vqe_record["energy_evaluations"]),
                                            int(vqe_record["gradient_evaluations"]),
                                            int(vqe_record["n_parameters"]))
    fault_tolerant = double_factorised_estimate(h1, h2, settings.fault_tolerant_threshold,
                                                settings.target_error_hartree)
    return {
        "encoding": {"mapping": mapping, "n_qubits": n_qubits,
                     "reference_qubits": list(vqe_record["reference_qubits"]),
                     "excitation_circuit": device.kind},
        "n_qubits": n_qubits,
        "tapered_qubits": device.tapering.tapered_qubits,
        "tapering": device.tapered,
        "device_qubits": device.n_qubits,
        "symmetries": device.tapering.labels(),
        "removed_qubits": list(device.tapering.removed_qubits),
        "circuit_check": {"energy": circuit_energy,
                          "difference": circuit_energy - float(vqe_record["energy"]),
                          "simulator": "cirq (complex128), all 2^n amplitudes"},
        "compiled": compiled,
        "measurement": measured,
        "vqe_energy_evaluations": vqe_energies,
        "cost": cost_fields(compiled, device.n_qubits, shots, basis_gates, vqe_energies,
                            settings),
        "fault_tolerant": dataclasses.asdict(fault_tolerant),
        "gate_times": settings.gate_times,
        "classical_core": settings.classical_core,
        "memory_estimate_mb": memory_mb,
        "wall_s": time.perf_counter() - start,
    }
