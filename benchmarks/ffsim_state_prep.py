"""UCCSD state preparation: qchemflow's CI-string kernels against ffsim, 12-24 qubits.

    OMP_NUM_THREADS=2 python benchmarks/ffsim_state_prep.py [--orbitals 6 8 10 12]
        [--electrons N] [--threads 2] [--repeats 3] [--output benchmarks/results/NAME]

Needs ffsim (the ``bench`` extra). For closed-shell (n_electrons, n_orbitals) active spaces
(default half filling: (6e,6o) ... (12e,12o)),
from the Hartree-Fock state with seeded random amplitudes of size 0.01:

- qchemflow: the singlet UCCSD of the VQE stage (:func:`qchemflow.quantum.ansatz.build_ansatz`,
  default settings), applied as the product of its excitation gates on the CI matrix
  (:class:`qchemflow.quantum.strings.StringSimulator` ``state``: compiled, threaded kernels);
- ffsim: ``UCCSDOpRestrictedReal(t1, t2)`` applied with ``ffsim.apply_unitary``, the single
  exponential exp(T - T^dagger) of the same restricted singles and doubles (SciPy's
  ``expm_multiply`` of the generator on ffsim's own CI vector).

Both act on the same sector (the CI vector of dim(alpha) x dim(beta) strings) with the same
restricted singles and doubles in T; the product and the single exponential are different
unitaries (they agree to second order in the amplitudes), so what is compared is the cost of
preparing a UCCSD state, not one state. The gate tables of qchemflow (built once per VQE) are
timed apart. Medians of ``--repeats`` runs, in this one process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orbitals", type=int, nargs="+", default=[6, 8, 10, 12])
    parser.add_argument("--electrons", type=int, default=None,
                        help="active electrons (default: as many as orbitals, half filling)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default=str(REPOSITORY / "benchmarks/results/ffsim"))
    return parser.parse_args()


ARGUMENTS = parse()
os.environ.setdefault("OMP_NUM_THREADS", str(ARGUMENTS.threads))
os.environ.setdefault("RAYON_NUM_THREADS", str(ARGUMENTS.threads))

import ffsim  # noqa: E402
import numpy as np  # noqa: E402

from qchemflow.pipeline.config import load_yaml, validate_config  # noqa: E402
from qchemflow.pipeline.settings import vqe_settings  # noqa: E402
from qchemflow.quantum import strings  # noqa: E402
from qchemflow.quantum.ansatz import build_ansatz  # noqa: E402
from qchemflow.quantum.sector import build_sector  # noqa: E402
from result_files import write_results  # noqa: E402  (beside this script)


# The pipeline's default VQE settings: the config schema's defaults (the one place they live).
DEFAULT_VQE = vqe_settings(None, validate_config(  # type: ignore[arg-type]
    {}, load_yaml(REPOSITORY / "workflow/schemas/config.schema.yaml")))


def median_seconds(function, repeats: int) -> float:
    """The median wall time of ``function()``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def case(n_orbitals: int, n_electrons: int, threads: int, repeats: int) -> dict:
    """Time both state preparations on one active space."""
    n_occupied = n_electrons // 2
    n_virtual = n_orbitals - n_occupied
    random = np.random.default_rng(7)
    # qchemflow: the stage's ansatz on its CI layout.
    start = time.perf_counter()
    sector = build_sector("jordan_wigner", 2 * n_orbitals, n_occupied, n_occupied)
    layout = strings.string_layout(sector)
    strings.set_threads(threads)
    ansatz = build_ansatz(DEFAULT_VQE, n_orbitals, n_occupied, n_occupied)
    simulator = strings.StringSimulator(ansatz, layout, None)
    tables_s = time.perf_counter() - start
    parameters = random.normal(0.0, 0.01, ansatz.n_parameters)
    simulator.state(parameters)  # numba compiles or loads its cache
    ours = simulator.state(parameters)
    qchemflow_s = median_seconds(lambda: simulator.state(parameters), repeats)
    # ffsim: exp(T - T^dagger) with restricted t1, t2 (t2 symmetric under (i,a) <-> (j,b)).
    t1 = random.normal(0.0, 0.01, (n_occupied, n_virtual))
    t2 = random.normal(0.0, 0.01, (n_occupied, n_occupied, n_virtual, n_virtual))
    t2 = 0.5 * (t2 + t2.transpose(1, 0, 3, 2))
    operator = ffsim.UCCSDOpRestrictedReal(t1=t1, t2=t2)
    nelec = (n_occupied, n_occupied)
    reference = ffsim.hartree_fock_state(n_orbitals, nelec)
    theirs = ffsim.apply_unitary(reference, operator, norb=n_orbitals, nelec=nelec)
    ffsim_s = median_seconds(
        lambda: ffsim.apply_unitary(reference, operator, norb=n_orbitals, nelec=nelec), repeats)
    return {
        "case": f"({n_electrons}e,{n_orbitals}o)", "qubits": 2 * n_orbitals,
        "sector_states": sector.dimension, "qchemflow_parameters": ansatz.n_parameters,
        "qchemflow_gates": len(simulator.gates),
        "qchemflow_tables_s": tables_s, "qchemflow_state_s": qchemflow_s,
        "ffsim_state_s": ffsim_s, "qchemflow_over_ffsim": qchemflow_s / ffsim_s,
        "qchemflow_norm": float(np.linalg.norm(ours)),
        "ffsim_norm": float(np.linalg.norm(theirs)),
    }


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "",
             "| case | qubits | sector states | qchemflow parameters / gates | qchemflow gate "
             "tables s | qchemflow state s | ffsim state s | qchemflow / ffsim |",
             "|" + "---|" * 8]
    for row in rows:
        lines.append(f"| {row['case']} | {row['qubits']} | {row['sector_states']} | "
                     f"{row['qchemflow_parameters']} / {row['qchemflow_gates']} | "
                     f"{row['qchemflow_tables_s']:.3f} | {row['qchemflow_state_s']:.4f} | "
                     f"{row['ffsim_state_s']:.4f} | {row['qchemflow_over_ffsim']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    rows = []
    for n_orbitals in ARGUMENTS.orbitals:
        row = case(n_orbitals, ARGUMENTS.electrons or n_orbitals, ARGUMENTS.threads,
                   ARGUMENTS.repeats)
        rows.append(row)
        print(json.dumps(row), flush=True)
    header = (f"UCCSD state preparation, {time.strftime('%Y-%m-%d %H:%M:%S')}, "
              f"{platform.platform()}, {os.cpu_count()} CPUs, {ARGUMENTS.threads} threads, "
              f"ffsim {version('ffsim')}, medians of {ARGUMENTS.repeats}.")
    write_results(ARGUMENTS.output, rows, markdown(rows, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
