"""The quantum stages' settings objects, in a module of their own so that building them (the
workflow does, for every job) never imports OpenFermion or Cirq."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class QubitSettings:
    """The fermion-to-qubit mapping, and whether to diagonalise the sector as a check."""

    mapping: str
    check_spectrum: bool


@dataclass(frozen=True)
class VQESettings:
    """What shapes the VQE's result: ansatz, optimizer, stopping rule, simulator check, seed.

    Threads and checkpoint cadence change how, never what, the VQE computes: they are run
    settings, passed apart.
    """

    ansatz: str
    layers: int
    optimizer: str
    gradient_tolerance: float
    max_iterations: int
    simulator: str
    seed: int
    adapt_gradient_norm: float
    adapt_max_operators: int
    adapt_pool: str


@dataclass(frozen=True)
class HardwareSettings:
    """What the hardware stage compiles, measures and prices.

    Attributes:
        tapering: compile and measure the tapered circuit and Hamiltonian (the symmetries and
            the tapered qubit count are reported either way).
        excitation_circuit: ``pauli`` (each excitation as its Pauli-string exponentials),
            ``efficient`` (Yordanov et al. circuits, Jordan-Wigner and untapered only) or
            ``auto`` (efficient where it applies).
        gate_sets: the native gate sets to compile to (``cz``, ``sqrt_iswap``, ``xx``).
        grouping: ``qubit_wise`` or ``commuting`` measurement groups.
        target_error_hartree: the standard error one energy estimate must reach.
        repeats: sampled energy estimates at that budget, to check the predicted error.
        seed: seed of the sampling and of the router.
        gate_times: per gate set, ``single_qubit_s``, ``two_qubit_s``, ``readout_s`` and
            ``serial`` (gates one at a time, as in an ion chain) with ``source``.
        providers: the price table (:class:`qchemflow.quantum.pricing.Provider` fields).
        fault_tolerant_threshold: the double-factorisation truncation threshold.
        classical_core: ``usd_per_hour``, ``source``, ``date`` of one cloud CPU core.
    """

    tapering: bool
    excitation_circuit: str
    gate_sets: tuple[str, ...]
    grouping: str
    target_error_hartree: float
    repeats: int
    seed: int
    gate_times: dict[str, dict[str, Any]]
    providers: dict[str, dict[str, Any]]
    fault_tolerant_threshold: float
    classical_core: dict[str, Any]
