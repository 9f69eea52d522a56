"""Geometry stage: SMILES to an RDKit 3D conformer, or an XYZ file used exactly as given.

SMILES are parsed and sanitised by RDKit, hydrogens are added, a conformer is embedded with
ETKDGv3 (seeded) and optimised with MMFF94, or UFF where MMFF94 has no parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from qchemflow.core.errors import InputError
from qchemflow.core.files import read_small_text

MAX_XYZ_BYTES = 10_000_000
MAX_FORCE_FIELD_ITERATIONS = 2000
MAX_BOND_CHANGE_ANGSTROM = 0.15
MIN_ATOM_DISTANCE_ANGSTROM = 0.4  # the shortest bond, H2's, is 0.74 A


@dataclass(frozen=True)
class GeometrySettings:
    """What the geometry stage is asked for: one table row's structure, charge and spin, and for
    a scan point the bond (atom, atom, length in Å) set on it (None: the geometry as it is)."""

    molecule_id: str
    smiles: str | None
    xyz: str | None
    charge: int
    multiplicity: int
    seed: int
    bond_length: tuple[int, int, float] | None


@dataclass(frozen=True)
class Atom:
    """One atom: element symbol and Cartesian position in Ångström, kept as written."""

    symbol: str
    x: str
    y: str
    z: str

    def position(self) -> tuple[float, float, float]:
        """The position as floats (Ångström)."""
        return float(self.x), float(self.y), float(self.z)


@dataclass(frozen=True)
class Geometry:
    """A molecule's atoms and how they were obtained."""

    atoms: tuple[Atom, ...]
    source: str
    canonical_smiles: str | None
    force_field: str | None
    formal_charge: int | None
    flags: tuple[str, ...] = ()


def element_atomic_number(symbol: str) -> int:
    """Atomic number of an element symbol (case-insensitive).

    Raises:
        InputError: the symbol is not a chemical element.
    """
    from pyscf.data import elements

    normalised = symbol.strip().capitalize()
    number = elements.ELEMENTS_PROTON.get(normalised)
    if number is None or number == 0 or normalised.startswith("X"):
        raise InputError(f"unknown element '{symbol}'")
    return int(number)


def electron_count(atoms: tuple[Atom, ...] | list[str], charge: int) -> int:
    """Number of electrons of the neutral atoms minus the total charge."""
    symbols = [atom.symbol if isinstance(atom, Atom) else atom for atom in atoms]
    return sum(element_atomic_number(symbol) for symbol in symbols) - charge


def check_source(smiles: str | None, xyz: str | None) -> None:
    """A molecule comes from exactly one of a SMILES and an XYZ file.

    Raises:
        InputError: both or neither.
    """
    if bool(smiles) == bool(xyz):
        raise InputError("give exactly one of smiles or xyz")


def check_formal_charge(charge: int, formal_charge: int | None) -> None:
    """The given charge must equal the SMILES formal charge (None: an XYZ, nothing to check).

    Raises:
        InputError: they differ.
    """
    if formal_charge is not None and formal_charge != charge:
        raise InputError(f"charge {charge} disagrees with the SMILES formal charge "
                         f"{formal_charge}; fix the charge column or the SMILES")


def check_spin(n_electrons: int, multiplicity: int) -> None:
    """Check that ``multiplicity`` (2S+1) is possible for ``n_electrons``.

    Raises:
        InputError: wrong parity, too many unpaired electrons, or fewer than one electron.
    """
    if n_electrons < 1:
        raise InputError(f"{n_electrons} electrons: the charge removes every electron; lower the charge")
    unpaired = multiplicity - 1
    if multiplicity < 1 or unpaired > n_electrons or (n_electrons - unpaired) % 2 != 0:
        possible = 1 if n_electrons % 2 == 0 else 2
        raise InputError(
            f"multiplicity {multiplicity} is impossible for {n_electrons} electrons; "
            f"use {possible}, {possible + 2}, ... (or change the charge)")


def parse_smiles(smiles: str) -> Any:
    """Parse and sanitise a SMILES string with RDKit, hydrogens added.

    Returns:
        An ``rdkit.Chem.Mol`` with explicit hydrogens.

    Raises:
        InputError: empty, unparsable or chemically invalid SMILES (valence, aromaticity).
    """
    from rdkit import Chem, RDLogger

    if not smiles or not smiles.strip():
        raise InputError("empty SMILES; give a SMILES string or an xyz file")
    RDLogger.DisableLog("rdApp.*")
    try:
        molecule = Chem.MolFromSmiles(smiles.strip(), sanitize=False)
        if molecule is None:
            raise InputError(f"SMILES '{smiles}' does not parse; check its syntax")
        problems = Chem.DetectChemistryProblems(molecule)
        if problems:
            raise InputError(f"SMILES '{smiles}': {problems[0].Message()}; fix the SMILES")
        Chem.SanitizeMol(molecule)
    except InputError:
        raise
    except Exception as error:  # RDKit raises its own sanitisation exceptions
        raise InputError(f"SMILES '{smiles}': {error}; fix the SMILES") from error
    finally:
        RDLogger.EnableLog("rdApp.*")
    for atom in molecule.GetAtoms():
        if atom.GetAtomicNum() == 0:
            raise InputError(f"SMILES '{smiles}' has a dummy atom '*'; replace it by an element")
    return Chem.AddHs(molecule)


def smiles_symbols_and_charge(smiles: str) -> tuple[list[str], int]:
    """Element symbols (hydrogens included) and total formal charge of a SMILES."""
    from rdkit import Chem

    molecule = parse_smiles(smiles)
    symbols = [atom.GetSymbol() for atom in molecule.GetAtoms()]
    return symbols, int(Chem.GetFormalCharge(molecule))


def geometry_from_smiles(smiles: str, seed: int) -> Geometry:
    """Embed and optimise a 3D conformer.

    Args:
        smiles: SMILES accepted by RDKit.
        seed: random seed of the ETKDGv3 embedding.

    Returns:
        The optimised geometry (Ångström).

    Raises:
        InputError: invalid SMILES or a molecule that cannot be embedded.
    """
    from rdkit import Chem
    from rdkit.Chem import AllChem

    molecule = parse_smiles(smiles)
    parameters = AllChem.ETKDGv3()
    parameters.randomSeed = seed
    if AllChem.EmbedMolecule(molecule, parameters) != 0:
        parameters.useRandomCoords = True
        if AllChem.EmbedMolecule(molecule, parameters) != 0:
            raise InputError(f"SMILES '{smiles}': RDKit could not embed a 3D conformer; "
                             "give an xyz file instead")
    force_field, flags = optimise_conformer(molecule)
    positions = molecule.GetConformer().GetPositions()
    atoms = tuple(
        Atom(atom.GetSymbol(), f"{x:.10f}", f"{y:.10f}", f"{z:.10f}")
        for atom, (x, y, z) in zip(molecule.GetAtoms(), positions))
    canonical = Chem.MolToSmiles(Chem.RemoveHs(molecule))
    return Geometry(atoms, "smiles", canonical, force_field, int(Chem.GetFormalCharge(molecule)),
                    flags)


def _largest_bond_change(reference: Any, optimised: Any) -> tuple[float, str]:
    """Largest change of a bond length between two conformers of one molecule (Å)."""
    from rdkit.Chem import rdMolTransforms

    largest, where = 0.0, ""
    before, after = reference.GetConformer(), optimised.GetConformer()
    for bond in reference.GetBonds():
        i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        change = abs(rdMolTransforms.GetBondLength(after, i, j)
                     - rdMolTransforms.GetBondLength(before, i, j))
        if change > largest:
            largest = change
            where = f"{bond.GetBeginAtom().GetSymbol()}{i}-{bond.GetEndAtom().GetSymbol()}{j}"
    return largest, where


def optimise_conformer(molecule: Any) -> tuple[str, tuple[str, ...]]:
    """Optimise the embedded conformer in place: MMFF94, else UFF.

    A force field whose optimum moves a bond by more than ``MAX_BOND_CHANGE_ANGSTROM`` from the
    ETKDG embedding (MMFF94 stretches N#N to 1.46 Å, for instance) is not trusted: the next one is
    tried, and the choice is flagged.

    Returns:
        The force field used (``MMFF94``, ``UFF`` or ``none``) and flags.
    """
    from rdkit import Chem
    from rdkit.Chem import AllChem

    flags: list[str] = []
    if molecule.GetNumAtoms() < 2:
        return "none", ()
    candidates: list[tuple[str, Callable[[Any], Any]]] = []
    if AllChem.MMFFHasAllMoleculeParams(molecule):
        candidates.append(("MMFF94", lambda trial: AllChem.MMFFOptimizeMolecule(
            trial, mmffVariant="MMFF94", maxIters=MAX_FORCE_FIELD_ITERATIONS)))
    if AllChem.UFFHasAllMoleculeParams(molecule):
        candidates.append(("UFF", lambda trial: AllChem.UFFOptimizeMolecule(
            trial, maxIters=MAX_FORCE_FIELD_ITERATIONS)))
    for name, optimise in candidates:
        trial = Chem.Mol(molecule)
        optimise(trial)
        change, bond = _largest_bond_change(molecule, trial)
        if change <= MAX_BOND_CHANGE_ANGSTROM:
            molecule.GetConformer().SetPositions(trial.GetConformer().GetPositions())
            return name, tuple(flags)
        flags.append(f"{name} moved bond {bond} by {change:.2f} A from the ETKDG embedding; "
                     "not used")
    flags.append("no usable force field (MMFF94/UFF lack parameters or distort bonds): the "
                 "geometry is the unrefined ETKDG embedding; give an xyz file for a better one")
    return "none", tuple(flags)


def read_xyz(path: str | Path) -> Geometry:
    """Read an XYZ file (Ångström); coordinates are kept exactly as written.

    Raises:
        InputError: missing, too large, binary or malformed file, or an unknown element.
    """
    text = read_small_text(path, "xyz file", MAX_XYZ_BYTES,
                           "fix the path (relative to the table)",
                           "give a single small geometry", "give a plain XYZ file")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # not \x1e, \x85, ...
    try:
        n_atoms = int(lines[0].strip())
    except (IndexError, ValueError) as error:
        raise InputError(f"xyz file '{path}': the first line must be the number of atoms") from error
    body = [line for line in lines[2:] if line.strip()]
    if n_atoms < 1 or len(body) != n_atoms:
        raise InputError(f"xyz file '{path}' announces {n_atoms} atoms but lists {len(body)}; "
                         "fix the count on its first line")
    atoms = []
    for number, line in enumerate(body, start=3):
        fields = line.split()
        if len(fields) < 4:
            raise InputError(f"xyz file '{path}' line {number}: expected 'element x y z'")
        symbol = fields[0]
        try:
            element_atomic_number(symbol)
            coordinates = [float(value) for value in fields[1:4]]
        except (InputError, ValueError) as error:
            raise InputError(f"xyz file '{path}' line {number}: {error}; "
                             "write 'element x y z' with a real element and numbers") from error
        if not all(math.isfinite(value) for value in coordinates):
            raise InputError(f"xyz file '{path}' line {number}: a coordinate is not a finite "
                             "number; write the position in Angstrom")
        atoms.append(Atom(symbol.capitalize(), fields[1], fields[2], fields[3]))
    check_separation(tuple(atoms), f"xyz file '{path}'")
    return Geometry(tuple(atoms), "xyz", None, None, None)


def check_separation(atoms: tuple[Atom, ...], where: str) -> None:
    """Refuse two atoms closer than ``MIN_ATOM_DISTANCE_ANGSTROM`` (a typo or a unit mix-up).

    Raises:
        InputError: naming the first such pair (1-based atom numbers) and their distance.
    """
    from scipy.spatial import cKDTree

    positions = np.array([atom.position() for atom in atoms])
    pairs = sorted(cKDTree(positions).query_pairs(MIN_ATOM_DISTANCE_ANGSTROM))
    if pairs:
        first, second = pairs[0]
        distance = float(np.linalg.norm(positions[first] - positions[second]))
        raise InputError(f"{where}: atoms {first + 1} and {second + 1} are {distance:.3f} A apart; "
                         "check the coordinates (they must be in Angstrom)")


def xyz_text(atoms: tuple[Atom, ...], comment: str) -> str:
    """The XYZ file content of ``atoms``."""
    lines = [str(len(atoms)), " ".join(comment.splitlines())]
    lines += [f"{atom.symbol:<3s} {atom.x:>18s} {atom.y:>18s} {atom.z:>18s}" for atom in atoms]
    return "\n".join(lines) + "\n"


def formula(atoms: tuple[Atom, ...]) -> str:
    """Hill formula (C first, then H, then the rest alphabetically)."""
    counts: dict[str, int] = {}
    for atom in atoms:
        counts[atom.symbol] = counts.get(atom.symbol, 0) + 1
    first = [symbol for symbol in ("C", "H") if symbol in counts] if "C" in counts else []
    order = first + sorted(symbol for symbol in counts if symbol not in first)
    return "".join(f"{symbol}{counts[symbol] if counts[symbol] > 1 else ''}" for symbol in order)
