"""Shared helpers: run the stages on files, exactly as the rules do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Property-based tests: derandomized, so CI explores the same examples every run (a failure is
# reproducible), and without deadlines (RDKit and PySCF calls vary in time).
settings.register_profile("qchemflow", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile("qchemflow")

from qchemflow import stages
from qchemflow.references import METHOD_ORDER

DATA = Path(__file__).parent / "data"
REPOSITORY = Path(__file__).resolve().parents[1]


def run_stages(folder: Path, molecule_id: str, *, xyz: str | None = None,
               smiles: str | None = None, charge: int = 0, multiplicity: int = 1,
               basis: str = "sto-3g", cartesian: bool = False, frozen_core: bool = False,
               active_electrons: int | None = None, active_orbitals: int | None = None,
               methods: tuple[str, ...] = METHOD_ORDER, fci_max_determinants: int = 2_000_000,
               max_cycles: int = 100) -> dict[str, Any]:
    """Run geometry -> scf -> active space -> references through their files.

    Returns:
        The four records, keyed by stage.
    """
    out = folder / molecule_id
    out.mkdir(parents=True, exist_ok=True)
    records = {"geometry": stages.geometry_stage(
        molecule_id, smiles, xyz, charge, multiplicity, 42, out / "geometry.xyz",
        out / "geometry.json")}
    records["scf"] = stages.scf_stage(out / "geometry.json", out / "geometry.xyz", basis,
                                      cartesian, 1e-10, max_cycles, True, 4000,
                                      out / "scf.chk",
                                      out / "scf.json")
    records["active_space"] = stages.active_space_stage(
        out / "scf.json", out / "scf.chk", frozen_core, active_electrons, active_orbitals, 4000,
        out / "hamiltonian.fcidump", out / "active_space.json")
    records["references"] = stages.references_stage(
        out / "scf.json", out / "scf.chk", out / "active_space.json", out / "hamiltonian.fcidump",
        list(methods), fci_max_determinants, 4000, out / "references.json")
    return records


@pytest.fixture
def data_folder() -> Path:
    """Folder of the test geometries."""
    return DATA


def run_quantum_stages(folder: Path, molecule_id: str, mapping: str = "jordan_wigner",
                       **settings: Any) -> dict[str, Any]:
    """Run qubits -> vqe after :func:`run_stages`; returns both records."""
    from qchemflow.vqe import VQESettings

    out = folder / molecule_id
    qubits = stages.qubits_stage(out / "active_space.json", out / "hamiltonian.fcidump", mapping,
                                 out / "qubit_hamiltonian.json")
    vqe = stages.vqe_stage(out / "qubit_hamiltonian.json", out / "references.json",
                           VQESettings(**settings), 4000, out / "vqe.json")
    return {"qubits": qubits, "vqe": vqe}


def hydrogen_chain(n_atoms: int, spacing: float) -> tuple[Any, Any, float, float]:
    """Linear H_n in STO-3G (all orbitals active): h1, h2, core energy and PySCF's FCI energy."""
    from pyscf import ao2mo, fci, gto, mcscf, scf

    molecule = gto.M(atom=[("H", (0, 0, spacing * i)) for i in range(n_atoms)], basis="sto-3g",
                     verbose=0)
    scf_object = scf.RHF(molecule).run(conv_tol=1e-11)
    casci = mcscf.CASCI(scf_object, n_atoms, n_atoms)
    h1, core = casci.get_h1eff()
    h2 = ao2mo.restore(1, casci.get_h2eff(), n_atoms)
    solver = fci.FCI(scf_object)
    solver.conv_tol = 1e-12
    return h1, h2, core, solver.kernel()[0]


def chain_terms(h1: Any, h2: Any, core: float) -> Any:
    """The Jordan-Wigner Pauli terms of a closed-shell chain's Hamiltonian."""
    from qchemflow.qubits import build_qubit_hamiltonian, pauli_terms

    n = h1.shape[0]
    hamiltonian = build_qubit_hamiltonian(h1, h2, core, n // 2, n // 2, "jordan_wigner")
    return pauli_terms(hamiltonian.qubit_operator, 2 * n)
