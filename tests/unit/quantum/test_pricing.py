"""The price formula against each provider's published pricing, worked by hand."""

import pytest

from qchemflow.quantum.pricing import (CircuitCost, Provider, energies_per_vqe, energy_charge,
                                       group_charge, providers_from_settings)

CIRCUIT = CircuitCost(n_qubits=12, one_qubit_gates=300, two_qubit_gates=150, duration_s=1e-3)


def provider(**prices):
    row = dict(device="test", gate_set="cz", usd_per_task=0.0, usd_per_shot=0.0,
               usd_per_one_qubit_gate_shot=0.0, usd_per_two_qubit_gate_shot=0.0, usd_per_hqc=0.0,
               usd_per_qpu_second=0.0, shot_overhead_s=0.0, max_shots_per_task=None,
               source="test", date="2026-12-01")
    row.update(prices)
    return providers_from_settings({"test": row})[0]


def test_braket_per_task_and_per_shot():
    # Amazon Braket pricing page: $0.30 per task + $0.03 per shot (IonQ Aria); 1000 shots.
    charge = group_charge(provider(usd_per_task=0.30, usd_per_shot=0.03), CIRCUIT, 1000, (0, 0))
    assert charge.usd == pytest.approx(0.30 + 1000 * 0.03)
    assert charge.tasks == 1


def test_azure_ionq_gate_shots():
    # Azure Quantum pricing: AQT = m + 0.000220 N1q C + 0.000975 N2q C, m = 12.4166 (error
    # mitigation off). Qpu-prices note: 12 qubits, 150 two-qubit gates, 1e6 shots ~ $212k with
    # 300 one-qubit gates: 12.4166 + 0.00022*300*1e6 + 0.000975*150*1e6 = 212 262.4166.
    ionq = provider(usd_per_task=12.4166, usd_per_one_qubit_gate_shot=0.000220,
                    usd_per_two_qubit_gate_shot=0.000975)
    assert group_charge(ionq, CIRCUIT, 10 ** 6, (0, 0)).usd == pytest.approx(212262.4166)


def test_quantinuum_hqc():
    # HQC = 5 + C (N1q + 10 N2q + 5 Nm) / 5000 with Nm = 24 (12 preparations, 12 measurements):
    # 5 + 1e6 (300 + 1500 + 120) / 5000 = 384 005.
    charge = group_charge(provider(usd_per_hqc=13.5), CIRCUIT, 10 ** 6, (0, 0))
    assert charge.hqc == pytest.approx(384005.0)
    assert charge.usd == pytest.approx(384005.0 * 13.5)


def test_per_second_and_task_splitting():
    # 25 000 shots at 1 ms + 0.25 ms each on $1.60/s, at most 10 000 shots per task: 3 tasks.
    charge = group_charge(provider(usd_per_qpu_second=1.60, shot_overhead_s=2.5e-4,
                                   max_shots_per_task=10000, usd_per_task=0.3), CIRCUIT, 25000, (0, 0))
    assert charge.tasks == 3
    assert charge.qpu_seconds == pytest.approx(25000 * 1.25e-3)
    assert charge.usd == pytest.approx(3 * 0.3 + 25000 * 1.25e-3 * 1.60)


def test_energy_sums_groups_and_vqe_counts_parameter_shifts():
    braket = provider(usd_per_task=0.30, usd_per_shot=0.001)
    charge = energy_charge(braket, CIRCUIT, [100, 200, 300], [(0, 0), (2, 0), (4, 3)])
    assert (charge.tasks, charge.shots) == (3, 600)
    assert charge.usd == pytest.approx(3 * 0.30 + 600 * 0.001)
    # Basis-change gates are charged where gates are: 3 extra two-qubit gates on 300 shots.
    gates = provider(usd_per_two_qubit_gate_shot=0.001)
    plain = energy_charge(gates, CIRCUIT, [300], [(0, 0)]).usd
    assert energy_charge(gates, CIRCUIT, [300], [(4, 3)]).usd == pytest.approx(
        plain + 300 * 3 * 0.001)
    # 20 energies and 20 gradients of 44 parameters: 20 + 2 * 44 * 20 energies.
    assert energies_per_vqe(20, 20, 44) == 1780
