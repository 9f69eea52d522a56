"""How the VQE holds its Hamiltonian: the choice between the explicit sector matrix and the
matrix-free product, its refusals, and the same VQE either way."""

import dataclasses

import pytest

from conftest import RUN, vqe_settings
from qchemflow.core.errors import InputError, ResourceError
from qchemflow.core.memory import process_memory_mb
from qchemflow.quantum import strings
from qchemflow.quantum.ansatz import build_ansatz, string_pair_count
from qchemflow.quantum.qubit_hamiltonian import map_hamiltonian
from qchemflow.quantum.representation import choose_representation, sector_problem
from qchemflow.quantum.vqe import run_vqe


def test_pair_counts_are_the_gates_sizes(chain):
    for electrons in [(3, 3), (4, 2), (2, 3)]:
        mapped = map_hamiltonian(*chain, *electrons, "jordan_wigner")
        layout = strings.string_layout(mapped.sector)
        ansatz = build_ansatz(vqe_settings(ansatz="k-upccgsd", layers=1), 6, *electrons) \
            if electrons[0] == electrons[1] else build_ansatz(vqe_settings(), 6, *electrons)
        for excitation in ansatz.excitations:
            gate = strings.string_gate(excitation, layout)
            assert string_pair_count(excitation, 6, *electrons) == \
                gate.alpha.source.size + gate.beta.source.size


def test_representation_choice_and_refusals(chain):
    assert choose_representation("auto", 100, True) == "explicit"
    assert choose_representation("auto", 100, False) == "matrix_free"
    assert choose_representation("matrix_free", 100, True) == "matrix_free"
    assert choose_representation("auto", 10**6, True, on_strings=False) == "explicit"
    with pytest.raises(InputError, match="vqe.hamiltonian 'dense' is unknown"):
        choose_representation("dense", 100, True)
    mapped = map_hamiltonian(*chain, 3, 3, "jordan_wigner")
    with pytest.raises(InputError, match="matrix_free needs a number-conserving ansatz"):
        sector_problem(mapped.terms, mapped.sector, "matrix_free", False, None, 0, 1, 4000)
    # 1 MB left: the explicit matrix (~4 MB) is refused with its estimate, auto goes matrix-free
    # (0.07 MB).
    limit = process_memory_mb() + 1.0
    with pytest.raises(ResourceError, match="sector Hamiltonian"):
        sector_problem(mapped.terms, mapped.sector, "explicit", True, lambda: chain, 0, 1, limit)
    chosen = sector_problem(mapped.terms, mapped.sector, "auto", True, lambda: chain, 0, 1, limit)
    assert chosen.representation == "matrix_free"


def test_vqe_is_the_same_with_either_representation(chain):
    h1, h2, core = chain
    mapped = map_hamiltonian(h1, h2, core, 3, 3, "jordan_wigner")
    records = {setting: run_vqe(mapped.terms, "jordan_wigner", 6, 3, 3,
                                vqe_settings(hamiltonian=setting), RUN, None, lambda: chain)
               for setting in ("explicit", "matrix_free")}
    explicit, free = records["explicit"], records["matrix_free"]
    assert free["hamiltonian"] == {"setting": "matrix_free", "representation": "matrix_free",
                                   "simulator": "ci_strings", "threads": 1}
    assert explicit["hamiltonian"]["representation"] == "explicit"
    assert explicit["converged"] and free["converged"]
    assert abs(explicit["energy"] - free["energy"]) < 1e-9
    assert abs(explicit["s2"] - free["s2"]) < 1e-9
    assert dataclasses.asdict(vqe_settings())["hamiltonian"] == "auto"
