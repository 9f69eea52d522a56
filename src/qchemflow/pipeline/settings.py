"""Each stage's settings object, built from the validated config and the molecule's row.

The config schema (``workflow/schemas/config.schema.yaml``) is the single source of defaults and
types: :func:`qchemflow.pipeline.config.validate_config` fills them in, and the functions here
only pick the values each stage needs (with the table row's overrides, already applied in
:class:`~qchemflow.chemistry.molecules.MoleculeSpec`). A rule passes the result to its stage as one
JSON argument (:func:`stage_settings_json`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from qchemflow.chemistry.active_space import ActiveSpaceSettings
from qchemflow.chemistry.cbs import CBSSettings
from qchemflow.chemistry.geometry import GeometrySettings
from qchemflow.chemistry.molecules import MoleculeSpec
from qchemflow.chemistry.references import ReferenceSettings
from qchemflow.chemistry.scf import SCFSettings
from qchemflow.core.errors import InputError
from qchemflow.core.files import write_text_atomic
from qchemflow.core.provenance import RunProvenance, config_hash
from qchemflow.core.settings import settings_to_json
from qchemflow.quantum.settings import (HardwareSettings, NoiseSettings, QubitSettings,
                                       SQDSettings, VQESettings)

# check_spectrum: auto diagonalises the qubit Hamiltonian's sector only up to this many qubits.
AUTO_CHECK_SPECTRUM_MAX_QUBITS = 16


def geometry_settings(molecule: MoleculeSpec, config: dict[str, Any]) -> GeometrySettings:
    """The geometry stage's settings: the row's structure, charge and spin, the seed and, for a
    scan point, its bond length."""
    return GeometrySettings(molecule.id, molecule.smiles, molecule.xyz, molecule.charge,
                            molecule.multiplicity, config["seed"], molecule.bond_length)


def scf_settings(molecule: MoleculeSpec, config: dict[str, Any]) -> SCFSettings:
    """The SCF stage's settings (basis, Cartesian, max_cycles and solvent with the row's
    overrides)."""
    return SCFSettings(molecule.basis, molecule.cartesian, config["scf"]["conv_tol"],
                       molecule.scf_max_cycles, config["scf"]["stability"], molecule.solvent,
                       config["solvent"]["model"], config["scf"]["density_fit"])


def active_space_settings(molecule: MoleculeSpec, config: dict[str, Any]
                          ) -> ActiveSpaceSettings:
    """The active-space stage's settings (frozen core, method and size with the row's
    overrides; the selection thresholds from the config)."""
    active = config["active_space"]
    return ActiveSpaceSettings(molecule.frozen_core, molecule.active_space_method,
                               molecule.active_electrons, molecule.active_orbitals,
                               tuple(active["ao_labels"]), active["threshold"],
                               active["occupation_threshold"])


def reference_settings(molecule: MoleculeSpec, config: dict[str, Any]) -> ReferenceSettings:
    """The references stage's settings: the methods and the CI size limit."""
    return ReferenceSettings(tuple(config["references"]), config["fci_max_determinants"])


def cbs_settings(molecule: MoleculeSpec, config: dict[str, Any]) -> CBSSettings:
    """The CBS stage's settings: the basis sets to extrapolate from, and the SCF's convergence
    and solvent as the molecule's SCF has them."""
    return CBSSettings(tuple(config["cbs"]["basis_sets"]), config["scf"]["conv_tol"],
                       molecule.scf_max_cycles, molecule.solvent, config["solvent"]["model"])


def check_spectrum(setting: bool | str, n_qubits: int) -> bool:
    """Whether the qubits stage diagonalises its sector: ``auto`` means up to
    :data:`AUTO_CHECK_SPECTRUM_MAX_QUBITS` qubits."""
    if setting == "auto":
        return n_qubits <= AUTO_CHECK_SPECTRUM_MAX_QUBITS
    return bool(setting)


def qubit_settings(molecule: MoleculeSpec, config: dict[str, Any]) -> QubitSettings:
    """The qubits stage's settings: mapping and the optional spectrum check."""
    return QubitSettings(config["mapping"],
                         check_spectrum(config["qubits"]["check_spectrum"],
                                        2 * molecule.n_active_orbitals))


def vqe_settings(molecule: MoleculeSpec, config: dict[str, Any]) -> VQESettings:
    """The VQE stage's science settings (threads and checkpoint cadence are run settings)."""
    vqe, adapt = config["vqe"], config["adapt"]
    return VQESettings(config["ansatz"], vqe["layers"], config["optimizer"],
                       vqe["gradient_tolerance"], vqe["max_iterations"], config["simulator"],
                       config["seed"], adapt["gradient_norm"], adapt["max_operators"],
                       adapt["pool"], vqe["hamiltonian"])


def hardware_settings(molecule: MoleculeSpec, config: dict[str, Any]) -> HardwareSettings:
    """The hardware stage's settings: tapering, excitation circuits, the shot target, the gate
    times and the price tables."""
    hardware = config["hardware"]
    return HardwareSettings(config["tapering"], config["excitation_circuit"],
                            tuple(hardware["gate_sets"]), hardware["grouping"], hardware["target_error_hartree"], hardware["repeats"], config["seed"],
                            hardware["gate_times"], hardware["providers"],
                            hardware["fault_tolerant_threshold"], hardware["classical_core"])


NOISE_FIGURES = ("one_qubit_depolarizing", "two_qubit_depolarizing", "readout_error", "t1_us",
                 "t2_us")


def noise_settings(molecule: MoleculeSpec, config: dict[str, Any]) -> NoiseSettings:
    """The noise stage's settings: the preset's figures, each overridden where the config sets
    it, the preset's gate set and its gate times, the scan, ZNE and SQD.

    Raises:
        InputError: an unknown preset, or ZNE scale factors that do not start at 1.
    """
    noise = config["noise"]
    if noise["preset"] not in noise["presets"]:
        raise InputError(f"config key 'noise.preset': '{noise['preset']}' is not one of "
                         f"noise.presets ({', '.join(sorted(noise['presets']))}); add it there "
                         "or pick one of those")
    if noise["zne_scale_factors"][0] != 1:
        raise InputError("config key 'noise.zne_scale_factors': the first factor must be 1 "
                         "(the circuit as it is)")
    preset = noise["presets"][noise["preset"]]
    figures = {name: preset[name] if noise[name] is None else noise[name]
               for name in NOISE_FIGURES}
    gate_set = preset["gate_set"]
    sqd = config["sqd"]
    return NoiseSettings(noise["preset"], **figures, gate_set=gate_set,
                         gate_times=config["hardware"]["gate_times"][gate_set],
                         source=preset["source"],
                         two_qubit_rates=tuple(float(rate) for rate in noise["two_qubit_rates"]),
                         scan_max_qubits=noise["scan_max_qubits"],
                         zne_scale_factors=tuple(float(scale)
                                                 for scale in noise["zne_scale_factors"]),
                         density_matrix_max_qubits=noise["density_matrix_max_qubits"],
                         trajectories=noise["trajectories"],
                         target_error_hartree=noise["target_error_hartree"],
                         excitation_circuit=config["excitation_circuit"], seed=config["seed"],
                         sqd=SQDSettings(sqd["shots"], sqd["iterations"], sqd["batches"],
                                         sqd["samples_per_batch"], sqd["symmetrize_spin"],
                                         sqd["energy_tolerance"]))


STAGE_SETTINGS: dict[str, Callable[[MoleculeSpec, dict[str, Any]], Any]] = {
    "geometry": geometry_settings,
    "scf": scf_settings,
    "active_space": active_space_settings,
    "references": reference_settings,
    "cbs": cbs_settings,
    "qubits": qubit_settings,
    "vqe": vqe_settings,
    "hardware": hardware_settings,
    "noise": noise_settings,
}


def stage_settings_json(stage: str, molecule: MoleculeSpec, config: dict[str, Any]) -> str:
    """The JSON argument of one stage's command for one molecule."""
    return settings_to_json(STAGE_SETTINGS[stage](molecule, config))


def run_provenance(config: dict[str, Any], git_commit: str) -> RunProvenance:
    """The run's provenance: the effective config's hash, its seed and the git commit."""
    return RunProvenance(config_hash(config), config["seed"], git_commit or None)


@dataclass(frozen=True)
class RunFile:
    """What the workflow tells every job about the run as a whole, in one file
    (``.snakemake/qchemflow/run.json``, written when the Snakefile is read).

    It is passed to each stage by its path, a constant: so neither a new commit nor a config
    change that does not touch a stage's settings makes that stage rerun.

    Attributes:
        provenance: config hash, seed and git commit, for every record.
        checkpoint_every: the VQE's checkpoint cadence (a run setting: it never changes a
            result).
    """

    provenance: RunProvenance
    checkpoint_every: int


def write_run_file(path: str | Path, config: dict[str, Any], git_commit: str) -> None:
    """Write the run file for a validated config, atomically."""
    run = RunFile(run_provenance(config, git_commit), config["vqe"]["checkpoint_every"])
    write_text_atomic(path, json.dumps(dataclasses.asdict(run), indent=2) + "\n")


def read_run_file(path: str | Path | None) -> RunFile:
    """The run file at ``path``; None (a stage run by hand): no provenance, no checkpoint.

    Raises:
        InputError: the file is missing or not a run file.
    """
    if path is None:
        return RunFile(RunProvenance(), 0)
    try:
        values = json.loads(Path(path).read_text())
        return RunFile(RunProvenance(**values["provenance"]), int(values["checkpoint_every"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"run file '{path}' cannot be read ({error}); run the stage through "
                         "the workflow, or leave --run out") from error
