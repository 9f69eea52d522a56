"""Noise columns, the plain sentence against CASCI and CCSD(T), and the error-rate scan plot,
from a hand-made noise record (every offset from CASCI set here, so every error is known)."""

import pytest

from qchemflow.analysis.noise_effects import (covers_full_space, noise_columns, noise_models,
                                              noise_sentence, scan_errors, scan_series)
from qchemflow.analysis.report import plot_noise
from qchemflow.core.record_models import validate_record
from qchemflow.core.records import write_record

CASCI = -1.1373060357533986  # set by hand: every energy below is CASCI + an offset
PROVENANCE = {"versions": {}, "config_hash": None, "input_hash": None, "seed": None,
              "git_commit": None}


def noise_record(molecule_id="H2", casci=CASCI, n_qubits=4, scan=True, **changes):
    """A valid ``noise.json`` record (checked against NoiseRecord), energies CASCI + offsets:
    noiseless +0.002 mHa, noisy +12.1 ± 0.1, readout +5.2 ± 0.12 (1.44× the shots),
    post-selection +4.1 ± 0.11 (1.21×), ZNE +0.9 ± 0.1 (25×), linear ZNE +3.0, SQD +0.0 in
    the whole 4-determinant space. ``changes`` replace top-level fields; ``zne``, ``sqd``
    and ``noiseless`` (an offset in Hartree) reach inside."""
    zne = {"energy": casci + 0.0009, "std": 1e-4, "expectation": casci + 0.0008,
           "shot_overhead": 25.0, "shots": 2500, "weights": [1.875, -1.25, 0.375],
           "qpu_time_overhead": 60.0, "extrapolation": "richardson",
           "linear": {"energy": casci + 0.003, "std": 8e-5, "expectation": casci + 0.0029,
                      "shot_overhead": 4.0, "shots": 400, "weights": [1.1, 0.2, -0.3],
                      "qpu_time_overhead": 9.0},
           "scale_factors": [1.0, 3.0, 5.0], "scaled_expectations": [casci + 0.005] * 3,
           "folding": "mitiq.zne.scaling.fold_global", "two_qubit_gates": [2, 6, 10],
           "combined_with": "readout"}
    zne.update(changes.pop("zne", {}))
    sqd = {"energy": casci, "s2": 0.0, "subspace_dimension": 4, "full_dimension": 4,
           "shots": 100000, "valid_fraction": 0.98, "iterations": [], "covers_full_space": True,
           "variational": "an upper bound to CASCI"}
    sqd.update(changes.pop("sqd", {}))
    fields = {
        "noise_model": {"preset": "depolarizing", "source": "the textbook benchmark model",
                        "one_qubit_depolarizing": 1e-4, "two_qubit_depolarizing": 1e-3,
                        "readout_error": 0.01, "t1_us": None, "t2_us": None,
                        "single_qubit_s": 2.5e-8, "two_qubit_s": 4.2e-8, "serial": False,
                        "gate_set": "cz"},
        "simulation": {"method": "density_matrix", "trajectories": None, "n_qubits": n_qubits,
                       "excitation_circuit": "givens", "two_qubit_gates": 2,
                       "single_qubit_gates": 7, "moments": 6, "expected_gate_errors": 0.0027,
                       "routing": "not simulated",
                       "seed": 42},
        "noiseless_energy": casci + changes.pop("noiseless", 2e-6),
        "vqe_energy": casci + 2e-6,
        "noisy_expectation": casci + 0.012,
        "noisy_energy": casci + 0.0121,
        "noisy_std": 1e-4,
        "trajectory_error": 0.0,
        "shots": 100,
        "target_error_hartree": 1e-4,
        "n_groups": 5,
        "mitigated": {
            "readout": {"energy": casci + 0.0052, "std": 1.2e-4, "expectation": casci + 0.005,
                        "shot_overhead": 1.44, "shots": 144, "readout_error": 0.01},
            "post_selection": {"energy": casci + 0.0041, "std": 1.1e-4,
                               "expectation": casci + 0.004, "shot_overhead": 1.21,
                               "shots": 121, "groups_post_selected": 1, "acceptance": 0.97,
                               "selects": "alpha and beta electron numbers"},
            "zne": zne},
        "sqd": sqd,
        # per rate: noisy +1.0 / +10.0 mHa, ZNE +0.1 / +2.0 mHa (trajectory errors 0.5 / 0.2)
        "scan": [{"two_qubit_depolarizing": 1e-4, "expected_gate_errors": 0.0009,
                  "noisy_expectation": casci + 0.001,
                  "noisy_error": 5e-4, "zne_expectation": casci + 0.0001, "zne_error": 2e-4},
                 {"two_qubit_depolarizing": 1e-3, "expected_gate_errors": 0.0027,
                  "noisy_expectation": casci + 0.01,
                  "noisy_error": 5e-4, "zne_expectation": casci + 0.002, "zne_error": 2e-4}
                 ] if scan else [],
        "memory_estimate_mb": 1.0,
        "wall_s": 3.5,
    }
    fields.update(changes)
    record = {"id": molecule_id, "stage": "noise", "status": "ok", "provenance": PROVENANCE,
              **fields}
    validate_record(record, "hand-made noise.json")
    return record


ENERGIES = {"casci": CASCI, "ccsd_t_active": CASCI - 5e-7}


def row(record=None, energies=ENERGIES, energy_usd=2.0, ccsd_t_mha=-0.0005):
    """A summary row as summary_row builds it: id, status, CCSD(T)'s error, noise columns."""
    return {"id": "H2", "status": "ok", "ccsd_t_active_error_mha": ccsd_t_mha,
            **noise_columns(record or noise_record(), energies, energy_usd)}


def test_columns_from_a_hand_made_record():
    columns = noise_columns(noise_record(), ENERGIES, energy_usd=2.0)
    expected = {  # each: the record's offset from CASCI (noise_record) in mHa
        "noiseless_error_mha": 0.002, "noisy_error_mha": 12.1, "noisy_std_mha": 0.1,
        "readout_error_mha": 5.2, "readout_std_mha": 0.12, "readout_shot_overhead": 1.44,
        "post_selection_error_mha": 4.1, "post_selection_std_mha": 0.11,
        "post_selection_shot_overhead": 1.21, "zne_error_mha": 0.9, "zne_std_mha": 0.1,
        "zne_shot_overhead": 25.0, "zne_linear_error_mha": 3.0, "sqd_error_mha": 0.0,
        "sqd_s2": 0.0,
        "zne_energy_usd": 50.0,  # energy_usd 2.0 × ZNE shot overhead 25
        "noise_two_qubit_rate": 1e-3, "noise_wall_s": 3.5}
    assert {key: columns[key] for key in expected} == pytest.approx(expected, abs=1e-9)
    assert columns["noise_preset"] == "depolarizing"
    assert columns["noise_method"] == "density_matrix"
    assert columns["noise_two_qubit_gates"] == 2  # simulation.two_qubit_gates
    assert (columns["sqd_subspace_dimension"], columns["sqd_full_dimension"],
            columns["sqd_shots"]) == (4, 4, 100000)  # sqd's fields


def test_columns_without_casci_price_or_record():
    columns = noise_columns(noise_record(), {}, None)
    assert columns["noisy_error_mha"] is None and columns["sqd_error_mha"] is None
    assert columns["noisy_std_mha"] == pytest.approx(0.1)  # a spread needs no CASCI
    assert columns["zne_energy_usd"] is None  # no hardware price
    assert noise_columns({}, ENERGIES) == {}
    assert noise_columns({"status": "failed"}, ENERGIES) == {}


def test_sentence_when_zne_recovers_but_ccsd_t_is_there_too():
    sentence = noise_sentence(row())
    assert sentence.startswith(
        "H2: at the two-qubit error rate 0.001 (depolarizing), the noisy energy is "
        "+12.1 ± 0.1 mHa from CASCI; readout mitigation +5.2 ± 0.12 mHa, post-selection "
        "+4.1 ± 0.11 mHa, ZNE +0.9 ± 0.1 mHa at 25× the shots ($50.00 per energy).")
    assert sentence.endswith(
        "ZNE recovers chemical accuracy (2σ band counted) at 25× the shots, but CCSD(T) on the "
        "same Hamiltonian is 0.0005 mHa from CASCI, within chemical accuracy on a laptop: the "
        "quantum route does not help here.")


def test_sentence_when_zne_recovers_and_ccsd_t_does_not():
    sentence = noise_sentence(row(ccsd_t_mha=4.0))
    assert ("CCSD(T) on the same Hamiltonian is 4 mHa from CASCI, outside chemical accuracy: "
            "here the device estimate reaches what CCSD(T) does not") in sentence


def test_noise_wins_counting_the_two_sigma_band():
    # ZNE +1.75 ± 0.1 mHa: 1.75 − 2 × 0.1 = 1.55 ≤ 1.6, within chemical accuracy.
    assert "ZNE recovers" in noise_sentence(row(noise_record(zne={"energy": CASCI + 0.00175})))
    # ZNE +1.9 ± 0.1 mHa: 1.9 − 0.2 = 1.7 > 1.6, and every other estimate is further away.
    sentence = noise_sentence(row(noise_record(zne={"energy": CASCI + 0.0019})))
    assert sentence.endswith(
        "Noise wins: no mitigated estimate reaches chemical accuracy, while CCSD(T) on the same "
        "Hamiltonian is 0.0005 mHa from CASCI: CCSD(T) gets there on a laptop.")
    assert noise_sentence(row(noise_record(zne={"energy": CASCI + 0.0019}), ccsd_t_mha=None)
                          ).endswith("no CCSD(T) on the same Hamiltonian to compare with.")


def test_sentence_when_the_ansatz_limits_before_the_noise():
    # noiseless circuit +3 mHa from CASCI: no mitigation can do better than the ansatz.
    record = noise_record(zne={"energy": CASCI + 0.0035}, noiseless=0.003)
    assert "neither does the noiseless circuit (3 mHa from CASCI): the ansatz limits it" in \
        noise_sentence(row(record))


def test_sqd_in_the_whole_space_is_said_plainly():
    whole = noise_sentence(row())
    assert ("SQD from 100,000 samples: +0 mHa, ⟨S²⟩ = 0, in a subspace of 4 of 4 determinants: "
            "the samples cover the whole space, so SQD was exact diagonalisation of the full "
            "space here and says nothing about how it scales.") in whole
    part = row(noise_record(sqd={"energy": CASCI + 0.0004, "subspace_dimension": 30,
                                 "full_dimension": 400, "covers_full_space": False}))
    assert not covers_full_space(part)
    sentence = noise_sentence(part)
    assert "in a subspace of 30 of 400 determinants." in sentence  # SQD +0.4 mHa, 30 of 400
    assert "SQD from 100,000 samples: +0.4 mHa" in sentence and "how it scales" not in sentence


def test_sentence_without_a_record_or_casci():
    assert noise_sentence({"id": "x", "status": "failed:noise: did not fit"}) == \
        "x: no noise estimate (failed:noise: did not fit)."
    assert noise_sentence(row(energies={})) == (
        "H2: at the two-qubit error rate 0.001 (depolarizing), no CASCI to compare the noisy "
        "energies with.")


def write_molecule(folder, molecule_id, n_qubits, casci=CASCI, **changes):
    write_record(folder / molecule_id / "noise.json",
                 noise_record(molecule_id, casci, n_qubits, **changes))
    return {"id": molecule_id, "status": "ok", "casci": casci}


def test_scan_series_picks_the_smallest_and_the_largest(tmp_path):
    rows = [write_molecule(tmp_path, "b", 4), write_molecule(tmp_path, "a", 4),
            write_molecule(tmp_path, "mid", 8), write_molecule(tmp_path, "big", 12),
            write_molecule(tmp_path, "huge", 16, scan=False),  # no scan beyond scan_max_qubits
            {"id": "nocasci", "status": "ok", "casci": None},
            {"id": "absent", "status": "failed:noise: result file missing", "casci": CASCI}]
    write_molecule(tmp_path, "nocasci", 2)
    series = scan_series(rows, tmp_path)
    assert [(molecule_id, qubits) for molecule_id, qubits, _ in series] == [("a", 4),
                                                                             ("big", 12)]
    points = series[0][2]
    # noise_record's scan: noisy +1.0 mHa ± 0.5, ZNE +0.1 mHa ± 0.2 at rate 1e-4.
    assert points[0] == pytest.approx({"two_qubit_depolarizing": 1e-4, "noisy_error_mha": 1.0,
                                       "noisy_bar_mha": 0.5, "zne_error_mha": 0.1,
                                       "zne_bar_mha": 0.2}, abs=1e-9)
    assert scan_series(rows[1:2], tmp_path)[0][0] == "a"  # one molecule: plotted once
    assert [item[0] for item in scan_series(rows[:2], tmp_path)] == ["a"]  # a tie: "a" once
    assert scan_series([], tmp_path) == []
    assert noise_models(rows, tmp_path) == [
        "depolarizing: two-qubit depolarising 0.001, one-qubit 0.0001, readout flips 0.01, no "
        "relaxation, gate set cz; source: the textbook benchmark model"]


def test_plot_is_written_with_and_without_data(tmp_path):
    rows = [write_molecule(tmp_path, "a", 4), write_molecule(tmp_path, "big", 12)]
    plot_noise(scan_series(rows, tmp_path), tmp_path / "plots" / "noise.png")
    plot_noise([], tmp_path / "plots" / "empty.png")
    for name in ("noise.png", "empty.png"):
        assert (tmp_path / "plots" / name).read_bytes()[:4] == b"\x89PNG"


def test_scan_points_without_an_extrapolation_are_kept_without_one(tmp_path):
    # With trajectories the stage extrapolates at the configured rate only (null elsewhere).
    record = noise_record()
    record["scan"][0].update(zne_expectation=None, zne_error=None)
    validate_record(record, "noise.json")
    points = scan_errors(record["scan"], CASCI)
    assert points[0]["zne_error_mha"] is None and points[0]["zne_bar_mha"] is None
    assert points[1]["zne_error_mha"] == pytest.approx(2.0)
    plot_noise([("H2", 4, points)], tmp_path / "noise.png")
    assert (tmp_path / "noise.png").read_bytes()[:4] == b"\x89PNG"


def test_sentence_when_the_noise_does_not_decide_or_nothing_gets_there():
    # noisy +1.0 ± 0.1 mHa: already within chemical accuracy without mitigation.
    assert "The noisy energy is already within chemical accuracy of CASCI (2σ band counted)" \
        in noise_sentence(row(noise_record(noisy_energy=CASCI + 0.001)))
    # ZNE +4 mHa and CCSD(T) 4 mHa: neither reaches chemical accuracy.
    assert noise_sentence(row(noise_record(zne={"energy": CASCI + 0.004}), ccsd_t_mha=4.0)
                          ).endswith("Noise wins: no mitigated estimate reaches chemical "
                                     "accuracy; CCSD(T) on the same Hamiltonian is 4 mHa from "
                                     "CASCI, outside chemical accuracy too.")
