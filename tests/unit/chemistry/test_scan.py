"""Scan rows: parsing and checking the scan cell, point ids, and setting a bond length."""

import numpy as np
import pytest

from qchemflow.chemistry.geometry import Atom
from qchemflow.chemistry.scan import BondScan, parse_scan, point_id, set_bond_length
from qchemflow.core.errors import InputError


def test_scan_cell_gives_evenly_spaced_lengths():
    scan = parse_scan("bond 0 1 0.9 1.8 10", 2)
    assert scan == BondScan(0, 1, 0.9, 1.8, 10)
    assert scan.lengths()[0] == 0.9 and scan.lengths()[-1] == 1.8
    assert np.allclose(np.diff(scan.lengths()), 0.1)
    assert scan.lengths()[3] == 1.2  # rounded to 1e-10 A, not 1.2000000000000002


@pytest.mark.parametrize("cell, words", [
    ("angle 0 1 2 3 4", "is not a scan; write 'bond I J START STOP N'"),
    ("bond 0 0 1 2 3", "must be two different atoms of the 3"),
    ("bond 0 3 1 2 3", "must be two different atoms of the 3"),
    ("bond 0 1 0.1 2 3", "bond lengths must be at least 0.3 Angstrom"),
    ("bond 0 1 1 x 3", "START and STOP must be numbers"),
    ("bond 0 1 1 2 1", "N must be between 2 and 200 points"),
])
def test_bad_scan_cells_say_what_to_write(cell, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(")):
        parse_scan(cell, 3)


def test_point_ids_sort_as_the_points():
    assert point_id("n2", 3, 10) == "n2.3"
    assert [point_id("n2", index, 12) for index in (0, 11)] == ["n2.00", "n2.11"]


def test_only_the_second_atom_moves_along_the_bond():
    water = (Atom("O", "0", "0", "0"), Atom("H", "0.96", "0", "0"), Atom("H", "-0.24", "0.93", "0"))
    stretched = set_bond_length(water, 0, 2, 2.0)
    assert stretched[:2] == water[:2]
    moved = np.array(stretched[2].position())
    assert np.linalg.norm(moved) == pytest.approx(2.0, abs=1e-9)
    assert np.cross(moved, np.array(water[2].position())) == pytest.approx(np.zeros(3), abs=1e-9)
    with pytest.raises(InputError, match="sit on top of each other"):
        set_bond_length((Atom("H", "0", "0", "0"), Atom("H", "0", "0", "0")), 0, 1, 1.0)
