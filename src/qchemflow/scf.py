"""SCF stage: RHF for closed shells, ROHF for open shells, with fallback strategies.

Strategies, in order, until one converges: plain DIIS; level shift with damping; second-order
(Newton) SCF. A fallback that converged is polished by a plain SCF from its density, so the final
orbitals are canonical and the energy is converged to ``conv_tol``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from qchemflow.errors import ConvergenceError
from qchemflow.geometry import Atom
from qchemflow.results import write_file_atomic

LEVEL_SHIFT_HARTREE = 0.5
DAMPING_FACTOR = 0.5


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


def _new_scf_object(molecule: Any, conv_tol: float, max_cycles: int) -> Any:
    from pyscf import scf

    scf_object = scf.RHF(molecule) if molecule.spin == 0 else scf.ROHF(molecule)
    scf_object.conv_tol = conv_tol
    scf_object.conv_tol_grad = max(np.sqrt(conv_tol), 1e-8)
    scf_object.max_cycle = max_cycles
    scf_object.verbose = 0
    scf_object.max_memory = molecule.max_memory
    return scf_object


def run_scf(molecule: Any, conv_tol: float, max_cycles: int, chkfile: str | Path | None = None
            ) -> tuple[Any, list[str]]:
    """Run the SCF with fallbacks.

    Args:
        molecule: PySCF ``Mole``.
        conv_tol: energy convergence (Hartree).
        max_cycles: iterations per strategy.
        chkfile: where PySCF writes its checkpoint (written atomically), or None.

    Returns:
        The converged SCF object and the strategies tried, in order.

    Raises:
        ConvergenceError: no strategy converged.
    """
    attempts: list[str] = []
    scf_object = _new_scf_object(molecule, conv_tol, max_cycles)
    scf_object.kernel()
    attempts.append("diis")
    if not scf_object.converged:
        density = scf_object.make_rdm1()
        scf_object = _new_scf_object(molecule, conv_tol, max_cycles)
        scf_object.level_shift = LEVEL_SHIFT_HARTREE
        scf_object.damp = DAMPING_FACTOR
        scf_object.diis_start_cycle = 4
        scf_object.kernel(dm0=density)
        attempts.append("level_shift_damping")
    if not scf_object.converged:
        newton = _new_scf_object(molecule, conv_tol, max_cycles).newton()
        newton.kernel(scf_object.mo_coeff, scf_object.mo_occ)
        attempts.append("second_order")
        scf_object = newton
    if not scf_object.converged:
        raise ConvergenceError(
            f"SCF did not converge in {max_cycles} cycles with DIIS, level shift/damping or "
            "second-order SCF; check the geometry, charge and multiplicity, or raise scf.max_cycles")
    if len(attempts) > 1:
        polished = _new_scf_object(molecule, conv_tol, max_cycles)
        polished.kernel(dm0=scf_object.make_rdm1())
        if polished.converged:
            scf_object = polished
    if chkfile is not None:
        write_checkpoint(scf_object, chkfile)
    return scf_object, attempts


def write_checkpoint(scf_object: Any, chkfile: str | Path) -> None:
    """Save molecule and SCF results in PySCF's checkpoint format, atomically."""
    from pyscf.scf import chkfile as pyscf_chkfile

    write_file_atomic(chkfile, lambda temporary: pyscf_chkfile.dump_scf(
        scf_object.mol, temporary, scf_object.e_tot, scf_object.mo_energy, scf_object.mo_coeff,
        scf_object.mo_occ))


def load_scf(chkfile: str | Path, max_memory_mb: int) -> Any:
    """Rebuild a converged SCF object (RHF or ROHF) from its checkpoint, without iterating."""
    from pyscf.scf import chkfile as pyscf_chkfile

    molecule, results = pyscf_chkfile.load_scf(str(chkfile))
    molecule.max_memory = max_memory_mb
    molecule.verbose = 0
    molecule.output = os.devnull
    scf_object = _new_scf_object(molecule, 1e-10, 1)
    scf_object.__dict__.update(results)
    scf_object.converged = True
    scf_object.e_tot = float(results["e_tot"])
    return scf_object


def frontier_orbitals(scf_object: Any) -> tuple[float | None, float | None]:
    """Energies of the highest occupied and lowest unoccupied orbitals (Hartree)."""
    energies = np.asarray(scf_object.mo_energy)
    occupations = np.asarray(scf_object.mo_occ)
    occupied, virtual = energies[occupations > 0], energies[occupations == 0]
    homo = float(occupied.max()) if occupied.size else None
    lumo = float(virtual.min()) if virtual.size else None
    return homo, lumo


def scf_fields(scf_object: Any, attempts: list[str], basis: str, cartesian: bool,
               wall_s: float) -> dict[str, Any]:
    """The ``scf.json`` fields of a converged SCF."""
    spin_square, multiplicity = scf_object.spin_square()
    homo, lumo = frontier_orbitals(scf_object)
    molecule = scf_object.mol
    return {
        "method": "RHF" if molecule.spin == 0 else "ROHF",
        "basis": basis,
        "cartesian": cartesian,
        "n_basis_functions": int(molecule.nao_nr()),
        "n_molecular_orbitals": int(np.asarray(scf_object.mo_energy).size),
        "n_electrons": int(molecule.nelectron),
        "charge": int(molecule.charge),
        "spin": int(molecule.spin),
        "energy": float(scf_object.e_tot),
        "nuclear_repulsion": float(molecule.energy_nuc()),
        "converged": bool(scf_object.converged),
        "strategies": attempts,
        "s2": float(spin_square),
        "s2_multiplicity": float(multiplicity),
        "mo_energies": np.asarray(scf_object.mo_energy),
        "mo_occupations": np.asarray(scf_object.mo_occ),
        "homo": homo,
        "lumo": lumo,
        "wall_s": wall_s,
    }


def timed_scf(molecule: Any, conv_tol: float, max_cycles: int, chkfile: str | Path,
              basis: str, cartesian: bool) -> dict[str, Any]:
    """Run the SCF, write the checkpoint and return the ``scf.json`` fields."""
    start = time.perf_counter()
    scf_object, attempts = run_scf(molecule, conv_tol, max_cycles, chkfile)
    return scf_fields(scf_object, attempts, basis, cartesian, time.perf_counter() - start)
