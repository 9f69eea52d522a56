import pytest

from qchemflow.core.errors import ConvergenceError
from qchemflow.chemistry.geometry import Atom, read_xyz
from qchemflow.chemistry.scf import (build_molecule, follow_internal_instability, load_scf, new_scf_object,
                           run_scf, scf_fields, timed_scf, write_checkpoint)
from qchemflow.analysis.summary import stability_label
from qchemflow.chemistry.scf import SCFSettings

from conftest import DATA

STO3G_GAS = SCFSettings("sto-3g", False, 1e-10, 100, True, None, "pcm", False)

# Crawford group programming projects, project #3 (H2O/STO-3G, geometry in bohr, converted
# with PySCF's 0.52917721092 A/bohr): E_nuc = 8.002367061810450, E_SCF = -74.942079928192.
CRAWFORD_NUCLEAR_REPULSION = 8.002367061810450
CRAWFORD_SCF = -74.942079928192


def water(basis="sto-3g", cartesian=False):
    return build_molecule(read_xyz(DATA / "h2o_crawford.xyz").atoms, 0, 0, basis, cartesian, 2000)


def test_rhf_matches_crawford_reference(tmp_path):
    molecule = water()
    assert molecule.energy_nuc() == pytest.approx(CRAWFORD_NUCLEAR_REPULSION, abs=1e-9)
    scf_object, attempts = run_scf(molecule, 1e-10, 100, None)
    assert attempts == ["diis"]
    assert scf_object.e_tot == pytest.approx(CRAWFORD_SCF, abs=1e-8)
    fields = scf_fields(scf_object, attempts, None, STO3G_GAS, None, 0.0)
    assert fields["method"] == "RHF" and fields["s2"] == pytest.approx(0.0, abs=1e-10)
    assert fields["homo"] < 0 < fields["lumo"]


def test_checkpoint_round_trip(tmp_path):
    scf_object, _ = run_scf(water(), 1e-10, 100, None)
    write_checkpoint(scf_object, tmp_path / "scf.chk", None)
    loaded = load_scf(tmp_path / "scf.chk", 2000)
    assert loaded.e_tot == scf_object.e_tot
    assert loaded.energy_tot() == pytest.approx(scf_object.e_tot, abs=1e-10)


def test_cartesian_basis_has_more_functions():
    assert water("6-31g*", cartesian=True).nao == 19 and water("6-31g*").nao == 18


def test_open_shell_uses_rohf():
    hydroxyl = build_molecule((Atom("O", "0", "0", "0"), Atom("H", "0", "0", "0.97")),
                              0, 1, "sto-3g", False, 2000)
    scf_object, _ = run_scf(hydroxyl, 1e-10, 100, None)
    fields = scf_fields(scf_object, ["diis"], None, STO3G_GAS, None, 0.0)
    assert fields["method"] == "ROHF"
    assert fields["s2"] == pytest.approx(0.75, abs=1e-10)  # ROHF is a spin eigenfunction


def test_fallback_strategies_then_convergence_error():
    # One iteration per strategy cannot reach 1e-10 Ha: every fallback is tried, then it fails.
    with pytest.raises(ConvergenceError, match="did not converge in 1 cycles"):
        run_scf(water("6-31g"), 1e-10, 1, None)


def test_fallback_converges_and_is_polished():
    # Stretched water (O-H 2.0 A) is hard for plain DIIS in a few cycles; the energy after a
    # fallback must equal a long plain DIIS run's.
    stretched = (Atom("O", "0", "0", "0"), Atom("H", "2.0", "0", "0"), Atom("H", "-0.5", "1.9", "0"))
    molecule = build_molecule(stretched, 0, 0, "sto-3g", False, 2000)
    reference, _ = run_scf(molecule, 1e-10, 500, None)
    scf_object, attempts = run_scf(molecule, 1e-10, 5, None)
    assert attempts == ["diis", "level_shift_damping", "second_order"]
    assert scf_object.converged
    assert scf_object.e_tot == pytest.approx(reference.e_tot, abs=1e-8)


def stretched_nitrogen():
    return build_molecule((Atom("N", "0", "0", "0"), Atom("N", "0", "0", "1.5")), 0, 0,
                          "sto-3g", False, 2000)


@pytest.mark.parametrize("initial_guess", ["minao", "1e"])
def test_internal_instability_is_followed_to_the_stable_minimum(initial_guess):
    # N2 at 1.5 A in STO-3G: from both PySCF's default (minao) and its core-Hamiltonian (1e)
    # guess, plain RHF converges to saddle points (-107.2724 and -106.9594 Ha). Following the
    # instabilities must reach one and the same stable RHF minimum (an identity: a minimum does
    # not depend on the start), lower than the start, and PySCF's stability check must pass on it.
    start = new_scf_object(stretched_nitrogen(), 1e-10, 100, None)
    start.init_guess = initial_guess
    start.kernel()
    followed, record = follow_internal_instability(start, 1e-10, 100, None)
    assert record["followed"] >= 1 and record["internal_stable"]
    assert record["energies"][0] == start.e_tot and record["energies"][-1] == followed.e_tot
    assert followed.e_tot == pytest.approx(-107.28276347281, abs=1e-8)  # both starts agree
    assert record["energy_lowering"] > 1e-3
    assert followed.stability(return_status=True)[2]
    assert record["external_stable"] is False  # stretched N2: RHF -> UHF instability
    assert "followed" in stability_label(record) and "UHF" in stability_label(record)


def test_stable_scf_is_left_alone(tmp_path):
    fields = timed_scf(water(), SCFSettings("sto-3g", False, 1e-10, 100, True, None, "pcm", False), tmp_path / "scf.chk")
    assert fields["stability"] == {"internal_stable": True, "external_stable": True,
                                   "followed": 0, "energies": [fields["energy"]],
                                   "energy_lowering": 0.0}
    assert fields["energy"] == pytest.approx(CRAWFORD_SCF, abs=1e-8) and fields["flags"] == []
    assert load_scf(tmp_path / "scf.chk", 2000).e_tot == fields["energy"]


def test_rohf_instability_is_followed(tmp_path):
    # Triplet O2 at 1.21 A, STO-3G: the first ROHF solution is a saddle point; the followed one is
    # stable and lower. ROHF has no external (UHF) check.
    oxygen = build_molecule((Atom("O", "0", "0", "0"), Atom("O", "0", "0", "1.21")), 0, 2,
                            "sto-3g", False, 2000)
    fields = timed_scf(oxygen, SCFSettings("sto-3g", False, 1e-10, 100, True, None, "pcm", False), tmp_path / "scf.chk")
    stability = fields["stability"]
    assert fields["method"] == "ROHF" and stability["internal_stable"]
    assert stability["followed"] >= 1 and stability["external_stable"] is None
    assert fields["energy"] < stability["energies"][0] - 1e-3
    assert fields["s2"] == pytest.approx(2.0, abs=1e-8)
    assert any("saddle point" in flag for flag in fields["flags"])
    assert load_scf(tmp_path / "scf.chk", 2000).e_tot == fields["energy"]


@pytest.mark.parametrize("symbol, spin", [("He", 0), ("H", 1), ("Ne", 0), ("O", 2), ("C", 2)])
def test_stability_analysis_of_atoms(tmp_path, symbol, spin):
    # He, Ne and H in STO-3G have no rotation that changes the determinant; the O and C triplets
    # have only occupied-occupied ones (PySCF's symmetry-filtered start vector is empty there).
    atom = build_molecule((Atom(symbol, "0", "0", "0"),), 0, spin, "sto-3g", False, 2000)
    fields = timed_scf(atom, SCFSettings("sto-3g", False, 1e-10, 100, True, None, "pcm", False), tmp_path / "scf.chk")
    assert fields["stability"]["internal_stable"] is True and fields["flags"] == []
    assert fields["stability"]["external_stable"] is (True if spin == 0 else None)


def test_failed_stability_analysis_keeps_the_scf_and_says_so(tmp_path, monkeypatch):
    from pyscf.lib.exceptions import LinearDependencyError

    from qchemflow.chemistry import scf as scf_module

    def breakdown(scf_object):
        raise LinearDependencyError("Initial guess is empty or zero")

    monkeypatch.setattr(scf_module, "_internal_stability", breakdown)
    fields = timed_scf(water(), SCFSettings("sto-3g", False, 1e-10, 100, True, None, "pcm", False), tmp_path / "scf.chk")
    assert fields["energy"] == pytest.approx(CRAWFORD_SCF, abs=1e-8)
    assert fields["stability"]["internal_stable"] is None
    assert stability_label(fields["stability"]) == "analysis failed"
    assert "stability analysis failed (LinearDependencyError" in fields["flags"][0]


def test_density_fitted_start_gives_the_exact_scf_in_fewer_exact_iterations():
    # The exact SCF from a density-fitted SCF's density is the same solution (an identity: both
    # converge the same exact-integral equations), reached in fewer exact-integral iterations.
    molecule = build_molecule(read_xyz(DATA / "h2o_crawford.xyz").atoms, 0, 0, "cc-pvdz", False,
                              2000)
    exact, plain_attempts = run_scf(molecule, 1e-10, 100, None)
    started, attempts = run_scf(molecule, 1e-10, 100, None, density_fit=True)
    assert plain_attempts == ["diis"] and attempts == ["density_fitted", "diis"]
    assert started.e_tot == pytest.approx(exact.e_tot, abs=1e-9)
    assert not hasattr(started, "with_df")
    assert started.cycles < exact.cycles
