import csv

from qchemflow.core.records import failure_record, stage_record, write_json_atomic
from qchemflow.analysis.summary import COLUMNS, molecule_status, summarise


def test_status_names_the_first_failed_stage():
    records = {"geometry": stage_record("geometry", "m"),
               "scf": failure_record("scf", "m", "SCF did not converge"),
               "active_space": failure_record("active_space", "m", "SCF did not converge", "scf"),
               "references": failure_record("references", "m", "SCF did not converge", "scf")}
    assert molecule_status(records) == "failed:scf: SCF did not converge"
    assert molecule_status({}) == "failed:geometry: result file missing"


def test_summary_has_a_row_per_molecule_and_refused_row(tmp_path):
    folder = tmp_path / "good"
    write_json_atomic(folder / "geometry.json", stage_record("geometry", "good", formula="H2"))
    write_json_atomic(folder / "scf.json", stage_record("scf", "good", basis="sto-3g"))
    write_json_atomic(folder / "active_space.json", stage_record("active_space", "good",
                                                                 n_qubits=4, flags=[]))
    write_json_atomic(folder / "qubit_hamiltonian.json", stage_record("qubits", "good",
                                                                      n_terms=15))
    write_json_atomic(folder / "vqe.json", stage_record(
        "vqe", "good", energy=-1.1373060357533986 + 1e-4, n_parameters=2,
        circuit={"n_two_qubit_gates": 64, "depth": 100}))
    write_json_atomic(folder / "references.json", stage_record(
        "references", "good", energies={"casci": -1.1373060357533986,
                                        "ccsd_active": -1.1373060357533986 + 2e-3},
        flags=["x"]))
    rows = summarise(tmp_path, ["good"], [("bad", "row 2 (id 'bad'): SMILES ...")],
                     tmp_path / "summary.csv")
    assert len(rows) == 2
    with open(tmp_path / "summary.csv") as stream:
        table = list(csv.DictReader(stream))
    assert list(table[0]) == list(COLUMNS)
    assert table[0]["status"] == "ok" and table[0]["n_qubits"] == "4"
    assert float(table[0]["casci"]) == -1.1373060357533986  # full precision
    assert abs(float(table[0]["ccsd_active_error_mha"]) - 2.0) < 1e-9
    assert abs(float(table[0]["vqe_error_mha"]) - 0.1) < 1e-9
    assert table[0]["chemical_accuracy"] == "True" and table[0]["n_two_qubit_gates"] == "64"
    assert table[1]["status"].startswith("failed:input: row 2")
