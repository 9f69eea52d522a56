"""``results/summary.csv``: one row per molecule, whatever happened to it."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from qchemflow.analysis.hardware_costs import hardware_columns
from qchemflow.analysis.noise_effects import noise_columns
from qchemflow.core.files import write_text_atomic
from qchemflow.core.record_models import OPTIONAL_STAGES, RECORD_FILES
from qchemflow.core.records import METHOD_ORDER, read_record
from qchemflow.core.units import (CHEMICAL_ACCURACY_MHA, HARTREE_TO_MILLIHARTREE,
                                  error_millihartree)

# The stages every molecule runs, in order.
STAGES = tuple(stage for stage in RECORD_FILES if stage not in OPTIONAL_STAGES)
HARDWARE_COLUMNS = (
    "tapered_qubits", "device_qubits", "cz_two_qubit_gates", "sqrt_iswap_two_qubit_gates",
    "xx_two_qubit_gates", "cz_swaps_grid", "cz_swaps_line", "measurement_groups",
    "shots_chemical_accuracy", "one_norm_shots", "sampled_std_mha", "cheapest_provider",
    "energy_usd", "energy_usd_highest", "energy_qpu_seconds", "vqe_usd", "vqe_energies",
    "ft_logical_qubits", "ft_toffolis", "ccsd_t_active_wall_s", "ccsd_t_active_usd",
    "hardware_wall_s",
)
NOISE_COLUMNS = (
    "noise_preset", "noise_two_qubit_rate", "noise_method", "noise_two_qubit_gates",
    "noiseless_error_mha", "noisy_error_mha", "noisy_std_mha", "readout_error_mha",
    "readout_std_mha", "readout_shot_overhead", "post_selection_error_mha",
    "post_selection_std_mha", "post_selection_shot_overhead", "zne_error_mha", "zne_std_mha",
    "zne_shot_overhead", "zne_linear_error_mha", "sqd_error_mha", "sqd_s2",
    "sqd_subspace_dimension", "sqd_full_dimension", "sqd_shots", "zne_energy_usd",
    "noise_wall_s",
)
COLUMNS = (
    "id", "status", "formula", "charge", "multiplicity", "n_electrons", "basis",
    "n_basis_functions", "scf_stability", "active_electrons", "active_orbitals", "n_qubits",
    "is_full_space",
    *METHOD_ORDER, "vqe", "ccsd_t_cbs", "casci_in_ccsd_t_cbs", "vqe_in_ccsd_t_cbs",
    "vqe_error_mha", "ccsd_active_error_mha", "ccsd_t_active_error_mha",
    "chemical_accuracy", "mapping", "n_pauli_terms", "ansatz", "n_parameters",
    "n_two_qubit_gates", "circuit_depth", "vqe_iterations", "energy_evaluations",
    "gradient_evaluations", "vqe_converged", "vqe_s2",
    "scf_wall_s", "active_space_wall_s", "references_wall_s", "qubits_wall_s", "vqe_wall_s",
    *HARDWARE_COLUMNS, *NOISE_COLUMNS, "flags",
)


def embedded_energy(outer: float | None, active: float | None, inner: float | None
                    ) -> float | None:
    """E_outer − E_CCSD(T) active + E_inner: an active-space energy (CASCI, VQE) embedded in a
    full-space method (CCSD(T), CCSD(T)/CBS) by replacing that method's active-space part; None
    when any is missing."""
    if outer is None or active is None or inner is None:
        return None
    return outer - active + inner


def cbs_energy(records: dict[str, dict[str, Any]]) -> float | None:
    """CCSD(T)/CBS from ``cbs.json``, or None when the stage did not run or failed."""
    cbs = records.get("cbs", {})
    return cbs.get("ccsd_t_cbs") if cbs.get("status") == "ok" else None


def molecule_status(records: dict[str, dict[str, Any]]) -> str:
    """``ok``, or ``failed:<stage>: <reason>`` for the first failure among the records."""
    for stage in STAGES:
        record = records.get(stage)
        if record is None:
            return f"failed:{stage}: result file missing"
        if record.get("status") != "ok":
            return f"failed:{record.get('failed_stage', stage)}: {record.get('reason', 'unknown')}"
    return "ok"


def stability_label(stability: dict[str, Any] | None) -> str:
    """A short label of a ``stability`` record, for tables: what was found and done."""
    if stability is None:
        return "not analysed"
    if stability["internal_stable"] is None:
        return "analysis failed"
    parts = ["stable" if stability["internal_stable"] else "internal instability not resolved"]
    if stability["followed"]:
        parts.insert(0, f"followed {stability['followed']} internal instability "
                        f"(-{stability['energy_lowering'] * HARTREE_TO_MILLIHARTREE:.4g} mHa)")
    if stability["external_stable"] is False:
        parts.append("unstable towards UHF")
    return ", ".join(parts)


def summary_row(molecule_id: str, folder: Path) -> dict[str, Any]:
    """One summary row from the molecule's result files."""
    records = {stage: read_record(folder / name) for stage, name in RECORD_FILES.items()
               if (folder / name).is_file()}
    geometry = records.get("geometry", {})
    scf = records.get("scf", {})
    active = records.get("active_space", {})
    references = records.get("references", {})
    energies = references.get("energies", {}) if references.get("status") == "ok" else {}
    qubits = records.get("qubits", {})
    vqe = records.get("vqe", {}) if records.get("vqe", {}).get("status") == "ok" else {}
    circuit = vqe.get("circuit", {})
    vqe_error = error_millihartree(vqe.get("energy"), energies.get("casci"))
    hardware = hardware_columns(records.get("hardware", {}), references)
    row: dict[str, Any] = {
        "id": molecule_id,
        "status": molecule_status(records),
        "formula": geometry.get("formula"),
        "charge": geometry.get("charge"),
        "multiplicity": geometry.get("multiplicity"),
        "n_electrons": geometry.get("n_electrons"),
        "basis": scf.get("basis"),
        "n_basis_functions": scf.get("n_basis_functions"),
        "scf_stability": stability_label(scf["stability"]) if "stability" in scf else None,
        "active_electrons": active.get("n_electrons"),
        "active_orbitals": active.get("n_orbitals"),
        "n_qubits": active.get("n_qubits"),
        "is_full_space": active.get("is_full_space"),
        **{name: energies.get(name) for name in METHOD_ORDER},
        "vqe": vqe.get("energy"),
        "ccsd_t_cbs": cbs_energy(records),
        "casci_in_ccsd_t_cbs": embedded_energy(cbs_energy(records), energies.get("ccsd_t_active"),
                                               energies.get("casci")),
        "vqe_in_ccsd_t_cbs": embedded_energy(cbs_energy(records), energies.get("ccsd_t_active"),
                                             vqe.get("energy")),
        "vqe_error_mha": vqe_error,
        "ccsd_active_error_mha": error_millihartree(energies.get("ccsd_active"), energies.get("casci")),
        "ccsd_t_active_error_mha": error_millihartree(energies.get("ccsd_t_active"),
                                                      energies.get("casci")),
        "chemical_accuracy": None if vqe_error is None else abs(vqe_error) <= CHEMICAL_ACCURACY_MHA,
        "mapping": qubits.get("mapping"),
        "n_pauli_terms": qubits.get("n_terms"),
        "ansatz": vqe.get("ansatz"),
        "n_parameters": vqe.get("n_parameters"),
        "n_two_qubit_gates": circuit.get("n_two_qubit_gates"),
        "circuit_depth": circuit.get("depth"),
        "vqe_iterations": vqe.get("iterations"),
        "energy_evaluations": vqe.get("energy_evaluations"),
        "gradient_evaluations": vqe.get("gradient_evaluations"),
        "vqe_converged": vqe.get("converged"),
        "vqe_s2": vqe.get("s2"),
        "scf_wall_s": scf.get("wall_s"),
        "active_space_wall_s": active.get("wall_s"),
        "references_wall_s": references.get("wall_s_total"),
        "qubits_wall_s": qubits.get("wall_s"),
        "vqe_wall_s": vqe.get("wall_s"),
        **hardware,
        **noise_columns(records.get("noise", {}), energies, hardware.get("energy_usd")),
        "flags": " | ".join(scf.get("flags", []) + active.get("flags", [])
                            + references.get("flags", [])),
    }
    return row


def invalid_row(molecule_id: str, message: str) -> dict[str, Any]:
    """The summary row of a table row that was refused at load time."""
    return {"id": molecule_id, "status": f"failed:input: {message}"}


def csv_value(value: Any) -> str:
    """A table cell: floats at full precision (shortest round trip), empty for missing."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_table(rows: list[dict[str, Any]], columns: tuple[str, ...], output: str | Path) -> None:
    """Write rows as CSV with ``columns`` (full float precision, empty cells for missing
    values), atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: csv_value(row.get(column)) for column in columns})
    write_text_atomic(output, buffer.getvalue())


def write_summary(rows: list[dict[str, Any]], output: str | Path) -> None:
    """Write ``summary.csv``."""
    write_table(rows, COLUMNS, output)


def summarise(results_folder: str | Path, molecule_ids: list[str],
              invalid_rows: list[tuple[str, str]], output: str | Path) -> list[dict[str, Any]]:
    """Build ``summary.csv`` for the valid molecules and the refused rows.

    Args:
        results_folder: the ``results/`` folder.
        molecule_ids: ids of the molecules that ran.
        invalid_rows: ``(id, message)`` of rows refused at load time (``on_invalid: skip``).
        output: the CSV to write.

    Returns:
        The rows written.
    """
    folder = Path(results_folder)
    rows = [summary_row(molecule_id, folder / molecule_id) for molecule_id in molecule_ids]
    rows += [invalid_row(molecule_id, message) for molecule_id, message in invalid_rows]
    write_summary(rows, output)
    return rows
