"""Hardware columns and the plain sentence against CCSD(T) on the same Hamiltonian."""

import json

import pytest

from qchemflow.analysis.hardware_costs import (cheapest_provider, hardware_columns,
                                               hardware_sentence, money)

CASCI = -7.88


def row(**changes):
    base = {"id": "LiH", "status": "ok", "n_qubits": 12, "tapered_qubits": 8,
            "shots_chemical_accuracy": 350429, "measurement_groups": 179,
            "energy_usd": 269.8, "cheapest_provider": "ibm_pay_as_you_go",
            "energy_usd_highest": 1.86e7, "vqe_usd": 7.2e5, "vqe_energies": 2670,
            "ccsd_t_active_wall_s": 0.0011, "ccsd_t_active_usd": 1.2e-8, "casci": CASCI,
            "ccsd_t_active": CASCI + 2.4e-6, "vqe": CASCI + 1e-8}
    base.update(changes)
    return base


def test_sentence_says_when_the_quantum_route_does_not_help():
    sentence = hardware_sentence(row())
    assert sentence.startswith("LiH (12 qubits, 8 after tapering): one energy to 1.6 mHa needs "
                               "3.5e+05 shots in 179 measurement circuits, from $270 "
                               "(ibm_pay_as_you_go) to $1.9e+07")
    assert "within chemical accuracy: the quantum route does not help here." in sentence


def test_sentence_says_when_it_helps_and_when_nothing_compares():
    helps = hardware_sentence(row(ccsd_t_active=CASCI + 0.005))
    assert "CCSD(T) on the same Hamiltonian" in helps and "5 mHa from CASCI" in helps
    assert "the quantum route improves on CCSD(T) here" in helps
    same = hardware_sentence(row(ccsd_t_active=CASCI + 0.005, vqe=CASCI + 0.006))
    assert "the VQE does no better: the quantum route does not help here." in same
    assert "No classical CCSD(T)" in hardware_sentence(row(ccsd_t_active=None))
    assert hardware_sentence({"id": "x", "status": "failed:vqe: no"}) == \
        "x: no hardware estimate (failed:vqe: no)."


def test_money():
    assert [money(v) for v in (12.3456, 269.8, 3.5e7, 1.2e-8)] == \
        ["$12.35", "$270", "$3.5e+07", "$1.2e-08"]


def test_columns_from_real_records(h2_results):
    hardware = json.loads((h2_results / "H2" / "hardware.json").read_text())
    references = json.loads((h2_results / "H2" / "references.json").read_text())
    columns = hardware_columns(hardware, references)
    name, cheapest = cheapest_provider(hardware)
    assert columns["cheapest_provider"] == name
    assert columns["energy_usd"] == cheapest["energy_usd"] <= columns["energy_usd_highest"]
    # CCSD(T) cost: its wall time on one core at the configured price per hour.
    assert columns["ccsd_t_active_usd"] == pytest.approx(
        references["wall_s"]["ccsd_t_active"] * hardware["classical_core"]["usd_per_hour"]
        / 3600)
    assert hardware_columns({"status": "failed"}, references) == {}
