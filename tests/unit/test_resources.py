"""Memory guards: each stage estimates before it allocates and refuses with the estimate and the
fix; the jobs' requests cover what the guards ask for."""

import pytest

from qchemflow import resources, stages
from qchemflow.errors import ResourceError
from qchemflow.references import ReferenceProblem, compute_references
from qchemflow.scf import timed_scf

from conftest import DATA, run_stages
from test_scf import water


def exhausted():
    """A job's mem_mb that the process already exceeds: nothing is left for any allocation."""
    return resources.process_memory_mb() - 100


def test_require_memory_counts_what_the_process_already_holds():
    held = resources.process_memory_mb()
    assert held > 10  # Python, NumPy and PySCF are loaded
    assert resources.require_memory(1.0, held + 100, "x", "fix") == 1.0
    with pytest.raises(ResourceError, match=r"x needs about 200 MB .* left of mem_mb = .*; fix"):
        resources.require_memory(200.0, held + 100, "x", "fix")


def test_estimates_grow_as_the_arrays_they_describe():
    # CCSD amplitudes are o^2 v^2 doubles: doubling o and v multiplies them by 16.
    assert resources.coupled_cluster_memory_mb(10, 40, False) == pytest.approx(
        16 * resources.coupled_cluster_memory_mb(5, 20, False))
    assert resources.coupled_cluster_memory_mb(5, 20, True) == pytest.approx(
        3 * resources.coupled_cluster_memory_mb(5, 20, False))
    assert resources.fci_memory_mb(10**6) == pytest.approx(
        10**6 * resources.FCI_VECTORS * 8 / 1e6)
    assert resources.scf_working_memory_mb(100) == pytest.approx(
        resources.SCF_MATRICES * 100**2 * 8 / 1e6)


def test_the_request_covers_the_guards():
    # 6-31G* benzene: 102 basis functions, 42 electrons; a million determinants allowed.
    request = resources.references_memory_mb(102, 42, 0, 10**6)
    guards = (resources.coupled_cluster_memory_mb(21, 81, False) + resources.fci_memory_mb(10**6))
    assert request > guards + resources.BASE_MEMORY_MB
    open_shell = resources.references_memory_mb(102, 41, 1, 10**6)
    assert open_shell > resources.coupled_cluster_memory_mb(21, 82, True)


def test_scf_refuses_before_it_starts(tmp_path):
    molecule = water("6-31g")
    molecule.max_memory = exhausted()
    with pytest.raises(ResourceError, match=r"SCF \(13 basis functions\) needs about .* "
                                            r"raise mem_mb \(--set-resources scf:mem_mb"):
        timed_scf(molecule, 1e-10, 100, True, tmp_path / "scf.chk", "6-31g", False)
    assert not (tmp_path / "scf.chk").exists()


def test_references_refuse_each_method_that_does_not_fit(tmp_path):
    # With no memory left, HF (already computed) stays; MP2, CCSD, CCSD(T) and CASCI are refused,
    # each with its estimate, and the energy is null.
    run_stages(tmp_path, "w", xyz=str(DATA / "h2o_crawford.xyz"), methods=("hf",))
    from pyscf import ao2mo

    from qchemflow.active_space import read_fcidump
    from qchemflow.scf import load_scf

    folder = tmp_path / "w"
    scf_object = load_scf(folder / "scf.chk", 1)
    scf_object.max_memory = exhausted()
    hamiltonian = read_fcidump(folder / "hamiltonian.fcidump")
    n = int(hamiltonian["NORB"])
    problem = ReferenceProblem(scf_object, 0, hamiltonian["H1"],
                               ao2mo.restore(1, hamiltonian["H2"], n), float(hamiltonian["ECORE"]),
                               n, int(hamiltonian["NELEC"]), 0, 2_000_000)
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
                                 "jordan_wigner", folder / "qubit_hamiltonian.json",
                                 exhausted())
    assert record["status"] == "failed"
    assert "sector Hamiltonian (4 states" in record["reason"]
    assert "--set-resources qubits:mem_mb" in record["reason"]


def test_active_space_stage_fails_the_molecule_with_the_estimate(tmp_path):
    run_stages(tmp_path, "w", xyz=str(DATA / "h2o_crawford.xyz"), methods=("hf",))
    folder = tmp_path / "w"
    record = stages.active_space_stage(folder / "scf.json", folder / "scf.chk", False, None, None,
                                       exhausted(), folder / "again.fcidump",
                                       folder / "again.json")
    assert record["status"] == "failed"
    assert "active-space integrals (7 orbitals) needs about" in record["reason"]
    assert resources.active_integrals_memory_mb(7) == pytest.approx(2 * 7**4 * 8 / 1e6)


def test_active_space_request_covers_its_guard():
    for n_orbitals in (4, 20, 120):
        assert resources.active_space_memory_mb(150, n_orbitals) > (
            resources.active_integrals_memory_mb(n_orbitals) + resources.BASE_MEMORY_MB - 1)
