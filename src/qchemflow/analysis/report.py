"""The comparison report: plots (matplotlib) and ``report.html``.

Every method is compared with CASCI, the exact energy of the Hamiltonian the VQE sees: HF,
MP2, CCSD and CCSD(T) on that same active-space Hamiltonian, and the VQE.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from qchemflow.core.files import write_text_atomic
from qchemflow.core.provenance import qchemflow_version
from qchemflow.core.records import read_record
from qchemflow.core.units import CHEMICAL_ACCURACY_MHA, error_millihartree

COMPARED_METHODS = (("hf", "HF"), ("mp2_active", "MP2"), ("ccsd_active", "CCSD"),
                    ("ccsd_t_active", "CCSD(T)"), ("vqe", "VQE"))
ERROR_FLOOR_MHA = 1e-6
TIE_MHA = 1e-3
TABLE_COLUMNS = ("id", "status", "formula", "scf_stability", "active_electrons", "active_orbitals",
                 "n_qubits", "hf", "ccsd_t_active", "casci", "vqe", "vqe_error_mha",
                 "ccsd_active_error_mha", "ccsd_t_active_error_mha", "chemical_accuracy",
                 "n_parameters", "n_two_qubit_gates", "energy_evaluations", "vqe_wall_s")


def method_errors(row: dict[str, Any]) -> dict[str, float]:
    """Signed error against CASCI (mHa) of every compared method that has an energy."""
    casci = row.get("casci")
    if casci is None:
        return {}
    return {label: float(error_millihartree(row[key], casci) or 0.0)
            for key, label in COMPARED_METHODS if row.get(key) is not None}


def _new_axes(width: float) -> tuple[Any, Any]:
    """A figure and axes drawn off-screen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, 4.5))


def _finish(figure: Any, axes: Any, path: Path) -> None:
    """Chemical-accuracy line, log scale, legend and grid; save as PNG and close."""
    import matplotlib.pyplot as plt

    axes.axhline(CHEMICAL_ACCURACY_MHA, color="red", linestyle="--",
                 label="chemical accuracy (1.6 mHa)")
    axes.set_yscale("log")
    axes.legend(fontsize=8, ncol=2)
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_errors(rows: list[dict[str, Any]], path: Path) -> None:
    """Error against CASCI per molecule and method, log scale, with the 1.6 mHa line."""
    molecules = [row for row in rows if method_errors(row)]
    figure, axes = _new_axes(max(6.0, 1.1 * len(molecules) + 3))
    markers = {"HF": "s", "MP2": "v", "CCSD": "^", "CCSD(T)": "D", "VQE": "o"}
    for offset, (_, label) in enumerate(COMPARED_METHODS):
        xs, ys, below = [], [], []
        for index, row in enumerate(molecules):
            error = method_errors(row).get(label)
            if error is not None:
                xs.append(index + (offset - 2) * 0.12)
                ys.append(max(abs(error), ERROR_FLOOR_MHA))
                below.append(error < 0)
        axes.scatter(xs, ys, marker=markers[label], label=label, zorder=3)
        below_x = [x for x, flag in zip(xs, below) if flag]
        below_y = [y for y, flag in zip(ys, below) if flag]
        if below_x:
            axes.scatter(below_x, below_y, marker="x", color="black", s=18, zorder=4)
    axes.set_xticks(range(len(molecules)), [row["id"] for row in molecules], rotation=45,
                    ha="right")
    axes.set_ylabel("|E − E(CASCI)| (mHa); × = below CASCI")
    axes.set_title("Error against CASCI on the same active-space Hamiltonian")
    _finish(figure, axes, path)


def plot_convergence(traces: dict[str, tuple[list[float], float]], path: Path) -> None:
    """VQE error against CASCI per iteration (log scale)."""
    figure, axes = _new_axes(7.0)
    for molecule_id, (trace, casci) in traces.items():
        errors = [max(abs(error_millihartree(energy, casci) or 0.0), ERROR_FLOOR_MHA)
                  for energy in trace]
        axes.plot(range(len(errors)), errors, label=molecule_id)
    axes.set_xscale("symlog")
    axes.set_xlim(left=0)
    axes.set_xlabel("optimizer iteration")
    axes.set_ylabel("|E(VQE) − E(CASCI)| (mHa)")
    axes.set_title("VQE convergence")
    _finish(figure, axes, path)


def verdict(row: dict[str, Any]) -> str:
    """One plain sentence: did the VQE beat CCSD/CCSD(T) on the same Hamiltonian?"""
    if not str(row.get("status", "")).startswith("ok"):
        return f"{row['id']}: no comparison ({row.get('status')})."
    errors = method_errors(row)
    if "VQE" not in errors:
        return f"{row['id']}: no VQE energy or no CASCI to compare with."
    vqe = abs(errors["VQE"])
    parts = []
    for label in ("CCSD", "CCSD(T)"):
        if label in errors:
            classical = abs(errors[label])
            word = ("matched" if abs(vqe - classical) < TIE_MHA
                    else "beat" if vqe < classical else "did not beat")
            parts.append(f"{word} {label} ({classical:.4f} mHa)")
    accuracy = "within" if vqe <= CHEMICAL_ACCURACY_MHA else "outside"
    scope = "" if row.get("is_full_space") in (True, "True") else (
        " The active space is smaller than the full space: these errors are against CASCI, "
        "not against the full-space FCI.")
    return (f"{row['id']}: VQE is {vqe:.4f} mHa from CASCI ({accuracy} chemical accuracy) and "
            f"{' and '.join(parts) or 'has no CC to compare with'} on the same Hamiltonian."
            + scope)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10f}" if abs(value) > 1 else f"{value:.4g}"
    return html.escape(str(value))


def render_html(rows: list[dict[str, Any]], plot_names: list[str], settings: dict[str, Any]
                ) -> str:
    """The report page: settings, table, plots and a sentence per molecule."""
    header = "".join(f"<th>{html.escape(column)}</th>" for column in TABLE_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(row.get(column))}</td>" for column in TABLE_COLUMNS)
        + "</tr>" for row in rows)
    plots = "".join(f'<figure><img src="{html.escape(name)}" alt="{html.escape(name)}">'
                    f"<figcaption>{html.escape(name)}</figcaption></figure>"
                    for name in plot_names)
    sentences = "".join(f"<li>{html.escape(verdict(row))}</li>" for row in rows)
    flagged = "".join(f"<li>{html.escape(str(row['id']))}: {html.escape(str(row['flags']))}</li>"
                      for row in rows if row.get("flags"))
    setting_items = "".join(f"<li>{html.escape(key)}: {html.escape(str(value))}</li>"
                            for key, value in settings.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>qchemflow report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #999; padding: 3px 6px; text-align: right; }}
th {{ background: #eee; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>qchemflow report</h1>
<p>Energies in Hartree (total, nuclear repulsion and frozen core included); errors in mHa
against CASCI, the exact energy of the active-space Hamiltonian that the VQE sees. Chemical
accuracy: 1.6 mHa. qchemflow {html.escape(qchemflow_version())}.</p>
<ul>{setting_items}</ul>
<h2>Summary</h2>
<table id="summary"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>
<h2>Did the VQE beat the classical methods on the same Hamiltonian?</h2>
<ul id="verdicts">{sentences}</ul>
<h2>Flags: SCF stability, active space, references</h2>
<ul id="flags">{flagged or "<li>none</li>"}</ul>
<h2>Plots</h2>
{plots}
</body></html>
"""


def write_report(results_folder: str | Path, rows: list[dict[str, Any]],
                 plots_folder: str | Path, html_path: str | Path) -> None:
    """Write the two plots and ``report.html`` (plots referenced relative to the page)."""
    plots = Path(plots_folder)
    plot_errors(rows, plots / "errors.png")
    traces = {}
    settings: dict[str, Any] = {}
    for row in rows:
        vqe_file = Path(results_folder) / str(row["id"]) / "vqe.json"
        if row.get("casci") is None or not vqe_file.is_file():
            continue
        vqe = read_record(vqe_file)
        if vqe.get("status") == "ok":
            traces[str(row["id"])] = (vqe["trace"], row["casci"])
            settings = {key: vqe[key] for key in ("mapping", "ansatz", "layers", "optimizer",
                                                  "gradient_tolerance", "simulator", "seed")
                        if key in vqe}
    plot_convergence(traces, plots / "convergence.png")
    page = Path(html_path)
    names = [str((plots / name).resolve().relative_to(page.parent.resolve()))
             for name in ("errors.png", "convergence.png")]
    write_text_atomic(page, render_html(rows, names, settings))
