"""Potential-energy scans: one bond stretched through a grid of lengths, other atoms fixed.

A molecule row with ``scan = "bond I J START STOP N"`` becomes N molecules, one per bond length
(``<id>.00`` ... ``<id>.<N-1>``), each run through every stage like any molecule. Atom J moves
along the line from atom I to J until the I–J distance is the point's length; every other atom
stays where the row's geometry (XYZ, or the SMILES conformer) puts it, so J should be a terminal
atom (an H, or the second atom of a diatomic). Atoms are counted from 0 in the XYZ file's order,
or in RDKit's order with hydrogens added for a SMILES.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from qchemflow.chemistry.geometry import Atom
from qchemflow.core.errors import InputError

MIN_BOND_ANGSTROM = 0.3
MAX_POINTS = 200
_SCAN = re.compile(r"^bond\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d+)$")
SCAN_HELP = ("write 'bond I J START STOP N': atoms I and J (counted from 0), bond lengths from "
             "START to STOP Angstrom in N points")


@dataclass(frozen=True)
class BondScan:
    """The bond between atoms ``first`` and ``second`` from ``start`` to ``stop`` Å in
    ``points`` steps (both ends included)."""

    first: int
    second: int
    start: float
    stop: float
    points: int

    def lengths(self) -> list[float]:
        """The bond length of each point, Å, rounded to 1e-10 Å (0.1 + 0.1 steps print as 1.2,
        not 1.2000000000000002)."""
        step = (self.stop - self.start) / (self.points - 1)
        return [round(self.start + index * step, 10) for index in range(self.points)]


def parse_scan(cell: str, n_atoms: int) -> BondScan:
    """The scan of a table cell, checked against the molecule's atom count.

    Raises:
        InputError: malformed, the same atom twice, an atom that does not exist, a length
            below :data:`MIN_BOND_ANGSTROM`, fewer than 2 or more than :data:`MAX_POINTS`
            points; each with what to write.
    """
    match = _SCAN.match(cell.strip())
    if match is None:
        raise InputError(f"scan '{cell}' is not a scan; {SCAN_HELP}")
    first, second, points = int(match[1]), int(match[2]), int(match[5])
    try:
        start, stop = float(match[3]), float(match[4])
    except ValueError as error:
        raise InputError(f"scan '{cell}': START and STOP must be numbers; {SCAN_HELP}") from error
    if first == second or max(first, second) >= n_atoms:
        raise InputError(f"scan '{cell}': atoms {first} and {second} must be two different atoms "
                         f"of the {n_atoms} (counted from 0)")
    if not (np.isfinite(start) and np.isfinite(stop)) or min(start, stop) < MIN_BOND_ANGSTROM:
        raise InputError(f"scan '{cell}': bond lengths must be at least {MIN_BOND_ANGSTROM} "
                         "Angstrom")
    if not 2 <= points <= MAX_POINTS:
        raise InputError(f"scan '{cell}': N must be between 2 and {MAX_POINTS} points")
    return BondScan(first, second, start, stop, points)


def point_id(molecule_id: str, index: int, points: int) -> str:
    """The id of a scan point: the row's id, a dot and the zero-padded index."""
    return f"{molecule_id}.{index:0{len(str(points - 1))}d}"


def set_bond_length(atoms: tuple[Atom, ...], first: int, second: int, length: float
                    ) -> tuple[Atom, ...]:
    """The atoms with ``second`` moved along the ``first``→``second`` line to ``length`` Å."""
    anchor = np.array(atoms[first].position())
    direction = np.array(atoms[second].position()) - anchor
    distance = float(np.linalg.norm(direction))
    if distance < 1e-8:
        raise InputError(f"scan: atoms {first} and {second} sit on top of each other")
    x, y, z = (f"{float(value):.10f}" for value in anchor + direction * (length / distance))
    moved = Atom(atoms[second].symbol, x, y, z)
    return tuple(moved if index == second else atom for index, atom in enumerate(atoms))
