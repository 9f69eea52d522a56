"""Qubits stage: the active-space Hamiltonian as an OpenFermion qubit operator.

The FCIDUMP is read into an OpenFermion ``InteractionOperator`` and mapped with Jordan-Wigner,
Bravyi-Kitaev or parity (:mod:`qchemflow.quantum.encoding`); its sector matrix
(:mod:`qchemflow.quantum.sector`) can be diagonalised as a check of the mapping (the same
spectrum as CASCI).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import openfermion
from openfermion.chem.molecular_data import spinorb_from_spatial
import scipy.sparse
import scipy.sparse.linalg

from qchemflow.core.errors import InputError
from qchemflow.core.spin import spin_squared_value
from qchemflow.quantum.settings import QubitSettings
from qchemflow.quantum.encoding import MAPPINGS, encoding_for
from qchemflow.quantum.sector import (PauliTerms, Sector, build_sector, pauli_terms,
                                      require_sector_memory, sector_matrix, spin_squared_matrix)

SPIN_PENALTY_HARTREE = 1.0


def interaction_operator(h1: np.ndarray, h2: np.ndarray, core_energy: float) -> Any:
    """OpenFermion ``InteractionOperator`` from spatial integrals (chemists' notation h2)."""
    # OpenFermion's two_body[p, q, r, s] = (ps|qr) in chemists' notation.
    one_body, two_body = spinorb_from_spatial(h1, np.asarray(h2).transpose(0, 2, 3, 1))
    return openfermion.InteractionOperator(core_energy, one_body, 0.5 * two_body)


def lowest_eigenvalue(hamiltonian: scipy.sparse.csr_matrix, spin_squared: scipy.sparse.csr_matrix,
                      target_spin_squared: float) -> tuple[float, np.ndarray]:
    """Lowest eigenpair of H with the requested S^2 (penalty on (S^2 - target)^2, then checked).

    Returns:
        ``(energy, state)`` with the penalty removed from the energy.
    """
    dimension = hamiltonian.shape[0]
    deviation = spin_squared - target_spin_squared * scipy.sparse.identity(dimension, format="csr")
    penalised = (hamiltonian + SPIN_PENALTY_HARTREE * (deviation @ deviation)).tocsr()
    if dimension <= 400:
        values, vectors = np.linalg.eigh(penalised.toarray())
        state = vectors[:, 0]
    else:
        values, vectors = scipy.sparse.linalg.eigsh(penalised, k=1, which="SA", tol=1e-12,
                                                     v0=np.ones(dimension) / np.sqrt(dimension))
        state = vectors[:, 0]
    energy = float(state @ (hamiltonian @ state))
    return energy, state


@dataclass
class MappedHamiltonian:
    """The mapped Hamiltonian: its qubit operator, Pauli terms and sector (no matrix)."""

    mapping: str
    qubit_operator: Any
    terms: PauliTerms
    sector: Sector


@dataclass
class QubitHamiltonian(MappedHamiltonian):
    """The mapped Hamiltonian with its sector matrices (for the spectrum and the tests)."""

    matrix: scipy.sparse.csr_matrix
    spin_squared: scipy.sparse.csr_matrix


def map_hamiltonian(h1: np.ndarray, h2: np.ndarray, core_energy: float, n_alpha: int,
                    n_beta: int, mapping: str) -> MappedHamiltonian:
    """Map the active-space Hamiltonian to qubits and find its sector.

    Raises:
        InputError: unknown mapping.
    """
    if mapping not in MAPPINGS:
        raise InputError(f"mapping '{mapping}' is unknown; use one of {', '.join(MAPPINGS)}")
    n_qubits = 2 * h1.shape[0]
    qubit_operator = encoding_for(mapping, n_qubits).map(interaction_operator(h1, h2, core_energy))
    qubit_operator.compress(1e-14)
    return MappedHamiltonian(mapping, qubit_operator, pauli_terms(qubit_operator, n_qubits),
                             build_sector(mapping, n_qubits, n_alpha, n_beta))


def build_qubit_hamiltonian(h1: np.ndarray, h2: np.ndarray, core_energy: float, n_alpha: int,
                            n_beta: int, mapping: str, max_memory_mb: float = float("inf")
                            ) -> QubitHamiltonian:
    """Map the active-space Hamiltonian and build its sector matrix and S^2.

    Raises:
        InputError: unknown mapping.
        ResourceError: the sector matrix would not fit in ``max_memory_mb``.
    """
    mapped = map_hamiltonian(h1, h2, core_energy, n_alpha, n_beta, mapping)
    require_sector_memory(mapped.sector, mapped.terms, max_memory_mb, "qubits")
    return QubitHamiltonian(mapped.mapping, mapped.qubit_operator, mapped.terms, mapped.sector,
                            sector_matrix(mapped.terms, mapped.sector),
                            spin_squared_matrix(mapped.sector))


def qubit_hamiltonian_fields(hamiltonian: MappedHamiltonian, wall_s: float,
                             ground_state_energy: float | None) -> dict[str, Any]:
    """The ``qubit_hamiltonian.json`` fields."""
    terms = [[" ".join(f"{pauli}{qubit}" for qubit, pauli in term), float(np.real(coefficient))]
             for term, coefficient in sorted(hamiltonian.qubit_operator.terms.items())]
    return {
        "mapping": hamiltonian.mapping,
        "n_qubits": hamiltonian.sector.n_qubits,
        "n_terms": len(terms),
        "n_alpha": hamiltonian.sector.n_alpha,
        "n_beta": hamiltonian.sector.n_beta,
        "sector_dimension": hamiltonian.sector.dimension,
        "ground_state_energy": ground_state_energy,
        "terms": terms,
        "wall_s": wall_s,
    }


def timed_qubit_hamiltonian(h1: np.ndarray, h2: np.ndarray, core_energy: float, n_alpha: int,
                            n_beta: int, settings: QubitSettings,
                            max_memory_mb: float = float("inf")
                            ) -> tuple[MappedHamiltonian, dict[str, Any]]:
    """Map the Hamiltonian; with ``settings.check_spectrum`` also build its sector matrix and
    find its exact ground state (a check of the mapping: CASCI, computed by the references stage,
    is the same number). Without the check no sector matrix is built (the VQE builds its own).
    Time all of it.

    Returns:
        The Hamiltonian (a :class:`QubitHamiltonian` with matrices when checked) and the
        ``qubit_hamiltonian.json`` fields.
    """
    start = time.perf_counter()
    energy = None
    hamiltonian: MappedHamiltonian
    if settings.check_spectrum:
        checked = build_qubit_hamiltonian(h1, h2, core_energy, n_alpha, n_beta, settings.mapping,
                                          max_memory_mb)
        energy, _ = lowest_eigenvalue(checked.matrix, checked.spin_squared,
                                      spin_squared_value(n_alpha, n_beta))
        hamiltonian = checked
    else:
        hamiltonian = map_hamiltonian(h1, h2, core_energy, n_alpha, n_beta, settings.mapping)
    fields = qubit_hamiltonian_fields(hamiltonian, time.perf_counter() - start, energy)
    return hamiltonian, {**fields, "check_spectrum": settings.check_spectrum}
