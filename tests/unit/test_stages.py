"""Stages as the rules run them: files in, files out, failures recorded as data."""

import json

from qchemflow.cli import main
from qchemflow.results import read_json


def test_geometry_failure_is_data_and_passed_on(tmp_path, capsys):
    out = tmp_path / "bad"
    assert main(["geometry", "--id", "bad", "--smiles", "C", "--multiplicity", "2",
                 "--output-xyz", str(out / "geometry.xyz"),
                 "--output-json", str(out / "geometry.json")]) == 0
    record = read_json(out / "geometry.json")
    assert record["status"] == "failed" and "multiplicity 2 is impossible" in record["reason"]
    assert (out / "geometry.xyz").read_text() == ""
    assert "qchemflow geometry: bad: multiplicity 2" in capsys.readouterr().err
    assert main(["scf", "--geometry-json", str(out / "geometry.json"),
                 "--geometry-xyz", str(out / "geometry.xyz"), "--basis", "sto-3g",
                 "--output-chk", str(out / "scf.chk"), "--output-json", str(out / "scf.json")]) == 0
    scf = read_json(out / "scf.json")
    assert scf["status"] == "failed" and scf["failed_stage"] == "geometry"


def test_scf_failure_is_recorded(tmp_path):
    out = tmp_path / "water"
    main(["geometry", "--id", "water", "--smiles", "O", "--output-xyz", str(out / "g.xyz"),
          "--output-json", str(out / "g.json")])
    assert main(["scf", "--geometry-json", str(out / "g.json"), "--geometry-xyz",
                 str(out / "g.xyz"), "--basis", "6-31g", "--max-cycles", "1",
                 "--output-chk", str(out / "scf.chk"), "--output-json", str(out / "scf.json")]) == 0
    record = json.loads((out / "scf.json").read_text())
    assert record["status"] == "failed" and record["reason"].startswith("SCF did not converge")


def test_full_stage_chain_from_smiles(tmp_path):
    out = tmp_path / "h2"
    main(["geometry", "--id", "h2", "--smiles", "[H][H]", "--output-xyz", str(out / "g.xyz"),
          "--output-json", str(out / "g.json")])
    main(["scf", "--geometry-json", str(out / "g.json"), "--geometry-xyz", str(out / "g.xyz"),
          "--basis", "sto-3g", "--output-chk", str(out / "scf.chk"),
          "--output-json", str(out / "scf.json")])
    main(["active-space", "--scf-json", str(out / "scf.json"), "--scf-chk", str(out / "scf.chk"),
          "--output-fcidump", str(out / "h.fcidump"), "--output-json", str(out / "a.json")])
    main(["references", "--scf-json", str(out / "scf.json"), "--scf-chk", str(out / "scf.chk"),
          "--active-space-json", str(out / "a.json"), "--fcidump", str(out / "h.fcidump"),
          "--methods", "hf", "casci", "--output-json", str(out / "r.json")])
    geometry, references = read_json(out / "g.json"), read_json(out / "r.json")
    assert geometry["canonical_smiles"] == "[H][H]" and geometry["force_field"] == "UFF"
    assert references["energies"]["mp2"] is None  # not requested
    assert references["energies"]["casci"] < references["energies"]["hf"]
    assert references["versions"]["pyscf"]
