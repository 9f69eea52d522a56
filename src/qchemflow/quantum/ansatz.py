"""UCCSD ansätze as lists of fermionic excitations, one exact excitation gate each.

Spin orbitals are interleaved (mode 2i: orbital i alpha, 2i+1: orbital i beta). An
:class:`Excitation` is the anti-Hermitian generator ``coefficient * (T - T^dagger)`` with
``T = a†_{c1} a†_{c2} ... a_{a1} a_{a2}``; its gate is ``exp(theta_parameter * generator)``.
Closed shells use the spin-adapted (singlet) UCCSD of OpenFermion's ``uccsd_singlet_generator``
(rebuilt here amplitude by amplitude);
open shells use spin-orbital UCCSD on the ROHF determinant (alpha and beta counts conserved).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass

from qchemflow.core.errors import InputError
from qchemflow.quantum.settings import VQESettings



@dataclass(frozen=True)
class Excitation:
    """One excitation gate's generator: ``coefficient * (T - T^dagger)`` with a shared parameter."""

    creation: tuple[int, ...]
    annihilation: tuple[int, ...]
    parameter: int
    coefficient: float

    @property
    def modes(self) -> tuple[int, ...]:
        """Every spin orbital the excitation touches."""
        return self.creation + self.annihilation


@dataclass(frozen=True)
class Ansatz:
    """A reference determinant and the excitations applied to it, in order."""

    name: str
    n_qubits: int
    occupied: tuple[int, ...]
    excitations: tuple[Excitation, ...]
    n_parameters: int


def reference_occupation(n_alpha: int, n_beta: int) -> tuple[int, ...]:
    """Modes occupied in the (RO)HF determinant: the lowest alpha and beta orbitals."""
    return tuple(sorted([2 * i for i in range(n_alpha)] + [2 * i + 1 for i in range(n_beta)]))


def singlet_paramsize(n_orbitals: int, n_electrons: int) -> int:
    """Independent singlet UCCSD amplitudes (OpenFermion's ``uccsd_singlet_paramsize``)."""
    n_occupied = -(-n_electrons // 2)
    pairs = n_occupied * (n_orbitals - n_occupied)
    return pairs + pairs * (pairs + 1) // 2


LadderTerm = tuple[tuple[int, int], ...]  # ((mode, 1: creation / 0: annihilation), ...)


def singlet_amplitude_terms(parameter: int, n_orbitals: int, n_electrons: int
                            ) -> list[tuple[LadderTerm, float]]:
    """The excitation terms (without the Hermitian conjugates) that OpenFermion's
    ``uccsd_singlet_generator`` multiplies by packed amplitude ``parameter``: singles, then
    doubles of one occupied-virtual pair, then doubles of two pairs (mode 2i alpha, 2i+1 beta)."""
    n_occupied = -(-n_electrons // 2)
    pairs = list(itertools.product(range(n_orbitals - n_occupied), range(n_occupied)))

    def spin_orbital(orbital: int, spin: int) -> int:
        return 2 * orbital + spin

    if parameter < 2 * len(pairs):
        virtual, occupied = pairs[parameter % len(pairs)]
        virtual += n_occupied
        terms: list[tuple[LadderTerm, float]] = []
        for spin in range(2):
            other = 1 - spin
            if parameter < len(pairs):
                terms.append((((spin_orbital(virtual, spin), 1),
                               (spin_orbital(occupied, spin), 0)), 1.0))
            else:
                terms.append((((spin_orbital(virtual, spin), 1),
                               (spin_orbital(occupied, spin), 0),
                               (spin_orbital(virtual, other), 1),
                               (spin_orbital(occupied, other), 0)), 1.0))
        return terms
    (first_virtual, first_occupied), (second_virtual, second_occupied) = list(
        itertools.combinations(pairs, 2))[parameter - 2 * len(pairs)]
    terms = []
    for spin_a, spin_b in itertools.product(range(2), repeat=2):
        terms.append((((spin_orbital(first_virtual + n_occupied, spin_a), 1),
                       (spin_orbital(first_occupied, spin_a), 0),
                       (spin_orbital(second_virtual + n_occupied, spin_b), 1),
                       (spin_orbital(second_occupied, spin_b), 0)), 1.0))
    return terms


def normal_ordered(terms: list[tuple[LadderTerm, float]]) -> dict[LadderTerm, float]:
    """Terms with distinct modes per operator kind in OpenFermion's normal order (creations
    first, each kind in descending mode order), like terms added; a term that creates or
    annihilates one mode twice is zero. (The UCCSD terms never pair a creation and an
    annihilation of the same mode, so no contraction arises.)"""
    ordered: dict[LadderTerm, float] = {}
    for term, coefficient in terms:
        creations = [mode for mode, action in term if action == 1]
        annihilations = [mode for mode, action in term if action == 0]
        if len(set(creations)) < len(creations) or len(set(annihilations)) < len(annihilations):
            continue
        target = ([(mode, 1) for mode in sorted(creations, reverse=True)]
                  + [(mode, 0) for mode in sorted(annihilations, reverse=True)])
        positions = [target.index(operator) for operator in term]
        inversions = sum(1 for a, b in itertools.combinations(positions, 2) if a > b)
        key = tuple(target)
        ordered[key] = ordered.get(key, 0.0) + coefficient * (-1) ** inversions
    return ordered


def singlet_uccsd(n_orbitals: int, n_electrons: int) -> Ansatz:
    """Spin-adapted UCCSD for a closed shell: OpenFermion's singlet generator, amplitude by
    amplitude (the same terms as ``uccsd_singlet_generator``, tested, without building the whole
    generator once per amplitude).

    Each packed amplitude is one parameter; its normal-ordered excitation terms become the gates
    sharing it.
    """
    n_qubits = 2 * n_orbitals
    n_parameters = singlet_paramsize(n_orbitals, n_electrons)
    excitations: list[Excitation] = []
    singles: list[Excitation] = []
    for parameter in range(n_parameters):
        generator = normal_ordered(singlet_amplitude_terms(parameter, n_orbitals, n_electrons))
        for term, coefficient in sorted(generator.items()):
            if abs(coefficient) < 1e-14:
                continue
            creation = tuple(mode for mode, action in term if action == 1)
            annihilation = tuple(mode for mode, action in term if action == 0)
            excitation = Excitation(creation, annihilation, parameter, float(coefficient))
            (singles if len(creation) == 1 else excitations).append(excitation)
    return Ansatz("uccsd", n_qubits, reference_occupation(n_electrons // 2, n_electrons // 2),
                  tuple(excitations + singles), n_parameters)


def spin_orbital_uccsd(n_orbitals: int, n_alpha: int, n_beta: int) -> Ansatz:
    """UCCSD over spin orbitals keeping alpha and beta counts (for open shells)."""
    occupied = reference_occupation(n_alpha, n_beta)
    virtual = tuple(mode for mode in range(2 * n_orbitals) if mode not in occupied)
    doubles = [(a, b, i, j) for (i, j) in itertools.combinations(occupied, 2)
               for (a, b) in itertools.combinations(virtual, 2)
               if (a % 2) + (b % 2) == (i % 2) + (j % 2)]
    singles = [(a, i) for i in occupied for a in virtual if a % 2 == i % 2]
    excitations = [Excitation((a, b), (j, i), index, 1.0)
                   for index, (a, b, i, j) in enumerate(doubles)]
    excitations += [Excitation((a,), (i,), len(doubles) + index, 1.0)
                    for index, (a, i) in enumerate(singles)]
    return Ansatz("uccsd", 2 * n_orbitals, occupied, tuple(excitations),
                  len(doubles) + len(singles))


def uccsd(n_orbitals: int, n_alpha: int, n_beta: int) -> Ansatz:
    """Singlet UCCSD for closed shells, spin-orbital UCCSD otherwise."""
    if n_alpha == n_beta:
        return singlet_uccsd(n_orbitals, n_alpha + n_beta)
    return spin_orbital_uccsd(n_orbitals, n_alpha, n_beta)


def k_upccgsd(n_orbitals: int, n_alpha: int, n_beta: int, k: int) -> Ansatz:
    """k-UpCCGSD (Lee et al., JCTC 15, 311 (2019)): k products of generalized pair doubles and
    spin-complemented generalized singles, each product with its own parameters.

    Pair double (q -> p): a†_{p alpha} a†_{p beta} a_{q beta} a_{q alpha}; singles (q -> p):
    alpha and beta excitations sharing one parameter; p > q over all spatial orbitals.
    """
    pairs = list(itertools.combinations(range(n_orbitals), 2))
    excitations: list[Excitation] = []
    parameter = 0
    for _ in range(k):
        for q, p in pairs:
            excitations.append(Excitation((2 * p, 2 * p + 1), (2 * q + 1, 2 * q), parameter, 1.0))
            parameter += 1
        for q, p in pairs:
            excitations.append(Excitation((2 * p,), (2 * q,), parameter, 1.0))
            excitations.append(Excitation((2 * p + 1,), (2 * q + 1,), parameter, 1.0))
            parameter += 1
    return Ansatz("k-upccgsd", 2 * n_orbitals, reference_occupation(n_alpha, n_beta),
                  tuple(excitations), parameter)


def layered_ansatz(base: Ansatz, layers: int) -> Ansatz:
    """``layers`` repetitions of the excitation sequence, each with its own parameters."""
    excitations = tuple(
        dataclasses.replace(excitation, parameter=excitation.parameter + layer * base.n_parameters)
        for layer in range(layers) for excitation in base.excitations)
    return Ansatz(base.name, base.n_qubits, base.occupied, excitations,
                  layers * base.n_parameters)


def build_ansatz(settings: VQESettings, n_orbitals: int, n_alpha: int, n_beta: int) -> Ansatz:
    """The configured fixed ansatz (``uccsd`` with ``layers``, or ``k-upccgsd`` with k = layers).

    Raises:
        InputError: an ansatz name this function does not build.
    """
    if settings.ansatz == "uccsd":
        return layered_ansatz(uccsd(n_orbitals, n_alpha, n_beta), settings.layers)
    if settings.ansatz == "k-upccgsd":
        return k_upccgsd(n_orbitals, n_alpha, n_beta, settings.layers)
    raise InputError(f"ansatz '{settings.ansatz}' is unknown; use uccsd, k-upccgsd or adapt")


def string_pair_count(excitation: Excitation, n_orbitals: int, n_alpha: int,
                      n_beta: int) -> int:
    """Alpha plus beta string pairs of one excitation's gate (the CI-matrix gate's size)."""
    total = 0
    for spin, electrons in ((0, n_alpha), (1, n_beta)):
        annihilated = {mode // 2 for mode in excitation.annihilation if mode % 2 == spin}
        touched = annihilated | {mode // 2 for mode in excitation.creation if mode % 2 == spin}
        total += math.comb(n_orbitals - len(touched), electrons - len(annihilated)) \
            if touched else math.comb(n_orbitals, electrons)
    return total


def ansatz_string_pairs(ansatz: Ansatz, n_alpha: int, n_beta: int) -> int:
    """String pairs of all the ansatz's gates (the matrix-free memory estimate's count)."""
    return sum(string_pair_count(excitation, ansatz.n_qubits // 2, n_alpha, n_beta)
               for excitation in ansatz.excitations)
