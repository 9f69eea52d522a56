import numpy as np
import pytest

from qchemflow.chemistry.active_space import (build_active_space, choose_active_space, degeneracy_flags, window_orbitals,
                                    read_fcidump)
from qchemflow.core.errors import InputError
from qchemflow.chemistry.geometry import read_xyz
from qchemflow.chemistry.references import fci_ground_state
from qchemflow.chemistry.scf import build_molecule, run_scf

from conftest import DATA


@pytest.fixture(scope="module")
def water_scf():
    molecule = build_molecule(read_xyz(DATA / "h2o_crawford.xyz").atoms, 0, 0, "6-31g", False, 2000)
    return run_scf(molecule, 1e-10, 100, None)[0]


def test_default_is_everything_not_frozen():
    choice = choose_active_space(10, 13, 1, 0, None, None)
    assert (choice.n_core, choice.n_electrons, choice.n_orbitals) == (1, 8, 12)
    assert choice.active == list(range(1, 13)) and choice.core == [0]


def test_window_around_fermi_level():
    choice = choose_active_space(10, 13, 1, 0, 4, 4)
    assert choice.core == [0, 1, 2] and choice.active == [3, 4, 5, 6]


def test_open_shell_window():
    choice = choose_active_space(9, 6, 1, 1, 3, 3)
    assert choice.n_alpha_beta == (2, 1) and choice.n_core == 3


@pytest.mark.parametrize("arguments, message", [
    ((10, 7, 1, 0, 3, 4), "must pair up"),
    ((10, 7, 1, 0, 10, 6), "reaches into the 1 frozen core"),
    ((10, 7, 1, 0, 8, 7), "needs 8 orbitals but the basis has 7"),
    ((10, 7, 1, 0, 4, 1), "cannot hold 4 electrons"),
    ((9, 7, 1, 3, 1, 4), "fewer than the 3 unpaired"),
    ((10, 7, 0, 0, 12, 7), "impossible"),
])
def test_impossible_spaces_say_what_to_change(arguments, message):
    with pytest.raises(InputError, match=message):
        choose_active_space(*arguments)


def test_fcidump_round_trip_gives_pyscf_casci(water_scf, tmp_path):
    # Identity: diagonalising the FCIDUMP read back equals PySCF's own CASCI on the same window.
    from pyscf import mcscf

    choice = choose_active_space(10, 13, 1, 0, 6, 6)
    fields = build_active_space(water_scf, window_orbitals(water_scf, choice), tmp_path / "h.fcidump")
    data = read_fcidump(tmp_path / "h.fcidump")
    assert (data["NORB"], data["NELEC"], data["MS2"]) == (6, 6, 0)
    assert data["ECORE"] == pytest.approx(fields["core_energy"], abs=1e-12)
    energy, s_squared, converged = fci_ground_state(data["H1"], data["H2"], 6, (3, 3),
                                                    data["ECORE"], 2000)
    casci = mcscf.CASCI(water_scf, 6, 6)
    casci.verbose = 0
    casci.fcisolver.conv_tol = 1e-12
    assert energy == pytest.approx(casci.kernel()[0], abs=1e-9)
    assert s_squared == pytest.approx(0.0, abs=1e-6) and converged


def test_fcidump_reproduces_hartree_fock(water_scf, tmp_path):
    # Identity: the HF determinant's energy in the active-space Hamiltonian is the SCF energy.
    choice = choose_active_space(10, 13, 1, 0, 4, 5)
    build_active_space(water_scf, window_orbitals(water_scf, choice), tmp_path / "h.fcidump")
    data = read_fcidump(tmp_path / "h.fcidump")
    h1 = data["H1"]
    from pyscf import ao2mo

    h2 = ao2mo.restore(1, data["H2"], 5)
    occupied = range(2)
    energy = data["ECORE"] + sum(2 * h1[i, i] for i in occupied) + sum(
        2 * h2[i, i, j, j] - h2[i, j, j, i] for i in occupied for j in occupied)
    assert energy == pytest.approx(water_scf.e_tot, abs=1e-9)


def test_degenerate_edge_is_flagged():
    energies = np.array([-10.0, -1.0, -0.5, -0.5, 0.3, 0.3, 0.9])
    choice = choose_active_space(8, 7, 0, 0, 2, 2)
    flags = degeneracy_flags(energies, choice)
    assert len(flags) == 2 and "lower edge" in flags[0] and "upper edge" in flags[1]
