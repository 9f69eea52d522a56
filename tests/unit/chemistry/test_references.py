"""Reference energies against other programs' published values and exact identities."""

import pytest

from qchemflow.chemistry.references import fci_ground_state, non_variational_flags
from qchemflow.core.memory import sector_dimension

from conftest import DATA, run_stages

MICROHARTREE = 1e-6

# Crawford group programming projects #3-#6 (github.com/CrawfordGroup/ProgrammingProjects),
# H2O/STO-3G, all electrons correlated: SCF -74.942079928192, MP2 correlation -0.049149636120,
# CCSD correlation -0.070680088376, (T) -0.000099877272.
CRAWFORD_H2O = {
    "hf": -74.942079928192,
    "mp2": -74.942079928192 - 0.049149636120,
    "ccsd": -74.942079928192 - 0.070680088376,
    "ccsd_t": -74.942079928192 - 0.070680088376 - 0.000099877272,
}


@pytest.fixture(scope="module")
def crawford_water(tmp_path_factory):
    return run_stages(tmp_path_factory.mktemp("h2o"), "h2o",
                      xyz=str(DATA / "h2o_crawford.xyz"), frozen_core=False)


@pytest.mark.parametrize("method", sorted(CRAWFORD_H2O))
def test_water_sto3g_matches_crawford(crawford_water, method):
    energies = crawford_water["references"]["energies"]
    assert energies[method] == pytest.approx(CRAWFORD_H2O[method], abs=MICROHARTREE)


def test_full_active_space_identities(crawford_water):
    # Active space = full space: CC on the FCIDUMP Hamiltonian equals full-space CC, CASCI = FCI.
    energies = crawford_water["references"]["energies"]
    assert energies["ccsd_active"] == pytest.approx(energies["ccsd"], abs=1e-8)
    assert energies["ccsd_t_active"] == pytest.approx(energies["ccsd_t"], abs=1e-8)
    assert energies["casci"] == pytest.approx(energies["fci"], abs=1e-9)
    assert energies["fci"] < energies["ccsd_t"] < energies["ccsd"] < energies["hf"]
    assert all(crawford_water["references"]["converged"].values())


def test_two_electron_ccsd_is_exact(tmp_path):
    # For two electrons CCSD is FCI (an exact identity); H2 at 0.7414 A, STO-3G.
    (tmp_path / "h2.xyz").write_text("2\nH2\nH 0 0 0\nH 0 0 0.7414\n")
    energies = run_stages(tmp_path, "h2", xyz=str(tmp_path / "h2.xyz"))["references"]["energies"]
    assert energies["ccsd"] == pytest.approx(energies["fci"], abs=1e-8)
    assert energies["ccsd_t"] == pytest.approx(energies["fci"], abs=1e-8)


def test_determinant_limit_skips_with_a_flag(tmp_path):
    records = run_stages(tmp_path, "h2o", xyz=str(DATA / "h2o_crawford.xyz"),
                         fci_max_determinants=100, active_electrons=4, active_orbitals=4)
    references = records["references"]
    assert references["energies"]["fci"] is None  # 6 orbitals, 4+4 electrons: 441 determinants
    assert references["energies"]["casci"] is not None  # 4 orbitals, 2+2 electrons: 36
    assert any("fci skipped: 441 determinants" in flag for flag in references["flags"])


def test_fixed_spin_avoids_the_lower_triplet(tmp_path):
    # O2 at 1.2075 A, STO-3G: the ground state is the triplet. A plain S_z = 0 FCI returns the
    # triplet's energy for a singlet request; ours must return a true singlet above it.
    from pyscf import fci

    (tmp_path / "o2.xyz").write_text("2\nO2\nO 0 0 0\nO 0 0 1.2075\n")
    singlet = run_stages(tmp_path, "singlet", xyz=str(tmp_path / "o2.xyz"), multiplicity=1,
                         active_electrons=8, active_orbitals=6, frozen_core=True)
    triplet = run_stages(tmp_path, "triplet", xyz=str(tmp_path / "o2.xyz"), multiplicity=3,
                         active_electrons=8, active_orbitals=6, frozen_core=True)
    singlet_casci = singlet["references"]["methods"]["casci"]
    triplet_casci = triplet["references"]["methods"]["casci"]
    assert singlet_casci["s2"] == pytest.approx(0.0, abs=1e-5)
    assert triplet_casci["s2"] == pytest.approx(2.0, abs=1e-5)
    assert triplet_casci["energy"] < singlet_casci["energy"]
    # The plain solver on the singlet's own Hamiltonian finds the lower triplet component.
    from qchemflow.chemistry.active_space import read_fcidump

    data = read_fcidump(tmp_path / "singlet" / "hamiltonian.fcidump")
    solver = fci.direct_spin1.FCI()
    solver.conv_tol = 1e-12
    plain_energy, _ = solver.kernel(data["H1"], data["H2"], 6, (4, 4), ecore=data["ECORE"])
    assert plain_energy < singlet_casci["energy"] - 1e-3


def test_doublet_radical_runs_every_method(tmp_path):
    # Hydroxyl radical, ROHF reference: every energy is computed and correlation lowers it.
    (tmp_path / "oh.xyz").write_text("2\nOH\nO 0 0 0\nH 0 0 0.9697\n")
    records = run_stages(tmp_path, "oh", xyz=str(tmp_path / "oh.xyz"), multiplicity=2,
                         frozen_core=True)
    energies = records["references"]["energies"]
    assert records["scf"]["method"] == "ROHF"
    assert None not in energies.values()
    assert energies["fci"] < energies["ccsd"] < energies["mp2"] < energies["hf"]
    assert records["references"]["methods"]["fci"]["s2"] == pytest.approx(0.75, abs=1e-5)


def test_fci_ground_state_of_a_non_interacting_model():
    import numpy as np

    # No two-electron terms: both electrons in the level at -1 Ha, plus the core energy 3 Ha.
    h1 = np.diag([-1.0, 0.5])
    h2 = np.zeros((2, 2, 2, 2))
    energy, s_squared, _ = fci_ground_state(h1, h2, 2, (1, 1), 3.0, 1000)
    assert energy == pytest.approx(3.0 - 2.0, abs=1e-12)
    assert s_squared == pytest.approx(0.0, abs=1e-10)


def test_sector_dimension_counts_determinants():
    assert sector_dimension(6, 2, 2) == 225  # C(6,2)^2


def test_non_variational_cc_is_flagged_not_hidden():
    flags = non_variational_flags({"ccsd_active": -1.0001, "casci": -1.0, "ccsd": -2.0,
                                   "fci": -2.1})
    assert flags == ["ccsd_active is 0.1000 mHa below casci (coupled cluster is not variational)"]


def test_water_631g_fci_matches_psi4(tmp_path):
    # Psi4 test suite, tests/fci-h2o/input.dat (H2O/6-31G, geometry in bohr, all electrons):
    # refnuc 9.2342185209120, refscf -75.985323665263, refci -76.1210978474779.
    records = run_stages(tmp_path, "h2o", xyz=str(DATA / "h2o_psi4_fci.xyz"), basis="6-31g",
                         frozen_core=False, methods=("hf", "fci"))
    assert records["scf"]["nuclear_repulsion"] == pytest.approx(9.2342185209120, abs=1e-9)
    energies = records["references"]["energies"]
    assert energies["hf"] == pytest.approx(-75.985323665263, abs=MICROHARTREE)
    assert energies["fci"] == pytest.approx(-76.1210978474779, abs=MICROHARTREE)
    assert records["references"]["methods"]["fci"]["determinants"] == 1287 ** 2


def test_water_sto3g_fci_matches_psi4(crawford_water):
    # Psi4 FCI at the Crawford geometry (given in A), quoted as "Psi4 reference FCI energy"
    # -75.0129801827 in jjgoings/McMurchie-Davidson tests/test017.py; its SCF differs from
    # Crawford's by 3e-8 Ha (rounded geometry), far inside 1 uHa.
    assert crawford_water["references"]["energies"]["fci"] == pytest.approx(-75.0129801827,
                                                                            abs=MICROHARTREE)
