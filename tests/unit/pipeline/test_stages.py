"""Stages as the rules run them: the CLI with one settings argument, files in, files out,
failures recorded as data."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from packaging.version import Version

from qchemflow.chemistry.cbs import CBSSettings
from qchemflow.chemistry.molecules import MoleculeSpec
from qchemflow.core.records import read_json
from qchemflow.core.settings import RunSettings
from qchemflow.pipeline import stages
from qchemflow.pipeline.cli import main
from qchemflow.pipeline.settings import stage_settings_json

from conftest import BY_HAND, default_config, installed_versions

RUN_FILE = ('{"provenance": {"config_hash": "abc", "seed": 42, "git_commit": "0123456789"},'
            ' "checkpoint_every": 0}')


def spec(molecule_id, smiles, multiplicity=1, basis="sto-3g", scf_max_cycles=100):
    return MoleculeSpec(id=molecule_id, row=1, smiles=smiles, xyz=None, charge=0,
                        multiplicity=multiplicity, basis=basis, cartesian=False, frozen_core=True,
                        active_electrons=None, active_orbitals=None,
                        scf_max_cycles=scf_max_cycles, n_active_orbitals=2)


def stage(name, molecule, *paths):
    """Run one stage command as its rule does; returns the exit code."""
    command = name.replace("_", "-")
    run_file = Path(paths[-1]).parent / "run.json"  # as the workflow writes it
    run_file.parent.mkdir(parents=True, exist_ok=True)
    run_file.write_text(RUN_FILE)
    return main([command, "--settings", stage_settings_json(name, molecule, default_config()),
                 "--run", str(run_file), *paths])


def test_geometry_failure_is_data_and_passed_on(tmp_path, caplog):
    out = tmp_path / "bad"
    bad = spec("bad", "C", multiplicity=2)
    assert stage("geometry", bad, "--output-xyz", str(out / "geometry.xyz"),
                 "--output-json", str(out / "geometry.json")) == 0
    record = read_json(out / "geometry.json")
    assert record["status"] == "failed" and "multiplicity 2 is impossible" in record["reason"]
    assert (out / "geometry.xyz").read_text() == ""
    assert "geometry: bad: multiplicity 2" in caplog.text  # one line in the job log
    assert stage("scf", bad, "--geometry-json", str(out / "geometry.json"),
                 "--geometry-xyz", str(out / "geometry.xyz"), "--output-chk",
                 str(out / "scf.chk"), "--output-json", str(out / "scf.json")) == 0
    scf = read_json(out / "scf.json")
    assert scf["status"] == "failed" and scf["failed_stage"] == "geometry"


def test_scf_failure_is_recorded(tmp_path):
    out = tmp_path / "water"
    water = spec("water", "O", basis="6-31g", scf_max_cycles=1)
    assert stage("geometry", water, "--output-xyz", str(out / "g.xyz"),
                 "--output-json", str(out / "g.json")) == 0
    assert stage("scf", water, "--geometry-json", str(out / "g.json"), "--geometry-xyz",
                 str(out / "g.xyz"), "--output-chk", str(out / "scf.chk"),
                 "--output-json", str(out / "scf.json")) == 0
    record = json.loads((out / "scf.json").read_text())
    assert record["status"] == "failed" and record["reason"].startswith("SCF did not converge")


def test_full_stage_chain_from_smiles(tmp_path):
    out = tmp_path / "h2"
    h2 = spec("h2", "[H][H]")
    files = {"g": out / "g.json", "xyz": out / "g.xyz", "scf": out / "scf.json",
             "chk": out / "scf.chk", "fcidump": out / "h.fcidump", "a": out / "a.json",
             "r": out / "r.json", "q": out / "q.json", "v": out / "v.json"}
    paths = {key: str(path) for key, path in files.items()}
    assert stage("geometry", h2, "--output-xyz", paths["xyz"], "--output-json", paths["g"]) == 0
    assert stage("scf", h2, "--geometry-json", paths["g"], "--geometry-xyz", paths["xyz"],
                 "--output-chk", paths["chk"], "--output-json", paths["scf"]) == 0
    assert stage("active_space", h2, "--scf-json", paths["scf"], "--scf-chk", paths["chk"],
                 "--output-fcidump", paths["fcidump"], "--output-json", paths["a"]) == 0
    assert stage("references", h2, "--scf-json", paths["scf"], "--scf-chk", paths["chk"],
                 "--active-space-json", paths["a"], "--fcidump", paths["fcidump"],
                 "--output-json", paths["r"]) == 0
    assert stage("qubits", h2, "--active-space-json", paths["a"], "--fcidump", paths["fcidump"],
                 "--output-json", paths["q"]) == 0
    assert stage("vqe", h2, "--qubit-hamiltonian-json", paths["q"], "--fcidump", paths["fcidump"],
                 "--output-json", paths["v"]) == 0
    records = {key: read_json(files[key]) for key in ("g", "scf", "a", "r", "q", "v")}
    assert [record["status"] for record in records.values()] == ["ok"] * 6
    geometry, energies, vqe = records["g"], records["r"]["energies"], records["v"]
    assert geometry["canonical_smiles"] == "[H][H]" and geometry["force_field"] == "UFF"
    # The energies against PySCF run directly on the geometry the chain wrote (RHF, and FCI,
    # which for H2 in STO-3G is also CASCI, and CCSD: exact for two electrons).
    from pyscf import fci, gto, scf

    molecule = gto.M(atom=paths["xyz"], basis="sto-3g", verbose=0)
    hartree_fock = scf.RHF(molecule).run(conv_tol=1e-12)
    exact = fci.FCI(hartree_fock).kernel()[0]
    assert energies["hf"] == pytest.approx(hartree_fock.e_tot, abs=1e-9)
    for method in ("ccsd", "ccsd_t", "casci", "fci"):
        assert energies[method] == pytest.approx(exact, abs=1e-8), method
    assert exact < hartree_fock.e_tot - 0.01  # H2's correlation energy is about 20 mHa
    assert vqe["energy"] == pytest.approx(exact, abs=1e-8)  # the VQE reaches the exact energy
    # Every record carries the run's provenance as the workflow passed it (RUN_FILE), the
    # molecule's input hash (SHA-256 of the canonical SMILES, set by the geometry stage and
    # carried through), and the versions the packages themselves report.
    versions = installed_versions()
    for name, record in records.items():
        origin = record["provenance"]
        assert (origin["config_hash"], origin["seed"], origin["git_commit"]) == (
            "abc", 42, "0123456789"), name
        assert origin["input_hash"] == hashlib.sha256(b"[H][H]").hexdigest(), name
        assert set(origin["versions"]) == set(versions), name
        for package, expected in versions.items():
            assert Version(origin["versions"][package]) == Version(expected), (name, package)
        assert "versions" not in record  # written once, under provenance


def test_a_cbs_job_without_the_memory_fails_alone(h2_results, tmp_path):
    # The guard refuses before any SCF, with the estimate and the fix; the stage writes a failed
    # record and leaves the molecule's other records as they were.
    shutil.copytree(h2_results / "H2", tmp_path / "H2")
    out = tmp_path / "H2"
    before = {path.name: path.read_bytes() for path in out.glob("*.json")
              if path.name != "cbs.json"}
    record = stages.cbs_stage(out / "scf.json", out / "scf.chk", out / "active_space.json",
                              out / "references.json",
                              CBSSettings(("cc-pvtz", "cc-pvqz"), 1e-10, 100, None, "pcm"),
                              RunSettings(1, 10), BY_HAND, out / "cbs.json")
    assert record["status"] == "failed" and record["failed_stage"] == "cbs"
    assert "density-fitted HF and MP2 in cc-pvtz" in record["reason"]
    assert "--set-resources cbs:mem_mb" in record["reason"]
    assert {path.name: path.read_bytes() for path in out.glob("*.json")
            if path.name != "cbs.json"} == before


def test_solvated_cbs_in_the_molecules_own_basis_matches_the_references(tmp_path):
    # Identity up to density fitting: in water (IEF-PCM) the cbs stage's HF and MP2 correlation
    # in the molecule's own basis (cc-pVDZ) equal the references stage's (exact integrals, MP2 in
    # the frozen reaction field) to the fitting error, tens of micro-Hartree. So the solvated
    # composite adds the same kind of energies as the references.
    from conftest import run_cbs_stage, run_stages

    records = run_stages(tmp_path, "water", smiles="O", basis="cc-pvdz", frozen_core=True,
                         active_electrons=4, active_orbitals=4, methods=("hf", "mp2", "ccsd",
                                                                         "ccsd_t"),
                         solvent="water")
    record = run_cbs_stage(tmp_path, "water", ("cc-pvdz", "cc-pvtz"), solvent="water")
    assert record["status"] == "ok", record.get("reason")
    energies = records["references"]["energies"]
    double_zeta = record["per_basis"][0]
    assert double_zeta["basis"] == "cc-pvdz"
    assert double_zeta["hf"] == pytest.approx(energies["hf"], abs=5e-5)
    assert double_zeta["mp2_correlation"] == pytest.approx(energies["mp2"] - energies["hf"],
                                                           abs=5e-5)
    # ... and the solvent lowers the cc-pVTZ HF energy as it does the cc-pVDZ one (a few mHa).
    assert record["per_basis"][1]["hf"] < double_zeta["hf"]
