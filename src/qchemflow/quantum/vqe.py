"""VQE stage: a Cirq UCCSD circuit optimised with exact adjoint gradients.

The circuit (Hartree-Fock preparation plus one exact excitation gate per excitation) is built with
Cirq; the optimisation simulates that circuit on the particle-number sector with
:class:`~qchemflow.quantum.simulator.SectorSimulator` (gates read back from the circuit). The final
parameters are checked by simulating the decomposed circuit (CNOTs and rotations) with Cirq or
qsim when ``simulator`` asks for it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.optimize

from qchemflow.quantum import adapt, circuits
from qchemflow.quantum.ansatz import Ansatz, ansatz_string_pairs, build_ansatz
from qchemflow.quantum.checkpoint import EvaluationLog
from qchemflow.core.errors import InputError
from qchemflow.core.settings import RunSettings
from qchemflow.quantum.settings import VQESettings
from qchemflow.quantum.representation import Integrals, SectorProblem, sector_problem
from qchemflow.quantum.sector import (PauliTerms, build_sector, full_space,
                                      full_space_expectation)
from qchemflow.core.provenance import qchemflow_version, text_hash
from qchemflow.quantum.simulator import SectorSimulator

logger = logging.getLogger(__name__)
NEW_LAYER_SCALE = 0.01
PROGRESS_EVERY_ITERATIONS = 10
PROGRESS_EVERY_SECONDS = 30.0


def checkpoint_key(qubit_hamiltonian_text: str, settings: VQESettings) -> str:
    """What a checkpoint belongs to: the qubit Hamiltonian file, the settings that shape the
    optimisation and the qchemflow version."""
    shaping = sorted(dataclasses.asdict(settings).items())
    return text_hash(qubit_hamiltonian_text + repr(shaping) + qchemflow_version())


def layered_ansatz_prefix(ansatz: Ansatz, layers: int, per_layer: int) -> Ansatz:
    """The first ``layers`` layers of a layered ansatz."""
    excitations = tuple(excitation for excitation in ansatz.excitations
                        if excitation.parameter < layers * per_layer)
    return Ansatz(ansatz.name, ansatz.n_qubits, ansatz.occupied, excitations, layers * per_layer)


class Progress:
    """Writes a progress line to the job log every :data:`PROGRESS_EVERY_ITERATIONS` iterations
    of an optimisation or every :data:`PROGRESS_EVERY_SECONDS` seconds, whichever comes first, so
    that ``tail -f`` on a cluster's job log shows the optimisation moving."""

    def __init__(self) -> None:
        self.start = self.last_line = time.perf_counter()
        self.iterations = self.last_logged = 0

    def iteration_done(self, energy: float, gradient_norm: float) -> None:
        """Count one iteration; log it when enough iterations or seconds have passed."""
        self.iterations += 1
        now = time.perf_counter()
        if (self.iterations - self.last_logged < PROGRESS_EVERY_ITERATIONS
                and now - self.last_line < PROGRESS_EVERY_SECONDS):
            return
        logger.info("iteration %d: energy %.10f Ha, gradient norm %.3e, %.1f s", self.iterations,
                    energy, gradient_norm, now - self.start)
        self.last_line, self.last_logged = now, self.iterations


def minimise(simulator: Any, initial: np.ndarray, settings: VQESettings,
             trace: list[float], log: EvaluationLog) -> Any:
    """SciPy minimisation with adjoint gradients, stopping on the gradient.

    Appends each iteration's energy to ``trace``; every evaluation goes through ``log``
    (replayed from a checkpoint where it can be, checkpointed every few iterations).
    """
    last: dict[str, float] = {}
    log.start_optimisation()
    progress = Progress()

    def objective(parameters: np.ndarray) -> tuple[float, np.ndarray]:
        energy, gradient = log.evaluate(simulator, parameters)
        last["energy"] = energy
        last["gradient_norm"] = float(np.linalg.norm(gradient))
        return energy, gradient

    def iteration_done(_: np.ndarray) -> None:
        trace.append(last["energy"])
        log.iteration_done()
        progress.iteration_done(last["energy"], last["gradient_norm"])

    options: dict[str, Any] = {"gtol": settings.gradient_tolerance,
                               "maxiter": settings.max_iterations}
    if settings.optimizer == "L-BFGS-B":
        options.update(ftol=0.0, maxfun=10 * settings.max_iterations)  # stop on the gradient
    return scipy.optimize.minimize(objective, initial, jac=True, method=settings.optimizer,
                                   callback=iteration_done,
                                   options=options)


def cross_check_energy(circuit: Any, parameters: np.ndarray, n_qubits: int, terms: PauliTerms,
                       simulator: str) -> float:
    """Energy of the decomposed circuit simulated by Cirq or qsim (full 2^n state vector),
    measured on the encoded qubit Hamiltonian over all 2^n basis states."""
    import cirq

    resolver = {f"theta_{index}": float(value) for index, value in enumerate(parameters)}
    decomposed = cirq.Circuit(cirq.decompose(cirq.resolve_parameters(circuit, resolver)))
    qubits = cirq.LineQubit.range(n_qubits)
    if simulator == "qsim":
        import qsimcirq

        result = qsimcirq.QSimSimulator().simulate(decomposed, qubit_order=qubits)
    else:
        result = cirq.Simulator(dtype=np.complex128).simulate(decomposed, qubit_order=qubits)
    state = np.asarray(result.final_state_vector, dtype=complex)
    state /= np.linalg.norm(state)  # qsim works in single precision
    return full_space_expectation(terms, state)


@dataclass
class Optimised:
    """An optimised ansatz: its circuit, simulator and what the optimisation cost."""

    circuit: Any
    simulator: Any
    parameters: np.ndarray
    iterations: int
    energy_evaluations: int
    gradient_evaluations: int
    trace: list[float]
    message: str
    details: dict[str, Any]


def fixed_ansatz(settings: VQESettings, mapping: str, n_orbitals: int, n_alpha: int,
                 n_beta: int) -> tuple[Any, Ansatz]:
    """UCCSD or k-UpCCGSD: the encoded Cirq circuit and the ansatz read back from it."""
    circuit = circuits.ansatz_circuit(build_ansatz(settings, n_orbitals, n_alpha, n_beta),
                                      mapping)
    return circuit, circuits.ansatz_from_circuit(circuit, settings.ansatz, mapping)


def optimise_fixed_ansatz(settings: VQESettings, circuit: Any, ansatz: Ansatz,
                          problem: SectorProblem, log: EvaluationLog) -> Optimised:
    """UCCSD or k-UpCCGSD, optimised layer by layer."""
    # The gates of every layer are built once; a prefix of layers takes the leading ones.
    full = problem.simulator(ansatz)
    trace = [full.energy(np.zeros(ansatz.n_parameters))]
    parameters = np.zeros(0)
    iterations = energy_evaluations = gradient_evaluations = 0
    per_layer = ansatz.n_parameters // settings.layers
    random = np.random.default_rng(settings.seed)
    message = ""
    for layer in range(1, settings.layers + 1):
        # Grow layer by layer from the previous optimum. The first layer starts at zero (the HF
        # state); later layers start at small seeded random values, because at zero a repeated
        # layer can sit on a stationary point of the energy.
        start = np.zeros(per_layer) if layer == 1 else random.normal(0.0, NEW_LAYER_SCALE,
                                                                     per_layer)
        simulator = problem.simulator(
            layered_ansatz_prefix(ansatz, layer, per_layer),
            [gate for gate in full.gates if gate.parameter < layer * per_layer])
        result = minimise(simulator, np.concatenate([parameters, start]), settings, trace, log)
        parameters = np.asarray(result.x)
        iterations += int(result.nit)
        energy_evaluations += simulator.energy_evaluations
        gradient_evaluations += simulator.gradient_evaluations
        message = str(result.message)
    return Optimised(circuit, problem.simulator(ansatz, full.gates), parameters,
                     iterations, energy_evaluations, gradient_evaluations, trace, message,
                     {"layers": settings.layers})


def optimise_adapt(settings: VQESettings, mapping: str, problem: SectorProblem, n_orbitals: int,
                   n_alpha: int, n_beta: int, log: EvaluationLog) -> Optimised:
    """ADAPT-VQE with the singlet GSD pool (on the sector) or the qubit pool (on all states)."""
    trace: list[float] = []
    sector, hamiltonian = problem.sector, problem.hamiltonian
    result = adapt.run_adapt(
        sector, hamiltonian, n_orbitals, n_alpha, n_beta, settings.adapt_pool,
        settings.adapt_gradient_norm, settings.adapt_max_operators,
        lambda simulator, initial: minimise(simulator, initial, settings, trace, log))
    if settings.adapt_pool == "fermionic":
        circuit = circuits.ansatz_circuit(result.fermionic_ansatz(2 * n_orbitals), mapping)
    else:
        circuit = circuits.pauli_rotation_circuit(2 * n_orbitals, result.occupied, result.selected)
    reference = Ansatz("adapt", 2 * n_orbitals, result.occupied, (), 0)
    details = {"pool": settings.adapt_pool, "operators": result.chosen,
               "pool_gradient_norms": result.gradient_norms,
               "energy_per_operator": result.energies, "adapt_converged": result.converged,
               "adapt_gradient_norm": settings.adapt_gradient_norm}
    return Optimised(circuit, SectorSimulator(reference, sector, hamiltonian, result.gates),
                     result.parameters, result.iterations, result.energy_evaluations,
                     result.gradient_evaluations, trace,
                     "ADAPT pool gradient norm below threshold" if result.converged
                     else "ADAPT stopped at max_operators", details)


def run_vqe(terms: PauliTerms, mapping: str, n_orbitals: int, n_alpha: int, n_beta: int,
            settings: VQESettings, run: RunSettings, log: EvaluationLog | None = None,
            integrals: Integrals | None = None) -> dict[str, Any]:
    """Build, optimise and check the VQE; return the ``vqe.json`` fields (without the error).

    Args:
        terms: the qubit Hamiltonian.
        mapping: its fermion-to-qubit mapping.
        n_orbitals: active spatial orbitals.
        n_alpha: active alpha electrons.
        n_beta: active beta electrons.
        settings: the VQE settings.
        run: threads (Hamiltonian products, gate kernels) and memory (above it the VQE is
            refused).
        log: the evaluation log (checkpoint); None: no checkpoint.
        integrals: loads the same Hamiltonian's active-space integrals, for the matrix-free
            product; None: the explicit sector matrix only.

    Raises:
        InputError: settings that cannot work together.
        ResourceError: the estimated memory exceeds ``max_memory_mb``.
    """
    log = log if log is not None else EvaluationLog(None, "", 0)
    start = time.perf_counter()
    adaptive = settings.ansatz == "adapt"
    if adaptive and settings.adapt_pool == "qubit":
        if mapping != "jordan_wigner":
            raise InputError("the qubit ADAPT pool is defined on Jordan-Wigner strings; "
                             "set mapping: jordan_wigner")
        sector = full_space(2 * n_orbitals)  # qubit rotations do not conserve N
    else:
        sector = build_sector(mapping, 2 * n_orbitals, n_alpha, n_beta)
    circuit, ansatz = (None, None) if adaptive else fixed_ansatz(settings, mapping, n_orbitals,
                                                                 n_alpha, n_beta)
    gate_pairs = 0 if ansatz is None else ansatz_string_pairs(ansatz, n_alpha, n_beta)
    problem = sector_problem(terms, sector, settings.hamiltonian, settings.runs_on_strings,
                             integrals, gate_pairs, run.threads, run.memory_mb)
    if ansatz is None:
        optimised = optimise_adapt(settings, mapping, problem, n_orbitals, n_alpha, n_beta, log)
    else:
        optimised = optimise_fixed_ansatz(settings, circuit, ansatz, problem, log)
    simulator = optimised.simulator
    parameters = optimised.parameters
    energy, gradient = simulator.energy_and_gradient(parameters)
    gradient_max = float(np.abs(gradient).max()) if gradient.size else 0.0
    spin_squared = problem.spin_squared(simulator.state(parameters))
    optimisation_s = time.perf_counter() - start
    circuit = optimised.circuit
    statistics = circuits.circuit_statistics(circuit)
    check: dict[str, Any] = {"simulator": settings.simulator}
    if settings.simulator in ("cirq", "qsim"):
        check_energy = cross_check_energy(circuit, parameters, sector.n_qubits, terms,
                                          settings.simulator)
        check.update(energy=check_energy, difference=check_energy - energy)
    return {
        "energy": energy,
        "parameters": parameters,
        "n_parameters": int(parameters.size),
        "iterations": optimised.iterations,
        "energy_evaluations": optimised.energy_evaluations,
        "gradient_evaluations": optimised.gradient_evaluations,
        "gradient_max_abs": gradient_max,
        "converged": bool(gradient_max <= settings.gradient_tolerance),
        "optimizer_message": optimised.message,
        "trace": optimised.trace,
        "s2": spin_squared,
        "ansatz": settings.ansatz,
        **optimised.details,
        "optimizer": settings.optimizer,
        "gradient_tolerance": settings.gradient_tolerance,
        "simulator": settings.simulator,
        "check": check,
        "seed": settings.seed,
        "checkpoint": {"every_iterations": log.every, "resumed_evaluations": log.replayed},
        "initial_parameters": "zeros (Hartree-Fock state); later layers seeded normal(0, 0.01)",
        "mapping": mapping,
        "circuit_mapping": mapping,
        "sector_dimension": sector.dimension,
        "hamiltonian": {"setting": settings.hamiltonian,
                        "representation": problem.representation,
                        "simulator": "sector" if problem.layout is None else "ci_strings",
                        "threads": run.threads},
        "memory_estimate_mb": problem.memory_estimate_mb,
        "circuit": statistics,
        "reference_qubits": list(circuits.reference_qubits_of(circuit)),
        "gates": circuits.circuit_gates(circuit),
        "optimisation_wall_s": optimisation_s,
        "wall_s": time.perf_counter() - start,
    }
