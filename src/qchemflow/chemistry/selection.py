"""Active spaces a chemist would choose: AVAS, the π system, MP2 natural orbitals.

Each method rotates the SCF orbitals within the occupied and within the virtual space only, so the
SCF determinant stays the reference of the active space (its energy in the active-space
Hamiltonian is the SCF energy) and the core density is the SCF's:

- ``avas``: PySCF's ``mcscf.avas`` (Sayfutyarova et al., J. Chem. Theory Comput. 13, 4063
  (2017)): occupied and virtual orbitals are rotated to diagonalise their projection onto the
  minimal-basis AOs named by ``ao_labels``; those with a weight above ``threshold`` are active.
  Labels must name whole shells (``C 2p``), never one Cartesian component (``C 2pz``), whose
  meaning depends on how the molecule is oriented.
- ``pi``: the same projection onto the valence p orbital of every heavy atom along the normal of
  the molecule's plane (fitted to the heavy atoms), so the π system is found whatever the
  orientation of the input.
- ``natural_orbitals``: natural orbitals of the (frozen-core) MP2 one-particle density,
  diagonalised in the occupied and in the virtual block separately; occupied ones with an
  occupation below 2 − ``occupation_threshold`` and virtual ones above it are active.

Singly occupied orbitals (ROHF) are always active. Every block (inactive occupied, active
occupied, active virtual, inactive virtual) is finally canonicalised, i.e. made to diagonalise the
SCF's Fock matrix within the block, so the result depends on the space chosen, not on the
orientation of the input or on arbitrary rotations of degenerate orbitals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from qchemflow.chemistry.active_space import (ActiveOrbitals, ActiveSpaceChoice,
                                              ActiveSpaceSettings, choose_active_space,
                                              window_orbitals)
from qchemflow.core.errors import InputError
from qchemflow.core.memory import memory_fix, mp2_memory_mb, require_memory

MAX_PLANE_DEVIATION_ANGSTROM = 0.25
BOHR_TO_ANGSTROM = 0.52917721092
_COMPONENT_LABEL = re.compile(r"\d+[spdfg](x|y|z|[+-]?\d|xy|xz|yz|xx|yy|zz|x2-y2|z\^2)\s*$")


@dataclass(frozen=True)
class OrbitalBlocks:
    """The SCF's orbitals split by occupation (columns of ``mo_coeff``)."""

    frozen: np.ndarray
    doubly: np.ndarray
    singly: np.ndarray
    virtual: np.ndarray


def orbital_blocks(scf_object: Any, n_frozen: int) -> OrbitalBlocks:
    """Frozen core, doubly occupied (not frozen), singly occupied and virtual orbital indices."""
    occupations = np.asarray(scf_object.mo_occ)
    indices = np.arange(occupations.size)
    doubly = indices[occupations > 1.5]
    return OrbitalBlocks(doubly[:n_frozen], doubly[n_frozen:],
                         indices[(occupations > 0.5) & (occupations < 1.5)],
                         indices[occupations < 0.5])


def fock_in(scf_object: Any, coefficients: np.ndarray) -> np.ndarray:
    """The SCF's Fock matrix (diagonal with the orbital energies in its own orbitals) in the
    orbitals ``coefficients`` (columns), which must lie in the span of the SCF orbitals."""
    overlap = scf_object.get_ovlp()
    projection = coefficients.T @ overlap @ np.asarray(scf_object.mo_coeff)
    return (projection * np.asarray(scf_object.mo_energy)) @ projection.T


def canonicalised(scf_object: Any, coefficients: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The block's orbitals rotated to diagonalise the Fock matrix: coefficients and energies."""
    if coefficients.shape[1] == 0:
        return coefficients, np.zeros(0)
    energies, rotation = np.linalg.eigh(fock_in(scf_object, coefficients))
    return coefficients @ rotation, energies


def assemble(scf_object: Any, blocks: OrbitalBlocks, core: np.ndarray, active_occupied: np.ndarray,
             active_virtual: np.ndarray, inactive_virtual: np.ndarray, selection: str,
             weights: list[float]) -> ActiveOrbitals:
    """The active orbitals from the rotated blocks (each canonicalised here; frozen core and
    singly occupied orbitals kept as the SCF made them)."""
    mo_coeff = np.asarray(scf_object.mo_coeff)
    mo_energy = np.asarray(scf_object.mo_energy)
    parts = [(mo_coeff[:, blocks.frozen], mo_energy[blocks.frozen]),
             canonicalised(scf_object, core), canonicalised(scf_object, active_occupied),
             (mo_coeff[:, blocks.singly], mo_energy[blocks.singly]),
             canonicalised(scf_object, active_virtual),
             canonicalised(scf_object, inactive_virtual)]
    n_frozen = blocks.frozen.size
    n_core = n_frozen + core.shape[1]
    n_orbitals = active_occupied.shape[1] + blocks.singly.size + active_virtual.shape[1]
    n_electrons = 2 * active_occupied.shape[1] + blocks.singly.size
    if n_orbitals == 0 or n_electrons == 0:
        raise InputError(f"{selection} selected no active {'orbitals' if n_orbitals == 0 else 'electrons'}; "
                         "lower the threshold or use another active_space.method")
    choice = ActiveSpaceChoice(n_frozen, n_core, n_electrons, n_orbitals,
                               int(scf_object.mol.spin))
    return ActiveOrbitals(choice, np.hstack([part[0] for part in parts]),
                          np.concatenate([part[1] for part in parts]), selection,
                          tuple(float(weight) for weight in weights))


def split_by_weight(coefficients: np.ndarray, weights: np.ndarray, rotation: np.ndarray,
                    threshold: float, keep_above: bool) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Rotated orbitals split into (active, inactive) by their weight, and the active weights."""
    rotated = coefficients @ rotation
    active = weights > threshold if keep_above else weights < threshold
    return rotated[:, active], rotated[:, ~active], [float(value) for value in weights[active]]


def projected_orbitals(scf_object: Any, n_frozen: int, target_overlap: np.ndarray,
                       target_mo_overlap: np.ndarray, threshold: float, selection: str
                       ) -> ActiveOrbitals:
    """The AVAS projection onto a set of target orbitals.

    Args:
        scf_object: the converged SCF.
        n_frozen: frozen core orbitals (never active).
        target_overlap: overlap matrix of the target orbitals (t, t).
        target_mo_overlap: overlap of the target orbitals with every SCF orbital (t, n_mo).
        threshold: weight above which a rotated orbital is active.
        selection: the selection's name and settings, for the record.
    """
    blocks = orbital_blocks(scf_object, n_frozen)
    mo_coeff = np.asarray(scf_object.mo_coeff)

    def projection(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        overlap = target_mo_overlap[:, indices]
        weights, rotation = np.linalg.eigh(overlap.T @ np.linalg.solve(target_overlap, overlap))
        return weights, rotation

    occupied_weights, occupied_rotation = projection(blocks.doubly)
    active_occupied, core, occupied_active_weights = split_by_weight(
        mo_coeff[:, blocks.doubly], occupied_weights, occupied_rotation, threshold, True)
    virtual_weights, virtual_rotation = projection(blocks.virtual)
    active_virtual, inactive_virtual, virtual_active_weights = split_by_weight(
        mo_coeff[:, blocks.virtual], virtual_weights, virtual_rotation, threshold, True)
    return assemble(scf_object, blocks, core, active_occupied, active_virtual, inactive_virtual,
                    selection, occupied_active_weights + [1.0] * blocks.singly.size
                    + virtual_active_weights)


def check_ao_labels(ao_labels: tuple[str, ...]) -> None:
    """Refuse labels that name one component of a shell (orientation dependent).

    Raises:
        InputError: with the label and what to write instead.
    """
    for label in ao_labels:
        if _COMPONENT_LABEL.search(label.strip()):
            raise InputError(f"active_space.ao_labels '{label}' names one component of a shell, "
                             "which depends on how the molecule is oriented; name the whole shell "
                             "(e.g. 'C 2p'), or use active_space.method pi for a π system")


def avas_orbitals(scf_object: Any, n_frozen: int, ao_labels: tuple[str, ...], threshold: float
                  ) -> ActiveOrbitals:
    """PySCF's AVAS on the minimal-basis AOs named by ``ao_labels`` (whole shells)."""
    from pyscf.mcscf import avas

    check_ao_labels(ao_labels)
    selection = f"avas({', '.join(ao_labels)}; threshold {threshold:g})"
    minimal = minimal_basis_molecule(scf_object.mol)
    if len(minimal.search_ao_label(list(ao_labels))) == 0:
        raise InputError(f"active_space.ao_labels {', '.join(ao_labels)} match no minimal-basis "
                         "orbital of this molecule; name shells of its atoms (e.g. 'C 2p')")
    solver = avas.AVAS(scf_object, list(ao_labels), threshold=threshold, minao="minao",
                       openshell_option=3, canonicalize=True, ncore=n_frozen)
    solver.verbose = 0
    n_orbitals, n_electrons, mo_coeff = solver.kernel()
    n_electrons = int(np.sum(n_electrons)) if np.ndim(n_electrons) else int(n_electrons)
    if n_orbitals == 0 or n_electrons == 0:
        raise InputError(f"{selection} selected no active orbitals or electrons; lower the "
                         "threshold or name other shells")
    n_core = (int(scf_object.mol.nelectron) - n_electrons) // 2
    occupied_weights = np.asarray(solver.occ_weights)
    virtual_weights = np.asarray(solver.vir_weights)
    weights = ([float(value) for value in occupied_weights[occupied_weights >= threshold]]
               + [1.0] * int(scf_object.mol.spin)
               + [float(value) for value in virtual_weights[virtual_weights >= threshold]])
    return ActiveOrbitals(
        ActiveSpaceChoice(n_frozen, n_core, n_electrons, int(n_orbitals), int(scf_object.mol.spin)),
        np.asarray(mo_coeff), np.diag(fock_in(scf_object, np.asarray(mo_coeff))).copy(),
        selection, tuple(weights))


def minimal_basis_molecule(molecule: Any) -> Any:
    """The molecule in PySCF's minimal AO basis (``minao``), as AVAS uses it."""
    minimal = molecule.copy()
    minimal.atom = molecule._atom
    minimal.unit = "B"
    minimal.symmetry = False
    minimal.basis = "minao"
    minimal.build(False, False)
    return minimal


def plane_normal(coordinates: np.ndarray, what: str) -> np.ndarray:
    """The unit normal of the best plane through points (Å), or a refusal when they are not
    planar.

    Raises:
        InputError: fewer than three points, or a point further than
            :data:`MAX_PLANE_DEVIATION_ANGSTROM` from the plane.
    """
    if len(coordinates) < 3:
        raise InputError(f"active_space.method pi needs at least 3 heavy atoms ({what} has "
                         f"{len(coordinates)}); use window or avas")
    centred = coordinates - coordinates.mean(axis=0)
    _, _, axes = np.linalg.svd(centred)
    normal = axes[2]
    deviation = float(np.max(np.abs(centred @ normal)))
    if deviation > MAX_PLANE_DEVIATION_ANGSTROM:
        raise InputError(f"active_space.method pi needs a planar molecule, but a heavy atom of "
                         f"{what} lies {deviation:.2f} Å from the best plane (at most "
                         f"{MAX_PLANE_DEVIATION_ANGSTROM} Å); use avas with ao_labels, or window")
    return np.asarray(normal)


def pi_orbitals(scf_object: Any, n_frozen: int, threshold: float) -> ActiveOrbitals:
    """The π system: AVAS on each heavy atom's valence p orbital along the plane's normal."""
    from pyscf import gto

    molecule = scf_object.mol
    minimal = minimal_basis_molecule(molecule)
    heavy = [atom for atom in range(molecule.natm) if molecule.atom_charge(atom) > 2]
    normal = plane_normal(molecule.atom_coords()[heavy] * BOHR_TO_ANGSTROM,
                          "the molecule")
    labels = minimal.ao_labels(fmt=False)
    columns = []
    for atom in heavy:
        shells = [label[2] for label in labels if label[0] == atom and label[2].endswith("p")]
        valence = max(shells, key=lambda shell: int(shell[:-1]))
        column = np.zeros(len(labels))
        for index, label in enumerate(labels):
            if label[0] == atom and label[2] == valence:
                column[index] = normal["xyz".index(label[3])]
        columns.append(column)
    target = np.array(columns).T
    target_overlap = target.T @ minimal.intor_symmetric("int1e_ovlp") @ target
    target_mo_overlap = target.T @ gto.intor_cross("int1e_ovlp", minimal, molecule) @ np.asarray(
        scf_object.mo_coeff)
    return projected_orbitals(scf_object, n_frozen, target_overlap, target_mo_overlap, threshold,
                              f"pi(threshold {threshold:g})")


def natural_orbitals(scf_object: Any, n_frozen: int, occupation_threshold: float
                     ) -> ActiveOrbitals:
    """MP2 natural orbitals, occupied and virtual blocks separately, by occupation."""
    from pyscf import mp

    blocks = orbital_blocks(scf_object, n_frozen)
    occupied = blocks.doubly.size + blocks.singly.size
    require_memory(mp2_memory_mb(occupied, blocks.singly.size + blocks.virtual.size,
                                 blocks.singly.size > 0), scf_object.max_memory,
                   f"MP2 for the natural orbitals (o={occupied}, v={blocks.virtual.size})",
                   memory_fix("active_space", "use another active_space.method"))
    solver = mp.MP2(scf_object, frozen=n_frozen or None)
    solver.verbose = 0
    solver.kernel()
    density = np.asarray(solver.make_rdm1())
    if density.ndim == 3:
        density = density[0] + density[1]
    mo_coeff = np.asarray(scf_object.mo_coeff)

    def block(indices: np.ndarray, keep_above: bool, threshold: float
              ) -> tuple[np.ndarray, np.ndarray, list[float]]:
        occupations, rotation = np.linalg.eigh(density[np.ix_(indices, indices)])
        return split_by_weight(mo_coeff[:, indices], occupations, rotation, threshold, keep_above)

    active_occupied, core, occupied_weights = block(blocks.doubly, False,
                                                    2.0 - occupation_threshold)
    active_virtual, inactive_virtual, virtual_weights = block(blocks.virtual, True,
                                                              occupation_threshold)
    return assemble(scf_object, blocks, core, active_occupied, active_virtual, inactive_virtual,
                    f"natural_orbitals(occupation {occupation_threshold:g})",
                    occupied_weights + [1.0] * blocks.singly.size + virtual_weights)


def select_active_space(scf_object: Any, settings: ActiveSpaceSettings, n_frozen: int
                        ) -> ActiveOrbitals:
    """The active space of ``settings.method``; for the selecting methods, ``electrons`` and
    ``orbitals`` are upper limits.

    Raises:
        InputError: an impossible window, a selection that finds nothing or exceeds a limit.
    """
    if settings.method == "window":
        return window_orbitals(scf_object, choose_active_space(
            int(scf_object.mol.nelectron), int(len(scf_object.mo_energy)), n_frozen,
            int(scf_object.mol.spin), settings.electrons, settings.orbitals))
    if settings.method == "avas":
        selected = avas_orbitals(scf_object, n_frozen, settings.ao_labels, settings.threshold)
    elif settings.method == "pi":
        selected = pi_orbitals(scf_object, n_frozen, settings.threshold)
    else:
        selected = natural_orbitals(scf_object, n_frozen, settings.occupation_threshold)
    choice = selected.choice
    for size, limit, what in ((choice.n_orbitals, settings.orbitals, "orbitals"),
                              (choice.n_electrons, settings.electrons, "electrons")):
        if limit is not None and size > limit:
            raise InputError(f"{selected.selection} selected ({choice.n_electrons}e,"
                             f"{choice.n_orbitals}o), more {what} than the limit "
                             f"active_space.{what} = {limit}; raise the limit or the threshold")
    return selected
