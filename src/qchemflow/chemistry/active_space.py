"""Active-space stage: frozen core, the active orbitals, FCIDUMP of the Hamiltonian.

The ``window`` active space is a window of canonical SCF orbitals around the Fermi level: every
orbital below it is doubly occupied (the frozen core plus any inactive occupied orbitals), every
orbital above it is empty. The methods that select orbitals by their character (AVAS, the π
system, natural orbitals) are in :mod:`qchemflow.chemistry.selection`; each gives an
:class:`ActiveOrbitals` like the window does. The Hamiltonian (one- and two-electron integrals plus the core energy, which includes the
nuclear repulsion) is written with PySCF's FCIDUMP writer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qchemflow.core.errors import InputError
from qchemflow.core.spin import alpha_beta
from qchemflow.core.files import write_file_atomic

DEGENERACY_TOLERANCE_HARTREE = 1e-5


METHODS = ("window", "avas", "pi", "natural_orbitals")


@dataclass(frozen=True)
class ActiveSpaceSettings:
    """The requested active space.

    Attributes:
        frozen_core: freeze the chemical core.
        method: ``window`` (around the Fermi level), ``avas``, ``pi`` or ``natural_orbitals``.
        electrons, orbitals: the window's size (None: every one not frozen); for the selecting
            methods, upper limits (None: none).
        ao_labels: ``avas``: minimal-basis shells to project on (e.g. ``C 2p``).
        threshold: ``avas`` and ``pi``: projection weight above which an orbital is active.
        occupation_threshold: ``natural_orbitals``: an occupied natural orbital below
            2 − this, or a virtual one above it, is active.
    """

    frozen_core: bool
    method: str
    electrons: int | None
    orbitals: int | None
    ao_labels: tuple[str, ...]
    threshold: float
    occupation_threshold: float


@dataclass(frozen=True)
class ActiveSpaceChoice:
    """Which orbitals are core, active and virtual (indices into the canonical SCF orbitals)."""

    n_frozen: int
    n_core: int
    n_electrons: int
    n_orbitals: int
    spin: int

    @property
    def active(self) -> list[int]:
        """Active MO indices."""
        return list(range(self.n_core, self.n_core + self.n_orbitals))

    @property
    def core(self) -> list[int]:
        """Doubly occupied MO indices outside the active space (frozen core first)."""
        return list(range(self.n_core))

    @property
    def n_alpha_beta(self) -> tuple[int, int]:
        """Active alpha and beta electron counts (high-spin: alpha >= beta)."""
        return alpha_beta(self.n_electrons, self.spin)


@dataclass(frozen=True)
class ActiveOrbitals:
    """The orbitals of an active space: columns core (frozen first), active, virtual.

    Attributes:
        choice: the sizes (core is the first ``n_core`` columns, active the next
            ``n_orbitals``).
        coefficients: MO coefficients (AO basis), every orbital of the SCF, reordered or rotated.
        energies: their orbital energies (the Fock matrix's diagonal).
        selection: how they were chosen, with the settings that matter (``window``,
            ``avas(C 2p; threshold 0.2)``, ...); members of a reaction must share it.
        weights: the projection weights or natural occupations of the selected orbitals, one
            per active orbital, occupied ones first (as found, before each block is
            canonicalised, so not in the orbitals' order within a block); None for the window.
    """

    choice: ActiveSpaceChoice
    coefficients: np.ndarray
    energies: np.ndarray
    selection: str
    weights: tuple[float, ...] | None


def window_orbitals(scf_object: Any, choice: ActiveSpaceChoice) -> ActiveOrbitals:
    """The window of canonical SCF orbitals of ``choice``."""
    return ActiveOrbitals(choice, np.asarray(scf_object.mo_coeff),
                          np.asarray(scf_object.mo_energy), "window", None)


@dataclass(frozen=True)
class ActiveHamiltonian:
    """The active-space Hamiltonian as read from its FCIDUMP.

    Attributes:
        h1: one-electron integrals (n, n).
        h2: two-electron integrals, the full (n, n, n, n) tensor in chemists' notation.
        core_energy: nuclear repulsion plus the frozen and inactive core, Hartree.
        n_orbitals: active spatial orbitals.
        n_electrons: active electrons.
        spin: 2S.
    """

    h1: np.ndarray
    h2: np.ndarray
    core_energy: float
    n_orbitals: int
    n_electrons: int
    spin: int

    @property
    def n_alpha_beta(self) -> tuple[int, int]:
        """Active alpha and beta electron counts."""
        return alpha_beta(self.n_electrons, self.spin)


def choose_active_space(n_electrons: int, n_molecular_orbitals: int, n_frozen: int, spin: int,
                        active_electrons: int | None, active_orbitals: int | None
                        ) -> ActiveSpaceChoice:
    """Choose the active window around the Fermi level.

    Args:
        n_electrons: electrons of the molecule.
        n_molecular_orbitals: number of molecular orbitals.
        n_frozen: core orbitals to freeze (0 when frozen core is off).
        spin: 2S, number of unpaired electrons.
        active_electrons: active electrons, or None for every electron not frozen.
        active_orbitals: active orbitals, or None for every orbital above the core.

    Returns:
        The choice.

    Raises:
        InputError: the requested space is impossible for this molecule, with what to change.
    """
    electrons = n_electrons - 2 * n_frozen if active_electrons is None else active_electrons
    if electrons < 1 or electrons > n_electrons:
        raise InputError(f"active space of {electrons} electrons is impossible for a molecule with "
                         f"{n_electrons} electrons; choose between 1 and {n_electrons - 2 * n_frozen}")
    if (n_electrons - electrons) % 2 != 0:
        raise InputError(f"active electrons {electrons}: the {n_electrons - electrons} electrons "
                         "outside the active space must pair up; use an active electron count "
                         f"with the parity of {n_electrons}")
    if electrons < spin:
        raise InputError(f"active electrons {electrons} is fewer than the {spin} unpaired "
                         "electrons; make the active space include them")
    n_core = (n_electrons - electrons) // 2
    if n_core < n_frozen:
        raise InputError(f"active space of {electrons} electrons reaches into the {n_frozen} frozen "
                         f"core orbitals; use at most {n_electrons - 2 * n_frozen} active electrons "
                         "or set frozen_core to false")
    orbitals = n_molecular_orbitals - n_core if active_orbitals is None else active_orbitals
    n_alpha = alpha_beta(electrons, spin)[0]
    if orbitals < max(n_alpha, 1):
        raise InputError(f"{orbitals} active orbitals cannot hold {electrons} electrons with spin "
                         f"{spin}; use at least {max(n_alpha, 1)} active orbitals")
    if n_core + orbitals > n_molecular_orbitals:
        raise InputError(f"active space ({electrons}e, {orbitals}o) needs {n_core + orbitals} "
                         f"orbitals but the basis has {n_molecular_orbitals}; use at most "
                         f"{n_molecular_orbitals - n_core} active orbitals or a larger basis")
    return ActiveSpaceChoice(n_frozen, n_core, electrons, orbitals, spin)


def degeneracy_flags(mo_energies: np.ndarray, choice: ActiveSpaceChoice) -> list[str]:
    """Flags for active-space edges that cut through a set of degenerate orbitals."""
    flags = []
    lower, upper = choice.n_core, choice.n_core + choice.n_orbitals
    if lower > 0 and abs(mo_energies[lower] - mo_energies[lower - 1]) < DEGENERACY_TOLERANCE_HARTREE:
        flags.append(f"active space splits degenerate orbitals {lower - 1} and {lower} "
                     "(lower edge); results depend on an arbitrary choice, widen the space")
    if upper < len(mo_energies) and abs(
            mo_energies[upper] - mo_energies[upper - 1]) < DEGENERACY_TOLERANCE_HARTREE:
        flags.append(f"active space splits degenerate orbitals {upper - 1} and {upper} "
                     "(upper edge); results depend on an arbitrary choice, widen the space")
    return flags


def active_space_integrals(scf_object: Any, choice: ActiveSpaceChoice,
                           coefficients: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """One- and two-electron integrals of the active space and its core energy.

    Args:
        scf_object: converged PySCF SCF object (RHF or ROHF).
        choice: the active space.
        coefficients: the orbitals (columns: core, active, virtual).

    Returns:
        ``(h1, h2, core_energy)``: h1 is (n, n), h2 the full (n, n, n, n) chemists' notation
        tensor, core_energy includes the nuclear repulsion.
    """
    from pyscf import ao2mo, mcscf

    casci = mcscf.CASCI(scf_object, choice.n_orbitals, choice.n_alpha_beta)
    casci.ncore = choice.n_core
    h1, core_energy = casci.get_h1eff(coefficients)
    h2 = ao2mo.restore(1, casci.get_h2eff(coefficients), choice.n_orbitals)
    return np.asarray(h1), np.asarray(h2), float(core_energy)


def write_fcidump(path: str | Path, h1: np.ndarray, h2: np.ndarray, core_energy: float,
                  choice: ActiveSpaceChoice) -> None:
    """Write the active-space Hamiltonian with PySCF's FCIDUMP writer (full precision), atomically."""
    from pyscf.tools import fcidump

    write_file_atomic(path, lambda temporary: fcidump.from_integrals(
        temporary, h1, h2, choice.n_orbitals, choice.n_electrons, nuc=core_energy, ms=choice.spin,
        tol=1e-15, float_format=" %.17g"))


def read_fcidump(path: str | Path) -> dict[str, Any]:
    """Read an FCIDUMP with PySCF: keys ``H1``, ``H2``, ``ECORE``, ``NORB``, ``NELEC``, ``MS2``."""
    from pyscf.tools import fcidump

    data: dict[str, Any] = fcidump.read(str(path), verbose=False)
    return data


def read_active_hamiltonian(path: str | Path) -> ActiveHamiltonian:
    """The FCIDUMP as an :class:`ActiveHamiltonian` (two-electron integrals unpacked)."""
    from pyscf import ao2mo

    data = read_fcidump(path)
    n_orbitals = int(data["NORB"])
    return ActiveHamiltonian(np.asarray(data["H1"]), ao2mo.restore(1, data["H2"], n_orbitals),
                             float(data["ECORE"]), n_orbitals, int(data["NELEC"]),
                             int(data["MS2"]))


def build_active_space(scf_object: Any, orbitals: ActiveOrbitals, fcidump_path: str | Path
                       ) -> dict[str, Any]:
    """Compute and write the active-space Hamiltonian; return the ``active_space.json`` fields."""
    start = time.perf_counter()
    choice = orbitals.choice
    h1, h2, core_energy = active_space_integrals(scf_object, choice, orbitals.coefficients)
    write_fcidump(fcidump_path, h1, h2, core_energy, choice)
    mo_energies = orbitals.energies
    n_alpha, n_beta = choice.n_alpha_beta
    return {
        "n_electrons": choice.n_electrons,
        "n_alpha": n_alpha,
        "n_beta": n_beta,
        "n_orbitals": choice.n_orbitals,
        "n_qubits": 2 * choice.n_orbitals,
        "spin": choice.spin,
        "n_frozen_core": choice.n_frozen,
        "frozen": choice.core,
        "active": choice.active,
        "n_molecular_orbitals": int(len(mo_energies)),
        "core_energy": core_energy,
        "active_mo_energies": mo_energies[choice.active],
        "selection": orbitals.selection,
        "selection_weights": None if orbitals.weights is None else list(orbitals.weights),
        "is_full_space": choice.n_core == choice.n_frozen
        and choice.n_core + choice.n_orbitals == len(mo_energies),
        # A selecting method gives degenerate orbitals the same weight, so it never splits them.
        "flags": degeneracy_flags(mo_energies, choice) if orbitals.selection == "window" else [],
        "wall_s": time.perf_counter() - start,
    }
