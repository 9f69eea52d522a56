"""ADAPT-VQE: grow the ansatz one pool operator at a time, by the largest energy gradient.

Pool: the spin-adapted (singlet) generalized singles and doubles of Grimsley et al., Nat. Commun.
10, 3007 (2019), built as normal-ordered anti-Hermitian fermion operators and normalised. Each
pool operator becomes a block of excitation gates sharing one parameter, so the ADAPT circuit is
an ordinary Cirq ansatz circuit. The gradient of adding operator A at zero is
<psi|[H, A]|psi> = 2 <H psi|A psi>; the loop stops when the norm of the pool gradient falls below
a threshold, then the final parameters are optimised again.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import openfermion
import scipy.sparse

from qchemflow.quantum.ansatz import Ansatz, Excitation, reference_occupation
from qchemflow.quantum.sector import Sector
from qchemflow.quantum.simulator import (GatePairs, SectorSimulator, excitation_pairs,
                                 pauli_rotation_pairs)

INVERSE_SQRT_12 = 1.0 / np.sqrt(12.0)


@dataclass(frozen=True)
class PoolOperator:
    """One pool generator: a label and its excitation terms (coefficients sum-square to one)."""

    label: str
    terms: tuple[tuple[tuple[int, ...], tuple[int, ...], float], ...]


def _pool_operator(label: str, generator: Any) -> PoolOperator | None:
    """Normal-order ``generator - h.c.``, keep one of each (T, -T^dagger) pair, normalise."""
    anti_hermitian = openfermion.normal_ordered(
        generator - openfermion.hermitian_conjugated(generator))
    anti_hermitian.compress(1e-12)
    kept = []
    for term, coefficient in sorted(anti_hermitian.terms.items()):
        creation = tuple(mode for mode, action in term if action == 1)
        annihilation = tuple(mode for mode, action in term if action == 0)
        if (creation, annihilation) > (annihilation, creation):  # the T half of T - T^dagger
            kept.append((creation, annihilation, float(np.real(coefficient))))
    if not kept:
        return None
    norm = np.sqrt(sum(coefficient ** 2 for _, _, coefficient in kept))
    return PoolOperator(label, tuple((c, a, coefficient / norm) for c, a, coefficient in kept))


def singlet_gsd_pool(n_orbitals: int) -> list[PoolOperator]:
    """Spin-adapted generalized singles and doubles over ``n_orbitals`` spatial orbitals."""
    pool: list[PoolOperator] = []

    def term(*pairs: tuple[int, int], coefficient: float = 1.0) -> Any:
        return openfermion.FermionOperator(tuple((mode, action) for mode, action in pairs),
                                           coefficient)

    for p, q in itertools.combinations_with_replacement(range(n_orbitals), 2):
        single = term((2 * q, 1), (2 * p, 0)) + term((2 * q + 1, 1), (2 * p + 1, 0))
        operator = _pool_operator(f"S({p}->{q})", single)
        if operator:
            pool.append(operator)
    pairs = list(itertools.combinations_with_replacement(range(n_orbitals), 2))
    for index, (p, q) in enumerate(pairs):
        for r, s in pairs[index:]:
            pa, pb, qa, qb = 2 * p, 2 * p + 1, 2 * q, 2 * q + 1
            ra, rb, sa, sb = 2 * r, 2 * r + 1, 2 * s, 2 * s + 1
            spin_two = (term((ra, 1), (pa, 0), (sa, 1), (qa, 0), coefficient=2 * INVERSE_SQRT_12)
                        + term((rb, 1), (pb, 0), (sb, 1), (qb, 0), coefficient=2 * INVERSE_SQRT_12)
                        + term((ra, 1), (pa, 0), (sb, 1), (qb, 0), coefficient=INVERSE_SQRT_12)
                        + term((rb, 1), (pb, 0), (sa, 1), (qa, 0), coefficient=INVERSE_SQRT_12)
                        + term((ra, 1), (pb, 0), (sb, 1), (qa, 0), coefficient=INVERSE_SQRT_12)
                        + term((rb, 1), (pa, 0), (sa, 1), (qb, 0), coefficient=INVERSE_SQRT_12))
            spin_zero = (term((ra, 1), (pa, 0), (sb, 1), (qb, 0), coefficient=0.5)
                         + term((rb, 1), (pb, 0), (sa, 1), (qa, 0), coefficient=0.5)
                         + term((ra, 1), (pb, 0), (sb, 1), (qa, 0), coefficient=-0.5)
                         + term((rb, 1), (pa, 0), (sa, 1), (qb, 0), coefficient=-0.5))
            for label, generator in ((f"D1({p}{q}->{r}{s})", spin_two),
                                     (f"D0({p}{q}->{r}{s})", spin_zero)):
                operator = _pool_operator(label, generator)
                if operator:
                    pool.append(operator)
    return pool


def qubit_pool(n_orbitals: int) -> list[tuple[tuple[int, str], ...]]:
    """The qubit pool of qubit-ADAPT (Tang et al., PRX Quantum 2, 020310 (2021)): every Pauli
    string of the Jordan-Wigner images of the singlet GSD pool's excitations, Z factors removed.
    Each string has an odd number of Y, so exp(theta i P) is a real rotation.
    """
    from qchemflow.quantum.encoding import jordan_wigner_rotations

    strings: set[tuple[tuple[int, str], ...]] = set()
    for operator in singlet_gsd_pool(n_orbitals):
        for creation, annihilation, _ in operator.terms:
            for pauli, _ in jordan_wigner_rotations(creation, annihilation):
                strings.add(tuple((qubit, letter) for qubit, letter in pauli if letter != "Z"))
    return sorted(strings)


def operator_gates(operator: PoolOperator, parameter: int) -> list[Excitation]:
    return [Excitation(creation, annihilation, parameter, coefficient)
            for creation, annihilation, coefficient in operator.terms]


def pool_gate_pairs(pool: str, n_orbitals: int, sector: Sector
                    ) -> tuple[list[str], list[list[GatePairs]], list[Any]]:
    """Labels, rotation pairs (parameter 0) and the operators of the ``fermionic`` or ``qubit`` pool.

    Raises:
        ValueError: unknown pool.
    """
    if pool == "fermionic":
        operators: list[Any] = list(singlet_gsd_pool(n_orbitals))
        pairs = [[excitation_pairs(excitation, sector) for excitation in operator_gates(op, 0)]
                 for op in operators]
        return [op.label for op in operators], pairs, operators
    if pool == "qubit":
        strings: list[Any] = list(qubit_pool(n_orbitals))
        pairs = [[pauli_rotation_pairs(string, sector, 0)] for string in strings]
        labels = [" ".join(f"{letter}{qubit}" for qubit, letter in string) for string in strings]
        return labels, pairs, strings
    raise ValueError(f"unknown ADAPT pool '{pool}'; use fermionic or qubit")


def apply_generator(state: np.ndarray, gates: list[GatePairs]) -> np.ndarray:
    """A|psi> for A = sum_k c_k (T_k - T_k^dagger)."""
    result = np.zeros_like(state)
    for gate in gates:
        result[gate.target] += gate.coefficient * gate.sign * state[gate.source]
        result[gate.source] -= gate.coefficient * gate.sign * state[gate.target]
    return result


@dataclass
class AdaptResult:
    """The grown ansatz, its parameters and the record of the growth."""

    occupied: tuple[int, ...]
    selected: list[Any]
    gates: list[GatePairs]
    parameters: np.ndarray
    chosen: list[str]
    gradient_norms: list[float]
    energies: list[float]
    iterations: int
    energy_evaluations: int
    gradient_evaluations: int
    converged: bool

    def fermionic_ansatz(self, n_qubits: int) -> Ansatz:
        """The selected fermionic pool operators as an excitation ansatz (fermionic pool only)."""
        excitations = tuple(excitation for index, operator in enumerate(self.selected)
                            for excitation in operator_gates(operator, index))
        return Ansatz("adapt", n_qubits, self.occupied, excitations, len(self.selected))


def run_adapt(sector: Sector, hamiltonian: scipy.sparse.csr_matrix, n_orbitals: int,
              n_alpha: int, n_beta: int, pool: str, gradient_norm_threshold: float,
              max_operators: int, minimise: Any) -> AdaptResult:
    """Grow and optimise an ADAPT-VQE ansatz.

    Args:
        sector: the basis states (the N sector for the fermionic pool, all states for the qubit
            pool, whose rotations do not conserve N).
        hamiltonian: the Hamiltonian on them.
        n_orbitals: spatial orbitals.
        n_alpha: alpha electrons (the reference occupies the lowest orbitals).
        n_beta: beta electrons.
        pool: ``fermionic`` (singlet GSD) or ``qubit``.
        gradient_norm_threshold: stop when the pool gradient norm is below it.
        max_operators: stop after this many operators.
        minimise: ``minimise(simulator, initial) -> scipy result``.

    Returns:
        The result.
    """
    labels, pool_pairs, operators = pool_gate_pairs(pool, n_orbitals, sector)
    occupied = reference_occupation(n_alpha, n_beta)
    reference = Ansatz("adapt", 2 * n_orbitals, occupied, (), 0)
    gates: list[GatePairs] = []
    selected: list[Any] = []
    chosen: list[str] = []
    norms: list[float] = []
    energies: list[float] = []
    parameters = np.zeros(0)
    iterations = energy_evaluations = gradient_evaluations = 0
    converged = False
    while len(chosen) < max_operators:
        state = SectorSimulator(reference, sector, hamiltonian, gates).state(parameters)
        sigma = hamiltonian @ state
        gradients = np.array([2.0 * sigma @ apply_generator(state, pairs)
                              for pairs in pool_pairs])
        norms.append(float(np.linalg.norm(gradients)))
        if norms[-1] < gradient_norm_threshold:
            converged = True
            break
        best = int(np.argmax(np.abs(gradients)))
        chosen.append(labels[best])
        selected.append(operators[best])
        gates += [dataclasses.replace(pairs, parameter=len(chosen) - 1)
                  for pairs in pool_pairs[best]]
        simulator = SectorSimulator(reference, sector, hamiltonian, gates)
        result = minimise(simulator, np.append(parameters, 0.0))
        parameters = np.asarray(result.x)
        energies.append(float(result.fun))
        iterations += int(result.nit)
        energy_evaluations += simulator.energy_evaluations
        gradient_evaluations += simulator.gradient_evaluations
    return AdaptResult(occupied, selected, gates, parameters, chosen, norms, energies, iterations,
                       energy_evaluations, gradient_evaluations, converged)
