"""Sample-based quantum diagonalisation, against PySCF's CASCI (FCI in the active space), the
project's Jordan-Wigner sector matrix, and the modified ReLU weights of qiskit-addon-sqd."""

import dataclasses
import json

import numpy as np
import pytest
from pyscf import ao2mo, fci, gto, lib, mcscf, scf
from pyscf.fci import cistring

from qchemflow.quantum.qubit_hamiltonian import build_qubit_hamiltonian
from qchemflow.quantum.sector import occupations_with
from qchemflow.quantum.settings import SQDSettings
from qchemflow.quantum.sqd import (flip_weights, occupations_from_strings,
                                   recover_configurations, recover_spin_strings,
                                   sample_based_diagonalisation, solve_subspace, spin_strings,
                                   subsample)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """PySCF's OpenMP threads wait at each barrier for the others; on shared cores that makes
    the small selected-CI products up to 30 times slower. One thread keeps the runtime steady
    (the results do not depend on it: the orbitals are symmetry-adapted, see active_space)."""
    with lib.with_omp_threads(1):
        yield


def active_space(atoms, basis, n_orbitals, n_electrons):
    """h1, h2 (full 4-index), core energy of a PySCF CASCI active space. Symmetry-adapted
    orbitals fix N2's degenerate pi pairs, which a truncated subspace would otherwise see rotated
    by round-off (and so differ between thread counts)."""
    mean_field = scf.RHF(gto.M(atom=atoms, basis=basis, symmetry=True, verbose=0)).run()
    casci = mcscf.CASCI(mean_field, n_orbitals, n_electrons)
    h1, core_energy = casci.get_h1eff()
    return h1, ao2mo.restore(1, casci.get_h2eff(), n_orbitals), float(core_energy)


def casci(h1, h2, core_energy, n_orbitals, nelec):
    """PySCF's FCI in the active space (CASCI): total energy and CI vector."""
    solver = fci.direct_spin1.FCI()
    solver.conv_tol = 1e-12
    energy, vector = solver.kernel(h1, h2, n_orbitals, nelec)
    return energy + core_energy, vector


@pytest.fixture(scope="module")
def nitrogen():
    """N2/STO-3G at 1.1 Angstrom, (10e, 8o): 56 strings per spin, 3136 determinants."""
    h1, h2, core_energy = active_space("N 0 0 0; N 0 0 1.1", "sto-3g", 8, 10)
    energy, vector = casci(h1, h2, core_energy, 8, (5, 5))
    return h1, h2, core_energy, energy, vector


@pytest.fixture(scope="module")
def noisy_samples(nitrogen):
    """3000 shots of the exact ground state's |c|^2 plus 1000 of random 16-bit strings with the
    wrong electron numbers (so exactly 3/4 of the shots are valid)."""
    *_, vector = nitrogen
    rng = np.random.default_rng(2024)
    strings = cistring.make_strings(range(8), 5)
    probabilities = vector.ravel() ** 2
    counts = rng.multinomial(3000, probabilities / probabilities.sum())
    drawn = np.nonzero(counts)[0]
    rows, columns = np.divmod(drawn, strings.size)
    # Written out here (bit 2i alpha, 2i+1 beta) rather than through the module under test.
    good = np.array([sum(((int(alpha) >> i) & 1) << (2 * i) | ((int(beta) >> i) & 1) << (2 * i + 1)
                         for i in range(8))
                     for alpha, beta in zip(strings[rows], strings[columns])], dtype=np.int64)
    noise = rng.integers(0, 1 << 16, 3000)
    alpha_counts = sum((noise >> (2 * i)) & 1 for i in range(8))
    beta_counts = sum((noise >> (2 * i + 1)) & 1 for i in range(8))
    noise = noise[(alpha_counts != 5) | (beta_counts != 5)][:1000]
    assert noise.size == 1000
    return (np.concatenate([good, noise]),
            np.concatenate([counts[drawn], np.ones(noise.size, dtype=np.int64)]))


def settings(**changes):
    values = dict(shots=4000, iterations=4, batches=2, samples_per_batch=40,
                  symmetrize_spin=True, energy_tolerance=1e-8)
    values.update(changes)
    return SQDSettings(**values)


def test_spin_strings_follow_the_mode_convention():
    # Mode 2i is orbital i alpha, 2i+1 orbital i beta (sector.occupations_with); PySCF's
    # strings have bit i = orbital i occupied.
    occupations = occupations_with(3, 2, 1)
    alpha, beta = spin_strings(occupations, 3)
    assert set(np.bitwise_count(alpha)) == {2} and set(np.bitwise_count(beta)) == {1}
    assert [int(part[0]) for part in spin_strings(np.array([0b100001]), 3)] == [0b001, 0b100]
    assert np.array_equal(occupations_from_strings(alpha, beta, 3), occupations)


@pytest.mark.parametrize("symmetrize", [True, False])
def test_samples_covering_every_string_give_casci(nitrogen, symmetrize):
    # Source of truth: PySCF CASCI (direct_spin1 FCI) of the same integrals. Every determinant
    # sampled once covers all 56 alpha and 56 beta strings: the subspace is the CASCI space.
    h1, h2, core_energy, energy, _ = nitrogen
    occupations = occupations_with(8, 5, 5)
    result = sample_based_diagonalisation(occupations, np.ones(occupations.size, dtype=int), h1,
                                          h2, core_energy, 8, 5, 5,
                                          settings(samples_per_batch=5000,
                                                   symmetrize_spin=symmetrize), seed=1)
    assert result.energy == pytest.approx(energy, abs=1e-8)
    assert abs(result.s2) < 1e-6
    assert result.subspace_dimension == result.full_dimension == 3136
    assert (result.alpha_strings, result.beta_strings) == (56, 56)
    assert result.shots == 3136 and result.valid_fraction == 1.0
    # Occupations interleaved (2i alpha, 2i+1 beta): a singlet's are equal pairs, summing to 10.
    pairs = np.array(result.occupations).reshape(8, 2)
    assert np.allclose(pairs[:, 0], pairs[:, 1], atol=1e-6) and pairs.sum() == pytest.approx(10)


@pytest.mark.parametrize("nelec", [(2, 1), (2, 0)])
def test_open_shells_covering_every_string_give_casci(nelec):
    # Source of truth: PySCF FCI and its spin_square0. (2, 0) has no beta electrons, which
    # PySCF's selected CI cannot take (it divides by each spin's count); the module falls back.
    h1, h2, core_energy = active_space("Li 0 0 0; H 0 0 1.6", "sto-3g", 5, 2)
    energy, vector = casci(h1, h2, core_energy, 5, nelec)
    occupations = occupations_with(5, *nelec)
    result = sample_based_diagonalisation(occupations, np.ones(occupations.size, dtype=int), h1,
                                          h2, core_energy, 5, *nelec,
                                          settings(samples_per_batch=100), seed=3)
    assert result.energy == pytest.approx(energy, abs=1e-8)
    assert result.s2 == pytest.approx(fci.spin_op.spin_square0(vector, 5, nelec)[0], abs=1e-6)
    assert result.valid_fraction == 1.0 and not result.spin_symmetrized


def test_subspace_energy_is_the_lowest_eigenvalue_of_the_projected_jordan_wigner_matrix():
    # Source of truth: the project's Jordan-Wigner sector matrix (OpenFermion) restricted to the
    # determinants alpha strings x beta strings, diagonalised densely. Without the spin penalty
    # the subspace ground state is its lowest eigenvalue; with it, the energy can only be higher.
    h1, h2, core_energy = active_space("Li 0 0 0; H 0 0 1.6", "sto-3g", 5, 2)
    qubit = build_qubit_hamiltonian(h1, h2, core_energy, 2, 1, "jordan_wigner")
    alpha, beta = np.array([0b00011, 0b00101, 0b01010, 0b10001]), np.array([0b00001, 0b00100])
    wanted = occupations_from_strings(alpha[:, np.newaxis], beta[np.newaxis, :], 5).ravel()
    rows = np.searchsorted(qubit.sector.occupations, wanted)
    assert np.array_equal(qubit.sector.occupations[rows], wanted)
    exact = np.linalg.eigvalsh(qubit.matrix.toarray()[np.ix_(rows, rows)])[0]
    plain = solve_subspace(h1, h2, core_energy, 5, 2, 1, alpha, beta, spin_penalty=0.0)
    assert plain.energy == pytest.approx(exact, abs=1e-9) and plain.dimension == 8
    penalised = solve_subspace(h1, h2, core_energy, 5, 2, 1, alpha, beta)
    assert penalised.energy >= exact - 1e-10
    assert abs(penalised.s2 - 0.75) <= abs(plain.s2 - 0.75) + 1e-9


def test_noisy_samples_give_a_variational_energy_that_iterations_improve(nitrogen, noisy_samples):
    # Source of truth: PySCF CASCI. Samples of the exact ground state plus 1/4 of the shots with
    # wrong electron numbers; 40 configurations per batch keep the subspace well short of the
    # 3136 determinants, so the energy is a strict upper bound that recovery must improve.
    h1, h2, core_energy, energy, _ = nitrogen
    occupations, counts = noisy_samples
    result = sample_based_diagonalisation(occupations, counts, h1, h2, core_energy, 8, 5, 5,
                                          settings(), seed=11)
    energies = [step.energy for step in result.iterations]
    assert result.shots == 4000 and result.valid_fraction == pytest.approx(0.75)
    assert all(value >= energy - 1e-9 for value in energies)
    assert result.energy == min(energies) and result.energy - energy < 2e-3
    # Carrying the weighted strings over makes each round's space nearly contain the last one's:
    # here every round improves (not guaranteed in general: strings under 1e-4 are dropped).
    assert all(later <= earlier + 1e-9 for earlier, later in zip(energies, energies[1:]))
    assert energies[-1] < energies[0] - 1e-3
    assert result.subspace_dimension < result.full_dimension == 3136
    assert abs(result.s2) < 1e-2
    # The first round only post-selects; every later one recovers all the wrong-count shots.
    assert result.iterations[0].recovered_fraction == 0.0
    assert all(step.recovered_fraction == pytest.approx(0.25) for step in result.iterations[1:])
    assert all(step.converged for step in result.iterations)
    json.dumps(dataclasses.asdict(result))  # the noise stage writes it as JSON


def test_no_valid_sample_starts_from_the_hartree_fock_occupations(nitrogen, noisy_samples):
    # Only the wrong-count shots: the first round recovers them from the Hartree-Fock
    # occupations; the energy is still variational (PySCF CASCI).
    h1, h2, core_energy, energy, _ = nitrogen
    occupations, counts = noisy_samples
    result = sample_based_diagonalisation(occupations[-1000:], counts[-1000:], h1, h2,
                                          core_energy, 8, 5, 5, settings(iterations=2), seed=5)
    assert result.hartree_fock_start and result.valid_fraction == 0.0
    assert result.iterations[0].recovered_fraction == 1.0
    assert energy - 1e-9 <= result.energy < energy + 2e-2


def test_the_subspace_never_exceeds_the_memory_bound(nitrogen, noisy_samples):
    # Each spin keeps at most isqrt(max_dimension) strings; the energy stays variational.
    h1, h2, core_energy, energy, _ = nitrogen
    occupations, counts = noisy_samples
    result = sample_based_diagonalisation(occupations, counts, h1, h2, core_energy, 8, 5, 5,
                                          settings(iterations=2, symmetrize_spin=False), seed=2,
                                          max_dimension=300)
    assert all(step.alpha_strings <= 17 and step.beta_strings <= 17
               and step.subspace_dimension <= 289 for step in result.iterations)
    assert result.energy >= energy - 1e-9


def test_same_seed_gives_the_same_result_bit_for_bit(nitrogen, noisy_samples):
    h1, h2, core_energy, *_ = nitrogen
    occupations, counts = noisy_samples
    run = [sample_based_diagonalisation(occupations, counts, h1, h2, core_energy, 8, 5, 5,
                                        settings(iterations=2, symmetrize_spin=False), seed=seed)
           for seed in (7, 7, 8)]
    assert dataclasses.asdict(run[0]) == dataclasses.asdict(run[1])
    assert dataclasses.asdict(run[0]) != dataclasses.asdict(run[2])


def test_flip_weights_are_the_modified_relu_of_qiskit_addon_sqd():
    # Hand values of qiskit-addon-sqd's _p_flip_0_to_1 / _p_flip_1_to_0 (eps = 0.01) at filling
    # 2/4: n < 1/2 fills with n * eps / (1/2); above, 0.01 at n = 1/2 rising to 1 at n = 1.
    occupations = np.array([0.25, 0.75, 0.5, 1.0])
    empty, full = flip_weights(np.array([[0, 0, 0, 0], [1, 1, 1, 1]], dtype=bool),
                               occupations, 2)
    assert np.allclose(empty, [0.005, 0.505, 0.01, 1.0])
    assert np.allclose(full, [0.505, 0.005, 0.01, 1e-12])


def test_recovery_gives_the_right_counts_moving_only_the_wrong_bits():
    # Too many electrons: only bits that were set are cleared; too few: only empty ones are set;
    # right counts: untouched. Holds for any occupations, including exact 0 and 1.
    rng = np.random.default_rng(0)
    strings = rng.integers(0, 1 << 8, 2000)
    for occupations in (rng.random(8), (np.arange(8) < 3).astype(float)):
        recovered = recover_spin_strings(strings, occupations, 8, 3, rng)
        assert set(np.bitwise_count(recovered)) == {3}
        counts = np.bitwise_count(strings)
        assert np.all((recovered & ~strings)[counts > 3] == 0)
        assert np.all((strings & ~recovered)[counts < 3] == 0)
        assert np.array_equal(recovered[counts == 3], strings[counts == 3])
    # Hartree-Fock occupations: the missing electrons go to the occupied orbitals, extra ones
    # leave the virtual ones.
    hartree_fock = (np.arange(4) < 2).astype(float)
    alpha, beta = recover_configurations(np.full(50, 0b0001), np.full(50, 0b1111),
                                         (hartree_fock, hartree_fock), 4, 2, 2, rng)
    assert set(alpha) == {0b0011} and set(beta) == {0b0011}


def test_subsample_draws_distinct_items_in_proportion():
    rng = np.random.default_rng(1)
    weights = np.array([1.0, 1.0, 1.0, 97.0])
    batches = subsample(weights, 2, 2000, rng)
    assert all(np.unique(batch).size == 2 for batch in batches)
    assert np.mean([3 in batch for batch in batches]) > 0.95
    assert [list(batch) for batch in subsample(weights, 9, 2, rng)] == [[0, 1, 2, 3]] * 2


@pytest.mark.parametrize("change, message", [
    (dict(occupations=np.array([], dtype=np.int64), counts=np.array([], dtype=np.int64)),
     "no samples"),
    (dict(counts=np.array([1, 2])), "same length"),
    (dict(counts=np.array([-1])), "non-negative"),
    (dict(counts=np.array([0])), "every count is zero"),
    (dict(occupations=np.array([1 << 16])), "must lie in"),
    (dict(occupations=np.array([0.5])), "integers"),
    (dict(h1=np.zeros((3, 3))), "h1 has shape"),
    (dict(h2=np.zeros((8, 8, 8))), "h2 has shape"),
    (dict(n_alpha=9), "do not fit"),
    (dict(settings=settings(iterations=0)), "iterations"),
])
def test_bad_input_raises_value_error(nitrogen, change, message):
    h1, h2, core_energy, *_ = nitrogen
    arguments = dict(occupations=np.array([0b1111111111]), counts=np.array([1]), h1=h1, h2=h2,
                     core_energy=core_energy, n_orbitals=8, n_alpha=5, n_beta=5,
                     settings=settings(), seed=0)
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        sample_based_diagonalisation(**arguments)
