"""The quantum stages' settings objects, in a module of their own so that building them (the
workflow does, for every job) never imports OpenFermion or Cirq."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qchemflow.core.errors import InputError


@dataclass(frozen=True)
class QubitSettings:
    """The fermion-to-qubit mapping, and whether to diagonalise the sector as a check."""

    mapping: str
    check_spectrum: bool


@dataclass(frozen=True)
class VQESettings:
    """What shapes the VQE's result: ansatz, optimizer, stopping rule, simulator check, seed.

    Threads and checkpoint cadence change how, never what, the VQE computes: they are run
    settings, passed apart.
    """

    ansatz: str
    layers: int
    optimizer: str
    gradient_tolerance: float
    max_iterations: int
    simulator: str
    seed: int
    adapt_gradient_norm: float
    adapt_max_operators: int
    adapt_pool: str
    hamiltonian: str

    @property
    def runs_on_strings(self) -> bool:
        """A fixed, number-conserving ansatz (UCCSD, k-UpCCGSD): it runs on the CI matrix and
        may go matrix-free; ADAPT keeps the sector simulator and the explicit matrix."""
        return self.ansatz != "adapt"


REPRESENTATIONS = ("auto", "explicit", "matrix_free")
# Above this many states the VQE goes matrix-free. The crossover table (benchmarks/README.md,
# 2026-12-02) puts the break-even of a one-layer VQE (about 25 steps) near 4 000 states: the
# explicit matrix's steps are 1.2-1.5x faster, but from 18 qubits (15 876 states) on its build
# costs 40-350 of them; at 16 qubits (3 136 states) the two paths tie.
EXPLICIT_MAX_DIMENSION = 4_000
# From this many states on, gates run on the CI matrix (compiled, threaded kernels). The kernels
# are faster from 16 states up (crossover table, benchmarks/README.md), but the first call in a
# process costs ~1.5 s (numba and its cached kernels load), more than they save below this size.
STRING_MIN_DIMENSION = 2_000


def choose_representation(setting: str, dimension: int, explicit_fits: bool = True,
                          on_strings: bool = True) -> str:
    """``explicit`` or ``matrix_free`` for a ``setting`` of auto, explicit or matrix_free.

    ``explicit`` wherever the VQE cannot run on the CI strings (``on_strings`` false: ADAPT, or
    no integrals); refusing ``matrix_free`` there is the caller's.

    Raises:
        InputError: an unknown setting.
    """
    if setting not in REPRESENTATIONS:
        raise InputError(f"vqe.hamiltonian '{setting}' is unknown; use auto, explicit or "
                         "matrix_free")
    if not on_strings:
        return "explicit"
    if setting != "auto":
        return setting
    return "explicit" if dimension <= EXPLICIT_MAX_DIMENSION and explicit_fits else "matrix_free"


@dataclass(frozen=True)
class HardwareSettings:
    """What the hardware stage compiles, measures and prices.

    Attributes:
        tapering: compile and measure the tapered circuit and Hamiltonian (the symmetries and
            the tapered qubit count are reported either way).
        excitation_circuit: ``pauli`` (each excitation as its Pauli-string exponentials),
            ``efficient`` (Yordanov et al. circuits, Jordan-Wigner and untapered only) or
            ``auto`` (efficient where it applies).
        gate_sets: the native gate sets to compile to (``cz``, ``sqrt_iswap``, ``xx``).
        grouping: ``qubit_wise`` or ``commuting`` measurement groups.
        target_error_hartree: the standard error one energy estimate must reach.
        repeats: sampled energy estimates at that budget, to check the predicted error.
        seed: seed of the sampling and of the router.
        gate_times: per gate set, ``single_qubit_s``, ``two_qubit_s``, ``readout_s`` and
            ``serial`` (gates one at a time, as in an ion chain) with ``source``.
        providers: the price table (:class:`qchemflow.quantum.pricing.Provider` fields).
        fault_tolerant_threshold: the double-factorisation truncation threshold.
        classical_core: ``usd_per_hour``, ``source``, ``date`` of one cloud CPU core.
    """

    tapering: bool
    excitation_circuit: str
    gate_sets: tuple[str, ...]
    grouping: str
    target_error_hartree: float
    repeats: int
    seed: int
    gate_times: dict[str, dict[str, Any]]
    providers: dict[str, dict[str, Any]]
    fault_tolerant_threshold: float
    classical_core: dict[str, Any]


@dataclass(frozen=True)
class SQDSettings:
    """Sample-based quantum diagonalisation (SQD) of the noisy circuit's Z-basis samples.

    Attributes:
        shots: samples drawn from the noisy circuit.
        iterations: rounds of configuration recovery and diagonalisation (the first uses only
            samples with the right particle numbers).
        batches: subsamples diagonalised per round; the lowest energy is kept.
        samples_per_batch: distinct configurations per batch (all of them when larger).
        symmetrize_spin: build the subspace from the union of the alpha and beta strings, for
            both spins (closed shells), which keeps it closed under spin flip and helps S^2.
        energy_tolerance: stop iterating when the energy changes by less (Hartree).
    """

    shots: int
    iterations: int
    batches: int
    samples_per_batch: int
    symmetrize_spin: bool
    energy_tolerance: float


@dataclass(frozen=True)
class NoiseSettings:
    """What the noise stage simulates, mitigates and samples.

    Attributes:
        preset: the device class whose figures fill the parameters not set explicitly.
        one_qubit_depolarizing, two_qubit_depolarizing, readout_error, t1_us, t2_us: the
            resolved noise figures (:class:`qchemflow.quantum.noise_models.NoiseParameters`).
        gate_set: the native gate set the circuit is compiled to before noise is added.
        gate_times: that gate set's ``hardware.gate_times`` row.
        source: where the preset's figures come from.
        two_qubit_rates: two-qubit error rates of the error-against-rate scan.
        scan_max_qubits: the scan runs only up to this many qubits.
        zne_scale_factors: the noise scale factors of zero-noise extrapolation (the first 1).
        density_matrix_max_qubits: the exact density matrix up to this size, trajectories beyond.
        trajectories: quantum trajectories per noisy simulation beyond that size.
        target_error_hartree: the standard error the unmitigated estimate's shots are set for.
        excitation_circuit: as in :class:`HardwareSettings`.
        seed: seeds the trajectories, the folding and every sample.
        sqd: the sample-based diagonalisation.
    """

    preset: str
    one_qubit_depolarizing: float
    two_qubit_depolarizing: float
    readout_error: float
    t1_us: float | None
    t2_us: float | None
    gate_set: str
    gate_times: dict[str, Any]
    source: str
    two_qubit_rates: tuple[float, ...]
    scan_max_qubits: int
    zne_scale_factors: tuple[float, ...]
    density_matrix_max_qubits: int
    trajectories: int
    target_error_hartree: float
    excitation_circuit: str
    seed: int
    sqd: SQDSettings
