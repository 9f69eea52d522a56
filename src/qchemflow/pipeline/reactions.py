"""The reactions table: loaded and checked against the molecule table before any job runs.

Every row is checked first against ``workflow/schemas/reactions.schema.yaml``, then against what
a schema cannot say: every species is an id of the molecule table, species and coefficients have
the same count, and atoms and charge balance (for ``protonation``, the two sides differ by bare
protons only: as many hydrogen atoms as units of charge). Every problem of every row is listed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from qchemflow.analysis.relative_energies import Reaction
from qchemflow.chemistry.molecules import (InvalidRow, MoleculeSpec, read_table_rows,
                                           schema_problems, table_columns)
from qchemflow.core.errors import InputError
from qchemflow.core.settings import settings_from_json, settings_to_json


def balance_problem(kind: str, species: tuple[str, ...], coefficients: tuple[int, ...],
                    molecules: dict[str, MoleculeSpec]) -> str | None:
    """Why atoms or charge do not balance (None when they do).

    Args:
        kind: the reaction kind; ``protonation`` allows bare protons on one side.
        species: molecule ids.
        coefficients: their stoichiometric coefficients (products +, reactants -).
        molecules: the valid molecules of the table.
    """
    atoms: Counter[str] = Counter()
    charge = 0
    for member, coefficient in zip(species, coefficients):
        for symbol in molecules[member].symbols:
            atoms[symbol] += coefficient
        charge += coefficient * molecules[member].charge
    left = {symbol: count for symbol, count in sorted(atoms.items()) if count}
    if kind == "protonation":
        # A bare proton carries one H and one charge: H + charge is what balances.
        protons = left.pop("H", 0)
        if not left and protons == charge:
            return None
        return (f"atoms or charge do not balance even with bare protons (left over: "
                f"{_counts(left)}, H {protons:+d}, charge {charge:+d}); check species and "
                "coefficients")
    if not left and charge == 0:
        return None
    return (f"atoms or charge do not balance (left over: {_counts(left)}, charge {charge:+d}); "
            "check species and coefficients, or use kind protonation")


def _counts(atoms: dict[str, int]) -> str:
    return ", ".join(f"{symbol} {count:+d}" for symbol, count in atoms.items()) or "no atoms"


def reaction_from_row(row: dict[str, str], molecules: dict[str, MoleculeSpec],
                      refused_molecules: set[str]) -> tuple[Reaction | None, list[str]]:
    """The reaction of a row that passed the schema, or the problems that stop it."""
    species = tuple(row["species"].split())
    coefficients = tuple(int(word) for word in row["coefficients"].split())
    problems = []
    if len(species) != len(coefficients):
        problems.append(f"{len(species)} species but {len(coefficients)} coefficients; give one "
                        "coefficient per species")
    unknown = [member for member in species
               if member not in molecules and member not in refused_molecules]
    if unknown:
        problems.append(f"species {', '.join(unknown)} not in the molecule table; add them or "
                        "fix the ids")
    known = all(member in molecules for member in species)
    if not problems and known:
        problem = balance_problem(row["kind"], species, coefficients, molecules)
        if problem:
            problems.append(problem)
    if problems:
        return None, problems
    reference = row.get("reference_kcal_mol")
    return Reaction(row["id"], row["kind"], species, coefficients,
                    float(reference) if reference is not None else None,
                    row.get("reference_source")), []


def load_reactions(path: str | Path, molecules: dict[str, MoleculeSpec],
                   refused_molecules: set[str], row_schema: dict[str, Any]
                   ) -> tuple[list[Reaction], list[InvalidRow]]:
    """Load and check the whole reactions table.

    A reaction whose member was refused at load time (``on_invalid: skip``) stays: it will read
    ``failed:`` in ``reactions.csv``, as a member that fails during the run.

    Args:
        path: the CSV table.
        molecules: the valid molecules, by id.
        refused_molecules: ids of molecule rows refused at load time.
        row_schema: ``workflow/schemas/reactions.schema.yaml``.

    Returns:
        The valid reactions and the invalid rows (each with all its problems).

    Raises:
        InputError: the table itself cannot be read.
    """
    valid: list[Reaction] = []
    invalid: list[InvalidRow] = []
    seen: dict[str, int] = {}
    rows = read_table_rows(path, table_columns(row_schema), "reactions table",
                           "set config key 'reactions'")
    for number, row in enumerate(rows, start=1):
        reaction_id = row.get("id", "")
        problems = [f"duplicate id (also row {seen[reaction_id]}); give every row its own id"
                    ] if reaction_id in seen else []
        seen.setdefault(reaction_id, number)
        cell_problems = schema_problems(row, row_schema)
        problems += cell_problems
        reaction = None
        if not cell_problems:
            reaction, found = reaction_from_row(row, molecules, refused_molecules)
            problems += found
        if problems or reaction is None:
            invalid.append(InvalidRow(number, reaction_id, tuple(problems)))
        else:
            valid.append(reaction)
    return valid, invalid


def reactions_json(reactions: list[Reaction]) -> str:
    """The reactions as the one JSON argument of the ``reactions`` command."""
    return "[" + ",".join(settings_to_json(reaction) for reaction in reactions) + "]"


def reactions_from_json(text: str) -> list[Reaction]:
    """The reactions from :func:`reactions_json`'s text, each field checked as a settings
    object's is (:func:`~qchemflow.core.settings.settings_from_json`).

    Raises:
        InputError: not the list :func:`reactions_json` writes.
    """
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"reactions: not a list of reactions ({error})") from error
    if not isinstance(items, list):
        raise InputError("reactions: not a list of reactions")
    return [settings_from_json(Reaction, json.dumps(item)) for item in items]
