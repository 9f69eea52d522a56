"""Optimised geometries for a shipped molecule table (a developer tool, not a pipeline stage).

SMILES -> RDKit conformers (ETKDGv3, seeded, MMFF94; distinct ones kept) -> each optimised at
B3LYP/cc-pVDZ (PySCF, density fitting, geomeTRIC) -> the lowest written as XYZ (Ångström).
Relative energies are only as good as the geometries: force-field geometries of heterocycles put
MP2's 2-pyridone/2-hydroxypyridine tautomer energy 4 kcal/mol off, so shipped tautomer and
protonation tables use these.

Needs geomeTRIC (``pip install geometric``), which the pipeline itself does not use.

Usage: python scripts/optimize_geometries.py OUTPUT_FOLDER ID=SMILES[:CHARGE] ...
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

CONFORMERS = 6
DISTINCT_RMSD_ANGSTROM = 0.1
LEVEL = "B3LYP/cc-pVDZ"


def conformers(smiles: str, seed: int = 42) -> list[list[tuple[str, tuple[float, ...]]]]:
    """Distinct MMFF94 conformers of a SMILES, lowest MMFF energy first."""
    from rdkit import Chem
    from rdkit.Chem import AllChem, rdMolAlign

    molecule = Chem.AddHs(Chem.MolFromSmiles(smiles))
    parameters = AllChem.ETKDGv3()
    parameters.randomSeed = seed
    ids = list(AllChem.EmbedMultipleConfs(molecule, CONFORMERS, parameters))
    energies = [energy for _, energy in AllChem.MMFFOptimizeMoleculeConfs(molecule)]
    kept: list[int] = []
    for index in sorted(ids, key=lambda item: energies[item]):
        if all(rdMolAlign.GetBestRMS(molecule, molecule, other, index) > DISTINCT_RMSD_ANGSTROM
               for other in kept):
            kept.append(index)
    symbols = [atom.GetSymbol() for atom in molecule.GetAtoms()]
    return [[(symbol, tuple(position)) for symbol, position in
             zip(symbols, molecule.GetConformer(index).GetPositions())] for index in kept]


def optimise(atoms: list[tuple[str, tuple[float, ...]]], charge: int) -> tuple[float, np.ndarray]:
    """B3LYP/cc-pVDZ minimum from a start geometry: energy (Hartree) and coordinates (Å)."""
    from pyscf import dft, gto
    from pyscf.geomopt.geometric_solver import optimize

    molecule = gto.M(atom=atoms, basis="cc-pvdz", charge=charge, verbose=0)
    functional = dft.RKS(molecule, xc="b3lyp").density_fit()
    functional.conv_tol = 1e-10
    final = optimize(functional, maxsteps=100)
    energy = dft.RKS(final, xc="b3lyp").density_fit().run(conv_tol=1e-10).e_tot
    return float(energy), final.atom_coords(unit="Angstrom")


def main(arguments: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("molecules", nargs="+", help="ID=SMILES or ID=SMILES:CHARGE")
    options = parser.parse_args(arguments)
    options.output.mkdir(parents=True, exist_ok=True)
    for item in options.molecules:
        molecule_id, _, rest = item.partition("=")
        smiles, _, charge_text = rest.partition(":")
        charge = int(charge_text or 0)
        results = []
        for start in conformers(smiles):
            energy, coordinates = optimise(start, charge)
            results.append((energy, [symbol for symbol, _ in start], coordinates))
        energy, symbols, coordinates = min(results, key=lambda result: result[0])
        lines = [f"{len(symbols)}", f"{molecule_id} {smiles} charge={charge} {LEVEL} "
                                    f"E={energy:.10f} ({len(results)} conformers)"]
        lines += [f"{symbol:2s} {x:14.8f} {y:14.8f} {z:14.8f}"
                  for symbol, (x, y, z) in zip(symbols, coordinates)]
        (options.output / f"{molecule_id}.xyz").write_text("\n".join(lines) + "\n")
        print(molecule_id, energy, len(results), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
