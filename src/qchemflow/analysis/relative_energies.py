"""``results/reactions.csv``: relative energies (ΔE = Σ cᵢ·Eᵢ, kcal/mol) per method, from the
records of the member molecules, against each reaction's reference.

Besides every method of ``references.json`` and the VQE, two composite energies show what the
quantum step adds to the best classical method:
``casci_in_ccsd_t`` = E_CCSD(T) full − E_CCSD(T) active + E_CASCI and ``vqe_in_ccsd_t`` = the same
with the VQE energy; with ``cbs.json`` (``cbs.enabled``) also ``ccsd_t_cbs`` and the same two on
top of it, ``casci_in_ccsd_t_cbs`` and ``vqe_in_ccsd_t_cbs``. Members computed with different
settings (basis, Cartesian functions, solvent, frozen core, active-space selection or size) are
never combined: the reaction is refused with the reason. A failed member makes only its reaction ``failed:<reason>``.
The last row, ``mean_absolute_error``, holds each method's mean |error| over the reactions.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qchemflow.analysis.summary import cbs_energy, embedded_energy, write_table
from qchemflow.core.record_models import RECORD_FILES
from qchemflow.core.records import read_record
from qchemflow.core.units import HARTREE_TO_KCAL_PER_MOL

KINDS = ("tautomer", "protonation", "conformer", "reaction", "bond_dissociation")
CLASSICAL_METHODS = ("hf", "mp2", "ccsd", "ccsd_t", "mp2_active", "ccsd_active", "ccsd_t_active",
                     "casci")
METHODS = (*CLASSICAL_METHODS, "vqe", "casci_in_ccsd_t", "vqe_in_ccsd_t", "ccsd_t_cbs",
           "casci_in_ccsd_t_cbs", "vqe_in_ccsd_t_cbs")
# The settings every member must share: the same value in each member's record.
SHARED_SETTINGS = ("basis", "cartesian", "solvent", "frozen_core", "active_selection",
                   "active_electrons", "active_orbitals")
COLUMNS = ("id", "kind", "status", "reference_kcal_mol", "reference_source", "species",
           "coefficients", "basis", "solvent", "active_space",
           *(f"{prefix}_{method}_kcal_mol" for method in METHODS
             for prefix in ("delta", "error")))


@dataclass(frozen=True)
class Reaction:
    """One row of a reactions table, validated against the molecule table."""

    id: str
    kind: str
    species: tuple[str, ...]
    coefficients: tuple[int, ...]
    reference_kcal_mol: float | None
    reference_source: str | None


def member_energies(records: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """Every method's total energy (Hartree) of one molecule, composites included."""
    energies: dict[str, float | None] = {
        name: records["references"]["energies"].get(name) for name in CLASSICAL_METHODS}
    energies["vqe"] = records["vqe"].get("energy")
    energies["ccsd_t_cbs"] = cbs_energy(records)
    for outer in ("ccsd_t", "ccsd_t_cbs"):
        for method in ("casci", "vqe"):
            energies[f"{method}_in_{outer}"] = embedded_energy(
                energies[outer], energies["ccsd_t_active"], energies[method])
    return energies


def member_settings(records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What shaped the member's energies and must be the same across a reaction."""
    scf, active = records["scf"], records["active_space"]
    solvent = scf.get("solvent")
    return {"basis": scf["basis"], "cartesian": scf["cartesian"],
            "solvent": "gas" if solvent is None else f"{solvent['name']} ({solvent['model']})",
            "frozen_core": active["frozen_core"], "active_selection": active["selection"],
            "active_electrons": active["n_electrons"], "active_orbitals": active["n_orbitals"]}


def read_member(folder: Path) -> dict[str, dict[str, Any]]:
    """A member's records; raises ``ValueError`` with the reason when one is missing or failed."""
    records = {}
    for stage in ("scf", "active_space", "references", "vqe"):
        path = folder / RECORD_FILES[stage]
        if not path.is_file():
            raise ValueError(f"{folder.name}: {RECORD_FILES[stage]} is missing")
        record = read_record(path)
        if record["status"] != "ok":
            raise ValueError(f"{folder.name}: failed at {record['failed_stage']}: "
                             f"{record['reason']}")
        records[stage] = record
    cbs = folder / RECORD_FILES["cbs"]
    if cbs.is_file():  # optional (cbs.enabled); a failed one leaves its energies empty
        records["cbs"] = read_record(cbs)
    return records


def inconsistent_settings(settings: dict[str, dict[str, Any]]) -> str | None:
    """The first setting the members do not share, said in words; None when they agree.

    The active space's size must be shared only by a ``window``: a selecting method (AVAS, π,
    natural orbitals) with the same settings may rightly find spaces of different sizes.
    """
    selections = {member_settings["active_selection"] for member_settings in settings.values()}
    sized = selections != {"window"}
    for key in SHARED_SETTINGS:
        if sized and key in ("active_electrons", "active_orbitals"):
            continue
        values = {member: member_settings[key] for member, member_settings in settings.items()}
        if len(set(values.values())) > 1:
            listed = ", ".join(f"{member} {value}" for member, value in values.items())
            return (f"members computed with different {key.replace('_', ' ')} ({listed}); "
                    "compute every member with the same settings")
    return None


def active_space_sizes(settings: dict[str, dict[str, Any]]) -> str:
    """The members' active spaces in words: one size when they share it, else one per member."""
    sizes = {member: f"({values['active_electrons']}e,{values['active_orbitals']}o)"
             for member, values in settings.items()}
    selection = next(iter(settings.values()))["active_selection"]
    if len(set(sizes.values())) == 1:
        return f"{next(iter(sizes.values()))} {selection}"
    return f"{selection}: " + ", ".join(f"{member} {size}" for member, size in sizes.items())


def reaction_row(reaction: Reaction, results_folder: Path) -> dict[str, Any]:
    """One row of ``reactions.csv``: ΔE and error per method, or the reason it has none."""
    row: dict[str, Any] = {
        "id": reaction.id, "kind": reaction.kind,
        "reference_kcal_mol": reaction.reference_kcal_mol,
        "reference_source": reaction.reference_source,
        "species": " ".join(reaction.species),
        "coefficients": " ".join(str(value) for value in reaction.coefficients)}
    try:
        members = {member: read_member(results_folder / member) for member in reaction.species}
    except ValueError as error:
        return {**row, "status": f"failed:{error}"}
    settings = {member: member_settings(records) for member, records in members.items()}
    problem = inconsistent_settings(settings)
    if problem is not None:
        return {**row, "status": f"failed:settings: {problem}"}
    shared = next(iter(settings.values()))
    row.update(status="ok", basis=shared["basis"], solvent=shared["solvent"],
               active_space=active_space_sizes(settings))
    energies = {member: member_energies(records) for member, records in members.items()}
    for method in METHODS:
        terms = [(coefficient, energies[member][method])
                 for member, coefficient in zip(reaction.species, reaction.coefficients)]
        if any(energy is None for _, energy in terms):
            continue
        delta = sum(coefficient * float(energy or 0.0) for coefficient, energy in terms
                    ) * HARTREE_TO_KCAL_PER_MOL
        row[f"delta_{method}_kcal_mol"] = delta
        if reaction.reference_kcal_mol is not None:
            row[f"error_{method}_kcal_mol"] = delta - reaction.reference_kcal_mol
    return row


def write_reactions(reactions: list[Reaction], results_folder: str | Path, output: str | Path,
                    invalid_rows: tuple[tuple[str, str], ...] | list[tuple[str, str]] = ()
                    ) -> list[dict[str, Any]]:
    """Write ``reactions.csv`` (one row per reaction, full float precision, then the
    mean-absolute-error row of :func:`mean_absolute_error_row`), atomically.

    Args:
        reactions: the valid reactions.
        results_folder: the ``results/`` folder.
        output: the CSV to write.
        invalid_rows: ``(id, message)`` of reaction rows refused at load time
            (``on_invalid: skip``): each gets a ``failed:input`` row.

    Returns:
        The reaction rows written (without the mean-absolute-error row).
    """
    rows = [reaction_row(reaction, Path(results_folder)) for reaction in reactions]
    rows += [{"id": reaction_id, "status": f"failed:input: {message}"}
             for reaction_id, message in invalid_rows]
    write_table([*rows, mean_absolute_error_row(rows)], COLUMNS, output)
    return rows


MEAN_ABSOLUTE_ERROR_ID = "mean_absolute_error"
SUMMARY_STATUS = "summary"


def mean_absolute_error_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The last row of ``reactions.csv``: in each ``error_<method>`` column the mean |error|
    over the ok reactions that have one (:func:`mean_absolute_errors`); its status names them,
    and any method that has fewer."""
    averages = mean_absolute_errors(rows, METHODS)
    counted = [str(row["id"]) for row in rows if row.get("status") == "ok"
               and row.get("reference_kcal_mol") is not None]
    fewer = [f"{method} over {count}" for method, (value, count) in averages.items()
             if value is not None and count < len(counted)]
    status = (f"{SUMMARY_STATUS}: mean |error| over {len(counted)} reactions with a reference"
              + (f" ({', '.join(fewer)})" if fewer else ""))
    return {"id": MEAN_ABSOLUTE_ERROR_ID, "kind": SUMMARY_STATUS, "status": status,
            "species": " ".join(counted),
            **{f"error_{method}_kcal_mol": value for method, (value, _) in averages.items()
               if value is not None}}


# The methods a reader compares per reaction, with their labels, best classical method first.
REPORTED_METHODS = (("ccsd_t", "CCSD(T)"), ("ccsd", "CCSD"), ("mp2", "MP2"), ("hf", "HF"),
                    ("casci", "CASCI"), ("vqe", "VQE"), ("vqe_in_ccsd_t", "VQE in CCSD(T)"))
CHEMICAL_ACCURACY_KCAL_MOL = 1.0
IMPROVEMENT_KCAL_MOL = 0.01  # smaller changes of |error| are read as "no change"


def read_reactions(path: str | Path) -> list[dict[str, Any]]:
    """The reaction rows of ``reactions.csv`` (not the mean-absolute-error row), numbers as
    floats and empty cells as None."""
    rows = []
    with open(path, encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            if row["id"] == MEAN_ABSOLUTE_ERROR_ID and row["kind"] == SUMMARY_STATUS:
                continue
            rows.append({key: (None if value == "" else float(value)
                               if key.endswith("_kcal_mol") else value)
                         for key, value in row.items()})
    return rows


def signed_kcal_mol(value: float | None) -> str:
    """A kcal/mol difference to 0.01 with its sign; one that rounds to zero is 0.00, never
    −0.00; None is empty."""
    if value is None:
        return ""
    text = f"{float(value):+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text


def reaction_verdict(row: dict[str, Any]) -> str:
    """One plain sentence: which method is closest to the reference, and whether the VQE
    embedded in CCSD(T) improves on CCSD(T) for this energy difference."""
    if row.get("status") != "ok":
        return f"{row['id']}: no relative energies ({row.get('status')})."
    errors: dict[str, float] = {
        label: float(row[f"error_{method}_kcal_mol"]) for method, label in REPORTED_METHODS
        if row.get(f"error_{method}_kcal_mol") is not None}
    if not errors:
        return f"{row['id']}: no reference value, so no errors; see the ΔE columns."
    closest = min(errors, key=lambda label: abs(errors[label]))
    accuracy = ("within" if abs(errors[closest]) <= CHEMICAL_ACCURACY_KCAL_MOL
                else "outside")
    sentence = (f"{row['id']} ({row['kind']}, reference {row['reference_kcal_mol']:g} kcal/mol): "
                f"{closest} is closest ({signed_kcal_mol(errors[closest])} kcal/mol, "
                f"{accuracy} 1 kcal/mol).")
    if "CCSD(T)" in errors and "VQE in CCSD(T)" in errors:
        change = abs(errors["CCSD(T)"]) - abs(errors["VQE in CCSD(T)"])
        if change > IMPROVEMENT_KCAL_MOL:
            sentence += (f" The quantum step helps: VQE in CCSD(T) is {change:.2f} kcal/mol "
                         "closer to the reference than CCSD(T).")
        elif change < -IMPROVEMENT_KCAL_MOL:
            sentence += (f" The quantum step makes it worse: VQE in CCSD(T) is {-change:.2f} "
                         "kcal/mol further from the reference than CCSD(T).")
        else:
            sentence += (" The quantum step did not help: VQE in CCSD(T) gives CCSD(T)'s error "
                         f"({signed_kcal_mol(errors['CCSD(T)'])} kcal/mol) to within "
                         f"{IMPROVEMENT_KCAL_MOL} kcal/mol.")
        exact = row.get("error_casci_in_ccsd_t_kcal_mol")
        if exact is not None and abs(exact - errors["VQE in CCSD(T)"]) > IMPROVEMENT_KCAL_MOL:
            sentence += (f" With the exact active-space energy (CASCI in CCSD(T)) the error is "
                         f"{signed_kcal_mol(exact)} kcal/mol; the difference is the VQE's own "
                         "error against CASCI.")
    return sentence


# A reaction's error budget (kcal/mol): from CCSD(T) in the molecule's basis to the VQE embedded
# in CCSD(T)/CBS, term by term; each is a difference of two ΔE columns, and they add up:
# error(VQE in CCSD(T)/CBS) = error(CCSD(T)) − basis set + active space + VQE.
BUDGET_TERMS = (
    ("basis_set", "basis set: CCSD(T) − CCSD(T)/CBS", "ccsd_t", "ccsd_t_cbs"),
    ("beyond_mp2", "correlation beyond MP2: CCSD(T) − MP2", "ccsd_t", "mp2"),
    ("active_space", "active space: CASCI − CCSD(T) in it", "casci_in_ccsd_t", "ccsd_t"),
    ("vqe", "the VQE's own error: VQE − CASCI", "vqe", "casci"),
)
# The methods whose mean absolute error against the references the report compares.
MAE_METHODS = (("ccsd_t", "CCSD(T)"), ("ccsd_t_cbs", "CCSD(T)/CBS"),
               ("casci_in_ccsd_t_cbs", "CASCI in CCSD(T)/CBS"),
               ("vqe_in_ccsd_t_cbs", "VQE in CCSD(T)/CBS"))


def error_budget(row: dict[str, Any]) -> dict[str, float | None]:
    """The terms of :data:`BUDGET_TERMS` for one ``reactions.csv`` row (None where a ΔE is
    missing)."""
    def difference(first: str, second: str) -> float | None:
        a, b = row.get(f"delta_{first}_kcal_mol"), row.get(f"delta_{second}_kcal_mol")
        return None if a is None or b is None else float(a) - float(b)

    return {name: difference(first, second) for name, _, first, second in BUDGET_TERMS}


def mean_absolute_errors(rows: list[dict[str, Any]], methods: tuple[str, ...] | None = None
                         ) -> dict[str, tuple[float | None, int]]:
    """Per method (None: those of :data:`MAE_METHODS`): the mean |error| over the ok reactions
    that have one, and how many those are."""
    result: dict[str, tuple[float | None, int]] = {}
    for method in methods or tuple(key for key, _ in MAE_METHODS):
        errors = [abs(float(row[f"error_{method}_kcal_mol"])) for row in rows
                  if row.get("status") == "ok" and row.get(f"error_{method}_kcal_mol") is not None]
        result[method] = (sum(errors) / len(errors) if errors else None, len(errors))
    return result


def quantum_correction_words(rows: list[dict[str, Any]]) -> str:
    """Plain words: does the VQE on top of CCSD(T)/CBS move ΔE towards the reference by more
    than its own error (|ΔVQE − ΔCASCI|), reaction by reaction?"""
    judged = [row for row in rows if row.get("status") == "ok"
              and row.get("error_ccsd_t_cbs_kcal_mol") is not None
              and row.get("error_vqe_in_ccsd_t_cbs_kcal_mol") is not None]
    if not judged:
        return "No reaction has both CCSD(T)/CBS and the VQE on top of it with a reference."
    helped = []
    for row in judged:
        gain = (abs(float(row["error_ccsd_t_cbs_kcal_mol"]))
                - abs(float(row["error_vqe_in_ccsd_t_cbs_kcal_mol"])))
        own = error_budget(row)["vqe"]
        if own is not None and gain > abs(own):
            helped.append(str(row["id"]))
    if not helped:
        return (f"In none of {len(judged)} reactions does the quantum correction move ΔE towards "
                "the reference by more than the VQE's own error: here CCSD(T)/CBS is the answer, "
                "and the active-space step does not help.")
    return (f"In {len(helped)} of {len(judged)} reactions ({', '.join(helped)}) the quantum "
            "correction moves ΔE towards the reference by more than the VQE's own error; in "
            "the others it does not help.")
