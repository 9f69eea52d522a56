"""The focal-point CBS pieces: the X⁻³ extrapolation, basis names, density-fitted HF and MP2."""

from __future__ import annotations

import pytest

from conftest import REPOSITORY
from qchemflow.chemistry.cbs import (CBSSettings, auxiliary_basis, basis_function_count,
                                     cardinal_number, cbs_fields, density_fitted_energies,
                                     element_basis, focal_point_fields, in_basis,
                                     two_point_extrapolation)
from qchemflow.core.errors import InputError
from qchemflow.core.record_models import CBSBasisRecord

WATER = "O 0 0 0.1173; H 0 0.7572 -0.4692; H 0 -0.7572 -0.4692"
HYDROGEN_SULFIDE = "S 0 0 0.1030; H 0 0.9616 -0.8239; H 0 -0.9616 -0.8239"


def test_extrapolation_is_exact_for_the_x3_form():
    # Identity: energies that follow E(X) = E_CBS + A X^-3 exactly give E_CBS back.
    cbs, slope = -0.301234, 0.457
    energies = {x: cbs + slope / x ** 3 for x in (2, 3, 4, 5)}
    for small, large in ((2, 3), (3, 4), (4, 5), (2, 5)):
        assert two_point_extrapolation(energies[small], energies[large], small, large) == (
            pytest.approx(cbs, abs=1e-15))


def test_extrapolation_by_hand():
    # Hand calculation: (64 * -0.2900 - 27 * -0.2750) / (64 - 27) = -11.135 / 37.
    assert two_point_extrapolation(-0.2750, -0.2900, 3, 4) == pytest.approx(-11.135 / 37,
                                                                            abs=1e-15)
    with pytest.raises(ValueError, match="increase"):
        two_point_extrapolation(-0.29, -0.275, 4, 3)


@pytest.mark.parametrize(("basis", "cardinal"), [
    ("cc-pvdz", 2), ("cc-pVTZ", 3), ("CC-PVQZ", 4), ("cc-pv5z", 5), ("aug-cc-pvtz", 3),
    ("cc-pV(T+d)Z", 3), ("cc-pv(q+d)z", 4)])
def test_cardinal_numbers(basis, cardinal):
    assert cardinal_number(basis) == cardinal


@pytest.mark.parametrize("basis", ["6-31g*", "def2-tzvp", "cc-pvxz", "sto-3g"])
def test_other_basis_sets_are_refused_with_what_to_write(basis):
    with pytest.raises(InputError, match="cbs.basis_sets"):
        cardinal_number(basis)


def test_density_fitted_hf_and_mp2_equal_pyscf_directly():
    # Against PySCF's own density-fitted RHF (cc-pVDZ-JKFIT) and DF-MP2 (cc-pVDZ-RI), O 1s frozen.
    from pyscf import df, gto, mp, scf

    molecule = gto.M(atom=WATER, basis="cc-pvdz", verbose=0)
    ours = density_fitted_energies(molecule, "cc-pvdz", 1, 1e-10, 100, None)
    hartree_fock = scf.RHF(molecule).density_fit(auxbasis="cc-pvdz-jkfit").run(conv_tol=1e-10)
    solver = mp.dfmp2.DFMP2(hartree_fock, frozen=1)
    solver.with_df = df.DF(molecule, auxbasis="cc-pvdz-ri")
    solver.kernel()
    assert ours.hf == pytest.approx(hartree_fock.e_tot, abs=1e-9)
    assert ours.mp2_correlation == pytest.approx(solver.e_corr, abs=1e-9)
    assert (ours.cardinal, ours.n_basis_functions) == (2, 24)
    # The fitting error of DF-MP2 against exact-integral MP2 is tens of micro-Hartree at most.
    exact = mp.MP2(scf.RHF(molecule).run(conv_tol=1e-10), frozen=1).run()
    assert ours.mp2_correlation == pytest.approx(exact.e_corr, abs=1e-4)


def basis_energies(basis: str, cardinal: int, hf: float, correlation: float) -> CBSBasisRecord:
    return CBSBasisRecord(basis=basis, cardinal=cardinal, element_basis={"O": basis},
                          n_basis_functions=10 * cardinal, scf_strategies=["diis"], hf=hf,
                          mp2_correlation=correlation, hf_wall_s=0.0, mp2_wall_s=0.0)


def test_focal_point_composition():
    # By hand: HF(QZ) + [64 E_c(QZ) - 27 E_c(TZ)] / 37 + [CCSD(T) - MP2](DZ); DZ is not used
    # for the extrapolation (only the two largest are), and the order given does not matter.
    per_basis = [basis_energies("cc-pvqz", 4, -76.065, -0.290),
                 basis_energies("cc-pvdz", 2, -76.025, -0.200),
                 basis_energies("cc-pvtz", 3, -76.057, -0.275)]
    fields = focal_point_fields(per_basis, {"mp2": -76.226, "ccsd_t": -76.239}, "cc-pvdz")
    assert fields["basis_sets"] == ["cc-pvdz", "cc-pvtz", "cc-pvqz"]
    assert fields["mp2_correlation_cbs"] == pytest.approx(-11.135 / 37, abs=1e-15)
    assert fields["higher_order_correction"] == pytest.approx(-0.013, abs=1e-12)
    assert fields["ccsd_t_cbs"] == pytest.approx(-76.065 - 11.135 / 37 - 0.013, abs=1e-12)


def test_focal_point_refuses_what_it_cannot_combine():
    one = [basis_energies("cc-pvtz", 3, -76.0, -0.27)]
    with pytest.raises(InputError, match="cbs.basis_sets"):
        focal_point_fields(one, {"mp2": -76.2, "ccsd_t": -76.3}, "cc-pvdz")
    with pytest.raises(InputError, match="cbs.basis_sets"):
        focal_point_fields(one * 2, {"mp2": -76.2, "ccsd_t": -76.3}, "cc-pvdz")
    two = [*one, basis_energies("cc-pvqz", 4, -76.1, -0.29)]
    with pytest.raises(InputError, match="ccsd_t in the molecule's own basis"):
        focal_point_fields(two, {"mp2": -76.2, "ccsd_t": None}, "cc-pvdz")


def test_ccsd_t_cbs_of_shipped_water_equals_a_direct_pyscf_focal_point():
    # PA26_h2o, the GMTKN55 geometry the shipped table uses, O 1s frozen: the focal point built
    # by hand from PySCF (DF-HF/cc-pVQZ with its JKFIT set, DF-MP2/cc-pVTZ and cc-pVQZ with their
    # RI sets, X^-3 two-point formula, conventional MP2 and CCSD(T) in cc-pVDZ), to 1 micro-Hartree.
    from pyscf import cc, df, gto, mp, scf

    xyz = str(REPOSITORY / "molecules/xyz/gmtkn55/PA26_h2o.xyz")
    correlation, hartree_fock = {}, {}
    ours = []
    for basis, cardinal in (("cc-pvtz", 3), ("cc-pvqz", 4)):
        molecule = gto.M(atom=xyz, basis=basis, verbose=0)
        ours.append(density_fitted_energies(molecule, basis, 1, 1e-10, 100, None))
        reference = scf.RHF(molecule).density_fit(auxbasis=f"{basis}-jkfit").run(conv_tol=1e-10)
        solver = mp.dfmp2.DFMP2(reference, frozen=1)
        solver.with_df = df.DF(molecule, auxbasis=f"{basis}-ri")
        correlation[cardinal] = solver.kernel()[0]
        hartree_fock[cardinal] = reference.e_tot
    small = scf.RHF(gto.M(atom=xyz, basis="cc-pvdz", verbose=0)).run(conv_tol=1e-10)
    mp2_dz = mp.MP2(small, frozen=1).run().e_tot
    coupled = cc.CCSD(small, frozen=1).run(conv_tol=1e-10)
    ccsd_t_dz = coupled.e_tot + coupled.ccsd_t()
    direct = (hartree_fock[4] + (64 * correlation[4] - 27 * correlation[3]) / 37
              + ccsd_t_dz - mp2_dz)
    fields = focal_point_fields(ours, {"mp2": mp2_dz, "ccsd_t": ccsd_t_dz}, "cc-pvdz")
    assert fields["ccsd_t_cbs"] == pytest.approx(direct, abs=1e-6)


def test_second_row_atoms_get_the_tight_d_sets():
    # Al-Ar get cc-pV(X+d)Z (Dunning, Peterson, Wilson, JCP 114, 9244 (2001)), the rest cc-pVXZ;
    # the fitting sets stay cc-pVXZ's.
    assert element_basis(["S", "H", "H"], "cc-pvtz") == {"H": "cc-pvtz", "S": "cc-pv(t+d)z"}
    assert element_basis(["Cl", "C"], "aug-cc-pVQZ") == {"C": "aug-cc-pVQZ",
                                                          "Cl": "aug-cc-pv(q+d)z"}
    assert element_basis(["Al", "Ar", "Na", "K"], "cc-pv(d+d)z") == {
        "Al": "cc-pv(d+d)z", "Ar": "cc-pv(d+d)z", "K": "cc-pv(d+d)z", "Na": "cc-pv(d+d)z"}
    assert auxiliary_basis("cc-pV(T+d)Z", "ri") == "cc-pvtz-ri"
    assert auxiliary_basis("aug-cc-pvqz", "jkfit") == "aug-cc-pvqz-jkfit"
    # Counted by hand: cc-pVTZ S [5s4p2d1f] = 34, H [3s2p1d] = 14, so H2S has 62 functions; the
    # tight-d set adds one d shell to S, S [5s4p3d1f] = 39: 67. cc-pVQZ O [5s4p3d2f1g] = 55,
    # H [4s3p2d1f] = 30: water 115.
    from pyscf import gto

    plain = gto.M(atom=HYDROGEN_SULFIDE, basis="cc-pvtz", verbose=0)
    tight = in_basis(plain, "cc-pvtz")
    assert (plain.nao_nr(), tight.nao_nr()) == (62, 67)
    assert basis_function_count(["S", "H", "H"], "cc-pvtz") == 67
    assert basis_function_count(["O", "H", "H"], "cc-pvqz") == in_basis(
        gto.M(atom=WATER, basis="sto-3g", verbose=0), "cc-pvqz").nao_nr() == 115


def test_tight_d_energies_equal_pyscf_directly_and_lower_hf():
    # H2S in cc-pV(T+d)Z on S: ours equals PySCF's own DF-RHF (cc-pVTZ-JKFIT) and DF-MP2
    # (cc-pVTZ-RI) in that basis; against exact integrals the fitting error stays below 0.1 mHa.
    # The tight d lowers the HF energy by about 2 mHa here (the effect the sets were made for).
    from pyscf import df, gto, mp, scf

    molecule = in_basis(gto.M(atom=HYDROGEN_SULFIDE, basis="sto-3g", verbose=0), "cc-pvtz")
    ours = density_fitted_energies(molecule, "cc-pvtz", 5, 1e-10, 100, None)
    assert ours.element_basis == {"H": "cc-pvtz", "S": "cc-pv(t+d)z"}
    direct = scf.RHF(molecule).density_fit(auxbasis="cc-pvtz-jkfit").run(conv_tol=1e-10)
    solver = mp.MP2(direct, frozen=5)
    solver.with_df = df.DF(molecule, auxbasis="cc-pvtz-ri")
    solver.kernel()
    assert ours.hf == pytest.approx(direct.e_tot, abs=1e-9)
    assert ours.mp2_correlation == pytest.approx(solver.e_corr, abs=1e-9)
    exact = scf.RHF(molecule).run(conv_tol=1e-10)
    assert ours.hf == pytest.approx(exact.e_tot, abs=1e-4)
    assert ours.mp2_correlation == pytest.approx(mp.MP2(exact, frozen=5).run().e_corr, abs=1e-4)
    plain = scf.RHF(gto.M(atom=HYDROGEN_SULFIDE, basis="cc-pvtz", verbose=0)).run(conv_tol=1e-10)
    assert 1e-3 < plain.e_tot - exact.e_tot < 5e-3


def test_open_shell_cbs_starts_from_the_scf_density_and_equals_pyscf():
    # OH radical: ROHF, MP2 as UMP2 on the ROHF orbitals (as the references stage), each SCF
    # started from the small-basis ROHF density projected onto the larger basis. Against PySCF's
    # DF-ROHF from its own guess and DF-UMP2 (DFUMP2) with the RI sets, O 1s frozen.
    from pyscf import df, gto, mp, scf

    small = scf.ROHF(gto.M(atom="O 0 0 0; H 0 0 0.97", basis="cc-pvdz", spin=1,
                           verbose=0)).run(conv_tol=1e-10)
    settings = CBSSettings(("cc-pvdz", "cc-pvtz"), 1e-10, 100, None, "pcm")
    fields = cbs_fields(small, 1, {"mp2": -75.55, "ccsd_t": -75.57}, settings)
    for energies in fields["per_basis"]:
        molecule = in_basis(small.mol, energies["basis"])
        direct = scf.ROHF(molecule).density_fit(
            auxbasis=auxiliary_basis(energies["basis"], "jkfit")).run(conv_tol=1e-10)
        solver = mp.MP2(direct, frozen=1)
        solver.with_df = df.DF(molecule, auxbasis=auxiliary_basis(energies["basis"], "ri"))
        solver.kernel()
        assert energies["hf"] == pytest.approx(direct.e_tot, abs=1e-8)
        assert energies["mp2_correlation"] == pytest.approx(solver.e_corr, abs=1e-8)
        assert energies["scf_strategies"] == ["diis"]
    assert fields["flags"] == []
