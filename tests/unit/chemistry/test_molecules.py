import re
import pytest

from qchemflow.pipeline.config import load_yaml, validate_config
from qchemflow.core.errors import InputError, one_line
from qchemflow.chemistry.molecules import (UNLIMITED_SELECTION_ORBITALS, basis_orbital_counts,
                                           load_molecules, selection_size_bound)

from conftest import REPOSITORY, molecule_row_schema

ROW_SCHEMA = molecule_row_schema()
CONFIG = validate_config({}, load_yaml(REPOSITORY / "workflow/schemas/config.schema.yaml"))


def write_table(tmp_path, text):
    (tmp_path / "h2.xyz").write_text("2\nH2\nH 0 0 0\nH 0 0 0.7414\n")
    path = tmp_path / "table.csv"
    path.write_text(text)
    return path


def test_valid_rows_get_config_defaults_and_overrides(tmp_path):
    table = write_table(tmp_path, "id,smiles,xyz,basis,active_electrons,active_orbitals\n"
                                  "water,O,,,4,4\nhydrogen,,h2.xyz,6-31g,,\n")
    valid, invalid = load_molecules(table, CONFIG, ROW_SCHEMA)
    assert invalid == []
    assert [m.id for m in valid] == ["water", "hydrogen"]
    assert valid[0].basis == "sto-3g" and valid[0].active_orbitals == 4
    assert valid[1].basis == "6-31g" and valid[1].xyz == str((tmp_path / "h2.xyz").resolve())


def test_every_bad_row_is_listed_with_its_row_and_fix(tmp_path):
    table = write_table(tmp_path, "\n".join([
        "id,smiles,xyz,charge,multiplicity,basis,active_electrons,active_orbitals",
        "ok,O,,,,,,",
        "badsmiles,C1CC,,,,,,",
        "element,[Xx],,,,,,",
        "mult,O,,,2,,,",
        "ok,N,,,,,,",
        "missing,,nothere.xyz,,,,,",
        "basis,O,,,,nonsense-basis,,",
        "bigactive,O,,,,,8,20",
        "escape,,../../etc/passwd,,,,,",
        "charge,[NH4+],,0,,,,",
        "bad id!,O,,,,,,",
        "both,O,h2.xyz,,,,,",
        "iodine,I,,,,6-31g,,",
    ]) + "\n")
    valid, invalid = load_molecules(table, CONFIG, ROW_SCHEMA)
    assert [m.id for m in valid] == ["ok"]
    messages = {row.id: row.message() for row in invalid}
    assert set(messages) == {"badsmiles", "element", "mult", "ok", "missing", "basis",
                             "bigactive", "escape", "charge", "bad id!", "both", "iodine"}
    assert messages["badsmiles"].startswith("row 2 (id 'badsmiles'): SMILES 'C1CC'")
    assert "use 1, 3" in messages["mult"]
    assert "duplicate id (also row 1)" in messages["ok"]
    assert "does not exist" in messages["missing"]
    assert "basis 'nonsense-basis' is unknown" in messages["basis"]
    assert "use at most" in messages["bigactive"]
    assert "outside the table's folder" in messages["escape"]
    assert "formal charge 1" in messages["charge"]
    assert "not allowed" in messages["bad id!"]
    assert "exactly one of smiles or xyz" in messages["both"]
    assert "no functions for I" in messages["iodine"]


def test_scf_cycles_must_be_positive(tmp_path):
    _, invalid = load_molecules(write_table(tmp_path, "id,smiles,scf_max_cycles\nw,O,0\n"), CONFIG, ROW_SCHEMA)
    assert "scf_max_cycles '0' is not allowed; write a whole number of at least 1" in (
        invalid[0].message())


def test_solvent_column_overrides_the_config(tmp_path):
    table = write_table(tmp_path, "id,smiles,solvent\nw_gas,O,gas\nw_default,O,\nw_dmso,O,dmso\n"
                                  "w_bad,O,seawater\n")
    water_config = {**CONFIG, "solvent": {"name": "water", "model": "pcm"}}
    valid, invalid = load_molecules(table, water_config, ROW_SCHEMA)
    assert {m.id: m.solvent for m in valid} == {"w_gas": None, "w_default": "water",
                                                 "w_dmso": "dmso"}
    assert re.search(r"row 4 \(id 'w_bad'\): solvent 'seawater' is not allowed; write gas or a "
                     r"solvent name: water, ", invalid[0].message())


def test_selecting_methods_size_the_jobs_by_their_limits(tmp_path):
    (tmp_path / "bent.xyz").write_text("5\nneopentane core\nC 0 0 0\nC 1.5 0 0\nC 0 1.5 0\n"
                                       "C 0 0 1.5\nC -1 -1 -1\n")
    table = write_table(tmp_path, "id,smiles,xyz,active_space_method,active_orbitals\n"
                                  "benzene,c1ccccc1,,pi,6\nwide,c1ccccc1,,avas,\n"
                                  "bent,,bent.xyz,pi,\nphenol,Oc1ccccc1,,pi,\n")
    valid, invalid = load_molecules(table, CONFIG, ROW_SCHEMA)
    by_id = {m.id: m for m in valid}
    # At most 6 orbitals: the largest CI sector holds 6 electrons (3 alpha, 3 beta).
    assert (by_id["benzene"].n_active_electrons, by_id["benzene"].n_active_orbitals) == (6, 6)
    assert by_id["benzene"].active_space_method == "pi"
    # No limit: avas is sized for UNLIMITED_SELECTION_ORBITALS orbitals and the electrons that
    # fill the largest sector in them; pi for one orbital per heavy atom.
    assert by_id["wide"].n_active_orbitals == UNLIMITED_SELECTION_ORBITALS
    assert by_id["wide"].n_active_electrons == UNLIMITED_SELECTION_ORBITALS
    assert (by_id["phenol"].n_active_electrons, by_id["phenol"].n_active_orbitals) == (8, 7)
    assert "needs a planar molecule" in invalid[0].message()


def test_selection_size_bound_respects_spin_and_parity():
    assert selection_size_bound(9, 20, 1, 1, None, 4) == (5, 4)  # 3 alpha, 2 beta in 4 orbitals
    assert selection_size_bound(10, 20, 1, 0, 2, 6) == (2, 6)
    with pytest.raises(InputError, match="holds this molecule's 3 unpaired electrons"):
        selection_size_bound(9, 20, 1, 3, None, 2)


def test_charge_is_taken_from_smiles_when_not_given(tmp_path):
    valid, invalid = load_molecules(write_table(tmp_path, "id,smiles\nammonium,[NH4+]\n"), CONFIG, ROW_SCHEMA)
    assert invalid == [] and valid[0].charge == 1


def test_unknown_column_refuses_the_table(tmp_path):
    with pytest.raises(InputError, match="unknown column"):
        load_molecules(write_table(tmp_path, "id,smile\nx,C\n"), CONFIG, ROW_SCHEMA)


def test_missing_table(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_molecules(tmp_path / "none.csv", CONFIG, ROW_SCHEMA)


def test_basis_function_counts():
    # H2O: STO-3G has 7 functions; 6-31G* spherical 18 (5d) and Cartesian 19 (6d); 1 core orbital.
    assert basis_orbital_counts(["O", "H", "H"], "sto-3g", False) == (7, 1)
    assert basis_orbital_counts(["O", "H", "H"], "6-31g*", False) == (18, 1)
    assert basis_orbital_counts(["O", "H", "H"], "6-31g*", True) == (19, 1)


@pytest.mark.parametrize("table", ["demo.csv", "drug_fragments.csv", "xyz_demo.csv",
                                   "heterocycles.csv", "scans.csv", "reach.csv",
                                   "batch50.csv", "batch100.csv"])
def test_shipped_tables_are_valid(table):
    valid, invalid = load_molecules(REPOSITORY / "molecules" / table, CONFIG, ROW_SCHEMA)
    assert invalid == [] and valid


# --- property-based: every row accounted for, ids and paths stay inside their folders ---

import csv  # noqa: E402
import io  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import given, strategies as st  # noqa: E402


SMILES = st.sampled_from(["O", "C", "[H][H]", "N#N", "C1CC", "", "not smiles", "[Xx]", "[NH4+]",
                          "[CH3]", "O=O", "c1ccccc1", "C(C)(C)(C)(C)C", "*"])
IDS = st.one_of(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,8}", fullmatch=True),
                st.sampled_from(["..", "../x", "a/b", "/etc", "", " x", "x y", "é", "a\\b"]),
                st.text(max_size=6))
XYZ = st.sampled_from(["", "h2.xyz", "./h2.xyz", "../h2.xyz", "/etc/passwd", "sub/../h2.xyz",
                       "missing.xyz", "h2.xyz/.."])
ROWS = st.lists(st.tuples(IDS, SMILES, XYZ, st.sampled_from(["", "0", "1", "-1", "x"]),
                          st.sampled_from(["", "1", "2", "3", "0", "two"])), max_size=6)


def table_text(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "smiles", "xyz", "charge", "multiplicity"])
    writer.writerows(rows)
    return buffer.getvalue()


@given(ROWS)
def test_every_row_is_either_valid_or_listed_once(tmp_path, rows):
    table = write_table(tmp_path, table_text(rows))
    valid, invalid = load_molecules(table, CONFIG, ROW_SCHEMA)
    # A line starting with '#' is a comment (README), so an id starting with '#' drops its row.
    rows = [row for row in rows if not table_text([row]).splitlines()[1].lstrip().startswith("#")]
    assert len(valid) + len(invalid) == len(rows)
    assert [row.row for row in invalid] == sorted(row.row for row in invalid)
    for row in invalid:
        # One line: a control character in an id is written as its escape.
        assert row.message().startswith(one_line(f"row {row.row} (id '{row.id}'): "))
        assert "\n" not in row.message() and "\r" not in row.message()
    ids = [molecule.id for molecule in valid]
    assert len(ids) == len(set(ids))
    results = (tmp_path / "results").resolve()
    for molecule in valid:
        # An id names a folder directly under results/, never anything else.
        assert re.fullmatch(ROW_SCHEMA["properties"]["id"]["pattern"], molecule.id)
        assert (results / molecule.id).resolve().parent == results
        if molecule.xyz is not None:
            assert Path(molecule.xyz).resolve().is_relative_to(tmp_path.resolve())


from hypothesis import example  # noqa: E402

# Random bytes or CSV-like text, alone or after a header (a BOM, Windows line ends), so that the
# refused and the loaded branch are both explored. Quotes are left out of the text (a quoted
# line break inside an id is the example below).
TABLE_START = st.sampled_from([b"", b"id,smiles\n", b"id,smiles,xyz,charge,multiplicity\n",
                               b"\xef\xbb\xbfid,smiles\r\n"])
TABLE_BODY = st.one_of(
    st.binary(max_size=400),
    st.text(st.sampled_from(list("aZ09_.-,# \t\r\n[]()=+OCNH\u00e9\u2028")), max_size=200
            ).map(str.encode))


@example(b'id,smiles\n"a\nb",C\n')  # a quoted line break in an id: still one line
@given(st.tuples(TABLE_START, TABLE_BODY).map(b"".join))
def test_any_table_file_is_loaded_or_refused_with_one_line(tmp_path, data):
    # Refused: one line naming the file (and, for bytes Python's decoder rejects, saying they
    # are not UTF-8). Loaded: every data row once, valid or listed with one line naming its row
    # and id. A line ends at \n or \r (the table reader's own rule).
    path = tmp_path / "table.csv"
    path.write_bytes(data)
    try:
        data.decode("utf-8-sig")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    try:
        valid, invalid = load_molecules(path, CONFIG, ROW_SCHEMA)
    except InputError as error:
        message = str(error)
        assert not re.search(r"[\r\n]", message), message
        assert message.startswith(f"molecule table '{path}'"), message
        assert utf8 or " is not UTF-8 text; " in message, message
        return
    assert utf8, "bytes that are not UTF-8 were loaded"
    numbers = sorted([molecule.row for molecule in valid] + [row.row for row in invalid])
    assert numbers == list(range(1, len(numbers) + 1))  # each row once: valid or invalid
    for row in invalid:
        message = row.message()
        assert not re.search(r"[\r\n]", message), message
        assert row.problems and message.startswith(f"row {row.row} (id "), message


def test_huge_table_is_refused_before_reading(tmp_path):
    from qchemflow.chemistry import molecules

    path = tmp_path / "table.csv"
    with open(path, "wb") as stream:
        stream.truncate(molecules.MAX_TABLE_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(InputError, match="larger than"):
        load_molecules(path, CONFIG, ROW_SCHEMA)


def test_everyday_csv_quirks(tmp_path):
    # Windows line ends, a byte-order mark, a comment with an unbalanced quote, trailing empty
    # cells from a spreadsheet, a quoted cell, blank lines: two molecules, nothing else.
    text = ('\ufeffid,smiles,charge\r\n# "unbalanced quote in a comment\r\n'
            'H2,[H][H],,\r\n\r\n"water",O,0,,\r\n,,\r\n')
    valid, invalid = load_molecules(write_table(tmp_path, text), CONFIG, ROW_SCHEMA)
    assert [molecule.id for molecule in valid] == ["H2", "water"] and invalid == []


def test_a_row_with_more_filled_cells_than_columns_refuses_the_table(tmp_path):
    with pytest.raises(InputError, match="row 1 has 3 cells but the header has 2"):
        load_molecules(write_table(tmp_path, "id,smiles\nethanol,CCO,extra\n"), CONFIG, ROW_SCHEMA)
