"""Qubit Hamiltonians: spectra equal CASCI (exact identity), sector matrices equal OpenFermion's."""

import numpy as np
import pytest

from qchemflow.chemistry.active_space import read_active_hamiltonian
from qchemflow.quantum.qubit_hamiltonian import (build_qubit_hamiltonian, interaction_operator,
                                                 timed_qubit_hamiltonian)
from qchemflow.quantum.settings import QubitSettings
from qchemflow.quantum.sector import build_sector, pauli_terms, pauli_terms_from_json, sector_matrix

from conftest import DATA, run_stages


def hamiltonian_inputs(records, folder):
    data = read_active_hamiltonian(folder / "hamiltonian.fcidump")
    active = records["active_space"]
    return data.h1, data.h2, data.core_energy, active["n_alpha"], active["n_beta"]


@pytest.fixture(scope="module")
def water_8_qubits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("w")
    records = run_stages(folder, "w", xyz=str(DATA / "h2o_crawford.xyz"), frozen_core=True,
                         active_electrons=4, active_orbitals=4, methods=("casci",))
    return records, folder / "w"


@pytest.fixture(scope="module")
def hydroxyl_doublet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oh")
    (folder / "oh.xyz").write_text("2\nOH\nO 0 0 0\nH 0 0 0.9697\n")
    records = run_stages(folder, "oh", xyz=str(folder / "oh.xyz"), multiplicity=2,
                         frozen_core=True, active_electrons=5, active_orbitals=4,
                         methods=("casci",))
    return records, folder / "oh"


@pytest.mark.parametrize("mapping", ["jordan_wigner", "bravyi_kitaev"])
@pytest.mark.parametrize("system", ["water_8_qubits", "hydroxyl_doublet"])
def test_sector_ground_state_equals_casci(request, system, mapping):
    # Exact identity: the qubit Hamiltonian's lowest eigenvalue with the molecule's N, S_z and S^2
    # is the CASCI energy of the same FCIDUMP (PySCF's spin-fixed FCI).
    records, folder = request.getfixturevalue(system)
    _, fields = timed_qubit_hamiltonian(*hamiltonian_inputs(records, folder),
                                        QubitSettings(mapping, True))
    casci = records["references"]["energies"]["casci"]
    assert fields["ground_state_energy"] == pytest.approx(casci, abs=1e-8)
    assert fields["mapping"] == mapping and fields["n_qubits"] == 8


def test_sector_matrix_equals_openfermion_sparse_operator(water_8_qubits):
    # The fast sector construction equals OpenFermion's full sparse operator restricted to the
    # sector, for both mappings.
    import openfermion

    records, folder = water_8_qubits
    h1, h2, core, n_alpha, n_beta = hamiltonian_inputs(records, folder)
    for mapping in ("jordan_wigner", "bravyi_kitaev"):
        hamiltonian = build_qubit_hamiltonian(h1, h2, core, n_alpha, n_beta, mapping)
        full = openfermion.get_sparse_operator(hamiltonian.qubit_operator, n_qubits=8)
        indices = hamiltonian.sector.qubit_indices
        expected = full[indices][:, indices].toarray()
        assert np.abs(hamiltonian.matrix.toarray() - expected).max() < 1e-12
        # Nothing leaks out of the sector: H maps sector states only onto sector states.
        leak = full[:, indices].toarray()
        leak[indices] = 0
        assert np.abs(leak).max() < 1e-12


def test_json_terms_round_trip(water_8_qubits):
    records, folder = water_8_qubits
    h1, h2, core, n_alpha, n_beta = hamiltonian_inputs(records, folder)
    hamiltonian, fields = timed_qubit_hamiltonian(h1, h2, core, n_alpha, n_beta,
                                                  QubitSettings("jordan_wigner", True))
    terms = pauli_terms_from_json(fields["terms"], 8)
    assert fields["n_terms"] == len(hamiltonian.qubit_operator.terms)
    difference = sector_matrix(terms, hamiltonian.sector) - hamiltonian.matrix
    assert abs(difference).max() == 0.0  # same terms, same order, same sums: bit for bit


def test_interaction_operator_energy_of_hartree_fock(water_8_qubits):
    # The HF determinant's energy in the qubit Hamiltonian equals the SCF energy (identity).
    records, folder = water_8_qubits
    h1, h2, core, n_alpha, n_beta = hamiltonian_inputs(records, folder)
    hamiltonian = build_qubit_hamiltonian(h1, h2, core, n_alpha, n_beta, "jordan_wigner")
    reference = sum(1 << mode for mode in (0, 1, 2, 3))
    position = int(np.searchsorted(hamiltonian.sector.occupations, reference))
    assert hamiltonian.matrix[position, position] == pytest.approx(records["scf"]["energy"],
                                                                   abs=1e-9)
    assert interaction_operator(h1, h2, core).constant == core


def test_sector_dimension_and_unknown_mapping():
    sector = build_sector("jordan_wigner", 12, 2, 2)
    assert sector.dimension == 15 * 15
    from qchemflow.core.errors import InputError

    with pytest.raises(InputError, match="mapping 'superfast' is unknown"):
        build_qubit_hamiltonian(np.eye(2), np.zeros((2, 2, 2, 2)), 0.0, 1, 1, "superfast")


def test_pauli_terms_bit_order():
    import openfermion

    terms = pauli_terms(openfermion.QubitOperator("X0 Y2", 0.5), 3)
    assert terms.x_masks[0] == 0b101 and terms.z_masks[0] == 0b001 and terms.y_counts[0] == 1


def test_without_the_check_the_same_record_but_no_energy(water_8_qubits):
    # The check only adds the sector's ground state: terms, counts and sector are the same, and
    # no sector matrix is built (the VQE builds its own).
    records, folder = water_8_qubits
    inputs = hamiltonian_inputs(records, folder)
    checked, with_check = timed_qubit_hamiltonian(*inputs, QubitSettings("jordan_wigner", True))
    mapped, without = timed_qubit_hamiltonian(*inputs, QubitSettings("jordan_wigner", False))
    assert without["ground_state_energy"] is None and not hasattr(mapped, "matrix")
    assert with_check["ground_state_energy"] == pytest.approx(
        records["references"]["energies"]["casci"], abs=1e-8)
    ignored = ("ground_state_energy", "check_spectrum", "wall_s")
    assert ({key: value for key, value in with_check.items() if key not in ignored}
            == {key: value for key, value in without.items() if key not in ignored})
