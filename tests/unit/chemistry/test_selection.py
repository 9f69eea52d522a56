"""Active spaces chosen by orbital character: orientation invariance, PySCF's AVAS, the identities
a rotation within the occupied and virtual spaces keeps, and the refusals."""

import numpy as np
import pytest

from qchemflow.chemistry.active_space import ActiveSpaceSettings, read_active_hamiltonian
from qchemflow.chemistry.scf import load_scf
from qchemflow.chemistry.selection import (avas_orbitals, check_ao_labels, minimal_basis_molecule,
                                           natural_orbitals, plane_normal, projected_orbitals,
                                           select_active_space)
from qchemflow.core.errors import InputError, ResourceError

from conftest import REPOSITORY, run_stages

PYRIDINE = REPOSITORY / "molecules/xyz/heterocycles/pyridine.xyz"


def rotated_copy(source, target, seed):
    """The XYZ file rotated by a random proper rotation and shifted."""
    lines = source.read_text().splitlines()
    atoms = [line.split() for line in lines[2:2 + int(lines[0])]]
    coordinates = np.array([[float(value) for value in atom[1:4]] for atom in atoms])
    random = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(random.normal(size=(3, 3)))
    rotation *= np.sign(np.linalg.det(rotation))
    moved = coordinates @ rotation.T + random.normal(size=3)
    target.write_text(f"{len(atoms)}\nrotated\n" + "".join(
        f"{atom[0]} {x:.10f} {y:.10f} {z:.10f}\n" for atom, (x, y, z) in zip(atoms, moved)))
    return target


def hf_determinant_energy(fcidump):
    """The active-space Hamiltonian's energy of its reference determinant (closed shell):
    E_core + 2 Σ h_ii + Σ_ij (2 J_ij − K_ij) over its doubly occupied orbitals."""
    hamiltonian = read_active_hamiltonian(fcidump)
    occupied = range(hamiltonian.n_electrons // 2)
    h1, h2 = hamiltonian.h1, hamiltonian.h2
    return hamiltonian.core_energy + sum(2 * h1[i, i] for i in occupied) + sum(
        2 * h2[i, i, j, j] - h2[i, j, j, i] for i in occupied for j in occupied)


@pytest.mark.parametrize("method, labels", [("pi", ("C 2p",)), ("avas", ("N 2p",))])
def test_rotated_copy_gives_the_same_active_space_and_energy(tmp_path, method, labels):
    results = []
    for name, seed in (("original", None), ("rotated", 7), ("turned", 11)):
        xyz = PYRIDINE if seed is None else rotated_copy(PYRIDINE, tmp_path / f"{name}.xyz", seed)
        records = run_stages(tmp_path, name, xyz=str(xyz), frozen_core=True,
                             active_space_method=method, ao_labels=labels,
                             methods=("hf", "casci", "ccsd_active"))
        results.append(records)
    reference = results[0]
    if method == "pi":
        # Pyridine's π system: three π and three π* orbitals, six π electrons.
        assert (reference["active_space"]["n_electrons"],
                reference["active_space"]["n_orbitals"]) == (6, 6)
        assert reference["active_space"]["selection"] == "pi(threshold 0.2)"
    for records in results[1:]:
        for key in ("n_electrons", "n_orbitals", "selection"):
            assert records["active_space"][key] == reference["active_space"][key]
        assert records["active_space"]["selection_weights"] == pytest.approx(
            reference["active_space"]["selection_weights"], abs=1e-6)
        for energy in ("hf", "casci", "ccsd_active"):
            assert records["references"]["energies"][energy] == pytest.approx(
                reference["references"]["energies"][energy], abs=1e-7)
    # Occupied and virtual orbitals never mix: the reference determinant is the SCF's.
    assert hf_determinant_energy(tmp_path / "original" / "hamiltonian.fcidump") == pytest.approx(
        reference["scf"]["energy"], abs=1e-9)
    assert reference["references"]["energies"]["casci"] < reference["scf"]["energy"]


def test_our_projection_is_pyscf_avas(tmp_path):
    # The projection that finds the π system, given PySCF's AVAS target (the minimal-basis AOs
    # of the labels), selects the space PySCF's mcscf.avas selects, with the same CASCI energy.
    from pyscf import gto, mcscf

    run_stages(tmp_path, "p", xyz=str(PYRIDINE), frozen_core=True, methods=("hf",))
    scf_object = load_scf(tmp_path / "p" / "scf.chk", 2000)
    labels = ("N 2s", "N 2p")
    pyscf_space = avas_orbitals(scf_object, 6, labels, 0.3)
    minimal = minimal_basis_molecule(scf_object.mol)
    target = minimal.search_ao_label(list(labels))
    ours = projected_orbitals(
        scf_object, 6, minimal.intor_symmetric("int1e_ovlp")[np.ix_(target, target)],
        gto.intor_cross("int1e_ovlp", minimal, scf_object.mol)[target] @ scf_object.mo_coeff,
        0.3, "ours")
    assert ours.choice == pyscf_space.choice
    assert sorted(ours.weights) == pytest.approx(sorted(pyscf_space.weights), abs=1e-8)

    def casci(space):
        solver = mcscf.CASCI(scf_object, space.choice.n_orbitals, space.choice.n_electrons)
        solver.verbose = 0
        return solver.kernel(space.coefficients)[0]

    assert casci(ours) == pytest.approx(casci(pyscf_space), abs=1e-8)


def test_natural_orbitals_keep_the_scf_reference(tmp_path):
    records = run_stages(tmp_path, "w", xyz=str(REPOSITORY / "tests/data/h2o_crawford.xyz"),
                         basis="6-31g", frozen_core=True, active_space_method="natural_orbitals",
                         occupation_threshold=0.01, methods=("hf", "mp2", "casci", "fci"))
    active = records["active_space"]
    assert active["selection"] == "natural_orbitals(occupation 0.01)"
    n_occupied = active["n_electrons"] // 2
    occupied, virtual = (active["selection_weights"][:n_occupied],
                         active["selection_weights"][n_occupied:])
    assert all(0.01 < weight < 1.99 for weight in occupied + virtual)
    assert all(weight > 1.0 for weight in occupied) and all(weight < 1.0 for weight in virtual)
    assert 0 < active["n_orbitals"] < active["n_molecular_orbitals"] - 1
    assert hf_determinant_energy(tmp_path / "w" / "hamiltonian.fcidump") == pytest.approx(
        records["scf"]["energy"], abs=1e-9)
    energies = records["references"]["energies"]
    assert energies["fci"] < energies["casci"] < energies["hf"]


def test_limits_and_bad_requests_are_refused(tmp_path):
    run_stages(tmp_path, "p", xyz=str(PYRIDINE), frozen_core=True, methods=("hf",))
    scf_object = load_scf(tmp_path / "p" / "scf.chk", 2000)
    limited = ActiveSpaceSettings(True, "pi", 6, 4, ("C 2p",), 0.2, 0.02)
    with pytest.raises(InputError, match=r"pi\(threshold 0.2\) selected \(6e,6o\), more orbitals "
                                         r"than the limit active_space.orbitals = 4"):
        select_active_space(scf_object, limited, 6)
    with pytest.raises(InputError, match="'C 2pz' names one component of a shell"):
        check_ao_labels(("N 2p", "C 2pz"))
    with pytest.raises(InputError, match="match no minimal-basis orbital"):
        avas_orbitals(scf_object, 6, ("Fe 3d",), 0.2)
    scf_object.max_memory = 1  # MB: the MP2 behind the natural orbitals cannot fit
    with pytest.raises(ResourceError, match=r"MP2 for the natural orbitals \(o=15, v=14\) needs"):
        natural_orbitals(scf_object, 6, 0.02)


def test_plane_normal_is_the_plane_and_refuses_a_non_planar_molecule():
    square = np.array([[0.0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]])
    assert abs(plane_normal(square, "square") @ np.array([0, 0, 1.0])) == pytest.approx(1.0)
    tetrahedron = np.array([[0.0, 0, 0], [1.5, 0, 0], [0, 1.5, 0], [0, 0, 1.5]])
    with pytest.raises(InputError, match="needs a planar molecule"):
        plane_normal(tetrahedron, "the XYZ file")
    with pytest.raises(InputError, match="needs at least 3 heavy atoms"):
        plane_normal(square[:2], "water")
