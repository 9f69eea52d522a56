"""The molecule table: loading, per-row settings and validation before any job runs.

Every row is checked (SMILES or XYZ, elements, charge and multiplicity, basis, active space);
every problem of every row is collected, so the user sees them all at once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qchemflow.chemistry.active_space import choose_active_space
from qchemflow.chemistry.geometry import (Atom, check_formal_charge, check_source, check_spin,
                                         electron_count, read_xyz, smiles_symbols_and_charge)
from qchemflow.chemistry.scan import parse_scan, point_id
from qchemflow.chemistry.selection import plane_normal
from qchemflow.core.errors import InputError, one_line
from qchemflow.core.files import read_small_text
from qchemflow.core.memory import sector_dimension
from qchemflow.core.spin import alpha_beta

MAX_TABLE_BYTES = 50_000_000
# What the jobs of avas and natural_orbitals without an orbital limit are sized for: a selection
# of this many orbitals (20 qubits); a larger one fails its memory guard and asks for more on the
# retry. pi is sized for one orbital per heavy atom.
UNLIMITED_SELECTION_ORBITALS = 10
TRUE_WORDS = {"true", "yes", "1"}
FALSE_WORDS = {"false", "no", "0"}


@dataclass(frozen=True)
class MoleculeSpec:
    """One molecule with its effective settings (config defaults, row overrides applied)."""

    id: str
    row: int
    smiles: str | None
    xyz: str | None
    charge: int
    multiplicity: int
    basis: str
    cartesian: bool
    frozen_core: bool
    active_electrons: int | None
    active_orbitals: int | None
    scf_max_cycles: int
    solvent: str | None = None
    active_space_method: str = "window"
    scan_id: str | None = None
    bond_length: tuple[int, int, float] | None = None
    n_electrons: int = 0
    n_basis_functions: int = 0
    n_frozen_core: int = 0
    symbols: tuple[str, ...] = ()
    n_active_electrons: int = 0
    n_active_orbitals: int = 0

    @property
    def spin(self) -> int:
        """2S, the number of unpaired electrons."""
        return self.multiplicity - 1

    def as_dict(self) -> dict[str, Any]:
        """The spec as a plain mapping."""
        return asdict(self)


@dataclass(frozen=True)
class InvalidRow:
    """A table row that cannot run, with every reason."""

    row: int
    id: str
    problems: tuple[str, ...]

    def message(self) -> str:
        """One line naming the row and what to change."""
        return one_line(f"row {self.row} (id '{self.id}'): " + "; ".join(self.problems))


def parse_boolean(value: str, column: str) -> bool:
    """true/yes/1 or false/no/0 (any case).

    Raises:
        InputError: anything else, naming ``column``.
    """
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InputError(f"{column} '{value}' is not true/false; write true or false")


def read_table_rows(path: str | Path, known_columns: tuple[str, ...],
                    what: str = "molecule table", missing_fix: str = "set config key 'molecules'"
                    ) -> list[dict[str, str]]:
    """Read the CSV rows of an input table (values stripped; empty cells dropped).

    Args:
        path: the CSV table.
        known_columns: the columns the row schema defines (the first is ``id``).
        what: what the table is, for the messages.
        missing_fix: what to do when the file does not exist.

    Raises:
        InputError: missing, oversized or non-text file, missing ``id`` column or unknown columns.
    """
    text = read_small_text(path, what, MAX_TABLE_BYTES, missing_fix,
                           "split it into smaller tables", "save it as CSV")
    # Only \n, \r and \r\n end a line (str.splitlines would also split on \x1e, \x85, ...).
    # Lines starting with '#' are comments, dropped before parsing so a quote in a comment cannot
    # swallow the rows after it; rows with no text are skipped.
    lines = [line for line in io.StringIO(text, newline="")
             if not line.lstrip().startswith("#")]
    try:
        cells = [row for row in csv.reader(lines) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise InputError(f"{what} '{path}' is not valid CSV: {error}") from error
    columns = [column.strip() for column in cells[0]] if cells else []
    if "id" not in columns:
        raise InputError(f"{what} '{path}' has no 'id' column; its header must name id and the "
                         f"other columns it uses (columns: {', '.join(known_columns)})")
    unknown = [column for column in columns if column not in known_columns]
    if unknown:
        raise InputError(f"{what} '{path}': unknown column(s) {', '.join(unknown)}; "
                         f"allowed: {', '.join(known_columns)}")
    if len(set(columns)) != len(columns):
        raise InputError(f"{what} '{path}': a column is named twice in the header")
    rows = []
    for number, row in enumerate(cells[1:], start=1):
        if any(cell.strip() for cell in row[len(columns):]):
            raise InputError(f"{what} '{path}': row {number} has {len(row)} cells but the "
                             f"header has {len(columns)}; quote cells that contain commas")
        rows.append({column: value.strip() for column, value in zip(columns, row)
                     if value.strip()})
    return rows


def schema_problems(row: dict[str, str], row_schema: dict[str, Any]) -> list[str]:
    """What the row schema (``workflow/schemas/molecules.schema.yaml``) finds wrong with a row:
    one item per bad cell, naming the column, its value and what to write."""
    import jsonschema

    problems = []
    validator = jsonschema.Draft202012Validator(row_schema)
    for error in sorted(validator.iter_errors(row), key=lambda item: list(item.path)):
        if error.path:
            column = str(error.path[0])
            description = row_schema["properties"][column].get("description", error.message)
            problems.append(f"{column} '{row[column]}' is not allowed; {description}")
        else:
            problems.append(error.message)
    return problems


def table_columns(row_schema: dict[str, Any]) -> tuple[str, ...]:
    """The columns a molecule table may have: the row schema's properties."""
    return tuple(row_schema["properties"])


def spec_from_row(row_number: int, row: dict[str, str], config: dict[str, Any],
                  table_folder: Path) -> tuple[MoleculeSpec, bool]:
    """Apply config defaults and row overrides to a row that passed the row schema (so its
    integer and boolean cells are well formed); check its source (not its chemistry).

    Returns:
        The spec and whether the row gave a charge (otherwise the SMILES formal charge is used).

    Raises:
        InputError: a malformed cell, with the column and what to write.
    """
    molecule_id = row.get("id", "")
    smiles, xyz = row.get("smiles"), row.get("xyz")
    check_source(smiles, xyz)
    active = config.get("active_space") or {}

    def optional_integer(column: str, default: Any) -> int | None:
        return int(row[column]) if column in row else default

    charge = optional_integer("charge", None)
    scf_max_cycles = optional_integer("scf_max_cycles", config["scf"]["max_cycles"]) or 0
    return MoleculeSpec(
        id=molecule_id,
        row=row_number,
        smiles=smiles,
        xyz=str(_resolve_xyz(xyz, table_folder)) if xyz else None,
        charge=charge if charge is not None else 0,
        multiplicity=optional_integer("multiplicity", 1) or 0,
        basis=row.get("basis", config["basis"]),
        cartesian=parse_boolean(row["cartesian"], "cartesian") if "cartesian" in row
        else bool(config["cartesian"]),
        frozen_core=parse_boolean(row["frozen_core"], "frozen_core") if "frozen_core" in row
        else bool(config["frozen_core"]),
        active_electrons=optional_integer("active_electrons", active.get("electrons")),
        active_orbitals=optional_integer("active_orbitals", active.get("orbitals")),
        scf_max_cycles=scf_max_cycles,
        solvent=row_solvent(row.get("solvent"), (config.get("solvent") or {}).get("name")),
        active_space_method=row.get("active_space_method", active.get("method", "window")),
    ), ("charge" in row)


def row_solvent(cell: str | None, default: str | None) -> str | None:
    """The row's solvent: its ``solvent`` cell (``gas``: none) or else the config's name."""
    if cell is None:
        return default
    return None if cell == "gas" else cell


def _resolve_xyz(xyz: str, table_folder: Path) -> Path:
    """The XYZ path relative to the table's folder; refuses paths that leave that folder."""
    resolved = (table_folder / xyz).resolve()
    if not resolved.is_relative_to(table_folder.resolve()):
        raise InputError(f"xyz path '{xyz}' leads outside the table's folder; "
                         "keep XYZ files beside the table or in a subfolder")
    return resolved


def check_chemistry(spec: MoleculeSpec, charge_given: bool) -> MoleculeSpec:
    """Check elements, charge, multiplicity, basis and active space without computing anything.

    Returns:
        The spec, with the charge taken from the SMILES when the table gives none, and its sizes
        (electrons, basis functions, active space) filled in for the resource requests.

    Raises:
        InputError: the first chemical problem, with what to change.
    """
    from dataclasses import replace

    if spec.smiles:
        symbols, formal_charge = smiles_symbols_and_charge(spec.smiles)
        if charge_given:
            check_formal_charge(spec.charge, formal_charge)
        spec = replace(spec, charge=formal_charge)
    else:
        symbols = [atom.symbol for atom in read_xyz(spec.xyz or "").atoms]
    n_electrons = electron_count(symbols, spec.charge)
    check_spin(n_electrons, spec.multiplicity)
    n_orbitals, n_frozen = basis_orbital_counts(symbols, spec.basis, spec.cartesian)
    n_frozen = n_frozen if spec.frozen_core else 0
    if spec.active_space_method == "window":
        choice = choose_active_space(n_electrons, n_orbitals, n_frozen, spec.spin,
                                     spec.active_electrons, spec.active_orbitals)
        n_active_electrons, n_active_orbitals = choice.n_electrons, choice.n_orbitals
    else:
        if spec.active_space_method == "pi" and spec.xyz:
            check_planar(read_xyz(spec.xyz).atoms)
        # The π system has one p orbital per heavy atom: as many active orbitals, typically.
        expected = (sum(symbol not in ("H", "He") for symbol in symbols)
                    if spec.active_space_method == "pi" else UNLIMITED_SELECTION_ORBITALS)
        n_active_electrons, n_active_orbitals = selection_size_bound(
            n_electrons, n_orbitals, n_frozen, spec.spin, spec.active_electrons,
            spec.active_orbitals or expected)
    return replace(spec, n_electrons=n_electrons, n_basis_functions=n_orbitals,
                   n_frozen_core=n_frozen, symbols=tuple(symbols),
                   n_active_electrons=n_active_electrons, n_active_orbitals=n_active_orbitals)


def selection_size_bound(n_electrons: int, n_orbitals: int, n_frozen: int, spin: int,
                         electrons_limit: int | None, orbitals_limit: int
                         ) -> tuple[int, int]:
    """The active space the jobs of a selecting method (avas, pi, natural_orbitals) are sized
    for: ``orbitals_limit`` orbitals (at most those not frozen) and, up to ``electrons_limit``,
    the electrons that make the largest CI sector in them."""
    orbitals = min(orbitals_limit, n_orbitals - n_frozen)
    most = min(electrons_limit or n_electrons, n_electrons - 2 * n_frozen)
    counts = [count for count in range(most, spin - 1, -1)
              if (n_electrons - count) % 2 == 0 and alpha_beta(count, spin)[0] <= orbitals]
    if not counts:
        raise InputError(f"no active space of at most {orbitals} orbitals and {most} electrons "
                         f"holds this molecule's {spin} unpaired electrons; raise the limits")
    electrons = max(counts, key=lambda count: sector_dimension(orbitals,
                                                               *alpha_beta(count, spin)))
    return electrons, orbitals


def check_planar(atoms: tuple[Atom, ...]) -> None:
    """Refuse a non-planar molecule for the π selection (its heavy atoms must lie in a plane)."""
    coordinates = np.array([atom.position() for atom in atoms if atom.symbol not in ("H", "He")])
    plane_normal(coordinates, "the XYZ file")


def basis_orbital_counts(symbols: list[str], basis: str, cartesian: bool) -> tuple[int, int]:
    """Number of basis functions and of chemical core orbitals, without a geometry.

    Raises:
        InputError: the basis is unknown or lacks one of the elements.
    """
    from pyscf import gto
    from pyscf.data import elements

    n_functions = 0
    n_core = 0
    for symbol in sorted(set(symbols)):
        atomic_number = elements.charge(symbol)
        try:
            if not gto.basis.load(basis, symbol):
                raise ValueError(f"no functions for {symbol}")
            atom = gto.M(atom=[(symbol, (0.0, 0.0, 0.0))], basis=basis, cart=cartesian,
                         spin=atomic_number % 2, verbose=0)
        except Exception as error:
            raise InputError(f"basis '{basis}' is unknown or has no functions for {symbol}; "
                             "use a PySCF basis name such as sto-3g, 6-31g, cc-pvdz") from error
        count = symbols.count(symbol)
        n_functions += count * int(atom.nao)
        n_core += count * int(elements.chemcore(atom))
    return n_functions, n_core


def load_molecules(path: str | Path, config: dict[str, Any], row_schema: dict[str, Any]
                   ) -> tuple[list[MoleculeSpec], list[InvalidRow]]:
    """Load and validate the whole table: first each row against the row schema, then the
    chemistry the schema cannot express (:func:`check_chemistry`).

    Args:
        path: the CSV table.
        config: the validated config (defaults applied).
        row_schema: ``workflow/schemas/molecules.schema.yaml``.

    Returns:
        The valid molecules and the invalid rows (each with all its problems).

    Raises:
        InputError: the table itself cannot be read.
    """
    table_folder = Path(path).parent
    valid: list[MoleculeSpec] = []
    invalid: list[InvalidRow] = []
    seen: dict[str, int] = {}
    for row_number, row in enumerate(read_table_rows(path, table_columns(row_schema)), start=1):
        molecule_id = row.get("id", "")
        problems: list[str] = []
        if molecule_id in seen:
            problems.append(f"duplicate id (also row {seen[molecule_id]}); give every row its own id")
        seen.setdefault(molecule_id, row_number)
        cell_problems = schema_problems(row, row_schema)
        problems += cell_problems
        points: list[MoleculeSpec] = []
        try:
            if not cell_problems:
                spec, charge_given = spec_from_row(row_number, row, config, table_folder)
                spec = check_chemistry(spec, charge_given)
                points = scan_points(spec, row["scan"]) if "scan" in row else [spec]
        except InputError as error:
            problems.append(str(error))
        for point in points if "scan" in row else []:
            if point.id in seen:
                problems.append(f"scan point id {point.id} is also row {seen[point.id]}'s id; "
                                "rename one of them")
            seen.setdefault(point.id, row_number)
        if problems:
            invalid.append(InvalidRow(row_number, molecule_id, tuple(problems)))
        else:
            valid += points
    return valid, invalid


def scan_points(spec: MoleculeSpec, cell: str) -> list[MoleculeSpec]:
    """The molecules of a scan row: one per bond length, ids ``<id>.<index>``.

    Raises:
        InputError: the scan cell is malformed or names atoms the molecule does not have.
    """
    from dataclasses import replace

    scan = parse_scan(cell, len(spec.symbols))
    return [replace(spec, id=point_id(spec.id, index, scan.points), scan_id=spec.id,
                    bond_length=(scan.first, scan.second, length))
            for index, length in enumerate(scan.lengths())]
