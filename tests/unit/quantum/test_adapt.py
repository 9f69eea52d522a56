"""ADAPT-VQE and k-UpCCGSD."""

import numpy as np
import pytest

from qchemflow.quantum.adapt import apply_generator, operator_gates, singlet_gsd_pool
from qchemflow.quantum.ansatz import Ansatz, k_upccgsd, reference_occupation
from qchemflow.quantum.qubit_hamiltonian import build_qubit_hamiltonian
from qchemflow.quantum.simulator import SectorSimulator, excitation_pairs
from qchemflow.quantum.vqe import run_vqe

from conftest import RUN, chain_terms, hydrogen_chain, vqe_settings


def run(h1, h2, core, settings):
    n = h1.shape[0]
    return run_vqe(chain_terms(h1, h2, core), "jordan_wigner", n, n // 2, n // 2, settings, RUN)


def test_adapt_h6_reaches_fci():
    # Linear H6, H-H 1.5 A, STO-3G (12 qubits). Grimsley et al., Nat. Commun. 10, 3007 (2019):
    # ADAPT-VQE with the singlet GSD pool ends 0.023 mHa above FCI with 67 operators.
    h1, h2, core, exact = hydrogen_chain(6, 1.5)
    result = run(h1, h2, core, vqe_settings(ansatz="adapt", optimizer="BFGS",
                                           adapt_gradient_norm=1e-3))
    assert 0 <= (result["energy"] - exact) * 1000 < 0.1
    assert result["adapt_converged"] and result["pool_gradient_norms"][-1] < 1e-3
    assert len(result["operators"]) == result["n_parameters"] and 30 < result["n_parameters"] < 120


def test_pool_gradient_equals_derivative_of_the_appended_parameter():
    # Identity: <psi|[H, A]|psi> = d E / d theta of exp(theta A) appended, at theta = 0.
    h1, h2, core, _ = hydrogen_chain(4, 1.2)
    hamiltonian = build_qubit_hamiltonian(h1, h2, core, 2, 2, "jordan_wigner")
    pool = singlet_gsd_pool(4)
    base = Ansatz("adapt", 8, reference_occupation(2, 2), tuple(operator_gates(pool[3], 0)), 1)
    simulator = SectorSimulator(base, hamiltonian.sector, hamiltonian.matrix)
    state = simulator.state(np.array([0.2]))
    sigma = hamiltonian.matrix @ state
    for operator in pool[:40]:
        gates = [excitation_pairs(e, hamiltonian.sector) for e in operator_gates(operator, 0)]
        pool_gradient = 2.0 * sigma @ apply_generator(state, gates)
        extended = Ansatz("adapt", 8, base.occupied,
                          base.excitations + tuple(operator_gates(operator, 1)), 2)
        appended = SectorSimulator(extended, hamiltonian.sector, hamiltonian.matrix)
        derivative = appended.energy_and_gradient(np.array([0.2, 0.0]))[1][1]
        assert pool_gradient == pytest.approx(derivative, abs=1e-12)


def test_pool_operators_are_normalised_and_spin_adapted():
    pool = singlet_gsd_pool(3)
    for operator in pool:
        assert sum(c ** 2 for _, _, c in operator.terms) == pytest.approx(1.0)
        for creation, annihilation, _ in operator.terms:  # S_z conserved by every term
            assert sum(m % 2 for m in creation) == sum(m % 2 for m in annihilation)
    assert len({operator.label for operator in pool}) == len(pool)


def test_k_upccgsd_structure_and_accuracy():
    ansatz = k_upccgsd(4, 2, 2, 2)
    assert ansatz.n_parameters == 2 * (6 + 6)  # per layer: 6 pair doubles, 6 singles
    h1, h2, core, exact = hydrogen_chain(4, 1.0)
    result = run(h1, h2, core, vqe_settings(ansatz="k-upccgsd", layers=2, optimizer="BFGS"))
    assert abs(result["energy"] - exact) * 1000 < 1.6


def test_qubit_adapt_h4_reaches_fci_with_few_cnots():
    # qubit-ADAPT (Tang et al., PRX Quantum 2, 020310 (2021)) on all 2^8 states of linear H4.
    h1, h2, core, exact = hydrogen_chain(4, 1.2)
    qubit = run(h1, h2, core, vqe_settings(ansatz="adapt", adapt_pool="qubit", optimizer="BFGS"))
    fermionic = run(h1, h2, core, vqe_settings(ansatz="adapt", optimizer="BFGS"))
    assert 0 <= (qubit["energy"] - exact) * 1000 < 0.01
    assert qubit["adapt_converged"] and qubit["sector_dimension"] == 256
    assert all(label.count("Y") % 2 == 1 for label in qubit["operators"])
    assert qubit["circuit"]["n_two_qubit_gates"] < fermionic["circuit"]["n_two_qubit_gates"]


def test_pauli_rotation_gate_and_pairs_match_the_exponential():
    import cirq
    import openfermion
    import scipy.linalg

    from qchemflow.quantum.circuits import PauliRotationGate
    from qchemflow.quantum.sector import full_space
    from qchemflow.quantum.simulator import pauli_rotation_pairs

    string = ((0, "Y"), (1, "X"), (3, "X"))
    gate = PauliRotationGate(string, 0.41)
    qubits = cirq.LineQubit.range(gate.span)
    decomposed = cirq.Circuit(cirq.decompose_once(gate.on(*qubits))).unitary(qubit_order=qubits)
    pauli = openfermion.get_sparse_operator(openfermion.QubitOperator(string), 4).toarray()
    expected = scipy.linalg.expm(0.41j * pauli)
    np.testing.assert_allclose(cirq.unitary(gate), expected, atol=1e-12)
    np.testing.assert_allclose(decomposed, expected, atol=1e-12)
    sector = full_space(4)
    state = np.random.default_rng(2).normal(size=16)
    rotated = state.copy()
    SectorSimulator.rotate(rotated, pauli_rotation_pairs(string, sector, 0), 0.41)
    full = np.zeros(16, dtype=complex)
    full[sector.qubit_indices] = state
    np.testing.assert_allclose((expected @ full)[sector.qubit_indices], rotated, atol=1e-12)
