"""Job requests and the stages' memory guards: each stage estimates before it allocates and
refuses with the estimate and the fix; a job given its request passes its guards and stays within
it, measured. (The guards and estimates themselves: tests/unit/core/test_memory.py.)"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qchemflow.chemistry.active_space import ActiveSpaceSettings
from qchemflow.chemistry.molecules import load_molecules
from qchemflow.chemistry.references import (ReferenceProblem, ReferenceSettings,
                                            compute_references)
from qchemflow.chemistry.scf import SCFSettings, timed_scf
from qchemflow.core import memory
from qchemflow.core.errors import ResourceError
from qchemflow.core.settings import RunSettings, settings_to_json
from qchemflow.pipeline import resources, stages
from qchemflow.quantum.settings import QubitSettings

from conftest import (BY_HAND, DATA, RUN, default_config, molecule_row_schema, run_stages,
                      vqe_settings)
from unit.chemistry.test_scf import water


def exhausted():
    """A job's mem_mb that the process already exceeds: nothing is left for any allocation."""
    return memory.process_memory_mb() - 100


def test_scf_refuses_before_it_starts(tmp_path):
    molecule = water("6-31g")
    molecule.max_memory = exhausted()
    with pytest.raises(ResourceError, match=r"SCF \(13 basis functions\) needs about .* "
                                            r"raise mem_mb \(--set-resources scf:mem_mb"):
        timed_scf(molecule, SCFSettings("6-31g", False, 1e-10, 100, True, None, "pcm", False), tmp_path / "scf.chk")
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
                                       ActiveSpaceSettings(False, "window", None, None, ("C 2p",), 0.2, 0.02),
                                       RunSettings(1, int(exhausted())), BY_HAND,
                                       folder / "again.fcidump", folder / "again.json")
    assert record["status"] == "failed"
    assert "active-space integrals (7 orbitals) needs about" in record["reason"]
    assert memory.active_integrals_memory_mb(7) == pytest.approx(2 * 7**4 * 8 / 1e6)


# --- A job given its request: its guards pass, and it stays within the request, measured. ---

JOB = r"""
import json
import sys

from qchemflow.pipeline.cli import main


def status_mb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024 / 1e6  # the kernel writes kB of 1024 bytes


exit_code = main(sys.argv[1:])
print(json.dumps({"exit": exit_code, "peak_mb": status_mb("VmHWM")}))
"""
needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="the peak resident memory is read from /proc (Linux)")


def run_job(command, request_mb, *arguments):
    """Run one stage command in a new process with ``--memory-mb request_mb``, as its job runs
    it; returns its exit code and its peak resident memory (VmHWM: what a scheduler's memory
    limit is held against), in MB."""
    result = subprocess.run([sys.executable, "-c", JOB, command, "--memory-mb", str(request_mb),
                             *map(str, arguments)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_request_fits(peak_mb, request_mb):
    """The job's measured peak fits in its request, and the request is not absurdly loose: what
    it adds to the flat BASE_MEMORY_MB for the problem is at most twice the whole job's peak,
    and the flat allowance is at most ten times it. The allowance covers what a small job on
    one thread does not show: more threads (an allocator arena and PySCF buffers each) and the
    page cache of its files that a cgroup counts; ten times still refuses an allowance in the
    wrong unit or sized for another program."""
    assert peak_mb <= request_mb
    assert request_mb - resources.BASE_MEMORY_MB <= 2 * peak_mb
    assert resources.BASE_MEMORY_MB <= 10 * peak_mb


@needs_proc
def test_the_request_covers_the_guards(tmp_path):
    # Water in 6-31G with a frozen core: 13 basis functions, 10 electrons; CASCI over the 12
    # orbitals not frozen (245025 determinants) is its largest array set. The request is the
    # one workflow/rules/common.smk asks for: the same function, on the validated table row.
    records = run_stages(tmp_path, "w", xyz=str(DATA / "h2o_crawford.xyz"), basis="6-31g",
                         frozen_core=True, methods=("hf",))
    assert records["scf"]["n_basis_functions"] == 13  # O 9 + 2 x H 2 in 6-31G
    (tmp_path / "table.csv").write_text("id,xyz,basis,frozen_core\nw,water.xyz,6-31g,true\n")
    (tmp_path / "water.xyz").write_text((DATA / "h2o_crawford.xyz").read_text())
    [water], _ = load_molecules(tmp_path / "table.csv", default_config(), molecule_row_schema())
    assert resources.largest_ci_determinants(water, 2_000_000) == 245025  # C(12, 4)^2
    request = resources.references_request_mb(water, 2_000_000)
    methods = ("hf", "mp2", "ccsd", "ccsd_t", "ccsd_active", "casci")
    folder = tmp_path / "w"
    job = run_job("references", request,
                  "--settings", settings_to_json(ReferenceSettings(methods, 2_000_000)),
                  "--scf-json", folder / "scf.json", "--scf-chk", folder / "scf.chk",
                  "--active-space-json", folder / "active_space.json",
                  "--fcidump", folder / "hamiltonian.fcidump", "--output-json", folder / "job.json")
    record = json.loads((folder / "job.json").read_text())
    # Every guard passed with the request as mem_mb (each measures what the process holds and
    # refuses what does not fit in the rest): every energy is there, nothing was refused.
    assert job["exit"] == 0 and record["status"] == "ok"
    assert [name for name in methods if record["energies"][name] is None] == [], record["flags"]
    assert [flag for flag in record["flags"] if " refused: " in flag] == []
    assert record["methods"]["casci"]["determinants"] == 245025  # C(12, 4)^2
    # The job stayed within its request (a scheduler kills it above), and the request is not
    # absurdly loose (measured here: a peak of about 220 MB against a request of 1265 MB).
    assert_request_fits(job["peak_mb"], request)
    # Problems too large to run here: the request still covers each guard, counting what a job
    # process holds as measured above and what stays in memory while the next method is guarded
    # (the AO integrals, then the cached CCSD amplitudes, then the CI vectors). In each case one
    # of those terms is larger than the flat allowance: integrals, closed- and open-shell
    # amplitudes, CI vectors.
    from qchemflow.core.spin import occupied_virtual

    for n_basis, n_electrons, spin, determinants in ((400, 40, 0, 10**3), (160, 160, 0, 10**3),
                                                      (120, 119, 1, 10**3), (100, 20, 0, 10**7)):
        occupied, virtual = occupied_virtual(n_basis, n_electrons, spin)
        held = (job["peak_mb"] + memory.integral_memory_mb(n_basis)
                + memory.coupled_cluster_memory_mb(occupied, virtual, spin != 0))
        assert resources.references_memory_mb(n_basis, n_electrons, spin, determinants) >= (
            held + memory.fci_memory_mb(determinants)), (n_basis, n_electrons, spin, determinants)


@needs_proc
def test_active_space_request_covers_its_guard(tmp_path):
    # Water in cc-pVDZ with a frozen core: 24 basis functions, 23 active orbitals.
    records = run_stages(tmp_path, "w", xyz=str(DATA / "h2o_crawford.xyz"), basis="cc-pvdz",
                         frozen_core=True, methods=("hf",))
    assert records["scf"]["n_basis_functions"] == 24  # O 14 + 2 x H 5 in cc-pVDZ
    request = resources.active_space_memory_mb(24, 23)
    folder = tmp_path / "w"
    job = run_job("active-space", request,
                  "--settings", settings_to_json(ActiveSpaceSettings(True, "window", None, None, ("C 2p",), 0.2, 0.02)),
                  "--scf-json", folder / "scf.json", "--scf-chk", folder / "scf.chk",
                  "--output-fcidump", folder / "job.fcidump", "--output-json", folder / "job.json")
    record = json.loads((folder / "job.json").read_text())
    # The guard passed with the request as mem_mb, and the job stayed within it, a request not
    # absurdly loose (measured here: a peak of about 120 MB against a request of 1004 MB).
    assert job["exit"] == 0 and record["status"] == "ok" and record["n_orbitals"] == 23
    assert_request_fits(job["peak_mb"], request)
    # Larger problems: the job holds its process (measured above) and the AO integrals (so
    # PySCF transforms in memory) when the guard checks the active-space integrals. First the
    # AO integrals, then the active-space integrals are larger than the flat allowance.
    for n_basis, n_orbitals in ((250, 20), (150, 120)):
        held = job["peak_mb"] + memory.integral_memory_mb(n_basis)
        assert resources.active_space_memory_mb(n_basis, n_orbitals) >= (
            held + memory.active_integrals_memory_mb(n_orbitals)), (n_basis, n_orbitals)


def test_threads_and_runtime_grow_with_the_problem(tmp_path):
    # Water, and caffeine (14 heavy atoms, 246 cc-pVDZ functions), sized from the table alone.
    (tmp_path / "table.csv").write_text("id,smiles,basis\nwater,O,cc-pvdz\n"
                                        "caffeine,Cn1cnc2c1c(=O)n(C)c(=O)n2C,cc-pvdz\n")
    molecules, invalid = load_molecules(tmp_path / "table.csv", default_config(),
                                        molecule_row_schema())
    water_spec, caffeine = molecules
    assert invalid == [] and caffeine.n_basis_functions == 246
    assert resources.pyscf_threads(water_spec) == 1  # small molecules: one thread, bitwise
    assert resources.pyscf_threads(caffeine) == 2
    # CCSD(T) over the 37 occupied and 195 virtual orbitals not frozen: 20 (o^2 v^4) + o^3 v^4.
    assert resources.coupled_cluster_seconds(caffeine) == pytest.approx(
        (20 * 37 ** 2 + 37 ** 3) * 195.0 ** 4 / resources.FLOPS_PER_THREAD)
    small = resources.references_runtime_minutes(water_spec, 2_000_000)
    large = resources.references_runtime_minutes(caffeine, 2_000_000)
    assert small == 10 and large > 60 * small
    assert resources.references_runtime_minutes(caffeine, 2_000_000, attempt=2) == pytest.approx(
        2 * large, abs=1)


@needs_proc
def test_matrix_free_vqe_request_covers_its_guard(tmp_path):
    # N2 in STO-3G, (10e,8o): 3136 sector states, run matrix-free as a 24-28-qubit job runs.
    n2_xyz = tmp_path / "n2.xyz"
    n2_xyz.write_text((Path(__file__).resolve().parents[3] / "molecules/xyz/n2_1.0977.xyz")
                      .read_text())
    records = run_stages(tmp_path, "n2", xyz=str(n2_xyz), active_electrons=10,
                         active_orbitals=8, methods=("hf",))
    assert records["active_space"]["n_orbitals"] == 8
    (tmp_path / "table.csv").write_text("id,xyz,basis,active_electrons,active_orbitals\n"
                                        "n2,n2.xyz,sto-3g,10,8\n")
    [n2], _ = load_molecules(tmp_path / "table.csv", default_config(), molecule_row_schema())
    settings = vqe_settings(hamiltonian="matrix_free", max_iterations=3)
    assert resources.vqe_runs_matrix_free(n2, settings)
    assert not resources.vqe_runs_matrix_free(n2, vqe_settings())  # auto: explicit at 3136
    request = resources.vqe_request_mb(n2, settings)
    folder = tmp_path / "n2"
    stages.qubits_stage(folder / "active_space.json", folder / "hamiltonian.fcidump",
                        QubitSettings("jordan_wigner", False), RUN, BY_HAND,
                        folder / "qubit_hamiltonian.json")
    job = run_job("vqe", request, "--settings", settings_to_json(settings),
                  "--qubit-hamiltonian-json", folder / "qubit_hamiltonian.json",
                  "--fcidump", folder / "hamiltonian.fcidump", "--output-json",
                  folder / "vqe.json")
    record = json.loads((folder / "vqe.json").read_text())
    assert job["exit"] == 0 and record["status"] == "ok", record.get("reason")
    assert record["hamiltonian"]["representation"] == "matrix_free"
    assert_request_fits(job["peak_mb"], request)
    # 28 qubits, N2/cc-pVDZ (10e,14o): 4.0e6 states, the request is the matrix-free one (the
    # explicit matrix would ask for hundreds of GB), and it fits the 6 GB.
    (tmp_path / "large.csv").write_text(
        "id,xyz,basis,active_electrons,active_orbitals\n"
        "n2,n2.xyz,cc-pvdz,10,14\n")
    [large], _ = load_molecules(tmp_path / "large.csv", default_config(), molecule_row_schema())
    assert resources.active_sector_dimension(large) == 2002 ** 2  # C(14, 5)^2
    assert resources.vqe_runs_matrix_free(large, vqe_settings())
    assert resources.vqe_threads(large, vqe_settings()) == resources.MATRIX_FREE_THREADS
    assert resources.vqe_request_mb(large, vqe_settings()) < 6000
    assert resources.vqe_memory_mb(14, 5, 5) > 100_000
    # Its time limit covers the measured job (11.6 min on 2 threads, benchmarks/README.md) with
    # room for slower convergence, and a second layer asks for more.
    assert 12 < resources.vqe_runtime_minutes(large, vqe_settings()) < 120
    assert resources.vqe_runtime_minutes(large, vqe_settings(layers=2)) > \
        2 * resources.vqe_runtime_minutes(large, vqe_settings())
