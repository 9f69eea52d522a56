"""SCF of a drug-sized fragment in cc-pVDZ: exact SCF against the density-fitted start.

``scf.density_fit: true`` runs a density-fitted SCF first and starts the exact SCF from its
density. This script measures, side by side in one session, what that changes for molecules of
12-16 heavy atoms: wall time of the whole SCF (no stability analysis), the exact-integral
iterations, and the final energy (which must be the exact SCF's).

Usage, from the repository root:

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/density_fit_check.py \\
        [--molecules caffeine=Cn1cnc2c1c(=O)n(C)c(=O)n2C ...] [--output benchmarks/results/NAME]

Each molecule: RDKit conformer (the pipeline's geometry stage), cc-pVDZ, 4000 MB; the two SCFs
alternate in order; results go to ``<output>.json`` and ``<output>.md``. The exit status is 1 when
the energies differ by more than 1e-8 Ha.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from qchemflow.chemistry.geometry import geometry_from_smiles
from qchemflow.chemistry.scf import build_molecule, run_scf

DEFAULT = ("caffeine=Cn1cnc2c1c(=O)n(C)c(=O)n2C", "ibuprofen=CC(C)Cc1ccc(cc1)C(C)C(=O)O")


def measure(smiles: str, density_fit: bool) -> dict[str, float | int]:
    """One SCF: wall time, exact-integral iterations and energy."""
    atoms = geometry_from_smiles(smiles, 42).atoms
    molecule = build_molecule(atoms, 0, 0, "cc-pvdz", False, 4000)
    start = time.perf_counter()
    scf_object, attempts = run_scf(molecule, 1e-10, 100, None, density_fit)
    return {"wall_s": time.perf_counter() - start, "exact_iterations": int(scf_object.cycles),
            "energy": float(scf_object.e_tot), "n_basis_functions": int(molecule.nao_nr()),
            "heavy_atoms": sum(atom.symbol != "H" for atom in atoms), "attempts": attempts}


def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--molecules", nargs="+", default=list(DEFAULT))
    parser.add_argument("--output", default="benchmarks/results/density-fit")
    options = parser.parse_args(arguments)
    results = {}
    status = 0
    for item in options.molecules:
        name, _, smiles = item.partition("=")
        exact = measure(smiles, False)
        fitted = measure(smiles, True)
        results[name] = {"smiles": smiles, "exact": exact, "density_fit": fitted,
                         "time_ratio": fitted["wall_s"] / exact["wall_s"]}
        if abs(fitted["energy"] - exact["energy"]) > 1e-8:
            status = 1
        print(name, json.dumps(results[name]), flush=True)
    report = {"machine": platform.platform(), "python": platform.python_version(),
              "molecules": results}
    Path(f"{options.output}.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = ["| molecule | heavy atoms | basis functions | exact SCF (s, iterations) | "
             "density-fitted start (s, exact iterations) | time ratio | energy difference (Ha) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, entry in results.items():
        exact, fitted = entry["exact"], entry["density_fit"]
        lines.append(f"| {name} | {exact['heavy_atoms']} | {exact['n_basis_functions']} | "
                     f"{exact['wall_s']:.1f}, {exact['exact_iterations']} | "
                     f"{fitted['wall_s']:.1f}, {fitted['exact_iterations']} | "
                     f"{entry['time_ratio']:.2f} | "
                     f"{fitted['energy'] - exact['energy']:.1e} |")
    Path(f"{options.output}.md").write_text("\n".join(lines) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
