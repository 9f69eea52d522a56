"""Implicit solvent: PySCF's IEF-PCM or ddCOSMO on the SCF, its reaction field frozen afterwards.

The SCF is solved in the solvent's reaction field: PySCF's ``PCM`` (``method = "IEF-PCM"``, its
default cavity and Lebedev grid) or ``ddCOSMO``, with the solvent's static dielectric constant.
Its energy is the solvated one, E_SCF = E_gas-like(D) + E_solv(D), where E_solv(D) is PySCF's
solvent energy (half the product of the apparent surface charges with the potential of nuclei
and electrons on the cavity).

Every later method (MP2, CC, the FCIDUMP, CASCI, FCI, the qubit Hamiltonian and the VQE) sees the
SCF's reaction field frozen: the one-electron Hamiltonian becomes h + V, where V = dE_solv/dD at
the converged SCF density D, and the constant (core) energy gains E_solv(D) − Tr(D V). So the
SCF determinant's energy in the frozen field is the solvated SCF energy exactly, and a correlated
energy is its correlation energy in the field of the SCF's solvent charges. The solvent does not
respond to the correlated density (no relaxed-density reaction field): this is the "PTE" scheme
of Cammi, Mennucci and Tomasi (J. Phys. Chem. A 1999, 103, 9100). For a field of electrons only,
E_solv(D) = ½ Tr(D V) and the constant is −½ Tr(D V); the nuclei's part of the cavity potential
makes it differ, and qchemflow uses the general form.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

# Static dielectric constants (25 °C) of the Minnesota Solvent Descriptor Database, as used by
# Gaussian's SCRF keyword and PCM programs (C. J. Cramer, D. G. Truhlar et al.,
# https://comp.chem.umn.edu/solvation/mnsddb.pdf).
DIELECTRIC_CONSTANTS: dict[str, float] = {
    "water": 78.3553,
    "dmso": 46.826,
    "acetonitrile": 35.688,
    "methanol": 32.613,
    "ethanol": 24.852,
    "acetone": 20.493,
    "1-octanol": 9.8629,
    "dichloromethane": 8.93,
    "thf": 7.4257,
    "chloroform": 4.7113,
    "diethylether": 4.24,
    "toluene": 2.3741,
    "benzene": 2.2706,
    "cyclohexane": 2.0165,
    "n-heptane": 1.9113,
}
MODELS = ("pcm", "ddcosmo")


@dataclass(frozen=True)
class Solvent:
    """An implicit solvent: its name (a key of :data:`DIELECTRIC_CONSTANTS`) and model."""

    name: str
    model: str

    @property
    def dielectric(self) -> float:
        """The static dielectric constant ε."""
        return DIELECTRIC_CONSTANTS[self.name]


def solvent_or_gas(name: str | None, model: str) -> Solvent | None:
    """The solvent of a name, or None (gas phase) for no name."""
    return None if name is None else Solvent(name, model)


def attach_solvent(scf_object: Any, solvent: Solvent) -> Any:
    """The SCF object in the solvent's (self-consistent) reaction field."""
    if solvent.model == "pcm":
        solvated = scf_object.PCM()
        solvated.with_solvent.method = "IEF-PCM"
    else:
        solvated = scf_object.ddCOSMO()
    solvated.with_solvent.eps = solvent.dielectric
    solvated.with_solvent.verbose = 0
    return solvated


def is_solvated(scf_object: Any) -> bool:
    """Whether the SCF object carries a self-consistent solvent model."""
    return getattr(scf_object, "with_solvent", None) is not None


@contextlib.contextmanager
def solvent_response(scf_object: Any) -> Iterator[None]:
    """Within: orbital-response calculations (stability analysis) include the solvent's
    response to the density change, as for a solvent in equilibrium with the SCF."""
    if not is_solvated(scf_object):
        yield
        return
    from pyscf import lib

    with lib.temporary_env(scf_object.with_solvent, equilibrium_solvation=True):
        yield


def total_density(scf_object: Any) -> np.ndarray:
    """The SCF's total (alpha + beta) AO density matrix."""
    density = np.asarray(scf_object.make_rdm1())
    return density if density.ndim == 2 else density[0] + density[1]


@dataclass(frozen=True)
class ReactionField:
    """The SCF's reaction field, frozen: potential V (AO basis), the solvent energy
    E_solv(D) and the constant E_solv(D) − Tr(D V) that keeps the SCF energy exact."""

    potential: np.ndarray
    solvation_energy: float
    energy_shift: float


def reaction_field(scf_object: Any) -> ReactionField:
    """The reaction field of a converged solvated SCF, at its final density."""
    density = total_density(scf_object)
    energy, potential = scf_object.with_solvent.kernel(density)
    potential = np.asarray(potential)
    return ReactionField(potential, float(energy),
                         float(energy) - float(np.einsum("ij,ji->", density, potential)))


class FrozenReactionField:
    """SCF mix-in: a fixed one-electron potential ``reaction_field`` added to the core
    Hamiltonian and a constant ``reaction_field_shift`` added to the nuclear repulsion.

    PySCF's post-SCF methods (MP2, CC, CASCI, FCIDUMP via ``get_h1eff``) read both through the
    SCF object, and PySCF's class conversions (ROHF to UHF) keep the mix-in and its attributes.
    """

    _keys = {"reaction_field", "reaction_field_shift"}
    reaction_field: np.ndarray
    reaction_field_shift: float

    def get_hcore(self, mol: Any = None) -> np.ndarray:
        """The core Hamiltonian plus the frozen reaction field."""
        return super().get_hcore(mol) + self.reaction_field  # type: ignore[misc]

    def energy_nuc(self) -> float:
        """Nuclear repulsion plus the frozen field's constant."""
        return float(super().energy_nuc()) + self.reaction_field_shift  # type: ignore[misc]


def freeze_reaction_field(scf_object: Any, field: ReactionField) -> Any:
    """The (gas-phase class) SCF object with the frozen reaction field mixed in."""
    from pyscf import lib

    scf_object.reaction_field = field.potential
    scf_object.reaction_field_shift = field.energy_shift
    return lib.set_class(scf_object, (FrozenReactionField, scf_object.__class__),
                         "FrozenReactionField" + scf_object.__class__.__name__)


def solvent_fields(solvent: Solvent | None, field: ReactionField | None) -> dict[str, Any] | None:
    """The ``solvent`` entry of ``scf.json`` (None in the gas phase)."""
    if solvent is None or field is None:
        return None
    return {"name": solvent.name, "model": solvent.model, "dielectric": solvent.dielectric,
            "solvation_energy": field.solvation_energy,
            "frozen_field_energy_shift": field.energy_shift}
