"""Memory guards and estimates (qchemflow.core.memory) against the memory really used: the
process's resident set as the kernel reports it, and the peak of the arrays a computation
allocates, traced by tracemalloc (NumPy and SciPy report every array buffer to it)."""

import re
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from qchemflow.core import memory
from qchemflow.core.errors import ResourceError

from conftest import DATA

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="the kernel's memory figures are read from /proc (Linux)")


def kernel_resident_mb():
    """VmRSS from /proc/self/status, in MB: the kernel's own figure (it writes kB of 1024 bytes),
    a second source beside the /proc/self/statm page count that process_memory_mb reads."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise AssertionError("no VmRSS line in /proc/self/status")


def traced_peak_mb(function):
    """Run ``function``; return its result and the peak of the memory it allocated, in MB."""
    tracemalloc.start()
    try:
        result = function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 1e6


def water_active_space(n_electrons, n_orbitals):
    """Water in 6-31G (Crawford's geometry): h1, h2 (full tensor) and core energy of the
    active space of ``n_electrons`` in ``n_orbitals`` around the Fermi level, from PySCF."""
    from pyscf import ao2mo, gto, mcscf, scf

    molecule = gto.M(atom=str(DATA / "h2o_crawford.xyz"), basis="6-31g", verbose=0)
    casci = mcscf.CASCI(scf.RHF(molecule).run(conv_tol=1e-10), n_orbitals, n_electrons)
    h1, core_energy = casci.get_h1eff()
    return h1, ao2mo.restore(1, casci.get_h2eff(), n_orbitals), core_energy


def test_require_memory_counts_what_the_process_already_holds():
    # What the process holds is the kernel's resident set ...
    held = memory.process_memory_mb()
    assert held == pytest.approx(kernel_resident_mb(), abs=5)
    # ... and grows by the 200 MB of an array whose every page is written.
    block = np.ones(25_000_000)
    assert memory.process_memory_mb() - held == pytest.approx(block.nbytes / 1e6, abs=10)
    # What is left is the job's mem_mb minus what is held now, that array included: with
    # 100 MB left, 50 MB fit and 150 MB do not, and the refusal says so with the numbers.
    limit = memory.process_memory_mb() + 100
    assert memory.require_memory(50.0, limit, "x", "fix") == 50.0
    with pytest.raises(ResourceError) as refusal:
        memory.require_memory(150.0, limit, "x", "fix")
    assert re.fullmatch(rf"x needs about 150 MB but the job has (9\d|10\d)(\.\d+)? MB left of "
                        rf"mem_mb = {limit:.0f}; fix", str(refusal.value)), str(refusal.value)
    del block


def test_estimates_grow_as_the_arrays_they_describe():
    # The sector Hamiltonian's estimate against the peak memory of the real build it guards
    # (qchemflow.quantum.qubit_hamiltonian.build_qubit_hamiltonian: the Pauli terms, the sector,
    # the sparse Hamiltonian and S^2), for water 6-31G active spaces of 4900 and 15876 states.
    # The estimate must cover the build, and stay within twice it: it counts 36 bytes per
    # (state, X pattern), the CSR entry plus the row, column and value held while building,
    # which the build approaches (measured: 44 and 178 MB against estimates of 55 and 243 MB).
    from qchemflow.quantum.qubit_hamiltonian import build_qubit_hamiltonian
    from qchemflow.quantum.sector import require_sector_memory

    for n_orbitals, states in ((8, 4900), (9, 15876)):
        h1, h2, core_energy = water_active_space(8, n_orbitals)
        hamiltonian, peak = traced_peak_mb(lambda: build_qubit_hamiltonian(
            h1, h2, core_energy, 4, 4, "jordan_wigner"))
        assert hamiltonian.sector.dimension == states  # C(n, 4)^2
        estimate = require_sector_memory(hamiltonian.sector, hamiltonian.terms, float("inf"),
                                         "qubits")
        assert peak <= estimate <= 2 * peak, (states, peak, estimate)


def test_fci_estimate_covers_the_davidson_vectors():
    # The CASCI/FCI estimate against the peak memory of the real solver it guards
    # (qchemflow.chemistry.references.fci_ground_state, PySCF's direct_spin1 with the spin
    # penalty), for water 6-31G active spaces of 44100 and 245025 determinants; the same
    # bounds as for the sector Hamiltonian.
    from qchemflow.chemistry.references import fci_ground_state

    for n_orbitals, determinants in ((10, 44100), (12, 245025)):
        h1, h2, core_energy = water_active_space(8, n_orbitals)
        assert memory.sector_dimension(n_orbitals, 4, 4) == determinants  # C(n, 4)^2
        _, peak = traced_peak_mb(lambda: fci_ground_state(h1, h2, n_orbitals, (4, 4),
                                                          core_energy, 4000))
        estimate = memory.fci_memory_mb(determinants)
        assert peak <= estimate <= 2 * peak, (determinants, peak, estimate)
