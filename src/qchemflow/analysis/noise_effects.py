"""The noise section: what device noise does to each molecule's VQE energy, what error
mitigation recovers and at how many times the shots, and what SQD makes of the same noisy
circuit, against CASCI and CCSD(T) on the same Hamiltonian (the comparison the noise stage,
blind to the references, cannot make).

Everything here reads ``noise.json`` records and summary rows: no simulation is run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qchemflow.analysis.hardware_costs import money
from qchemflow.core.records import read_record
from qchemflow.core.units import (CHEMICAL_ACCURACY_MHA, HARTREE_TO_MILLIHARTREE,
                                  error_millihartree)

# The estimates of one energy from the device (summary.csv prefix, name in a sentence), the
# unmitigated one first; each has <prefix>_error_mha and <prefix>_std_mha.
ESTIMATES = (("noisy", "the noisy energy"), ("readout", "readout mitigation"),
             ("post_selection", "post-selection"), ("zne", "ZNE"))
MITIGATIONS = ("readout", "post_selection", "zne")
# Standard errors that count: an estimate is consistent with chemical accuracy when its
# 2-sigma band reaches within CHEMICAL_ACCURACY_MHA of CASCI.
SIGMAS = 2.0


def _missing(value: Any) -> bool:
    """No value: absent, None, or an empty CSV cell."""
    return value is None or value == ""


def _number(value: Any) -> float | None:
    """A row's value as a float, None when missing."""
    return None if _missing(value) else float(value)


def _millihartree(value: float | None) -> float | None:
    """A Hartree spread in mHa (None stays None)."""
    return None if value is None else value * HARTREE_TO_MILLIHARTREE


def noise_columns(noise: dict[str, Any], energies: dict[str, Any],
                  energy_usd: float | None = None) -> dict[str, Any]:
    """The summary columns of one molecule's noise record (empty when it did not run).

    Args:
        noise: the decoded ``noise.json`` (``{}`` when missing).
        energies: ``references.json``'s ``energies`` (``{}`` when the references failed):
            errors are signed E - E(CASCI) in mHa, None without CASCI.
        energy_usd: the price of one energy on the cheapest provider (the hardware record's,
            summary column ``energy_usd``), for ``zne_energy_usd``; None when unknown.
    """
    if noise.get("status") != "ok":
        return {}
    casci = energies.get("casci")
    model, simulation, sqd = noise["noise_model"], noise["simulation"], noise["sqd"]
    mitigated = noise["mitigated"]
    zne = mitigated["zne"]
    columns: dict[str, Any] = {
        "noise_preset": model["preset"],
        "noise_two_qubit_rate": model["two_qubit_depolarizing"],
        "noise_method": simulation["method"],
        "noise_two_qubit_gates": simulation["two_qubit_gates"],
        "noiseless_error_mha": error_millihartree(noise["noiseless_energy"], casci),
        "noisy_error_mha": error_millihartree(noise["noisy_energy"], casci),
        "noisy_std_mha": _millihartree(noise["noisy_std"]),
    }
    for name in MITIGATIONS:
        columns[f"{name}_error_mha"] = error_millihartree(mitigated[name]["energy"], casci)
        columns[f"{name}_std_mha"] = _millihartree(mitigated[name]["std"])
        columns[f"{name}_shot_overhead"] = mitigated[name]["shot_overhead"]
    columns.update({
        "zne_linear_error_mha": error_millihartree(zne["linear"]["energy"], casci),
        "sqd_error_mha": error_millihartree(sqd.get("energy"), casci),
        "sqd_s2": sqd.get("s2"),
        "sqd_subspace_dimension": sqd.get("subspace_dimension"),
        "sqd_full_dimension": sqd.get("full_dimension"),
        "sqd_shots": sqd.get("shots"),
        "zne_energy_usd": (None if energy_usd is None
                           else float(energy_usd) * float(zne["shot_overhead"])),
        "noise_wall_s": noise["wall_s"],
    })
    return columns


def _signed(error: float, std: Any = None) -> str:
    """``+1.23 ± 0.1 mHa``: an error with its standard error where there is one."""
    if _missing(std):
        return f"{error:+.3g} mHa"
    return f"{error:+.3g} ± {float(std):.2g} mHa"


def _within(error: float, std: Any) -> bool:
    """Whether an estimate's 2-sigma band reaches within chemical accuracy of CASCI."""
    spread = 0.0 if _missing(std) else SIGMAS * float(std)
    return abs(error) - spread <= CHEMICAL_ACCURACY_MHA


def covers_full_space(row: dict[str, Any]) -> bool:
    """Whether SQD's sampled subspace is the whole space (its energy is then CASCI's)."""
    if _missing(row.get("sqd_subspace_dimension")) or _missing(row.get("sqd_full_dimension")):
        return False
    return int(row["sqd_subspace_dimension"]) >= int(row["sqd_full_dimension"])


def _sqd_text(row: dict[str, Any]) -> str:
    """SQD's clause: its error, <S^2> and subspace, and what a full-space subspace means."""
    if _missing(row.get("sqd_error_mha")):
        return ""
    text = (f" SQD from {int(row['sqd_shots']):,} samples: {float(row['sqd_error_mha']):+.3g} "
            f"mHa, ⟨S²⟩ = {float(row['sqd_s2']):.3g}, in a subspace of "
            f"{int(row['sqd_subspace_dimension']):,} of {int(row['sqd_full_dimension']):,} "
            "determinants")
    if covers_full_space(row):
        return text + (": the samples cover the whole space, so SQD was exact diagonalisation "
                       "of the full space here and says nothing about how it scales.")
    return text + "."


def _comparison(row: dict[str, Any], errors: dict[str, tuple[float, Any]]) -> str:
    """Whether any device estimate reaches chemical accuracy, next to CCSD(T)."""
    ccsd_t_error = _number(row.get("ccsd_t_active_error_mha"))
    ccsd_t_within = ccsd_t_error is not None and abs(ccsd_t_error) <= CHEMICAL_ACCURACY_MHA
    ccsd_t_text = ("" if ccsd_t_error is None
                   else f"CCSD(T) on the same Hamiltonian is {abs(ccsd_t_error):.3g} mHa from "
                        "CASCI")
    reaching = [name for name, (error, std) in errors.items() if _within(error, std)]
    if not reaching:
        noiseless = _number(row.get("noiseless_error_mha"))
        if noiseless is not None and abs(noiseless) > CHEMICAL_ACCURACY_MHA:
            text = (" No estimate reaches chemical accuracy, and neither does the noiseless "
                    f"circuit ({abs(noiseless):.3g} mHa from CASCI): the ansatz limits "
                    "it before the noise does")
        else:
            text = " Noise wins: no mitigated estimate reaches chemical accuracy"
        if ccsd_t_error is None:
            return text + "; no CCSD(T) on the same Hamiltonian to compare with."
        if ccsd_t_within:
            return text + f", while {ccsd_t_text}: CCSD(T) gets there on a laptop."
        return text + f"; {ccsd_t_text}, outside chemical accuracy too."
    if "noisy" in reaching:
        text = (" The noisy energy is already within chemical accuracy of CASCI (2σ band "
                "counted): at this error rate the noise does not decide")
    else:
        cheapest = min(reaching, key=lambda name: float(row[f"{name}_shot_overhead"]))
        label = dict(ESTIMATES)[cheapest]
        text = (f" {label[0].upper()}{label[1:]} recovers chemical accuracy (2σ band counted) "
                f"at {float(row[f'{cheapest}_shot_overhead']):.3g}× the shots")
    if ccsd_t_error is None:
        return text + "; no CCSD(T) on the same Hamiltonian to compare with."
    if ccsd_t_within:
        return (text + f", but {ccsd_t_text}, within chemical accuracy on a laptop: the quantum "
                       "route does not help here.")
    return (text + f", where {ccsd_t_text}, outside chemical accuracy: here the device estimate "
                   "reaches what CCSD(T) does not, at that shot cost.")


def noise_sentence(row: dict[str, Any]) -> str:
    """One plain sentence per molecule from its summary row: the noisy and the mitigated
    errors against CASCI, SQD, and whether any of it beats CCSD(T) on the same Hamiltonian."""
    identifier = row["id"]
    if _missing(row.get("noise_preset")):
        return f"{identifier}: no noise estimate ({row.get('status')})."
    rate = float(row["noise_two_qubit_rate"])
    text = f"{identifier}: at the two-qubit error rate {rate:g} ({row['noise_preset']})"
    if _missing(row.get("noisy_error_mha")):
        return text + ", no CASCI to compare the noisy energies with."
    errors = {name: (float(row[f"{name}_error_mha"]), row.get(f"{name}_std_mha"))
              for name, _ in ESTIMATES}
    text += f", the noisy energy is {_signed(*errors['noisy'])} from CASCI"
    text += (f"; readout mitigation {_signed(*errors['readout'])}, post-selection "
             f"{_signed(*errors['post_selection'])}, ZNE {_signed(*errors['zne'])} at "
             f"{float(row['zne_shot_overhead']):.3g}× the shots")
    if not _missing(row.get("zne_energy_usd")):
        text += f" ({money(float(row['zne_energy_usd']))} per energy)"
    text += "."
    return text + _sqd_text(row) + _comparison(row, errors)


def noise_model_text(noise: dict[str, Any]) -> str:
    """The noise model of a record in words: its preset, figures and source."""
    model = noise["noise_model"]
    relaxation = ("no relaxation" if model["t1_us"] is None
                  else f"T1 {model['t1_us']:g} µs, T2 "
                       + ("T1-limited" if model["t2_us"] is None else f"{model['t2_us']:g} µs"))
    return (f"{model['preset']}: two-qubit depolarising {model['two_qubit_depolarizing']:g}, "
            f"one-qubit {model['one_qubit_depolarizing']:g}, readout flips "
            f"{model['readout_error']:g}, {relaxation}, gate set {model['gate_set']}; "
            f"source: {model['source']}")


def _ok_noise(results_folder: Path, molecule_id: str) -> dict[str, Any] | None:
    """A molecule's ``noise.json`` when it is there and ok."""
    path = results_folder / molecule_id / "noise.json"
    if not path.is_file():
        return None
    record = read_record(path)
    return record if record.get("status") == "ok" else None


def noise_models(rows: list[dict[str, Any]], results_folder: str | Path) -> list[str]:
    """The distinct noise models of the batch's ok noise records, in words."""
    texts: list[str] = []
    for row in rows:
        record = _ok_noise(Path(results_folder), str(row["id"]))
        if record is not None and noise_model_text(record) not in texts:
            texts.append(noise_model_text(record))
    return texts


def scan_errors(scan: list[dict[str, Any]], casci: float) -> list[dict[str, Any]]:
    """A noise record's scan as errors against CASCI and their error bars, in mHa (the ZNE
    ones None where the stage did not extrapolate)."""
    return [{"two_qubit_depolarizing": point["two_qubit_depolarizing"],
             "noisy_error_mha": error_millihartree(point["noisy_expectation"], casci),
             "noisy_bar_mha": point["noisy_error"] * HARTREE_TO_MILLIHARTREE,
             "zne_error_mha": error_millihartree(point["zne_expectation"], casci),
             "zne_bar_mha": _millihartree(point["zne_error"])}
            for point in scan]


def scan_series(rows: list[dict[str, Any]], results_folder: str | Path
                ) -> list[tuple[str, int, list[dict[str, Any]]]]:
    """The error-rate scans to plot: the smallest and the largest molecule by qubits (ties by
    id; one when only one qubits count) among those with an ok ``noise.json``, a scan (the
    stage skips it beyond ``noise.scan_max_qubits``) and a CASCI.

    Returns:
        ``(id, qubits, points)`` per molecule, smallest first; points as :func:`scan_errors`.
    """
    candidates = []
    for row in rows:
        if _missing(row.get("casci")):
            continue
        record = _ok_noise(Path(results_folder), str(row["id"]))
        if record is not None and record["scan"]:
            candidates.append((int(record["simulation"]["n_qubits"]), str(row["id"]),
                               scan_errors(record["scan"], float(row["casci"]))))
    if not candidates:
        return []
    smallest = min(candidates, key=lambda item: (item[0], item[1]))
    largest = min(candidates, key=lambda item: (-item[0], item[1]))
    chosen = [smallest] if largest[0] == smallest[0] else [smallest, largest]
    return [(molecule_id, qubits, points) for qubits, molecule_id, points in chosen]
