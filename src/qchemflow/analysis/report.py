"""The comparison report: plots (matplotlib) and ``report.html``.

Every method is compared with CASCI, the exact energy of the Hamiltonian the VQE sees: HF,
MP2, CCSD and CCSD(T) on that same active-space Hamiltonian, and the VQE. The page is rendered
from a Jinja2 template (``workflow/report/templates/report.html.j2``) with autoescape on: this
module hands it plain text and numbers, never HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from qchemflow.analysis.relative_energies import (BUDGET_TERMS, CHEMICAL_ACCURACY_KCAL_MOL,
                                                  MAE_METHODS, REPORTED_METHODS, error_budget,
                                                  mean_absolute_errors,
                                                  quantum_correction_words, reaction_verdict,
                                                  read_reactions, signed_kcal_mol)
from qchemflow.analysis.hardware_costs import hardware_sentence
from qchemflow.analysis.noise_effects import noise_models, noise_sentence, scan_series
from qchemflow.analysis.scans import plot_scan, read_scan, scan_verdict
from qchemflow.core.errors import InputError
from qchemflow.core.files import write_text_atomic
from qchemflow.core.provenance import qchemflow_version
from qchemflow.core.records import read_record
from qchemflow.core.units import CHEMICAL_ACCURACY_MHA, error_millihartree

COMPARED_METHODS = (("hf", "HF"), ("mp2_active", "MP2"), ("ccsd_active", "CCSD"),
                    ("ccsd_t_active", "CCSD(T)"), ("vqe", "VQE"))
ERROR_FLOOR_MHA = 1e-6
TIE_MHA = 1e-3
# The summary table's columns (summary.csv names), the comparison first: label and tooltip.
TABLE_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("id", "the molecule's id in the table"),
    "status": ("status", "ok, or failed:<stage>: <reason>"),
    "vqe_error_mha": ("VQE error vs CASCI (mHa)", "E(VQE) − E(CASCI), signed"),
    "chemical_accuracy": (f"chemical accuracy (≤ {CHEMICAL_ACCURACY_MHA:g} mHa)",
                          "whether |E(VQE) − E(CASCI)| is within chemical accuracy"),
    "ccsd_t_active_error_mha": ("CCSD(T) error vs CASCI (mHa)",
                                "E(CCSD(T)) − E(CASCI) on the active-space Hamiltonian, signed"),
    "n_qubits": ("qubits", "qubits of the VQE"),
    "ccsd_active_error_mha": ("CCSD error vs CASCI (mHa)",
                              "E(CCSD) − E(CASCI) on the active-space Hamiltonian, signed"),
    "formula": ("formula", "molecular formula"),
    "scf_stability": ("SCF stability", "what the SCF stability analysis found and did"),
    "active_electrons": ("active electrons", "electrons in the active space"),
    "active_orbitals": ("active orbitals", "spatial orbitals in the active space"),
    "hf": ("E HF (Ha)", "Hartree–Fock total energy"),
    "ccsd_t_active": ("E CCSD(T) active (Ha)", "CCSD(T) on the active-space Hamiltonian"),
    "casci": ("E CASCI (Ha)", "exact energy of the active-space Hamiltonian"),
    "vqe": ("E VQE (Ha)", "VQE energy"),
    "n_parameters": ("parameters", "VQE parameters"),
    "n_two_qubit_gates": ("two\N{NON-BREAKING HYPHEN}qubit gates",
                          "two-qubit gates of the circuit"),
    "energy_evaluations": ("energy evaluations", "energies the optimizer asked for"),
    "vqe_wall_s": ("VQE wall time (s)", "wall time of the VQE stage"),
}
# The hardware table (summary.csv names): what the quantum route needs per molecule.
HARDWARE_TABLE = (
    ("id", "id"), ("n_qubits", "qubits"), ("tapered_qubits", "after tapering"),
    ("cz_two_qubit_gates", "CZ"), ("sqrt_iswap_two_qubit_gates", "√iSWAP"),
    ("xx_two_qubit_gates", "XX (ions)"), ("cz_swaps_grid", "SWAPs on a grid"),
    ("cz_swaps_line", "SWAPs on a line"), ("measurement_groups", "measurement groups"),
    ("shots_chemical_accuracy", "shots per energy"), ("energy_qpu_seconds", "QPU s per energy"),
    ("energy_usd", "USD per energy (cheapest)"), ("cheapest_provider", "cheapest provider"),
    ("vqe_usd", "USD per VQE"), ("ft_toffolis", "fault-tolerant Toffolis"),
    ("ft_logical_qubits", "logical qubits"), ("ccsd_t_active_wall_s", "CCSD(T) s"),
    ("ccsd_t_active_usd", "CCSD(T) USD"),
)
# The noise table (summary.csv names; "sqd_subspace" is K/M of the two dimensions): the noisy
# and mitigated errors against CASCI, each with its standard error where it has one.
NOISE_TABLE = (
    ("id", "id"), ("n_qubits", "qubits"), ("noise_method", "simulated with"),
    ("noise_two_qubit_rate", "two\N{NON-BREAKING HYPHEN}qubit error rate"),
    ("noisy_error_mha", "noisy (mHa)"), ("readout_error_mha", "readout mitigated (mHa)"),
    ("post_selection_error_mha", "post-selected (mHa)"), ("zne_error_mha", "ZNE (mHa)"),
    ("zne_shot_overhead", "ZNE shots ×"), ("sqd_error_mha", "SQD (mHa)"), ("sqd_s2", "SQD ⟨S²⟩"),
    ("sqd_subspace", "SQD determinants sampled / all"),
    ("ccsd_t_active_error_mha", "CCSD(T) (mHa)"),
)
NOISE_STD_COLUMNS = {"noisy_error_mha": "noisy_std_mha", "readout_error_mha": "readout_std_mha",
                     "post_selection_error_mha": "post_selection_std_mha",
                     "zne_error_mha": "zne_std_mha"}
ENERGY_COLUMNS = frozenset({"hf", "ccsd_t_active", "casci", "vqe"})
NUMERIC_COLUMNS = frozenset(TABLE_COLUMNS) - {"id", "status", "formula", "scf_stability",
                                              "chemical_accuracy"}


def method_errors(row: dict[str, Any]) -> dict[str, float]:
    """Signed error against CASCI (mHa) of every compared method that has an energy."""
    casci = row.get("casci")
    if casci is None:
        return {}
    return {label: float(error_millihartree(row[key], casci) or 0.0)
            for key, label in COMPARED_METHODS if row.get(key) is not None}


def _new_axes(width: float, panels: int = 1) -> tuple[Any, Any]:
    """A figure and its axes (one per panel, side by side) drawn off-screen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(1, panels, figsize=(width, 4.5))


def _finish(figure: Any, axes: Any, path: Path) -> None:
    """Chemical-accuracy line and log scale, then :func:`_save`."""
    axes.axhline(CHEMICAL_ACCURACY_MHA, color="red", linestyle="--",
                 label=f"chemical accuracy ({CHEMICAL_ACCURACY_MHA:g} mHa)")
    axes.set_yscale("log")
    _save(figure, axes, path)


def _save(figure: Any, axes: Any, path: Path) -> None:
    """Legend and grid; save as PNG and close."""
    import matplotlib.pyplot as plt

    axes.legend(fontsize=8, ncol=2)
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_errors(rows: list[dict[str, Any]], path: Path) -> None:
    """Error against CASCI per molecule and method, log scale, with the chemical-accuracy line."""
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


def plot_reaction_errors(rows: list[dict[str, Any]], path: Path) -> None:
    """Error of every method's ΔE against the reference per reaction (kcal/mol), with the
    ±1 kcal/mol band."""
    reactions = [row for row in rows if row.get("status") == "ok"
                 and row.get("reference_kcal_mol") is not None]
    figure, axes = _new_axes(max(6.0, 1.1 * len(reactions) + 3))
    axes.axhspan(-CHEMICAL_ACCURACY_KCAL_MOL, CHEMICAL_ACCURACY_KCAL_MOL, color="green",
                 alpha=0.15, label="±1 kcal/mol")
    axes.axhline(0.0, color="black", linewidth=0.8)
    markers = ("D", "^", "v", "s", "P", "o", "*")
    for offset, ((method, label), marker) in enumerate(zip(REPORTED_METHODS, markers)):
        points = [(index + (offset - 3) * 0.1, row[f"error_{method}_kcal_mol"])
                  for index, row in enumerate(reactions)
                  if row.get(f"error_{method}_kcal_mol") is not None]
        if points:
            axes.scatter(*zip(*points), marker=marker, label=label, zorder=3)
    axes.set_xticks(range(len(reactions)), [str(row["id"]) for row in reactions], rotation=45,
                    ha="right")
    axes.set_ylabel("ΔE − reference (kcal/mol)")
    axes.set_title("Relative energies against the reference")
    _save(figure, axes, path)


def plot_hardware(rows: list[dict[str, Any]], path: Path) -> None:
    """Shots and price per energy against the device's qubits, across the batch."""
    points = [row for row in rows if row.get("energy_usd") not in (None, "")]
    figure, (shots_axes, price_axes) = _new_axes(11.0, panels=2)
    qubits = [int(row["device_qubits"]) for row in points]
    shots_axes.scatter(qubits, [float(row["shots_chemical_accuracy"]) for row in points],
                       label="variance-optimal groups")
    shots_axes.scatter(qubits, [float(row["one_norm_shots"]) for row in points], marker="x",
                       label="one-norm bound")
    shots_axes.set(xlabel="qubits on the device", ylabel=f"shots for {CHEMICAL_ACCURACY_MHA:g} mHa")
    price_axes.scatter(qubits, [float(row["energy_usd"]) for row in points],
                       label="cheapest provider")
    price_axes.scatter(qubits, [float(row["energy_usd_highest"]) for row in points], marker="x",
                       label="most expensive provider")
    price_axes.set(xlabel="qubits on the device", ylabel="USD per energy")
    if points:
        shots_axes.set_yscale("log")
        price_axes.set_yscale("log")
    else:
        shots_axes.text(0.5, 0.5, "no hardware estimates", ha="center",
                        transform=shots_axes.transAxes)
    for row, x in zip(points, qubits):
        shots_axes.annotate(str(row["id"]), (x, float(row["shots_chemical_accuracy"])),
                            fontsize="x-small")
    shots_axes.set_title("Shots for one energy")
    price_axes.set_title("Price of one energy")
    price_axes.legend(fontsize=8)
    price_axes.grid(True, which="both", alpha=0.3)
    _save(figure, shots_axes, path)


def plot_noise(series: list[tuple[str, int, list[dict[str, Any]]]], path: Path) -> None:
    """|Error| against CASCI of the noisy (solid) and the zero-noise extrapolated (dashed)
    expectation against the two-qubit error rate, per molecule, log-log, with the trajectory
    error bars and chemical accuracy.

    Args:
        series: ``(id, qubits, points)`` per molecule
            (:func:`~qchemflow.analysis.noise_effects.scan_series`).
        path: the PNG to write.
    """
    figure, axes = _new_axes(7.0)
    lowest, highest = CHEMICAL_ACCURACY_MHA, CHEMICAL_ACCURACY_MHA
    for index, (molecule_id, qubits, points) in enumerate(series):
        for kind, style, marker, label in (("noisy", "-", "o", "noisy"),
                                           ("zne", "--", "s", "ZNE")):
            shown = [point for point in points if point[f"{kind}_error_mha"] is not None]
            if not shown:
                continue
            rates = [float(point["two_qubit_depolarizing"]) for point in shown]
            errors = [max(abs(float(point[f"{kind}_error_mha"])), ERROR_FLOOR_MHA)
                      for point in shown]
            bars = [float(point[f"{kind}_bar_mha"]) for point in shown]
            axes.errorbar(rates, errors, yerr=bars, color=f"C{index}", linestyle=style,
                          marker=marker, capsize=3,
                          label=f"{molecule_id} ({qubits} qubits), {label}")
            lowest = min([lowest, *errors])
            highest = max([highest, *(error + bar for error, bar in zip(errors, bars))])
    # The axes span the errors, not the error bars that reach down to zero on a log scale.
    bottom, top = lowest / 3, highest * 3
    axes.axhspan(bottom, CHEMICAL_ACCURACY_MHA, color="green", alpha=0.1)
    axes.set_ylim(bottom, top)
    if series:
        axes.set_xscale("log")
    else:
        axes.text(0.5, 0.75, "no noise estimates", ha="center", transform=axes.transAxes)
    axes.set_xlabel("two-qubit depolarising error rate")
    axes.set_ylabel("|E − E(CASCI)| (mHa)")
    axes.set_title("Noisy and zero-noise extrapolated energy against the error rate")
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


def format_value(column: str, value: Any) -> str:
    """A table cell's text: energies to 1e-10 Ha, other floats to 4 significant figures."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10f}" if column in ENERGY_COLUMNS else f"{value:.4g}"
    return str(value)


def load_template(template: Path | str) -> jinja2.Template:
    """The report template, HTML-escaping every value it is given.

    Args:
        template: a ``Path`` to the template file, or the template's text.

    Raises:
        InputError: the template file does not exist.
        ValueError: ``template`` is a ``str`` with no Jinja2 markup (a path passed as text).
        jinja2.TemplateError: the template does not parse.
    """
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True,
                                     keep_trailing_newline=True)
    if isinstance(template, Path):
        if not template.is_file():
            raise InputError(f"report template {template} does not exist: pass --template "
                             "workflow/report/templates/report.html.j2 or a copy of it")
        environment.loader = jinja2.FileSystemLoader(template.parent)
        return environment.get_template(template.name)
    if "{{" not in template and "{%" not in template:
        raise ValueError(f"the report template text {template[:80]!r} has no Jinja2 markup; "
                         "pass a pathlib.Path to read a template file")
    return environment.from_string(template)


def error_budget_context(reactions: list[dict[str, Any]]) -> dict[str, Any]:
    """The error-budget section (only when a reaction has CCSD(T)/CBS): per reaction the
    errors of CCSD(T), CCSD(T)/CBS and the VQE on top of it with the terms between them, the
    mean absolute error per method, and the plain-words verdict."""
    if not any(row.get("delta_ccsd_t_cbs_kcal_mol") is not None for row in reactions):
        return {"budget": []}
    budget = [{"id": str(row["id"]),
               "reference": "" if row.get("reference_kcal_mol") is None
               else f"{row['reference_kcal_mol']:g}",
               "error_ccsd_t": signed_kcal_mol(row.get("error_ccsd_t_kcal_mol")),
               "terms": [signed_kcal_mol(value) for value in error_budget(row).values()],
               "error_ccsd_t_cbs": signed_kcal_mol(row.get("error_ccsd_t_cbs_kcal_mol")),
               "error_vqe_in_ccsd_t_cbs": signed_kcal_mol(
                   row.get("error_vqe_in_ccsd_t_cbs_kcal_mol"))}
              for row in reactions if row.get("status") == "ok"]
    averages = mean_absolute_errors(reactions)
    return {"budget": budget, "budget_terms": [label for _, label, _, _ in BUDGET_TERMS],
            "mean_absolute_errors": [
                (label, "" if averages[method][0] is None else f"{averages[method][0]:.2f}",
                 averages[method][1]) for method, label in MAE_METHODS],
            "quantum_correction": quantum_correction_words(reactions)}


def page_context(rows: list[dict[str, Any]], plot_names: list[str], settings: dict[str, Any],
                 reactions: list[dict[str, Any]] | None = None,
                 scans: list[dict[str, str]] | None = None, hardware_plot: str = "",
                 noise_plot: str = "", noise_model_texts: list[str] | None = None
                 ) -> dict[str, Any]:
    """What the template shows, as plain text and numbers (the template escapes it)."""
    columns = [{"key": key, "label": label, "description": description,
                "numeric": key in NUMERIC_COLUMNS}
               for key, (label, description) in TABLE_COLUMNS.items()]
    table = [{"failed": not str(row.get("status", "")).startswith("ok"),
              "cells": [format_value(key, row.get(key)) for key in TABLE_COLUMNS]}
             for row in rows]
    return {
        "version": qchemflow_version(),
        "chemical_accuracy_mha": f"{CHEMICAL_ACCURACY_MHA:g}",
        "settings": [(str(key), str(value)) for key, value in settings.items()],
        "columns": columns,
        "rows": table,
        "verdicts": [verdict(row) for row in rows],
        "flags": [(str(row.get("id")), str(row["flags"])) for row in rows if row.get("flags")],
        "plots": list(plot_names),
        "reactions": [reaction_context(row) for row in reactions or []],
        "reaction_methods": [label for _, label in REPORTED_METHODS],
        **error_budget_context(reactions or []),
        "scans": list(scans or []),
        "hardware_columns": [label for _, label in HARDWARE_TABLE],
        "hardware": [hardware_table_row(row) for row in rows
                     if row.get("shots_chemical_accuracy") not in (None, "")],
        "hardware_sentences": [hardware_sentence(row) for row in rows],
        "hardware_plot": hardware_plot,
        "noise_columns": [label for _, label in NOISE_TABLE],
        "noise": [noise_table_row(row) for row in rows
                  if row.get("noise_preset") not in (None, "")],
        "noise_sentences": [noise_sentence(row) for row in rows],
        "noise_models": list(noise_model_texts or []),
        "noise_plot": noise_plot,
    }


def hardware_table_row(row: dict[str, Any]) -> dict[str, Any]:
    """One molecule's hardware figures as table cells."""
    return {"id": str(row["id"]),
            "cells": [format_value(key, row.get(key)) for key, _ in HARDWARE_TABLE[1:]]}


def noise_table_row(row: dict[str, Any]) -> dict[str, Any]:
    """One molecule's noise figures as table cells: errors with ± their standard error, the
    SQD subspace as sampled/all determinants."""
    cells = []
    for key, _ in NOISE_TABLE[1:]:
        if key == "sqd_subspace":
            sampled, full = row.get("sqd_subspace_dimension"), row.get("sqd_full_dimension")
            cells.append("" if sampled in (None, "") or full in (None, "")
                         else f"{sampled}/{full}")
            continue
        text = format_value(key, row.get(key))
        std = row.get(NOISE_STD_COLUMNS.get(key, ""))
        if text and std not in (None, ""):
            text += f" ± {float(std):.2g}"
        cells.append(text)
    return {"id": str(row["id"]), "cells": cells}


def reaction_context(row: dict[str, Any]) -> dict[str, Any]:
    """One reaction as the template shows it: its errors per method and its sentence."""
    return {"id": str(row["id"]), "kind": str(row.get("kind") or ""),
            "status": str(row.get("status")), "active_space": str(row.get("active_space") or ""),
            "reference": "" if row.get("reference_kcal_mol") is None
            else f"{row['reference_kcal_mol']:g}",
            "delta_ccsd_t": signed_kcal_mol(row.get("delta_ccsd_t_kcal_mol")),
            "errors": [signed_kcal_mol(row.get(f"error_{method}_kcal_mol"))
                       for method, _ in REPORTED_METHODS],
            "verdict": reaction_verdict(row)}


def render_html(template: Path | str, rows: list[dict[str, Any]], plot_names: list[str],
                settings: dict[str, Any], reactions: list[dict[str, Any]] | None = None,
                scans: list[dict[str, str]] | None = None, hardware_plot: str = "",
                noise_plot: str = "", noise_model_texts: list[str] | None = None) -> str:
    """The report page: settings, table, sentence per molecule, flags and plots.

    Args:
        template: a ``Path`` to the Jinja2 template file, or the template's text.
        rows: the summary rows (``summary.summarise``); missing values may be None or absent.
        plot_names: the plots' paths relative to the page.
        settings: the VQE settings shown above the table.
        reactions: the rows of ``reactions.csv`` (``read_reactions``), when there is one.
        scans: per scan its id, sentence and plot path (relative to the page).
        hardware_plot: the hardware section's plot (relative to the page); empty: none.
        noise_plot: the noise section's plot (relative to the page); empty: none.
        noise_model_texts: the batch's noise models in words
            (:func:`~qchemflow.analysis.noise_effects.noise_models`).
    """
    return load_template(template).render(page_context(rows, plot_names, settings, reactions,
                                                       scans, hardware_plot, noise_plot,
                                                       noise_model_texts))


def write_report(results_folder: str | Path, rows: list[dict[str, Any]],
                 plots_folder: str | Path, html_path: str | Path,
                 template_path: str | Path, reactions_csv: str | Path | None = None,
                 scan_csvs: list[str] | tuple[str, ...] = ()) -> None:
    """Write the plots and ``report.html`` (plots referenced relative to the page).

    Args:
        results_folder: the folder of the per-molecule result folders (the VQE traces, the
            noise records' models and error-rate scans).
        rows: the summary rows.
        plots_folder: where the PNG plots go.
        html_path: the page to write.
        template_path: the Jinja2 template of the page
            (``workflow/report/templates/report.html.j2``).
        reactions_csv: ``results/reactions.csv`` when a reactions table is configured: adds the
            relative-energy section and its plot.
        scan_csvs: the scan tables (``results/scans/<id>.csv``): each adds its curves
            (``plots/scan_<id>.png``) and a sentence to the scans section.
    """
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
    plot_hardware(rows, plots / "hardware.png")
    plot_noise(scan_series(rows, results_folder), plots / "noise.png")
    page = Path(html_path)
    plot_files = ["errors.png", "convergence.png"]
    reactions = read_reactions(reactions_csv) if reactions_csv else None
    if reactions is not None:
        plot_reaction_errors(reactions, plots / "reactions.png")
        plot_files.append("reactions.png")
    scans = []
    for scan_csv in scan_csvs:
        scan_id = Path(scan_csv).stem
        scan_rows = read_scan(scan_csv)
        plot_scan(scan_id, scan_rows, plots / f"scan_{scan_id}.png")
        scans.append({"id": scan_id, "verdict": scan_verdict(scan_id, scan_rows),
                      "plot": relative_to_page(plots / f"scan_{scan_id}.png", page)})
    names = [relative_to_page(plots / name, page) for name in plot_files]
    write_text_atomic(page, render_html(Path(template_path), rows, names, settings, reactions,
                                        scans, relative_to_page(plots / "hardware.png", page),
                                        relative_to_page(plots / "noise.png", page),
                                        noise_models(rows, results_folder)))


def relative_to_page(path: Path, page: Path) -> str:
    """A file's path as the page links it."""
    return str(path.resolve().relative_to(page.parent.resolve()))
