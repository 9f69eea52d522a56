"""What running the measured circuit costs on a provider's quantum computer: tasks, shots, QPU
seconds and US dollars, from a dated, user-editable price table (config ``hardware.providers``).

Providers price in four ways, all supported by one formula per submitted task (one task per
measurement group and per ``max_shots_per_task`` shots; C shots, N1 and N2 one- and two-qubit
gates, Nm state preparations and measurements, t the circuit's duration and s the per-shot
overhead such as reset and repetition delay):

    usd = usd_per_task + C * usd_per_shot                       (Amazon Braket)
        + C * (N1 * usd_per_one_qubit_gate_shot + N2 * usd_per_two_qubit_gate_shot)
                                                                (Azure Quantum IonQ AQT, with
                                                                 its per-program m as per task)
        + HQC * usd_per_hqc,  HQC = 5 + C (N1 + 10 N2 + 5 Nm) / 5000
                                                                (Quantinuum H-system credits)
        + C (t + s) * usd_per_qpu_second                        (IBM, Rigetti on Azure)

The formula constants (5, 10, 5, 5000) are Quantinuum's published HQC formula (Azure Quantum
pricing documentation); every price comes from the config, with its source and date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

HQC_PER_TASK = 5.0
HQC_TWO_QUBIT_WEIGHT = 10.0
HQC_MEASUREMENT_WEIGHT = 5.0
HQC_DIVISOR = 5000.0


@dataclass(frozen=True)
class Provider:
    """One row of the price table (``hardware.providers`` in the config)."""

    name: str
    device: str
    gate_set: str
    usd_per_task: float
    usd_per_shot: float
    usd_per_one_qubit_gate_shot: float
    usd_per_two_qubit_gate_shot: float
    usd_per_hqc: float
    usd_per_qpu_second: float
    shot_overhead_s: float
    max_shots_per_task: int | None
    source: str
    date: str


def providers_from_settings(table: dict[str, dict[str, Any]]) -> list[Provider]:
    """The price table's rows as :class:`Provider` objects, in the table's order."""
    return [Provider(name=name, **row) for name, row in table.items()]


@dataclass(frozen=True)
class CircuitCost:
    """What one submitted circuit needs: qubits, gates and duration of one shot."""

    n_qubits: int
    one_qubit_gates: int
    two_qubit_gates: int
    duration_s: float


@dataclass(frozen=True)
class Charge:
    """Tasks, shots, QPU seconds, H-system credits and US dollars."""

    tasks: int
    shots: int
    qpu_seconds: float
    hqc: float
    usd: float


def group_charge(provider: Provider, circuit: CircuitCost, shots: int,
                 basis_gates: tuple[int, int]) -> Charge:
    """The charge for measuring one group with ``shots`` shots (``basis_gates``: the one- and
    two-qubit gates of its basis change before the readout)."""
    tasks = (math.ceil(shots / provider.max_shots_per_task)
             if provider.max_shots_per_task else 1)
    one_qubit = circuit.one_qubit_gates + basis_gates[0]
    two_qubit = circuit.two_qubit_gates + basis_gates[1]
    seconds = shots * (circuit.duration_s + provider.shot_overhead_s)
    hqc = (tasks * HQC_PER_TASK + shots * (one_qubit + HQC_TWO_QUBIT_WEIGHT * two_qubit
                                           + HQC_MEASUREMENT_WEIGHT * 2 * circuit.n_qubits)
           / HQC_DIVISOR) if provider.usd_per_hqc else 0.0
    usd = (tasks * provider.usd_per_task + shots * provider.usd_per_shot
           + shots * (one_qubit * provider.usd_per_one_qubit_gate_shot
                      + two_qubit * provider.usd_per_two_qubit_gate_shot)
           + hqc * provider.usd_per_hqc + seconds * provider.usd_per_qpu_second)
    return Charge(tasks, shots, seconds, hqc, usd)


def energy_charge(provider: Provider, circuit: CircuitCost, shots_per_group: list[int],
                  basis_gates_per_group: list[tuple[int, int]]) -> Charge:
    """The charge for one energy: every group measured with its shots."""
    charges = [group_charge(provider, circuit, shots, basis)
               for shots, basis in zip(shots_per_group, basis_gates_per_group)]
    return Charge(sum(c.tasks for c in charges), sum(c.shots for c in charges),
                  sum(c.qpu_seconds for c in charges), sum(c.hqc for c in charges),
                  sum(c.usd for c in charges))


def energies_per_vqe(energy_evaluations: int, gradient_evaluations: int, n_parameters: int
                     ) -> int:
    """Energy estimates the VQE as it ran would need on a device: its energy evaluations, and
    two per parameter for each gradient (the parameter-shift rule; a lower bound where one
    parameter drives several gates)."""
    return energy_evaluations + 2 * n_parameters * gradient_evaluations
