"""Qubit tapering: the published qubit counts, the CASCI energy, and tapered circuits."""

import cirq
import numpy as np
import openfermion
import pytest
import scipy.sparse.linalg
from pyscf import ao2mo, fci, gto, scf

from qchemflow.quantum.ansatz import uccsd
from qchemflow.quantum.circuits import ansatz_circuit
from qchemflow.quantum.encoding import MAPPINGS, encoding_for
from qchemflow.quantum.qubit_hamiltonian import interaction_operator
from qchemflow.quantum.sector import full_space_expectation, pauli_terms
from qchemflow.quantum.tapering import (find_tapering, gf2_kernel, tapered_circuit)

# Symmetric geometries (Å); PySCF with symmetry on gives symmetry-adapted orbitals, so the
# point-group reflections are Z strings. Qubit counts after tapering with every orbital active:
# Bravyi et al., arXiv:1701.08213, and Setia et al., JCTC 16, 6091 (2020): H2 4 -> 1,
# LiH 12 -> 8, H2O 14 -> 10 (two electron-number parities and two C2v reflections).
MOLECULES = {
    "H2": ("H 0 0 0; H 0 0 0.735", 1),
    "LiH": ("Li 0 0 0; H 0 0 1.595", 8),
    "H2O": ("O 0 0 0.1173; H 0 0.7572 -0.4692; H 0 -0.7572 -0.4692", 10),
}


def all_orbital_hamiltonian(atom: str):
    molecule = gto.M(atom=atom, basis="sto-3g", symmetry=True, verbose=0)
    mean_field = scf.RHF(molecule).run()
    h1 = mean_field.mo_coeff.T @ mean_field.get_hcore() @ mean_field.mo_coeff
    n_orbitals = h1.shape[0]
    h2 = ao2mo.restore(1, ao2mo.kernel(molecule, mean_field.mo_coeff), n_orbitals)
    casci = fci.FCI(mean_field).kernel()[0]  # FCI = CASCI with every orbital active
    return h1, h2, molecule.energy_nuc(), molecule.nelectron // 2, casci


@pytest.fixture(scope="module", params=list(MOLECULES))
def molecule(request):
    atom, expected_qubits = MOLECULES[request.param]
    return request.param, expected_qubits, all_orbital_hamiltonian(atom)


def reference_qubits(mapping: str, n_qubits: int, n_pairs: int) -> tuple[int, ...]:
    return encoding_for(mapping, n_qubits).reference_qubits(tuple(range(2 * n_pairs)))


@pytest.mark.parametrize("mapping", MAPPINGS)
def test_tapering_gives_the_published_qubit_counts_and_the_casci_energy(molecule, mapping):
    name, expected_qubits, (h1, h2, core, n_pairs, casci) = molecule
    n_qubits = 2 * h1.shape[0]
    encoding = encoding_for(mapping, n_qubits)
    operator = encoding.map(interaction_operator(h1, h2, core))
    operator.compress(1e-14)
    reference = reference_qubits(mapping, n_qubits, n_pairs)
    tapering = find_tapering(pauli_terms(operator, n_qubits), reference)
    assert tapering.tapered_qubits == expected_qubits, (name, tapering.labels())
    tapered = tapering.taper(operator)
    number = tapering.taper(encoding.map(openfermion.number_operator(n_qubits)))
    size = tapering.tapered_qubits
    hamiltonian = openfermion.get_sparse_operator(tapered, n_qubits=size)
    penalty = openfermion.get_sparse_operator(number - 2 * n_pairs, n_qubits=size)
    penalised = (hamiltonian + penalty @ penalty).real
    if size <= 8:
        lowest = np.linalg.eigvalsh(penalised.toarray())[0]
    else:
        lowest = scipy.sparse.linalg.eigsh(penalised, k=1, which="SA", tol=1e-12)[0][0]
    assert lowest == pytest.approx(casci, abs=1e-8)  # reference: PySCF FCI
    # The tapered reference is the Hartree-Fock determinant: same energy as untapered.
    state = np.zeros(1 << size, dtype=complex)
    state[sum(1 << (size - 1 - q) for q in tapering.tapered_reference(reference))] = 1
    full = np.zeros(1 << n_qubits, dtype=complex)
    full[sum(1 << (n_qubits - 1 - q) for q in reference)] = 1
    assert full_space_expectation(pauli_terms(tapered, size), state) == pytest.approx(
        full_space_expectation(pauli_terms(operator, n_qubits), full), abs=1e-10)


@pytest.mark.parametrize("mapping", MAPPINGS)
def test_tapered_circuit_gives_the_untapered_energy(mapping):
    # LiH all orbitals active: the UCCSD circuit with random angles on the gates that keep the
    # symmetries (zero on those that break one, as in any symmetric state), simulated by Cirq on
    # 12 and on 8 qubits, measured on the full and on the tapered Hamiltonian.
    h1, h2, core, n_pairs, _ = all_orbital_hamiltonian(MOLECULES["LiH"][0])
    n_qubits = 2 * h1.shape[0]
    operator = encoding_for(mapping, n_qubits).map(interaction_operator(h1, h2, core))
    operator.compress(1e-14)
    reference = reference_qubits(mapping, n_qubits, n_pairs)
    tapering = find_tapering(pauli_terms(operator, n_qubits), reference)
    ansatz = uccsd(h1.shape[0], n_pairs, n_pairs)
    circuit = ansatz_circuit(ansatz, mapping)
    angles = np.random.default_rng(3).normal(0, 0.2, ansatz.n_parameters)
    for operation in circuit.all_operations():
        gate = operation.gate
        if hasattr(gate, "rotations") and any(tapering.anticommutes(s) for s, _ in gate.rotations):
            angles[gate.excitation.parameter] = 0.0
    resolved = cirq.resolve_parameters(circuit, {f"theta_{k}": a for k, a in enumerate(angles)})
    simulator = cirq.Simulator(dtype=np.complex128)
    full_state = simulator.simulate(cirq.Circuit(cirq.decompose(resolved)),
                                    qubit_order=cirq.LineQubit.range(n_qubits)).final_state_vector
    expected = full_space_expectation(pauli_terms(operator, n_qubits), full_state)
    small = tapered_circuit(resolved, tapering, reference)
    assert len(small.all_qubits()) <= tapering.tapered_qubits == 8
    tapered_state = simulator.simulate(
        cirq.Circuit(cirq.decompose(small)),
        qubit_order=cirq.LineQubit.range(tapering.tapered_qubits)).final_state_vector
    tapered_terms = pauli_terms(tapering.taper(operator), tapering.tapered_qubits)
    assert full_space_expectation(tapered_terms, tapered_state) == pytest.approx(expected,
                                                                                abs=1e-8)
    hartree_fock = np.zeros(1 << n_qubits, dtype=complex)
    hartree_fock[sum(1 << (n_qubits - 1 - q) for q in reference)] = 1
    # The random state is far from the reference, so the check is not a trivial one.
    assert abs(expected - full_space_expectation(pauli_terms(operator, n_qubits),
                                                 hartree_fock)) > 1e-3


def test_a_symmetry_breaking_angle_is_refused():
    h1, h2, core, n_pairs, _ = all_orbital_hamiltonian(MOLECULES["H2"][0])
    operator = encoding_for("jordan_wigner", 4).map(interaction_operator(h1, h2, core))
    operator.compress(1e-14)
    reference = (0, 1)
    tapering = find_tapering(pauli_terms(operator, 4), reference)
    # A single excitation 0 -> 2 (bonding sigma_g to antibonding sigma_u) changes the irrep.
    from qchemflow.quantum.ansatz import Ansatz, Excitation
    circuit = ansatz_circuit(Ansatz("test", 4, (0, 1), (Excitation((2,), (0,), 0, 1.0),), 1))
    with pytest.raises(ValueError, match="breaks a symmetry"):
        tapered_circuit(cirq.resolve_parameters(circuit, {"theta_0": 0.1}), tapering, reference)
    kept = tapered_circuit(cirq.resolve_parameters(circuit, {"theta_0": 0.0}), tapering,
                           reference)
    assert all(operation.gate == cirq.X for operation in kept.all_operations())


def test_kernel_is_the_commutant_of_the_x_masks():
    rng = np.random.default_rng(0)
    matrix = rng.integers(0, 2, size=(5, 9)).astype(np.uint8)
    kernel = gf2_kernel(matrix)
    assert kernel.shape[0] == 9 - np.linalg.matrix_rank(matrix) or kernel.shape[0] >= 4
    assert not np.any((matrix.astype(int) @ kernel.T.astype(int)) % 2)
    pivots = [int(np.nonzero(row)[0][0]) for row in kernel]
    assert all(kernel[other, pivot] == 0 for index, pivot in enumerate(pivots)
               for other in range(len(kernel)) if other != index)
