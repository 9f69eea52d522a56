"""The pipeline stages as functions of files: read inputs, compute, write outputs atomically.

An expected failure (bad input, no convergence, not enough memory) is data: the stage writes its
JSON with ``status: "failed"`` and the reason, writes empty placeholders for its other outputs,
and returns normally. A failed input record is passed on without computing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from qchemflow import active_space as active_space_module
from qchemflow import geometry as geometry_module
from qchemflow import references as references_module
from qchemflow import scf as scf_module
from qchemflow.errors import InputError, QchemflowError
from qchemflow.resources import active_integrals_memory_mb, memory_fix, require_memory
from qchemflow.results import (failure_record, read_json, stage_record, text_hash,
                               upstream_failure, write_json_atomic, write_text_atomic)

if TYPE_CHECKING:
    from qchemflow.vqe import VQESettings


def guarded_stage(stage: str, molecule_id: str, upstream_json: list[str | Path],
                  output_json: str | Path, placeholder_outputs: list[str | Path],
                  compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``compute`` unless an input failed; record an expected failure as data.

    Args:
        stage: this stage's name.
        molecule_id: the molecule's id.
        upstream_json: JSON records this stage reads (their failures are passed on).
        output_json: this stage's JSON record.
        placeholder_outputs: other outputs, written empty when the stage fails.
        compute: the work; returns the record's fields.

    Returns:
        The record written.
    """
    upstream = [read_json(path) for path in upstream_json]
    failed = upstream_failure(upstream)
    if failed is not None:
        record = failure_record(stage, molecule_id, failed["reason"], failed["failed_stage"])
    else:
        try:
            record = stage_record(stage, molecule_id, **compute())
        except QchemflowError as error:
            record = failure_record(stage, molecule_id, str(error))
            print(f"qchemflow {stage}: {molecule_id}: {error}", file=sys.stderr)
    if record["status"] != "ok":
        for path in placeholder_outputs:
            write_text_atomic(path, "")
    # The molecule's input hash is set by the geometry stage and carried through every stage.
    inherited = [item.get("provenance", {}).get("input_hash") for item in upstream]
    record["provenance"]["input_hash"] = (record.pop("input_hash", None)
                                          or next((value for value in inherited if value), None))
    write_json_atomic(output_json, record)
    return record


def geometry_stage(molecule_id: str, smiles: str | None, xyz: str | None, charge: int,
                   multiplicity: int, seed: int, output_xyz: str | Path, output_json: str | Path
                   ) -> dict[str, Any]:
    """SMILES (RDKit conformer) or XYZ (as given) to ``geometry.xyz`` and ``geometry.json``."""

    def compute() -> dict[str, Any]:
        if bool(smiles) == bool(xyz):
            raise InputError("give exactly one of smiles or xyz")
        geometry = (geometry_module.geometry_from_smiles(smiles, seed) if smiles
                    else geometry_module.read_xyz(xyz or ""))
        if geometry.formal_charge is not None and geometry.formal_charge != charge:
            raise InputError(f"charge {charge} disagrees with the SMILES formal charge "
                             f"{geometry.formal_charge}; fix the charge or the SMILES")
        n_electrons = geometry_module.electron_count(geometry.atoms, charge)
        geometry_module.check_spin(n_electrons, multiplicity)
        write_text_atomic(output_xyz, geometry_module.xyz_text(
            geometry.atoms, f"{molecule_id} charge={charge} multiplicity={multiplicity}"))
        return {
            "source": geometry.source,
            "input": smiles if smiles else str(xyz),
            "canonical_smiles": geometry.canonical_smiles,
            "formula": geometry_module.formula(geometry.atoms),
            "n_atoms": len(geometry.atoms),
            "charge": charge,
            "multiplicity": multiplicity,
            "n_electrons": n_electrons,
            "force_field": geometry.force_field,
            "seed": seed,
            "flags": list(geometry.flags),
            "input_hash": text_hash(geometry.canonical_smiles if geometry.canonical_smiles
                                    else geometry_module.xyz_text(geometry.atoms, "")),
        }

    return guarded_stage("geometry", molecule_id, [], output_json, [output_xyz], compute)


def scf_stage(geometry_json: str | Path, geometry_xyz: str | Path, basis: str, cartesian: bool,
              conv_tol: float, max_cycles: int, stability_analysis: bool, max_memory_mb: int,
              output_chk: str | Path, output_json: str | Path) -> dict[str, Any]:
    """RHF/ROHF with fallbacks and stability analysis; writes ``scf.chk`` and ``scf.json``."""
    geometry = read_json(geometry_json)

    def compute() -> dict[str, Any]:
        atoms = geometry_module.read_xyz(geometry_xyz).atoms
        molecule = scf_module.build_molecule(atoms, geometry["charge"],
                                             geometry["multiplicity"] - 1, basis, cartesian,
                                             max_memory_mb)
        return scf_module.timed_scf(molecule, conv_tol, max_cycles, stability_analysis,
                                    output_chk, basis, cartesian)

    return guarded_stage("scf", geometry["id"], [geometry_json], output_json, [output_chk], compute)


def active_space_stage(scf_json: str | Path, scf_chk: str | Path, frozen_core: bool,
                       active_electrons: int | None, active_orbitals: int | None,
                       max_memory_mb: int, output_fcidump: str | Path, output_json: str | Path
                       ) -> dict[str, Any]:
    """Choose the active space and write its FCIDUMP and ``active_space.json``."""
    from pyscf.data import elements

    scf_record = read_json(scf_json)

    def compute() -> dict[str, Any]:
        scf_object = scf_module.load_scf(scf_chk, max_memory_mb)
        n_frozen = int(elements.chemcore(scf_object.mol)) if frozen_core else 0
        choice = active_space_module.choose_active_space(
            int(scf_object.mol.nelectron), int(len(scf_object.mo_energy)), n_frozen,
            int(scf_object.mol.spin), active_electrons, active_orbitals)
        estimate = require_memory(
            active_integrals_memory_mb(choice.n_orbitals), max_memory_mb,
            f"the active-space integrals ({choice.n_orbitals} orbitals)",
            memory_fix("active_space", "shrink the active space"))
        fields = active_space_module.build_active_space(scf_object, choice, output_fcidump)
        return {**fields, "frozen_core": frozen_core, "memory_estimate_mb": estimate}

    return guarded_stage("active_space", scf_record["id"], [scf_json], output_json,
                         [output_fcidump], compute)


def references_stage(scf_json: str | Path, scf_chk: str | Path, active_space_json: str | Path,
                     fcidump: str | Path, methods: list[str], fci_max_determinants: int,
                     max_memory_mb: int, output_json: str | Path) -> dict[str, Any]:
    """Classical references on the full space and on the FCIDUMP Hamiltonian."""
    active_record = read_json(active_space_json)

    def compute() -> dict[str, Any]:
        from pyscf import ao2mo

        start = time.perf_counter()
        scf_object = scf_module.load_scf(scf_chk, max_memory_mb)
        hamiltonian = active_space_module.read_fcidump(fcidump)
        n_orbitals = int(hamiltonian["NORB"])

        problem = references_module.ReferenceProblem(
            scf_object=scf_object,
            n_frozen=int(active_record["n_frozen_core"]),
            active_h1=hamiltonian["H1"],
            active_h2=ao2mo.restore(1, hamiltonian["H2"], n_orbitals),
            active_core_energy=float(hamiltonian["ECORE"]),
            active_n_orbitals=n_orbitals,
            active_n_electrons=int(hamiltonian["NELEC"]),
            spin=int(hamiltonian["MS2"]),
            fci_max_determinants=fci_max_determinants)
        fields = references_module.compute_references(problem, methods)
        if active_record.get("is_full_space") and fields["energies"].get("casci") is not None:
            fields["flags"].append("the active space is the full space (frozen core aside): "
                                   "casci equals fci")
        return {**fields, "fci_max_determinants": fci_max_determinants,
                "wall_s_total": time.perf_counter() - start}

    return guarded_stage("references", active_record["id"], [scf_json, active_space_json],
                         output_json, [], compute)


def qubits_stage(active_space_json: str | Path, fcidump: str | Path, mapping: str,
                 output_json: str | Path, max_memory_mb: float = float("inf")) -> dict[str, Any]:
    """Map the FCIDUMP Hamiltonian to qubits; exact sector ground state; ``qubit_hamiltonian.json``."""
    from pyscf import ao2mo

    from qchemflow import qubits as qubits_module

    active_record = read_json(active_space_json)

    def compute() -> dict[str, Any]:
        hamiltonian = active_space_module.read_fcidump(fcidump)
        n_orbitals = int(hamiltonian["NORB"])
        _, fields = qubits_module.timed_qubit_hamiltonian(
            hamiltonian["H1"], ao2mo.restore(1, hamiltonian["H2"], n_orbitals),
            float(hamiltonian["ECORE"]), int(active_record["n_alpha"]),
            int(active_record["n_beta"]), mapping, max_memory_mb)
        return fields

    return guarded_stage("qubits", active_record["id"], [active_space_json], output_json, [],
                         compute)


def vqe_stage(qubit_hamiltonian_json: str | Path, references_json: str | Path,
              settings: VQESettings, max_memory_mb: int, output_json: str | Path,
              checkpoint: str | Path | None = None) -> dict[str, Any]:
    """Optimise the VQE on the qubit Hamiltonian; compare with CASCI; write ``vqe.json``.

    With ``checkpoint``, the evaluations are saved there every ``settings.checkpoint_every``
    iterations and a rerun resumes from them; the file is removed once ``vqe.json`` is written.
    """
    from qchemflow.checkpoint import EvaluationLog
    from qchemflow.qubits import pauli_terms_from_json
    from qchemflow.summary import HARTREE_TO_MILLIHARTREE
    from qchemflow.vqe import checkpoint_key, run_vqe

    qubit_record = read_json(qubit_hamiltonian_json)
    references = read_json(references_json)
    log = EvaluationLog(checkpoint, checkpoint_key(Path(qubit_hamiltonian_json).read_text(),
                                                   settings), settings.checkpoint_every)

    def compute() -> dict[str, Any]:
        n_qubits = int(qubit_record["n_qubits"])
        terms = pauli_terms_from_json(qubit_record["terms"], n_qubits)
        fields = run_vqe(terms, qubit_record["mapping"], n_qubits // 2,
                         int(qubit_record["n_alpha"]), int(qubit_record["n_beta"]), settings,
                         max_memory_mb, log)
        casci = references.get("energies", {}).get("casci")
        error = None if casci is None else (fields["energy"] - casci) * HARTREE_TO_MILLIHARTREE
        return {"energy": fields.pop("energy"), "error_vs_casci_mha": error, **fields}

    record = guarded_stage("vqe", qubit_record["id"], [qubit_hamiltonian_json, references_json],
                           output_json, [], compute)
    log.remove()
    return record
