"""Relative energies from the records: ΔE against a direct PySCF calculation, the composite
energies, and reactions that must not be combined."""

import shutil

import pytest

from qchemflow.analysis.relative_energies import (COLUMNS, METHODS, Reaction, error_budget,
                                                  mean_absolute_errors, member_energies,
                                                  quantum_correction_words, reaction_row,
                                                  write_reactions)
from qchemflow.core.records import read_record, write_record
from qchemflow.core.units import HARTREE_TO_KCAL_PER_MOL

from conftest import REPOSITORY, run_cbs_stage, run_quantum_stages, run_stages

XYZ = REPOSITORY / "molecules/xyz/gmtkn55"
METHODS_RUN = ("hf", "mp2", "ccsd", "ccsd_t", "mp2_active", "ccsd_active", "ccsd_t_active",
               "casci")
# GMTKN55 PA26 (Goerigk et al., PCCP 19, 32184 (2017)): proton affinity of H2O, 171.4 kcal/mol.
PROTON_AFFINITY = Reaction("PA26_6", "protonation", ("PA26_h2o", "PA26_h2op"), (1, -1), 171.4,
                           "GMTKN55 PA26")


@pytest.fixture(scope="module")
def water_and_hydronium(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pa")
    for name, charge in (("PA26_h2o", 0), ("PA26_h2op", 1)):
        run_stages(folder, name, xyz=str(XYZ / f"{name}.xyz"), charge=charge, basis="cc-pvdz",
                   frozen_core=True, active_electrons=4, active_orbitals=4, methods=METHODS_RUN)
        run_quantum_stages(folder, name)
    return folder


def direct_ccsd_t(name, charge):
    """CCSD(T)/cc-pVDZ with the chemical core frozen (1s of C, N, O; 1s2s2p of S), straight
    from PySCF on the database geometry."""
    from pyscf import cc, gto, scf
    from pyscf.data import elements

    lines = (XYZ / f"{name}.xyz").read_text().splitlines()[2:]
    molecule = gto.M(atom="\n".join(lines), basis="cc-pvdz", charge=charge, verbose=0)
    hf = scf.RHF(molecule).run(conv_tol=1e-11)
    solver = cc.CCSD(hf, frozen=int(elements.chemcore(molecule)))
    solver.conv_tol = 1e-10
    solver.run()
    return float(hf.e_tot + solver.e_corr + solver.ccsd_t())


def test_delta_ccsd_t_equals_pyscf_directly(water_and_hydronium):
    row = reaction_row(PROTON_AFFINITY, water_and_hydronium)
    assert row["status"] == "ok" and row["basis"] == "cc-pvdz"
    direct = (direct_ccsd_t("PA26_h2o", 0) - direct_ccsd_t("PA26_h2op", 1)) * HARTREE_TO_KCAL_PER_MOL
    assert row["delta_ccsd_t_kcal_mol"] == pytest.approx(direct, abs=0.01)
    assert row["error_ccsd_t_kcal_mol"] == pytest.approx(row["delta_ccsd_t_kcal_mol"] - 171.4)
    # Every method but those on CCSD(T)/CBS (no cbs.json here: cbs.enabled is off by default).
    assert {f"delta_{method}_kcal_mol" for method in METHODS if "cbs" not in method} <= set(row)


def test_composites_embed_the_active_energy_in_ccsd_t(water_and_hydronium):
    members = {}
    for name in PROTON_AFFINITY.species:
        records = {stage: read_record(water_and_hydronium / name / f"{stage}.json")
                   for stage in ("references", "vqe")}
        members[name] = member_energies(records)
        energies = records["references"]["energies"]
        assert members[name]["vqe_in_ccsd_t"] == pytest.approx(
            energies["ccsd_t"] - energies["ccsd_t_active"] + records["vqe"]["energy"], abs=1e-12)
    row = reaction_row(PROTON_AFFINITY, water_and_hydronium)
    expected = (members["PA26_h2o"]["casci_in_ccsd_t"] - members["PA26_h2op"]["casci_in_ccsd_t"]
                ) * HARTREE_TO_KCAL_PER_MOL
    assert row["delta_casci_in_ccsd_t_kcal_mol"] == pytest.approx(expected, abs=1e-9)


def test_cbs_columns_are_the_differences_of_the_cbs_records(water_and_hydronium, tmp_path):
    # With cbs.json beside the other records (cc-pVDZ/cc-pVTZ here, for speed): delta of
    # CCSD(T)/CBS and of the VQE embedded in it, from the records by hand.
    folder = tmp_path / "results"
    shutil.copytree(water_and_hydronium, folder)
    expected = {}
    for name in PROTON_AFFINITY.species:
        cbs = run_cbs_stage(folder, name, ("cc-pvdz", "cc-pvtz"))
        assert cbs["status"] == "ok", cbs
        energies = read_record(folder / name / "references.json")["energies"]
        vqe = read_record(folder / name / "vqe.json")["energy"]
        expected[name] = (cbs["ccsd_t_cbs"],
                          cbs["ccsd_t_cbs"] - energies["ccsd_t_active"] + vqe)
    row = reaction_row(PROTON_AFFINITY, folder)
    for index, method in enumerate(("ccsd_t_cbs", "vqe_in_ccsd_t_cbs")):
        delta = (expected["PA26_h2o"][index] - expected["PA26_h2op"][index]) * \
            HARTREE_TO_KCAL_PER_MOL
        assert row[f"delta_{method}_kcal_mol"] == pytest.approx(delta, abs=1e-9)
        assert row[f"error_{method}_kcal_mol"] == pytest.approx(delta - 171.4, abs=1e-9)
    # Without cbs.json the columns are empty, the rest of the row as before.
    without = reaction_row(PROTON_AFFINITY, water_and_hydronium)
    assert without.get("delta_ccsd_t_cbs_kcal_mol") is None
    assert without["delta_ccsd_t_kcal_mol"] == row["delta_ccsd_t_kcal_mol"]


def test_members_with_other_settings_are_refused(water_and_hydronium, tmp_path):
    for name in PROTON_AFFINITY.species:
        shutil.copytree(water_and_hydronium / name, tmp_path / name)
    record = read_record(tmp_path / "PA26_h2op" / "active_space.json")
    write_record(tmp_path / "PA26_h2op" / "active_space.json", {**record, "n_orbitals": 5})
    row = reaction_row(PROTON_AFFINITY, tmp_path)
    assert row["status"].startswith("failed:settings: members computed with different active "
                                    "orbitals (PA26_h2o 4, PA26_h2op 5)")
    assert "delta_hf_kcal_mol" not in row


def test_selected_spaces_may_differ_in_size_but_not_in_method(water_and_hydronium, tmp_path):
    for name in PROTON_AFFINITY.species:
        shutil.copytree(water_and_hydronium / name, tmp_path / name)

    def select(name, selection, n_orbitals):
        path = tmp_path / name / "active_space.json"
        write_record(path, {**read_record(path), "selection": selection, "n_orbitals": n_orbitals})

    select("PA26_h2o", "pi(threshold 0.2)", 4)
    select("PA26_h2op", "pi(threshold 0.2)", 5)
    row = reaction_row(PROTON_AFFINITY, tmp_path)
    assert row["status"] == "ok"
    assert row["active_space"] == "pi(threshold 0.2): PA26_h2o (4e,4o), PA26_h2op (4e,5o)"
    select("PA26_h2op", "pi(threshold 0.3)", 5)
    assert reaction_row(PROTON_AFFINITY, tmp_path)["status"].startswith(
        "failed:settings: members computed with different active selection")
    assert reaction_row(PROTON_AFFINITY, water_and_hydronium)["active_space"] == "(4e,4o) window"


def test_members_in_different_solvents_are_refused(water_and_hydronium, tmp_path):
    for name in PROTON_AFFINITY.species:
        shutil.copytree(water_and_hydronium / name, tmp_path / name)
    record = read_record(tmp_path / "PA26_h2op" / "scf.json")
    write_record(tmp_path / "PA26_h2op" / "scf.json", {**record, "solvent": {
        "name": "water", "model": "pcm", "dielectric": 78.3553, "solvation_energy": -0.1,
        "frozen_field_energy_shift": 0.1}})
    row = reaction_row(PROTON_AFFINITY, tmp_path)
    assert row["status"] == ("failed:settings: members computed with different solvent "
                             "(PA26_h2o gas, PA26_h2op water (pcm)); compute every member with "
                             "the same settings")
    assert reaction_row(PROTON_AFFINITY, water_and_hydronium)["solvent"] == "gas"


def test_a_failed_member_fails_only_its_reaction(water_and_hydronium, tmp_path):
    shutil.copytree(water_and_hydronium / "PA26_h2o", tmp_path / "PA26_h2o")
    other = Reaction("only_water", "conformer", ("PA26_h2o", "PA26_h2o"), (1, -1), 0.0, None)
    rows = write_reactions([PROTON_AFFINITY, other], tmp_path, tmp_path / "reactions.csv",
                           [("bad", "row 3 (id 'bad'): kind ...")])
    assert rows[0]["status"] == "failed:PA26_h2op: scf.json is missing"
    assert rows[1]["status"] == "ok" and rows[1]["delta_ccsd_t_kcal_mol"] == 0.0
    assert rows[2]["status"] == "failed:input: row 3 (id 'bad'): kind ..."
    lines = (tmp_path / "reactions.csv").read_text().splitlines()
    assert lines[0].split(",") == list(COLUMNS) and len(lines) == 1 + 3 + 1
    # The last row: the mean |error| of the one ok reaction with a reference (only_water, 0.0).
    last = dict(zip(COLUMNS, lines[-1].split(",")))
    assert last["id"] == "mean_absolute_error" and last["species"] == "only_water"
    assert last["status"] == "summary: mean |error| over 1 reactions with a reference"
    assert float(last["error_ccsd_t_kcal_mol"]) == 0.0


def test_the_mean_absolute_error_row():
    from qchemflow.analysis.relative_energies import mean_absolute_error_row, read_reactions

    # Hand calculation: |+2.0| and |-1.0| average to 1.5; the VQE has an error in one only.
    rows = [ok_row(2.0, 0.4, vqe=0.1), {**ok_row(-1.0, -0.8), "id": "s"},
            {"id": "failed", "status": "failed:x: y"}]
    row = mean_absolute_error_row(rows)
    assert row["error_ccsd_t_kcal_mol"] == pytest.approx(1.5)
    assert row["error_vqe_in_ccsd_t_kcal_mol"] == pytest.approx(0.6)
    assert row["error_vqe_kcal_mol"] == pytest.approx(0.1)
    assert "error_hf_kcal_mol" not in row and row["species"] == "r s"
    assert row["status"] == ("summary: mean |error| over 2 reactions with a reference "
                             "(vqe over 1)")


def ok_row(ccsd_t_error, vqe_in_error, **errors):
    row = {"id": "r", "kind": "tautomer", "status": "ok", "reference_kcal_mol": 1.0,
           "error_ccsd_t_kcal_mol": ccsd_t_error, "error_vqe_in_ccsd_t_kcal_mol": vqe_in_error}
    row.update({f"error_{method}_kcal_mol": value for method, value in errors.items()})
    return row


@pytest.mark.parametrize("vqe_in, words", [
    (0.30, "The quantum step helps: VQE in CCSD(T) is 0.20 kcal/mol closer"),
    (0.505, "The quantum step did not help: VQE in CCSD(T) gives CCSD(T)'s error (+0.50"),
    (-0.70, "The quantum step makes it worse: VQE in CCSD(T) is 0.20 kcal/mol further"),
])
def test_verdict_says_whether_the_quantum_step_helps(vqe_in, words):
    from qchemflow.analysis.relative_energies import reaction_verdict

    sentence = reaction_verdict(ok_row(0.50, vqe_in, hf=3.0))
    assert words in sentence
    closest = "VQE in CCSD(T)" if abs(vqe_in) < 0.5 else "CCSD(T)"
    assert f"{closest} is closest" in sentence and "within 1 kcal/mol" in sentence


def test_verdict_separates_the_vqe_error_from_the_active_space():
    from qchemflow.analysis.relative_energies import reaction_verdict

    # The VQE in CCSD(T) looks 0.20 closer, but CASCI in CCSD(T) (the exact active-space
    # energy) is only 0.05 closer: the rest is the VQE's own error.
    sentence = reaction_verdict(ok_row(0.50, 0.30, casci_in_ccsd_t=0.45))
    assert sentence.endswith("With the exact active-space energy (CASCI in CCSD(T)) the error is "
                             "+0.45 kcal/mol; the difference is the VQE's own error against "
                             "CASCI.")
    assert "CASCI in CCSD(T)" not in reaction_verdict(ok_row(0.50, 0.30, casci_in_ccsd_t=0.305))


def test_verdict_of_failed_and_unreferenced_reactions():
    from qchemflow.analysis.relative_energies import reaction_verdict

    assert reaction_verdict({"id": "r", "status": "failed:x: y"}) == (
        "r: no relative energies (failed:x: y).")
    assert "no reference value" in reaction_verdict({"id": "r", "status": "ok"})


def test_report_shows_the_reactions_and_their_plot(water_and_hydronium, tmp_path):
    from qchemflow.analysis.relative_energies import read_reactions
    from qchemflow.analysis.report import write_report
    from qchemflow.analysis.summary import summarise

    write_reactions([PROTON_AFFINITY], water_and_hydronium, tmp_path / "reactions.csv")
    read = read_reactions(tmp_path / "reactions.csv")  # the reaction rows, not the MAE row
    assert [row["id"] for row in read] == [PROTON_AFFINITY.id]
    assert read[0]["delta_hf_kcal_mol"] == reaction_row(
        PROTON_AFFINITY, water_and_hydronium)["delta_hf_kcal_mol"]  # the CSV keeps every bit
    rows = summarise(water_and_hydronium, list(PROTON_AFFINITY.species), [],
                     tmp_path / "summary.csv")
    write_report(water_and_hydronium, rows, tmp_path / "plots", tmp_path / "report.html",
                 REPOSITORY / "workflow/report/templates/report.html.j2",
                 tmp_path / "reactions.csv")
    page = (tmp_path / "report.html").read_text()
    assert '<table id="reactions">' in page and "PA26_6 (protonation, reference 171.4" in page
    assert 'src="plots/reactions.png"' in page and (tmp_path / "plots/reactions.png").stat().st_size
    write_report(water_and_hydronium, rows, tmp_path / "plots", tmp_path / "plain.html",
                 REPOSITORY / "workflow/report/templates/report.html.j2")
    assert 'id="reactions"' not in (tmp_path / "plain.html").read_text()


def budget_row(reaction_id, **deltas):
    """A reactions.csv row with the given ΔE (kcal/mol), the errors against a 10 kcal/mol
    reference and the composites built from the members' energies as write_reactions does."""
    deltas["casci_in_ccsd_t"] = deltas["ccsd_t"] - deltas["ccsd_t_active"] + deltas["casci"]
    deltas["vqe_in_ccsd_t_cbs"] = deltas["ccsd_t_cbs"] - deltas["ccsd_t_active"] + deltas["vqe"]
    return {"id": reaction_id, "status": "ok", "reference_kcal_mol": 10.0,
            **{f"delta_{method}_kcal_mol": value for method, value in deltas.items()},
            **{f"error_{method}_kcal_mol": value - 10.0 for method, value in deltas.items()}}


def test_the_error_budget_adds_up():
    # Identity: error(VQE in CCSD(T)/CBS) = error(CCSD(T)) - basis set + active space + VQE.
    row = budget_row("r", ccsd_t=12.3, ccsd_t_cbs=10.4, mp2=13.1, ccsd_t_active=1.7,
                     casci=1.5, vqe=1.52)
    terms = error_budget(row)
    assert terms["basis_set"] == pytest.approx(1.9) and terms["beyond_mp2"] == pytest.approx(-0.8)
    assert terms["active_space"] == pytest.approx(-0.2) and terms["vqe"] == pytest.approx(0.02)
    assert row["error_vqe_in_ccsd_t_cbs_kcal_mol"] == pytest.approx(
        row["error_ccsd_t_kcal_mol"] - terms["basis_set"] + terms["active_space"] + terms["vqe"])
    assert error_budget({"id": "x"})["basis_set"] is None


def test_mean_absolute_errors_and_plain_words():
    helped = budget_row("helped", ccsd_t=12.0, ccsd_t_cbs=10.5, mp2=12.5, ccsd_t_active=1.0,
                        casci=0.6, vqe=0.61)  # CBS +0.5 -> VQE in CBS +0.11, VQE's own 0.01
    noise = budget_row("noise", ccsd_t=9.0, ccsd_t_cbs=9.9, mp2=9.5, ccsd_t_active=1.0,
                       casci=1.05, vqe=1.3)  # CBS -0.1 -> +0.2: worse
    failed = {"id": "failed", "status": "failed:settings: ..."}
    averages = mean_absolute_errors([helped, noise, failed])
    assert averages["ccsd_t"] == (pytest.approx((2.0 + 1.0) / 2), 2)
    assert averages["ccsd_t_cbs"] == (pytest.approx((0.5 + 0.1) / 2), 2)
    assert averages["vqe_in_ccsd_t_cbs"][0] == pytest.approx((0.11 + 0.2) / 2)
    words = quantum_correction_words([helped, noise, failed])
    assert words.startswith("In 1 of 2 reactions (helped)")
    assert "In none of 1 reactions" in quantum_correction_words([noise])
    assert quantum_correction_words([failed]).startswith("No reaction")


def test_signed_numbers_never_read_minus_zero():
    from qchemflow.analysis.relative_energies import signed_kcal_mol

    assert [signed_kcal_mol(value) for value in (-0.004, 0.004, 0.0, -1.234, 0.005001, None)] == [
        "0.00", "0.00", "0.00", "-1.23", "+0.01", ""]
