"""Focal-point CCSD(T) at the complete-basis-set limit: the strong classical baseline.

E_CCSD(T)/CBS = E_HF(largest basis) + E_corr,MP2(CBS) + [E_CCSD(T) − E_MP2](molecule's basis)

- HF is taken in the largest basis, not extrapolated: the SCF energy converges exponentially with
  the cardinal number X (its error at quadruple zeta is a few tenths of a mHa and largely cancels in
  relative energies), and the X⁻³ form below does not describe it.
- The MP2 correlation energy is extrapolated from the two largest basis sets with
  E(X) = E_CBS + A·X⁻³ (Helgaker, Klopper, Koch, Noga, J. Chem. Phys. 106, 9639 (1997)), the
  correlation cusp's leading term: E_CBS = (X³E_X − Y³E_Y) / (X³ − Y³).
- The higher-order correction [CCSD(T) − MP2] converges faster with the basis than either method
  alone; it is taken from the references stage in the molecule's own basis, not recomputed.

HF and MP2 are density-fitted: HF with the basis's JK-fitting set (cc-pVXZ-JKFIT), MP2 with its
RI set (cc-pVXZ-RI, Weigend et al.), as a focal-point calculation is normally run.

Second-row atoms (Al–Ar) get the tight-d sets cc-pV(X+d)Z (Dunning, Peterson, Wilson, J. Chem.
Phys. 114, 9244 (2001); from the Basis Set Exchange, which PySCF reads them from), every other
element cc-pVXZ, as the sets are meant to be combined. The fitting sets stay cc-pVXZ's: no
cc-pV(X+d)Z-JKFIT or -RI is published; the fitting error this adds is a few tens of µHa (H2S in
cc-pV(T+d)Z: 42 µHa in HF, 62 µHa in the MP2 correlation, against 9 and 58 in cc-pVTZ).

The SCF in each basis starts from the SCF stage's density projected onto the new basis, so that it
lands on the same state (the stage may have followed an instability to a lower solution), and
falls back as the SCF stage does (level shift and damping, second-order SCF).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from qchemflow.core.errors import InputError
from qchemflow.core.memory import density_fitted_memory_mb, memory_fix, require_memory
from qchemflow.core.record_models import CBSBasisRecord

CARDINAL_LETTERS = {"d": 2, "t": 3, "q": 4, "5": 5, "6": 6}
MEMORY_FIX = memory_fix("cbs", "choose smaller cbs.basis_sets")
_CORRELATION_CONSISTENT = re.compile(r"^(aug-)?cc-pv\(?([dtq56])(\+d\))?z$")
# Al to Ar: the elements that have tight-d cc-pV(X+d)Z sets (X = D to 5).
TIGHT_D_ATOMIC_NUMBERS = range(13, 19)
TIGHT_D_LETTERS = "dtq5"


def cardinal_number(basis: str) -> int:
    """The cardinal number X of a correlation-consistent basis (cc-pVXZ, aug-cc-pVXZ,
    cc-pV(X+d)Z; case and hyphens as PySCF accepts them).

    Raises:
        InputError: not a correlation-consistent basis name.
    """
    match = _CORRELATION_CONSISTENT.match(basis.strip().lower())
    if match is None:
        raise InputError(f"basis '{basis}' is not a correlation-consistent cc-pVXZ set; the CBS "
                         "extrapolation needs two of them, e.g. cbs.basis_sets: [cc-pvtz, cc-pvqz]")
    return CARDINAL_LETTERS[match.group(2)]


def element_basis(symbols: Iterable[str], basis: str) -> dict[str, str]:
    """The set each element gets for the correlation-consistent ``basis`` (cc-pVXZ,
    aug-cc-pVXZ or their (X+d) names): cc-pV(X+d)Z on Al–Ar, ``basis`` on the rest.

    Raises:
        InputError: not a correlation-consistent basis name.
    """
    from pyscf.data import elements

    cardinal_number(basis)  # raises with what to write
    match = _CORRELATION_CONSISTENT.match(basis.strip().lower())
    assert match is not None
    aug, letter, _ = match.groups()
    tight = (f"{aug or ''}cc-pv({letter}+d)z" if letter in TIGHT_D_LETTERS else basis)
    return {symbol: tight if elements.charge(symbol) in TIGHT_D_ATOMIC_NUMBERS else basis
            for symbol in sorted(set(symbols))}


def basis_function_count(symbols: list[str], basis: str) -> int:
    """Spherical basis functions of atoms ``symbols`` in ``basis`` with the tight-d sets on Al–Ar
    (:func:`element_basis`), without a geometry."""
    from qchemflow.chemistry.molecules import basis_orbital_counts

    return sum(basis_orbital_counts([symbol for symbol in symbols if symbol == element], name,
                                    False)[0]
               for element, name in element_basis(symbols, basis).items())


def auxiliary_basis(basis: str, kind: str) -> str:
    """The fitting set (``kind`` ``jkfit`` or ``ri``) of a correlation-consistent basis: that of
    cc-pVXZ for cc-pV(X+d)Z too (none is published for the tight-d sets)."""
    return re.sub(r"\(([dtq56])\+d\)", r"\1", basis.strip().lower()) + f"-{kind}"


def two_point_extrapolation(energy_small: float, energy_large: float, cardinal_small: int,
                            cardinal_large: int) -> float:
    """E_CBS of E(X) = E_CBS + A·X⁻³ through two points (Helgaker et al. 1997).

    Args:
        energy_small: the correlation energy at cardinal number ``cardinal_small``.
        energy_large: the correlation energy at ``cardinal_large`` (> ``cardinal_small``).

    Raises:
        ValueError: the cardinal numbers are not increasing.
    """
    if cardinal_large <= cardinal_small:
        raise ValueError(f"cardinal numbers must increase: {cardinal_small}, {cardinal_large}")
    small, large = cardinal_small ** 3, cardinal_large ** 3
    return (large * energy_large - small * energy_small) / (large - small)


@dataclass(frozen=True)
class CBSSettings:
    """The CBS stage of one molecule: the basis sets whose MP2 correlation is extrapolated (the
    two largest), the SCF's convergence, and the molecule's solvent (None: gas phase)."""

    basis_sets: tuple[str, ...]
    conv_tol: float
    max_cycles: int
    solvent: str | None
    solvent_model: str


def density_fitted_energies(molecule: Any, basis: str, n_frozen: int, conv_tol: float,
                            max_cycles: int, solvent: Any, initial_density: Any = None
                            ) -> CBSBasisRecord:
    """Density-fitted HF (RHF, or ROHF for open shells) and MP2 (RMP2, or UMP2 on the ROHF
    orbitals as in the references stage) of ``molecule``, ``n_frozen`` core orbitals frozen in
    MP2.

    Args:
        molecule: a PySCF ``Mole`` in ``basis`` (:func:`in_basis`).
        basis: the correlation-consistent set it is in, by name; it names the fitting sets.
        solvent: the implicit solvent (``qchemflow.chemistry.solvent.Solvent``) or None.
        initial_density: the SCF's start (None: PySCF's guess).

    Raises:
        ConvergenceError: the SCF did not converge with any fallback.
    """
    from pyscf import df, mp

    from qchemflow.chemistry.scf import converge_with_fallbacks, new_scf_object

    start = time.perf_counter()
    scf_object, strategies = converge_with_fallbacks(
        lambda: new_scf_object(molecule, conv_tol, max_cycles, solvent, density_fit=True,
                               auxiliary_basis=auxiliary_basis(basis, "jkfit")),
        initial_density, max_cycles)
    hf_wall_s = time.perf_counter() - start
    start = time.perf_counter()
    solver = mp.MP2(scf_object, frozen=n_frozen or None)
    solver.with_df = df.DF(molecule, auxbasis=auxiliary_basis(basis, "ri"))
    solver.verbose = 0
    solver.kernel()
    symbols = [molecule.atom_pure_symbol(index) for index in range(molecule.natm)]
    return CBSBasisRecord(basis=basis, cardinal=cardinal_number(basis),
                          element_basis=element_basis(symbols, basis),
                          n_basis_functions=int(molecule.nao_nr()), scf_strategies=strategies,
                          hf=float(scf_object.e_tot), mp2_correlation=float(solver.e_corr),
                          hf_wall_s=hf_wall_s, mp2_wall_s=time.perf_counter() - start)


def focal_point_fields(per_basis: list[CBSBasisRecord], reference_energies: dict[str, Any],
                       reference_basis: str) -> dict[str, Any]:
    """The CCSD(T)/CBS energy and every component, from HF and MP2 in two or more basis sets
    and the references stage's MP2 and CCSD(T) in the molecule's own basis.

    The MP2 correlation is extrapolated from the two largest cardinal numbers; HF is the one in
    the largest basis.

    Args:
        per_basis: HF and MP2 in each basis set (any order, distinct cardinal numbers).
        reference_energies: the references record's ``energies`` (``mp2`` and ``ccsd_t`` total
            energies in ``reference_basis``).
        reference_basis: the molecule's own basis.

    Raises:
        InputError: fewer than two basis sets, two with the same cardinal number, or references
            without MP2 or CCSD(T) (they must be among ``references.methods``).
    """
    ordered = sorted(per_basis, key=lambda energies: energies.cardinal)
    if len(ordered) < 2 or len({energies.cardinal for energies in ordered}) < len(ordered):
        raise InputError("config key 'cbs.basis_sets': give two or more correlation-consistent "
                         "sets of different cardinal numbers, e.g. [cc-pvtz, cc-pvqz]")
    missing = [name for name in ("mp2", "ccsd_t") if reference_energies.get(name) is None]
    if missing:
        raise InputError(f"the CBS energy needs {' and '.join(missing)} in the molecule's own "
                         "basis: add them to references.methods")
    small, large = ordered[-2], ordered[-1]
    mp2_correlation_cbs = two_point_extrapolation(small.mp2_correlation, large.mp2_correlation,
                                                  small.cardinal, large.cardinal)
    higher_order = float(reference_energies["ccsd_t"]) - float(reference_energies["mp2"])
    return {
        "scheme": "HF in the largest basis + MP2 correlation extrapolated as E(X) = E_CBS + A X^-3 "
                  "from the two largest basis sets (Helgaker et al., JCP 106, 9639 (1997)) + "
                  "[CCSD(T) - MP2] in the molecule's basis",
        "basis_sets": [energies.basis for energies in ordered],
        "per_basis": [energies.model_dump() for energies in ordered],
        "hf_largest": large.hf,
        "mp2_correlation_cbs": mp2_correlation_cbs,
        "higher_order_correction": higher_order,
        "higher_order_basis": reference_basis,
        "ccsd_t_cbs": large.hf + mp2_correlation_cbs + higher_order,
    }


def cbs_fields(scf_object: Any, n_frozen: int, reference_energies: dict[str, Any],
               settings: CBSSettings) -> dict[str, Any]:
    """Everything in ``cbs.json`` but the envelope: HF and MP2 in each of ``settings.basis_sets``
    for the geometry, charge and spin of the SCF stage's ``scf_object`` (each SCF started from
    its density), and the focal-point CCSD(T)/CBS energy.

    Basis functions are spherical (the correlation-consistent sets are defined so), whatever the
    molecule's own basis uses.

    Raises:
        InputError: basis sets that are not correlation-consistent or do not cover an element,
            references without MP2 or CCSD(T).
        ConvergenceError: an SCF did not converge.
    """
    from pyscf.scf.addons import project_dm_nr2nr

    from qchemflow.chemistry.solvent import solvent_or_gas

    for basis in settings.basis_sets:
        cardinal_number(basis)  # refuse a bad name before any SCF
    start = time.perf_counter()
    molecule = scf_object.mol
    solvent = solvent_or_gas(settings.solvent, settings.solvent_model)
    in_bases = [(basis, in_basis(molecule, basis)) for basis in settings.basis_sets]
    for basis, copy in in_bases:  # refuse before any SCF
        require_density_fitted_memory(copy, basis)
    density = scf_object.make_rdm1()
    per_basis = [density_fitted_energies(copy, basis, n_frozen, settings.conv_tol,
                                         settings.max_cycles, solvent,
                                         project_dm_nr2nr(molecule, density, copy))
                 for basis, copy in in_bases]
    fields = focal_point_fields(per_basis, reference_energies, str(molecule.basis))
    fields["flags"] = [f"the SCF in {energies.basis} needed {', '.join(energies.scf_strategies)}"
                       for energies in per_basis if energies.scf_strategies != ["diis"]]
    fields["wall_s"] = time.perf_counter() - start
    return fields


def require_density_fitted_memory(molecule: Any, basis: str) -> float:
    """The density-fitted HF and MP2 of ``molecule`` in ``basis`` (its JKFIT and RI sets, the
    larger) against the job's memory (``molecule.max_memory``).

    Raises:
        ResourceError: with the estimate and what to change.
    """
    from pyscf.df.addons import make_auxmol

    auxiliary = max(make_auxmol(molecule, auxiliary_basis(basis, kind)).nao_nr()
                    for kind in ("jkfit", "ri"))
    occupied = (molecule.nelectron + molecule.spin) // 2
    needed = density_fitted_memory_mb(molecule.nao_nr(), auxiliary, occupied,
                                      molecule.nao_nr() - occupied)
    return require_memory(needed, molecule.max_memory,
                          f"density-fitted HF and MP2 in {basis} ({molecule.nao_nr()} basis "
                          f"functions, {auxiliary} auxiliary)", MEMORY_FIX)


def in_basis(molecule: Any, basis: str) -> Any:
    """A copy of ``molecule`` (geometry, charge, spin, memory) in ``basis``, spherical, with
    the tight-d sets on Al–Ar (:func:`element_basis`).

    Raises:
        InputError: the basis has no functions for one of the molecule's elements.
    """
    copy = molecule.copy()
    copy.basis = element_basis([molecule.atom_pure_symbol(index)
                                for index in range(molecule.natm)], basis)
    copy.cart = False
    try:
        copy.build(parse_arg=False)
    except (KeyError, RuntimeError, ValueError) as error:
        raise InputError(f"basis '{basis}' does not cover every element of this molecule "
                         f"({error}); pick cbs.basis_sets that do") from error
    return copy
