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

import dataclasses

from qchemflow.chemistry.active_space import ActiveSpaceSettings
from qchemflow.chemistry.cbs import CBSSettings
from qchemflow.chemistry.geometry import GeometrySettings
from qchemflow.chemistry.references import ReferenceSettings
from qchemflow.chemistry.scf import SCFSettings
from qchemflow.core.provenance import RunProvenance
from qchemflow.core.records import METHOD_ORDER
from qchemflow.core.settings import RunSettings
from qchemflow.pipeline import stages
from qchemflow.pipeline.config import load_yaml, validate_config
from qchemflow.quantum.settings import QubitSettings, VQESettings

DATA = Path(__file__).parent / "data"
REPOSITORY = Path(__file__).resolve().parents[1]
RUN = RunSettings(threads=1, memory_mb=4000)
BY_HAND = RunProvenance()  # stages run outside the workflow: no config hash, seed or commit


def molecule_row_schema() -> dict[str, Any]:
    """The molecule table's row schema (workflow/schemas/molecules.schema.yaml)."""
    schema: dict[str, Any] = load_yaml(REPOSITORY / "workflow/schemas/molecules.schema.yaml")
    return schema


def default_config() -> dict[str, Any]:
    """The config with every default of the schema (the one place defaults are written)."""
    return validate_config({}, load_yaml(REPOSITORY / "workflow/schemas/config.schema.yaml"))


def vqe_settings(**overrides: Any) -> VQESettings:
    """The default VQE settings (from the schema) with ``overrides``."""
    from qchemflow.pipeline.settings import vqe_settings as from_config

    return dataclasses.replace(from_config(None, default_config()),  # type: ignore[arg-type]
                               **overrides)


def stage_settings(stage: str, **overrides: Any) -> Any:
    """A stage's default settings (from the schema) with ``overrides``."""
    from qchemflow.pipeline.settings import STAGE_SETTINGS

    return dataclasses.replace(STAGE_SETTINGS[stage](None, default_config()),  # type: ignore[arg-type]
                               **overrides)


def hardware_settings(**overrides: Any) -> Any:
    """The default hardware settings with ``overrides``."""
    return stage_settings("hardware", **overrides)


def run_hardware_stage(folder: Path, molecule_id: str, **overrides: Any) -> dict[str, Any]:
    """Run the hardware stage after :func:`run_quantum_stages`; returns its record."""
    out = folder / molecule_id
    return stages.hardware_stage(out / "qubit_hamiltonian.json", out / "vqe.json",
                                 out / "hamiltonian.fcidump", hardware_settings(**overrides),
                                 RUN, BY_HAND, out / "hardware.json")


def noise_settings(**overrides: Any) -> Any:
    """The default noise settings with ``overrides``."""
    return stage_settings("noise", **overrides)


def run_noise_stage(folder: Path, molecule_id: str, **overrides: Any) -> dict[str, Any]:
    """Run the noise stage after :func:`run_quantum_stages`; returns its record."""
    out = folder / molecule_id
    return stages.noise_stage(out / "qubit_hamiltonian.json", out / "vqe.json",
                              out / "hamiltonian.fcidump", noise_settings(**overrides),
                              RUN, BY_HAND, out / "noise.json")


def run_stages(folder: Path, molecule_id: str, *, xyz: str | None = None,
               smiles: str | None = None, charge: int = 0, multiplicity: int = 1,
               basis: str = "sto-3g", cartesian: bool = False, frozen_core: bool = False,
               active_electrons: int | None = None, active_orbitals: int | None = None,
               methods: tuple[str, ...] = METHOD_ORDER, fci_max_determinants: int = 2_000_000,
               max_cycles: int = 100, solvent: str | None = None, solvent_model: str = "pcm",
               active_space_method: str = "window", ao_labels: tuple[str, ...] = ("C 2p",),
               threshold: float = 0.2, occupation_threshold: float = 0.02,
               density_fit: bool = False, bond_length: tuple[int, int, float] | None = None
               ) -> dict[str, Any]:
    """Run geometry -> scf -> active space -> references through their files.

    Returns:
        The four records, keyed by stage.
    """
    out = folder / molecule_id
    out.mkdir(parents=True, exist_ok=True)
    records = {"geometry": stages.geometry_stage(
        GeometrySettings(molecule_id, smiles, xyz, charge, multiplicity, 42, bond_length),
        BY_HAND,
        out / "geometry.xyz", out / "geometry.json")}
    records["scf"] = stages.scf_stage(
        out / "geometry.json", out / "geometry.xyz",
        SCFSettings(basis, cartesian, 1e-10, max_cycles, True, solvent, solvent_model, density_fit), RUN, BY_HAND, out / "scf.chk",
        out / "scf.json")
    records["active_space"] = stages.active_space_stage(
        out / "scf.json", out / "scf.chk",
        ActiveSpaceSettings(frozen_core, active_space_method, active_electrons, active_orbitals,
                            ao_labels, threshold, occupation_threshold), RUN, BY_HAND,
        out / "hamiltonian.fcidump", out / "active_space.json")
    records["references"] = stages.references_stage(
        out / "scf.json", out / "scf.chk", out / "active_space.json", out / "hamiltonian.fcidump",
        ReferenceSettings(tuple(methods), fci_max_determinants), RUN, BY_HAND,
        out / "references.json")
    return records


@pytest.fixture
def data_folder() -> Path:
    """Folder of the test geometries."""
    return DATA


def run_cbs_stage(folder: Path, molecule_id: str,
                  basis_sets: tuple[str, ...] = ("cc-pvtz", "cc-pvqz"),
                  solvent: str | None = None) -> dict[str, Any]:
    """Run the CBS stage after :func:`run_stages` (with the same ``solvent``); returns its
    record."""
    out = folder / molecule_id
    return stages.cbs_stage(out / "scf.json", out / "scf.chk", out / "active_space.json",
                            out / "references.json", CBSSettings(basis_sets, 1e-10, 100, solvent,
                                                                 "pcm"),
                            RUN, BY_HAND, out / "cbs.json")


def run_quantum_stages(folder: Path, molecule_id: str, mapping: str = "jordan_wigner",
                       **settings: Any) -> dict[str, Any]:
    """Run qubits -> vqe after :func:`run_stages`; returns both records."""
    out = folder / molecule_id
    qubits = stages.qubits_stage(out / "active_space.json", out / "hamiltonian.fcidump",
                                 QubitSettings(mapping, True), RUN, BY_HAND,
                                 out / "qubit_hamiltonian.json")
    vqe = stages.vqe_stage(out / "qubit_hamiltonian.json", out / "hamiltonian.fcidump",
                           vqe_settings(**settings), RUN, BY_HAND, out / "vqe.json")
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


@pytest.fixture(scope="module")
def chain() -> tuple[Any, Any, float]:
    """Linear H6 at 1.3 Angstrom (STO-3G, 6 orbitals, 12 qubits): h1, h2, core energy."""
    h1, h2, core, _ = hydrogen_chain(6, 1.3)
    return h1, h2, core


def chain_terms(h1: Any, h2: Any, core: float) -> Any:
    """The Jordan-Wigner Pauli terms of a closed-shell chain's Hamiltonian."""
    from qchemflow.quantum.qubit_hamiltonian import build_qubit_hamiltonian
    from qchemflow.quantum.sector import pauli_terms

    n = h1.shape[0]
    hamiltonian = build_qubit_hamiltonian(h1, h2, core, n // 2, n // 2, "jordan_wigner")
    return pauli_terms(hamiltonian.qubit_operator, 2 * n)


@pytest.fixture(scope="session")
def h2_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder with H2's nine real records (STO-3G, 4 qubits), made once per session:
    ``<folder>/H2/geometry.json`` ... ``noise.json``, ``cbs.json``. Copy it before changing anything."""
    folder = tmp_path_factory.mktemp("results")
    (folder / "h2.xyz").write_text("2\nH2\nH 0 0 0\nH 0 0 0.7414\n")
    run_stages(folder, "H2", xyz=str(folder / "h2.xyz"))
    run_cbs_stage(folder, "H2")
    run_quantum_stages(folder, "H2")
    run_hardware_stage(folder, "H2")
    run_noise_stage(folder, "H2")
    return folder


def installed_versions() -> dict[str, str]:
    """The versions of the tracked packages as the packages report them (their __version__,
    pyproject.toml for qchemflow), not through importlib.metadata as provenance reads them."""
    import platform
    import tomllib

    import basis_set_exchange
    import cirq
    import numpy
    import openfermion
    import pyscf
    import qsimcirq
    import rdkit
    import scipy

    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    return {"python": platform.python_version(), "qchemflow": project["version"],
            "pyscf": pyscf.__version__, "openfermion": openfermion.__version__,
            "cirq-core": cirq.__version__, "qsimcirq": qsimcirq.__version__,
            "rdkit": rdkit.__version__, "numpy": numpy.__version__, "scipy": scipy.__version__,
            "basis-set-exchange": basis_set_exchange.__version__}
