"""Memory guards: each stage estimates before it allocates and refuses with the estimate and the
fix; the jobs' requests cover what the guards ask for."""

import pytest

from qchemflow.core import memory
from qchemflow.pipeline import resources, stages
from qchemflow.core.errors import ResourceError
from qchemflow.chemistry.references import ReferenceProblem, compute_references
from qchemflow.chemistry.scf import SCFSettings, timed_scf

from conftest import BY_HAND, DATA, run_stages
from qchemflow.chemistry.active_space import ActiveSpaceSettings
from qchemflow.core.settings import RunSettings
from qchemflow.quantum.settings import QubitSettings
from unit.chemistry.test_scf import water


def exhausted():
    """A job's mem_mb that the process already exceeds: nothing is left for any allocation."""
    return memory.process_memory_mb() - 100


def test_require_memory_counts_what_the_process_already_holds():
    held = memory.process_memory_mb()
    assert held > 10  # Python, NumPy and PySCF are loaded
    assert memory.require_memory(1.0, held + 100, "x", "fix") == 1.0
    with pytest.raises(ResourceError, match=r"x needs about 200 MB .* left of mem_mb = .*; fix"):
        memory.require_memory(200.0, held + 100, "x", "fix")


def test_estimates_grow_as_the_arrays_they_describe():
    # CCSD amplitudes are o^2 v^2 doubles: doubling o and v multiplies them by 16.
    assert memory.coupled_cluster_memory_mb(10, 40, False) == pytest.approx(
        16 * memory.coupled_cluster_memory_mb(5, 20, False))
    assert memory.coupled_cluster_memory_mb(5, 20, True) == pytest.approx(
        3 * memory.coupled_cluster_memory_mb(5, 20, False))
    assert memory.fci_memory_mb(10**6) == pytest.approx(
        10**6 * memory.FCI_VECTORS * 8 / 1e6)
    assert memory.scf_working_memory_mb(100) == pytest.approx(
        memory.SCF_MATRICES * 100**2 * 8 / 1e6)


def test_the_request_covers_the_guards():
    # 6-31G* benzene: 102 basis functions, 42 electrons; a million determinants allowed.
    request = resources.references_memory_mb(102, 42, 0, 10**6)
    guards = (memory.coupled_cluster_memory_mb(21, 81, False) + memory.fci_memory_mb(10**6))
    assert request > guards + resources.BASE_MEMORY_MB
    open_shell = resources.references_memory_mb(102, 41, 1, 10**6)
    assert open_shell > memory.coupled_cluster_memory_mb(21, 82, True)


def test_scf_refuses_before_it_starts(tmp_path):
    molecule = water("6-31g")
    molecule.max_memory = exhausted()
    with pytest.raises(ResourceError, match=r"SCF \(13 basis functions\) needs about .* "
                                            r"raise mem_mb \(--set-resources scf:mem_mb"):
        timed_scf(molecule, SCFSettings("6-31g", False, 1e-10, 100, True), tmp_path / "scf.chk")
    assert not (tmp_path / "scf.chk").exists()


def test_references_refuse_each_method_that_does_not_fit(tmp_path):
    # With no memory left, HF (already computed) stays; MP2, CCSD, CCSD(T) and CASCI are refused,
    # each with its estimate, and the energy is null.
    run_stages(tmp_path, "w", xyz=str(DATA / "h2o_crawford.xyz"), methods=("hf",))
    from qchemflow.chemistry.active_space import read_active_hamiltonian
    from qchemflow.chemistry.scf import load_scf

    folder = tmp_path / "w"
    scf_object = load_scf(folder / "scf.chk", 1)
    scf_object.max_memory = exhausted()
    problem = ReferenceProblem(scf_object, 0,
                               read_active_hamiltonian(folder / "hamiltonian.fcidump"), 2_000_000)
    fields = compute_references(problem, ["hf", "mp2", "ccsd", "ccsd_t", "casci"])
    assert fields["energies"]["hf"] == pytest.approx(scf_object.e_tot)
    for name in ("mp2", "ccsd", "ccsd_t", "casci"):
        assert fields["energies"][name] is None
    refused = [flag for flag in fields["flags"] if " refused: " in flag]
    assert len(refused) == 4
    assert any("CCSD (o=5, v=2) needs about" in flag for flag in refused)
    assert any("casci (441 determinants) needs about" in flag for flag in refused)
    assert all("--set-resources references:mem_mb" in flag for flag in refused)


def test_qubit_stage_fails_the_molecule_with_the_estimate(tmp_path):
    (tmp_path / "h2.xyz").write_text("2\nH2\nH 0 0 0\nH 0 0 0.7414\n")
    run_stages(tmp_path, "h2", xyz=str(tmp_path / "h2.xyz"), methods=("hf",))
    folder = tmp_path / "h2"
    record = stages.qubits_stage(folder / "active_space.json", folder / "hamiltonian.fcidump",
                                 QubitSettings("jordan_wigner", True),
                                 RunSettings(1, int(exhausted())), BY_HAND,
                                 folder / "qubit_hamiltonian.json")
    assert record["status"] == "failed"
    assert "sector Hamiltonian (4 states" in record["reason"]
    assert "--set-resources qubits:mem_mb" in record["reason"]


def test_active_space_stage_fails_the_molecule_with_the_estimate(tmp_path):
    run_stages(tmp_path, "w", xyz=str(DATA / "h2o_crawford.xyz"), methods=("hf",))
    folder = tmp_path / "w"
    record = stages.active_space_stage(folder / "scf.json", folder / "scf.chk",
                                       ActiveSpaceSettings(False, None, None),
                                       RunSettings(1, int(exhausted())), BY_HAND,
                                       folder / "again.fcidump", folder / "again.json")
    assert record["status"] == "failed"
    assert "active-space integrals (7 orbitals) needs about" in record["reason"]
    assert memory.active_integrals_memory_mb(7) == pytest.approx(2 * 7**4 * 8 / 1e6)


def test_active_space_request_covers_its_guard():
    for n_orbitals in (4, 20, 120):
        assert resources.active_space_memory_mb(150, n_orbitals) > (
            memory.active_integrals_memory_mb(n_orbitals) + resources.BASE_MEMORY_MB - 1)
