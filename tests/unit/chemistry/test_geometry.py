import pytest

from qchemflow.core.errors import InputError
from qchemflow.chemistry.geometry import (check_spin, electron_count, formula, geometry_from_smiles,
                                parse_smiles, read_xyz, xyz_text)


@pytest.mark.parametrize("smiles, message", [
    ("", "empty SMILES"),
    ("C1CC", "does not parse"),
    ("this is not smiles", "does not parse"),
    ("C(C)(C)(C)(C)C", "Explicit valence"),
    ("[Xx]", "does not parse"),
    ("C*", "dummy atom"),
])
def test_bad_smiles_is_refused(smiles, message):
    with pytest.raises(InputError, match=message):
        parse_smiles(smiles)


def test_hydrogens_are_added():
    assert parse_smiles("C").GetNumAtoms() == 5


@pytest.mark.parametrize("n_electrons, multiplicity", [(10, 2), (9, 1), (2, 5), (9, 0)])
def test_impossible_multiplicity(n_electrons, multiplicity):
    with pytest.raises(InputError, match="impossible"):
        check_spin(n_electrons, multiplicity)


@pytest.mark.parametrize("n_electrons, multiplicity", [(10, 1), (9, 2), (16, 3), (1, 2)])
def test_possible_multiplicity(n_electrons, multiplicity):
    check_spin(n_electrons, multiplicity)


def test_electron_count_includes_charge():
    assert electron_count(["N", "H", "H", "H", "H"], 1) == 10


def test_conformer_is_reproducible_with_the_seed():
    first = geometry_from_smiles("CC(N)=O", 7)
    assert geometry_from_smiles("CC(N)=O", 7).atoms == first.atoms
    assert first.force_field == "MMFF94"
    assert first.canonical_smiles == "CC(N)=O"


def test_distorting_force_field_is_not_used():
    # MMFF94 stretches N#N to about 1.46 A (experiment: 1.098 A); UFF keeps it near 1.1 A.
    geometry = geometry_from_smiles("N#N", 42)
    (x1, _, _), (x2, _, _) = (atom.position() for atom in geometry.atoms)
    assert geometry.force_field == "UFF"
    assert abs(x1 - x2) == pytest.approx(1.1, abs=0.05)
    assert "MMFF94 moved bond" in geometry.flags[0]


def test_formal_charge_of_ion():
    assert geometry_from_smiles("[NH4+]", 1).formal_charge == 1


def test_xyz_is_used_exactly_as_given(tmp_path):
    path = tmp_path / "m.xyz"
    path.write_text("2\ncomment\nH 0.0 0.0 0.0\nh 0.0 0.0 0.74140000000001\n")
    geometry = read_xyz(path)
    assert [atom.symbol for atom in geometry.atoms] == ["H", "H"]
    assert geometry.atoms[1].z == "0.74140000000001"
    assert "0.74140000000001" in xyz_text(geometry.atoms, "x")


@pytest.mark.parametrize("content, message", [
    ("3\nc\nH 0 0 0\n", "announces 3 atoms but lists 1"),
    ("x\nc\nH 0 0 0\n", "first line"),
    ("1\nc\nQq 0 0 0\n", "unknown element"),
    ("1\nc\nH 0 0\n", "expected 'element x y z'"),
    ("1\nc\nH 0 zero 0\n", "line 3"),
])
def test_malformed_xyz(tmp_path, content, message):
    path = tmp_path / "m.xyz"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_xyz(path)


def test_missing_and_binary_xyz(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_xyz(tmp_path / "nope.xyz")
    binary = tmp_path / "b.xyz"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_xyz(binary)


@pytest.mark.parametrize("smiles, expected", [
    ("CC(=O)O", "C2H4O2"), ("[C-]#[O+]", "CO"), ("O=C=S", "COS"), ("N", "H3N"), ("O=S=O", "O2S")])
def test_hill_formula(smiles, expected):
    assert formula(geometry_from_smiles(smiles, 1).atoms) == expected


# --- property-based: XYZ files and SMILES from outside ---

import math  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from qchemflow.chemistry.geometry import Atom  # noqa: E402

COORDINATE = st.floats(-50, 50, allow_nan=False).map(lambda value: f"{value:.6f}")
ATOMS = st.lists(st.builds(Atom, st.sampled_from(["H", "C", "N", "O", "S", "Cl", "Li"]),
                           COORDINATE, COORDINATE, COORDINATE), min_size=1, max_size=8)


@given(st.binary(max_size=300))
def test_any_xyz_file_is_read_or_refused(tmp_path, data):
    path = tmp_path / "m.xyz"
    path.write_bytes(data)
    try:
        geometry = read_xyz(path)
    except InputError as error:
        assert "\n" not in str(error)
        return
    assert geometry.atoms and all(math.isfinite(value) for atom in geometry.atoms
                                  for value in atom.position())


@given(ATOMS, st.text(max_size=20))
def test_xyz_round_trip_keeps_every_atom_as_written(tmp_path, atoms, comment):
    path = tmp_path / "m.xyz"
    path.write_text(xyz_text(tuple(atoms), comment))
    try:
        geometry = read_xyz(path)
    except InputError as error:
        assert "apart" in str(error)  # random positions can put two atoms on top of each other
        return
    assert geometry.atoms == tuple(atoms)


@pytest.mark.parametrize("line, message", [
    ("H nan 0 0", "not a finite number"),
    ("H 0 inf 0", "not a finite number"),
    ("H 0 0 1e999", "not a finite number"),
])
def test_non_finite_coordinates_are_refused(tmp_path, line, message):
    path = tmp_path / "m.xyz"
    path.write_text(f"2\n\nH 0 0 0\n{line}\n")
    with pytest.raises(InputError, match=message):
        read_xyz(path)


def test_atoms_on_top_of_each_other_are_refused(tmp_path):
    path = tmp_path / "m.xyz"
    path.write_text("3\n\nO 0 0 0\nH 0 0 0.96\nH 0 0.01 0.96\n")
    with pytest.raises(InputError, match="atoms 2 and 3 are 0.010 A apart"):
        read_xyz(path)


FRAGMENT = st.sampled_from(["C", "N", "O", "S", "C(=O)", "C(C)", "c1ccccc1", "C#N", "Cl", "[NH3+]",
                            "C(=O)[O-]", "P", "C=C", "[CH2]"])


@settings(max_examples=25)
@given(st.lists(FRAGMENT, min_size=1, max_size=4).map("".join), st.integers(0, 2**31 - 1))
def test_smiles_geometry_is_chemically_sane_and_deterministic(smiles, seed):
    from rdkit import Chem

    try:
        geometry = geometry_from_smiles(smiles, seed)
    except InputError as error:
        assert "\n" not in str(error)
        return
    molecule = Chem.AddHs(Chem.MolFromSmiles(smiles))
    assert [atom.symbol for atom in geometry.atoms] == [a.GetSymbol() for a in molecule.GetAtoms()]
    assert geometry.formal_charge == Chem.GetFormalCharge(molecule)
    positions = [atom.position() for atom in geometry.atoms]
    for bond in molecule.GetBonds():  # every bond between 0.85 and 2.3 A
        length = math.dist(positions[bond.GetBeginAtomIdx()], positions[bond.GetEndAtomIdx()])
        assert 0.85 < length < 2.3, (smiles, bond.GetBeginAtom().GetSymbol(),
                                      bond.GetEndAtom().GetSymbol(), length)
    assert min((math.dist(a, b) for i, a in enumerate(positions) for b in positions[i + 1:]),
               default=1.0) > 0.6
    assert geometry_from_smiles(smiles, seed) == geometry  # same seed, same coordinates


def test_huge_and_binary_xyz_files_are_refused_unread(tmp_path):
    from qchemflow.chemistry.geometry import MAX_XYZ_BYTES

    huge = tmp_path / "huge.xyz"
    with open(huge, "wb") as stream:
        stream.truncate(MAX_XYZ_BYTES + 1)  # sparse: nothing is written or read
    with pytest.raises(InputError, match="larger than"):
        read_xyz(huge)
    binary = tmp_path / "binary.xyz"
    binary.write_bytes(b"2\n\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_xyz(binary)


def test_xyz_with_byte_order_mark_and_windows_line_ends(tmp_path):
    path = tmp_path / "m.xyz"
    path.write_bytes("\ufeff2\r\nH2\r\nH 0 0 0\r\nH 0 0 0.7414\r\n".encode("utf-8"))
    assert [atom.z for atom in read_xyz(path).atoms] == ["0", "0.7414"]
