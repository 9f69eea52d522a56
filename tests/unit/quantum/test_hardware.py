"""The hardware stage: the encoded, tapered or efficient circuit reproduces the VQE energy; the
sampled estimates have the predicted spread; costs and the fault-tolerant estimate are there."""

import json

import numpy as np
import pytest

from conftest import hardware_settings, hydrogen_chain, vqe_settings
from qchemflow.core.errors import InputError, ResourceError
from qchemflow.core.settings import RunSettings
from qchemflow.quantum.hardware import (device_circuit, excitation_circuit_kind, final_state,
                                        hardware_fields)
from qchemflow.quantum.qubit_hamiltonian import timed_qubit_hamiltonian
from qchemflow.quantum.settings import QubitSettings
from qchemflow.quantum.sector import full_space_expectation, pauli_terms_from_json
from qchemflow.quantum.vqe import run_vqe

CHEMICAL_ACCURACY = 0.0016  # Hartree


@pytest.fixture(scope="module")
def h4():
    # Linear H4 (STO-3G, 8 qubits, all orbitals active); its integrals are also the FCIDUMP's.
    h1, h2, core, fci_energy = hydrogen_chain(4, 0.9)
    return h1, h2, core, fci_energy


def quantum_records(h4, mapping):
    h1, h2, core, _ = h4
    _, qubits = timed_qubit_hamiltonian(h1, h2, core, 2, 2, QubitSettings(mapping, False))
    terms = pauli_terms_from_json(qubits["terms"], qubits["n_qubits"])
    vqe = run_vqe(terms, mapping, 4, 2, 2, vqe_settings(), RunSettings(1, 4000))
    return qubits, vqe


@pytest.mark.parametrize("mapping", ["jordan_wigner", "bravyi_kitaev", "parity"])
@pytest.mark.parametrize("tapering", [False, True])
def test_device_circuit_reproduces_the_vqe_energy(h4, mapping, tapering):
    # Identity: the encoded (and tapered) circuit simulated by Cirq, measured on the encoded
    # (and tapered) Hamiltonian over all 2^n amplitudes, gives the VQE's sector energy.
    qubits, vqe = quantum_records(h4, mapping)
    device = device_circuit(qubits["terms"], mapping, 8, vqe, "auto", tapering)
    state = final_state(device.circuit, device.n_qubits)
    assert full_space_expectation(device.terms, state) == pytest.approx(vqe["energy"], abs=1e-8)
    # Linear H4: the N_alpha and N_beta parities and the inversion centre at least.
    assert device.tapering.tapered_qubits <= 5
    assert device.n_qubits == (device.tapering.tapered_qubits if tapering else 8)
    assert device.tapered == tapering


def test_h2_record_has_every_field_and_the_predicted_spread(h2_results):
    record = json.loads((h2_results / "H2" / "hardware.json").read_text())
    assert record["status"] == "ok"
    assert record["tapered_qubits"] == 1  # Bravyi et al., arXiv:1701.08213: H2 4 -> 1
    measured = record["measurement"]
    # Identity: the spread of 100 sampled estimates is the predicted standard error (within
    # 25 %: the sample standard deviation of 100 draws has a relative spread of 7 %), and their
    # mean is the exact energy within 4 standard errors of the mean.
    assert measured["sampled_std_mha"] == pytest.approx(1000 * CHEMICAL_ACCURACY, rel=0.25)
    assert abs(measured["sampled_mean"] - measured["exact_energy"]) < (
        4 * measured["sampled_std_mha"] / 1000 / np.sqrt(measured["repeats"]))
    assert measured["one_norm_shots"] > measured["shots_for_chemical_accuracy"]
    for gate_set in ("cz", "sqrt_iswap", "xx"):
        compiled = record["compiled"][gate_set]
        assert compiled["two_qubit_gates"] > 0 and compiled["duration_s"] > 0
        assert (compiled["swaps_line"] is None) == (gate_set == "xx")
    assert set(record["cost"]) >= {"braket_ionq_forte", "ibm_pay_as_you_go"}
    for cost in record["cost"].values():
        assert cost["vqe_usd"] == pytest.approx(cost["energy_usd"]
                                                * record["vqe_energy_evaluations"])
    assert record["fault_tolerant"]["toffolis"] > 0
    assert record["fault_tolerant"]["logical_qubits"] > 4


def test_efficient_circuits_cut_the_two_qubit_gates(h4):
    from qchemflow.quantum.compilation import compile_circuit, count_gates

    qubits, vqe = quantum_records(h4, "jordan_wigner")
    counts = {}
    for kind in ("pauli", "efficient"):
        device = device_circuit(qubits["terms"], "jordan_wigner", 8, vqe, kind, False)
        state = final_state(device.circuit, 8)
        assert full_space_expectation(device.terms, state) == pytest.approx(vqe["energy"],
                                                                            abs=1e-8)
        counts[kind] = count_gates(compile_circuit(device.circuit, "cz"))[0]
    assert counts["efficient"] < counts["pauli"]


def test_whole_record_for_h4_parity_tapered_commuting_groups(h4):
    h1, h2, _, _ = h4
    qubits, vqe = quantum_records(h4, "parity")
    fields = hardware_fields(qubits["terms"], "parity", 8, vqe, h1, h2,
                             hardware_settings(tapering=True, repeats=200,
                                               grouping="commuting"), 4000)
    assert abs(fields["circuit_check"]["difference"]) < 1e-8
    measured = fields["measurement"]
    assert measured["exact_energy"] == pytest.approx(vqe["energy"], abs=1e-8)
    assert fields["compiled"]["cz"]["n_qubits"] <= fields["device_qubits"] < 8
    # Identity: the spread of the sampled estimates is the predicted standard error (200
    # repeats: the sample standard deviation has a relative spread of 5 %).
    assert measured["sampled_std_mha"] == pytest.approx(measured["predicted_std_mha"], rel=0.2)
    # Fully commuting groups are fewer than qubit-wise ones on the same tapered Hamiltonian.
    from qchemflow.quantum.hardware import device_circuit, grouped_statistics

    device = device_circuit(qubits["terms"], "parity", 8, vqe, "auto", True)
    qubit_wise, _ = grouped_statistics(device.terms, final_state(device.circuit,
                                                                 device.n_qubits), "qubit_wise")
    assert measured["n_groups"] < len(qubit_wise)


def test_settings_that_do_not_apply_and_memory_are_refused(h4):
    assert excitation_circuit_kind("auto", "parity", False) == "pauli"
    assert excitation_circuit_kind("auto", "jordan_wigner", True) == "pauli"
    assert excitation_circuit_kind("auto", "jordan_wigner", False) == "efficient"
    with pytest.raises(InputError, match="excitation_circuit: efficient"):
        excitation_circuit_kind("efficient", "bravyi_kitaev", False)
    h1, h2, _, _ = h4
    qubits, vqe = quantum_records(h4, "jordan_wigner")
    with pytest.raises(ResourceError, match="state vector"):
        hardware_fields(qubits["terms"], "jordan_wigner", 8, vqe, h1, h2, hardware_settings(),
                        0.001)


def test_only_the_chosen_gate_sets_are_compiled_and_priced(h4):
    from qchemflow.analysis.hardware_costs import hardware_columns

    h1, h2, _, _ = h4
    qubits, vqe = quantum_records(h4, "jordan_wigner")
    fields = hardware_fields(qubits["terms"], "jordan_wigner", 8, vqe, h1, h2,
                             hardware_settings(gate_sets=("xx",), repeats=5), 4000)
    assert set(fields["compiled"]) == {"xx"}
    assert fields["cost"] and {cost["gate_set"] for cost in fields["cost"].values()} == {"xx"}
    columns = hardware_columns({**fields, "status": "ok"}, {"status": "failed"})
    assert columns["cz_two_qubit_gates"] is None and columns["xx_two_qubit_gates"] > 0
    assert columns["energy_usd"] > 0 and columns["ccsd_t_active_wall_s"] is None
