"""The pipeline stages as functions of files: read inputs, compute, write outputs atomically.

Each stage takes its typed science settings, the run settings (threads, memory) and the run's
provenance. An expected failure (bad input, no convergence, not enough memory) is data: the stage
writes its JSON with ``status: "failed"`` and the reason, writes empty placeholders for its other
outputs, and returns normally. A failed input record is passed on without computing.

The quantum stages (qubits, vqe) read the active-space Hamiltonian only, never the classical
references: every comparison with them is made in :mod:`qchemflow.analysis`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any, Callable

from qchemflow.chemistry import active_space as active_space_module
from qchemflow.chemistry import cbs as cbs_module
from qchemflow.chemistry import geometry as geometry_module
from qchemflow.chemistry import references as references_module
from qchemflow.chemistry import scan as scan_module
from qchemflow.chemistry import scf as scf_module
from qchemflow.chemistry import selection as selection_module
from qchemflow.chemistry.active_space import ActiveSpaceSettings
from qchemflow.chemistry.cbs import CBSSettings
from qchemflow.chemistry.geometry import GeometrySettings
from qchemflow.chemistry.references import ReferenceSettings
from qchemflow.chemistry.scf import SCFSettings
from qchemflow.core.errors import QchemflowError
from qchemflow.core.files import write_text_atomic
from qchemflow.core.memory import active_integrals_memory_mb, memory_fix, require_memory
from qchemflow.core.provenance import RunProvenance, provenance, text_hash
from qchemflow.core.records import (failure_record, read_record, stage_record, upstream_failure,
                                    write_record)
from qchemflow.core.settings import RunSettings
from qchemflow.quantum.settings import HardwareSettings, NoiseSettings, QubitSettings, VQESettings

logger = logging.getLogger(__name__)


def guarded_stage(stage: str, molecule_id: str, upstream_json: list[str | Path],
                  output_json: str | Path, placeholder_outputs: list[str | Path],
                  origin: RunProvenance, compute: Callable[[], dict[str, Any]]
                  ) -> dict[str, Any]:
    """Run ``compute`` unless an input failed; record an expected failure as data.

    Args:
        stage: this stage's name.
        molecule_id: the molecule's id.
        upstream_json: JSON records this stage reads (their failures are passed on).
        output_json: this stage's JSON record.
        placeholder_outputs: other outputs, written empty when the stage fails.
        origin: the run's provenance (config hash, seed, git commit).
        compute: the work; returns the record's fields.

    Returns:
        The record written.
    """
    upstream = [read_record(path) for path in upstream_json]
    failed = upstream_failure(upstream)
    start = time.perf_counter()
    if failed is not None:
        record = failure_record(stage, molecule_id, failed["reason"], failed["failed_stage"])
        logger.info("%s: %s: passing on the failure of %s", stage, molecule_id,
                    failed["failed_stage"])
    else:
        logger.info("%s: %s: started", stage, molecule_id)
        try:
            record = stage_record(stage, molecule_id, **compute())
            logger.info("%s: %s: done", stage, molecule_id)
        except QchemflowError as error:
            record = failure_record(stage, molecule_id, str(error))
            logger.error("%s: %s: %s", stage, molecule_id, error)
    # The stage's own work, the same way for every stage: what the batch-overhead benchmark
    # sets against the job's time (interpreter start, imports, Snakemake).
    record["work_s"] = time.perf_counter() - start
    if record["status"] != "ok":
        for path in placeholder_outputs:
            write_text_atomic(path, "")
    # The molecule's input hash is set by the geometry stage and carried through every stage.
    inherited = [item.get("provenance", {}).get("input_hash") for item in upstream]
    input_hash = record.pop("input_hash", None) or next((value for value in inherited if value),
                                                        None)
    record["provenance"] = provenance(origin, input_hash)
    write_record(output_json, record)
    return record


def geometry_stage(settings: GeometrySettings, origin: RunProvenance, output_xyz: str | Path,
                   output_json: str | Path) -> dict[str, Any]:
    """SMILES (RDKit conformer) or XYZ (as given) to ``geometry.xyz`` and ``geometry.json``."""

    def compute() -> dict[str, Any]:
        geometry_module.check_source(settings.smiles, settings.xyz)
        geometry = (geometry_module.geometry_from_smiles(settings.smiles, settings.seed)
                    if settings.smiles else geometry_module.read_xyz(settings.xyz or ""))
        if settings.bond_length is not None:
            geometry = dataclasses.replace(geometry, atoms=scan_module.set_bond_length(
                geometry.atoms, *settings.bond_length))
        geometry_module.check_formal_charge(settings.charge, geometry.formal_charge)
        n_electrons = geometry_module.electron_count(geometry.atoms, settings.charge)
        geometry_module.check_spin(n_electrons, settings.multiplicity)
        write_text_atomic(output_xyz, geometry_module.xyz_text(
            geometry.atoms, f"{settings.molecule_id} charge={settings.charge} "
                            f"multiplicity={settings.multiplicity}"))
        return {
            "source": geometry.source,
            "input": settings.smiles if settings.smiles else str(settings.xyz),
            "canonical_smiles": geometry.canonical_smiles,
            "formula": geometry_module.formula(geometry.atoms),
            "n_atoms": len(geometry.atoms),
            "charge": settings.charge,
            "multiplicity": settings.multiplicity,
            "n_electrons": n_electrons,
            "force_field": geometry.force_field,
            "seed": settings.seed,
            "flags": list(geometry.flags),
            "bond_length": None if settings.bond_length is None else {
                "atoms": list(settings.bond_length[:2]), "angstrom": settings.bond_length[2]},
            "input_hash": text_hash(
                geometry.canonical_smiles + (f" bond {settings.bond_length}"
                                             if settings.bond_length else "")
                if geometry.canonical_smiles else geometry_module.xyz_text(geometry.atoms, "")),
        }

    return guarded_stage("geometry", settings.molecule_id, [], output_json, [output_xyz], origin,
                         compute)


def scf_stage(geometry_json: str | Path, geometry_xyz: str | Path, settings: SCFSettings,
              run: RunSettings, origin: RunProvenance, output_chk: str | Path,
              output_json: str | Path) -> dict[str, Any]:
    """RHF/ROHF with fallbacks and stability analysis; writes ``scf.chk`` and ``scf.json``."""
    geometry = read_record(geometry_json)

    def compute() -> dict[str, Any]:
        atoms = geometry_module.read_xyz(geometry_xyz).atoms
        molecule = scf_module.build_molecule(atoms, geometry["charge"],
                                             geometry["multiplicity"] - 1, settings.basis,
                                             settings.cartesian, run.memory_mb)
        return scf_module.timed_scf(molecule, settings, output_chk)

    return guarded_stage("scf", geometry["id"], [geometry_json], output_json, [output_chk],
                         origin, compute)


def active_space_stage(scf_json: str | Path, scf_chk: str | Path, settings: ActiveSpaceSettings,
                       run: RunSettings, origin: RunProvenance, output_fcidump: str | Path,
                       output_json: str | Path) -> dict[str, Any]:
    """Choose the active space (window or a selecting method) and write its FCIDUMP and
    ``active_space.json``."""
    from pyscf.data import elements

    scf_record = read_record(scf_json)

    def compute() -> dict[str, Any]:
        scf_object = scf_module.load_scf(scf_chk, run.memory_mb)
        n_frozen = int(elements.chemcore(scf_object.mol)) if settings.frozen_core else 0
        orbitals = selection_module.select_active_space(scf_object, settings, n_frozen)
        n_orbitals = orbitals.choice.n_orbitals
        estimate = require_memory(
            active_integrals_memory_mb(n_orbitals), run.memory_mb,
            f"the active-space integrals ({n_orbitals} orbitals)",
            memory_fix("active_space", "shrink the active space"))
        fields = active_space_module.build_active_space(scf_object, orbitals, output_fcidump)
        return {**fields, "frozen_core": settings.frozen_core, "memory_estimate_mb": estimate}

    return guarded_stage("active_space", scf_record["id"], [scf_json], output_json,
                         [output_fcidump], origin, compute)


def references_stage(scf_json: str | Path, scf_chk: str | Path, active_space_json: str | Path,
                     fcidump: str | Path, settings: ReferenceSettings, run: RunSettings,
                     origin: RunProvenance, output_json: str | Path) -> dict[str, Any]:
    """Classical references on the full space and on the FCIDUMP Hamiltonian."""
    active_record = read_record(active_space_json)

    def compute() -> dict[str, Any]:
        start = time.perf_counter()
        scf_object = scf_module.load_scf(scf_chk, run.memory_mb)
        hamiltonian = active_space_module.read_active_hamiltonian(fcidump)
        problem = references_module.ReferenceProblem(
            scf_object=scf_object,
            n_frozen=int(active_record["n_frozen_core"]),
            active=hamiltonian,
            fci_max_determinants=settings.fci_max_determinants)
        fields = references_module.compute_references(problem, list(settings.methods))
        if active_record.get("is_full_space") and fields["energies"].get("casci") is not None:
            fields["flags"].append("the active space is the full space (frozen core aside): "
                                   "casci equals fci")
        return {**fields, "fci_max_determinants": settings.fci_max_determinants,
                "wall_s_total": time.perf_counter() - start}

    return guarded_stage("references", active_record["id"], [scf_json, active_space_json],
                         output_json, [], origin, compute)


def cbs_stage(scf_json: str | Path, scf_chk: str | Path, active_space_json: str | Path,
              references_json: str | Path, settings: CBSSettings, run: RunSettings,
              origin: RunProvenance, output_json: str | Path) -> dict[str, Any]:
    """Focal-point CCSD(T)/CBS from the SCF's geometry, charge and spin, the active space's
    frozen core and the references' MP2 and CCSD(T) in the molecule's basis; write
    ``cbs.json``."""
    active_record = read_record(active_space_json)

    def compute() -> dict[str, Any]:
        scf_object = scf_module.load_scf(scf_chk, run.memory_mb)
        references = read_record(references_json)
        return cbs_module.cbs_fields(scf_object, int(active_record["n_frozen_core"]),
                                     references["energies"], settings)

    return guarded_stage("cbs", active_record["id"],
                         [scf_json, active_space_json, references_json], output_json, [], origin,
                         compute)


def qubits_stage(active_space_json: str | Path, fcidump: str | Path, settings: QubitSettings,
                 run: RunSettings, origin: RunProvenance, output_json: str | Path
                 ) -> dict[str, Any]:
    """Map the FCIDUMP Hamiltonian to qubits; write ``qubit_hamiltonian.json``."""
    from qchemflow.quantum import qubit_hamiltonian

    active_record = read_record(active_space_json)

    def compute() -> dict[str, Any]:
        hamiltonian = active_space_module.read_active_hamiltonian(fcidump)
        _, fields = qubit_hamiltonian.timed_qubit_hamiltonian(
            hamiltonian.h1, hamiltonian.h2, hamiltonian.core_energy,
            int(active_record["n_alpha"]), int(active_record["n_beta"]), settings, run.memory_mb)
        return fields

    return guarded_stage("qubits", active_record["id"], [active_space_json], output_json, [],
                         origin, compute)


def vqe_stage(qubit_hamiltonian_json: str | Path, fcidump: str | Path, settings: VQESettings,
              run: RunSettings, origin: RunProvenance, output_json: str | Path,
              checkpoint: str | Path | None = None, checkpoint_every: int = 0
              ) -> dict[str, Any]:
    """Optimise the VQE on the qubit Hamiltonian; write ``vqe.json``.

    The FCIDUMP (the same Hamiltonian before the mapping) is read only for the matrix-free
    product; never the classical references. With ``checkpoint``, the evaluations are saved there
    every ``checkpoint_every`` iterations and a rerun resumes from them; the file is removed once
    ``vqe.json`` is written.
    """
    from qchemflow.quantum.checkpoint import EvaluationLog
    from qchemflow.quantum.sector import pauli_terms_from_json
    from qchemflow.quantum.vqe import checkpoint_key, run_vqe

    qubit_record = read_record(qubit_hamiltonian_json)
    log = EvaluationLog(checkpoint, checkpoint_key(Path(qubit_hamiltonian_json).read_text(),
                                                   settings), checkpoint_every)

    def integrals() -> tuple[Any, Any, float]:
        hamiltonian = active_space_module.read_active_hamiltonian(fcidump)
        return hamiltonian.h1, hamiltonian.h2, hamiltonian.core_energy

    def compute() -> dict[str, Any]:
        n_qubits = int(qubit_record["n_qubits"])
        terms = pauli_terms_from_json(qubit_record["terms"], n_qubits)
        return run_vqe(terms, qubit_record["mapping"], n_qubits // 2,
                       int(qubit_record["n_alpha"]), int(qubit_record["n_beta"]), settings, run,
                       log, integrals)

    record = guarded_stage("vqe", qubit_record["id"], [qubit_hamiltonian_json], output_json, [],
                           origin, compute)
    log.remove()
    return record


def hardware_stage(qubit_hamiltonian_json: str | Path, vqe_json: str | Path,
                   fcidump: str | Path, settings: HardwareSettings, run: RunSettings,
                   origin: RunProvenance, output_json: str | Path) -> dict[str, Any]:
    """Compile, measure and price the VQE's final circuit; write ``hardware.json``.

    Reads the qubit Hamiltonian, the VQE record and the active-space FCIDUMP (for the
    fault-tolerant estimate), never the classical references.
    """
    from qchemflow.quantum.hardware import hardware_fields

    qubit_record = read_record(qubit_hamiltonian_json)

    def compute() -> dict[str, Any]:
        vqe_record = read_record(vqe_json)
        hamiltonian = active_space_module.read_active_hamiltonian(fcidump)
        return hardware_fields(qubit_record["terms"], qubit_record["mapping"],
                               int(qubit_record["n_qubits"]), vqe_record, hamiltonian.h1,
                               hamiltonian.h2, settings, run.memory_mb)

    return guarded_stage("hardware", qubit_record["id"], [qubit_hamiltonian_json, vqe_json],
                         output_json, [], origin, compute)


def noise_stage(qubit_hamiltonian_json: str | Path, vqe_json: str | Path, fcidump: str | Path,
                settings: NoiseSettings, run: RunSettings, origin: RunProvenance,
                output_json: str | Path) -> dict[str, Any]:
    """Simulate the VQE's final circuit under noise, mitigate, and run SQD; write
    ``noise.json``.

    Reads the qubit Hamiltonian, the VQE record and the active-space FCIDUMP (for SQD's
    diagonalisation), never the classical references.
    """
    from qchemflow.quantum.noise import noise_fields

    qubit_record = read_record(qubit_hamiltonian_json)

    def compute() -> dict[str, Any]:
        vqe_record = read_record(vqe_json)
        hamiltonian = active_space_module.read_active_hamiltonian(fcidump)
        return noise_fields(qubit_record["terms"], qubit_record["mapping"],
                            int(qubit_record["n_qubits"]), vqe_record,
                            int(qubit_record["n_alpha"]), int(qubit_record["n_beta"]),
                            hamiltonian.h1, hamiltonian.h2, hamiltonian.core_energy, settings,
                            run.memory_mb, run.threads)

    return guarded_stage("noise", qubit_record["id"], [qubit_hamiltonian_json, vqe_json],
                         output_json, [], origin, compute)
