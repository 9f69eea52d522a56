"""The reactions table: every bad row listed with its problem before any job runs."""

from pathlib import Path
from typing import Any

import pytest

from qchemflow.chemistry.molecules import load_molecules
from qchemflow.core.errors import InputError
from qchemflow.pipeline.config import load_yaml
from qchemflow.pipeline.reactions import load_reactions, reactions_from_json, reactions_json

from conftest import REPOSITORY, default_config, molecule_row_schema

REACTION_SCHEMA = load_yaml(REPOSITORY / "workflow/schemas/reactions.schema.yaml")
MOLECULES = ("id,smiles,charge\nwater,O,\nhydronium,[OH3+],1\nammonia,N,\nammonium,[NH4+],1\n"
             "ethanol,CCO,\ndimethyl_ether,COC,\nbad,C1CC,\n")


def tables(tmp_path, reactions):
    (tmp_path / "molecules.csv").write_text(MOLECULES)
    config = dict(default_config(), on_invalid="skip")
    valid, invalid = load_molecules(tmp_path / "molecules.csv", config, molecule_row_schema())
    (tmp_path / "reactions.csv").write_text(reactions)
    return load_reactions(tmp_path / "reactions.csv", {m.id: m for m in valid},
                          {row.id for row in invalid}, REACTION_SCHEMA)


def test_valid_reactions_and_every_bad_row(tmp_path):
    valid, invalid = tables(tmp_path, "\n".join([
        "id,kind,species,coefficients,reference_kcal_mol,reference_source",
        "pa_water,protonation,water hydronium,1 -1,165.0,made up",
        "isomer,reaction,ethanol dimethyl_ether,-1 1,,",
        "unknown,tautomer,water nothere,-1 1,,",
        "count,reaction,water hydronium,1,,",
        "fraction,reaction,water water,1 -0.5,,",
        "unbalanced,reaction,water ammonia,-1 1,,",
        "charge,tautomer,water hydronium,-1 1,,",
        "not_protons,protonation,water ammonium,1 -1,,",
        "kind,isomerisation,water water,1 -1,,",
        "isomer,reaction,ethanol dimethyl_ether,-1 1,,",
        "refused,reaction,bad water,1 -1,,",
    ]) + "\n")
    assert [reaction.id for reaction in valid] == ["pa_water", "isomer", "refused"]
    assert valid[0].species == ("water", "hydronium") and valid[0].coefficients == (1, -1)
    assert valid[0].reference_kcal_mol == 165.0 and valid[1].reference_kcal_mol is None
    messages = {row.id: row.message() for row in invalid}
    assert set(messages) == {"unknown", "count", "fraction", "unbalanced", "charge",
                             "not_protons", "kind", "isomer"}
    assert "species nothere not in the molecule table" in messages["unknown"]
    assert "2 species but 1 coefficients" in messages["count"]
    assert "coefficients '1 -0.5' is not allowed; whole numbers" in messages["fraction"]
    assert "do not balance (left over: H +1, N +1, O -1, charge +0)" in messages["unbalanced"]
    assert "(left over: H +1, charge +1)" in messages["charge"]  # a proton: use protonation
    assert "use kind protonation" in messages["charge"]
    assert "even with bare protons" in messages["not_protons"]
    assert "kind 'isomerisation' is not allowed" in messages["kind"]
    assert messages["isomer"].startswith("row 10 (id 'isomer'): duplicate id (also row 2)")


def test_reactions_travel_as_json_exactly(tmp_path):
    valid, _ = tables(tmp_path, "id,kind,species,coefficients,reference_kcal_mol\n"
                                "pa_water,protonation,water hydronium,1 -1,165.0\n")
    assert reactions_from_json(reactions_json(valid)) == valid
    with pytest.raises(InputError, match="reactions: not a list of reactions"):
        reactions_from_json('{"id": 1}')
    with pytest.raises(InputError, match="Reaction: settings keys differ from the fields"):
        reactions_from_json('[{"id": 1}]')


@pytest.mark.parametrize("table, count", [("gmtkn55", 8), ("heterocycles", 6)])
def test_shipped_tables_are_valid(table, count):
    molecules, refused = load_molecules(REPOSITORY / f"molecules/{table}.csv", default_config(),
                                        molecule_row_schema())
    assert refused == []
    valid, invalid = load_reactions(REPOSITORY / f"reactions/{table}.csv",
                                    {m.id: m for m in molecules}, set(), REACTION_SCHEMA)
    assert invalid == [] and len(valid) == count
    # Every reference has its source.
    assert all(reaction.reference_source for reaction in valid
               if reaction.reference_kcal_mol is not None)


# The reactions of the shipped GMTKN55 table whose members are small enough for CI (3-5 atoms:
# a tautomer pair, three protonations with a second-row atom); the four larger ones (7-14
# atoms, about 9 of the 11 minutes) are checked by benchmarks/check_gmtkn55_delta_ccsd_t.py,
# which runs this same check on all eight.
CI_REACTIONS = ("TAUT15_14", "PA26_5", "PA26_6", "PA26_10")


def gmtkn55_members(reactions: tuple[str, ...]) -> tuple[dict[str, Any], list[Any]]:
    """The shipped GMTKN55 molecules by id and the reactions named."""
    molecules, _ = load_molecules(REPOSITORY / "molecules/gmtkn55.csv", default_config(),
                                  molecule_row_schema())
    by_id = {spec.id: spec for spec in molecules}
    valid, _ = load_reactions(REPOSITORY / "reactions/gmtkn55.csv", by_id, set(),
                              REACTION_SCHEMA)
    return by_id, [item for item in valid if item.id in reactions]


def delta_ccsd_t_both_ways(folder: Path, reactions: tuple[str, ...]
                           ) -> dict[str, tuple[float, float]]:
    """Each reaction's ΔCCSD(T) (kcal/mol) through the pipeline's stages (its members' table
    rows' settings) and straight from PySCF."""
    from conftest import run_stages
    from unit.analysis.test_relative_energies import direct_ccsd_t

    by_id, rows = gmtkn55_members(reactions)
    energies = {}
    for member in sorted({member for row in rows for member in row.species}):
        spec = by_id[member]
        records = run_stages(folder, spec.id, xyz=spec.xyz, charge=spec.charge, basis=spec.basis,
                             frozen_core=spec.frozen_core, active_electrons=4, active_orbitals=4,
                             methods=("hf", "ccsd", "ccsd_t"))
        energies[member] = (records["references"]["energies"]["ccsd_t"],
                            direct_ccsd_t(spec.id, spec.charge))
    return {row.id: tuple(sum(coefficient * energies[member][which] for member, coefficient
                              in zip(row.species, row.coefficients)) * 627.5094740631
                          for which in (0, 1))
            for row in rows}


@pytest.fixture(scope="module")
def gmtkn55_deltas(tmp_path_factory):
    return delta_ccsd_t_both_ways(tmp_path_factory.mktemp("gmtkn55"), CI_REACTIONS)


@pytest.mark.parametrize("reaction", CI_REACTIONS)
def test_shipped_delta_ccsd_t_equals_pyscf_directly(gmtkn55_deltas, reaction):
    # The check: ΔCCSD(T) of each shipped GMTKN55 reaction equals a direct PySCF
    # calculation (same geometry, cc-pVDZ, frozen core) to 0.01 kcal/mol.
    pipeline, direct = gmtkn55_deltas[reaction]
    assert pipeline == pytest.approx(direct, abs=0.01)
