"""The quantum stages' settings objects, in a module of their own so that building them (the
workflow does, for every job) never imports OpenFermion or Cirq."""

from __future__ import annotations

from dataclasses import dataclass


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
