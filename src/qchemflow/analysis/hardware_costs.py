"""The hardware section: what each molecule's quantum route would cost, next to the classical
CCSD(T) on the same Hamiltonian (the comparison the hardware stage, blind to the references,
cannot make)."""

from __future__ import annotations

from typing import Any

from qchemflow.core.units import CHEMICAL_ACCURACY_MHA, error_millihartree

GATE_SETS = ("cz", "sqrt_iswap", "xx")
SECONDS_PER_HOUR = 3600.0


def cheapest_provider(hardware: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The provider with the lowest price per energy, and its figures (none when no provider's
    gate set was compiled)."""
    if not hardware["cost"]:
        return None, {}
    name = min(hardware["cost"], key=lambda key: hardware["cost"][key]["energy_usd"])
    return name, hardware["cost"][name]


def hardware_columns(hardware: dict[str, Any], references: dict[str, Any]) -> dict[str, Any]:
    """The summary columns of one molecule's hardware record (empty when it did not run)."""
    if hardware.get("status") != "ok":
        return {}
    measured = hardware["measurement"]
    name, cheapest = cheapest_provider(hardware)
    priciest = max((cost["energy_usd"] for cost in hardware["cost"].values()), default=None)
    compiled = hardware["compiled"]
    ccsd_t_seconds = (references.get("wall_s", {}).get("ccsd_t_active")
                      if references.get("status") == "ok" else None)
    core_price = float(hardware["classical_core"]["usd_per_hour"])
    return {
        "tapered_qubits": hardware["tapered_qubits"],
        "device_qubits": hardware["device_qubits"],
        **{f"{gate_set}_two_qubit_gates": compiled.get(gate_set, {}).get("two_qubit_gates")
           for gate_set in GATE_SETS},
        "cz_swaps_grid": compiled.get("cz", {}).get("swaps_grid"),
        "cz_swaps_line": compiled.get("cz", {}).get("swaps_line"),
        "measurement_groups": measured["n_groups"],
        "shots_chemical_accuracy": measured["shots_for_chemical_accuracy"],
        "one_norm_shots": measured["one_norm_shots"],
        "sampled_std_mha": measured["sampled_std_mha"],
        "cheapest_provider": name,
        "energy_usd": cheapest.get("energy_usd"),
        "energy_usd_highest": priciest,
        "energy_qpu_seconds": cheapest.get("qpu_seconds"),
        "vqe_usd": cheapest.get("vqe_usd"),
        "vqe_energies": hardware["vqe_energy_evaluations"],
        "ft_logical_qubits": hardware["fault_tolerant"]["logical_qubits"],
        "ft_toffolis": hardware["fault_tolerant"]["toffolis"],
        "ccsd_t_active_wall_s": ccsd_t_seconds,
        "ccsd_t_active_usd": (None if ccsd_t_seconds is None
                              else ccsd_t_seconds * core_price / SECONDS_PER_HOUR),
        "hardware_wall_s": hardware["wall_s"],
    }


def money(value: float) -> str:
    """US dollars in a sentence: two significant figures, scientific beyond a million."""
    if value >= 1e6 or value < 0.01:
        return f"${value:.2g}"
    return f"${value:,.2f}" if value < 100 else f"${value:,.0f}"


def hardware_sentence(row: dict[str, Any]) -> str:
    """One plain sentence per molecule: the quantum route's cost against CCSD(T) on the same
    Hamiltonian, and whether it buys anything."""
    identifier = row["id"]
    if row.get("shots_chemical_accuracy") in (None, ""):
        return f"{identifier}: no hardware estimate ({row.get('status')})."
    qubits = int(row["n_qubits"])
    tapered = int(row["tapered_qubits"])
    text = (f"{identifier} ({qubits} qubits, {tapered} after tapering): one energy to "
            f"{CHEMICAL_ACCURACY_MHA:g} mHa needs {int(row['shots_chemical_accuracy']):.2g} shots "
            f"in {row['measurement_groups']} measurement circuits")
    if row.get("energy_usd") in (None, ""):
        text += " (no provider priced: none of their gate sets was compiled)."
    else:
        text += (f", from {money(float(row['energy_usd']))} ({row['cheapest_provider']}) to "
                 f"{money(float(row['energy_usd_highest']))}; the VQE as it ran "
                 f"({int(row['vqe_energies'])} energies with parameter-shift gradients) from "
                 f"{money(float(row['vqe_usd']))}.")
    ccsd_t_error = error_millihartree(row.get("ccsd_t_active"), row.get("casci"))
    vqe_error = error_millihartree(row.get("vqe"), row.get("casci"))
    seconds = row.get("ccsd_t_active_wall_s")
    if ccsd_t_error is None or seconds in (None, ""):
        return text + " No classical CCSD(T) on the same Hamiltonian to compare with."
    text += (f" CCSD(T) on the same Hamiltonian took {float(seconds):.2g} s "
             f"({money(float(row['ccsd_t_active_usd']))} on one cloud core) and is "
             f"{abs(ccsd_t_error):.3g} mHa from CASCI")
    if abs(ccsd_t_error) <= CHEMICAL_ACCURACY_MHA:
        return text + ", within chemical accuracy: the quantum route does not help here."
    if vqe_error is not None and abs(vqe_error) < abs(ccsd_t_error):
        return text + (f", where the VQE is {abs(vqe_error):.3g} mHa: the quantum route "
                       "improves on CCSD(T) here, at the price above.")
    return text + ", and the VQE does no better: the quantum route does not help here."

