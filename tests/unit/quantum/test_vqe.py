"""VQE end to end through the stage files: H2 equals FCI, open shells equal spin-fixed CASCI."""

import os

import pytest

from qchemflow.core.units import CHEMICAL_ACCURACY_MHA, error_millihartree

from conftest import run_quantum_stages, run_stages


@pytest.fixture(scope="module")
def hydrogen(tmp_path_factory):
    folder = tmp_path_factory.mktemp("h2")
    (folder / "h2.xyz").write_text("2\nH2\nH 0 0 0\nH 0 0 0.7414\n")
    classical = run_stages(folder, "h2", xyz=str(folder / "h2.xyz"))
    return folder, classical


def test_hydrogen_vqe_equals_fci(hydrogen):
    import openfermion

    folder, classical = hydrogen
    records = run_quantum_stages(folder, "h2", layers=1, gradient_tolerance=1e-8)
    vqe = records["vqe"]
    # OpenFermion's shipped H2/STO-3G at 0.7414 A (computed with Psi4): FCI -1.137270174625328.
    data = openfermion.MolecularData(filename=os.path.join(
        os.path.dirname(openfermion.__file__), "testing", "data", "H2_sto-3g_singlet_0.7414"))
    assert vqe["energy"] == pytest.approx(data.fci_energy, abs=1e-6)
    assert vqe["energy"] == pytest.approx(classical["references"]["energies"]["fci"], abs=1e-8)
    assert vqe["converged"] and vqe["s2"] == pytest.approx(0.0, abs=1e-8)
    assert vqe["circuit"]["n_qubits"] == 4 and vqe["circuit"]["n_two_qubit_gates"] > 0
    assert vqe["energy_evaluations"] >= vqe["iterations"] and vqe["gradient_evaluations"] > 0
    assert records["qubits"]["ground_state_energy"] == pytest.approx(data.fci_energy, abs=1e-6)


@pytest.mark.parametrize("simulator", ["cirq", "qsim"])
def test_final_circuit_cross_check(hydrogen, simulator):
    folder, _ = hydrogen
    vqe = run_quantum_stages(folder, "h2", layers=1, simulator=simulator)["vqe"]
    tolerance = 1e-10 if simulator == "cirq" else 1e-5  # qsim runs in single precision
    assert abs(vqe["check"]["difference"]) < tolerance


@pytest.mark.parametrize("multiplicity, xyz, active", [
    (2, "2\nOH\nO 0 0 0\nH 0 0 0.9697\n", (5, 4)),
    (3, "2\nO2\nO 0 0 0\nO 0 0 1.2075\n", (6, 4)),
])
@pytest.mark.parametrize("mapping", ["jordan_wigner", "bravyi_kitaev"])
def test_open_shell_vqe_reaches_spin_fixed_casci(tmp_path, multiplicity, xyz, active, mapping):
    (tmp_path / "m.xyz").write_text(xyz)
    classical = run_stages(tmp_path, "m", xyz=str(tmp_path / "m.xyz"),
                           multiplicity=multiplicity, frozen_core=True,
                           active_electrons=active[0], active_orbitals=active[1],
                           methods=("hf", "casci"))
    vqe = run_quantum_stages(tmp_path, "m", mapping=mapping)["vqe"]
    casci = classical["references"]["methods"]["casci"]
    s = (multiplicity - 1) / 2
    assert casci["s2"] == pytest.approx(s * (s + 1), abs=1e-6)
    assert abs(error_millihartree(vqe["energy"], casci["energy"])) < CHEMICAL_ACCURACY_MHA
    assert vqe["energy"] >= casci["energy"] - 1e-9  # variational
    assert vqe["s2"] == pytest.approx(s * (s + 1), abs=1e-3)


def test_failed_upstream_is_passed_on(tmp_path):
    run_stages(tmp_path, "bad", smiles="O", basis="6-31g", max_cycles=1)
    records = run_quantum_stages(tmp_path, "bad")
    assert records["vqe"]["status"] == "failed" and records["vqe"]["failed_stage"] == "scf"


def test_memory_guard_refuses_before_allocating():
    import openfermion

    from qchemflow.core.errors import ResourceError
    from qchemflow.quantum.sector import build_sector, pauli_terms, require_sector_memory

    terms = pauli_terms(openfermion.QubitOperator("X0 X1 Y2 Y3") + openfermion.QubitOperator("Z0"),
                        20)
    sector = build_sector("jordan_wigner", 20, 5, 5)  # 63504 states
    with pytest.raises(ResourceError, match="raise mem_mb"):
        require_sector_memory(sector, terms, 1, "vqe")
    small = build_sector("jordan_wigner", 4, 1, 1)
    assert require_sector_memory(small, terms, 1e5, "vqe") < 1


@pytest.mark.parametrize("settings", [{"ansatz": "adapt"}, {"ansatz": "adapt", "adapt_pool": "qubit"},
                                      {"ansatz": "k-upccgsd", "layers": 2}])
def test_other_ansatze_through_the_stage_files(hydrogen, settings):
    folder, classical = hydrogen
    vqe = run_quantum_stages(folder, "h2", **settings)["vqe"]
    assert vqe["status"] == "ok" and vqe["ansatz"] == settings["ansatz"]
    assert vqe["energy"] == pytest.approx(classical["references"]["energies"]["fci"], abs=1e-6)
    if settings["ansatz"] == "adapt":
        assert vqe["operators"] and vqe["pool"] == settings.get("adapt_pool", "fermionic")


def test_progress_lines_reach_the_job_log(caplog):
    # H4 (8 qubits): L-BFGS-B takes tens of iterations; a line every 10 (the seconds limit is
    # not reached here), each with the energy, which falls to the converged value.
    import logging
    import re

    from qchemflow.quantum.vqe import PROGRESS_EVERY_ITERATIONS, run_vqe

    from conftest import RUN, chain_terms, hydrogen_chain, vqe_settings

    h1, h2, core, _ = hydrogen_chain(4, 1.5)
    with caplog.at_level(logging.INFO, logger="qchemflow.quantum.vqe"):
        result = run_vqe(chain_terms(h1, h2, core), "jordan_wigner", 4, 2, 2, vqe_settings(), RUN)
    lines = [re.match(r"iteration (\d+): energy (\S+) Ha", record.getMessage())
             for record in caplog.records if record.name == "qchemflow.quantum.vqe"]
    iterations = [int(line.group(1)) for line in lines if line]
    energies = [float(line.group(2)) for line in lines if line]
    assert iterations == list(range(PROGRESS_EVERY_ITERATIONS, result["iterations"] + 1,
                                    PROGRESS_EVERY_ITERATIONS))
    assert energies == sorted(energies, reverse=True) and energies[-1] >= result["energy"] - 1e-12
