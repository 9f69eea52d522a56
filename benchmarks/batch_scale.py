"""Batch scale: run the pipeline on molecules/batch50.csv with --cores 2 and measure overhead.

    .venv/bin/python benchmarks/batch_scale.py [--cores 2] [--output benchmarks/results/NAME]

Total wall time is measured around the whole `snakemake` command (start-up, DAG, all jobs).
The jobs' own time is the sum of the `s` column of every rule's benchmark file (each job's wall
time, process start-up included). With C cores, a perfect scheduler needs sum / C; the
pipeline's overhead is the rest: total - sum / C, reported as a fraction of the total.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def main() -> int:
    """Run, measure, write ``<output>.json`` and ``<output>.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--table", default=str(REPOSITORY / "molecules/batch50.csv"))
    parser.add_argument("--fci-max-determinants", type=int, default=200000)
    parser.add_argument("--output", default=str(REPOSITORY / "benchmarks/results/batch50"))
    arguments = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="qchemflow-batch-"))
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    command = [snakemake, "--snakefile", str(REPOSITORY / "Snakefile"), "--directory",
               str(workdir), "--configfile", str(REPOSITORY / "config/config.yaml"),
               "--cores", str(arguments.cores), "--keep-going", "--quiet", "all",
               "--config", f"molecules={arguments.table}",
               f"fci_max_determinants={arguments.fci_max_determinants}"]
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    total = time.perf_counter() - start
    if completed.returncode != 0:
        print(completed.stderr[-3000:], file=sys.stderr)
        return 1
    job_seconds = 0.0
    n_jobs = 0
    for benchmark in workdir.rglob("benchmarks/*.tsv"):
        with open(benchmark) as stream:
            rows = list(csv.DictReader(stream, delimiter="\t"))
        job_seconds += float(rows[-1]["s"])
        n_jobs += 1
    with open(workdir / "results/summary.csv") as stream:
        summary = list(csv.DictReader(stream))
    ideal = job_seconds / arguments.cores
    record = {
        "molecules": len(summary),
        "ok": sum(row["status"] == "ok" for row in summary),
        "chemical_accuracy": sum(row["chemical_accuracy"] == "True" for row in summary),
        "jobs": n_jobs, "cores": arguments.cores, "total_wall_s": total,
        "sum_of_job_s": job_seconds, "ideal_wall_s": ideal, "overhead_s": total - ideal,
        "overhead_fraction": (total - ideal) / total,
        "fci_max_determinants": arguments.fci_max_determinants,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    table = ("| molecules | ok | within 1.6 mHa | jobs | cores | total wall s | sum of job s | "
             "sum / cores s | overhead s | overhead |\n|" + "---|" * 10 + "\n"
             f"| {record['molecules']} | {record['ok']} | {record['chemical_accuracy']} | "
             f"{n_jobs} | {arguments.cores} | {total:.1f} | {job_seconds:.1f} | {ideal:.1f} | "
             f"{total - ideal:.1f} | {100 * record['overhead_fraction']:.1f} % |\n")
    print(table)
    output = Path(arguments.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    output.with_suffix(".md").write_text(table)
    shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
