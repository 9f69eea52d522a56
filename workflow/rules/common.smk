# Molecule table loading and validation, wildcard constraints and input functions.
# The checks themselves live in qchemflow.config and qchemflow.molecules.
import json
import os
import shutil
import subprocess
import sys

from qchemflow.chemistry.molecules import load_molecules
from qchemflow.core.errors import InputError
from qchemflow.pipeline import resources, stage_server
from qchemflow.pipeline.config import load_yaml, validate_config
from qchemflow.pipeline.reactions import load_reactions, reactions_json
from qchemflow.pipeline.settings import (qubit_settings, stage_settings_json, vqe_settings,
                                         write_run_file)


def refuse(lines):
    """Print the problems, one per line, and stop before any job runs."""
    print("qchemflow: refusing to start:", file=sys.stderr)
    for line in lines:
        print(f"  {line}", file=sys.stderr)
    sys.exit(2)


try:
    config.update(
        validate_config(config, load_yaml(workflow.source_path("../schemas/config.schema.yaml")))
    )
    MOLECULE_ROW_SCHEMA = load_yaml(workflow.source_path("../schemas/molecules.schema.yaml"))
    VALID_MOLECULES, INVALID_ROWS = load_molecules(config["molecules"], config, MOLECULE_ROW_SCHEMA)
except InputError as error:
    refuse([str(error)])
if INVALID_ROWS and config["on_invalid"] == "refuse":
    refuse(
        [row.message() for row in INVALID_ROWS]
        + ["fix these rows, or set on_invalid: skip to run the valid rows only"]
    )
MOLECULES = {molecule.id: molecule for molecule in VALID_MOLECULES}
# The reactions table (optional), checked against the molecule table before any job runs.
REACTIONS, INVALID_REACTIONS = [], []
if config["reactions"]:
    try:
        REACTIONS, INVALID_REACTIONS = load_reactions(
            config["reactions"], MOLECULES, {row.id for row in INVALID_ROWS},
            load_yaml(workflow.source_path("../schemas/reactions.schema.yaml")))
    except InputError as error:
        refuse([str(error)])
    if INVALID_REACTIONS and config["on_invalid"] == "refuse":
        refuse(
            [f"reactions table: {row.message()}" for row in INVALID_REACTIONS]
            + ["fix these rows, or set on_invalid: skip to run the valid rows only"]
        )


def git_commit():
    """The workflow's git commit, or an empty string outside a git checkout."""
    result = subprocess.run(
        ["git", "-C", workflow.basedir, "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() if result.returncode == 0 else ""


# The run file: provenance for every job's record (the effective config's hash, the seed, the
# git commit) and the VQE's checkpoint cadence. Rules pass its path (a constant param), so a new
# commit or an unrelated config change never makes a stage rerun.
RUN_FILE = ".snakemake/qchemflow/run.json"
write_run_file(RUN_FILE, dict(config), git_commit())


# Local runs: one warm process, started here, forks every job's `qchemflow` command so that a
# job does not pay for starting Python and importing PySCF, OpenFermion and Cirq (seconds per
# job; qchemflow.pipeline.stage_server). Never on a cluster: there each job runs in its own.
STAGE_SERVER = {}


def start_stage_server():
    if (config["stage_server"] and workflow.is_main_process and workflow.local_exec
            and "SLURM_JOB_ID" not in os.environ):
        process, path = stage_server.start(".snakemake/qchemflow/stage_server.log")
        STAGE_SERVER.update(process=process, path=path)
        if path is not None:
            os.environ[stage_server.SOCKET_VARIABLE] = path


def stop_stage_server():
    if STAGE_SERVER:
        os.environ.pop(stage_server.SOCKET_VARIABLE, None)
        stage_server.stop(STAGE_SERVER.pop("process"), STAGE_SERVER.pop("path"))


onstart:
    start_stage_server()


onsuccess:
    stop_stage_server()


onerror:
    stop_stage_server()


# Rules call the `qchemflow` CLI from PATH (an activated venv or a conda environment). When
# Snakemake runs as `.venv/bin/snakemake` without activation, use the CLI beside its Python.
if shutil.which("qchemflow") is None:
    search_path = dict(os.environ).get("PATH", os.defpath)
    os.environ.update(PATH=os.pathsep.join([os.path.dirname(sys.executable), search_path]))


wildcard_constraints:
    id=MOLECULE_ROW_SCHEMA["properties"]["id"]["pattern"].strip("^$"),


def molecule(wildcards):
    """The validated spec of the molecule named by the wildcards."""
    return MOLECULES[wildcards.id]


def geometry_source_file(wildcards):
    """The XYZ file of an XYZ row (an input, so edits trigger a rerun); nothing for SMILES."""
    spec = molecule(wildcards)
    return [spec.xyz] if spec.xyz else []


def stage_settings(stage):
    """A params function: the stage's settings object for the molecule, as one JSON argument."""
    return lambda wildcards: stage_settings_json(stage, molecule(wildcards), config)


def molecule_ids():
    """Ids of the molecules that run."""
    return list(MOLECULES)


def invalid_rows_json(rows=INVALID_ROWS):
    """Rows refused at load time (on_invalid: skip) as JSON [[id, message], ...]."""
    return json.dumps([[row.id or f"row{row.row}", row.message()] for row in rows])


# The optional stages' records that the reactions table, the summary and the report read.
OPTIONAL_RECORDS = ("cbs",) if config["cbs"]["enabled"] else ()


def reaction_member_records():
    """Every record the reactions table reads: the four of each valid member molecule, and its
    cbs.json when cbs.enabled."""
    members = sorted({member for reaction in REACTIONS for member in reaction.species
                      if member in MOLECULES})
    return [f"results/{member}/{name}.json" for member in members
            for name in ("scf", "active_space", "references", "vqe", *OPTIONAL_RECORDS)]


# reactions.csv when a reactions table is set (the report shows it): a list, empty without one.
REACTIONS_CSV = ["results/reactions.csv"] if config["reactions"] else []

# Scans: each scan row's points (molecule ids) and bond lengths, in order.
SCANS = {}
for spec in VALID_MOLECULES:
    if spec.scan_id is not None:
        SCANS.setdefault(spec.scan_id, []).append([spec.id, spec.bond_length[2]])
SCAN_CSVS = [f"results/scans/{scan_id}.csv" for scan_id in SCANS]


def scan_point_records(wildcards):
    """The records a scan table reads: references.json and vqe.json of each point."""
    return [f"results/{point}/{name}.json" for point, _ in SCANS[wildcards.scan]
            for name in ("references", "vqe")]


def scan_points_json(wildcards):
    """The scan's points as the scan command's --points JSON."""
    return json.dumps(SCANS[wildcards.scan])


def final_targets():
    """The default targets: the summary and report, reactions.csv with a reactions table, and
    the scan tables."""
    targets = ["results/summary.csv", "results/report.html", *SCAN_CSVS]
    return targets + (["results/reactions.csv"] if config["reactions"] else [])


# Resources from the problem size (qchemflow.pipeline.resources); every estimate grows with the
# attempt, so a retry asks for more.
def scf_mem_mb(wildcards, attempt):
    return resources.scf_request_mb(molecule(wildcards), attempt)


def active_space_mem_mb(wildcards, attempt):
    return resources.active_space_request_mb(molecule(wildcards), attempt)


def references_mem_mb(wildcards, attempt):
    return resources.references_request_mb(
        molecule(wildcards), config["fci_max_determinants"], attempt)


def cbs_mem_mb(wildcards, attempt):
    return resources.cbs_request_mb(molecule(wildcards), tuple(config["cbs"]["basis_sets"]),
                                    attempt)


def qubits_mem_mb(wildcards, attempt):
    spec = molecule(wildcards)
    return resources.qubits_request_mb(spec, qubit_settings(spec, config).check_spectrum, attempt)


def qubits_runtime(wildcards, attempt):
    spec = molecule(wildcards)
    return resources.qubits_runtime_minutes(spec, qubit_settings(spec, config).check_spectrum,
                                            attempt)


def vqe_mem_mb(wildcards, attempt):
    spec = molecule(wildcards)
    return resources.vqe_request_mb(spec, vqe_settings(spec, config), attempt)


def vqe_runtime(wildcards, attempt):
    spec = molecule(wildcards)
    return resources.vqe_runtime_minutes(spec, vqe_settings(spec, config), attempt)


def vqe_threads(wildcards):
    spec = molecule(wildcards)
    return resources.vqe_threads(spec, vqe_settings(spec, config))


def hardware_mem_mb(wildcards, attempt):
    return resources.hardware_request_mb(molecule(wildcards), attempt)


def hardware_runtime(wildcards, attempt):
    return resources.hardware_runtime_minutes(molecule(wildcards), attempt)


def pyscf_threads(wildcards):
    return resources.pyscf_threads(molecule(wildcards))


def references_runtime(wildcards, attempt):
    return resources.references_runtime_minutes(
        molecule(wildcards), config["fci_max_determinants"], attempt)


def cbs_runtime(wildcards, attempt):
    return resources.cbs_runtime_minutes(molecule(wildcards), tuple(config["cbs"]["basis_sets"]),
                                         attempt)


def noise_mem_mb(wildcards, attempt):
    return resources.noise_request_mb(molecule(wildcards),
                                      config["noise"]["density_matrix_max_qubits"],
                                      config["noise"]["trajectories"], attempt)


def noise_runtime(wildcards, attempt):
    return resources.noise_runtime_minutes(molecule(wildcards), config["noise"]["trajectories"],
                                           attempt)
