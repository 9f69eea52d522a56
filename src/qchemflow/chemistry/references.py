"""Classical reference energies: HF, MP2, CCSD, CCSD(T), CASCI, FCI and CC in the active space.

Every method is a function of one :class:`ReferenceProblem` returning a :class:`MethodResult`, so
the comparison code treats every method alike. Full-space methods keep the frozen core as
configured. ``casci`` is the exact ground state of the FCIDUMP Hamiltonian (the one the VQE sees),
with the spin fixed to the requested multiplicity; ``ccsd_active``/``ccsd_t_active`` are CC on
that same Hamiltonian.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from qchemflow.chemistry.active_space import (ActiveHamiltonian, ActiveSpaceChoice,
                                              active_space_integrals)
from qchemflow.core.errors import ConvergenceError, ResourceError
from qchemflow.core.memory import (FCI_DAVIDSON_SPACE, coupled_cluster_memory_mb, fci_memory_mb,
                                   memory_fix, mp2_memory_mb, require_memory, sector_dimension)
from qchemflow.core.records import METHOD_ORDER
from qchemflow.core.spin import alpha_beta, occupied_virtual, spin_squared_value
from qchemflow.core.units import error_millihartree

CC_ENERGY_TOLERANCE = 1e-10
CC_AMPLITUDE_TOLERANCE = 1e-8
FCI_ENERGY_TOLERANCE = 1e-12
SPIN_PENALTY_HARTREE = 0.5
SPIN_TOLERANCE = 1e-5
NON_VARIATIONAL_TOLERANCE = 1e-9
MEMORY_FIX = memory_fix("references", "shrink the space")


@dataclass(frozen=True)
class ReferenceSettings:
    """Which classical methods run, and the largest CI they may attempt."""

    methods: tuple[str, ...]
    fci_max_determinants: int


@dataclass
class ReferenceProblem:
    """What every reference method needs: the SCF and the active-space Hamiltonian."""

    scf_object: Any
    n_frozen: int
    active: ActiveHamiltonian
    fci_max_determinants: int
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def spin(self) -> int:
        """2S of the molecule (and of its active space)."""
        return self.active.spin


@dataclass
class MethodResult:
    """One method's energy (None when not computed), convergence, time and remarks."""

    energy: float | None
    converged: bool
    wall_s: float = 0.0
    flags: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def _require_method_memory(problem: ReferenceProblem, name: str,
                           estimate: Callable[[int, int, bool], float], n_orbitals: int,
                           n_electrons: int) -> None:
    """Refuse a correlated method whose amplitudes would not fit (before it allocates them)."""
    occupied, virtual = occupied_virtual(n_orbitals, n_electrons, problem.spin)
    require_memory(estimate(occupied, virtual, problem.spin != 0), problem.scf_object.max_memory,
                   f"{name} (o={occupied}, v={virtual})", MEMORY_FIX)


def _full_space_size(problem: ReferenceProblem) -> tuple[int, int]:
    """Orbitals and electrons that are not frozen."""
    scf_object = problem.scf_object
    return (int(np.asarray(scf_object.mo_energy).size) - problem.n_frozen,
            int(scf_object.mol.nelectron) - 2 * problem.n_frozen)


def fci_ground_state(h1: np.ndarray, h2: np.ndarray, n_orbitals: int, n_alpha_beta: tuple[int, int],
                     core_energy: float, max_memory_mb: float) -> tuple[float, float, bool]:
    """Lowest eigenvalue of a Hamiltonian in the sector of the requested spin.

    The solver works at S_z = S (alpha - beta = 2S) and adds a penalty on (S² - S(S+1))², so a
    lower state of higher spin cannot be returned; ⟨S²⟩ of the result is checked.

    Returns:
        ``(energy, s_squared, converged)`` with the energy including ``core_energy``.

    Raises:
        ConvergenceError: the result has the wrong spin even with a larger penalty.
    """
    from pyscf import fci

    n_alpha, n_beta = n_alpha_beta
    target = spin_squared_value(n_alpha, n_beta)
    for penalty in (SPIN_PENALTY_HARTREE, 5 * SPIN_PENALTY_HARTREE):
        solver = fci.direct_spin1.FCI()
        solver.conv_tol = FCI_ENERGY_TOLERANCE
        solver.max_cycle = 300
        solver.max_space = FCI_DAVIDSON_SPACE
        solver.max_memory = max_memory_mb
        solver.verbose = 0
        fci.addons.fix_spin_(solver, shift=penalty, ss=target)
        energy, vector = solver.kernel(h1, h2, n_orbitals, (n_alpha, n_beta), ecore=core_energy)
        s_squared, _ = fci.spin_op.spin_square0(vector, n_orbitals, (n_alpha, n_beta))
        if abs(s_squared - target) < SPIN_TOLERANCE:
            converged = bool(np.all(solver.converged))
            return float(energy), float(s_squared), converged
    raise ConvergenceError(f"FCI found no state with <S^2> = {target} (got {s_squared:.6f}); "
                           "check the multiplicity")


def _too_many_determinants(problem: ReferenceProblem, n_orbitals: int,
                           n_alpha_beta: tuple[int, int], name: str) -> MethodResult | None:
    count = sector_dimension(n_orbitals, *n_alpha_beta)
    if count <= problem.fci_max_determinants:
        require_memory(fci_memory_mb(count), problem.scf_object.max_memory,
                       f"{name} ({count} determinants)", MEMORY_FIX)
        return None
    return MethodResult(None, False, flags=[
        f"{name} skipped: {count} determinants exceed fci_max_determinants = "
        f"{problem.fci_max_determinants}; raise it (memory grows with the count) or shrink the space"],
        details={"determinants": count})


def hartree_fock(problem: ReferenceProblem) -> MethodResult:
    """The SCF energy (RHF or ROHF)."""
    return MethodResult(float(problem.scf_object.e_tot), bool(problem.scf_object.converged))


def _frozen(problem: ReferenceProblem) -> int | None:
    return problem.n_frozen or None


def mp2(problem: ReferenceProblem) -> MethodResult:
    """MP2 (RMP2, or UMP2 on the ROHF orbitals for open shells), frozen core as configured."""
    from pyscf import mp

    _require_method_memory(problem, "MP2", mp2_memory_mb, *_full_space_size(problem))
    solver = mp.MP2(problem.scf_object, frozen=_frozen(problem))
    solver.verbose = 0
    solver.kernel()
    return MethodResult(float(solver.e_tot), True)


def _coupled_cluster(scf_object: Any, frozen: int | None) -> Any:
    from pyscf import cc

    solver = cc.CCSD(scf_object, frozen=frozen)
    solver.conv_tol = CC_ENERGY_TOLERANCE
    solver.conv_tol_normt = CC_AMPLITUDE_TOLERANCE
    solver.max_cycle = 200
    solver.verbose = 0
    solver.kernel()
    return solver


def _ccsd_cached(problem: ReferenceProblem, key: str, scf_object: Any, frozen: int | None) -> Any:
    if key not in problem.cache:
        size = (_full_space_size(problem) if key == "full"
                else (problem.active.n_orbitals, problem.active.n_electrons))
        _require_method_memory(problem, "CCSD", coupled_cluster_memory_mb, *size)
        start = time.perf_counter()
        problem.cache[key] = (_coupled_cluster(scf_object, frozen), time.perf_counter() - start)
    return problem.cache[key]


def _ccsd_result(solver: Any, wall_s: float) -> MethodResult:
    flags = [] if solver.converged else ["CCSD amplitudes did not converge; energy is unreliable"]
    return MethodResult(float(solver.e_tot), bool(solver.converged), wall_s, flags)


def _ccsd_t_result(solver: Any) -> MethodResult:
    # With async_io, PySCF runs the (T) contractions in a background thread, which takes
    # OpenMP's default thread count rather than the job's; its threads' sum then changes in the
    # last bit from run to run. Run them in this thread, with the job's threads.
    solver.async_io = False
    start = time.perf_counter()
    correction = float(solver.ccsd_t())
    result = _ccsd_result(solver, time.perf_counter() - start)
    result.energy = float(solver.e_tot) + correction
    result.details["triples_correction"] = correction
    return result


def ccsd(problem: ReferenceProblem) -> MethodResult:
    """CCSD in the full space (UCCSD on ROHF orbitals for open shells)."""
    return _ccsd_result(*_ccsd_cached(problem, "full", problem.scf_object, _frozen(problem)))


def ccsd_t(problem: ReferenceProblem) -> MethodResult:
    """CCSD(T) in the full space; its ``wall_s`` is the (T) step alone."""
    solver, _ = _ccsd_cached(problem, "full", problem.scf_object, _frozen(problem))
    return _ccsd_t_result(solver)


def active_space_scf(problem: ReferenceProblem) -> Any:
    """An SCF object whose Hamiltonian is the active-space one (orthonormal orbitals as basis).

    Started from the SCF determinant, which is already a solution, so it reproduces the full
    SCF energy; that identity is checked by the caller.
    """
    from pyscf import ao2mo, gto, scf

    if "active_scf" in problem.cache:
        return problem.cache["active_scf"]
    n = problem.active.n_orbitals
    n_alpha, n_beta = problem.active.n_alpha_beta
    molecule = gto.M(verbose=0)
    molecule.nelectron = problem.active.n_electrons
    molecule.spin = problem.spin
    molecule.incore_anyway = True
    molecule.max_memory = problem.scf_object.max_memory
    scf_object = scf.RHF(molecule) if problem.spin == 0 else scf.ROHF(molecule)
    scf_object.get_hcore = lambda *args: problem.active.h1
    scf_object.get_ovlp = lambda *args: np.eye(n)
    scf_object.energy_nuc = lambda *args: problem.active.core_energy
    scf_object._eri = ao2mo.restore(8, problem.active.h2, n)
    scf_object.conv_tol = 1e-12
    scf_object.verbose = 0
    alpha = np.diag([1.0] * n_alpha + [0.0] * (n - n_alpha))
    beta = np.diag([1.0] * n_beta + [0.0] * (n - n_beta))
    scf_object.kernel(dm0=alpha + beta if problem.spin == 0 else np.array([alpha, beta]))
    problem.cache["active_scf"] = scf_object
    return scf_object


def mp2_active(problem: ReferenceProblem) -> MethodResult:
    """MP2 on the active-space Hamiltonian."""
    from pyscf import mp

    _require_method_memory(problem, "MP2", mp2_memory_mb, problem.active.n_orbitals,
                           problem.active.n_electrons)
    solver = mp.MP2(active_space_scf(problem))
    solver.verbose = 0
    solver.kernel()
    return MethodResult(float(solver.e_tot), True)


def _active_ccsd_solver(problem: ReferenceProblem) -> tuple[Any, float]:
    scf_object = active_space_scf(problem)
    return _ccsd_cached(problem, "active", scf_object, None)


def ccsd_active(problem: ReferenceProblem) -> MethodResult:
    """CCSD on the active-space Hamiltonian (the classical competitor of the VQE)."""
    result = _ccsd_result(*_active_ccsd_solver(problem))
    scf_energy = float(active_space_scf(problem).e_tot)
    if abs(scf_energy - float(problem.scf_object.e_tot)) > 1e-7:
        result.flags.append(f"active-space SCF energy {scf_energy:.10f} differs from the full SCF "
                            f"{float(problem.scf_object.e_tot):.10f}; the active space is suspect")
    return result


def ccsd_t_active(problem: ReferenceProblem) -> MethodResult:
    """CCSD(T) on the active-space Hamiltonian; ``wall_s`` is the (T) step alone."""
    solver, _ = _active_ccsd_solver(problem)
    return _ccsd_t_result(solver)


def casci(problem: ReferenceProblem) -> MethodResult:
    """Exact ground state of the active-space Hamiltonian with the requested spin."""
    n_alpha_beta = problem.active.n_alpha_beta
    skipped = _too_many_determinants(problem, problem.active.n_orbitals, n_alpha_beta, "casci")
    if skipped:
        return skipped
    energy, s_squared, converged = fci_ground_state(
        problem.active.h1, problem.active.h2, problem.active.n_orbitals, n_alpha_beta,
        problem.active.core_energy, problem.scf_object.max_memory)
    return MethodResult(energy, converged, details={
        "s2": s_squared, "determinants": sector_dimension(problem.active.n_orbitals, *n_alpha_beta)})


def full_configuration_interaction(problem: ReferenceProblem) -> MethodResult:
    """FCI over every orbital that is not frozen, with the requested spin."""
    scf_object = problem.scf_object
    n_orbitals, n_electrons = _full_space_size(problem)
    n_alpha_beta = alpha_beta(n_electrons, problem.spin)
    skipped = _too_many_determinants(problem, n_orbitals, n_alpha_beta, "fci")
    if skipped:
        return skipped
    h1, h2, core_energy = active_space_integrals(scf_object, ActiveSpaceChoice(
        problem.n_frozen, problem.n_frozen, n_electrons, n_orbitals, problem.spin),
        np.asarray(scf_object.mo_coeff))
    energy, s_squared, converged = fci_ground_state(
        h1, h2, n_orbitals, n_alpha_beta, core_energy, scf_object.max_memory)
    return MethodResult(energy, converged, details={
        "s2": s_squared, "determinants": sector_dimension(n_orbitals, *n_alpha_beta)})


METHODS: dict[str, Callable[[ReferenceProblem], MethodResult]] = {
    "hf": hartree_fock,
    "mp2": mp2,
    "ccsd": ccsd,
    "ccsd_t": ccsd_t,
    "mp2_active": mp2_active,
    "ccsd_active": ccsd_active,
    "ccsd_t_active": ccsd_t_active,
    "casci": casci,
    "fci": full_configuration_interaction,
}


def run_method(name: str, problem: ReferenceProblem) -> MethodResult:
    """Run one method, timing it; a convergence failure becomes a flagged null result."""
    start = time.perf_counter()
    try:
        result = METHODS[name](problem)
    except ConvergenceError as error:
        result = MethodResult(None, False, flags=[f"{name}: {error}"])
    except ResourceError as error:
        result = MethodResult(None, False, flags=[f"{name} refused: {error}"])
    if result.wall_s == 0.0:
        result.wall_s = time.perf_counter() - start
    return result


def non_variational_flags(energies: dict[str, float | None]) -> list[str]:
    """Flags for CC energies below the exact energy of the same Hamiltonian."""
    pairs = (("ccsd_active", "casci"), ("ccsd_t_active", "casci"), ("ccsd", "fci"),
             ("ccsd_t", "fci"))
    flags = []
    for approximate, exact in pairs:
        low, reference = energies.get(approximate), energies.get(exact)
        if low is not None and reference is not None and low < reference - NON_VARIATIONAL_TOLERANCE:
            flags.append(f"{approximate} is {error_millihartree(reference, low):.4f} mHa below {exact} "
                         "(coupled cluster is not variational)")
    return flags


def compute_references(problem: ReferenceProblem, methods: list[str]) -> dict[str, Any]:
    """Run the requested methods in a fixed order; return the ``references.json`` fields.

    Args:
        problem: SCF and active-space Hamiltonian.
        methods: names from :data:`METHODS`.

    Returns:
        ``energies`` (every method, null when not requested or skipped), ``methods`` (per
        method energy, converged, wall_s and details), ``flags``.
    """
    energies: dict[str, float | None] = {name: None for name in METHOD_ORDER}
    per_method: dict[str, Any] = {}
    flags: list[str] = []
    for name in METHOD_ORDER:
        if name not in methods:
            continue
        result = run_method(name, problem)
        energies[name] = result.energy
        per_method[name] = {"energy": result.energy, "converged": result.converged,
                            "wall_s": result.wall_s, **result.details}
        flags += result.flags
    flags += non_variational_flags(energies)
    return {
        "energies": energies,
        "methods": per_method,
        "converged": {name: entry["converged"] for name, entry in per_method.items()},
        "wall_s": {name: entry["wall_s"] for name, entry in per_method.items()},
        "flags": flags,
    }
