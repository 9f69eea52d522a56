"""summary.csv: one row per molecule and refused row; errors against CASCI computed here, from
the records (the VQE never sees the references)."""

import csv
import shutil

from qchemflow.analysis.summary import (COLUMNS, HARDWARE_COLUMNS, NOISE_COLUMNS,
                                        molecule_status, stability_label, summarise)
from qchemflow.core.records import failure_record, read_record, stage_record, write_record


def test_status_names_the_first_failed_stage():
    records = {"geometry": stage_record("geometry", "m"),
               "scf": failure_record("scf", "m", "SCF did not converge"),
               "active_space": failure_record("active_space", "m", "SCF did not converge", "scf"),
               "references": failure_record("references", "m", "SCF did not converge", "scf")}
    assert molecule_status(records) == "failed:scf: SCF did not converge"
    assert molecule_status({}) == "failed:geometry: result file missing"


def test_summary_has_a_row_per_molecule_and_refused_row(h2_results, tmp_path):
    shutil.copytree(h2_results / "H2", tmp_path / "good")
    folder = tmp_path / "good"
    casci = -1.1373060357533986  # set by hand: the errors below are exact differences
    references = read_record(folder / "references.json")
    references["energies"].update(casci=casci, ccsd_active=casci + 2e-3, ccsd_t_active=None)
    write_record(folder / "references.json", references)
    vqe = read_record(folder / "vqe.json")
    vqe["energy"] = casci + 1e-4
    write_record(folder / "vqe.json", vqe)
    rows = summarise(tmp_path, ["good"], [("bad", "row 2 (id 'bad'): SMILES ...")],
                     tmp_path / "summary.csv")
    assert len(rows) == 2
    with open(tmp_path / "summary.csv") as stream:
        table = list(csv.DictReader(stream))
    assert list(table[0]) == list(COLUMNS)
    assert table[0]["status"] == "ok" and table[0]["n_qubits"] == "4"
    assert float(table[0]["casci"]) == casci  # full precision
    assert abs(float(table[0]["ccsd_active_error_mha"]) - 2.0) < 1e-9
    assert table[0]["ccsd_t_active_error_mha"] == ""  # not computed: empty, not zero
    assert abs(float(table[0]["vqe_error_mha"]) - 0.1) < 1e-9
    assert table[0]["chemical_accuracy"] == "True"
    assert table[0]["n_two_qubit_gates"] == str(vqe["circuit"]["n_two_qubit_gates"])
    assert table[1]["status"].startswith("failed:input: row 2")
    # The noise columns: errors against the CASCI set above, the ZNE price from the hardware's.
    noise = read_record(folder / "noise.json")
    assert table[0]["noise_preset"] == noise["noise_model"]["preset"]
    assert float(table[0]["noisy_error_mha"]) == (noise["noisy_energy"] - casci) * 1000
    assert float(table[0]["zne_error_mha"]) == \
        (noise["mitigated"]["zne"]["energy"] - casci) * 1000
    assert float(table[0]["sqd_error_mha"]) == (noise["sqd"]["energy"] - casci) * 1000
    assert float(table[0]["zne_energy_usd"]) == \
        float(table[0]["energy_usd"]) * noise["mitigated"]["zne"]["shot_overhead"]
    # The VQE outside chemical accuracy reads False.
    vqe["energy"] = casci + 2e-3
    write_record(folder / "vqe.json", vqe)
    rows = summarise(tmp_path, ["good"], [], tmp_path / "summary.csv")
    assert rows[0]["chemical_accuracy"] is False


def test_noise_columns_follow_the_hardware_columns():
    start = COLUMNS.index(HARDWARE_COLUMNS[0])
    assert COLUMNS[start:start + len(HARDWARE_COLUMNS) + len(NOISE_COLUMNS) + 1] == \
        (*HARDWARE_COLUMNS, *NOISE_COLUMNS, "flags")
    assert len(set(COLUMNS)) == len(COLUMNS)


def test_stability_label_says_what_was_found():
    assert stability_label(None) == "not analysed"
    record = {"internal_stable": True, "external_stable": False, "followed": 1,
              "energy_lowering": 0.0103}
    assert stability_label(record) == ("followed 1 internal instability (-10.3 mHa), stable, "
                                       "unstable towards UHF")


def test_cbs_columns_and_a_failed_cbs_job_that_loses_nothing(h2_results, tmp_path):
    # Identity: the VQE (and CASCI) in CCSD(T)/CBS replace CCSD(T)'s active-space part.
    shutil.copytree(h2_results / "H2", tmp_path / "H2")
    folder = tmp_path / "H2"
    cbs = read_record(folder / "cbs.json")
    energies = read_record(folder / "references.json")["energies"]
    vqe = read_record(folder / "vqe.json")["energy"]
    row = summarise(tmp_path, ["H2"], [], tmp_path / "summary.csv")[0]
    assert row["ccsd_t_cbs"] == cbs["ccsd_t_cbs"]
    assert row["vqe_in_ccsd_t_cbs"] == cbs["ccsd_t_cbs"] - energies["ccsd_t_active"] + vqe
    assert row["casci_in_ccsd_t_cbs"] == (cbs["ccsd_t_cbs"] - energies["ccsd_t_active"]
                                          + energies["casci"])
    # A cbs job refused (e.g. by a memory guard) leaves every other method of the row intact.
    write_record(folder / "cbs.json", {**failure_record("cbs", "H2", "needs 90000 MB"),
                                       "provenance": cbs["provenance"]})
    failed = summarise(tmp_path, ["H2"], [], tmp_path / "summary.csv")[0]
    assert failed["status"] == "ok"
    assert failed["ccsd_t_cbs"] is None and failed["vqe_in_ccsd_t_cbs"] is None
    assert failed["ccsd_t"] == energies["ccsd_t"] and failed["vqe"] == vqe
    # Without the stage (cbs.enabled false) the columns are empty too.
    (folder / "cbs.json").unlink()
    assert summarise(tmp_path, ["H2"], [], tmp_path / "summary.csv")[0]["ccsd_t_cbs"] is None
