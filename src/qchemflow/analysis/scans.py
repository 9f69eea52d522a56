"""``results/scans/<id>.csv``: every method's energy along a bond scan, its plot and its verdict.

One row per point: the bond length, the status, the total energy of every classical method and
the VQE (Hartree), and the VQE's error against CASCI (mHa). A failed point keeps its row, with
its reason and no energies. The curves are judged by their largest deviation from the exact
energy of the same Hamiltonian (FCI for the full-space methods where it ran, CASCI for the VQE)
and by the non-parallelity error (the spread of that deviation along the curve), the quantity
that decides whether a method gets a bond-breaking energy right.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qchemflow.analysis.summary import write_table
from qchemflow.core.records import read_record
from qchemflow.core.units import CHEMICAL_ACCURACY_MHA, HARTREE_TO_MILLIHARTREE

ENERGY_METHODS = ("hf", "mp2", "ccsd", "ccsd_t", "mp2_active", "ccsd_active", "ccsd_t_active",
                  "casci", "fci", "vqe")
COLUMNS = ("point", "bond_length_angstrom", "status", *ENERGY_METHODS, "vqe_error_vs_casci_mha")
# The curves drawn and judged: label, method, and the exact energy it is measured against.
CURVES = (("HF", "hf", "fci"), ("MP2", "mp2", "fci"), ("CCSD", "ccsd", "fci"),
          ("CCSD(T)", "ccsd_t", "fci"), ("CASCI", "casci", "fci"), ("FCI", "fci", "fci"),
          ("VQE", "vqe", "casci"))


@dataclass(frozen=True)
class ScanPoint:
    """One point of a scan: its molecule id and bond length (Å)."""

    id: str
    bond_length: float


def point_row(point: ScanPoint, results_folder: Path) -> dict[str, Any]:
    """One row of the scan table, from the point's ``references.json`` and ``vqe.json``."""
    row: dict[str, Any] = {"point": point.id, "bond_length_angstrom": point.bond_length}
    records = {}
    for stage in ("references", "vqe"):
        path = results_folder / point.id / f"{stage}.json"
        if not path.is_file():
            return {**row, "status": f"failed:{stage}.json is missing"}
        records[stage] = read_record(path)
        if records[stage]["status"] != "ok":
            return {**row, "status": f"failed:{records[stage]['failed_stage']}: "
                                     f"{records[stage]['reason']}"}
    energies = {**records["references"]["energies"], "vqe": records["vqe"].get("energy")}
    row.update(status="ok", **{method: energies.get(method) for method in ENERGY_METHODS})
    if energies["vqe"] is not None and energies.get("casci") is not None:
        row["vqe_error_vs_casci_mha"] = (energies["vqe"] - energies["casci"]
                                         ) * HARTREE_TO_MILLIHARTREE
    return row


def write_scan(points: list[ScanPoint], results_folder: str | Path, output: str | Path
               ) -> list[dict[str, Any]]:
    """Write the scan table (points in order of bond length, full float precision)."""
    rows = [point_row(point, Path(results_folder))
            for point in sorted(points, key=lambda item: item.bond_length)]
    write_table(rows, COLUMNS, output)
    return rows


def read_scan(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a scan table, numbers as floats and empty cells as None."""
    with open(path, encoding="utf-8") as stream:
        return [{key: None if value == "" else value if key in ("point", "status")
                 else float(value) for key, value in row.items()}
                for row in csv.DictReader(stream)]


def deviations(rows: list[dict[str, Any]], method: str, exact: str) -> list[tuple[float, float]]:
    """(bond length, E_method − E_exact in mHa) at every point where both exist."""
    return [(float(row["bond_length_angstrom"]),
             (row[method] - row[exact]) * HARTREE_TO_MILLIHARTREE)
            for row in rows if row.get("status") == "ok" and row.get(method) is not None
            and row.get(exact) is not None]


def scan_verdict(scan_id: str, rows: list[dict[str, Any]]) -> str:
    """Plain words on a scan: each method's largest deviation from the exact energy and its
    non-parallelity error, and whether the VQE follows CASCI."""
    ok = [row for row in rows if row.get("status") == "ok"]
    if not ok:
        return f"{scan_id}: no point finished."
    parts = []
    for label, method, exact in CURVES:
        if method == exact:
            continue
        points = deviations(ok, method, exact)
        if len(points) < 2:
            continue
        values = [value for _, value in points]
        worst_length, worst = max(points, key=lambda item: abs(item[1]))
        worst = round(worst, 1) or 0.0  # never "-0.0"
        parts.append(f"{label} vs {exact.upper()}: largest {worst:+.1f} mHa at "
                     f"{worst_length:.2f} Å, non-parallelity {max(values) - min(values):.1f} mHa")
    failed = len(rows) - len(ok)
    sentence = f"{scan_id} ({len(ok)} points" + (f", {failed} failed" if failed else "") + "): "
    sentence += "; ".join(parts) + "." if parts else "too few points with energies to compare."
    vqe = deviations(ok, "vqe", "casci")
    if vqe:
        worst_length, worst = max(vqe, key=lambda item: abs(item[1]))
        outside = [length for length, value in vqe if abs(value) > CHEMICAL_ACCURACY_MHA]
        sentence += (" The VQE stays within chemical accuracy of CASCI along the whole curve"
                     if not outside else
                     " The VQE stays within chemical accuracy of CASCI except at "
                     + ", ".join(f"{length:.2f}" for length in outside) + " Å")
        sentence += f" (worst {abs(worst):.2f} mHa at {worst_length:.2f} Å)."
    return sentence


def plot_scan(scan_id: str, rows: list[dict[str, Any]], path: Path) -> None:
    """Every method's total energy along the scan (left) and its deviation from the exact energy
    of its Hamiltonian (right, mHa)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [row for row in rows if row.get("status") == "ok"]
    figure, (energies, errors) = plt.subplots(1, 2, figsize=(11, 4.5))
    for index, (label, method, exact) in enumerate(CURVES):
        color = f"C{index}"  # one colour per method in both panels
        curve = [(row["bond_length_angstrom"], row[method]) for row in ok
                 if row.get(method) is not None]
        if curve:
            energies.plot(*zip(*curve), marker="o", markersize=3, color=color, label=label)
        points = deviations(ok, method, exact)
        if points and method != exact:
            errors.plot(*zip(*points), marker="o", markersize=3, color=color,
                        label=f"{label} − {exact.upper()}")
    energies.set_xlabel("bond length (Å)")
    energies.set_ylabel("energy (Hartree)")
    energies.set_title(scan_id)
    energies.legend(fontsize="small")
    errors.axhspan(-CHEMICAL_ACCURACY_MHA, CHEMICAL_ACCURACY_MHA, color="green", alpha=0.15,
                   label="chemical accuracy")
    errors.axhline(0.0, color="black", linewidth=0.5)
    errors.set_yscale("symlog", linthresh=CHEMICAL_ACCURACY_MHA)
    errors.set_xlabel("bond length (Å)")
    errors.set_ylabel("deviation from the exact energy (mHa)")
    errors.legend(fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
