"""SCF stage: RHF for closed shells, ROHF for open shells, with fallback strategies.

Strategies, in order, until one converges: plain DIIS; level shift with damping; second-order
(Newton) SCF. A fallback that converged is polished by a plain SCF from its density, so the final
orbitals are canonical and the energy is converged to ``conv_tol``.

A converged SCF can still be a saddle point. The stability analysis (the orbital-rotation Hessian,
PySCF's ``stability``) finds a direction that lowers the energy without leaving RHF (or ROHF):
an internal instability. It is followed, by a new SCF from the rotated orbitals, until the
solution is stable. An RHF→UHF (external) instability is reported but not followed: every later
stage works with restricted orbitals.

With a solvent (:mod:`qchemflow.chemistry.solvent`) every SCF above runs in its self-consistent
reaction field, and the stability analysis includes the solvent's response. The checkpoint keeps
the final reaction field, so the later stages load the SCF with that field frozen.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qchemflow.chemistry.geometry import Atom
from qchemflow.chemistry.solvent import (ReactionField, Solvent, attach_solvent,
                                         freeze_reaction_field, is_solvated, reaction_field,
                                         solvent_fields, solvent_or_gas, solvent_response)
from qchemflow.core.errors import ConvergenceError
from qchemflow.core.units import HARTREE_TO_MILLIHARTREE
from qchemflow.core.memory import memory_fix, require_memory, scf_working_memory_mb
from qchemflow.core.files import write_file_atomic

LEVEL_SHIFT_HARTREE = 0.5
DAMPING_FACTOR = 0.5
MAX_STABILITY_STEPS = 5
ENERGY_LOWERING_HARTREE = 1e-9
REACTION_FIELD_KEY = "qchemflow/reaction_field"


@dataclass(frozen=True)
class SCFSettings:
    """The SCF of one molecule: basis, convergence, stability analysis, solvent (``solvent``
    None: gas phase; ``solvent_model``: ``pcm`` or ``ddcosmo``) and whether a density-fitted SCF
    gives the exact SCF its start (``density_fit``)."""

    basis: str
    cartesian: bool
    conv_tol: float
    max_cycles: int
    stability: bool
    solvent: str | None
    solvent_model: str
    density_fit: bool

    @property
    def solvent_or_gas(self) -> Solvent | None:
        """The solvent, or None in the gas phase."""
        return solvent_or_gas(self.solvent, self.solvent_model)


def build_molecule(atoms: tuple[Atom, ...], charge: int, spin: int, basis: str, cartesian: bool,
                   max_memory_mb: int) -> Any:
    """A PySCF ``Mole`` (Ångström input, silent, explicit memory).

    Args:
        atoms: the geometry.
        charge: total charge.
        spin: 2S.
        basis: PySCF basis name.
        cartesian: Cartesian (True) or spherical (False) basis functions.
        max_memory_mb: PySCF's ``max_memory``.
    """
    from pyscf import gto

    return gto.M(atom=[(atom.symbol, atom.position()) for atom in atoms], unit="Angstrom",
                 charge=charge, spin=spin, basis=basis, cart=cartesian, verbose=0,
                 max_memory=max_memory_mb, output=os.devnull)


def new_scf_object(molecule: Any, conv_tol: float, max_cycles: int,
                   solvent: Solvent | None, density_fit: bool = False,
                   auxiliary_basis: str | None = None) -> Any:
    """A silent RHF (closed shell) or ROHF (open shell) with the given convergence settings, in
    the solvent's reaction field (``solvent`` None: gas phase), with density-fitted Coulomb and
    exchange when ``density_fit`` (in ``auxiliary_basis``; None: PySCF's default JK-fitting
    set)."""
    from pyscf import scf

    scf_object = scf.RHF(molecule) if molecule.spin == 0 else scf.ROHF(molecule)
    if density_fit:
        scf_object = scf_object.density_fit(auxbasis=auxiliary_basis)
    if solvent is not None:
        scf_object = attach_solvent(scf_object, solvent)
    scf_object.conv_tol = conv_tol
    scf_object.conv_tol_grad = max(np.sqrt(conv_tol), 1e-8)
    scf_object.max_cycle = max_cycles
    scf_object.verbose = 0
    scf_object.max_memory = molecule.max_memory
    return scf_object


def run_scf(molecule: Any, conv_tol: float, max_cycles: int, solvent: Solvent | None,
            density_fit: bool = False) -> tuple[Any, list[str]]:
    """Run the SCF with fallbacks (no stability analysis).

    With ``density_fit``, a density-fitted SCF runs first and its density starts the exact one,
    which then needs only a few of the expensive exact-integral iterations; the result is the
    exact SCF either way.

    Args:
        molecule: PySCF ``Mole``.
        conv_tol: energy convergence (Hartree).
        max_cycles: iterations per strategy.
        solvent: the implicit solvent, or None for the gas phase.
        density_fit: start from a density-fitted SCF.

    Returns:
        The converged SCF object and the strategies tried, in order.

    Raises:
        ConvergenceError: no strategy converged.
    """
    attempts: list[str] = []
    start = None
    if density_fit:
        fitted = new_scf_object(molecule, conv_tol, max_cycles, solvent, density_fit=True)
        fitted.kernel()
        attempts.append("density_fitted")
        start = fitted.make_rdm1()
    scf_object, tried = converge_with_fallbacks(
        lambda: new_scf_object(molecule, conv_tol, max_cycles, solvent), start, max_cycles)
    return scf_object, attempts + tried


def converge_with_fallbacks(new_object: Callable[[], Any], initial_density: Any,
                            max_cycles: int) -> tuple[Any, list[str]]:
    """Converge the SCF that ``new_object`` makes (a fresh, configured object per try): DIIS
    from ``initial_density`` (None: PySCF's guess), then level shift and damping, then
    second-order SCF; a solution found by a fallback is polished by plain DIIS.

    Returns:
        The converged SCF object and the strategies tried, in order.

    Raises:
        ConvergenceError: no strategy converged.
    """
    attempts: list[str] = []
    scf_object = new_object()
    scf_object.kernel(dm0=initial_density)
    attempts.append("diis")
    if not scf_object.converged:
        density = scf_object.make_rdm1()
        scf_object = new_object()
        scf_object.level_shift = LEVEL_SHIFT_HARTREE
        scf_object.damp = DAMPING_FACTOR
        scf_object.diis_start_cycle = 4
        scf_object.kernel(dm0=density)
        attempts.append("level_shift_damping")
    if not scf_object.converged:
        newton = new_object().newton()
        newton.kernel(scf_object.mo_coeff, scf_object.mo_occ)
        attempts.append("second_order")
        scf_object = newton
    if not scf_object.converged:
        raise ConvergenceError(
            f"SCF did not converge in {max_cycles} cycles with DIIS, level shift/damping or "
            "second-order SCF; check the geometry, charge and multiplicity, or raise scf.max_cycles")
    if attempts[-1] != "diis":
        polished = new_object()
        polished.kernel(dm0=scf_object.make_rdm1())
        if polished.converged:
            scf_object = polished
    return scf_object, attempts


def orbital_rotation_count(mo_occupations: np.ndarray) -> int:
    """Orbital rotations that change the SCF determinant: doubly occupied to singly occupied or
    empty, and singly occupied to empty. Without any (He, Ne, H atoms in a minimal basis) there
    is nothing to analyse."""
    occupations = np.asarray(mo_occupations)
    doubly, singly, empty = (int(np.sum(occupations == value)) for value in (2, 1, 0))
    return doubly * (singly + empty) + singly * empty


def _internal_stability(scf_object: Any) -> tuple[bool, np.ndarray]:
    # with_symmetry=False: every rotation, symmetry breaking included (PySCF's symmetry-filtered
    # start vector is empty for open-shell atoms).
    from pyscf.scf import stability

    analyse = stability.rhf_internal if scf_object.mol.spin == 0 else stability.rohf_internal
    with solvent_response(scf_object):
        rotated_orbitals, internal_stable = analyse(scf_object, with_symmetry=False,
                                                    return_status=True)
    return bool(internal_stable), np.asarray(rotated_orbitals)


def _external_stability(scf_object: Any) -> bool | None:
    """RHF -> UHF stability; None for ROHF (no external analysis)."""
    from pyscf.scf import stability

    if scf_object.mol.spin != 0:
        return None
    with solvent_response(scf_object):
        _, external_stable = stability.rhf_external(scf_object, with_symmetry=False,
                                                    return_status=True)
    return bool(external_stable)


def _lower_solution(scf_object: Any, rotated_orbitals: np.ndarray, conv_tol: float,
                    max_cycles: int, solvent: Solvent | None) -> Any | None:
    """A converged SCF from the rotated orbitals with a lower energy, or None."""
    followed = new_scf_object(scf_object.mol, conv_tol, max_cycles, solvent)
    followed.kernel(dm0=followed.make_rdm1(rotated_orbitals, scf_object.mo_occ))
    if followed.converged and followed.e_tot < scf_object.e_tot - ENERGY_LOWERING_HARTREE:
        return followed
    newton = new_scf_object(scf_object.mol, conv_tol, max_cycles, solvent).newton()
    newton.kernel(rotated_orbitals, scf_object.mo_occ)
    if newton.converged and newton.e_tot < scf_object.e_tot - ENERGY_LOWERING_HARTREE:
        return newton
    return None


def _stability_record(energies: list[float], internal_stable: bool | None,
                      external_stable: bool | None, **details: str) -> dict[str, Any]:
    return {"internal_stable": internal_stable, "external_stable": external_stable,
            "followed": len(energies) - 1, "energies": energies,
            "energy_lowering": energies[0] - energies[-1], **details}


def follow_internal_instability(scf_object: Any, conv_tol: float, max_cycles: int,
                                solvent: Solvent | None) -> tuple[Any, dict[str, Any]]:
    """Check the SCF's stability and follow internal instabilities to a stable solution.

    When PySCF's Davidson solver itself fails (a numerical breakdown, not a finding about the
    molecule) the SCF is kept as it is and the record says the analysis failed.

    Args:
        scf_object: a converged RHF or ROHF.
        conv_tol: energy convergence of the SCFs that follow an instability.
        max_cycles: iterations per SCF.
        solvent: the solvent of ``scf_object`` (None: gas phase), kept by the SCFs that follow.

    Returns:
        The final SCF object and the ``stability`` record: ``internal_stable`` (of the final
        solution; None when the analysis failed, with ``error``), ``external_stable`` (RHF→UHF;
        None for ROHF), ``followed`` (how many instabilities were followed), ``energies`` (the
        SCF energy before and after each) and ``energy_lowering`` (first minus last, Hartree).
    """
    from pyscf.lib.exceptions import LinearDependencyError

    try:
        return _follow(scf_object, conv_tol, max_cycles, solvent)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError, LinearDependencyError) as error:
        return scf_object, _stability_record([float(scf_object.e_tot)], None, None,
                                             error=f"{type(error).__name__}: {error}")


def _follow(scf_object: Any, conv_tol: float, max_cycles: int, solvent: Solvent | None
            ) -> tuple[Any, dict[str, Any]]:
    energies = [float(scf_object.e_tot)]
    if orbital_rotation_count(scf_object.mo_occ) == 0:
        return scf_object, _stability_record(
            energies, True, True if scf_object.mol.spin == 0 else None,
            note="no orbital rotation changes this determinant")
    internal_stable, rotated_orbitals = _internal_stability(scf_object)
    while not internal_stable and len(energies) <= MAX_STABILITY_STEPS:
        lower = _lower_solution(scf_object, rotated_orbitals, conv_tol, max_cycles, solvent)
        if lower is None:
            break
        scf_object = lower
        energies.append(float(scf_object.e_tot))
        internal_stable, rotated_orbitals = _internal_stability(scf_object)
    return scf_object, _stability_record(energies, internal_stable,
                                         _external_stability(scf_object))


def stability_flags(stability: dict[str, Any] | None) -> list[str]:
    """The report's flags for a ``stability`` record (empty when nothing is worth saying)."""
    if stability is None:
        return []
    if stability["internal_stable"] is None:
        return [f"SCF: the stability analysis failed ({stability['error']}); the SCF may be a "
                "saddle point"]
    flags = []
    if stability["followed"]:
        flags.append(f"SCF: the first solution was a saddle point; {stability['followed']} "
                     f"internal instability followed, energy lowered by "
                     f"{stability['energy_lowering'] * HARTREE_TO_MILLIHARTREE:.4g} mHa")
    if not stability["internal_stable"]:
        flags.append(f"SCF: an internal instability remains after {stability['followed']} "
                     "steps; the SCF energy is not a minimum")
    if stability["external_stable"] is False:
        flags.append("SCF: RHF is unstable towards UHF (external instability), a sign of "
                     "open-shell or multireference character; restricted orbitals are kept")
    return flags


def write_checkpoint(scf_object: Any, chkfile: str | Path, field: ReactionField | None) -> None:
    """Save molecule and SCF results in PySCF's checkpoint format, and the solvent's reaction
    field when there is one, atomically."""
    from pyscf import lib
    from pyscf.scf import chkfile as pyscf_chkfile

    def write(temporary: str) -> None:
        pyscf_chkfile.dump_scf(scf_object.mol, temporary, scf_object.e_tot, scf_object.mo_energy,
                               scf_object.mo_coeff, scf_object.mo_occ)
        if field is not None:
            lib.chkfile.save(temporary, REACTION_FIELD_KEY, {
                "potential": field.potential, "solvation_energy": field.solvation_energy,
                "energy_shift": field.energy_shift})

    write_file_atomic(chkfile, write)


def load_scf(chkfile: str | Path, max_memory_mb: int) -> Any:
    """Rebuild a converged SCF object (RHF or ROHF) from its checkpoint, without iterating.

    A solvated SCF comes back with its reaction field frozen
    (:class:`~qchemflow.chemistry.solvent.FrozenReactionField`): its energy expression gives the
    solvated SCF energy, and every later method sees the same field.
    """
    from pyscf import lib
    from pyscf.scf import chkfile as pyscf_chkfile

    molecule, results = pyscf_chkfile.load_scf(str(chkfile))
    molecule.max_memory = max_memory_mb
    molecule.verbose = 0
    molecule.output = os.devnull
    scf_object = new_scf_object(molecule, 1e-10, 1, None)
    scf_object.__dict__.update(results)
    scf_object.converged = True
    scf_object.e_tot = float(results["e_tot"])
    stored = lib.chkfile.load(str(chkfile), REACTION_FIELD_KEY)
    if stored is not None:
        scf_object = freeze_reaction_field(scf_object, ReactionField(
            np.asarray(stored["potential"]), float(stored["solvation_energy"]),
            float(stored["energy_shift"])))
    return scf_object


def frontier_orbitals(scf_object: Any) -> tuple[float | None, float | None]:
    """Energies of the highest occupied and lowest unoccupied orbitals (Hartree)."""
    energies = np.asarray(scf_object.mo_energy)
    occupations = np.asarray(scf_object.mo_occ)
    occupied, virtual = energies[occupations > 0], energies[occupations == 0]
    homo = float(occupied.max()) if occupied.size else None
    lumo = float(virtual.min()) if virtual.size else None
    return homo, lumo


def scf_fields(scf_object: Any, attempts: list[str], stability: dict[str, Any] | None,
               settings: SCFSettings, field: ReactionField | None, wall_s: float
               ) -> dict[str, Any]:
    """The ``scf.json`` fields of a converged SCF (``stability`` None: not analysed; ``field``
    None: gas phase)."""
    spin_square, multiplicity = scf_object.spin_square()
    homo, lumo = frontier_orbitals(scf_object)
    molecule = scf_object.mol
    return {
        "method": "RHF" if molecule.spin == 0 else "ROHF",
        "basis": settings.basis,
        "cartesian": settings.cartesian,
        "density_fit": settings.density_fit,
        "solvent": solvent_fields(settings.solvent_or_gas, field),
        "n_basis_functions": int(molecule.nao_nr()),
        "n_molecular_orbitals": int(np.asarray(scf_object.mo_energy).size),
        "n_electrons": int(molecule.nelectron),
        "charge": int(molecule.charge),
        "spin": int(molecule.spin),
        "energy": float(scf_object.e_tot),
        "nuclear_repulsion": float(molecule.energy_nuc()),
        "converged": bool(scf_object.converged),
        "strategies": attempts,
        "stability": stability,
        "flags": stability_flags(stability),
        "s2": float(spin_square),
        "s2_multiplicity": float(multiplicity),
        "mo_energies": np.asarray(scf_object.mo_energy),
        "mo_occupations": np.asarray(scf_object.mo_occ),
        "homo": homo,
        "lumo": lumo,
        "wall_s": wall_s,
    }


def timed_scf(molecule: Any, settings: SCFSettings, chkfile: str | Path) -> dict[str, Any]:
    """Run the SCF (and its stability analysis), write the checkpoint, return ``scf.json``'s fields.
    """
    start = time.perf_counter()
    n_basis_functions = int(molecule.nao_nr())
    estimate = require_memory(
        scf_working_memory_mb(n_basis_functions), molecule.max_memory,
        f"SCF ({n_basis_functions} basis functions)",
        memory_fix("scf", "use a smaller basis"))
    solvent = settings.solvent_or_gas
    scf_object, attempts = run_scf(molecule, settings.conv_tol, settings.max_cycles, solvent,
                                   settings.density_fit)
    stability = None
    if settings.stability:
        scf_object, stability = follow_internal_instability(scf_object, settings.conv_tol,
                                                            settings.max_cycles, solvent)
    field = reaction_field(scf_object) if is_solvated(scf_object) else None
    write_checkpoint(scf_object, chkfile, field)
    fields = scf_fields(scf_object, attempts, stability, settings, field,
                        time.perf_counter() - start)
    # PySCF keeps the two-electron integrals in memory only when they fit in max_memory;
    # otherwise it recomputes them every iteration (direct SCF).
    return {**fields, "memory_estimate_mb": estimate,
            "integrals_in_memory": getattr(scf_object, "_eri", None) is not None}
