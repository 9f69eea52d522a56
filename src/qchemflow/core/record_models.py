"""One typed model per result file: what each stage's JSON holds (DESIGN.md, "Data flow").

Every record is validated against its model when it is written and when it is read, so a stage
can neither write nor read a record that breaks the contract. A record is either the stage's own
(``status: "ok"``) or a :class:`FailedRecord`. The JSON Schemas under
``workflow/schemas/results/`` are generated from these models (:func:`record_json_schema`) and a
test keeps them equal.

Only the fields are validated, never rewritten: the file holds exactly what the stage wrote (at
full float precision).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from qchemflow.core.errors import QchemflowError


class RecordError(QchemflowError):
    """A result record does not match its model (a bug, or a file edited by hand)."""


class Provenance(BaseModel):
    """What made a record: package versions (once per record), run and input hashes."""

    model_config = ConfigDict(extra="forbid")

    versions: dict[str, str]
    config_hash: str | None
    input_hash: str | None
    seed: int | None
    git_commit: str | None


class Record(BaseModel):
    """The fields every record starts with."""

    model_config = ConfigDict(extra="forbid")

    id: str
    stage: str
    status: Literal["ok"]
    provenance: Provenance
    # The stage's own work inside the job (the batch-overhead benchmark's share); absent in
    # records written before it was measured.
    work_s: float | None = None


class FailedRecord(BaseModel):
    """A molecule that failed at this stage or before it (``failed_stage``)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    stage: str
    status: Literal["failed"]
    failed_stage: str
    reason: str
    provenance: Provenance
    work_s: float | None = None


class BondLengthRecord(BaseModel):
    """The bond a scan point sets (``geometry.json`` ``bond_length``; null: not a scan)."""

    model_config = ConfigDict(extra="forbid")

    atoms: list[int]
    angstrom: float


class GeometryRecord(Record):
    """``geometry.json``."""

    source: str
    input: str
    canonical_smiles: str | None
    formula: str
    n_atoms: int
    charge: int
    multiplicity: int
    n_electrons: int
    force_field: str | None
    seed: int
    flags: list[str]
    bond_length: BondLengthRecord | None


class StabilityRecord(BaseModel):
    """The SCF stability analysis (``scf.json`` ``stability``)."""

    model_config = ConfigDict(extra="forbid")

    internal_stable: bool | None
    external_stable: bool | None
    followed: int
    energies: list[float]
    energy_lowering: float


class SolventRecord(BaseModel):
    """The implicit solvent of a solvated SCF (``scf.json`` ``solvent``; null: gas phase)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    model: Literal["pcm", "ddcosmo"]
    dielectric: float
    solvation_energy: float
    frozen_field_energy_shift: float


class SCFRecord(Record):
    """``scf.json``."""

    method: str
    basis: str
    cartesian: bool
    density_fit: bool
    solvent: SolventRecord | None
    n_basis_functions: int
    n_molecular_orbitals: int
    n_electrons: int
    charge: int
    spin: int
    energy: float
    nuclear_repulsion: float
    converged: bool
    strategies: list[str]
    stability: StabilityRecord | None
    flags: list[str]
    s2: float
    s2_multiplicity: float
    mo_energies: list[float]
    mo_occupations: list[float]
    homo: float | None
    lumo: float | None
    wall_s: float
    memory_estimate_mb: float
    integrals_in_memory: bool


class ActiveSpaceRecord(Record):
    """``active_space.json``."""

    n_electrons: int
    n_alpha: int
    n_beta: int
    n_orbitals: int
    n_qubits: int
    spin: int
    n_frozen_core: int
    frozen: list[int]
    active: list[int]
    n_molecular_orbitals: int
    core_energy: float
    active_mo_energies: list[float]
    selection: str
    selection_weights: list[float] | None
    is_full_space: bool
    flags: list[str]
    wall_s: float
    frozen_core: bool
    memory_estimate_mb: float


class ReferencesRecord(Record):
    """``references.json``: every method's energy (null when not run), and per method details."""

    energies: dict[str, float | None]
    methods: dict[str, dict[str, Any]]
    converged: dict[str, bool]
    wall_s: dict[str, float]
    flags: list[str]
    fci_max_determinants: int
    wall_s_total: float


class CBSBasisRecord(BaseModel):
    """HF and MP2 in one basis set (``cbs.json`` ``per_basis``)."""

    model_config = ConfigDict(extra="forbid")
    basis: str
    cardinal: int
    element_basis: dict[str, str]  # the set each element got: cc-pV(X+d)Z on Al-Ar
    n_basis_functions: int
    scf_strategies: list[str]  # as scf.json's strategies: ["diis"] unless it needed a fallback
    hf: float
    mp2_correlation: float
    hf_wall_s: float
    mp2_wall_s: float


class CBSRecord(Record):
    """``cbs.json``: focal-point CCSD(T)/CBS and every component (total energies, Hartree)."""

    scheme: str
    basis_sets: list[str]
    per_basis: list[CBSBasisRecord]
    hf_largest: float
    mp2_correlation_cbs: float
    higher_order_correction: float
    higher_order_basis: str
    ccsd_t_cbs: float
    flags: list[str]
    wall_s: float


class QubitHamiltonianRecord(Record):
    """``qubit_hamiltonian.json``: sorted Pauli terms ``["X0 Y1 Z3", coefficient]``."""

    mapping: str
    n_qubits: int
    n_terms: int
    n_alpha: int
    n_beta: int
    sector_dimension: int
    ground_state_energy: float | None
    terms: list[tuple[str, float]]
    wall_s: float
    check_spectrum: bool


class CircuitRecord(BaseModel):
    """Statistics of the decomposed circuit (``vqe.json`` ``circuit``)."""

    model_config = ConfigDict(extra="forbid")

    n_qubits: int
    depth: int
    n_gates: int
    n_two_qubit_gates: int
    n_excitation_gates: int


class HamiltonianRepresentationRecord(BaseModel):
    """How the VQE held its Hamiltonian (``vqe.hamiltonian``) and where its gates ran."""

    model_config = ConfigDict(extra="forbid")

    setting: str
    representation: Literal["explicit", "matrix_free"]
    simulator: Literal["sector", "ci_strings"]
    threads: int


class VQERecord(Record):
    """``vqe.json``: the optimised energy and what it cost; no comparison with the references
    (that is made in the analysis layer)."""

    energy: float
    parameters: list[float]
    n_parameters: int
    iterations: int
    energy_evaluations: int
    gradient_evaluations: int
    gradient_max_abs: float
    converged: bool
    optimizer_message: str
    trace: list[float]
    s2: float
    ansatz: str
    optimizer: str
    gradient_tolerance: float
    simulator: str
    check: dict[str, Any]
    seed: int
    checkpoint: dict[str, int]
    initial_parameters: str
    mapping: str
    circuit_mapping: str
    sector_dimension: int
    hamiltonian: HamiltonianRepresentationRecord
    memory_estimate_mb: float
    circuit: CircuitRecord
    reference_qubits: list[int]
    gates: list[dict[str, Any]]
    optimisation_wall_s: float
    wall_s: float
    # UCCSD and k-UpCCGSD
    layers: int | None = None
    # ADAPT-VQE
    pool: str | None = None
    operators: list[Any] | None = None
    pool_gradient_norms: list[float] | None = None
    energy_per_operator: list[float] | None = None
    adapt_converged: bool | None = None
    adapt_gradient_norm: float | None = None


class CompiledRecord(BaseModel):
    """One gate set's compiled circuit (``hardware.json`` ``compiled``)."""

    model_config = ConfigDict(extra="forbid")

    gate_set: str
    n_qubits: int
    two_qubit_gates: int
    single_qubit_gates: int
    depth: int
    two_qubit_depth: int
    swaps_line: int | None
    swaps_grid: int | None
    two_qubit_gates_line: int | None
    two_qubit_gates_grid: int | None
    depth_line: int | None
    depth_grid: int | None
    duration_s: float
    duration_unrouted_s: float
    grid_shape: tuple[int, int] | None
    wall_s: float


class MeasurementRecord(BaseModel):
    """The measurement groups, the shot budget and its sampled check (``hardware.json``)."""

    model_config = ConfigDict(extra="forbid")

    grouping: str
    n_terms: int
    n_groups: int
    target_error_hartree: float
    shots_for_chemical_accuracy: int
    shots_per_group: list[int]
    group_standard_deviations: list[float]
    predicted_std_mha: float
    one_norm_shots: int
    exact_energy: float
    repeats: int
    sampled_energies: list[float]
    sampled_mean: float
    sampled_std_mha: float


class ProviderCostRecord(BaseModel):
    """One provider's price of one energy and of the VQE (``hardware.json`` ``cost``)."""

    model_config = ConfigDict(extra="forbid")

    device: str
    gate_set: str
    energy_usd: float
    qpu_seconds: float
    energy_tasks: int
    energy_shots: int
    energy_hqc: float
    vqe_usd: float
    vqe_qpu_seconds: float
    source: str
    date: str


class FaultTolerantRecord(BaseModel):
    """Phase estimation on the double-factorised Hamiltonian (``hardware.json``)."""

    model_config = ConfigDict(extra="forbid")

    n_orbitals: int
    n_spin_orbitals: int
    logical_qubits: int
    toffolis: int
    toffolis_per_step: int
    walk_steps: int
    lambda_hartree: float
    lambda_one_body: float
    lambda_two_body: float
    rank: int
    eigenvectors: int
    threshold: float
    eri_max_abs_error: float
    eri_frobenius_error: float
    accuracy_hartree: float
    chi: int
    beta: int
    method: str


class HardwareRecord(Record):
    """``hardware.json``: what the VQE's final circuit needs and costs on real hardware."""

    encoding: dict[str, Any]
    n_qubits: int
    tapered_qubits: int
    tapering: bool
    device_qubits: int
    symmetries: list[str]
    removed_qubits: list[int]
    circuit_check: dict[str, Any]
    compiled: dict[str, CompiledRecord]
    measurement: MeasurementRecord
    vqe_energy_evaluations: int
    cost: dict[str, ProviderCostRecord]
    fault_tolerant: FaultTolerantRecord
    gate_times: dict[str, dict[str, Any]]
    classical_core: dict[str, Any]
    memory_estimate_mb: float
    wall_s: float


class EstimateRecord(BaseModel):
    """An energy estimate from a device: one sampled value with its standard error, its
    infinite-shot expectation, and its shots (``noise.json``)."""

    model_config = ConfigDict(extra="forbid")

    energy: float
    std: float
    expectation: float
    shot_overhead: float
    shots: int


class MitigatedRecord(EstimateRecord):
    """Readout inversion or post-selection (``noise.json`` ``mitigated``)."""

    readout_error: float | None = None
    groups_post_selected: int | None = None
    acceptance: float | None = None
    selects: str | None = None


class ExtrapolationRecord(EstimateRecord):
    """One zero-noise extrapolation fit."""

    weights: list[float]
    qpu_time_overhead: float


class ZNERecord(ExtrapolationRecord):
    """Zero-noise extrapolation: the Richardson fit, the linear one beside it."""

    extrapolation: str
    linear: ExtrapolationRecord
    scale_factors: list[float]
    scaled_expectations: list[float]
    folding: str
    two_qubit_gates: list[int]
    combined_with: str | None


class ScanPointRecord(BaseModel):
    """The noisy and the extrapolated expectation at one two-qubit error rate."""

    model_config = ConfigDict(extra="forbid")

    two_qubit_depolarizing: float
    expected_gate_errors: float
    noisy_expectation: float
    noisy_error: float
    zne_expectation: float | None
    zne_error: float | None


class MitigationsRecord(BaseModel):
    """Each error-mitigation method's estimate (``noise.json`` ``mitigated``)."""

    model_config = ConfigDict(extra="forbid")

    readout: MitigatedRecord
    post_selection: MitigatedRecord
    zne: ZNERecord


class NoiseRecord(Record):
    """``noise.json``: the VQE's final circuit under noise, mitigated, and SQD."""

    noise_model: dict[str, Any]
    simulation: dict[str, Any]
    noiseless_energy: float
    vqe_energy: float
    noisy_expectation: float
    noisy_energy: float
    noisy_std: float
    trajectory_error: float
    shots: int
    target_error_hartree: float
    n_groups: int
    mitigated: MitigationsRecord
    sqd: dict[str, Any]
    scan: list[ScanPointRecord]
    memory_estimate_mb: float
    wall_s: float


RECORD_MODELS: dict[str, type[Record]] = {
    "geometry": GeometryRecord,
    "scf": SCFRecord,
    "active_space": ActiveSpaceRecord,
    "references": ReferencesRecord,
    "cbs": CBSRecord,
    "qubits": QubitHamiltonianRecord,
    "vqe": VQERecord,
    "hardware": HardwareRecord,
    "noise": NoiseRecord,
}
OPTIONAL_STAGES = ("cbs",)
"""Stages that run only when enabled (``cbs.enabled``): neither their absence nor their failure
fails the molecule."""
RECORD_FILES = {"geometry": "geometry.json", "scf": "scf.json",
                "active_space": "active_space.json", "references": "references.json",
                "cbs": "cbs.json", "qubits": "qubit_hamiltonian.json", "vqe": "vqe.json",
                "hardware": "hardware.json", "noise": "noise.json"}


def validate_record(record: dict[str, Any], where: str) -> None:
    """Check a record against its stage's model (or :class:`FailedRecord`).

    Args:
        record: the decoded JSON.
        where: the file, for the message.

    Raises:
        RecordError: unknown stage, or fields that break the model, each named.
    """
    stage = record.get("stage")
    if stage not in RECORD_MODELS:
        raise RecordError(f"{where}: unknown stage {stage!r}; expected one of "
                          f"{', '.join(RECORD_MODELS)}")
    model = FailedRecord if record.get("status") == "failed" else RECORD_MODELS[str(stage)]
    try:
        model.model_validate(record)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
                             for item in error.errors())
        raise RecordError(f"{where}: not a valid {stage} record: {problems}") from error


def record_json_schema(stage: str) -> dict[str, Any]:
    """The JSON Schema of a stage's file: its own record or a failed record (the models'
    shared definitions hoisted to the top, where their ``$ref``s point)."""
    variants = [RECORD_MODELS[stage].model_json_schema(), FailedRecord.model_json_schema()]
    definitions: dict[str, Any] = {}
    for variant in variants:
        definitions.update(variant.pop("$defs", {}))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": RECORD_FILES[stage], "$defs": definitions, "oneOf": variants}
