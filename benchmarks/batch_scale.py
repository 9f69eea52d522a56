"""Batch scale: run the pipeline on a table of small molecules and measure where the time goes.

    .venv/bin/python benchmarks/batch_scale.py [--table molecules/batch100.csv] [--cores 2]
        [--output benchmarks/results/NAME]

Three clocks:

- the whole ``snakemake`` command's wall time (start-up, DAG, every job, the report);
- each job's time, the ``s`` column of its rule's benchmark file (the job's shell, interpreter
  start, imports and the stage);
- each stage's own work, ``work_s`` in its record (measured inside the process around the
  stage's computation: everything after the imports and the reading of the settings).

The overhead share is 1 - sum(work_s) / sum(job s) over the stage jobs: what interpreter start,
imports and the job's shell cost, per stage and in all. The run's share adds Snakemake's own
time and idle cores: 1 - sum(work_s) / (cores x total wall).

By default the targets are every molecule's ``vqe.json`` and ``references.json`` (geometry, SCF,
active space, references, qubits, VQE: the stages whose work is small for small molecules);
``--all`` runs the default targets (hardware, noise and the report too, whose work is tens of
seconds per molecule and hides the start-up cost).
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
sys.path.insert(0, str(REPOSITORY / "src"))

from qchemflow.core.record_models import RECORD_FILES  # noqa: E402
from result_files import write_results  # noqa: E402  (beside this script)


def job_seconds(benchmark: Path) -> float:
    """The job's wall time from its Snakemake benchmark file."""
    with open(benchmark) as stream:
        rows = list(csv.DictReader(stream, delimiter="\t"))
    return float(rows[-1]["s"])


def stage_times(results: Path) -> dict[str, dict[str, float]]:
    """Per stage: jobs, summed job seconds and summed ``work_s`` of its records."""
    stages: dict[str, dict[str, float]] = {}
    for benchmark in sorted(results.glob("*/benchmarks/*.tsv")):
        stage = benchmark.stem
        record_path = benchmark.parent.parent / RECORD_FILES.get(stage, "")
        if stage not in RECORD_FILES or not record_path.is_file():
            continue
        record = json.loads(record_path.read_text())
        totals = stages.setdefault(stage, {"jobs": 0, "job_s": 0.0, "work_s": 0.0})
        totals["jobs"] += 1
        totals["job_s"] += job_seconds(benchmark)
        totals["work_s"] += float(record.get("work_s") or 0.0)
    return stages


def molecule_ids(table: Path) -> list[str]:
    """The ids of a molecule table (comment lines skipped)."""
    with open(table) as stream:
        rows = csv.DictReader(line for line in stream if not line.startswith("#"))
        return [row["id"] for row in rows]


def markdown(record: dict) -> str:
    """The per-stage table and the run's line."""
    lines = ["| stage | jobs | sum of job s | sum of work s | mean job s | mean work s | "
             "overhead |", "|" + "---|" * 7]
    for stage, totals in [*record["stages"].items(), ("all stages", record["all_stages"])]:
        jobs = totals["jobs"]
        lines.append(f"| {stage} | {jobs} | {totals['job_s']:.1f} | {totals['work_s']:.1f} | "
                     f"{totals['job_s'] / jobs:.2f} | {totals['work_s'] / jobs:.2f} | "
                     f"{100 * (1 - totals['work_s'] / totals['job_s']):.1f} % |")
    lines.append("")
    lines.append(f"Stage server {record['stage_server']}. "
                 f"{record['molecules']} molecules ({record['vqe_ok']} VQEs ok), targets "
                 f"{record['targets']}, {record['jobs']} jobs on {record['cores']} cores: "
                 f"{record['total_wall_s']:.1f} s wall; the run's overhead share (Snakemake, "
                 f"idle cores included) {100 * record['run_overhead_fraction']:.1f} %.")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run, measure, write ``<output>.json`` and ``<output>.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--table", default=str(REPOSITORY / "molecules/batch100.csv"))
    parser.add_argument("--fci-max-determinants", type=int, default=200000)
    parser.add_argument("--output", default=str(REPOSITORY / "benchmarks/results/batch100"))
    parser.add_argument("--stage-server", choices=("on", "off"), default="on",
                        help="off: every job in its own process (config stage_server: false), "
                             "the baseline")
    parser.add_argument("--all", action="store_true",
                        help="the default targets (hardware, noise, report) instead of the "
                             "stages up to the VQE")
    arguments = parser.parse_args()
    ids = molecule_ids(Path(arguments.table))
    targets = ["all"] if arguments.all else [
        f"results/{molecule_id}/{name}.json" for molecule_id in ids
        for name in ("vqe", "references")]
    workdir = Path(tempfile.mkdtemp(prefix="qchemflow-batch-"))
    (workdir / "stage_server.yaml").write_text(
        f"stage_server: {'true' if arguments.stage_server == 'on' else 'false'}\n")
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    command = [snakemake, *targets, "--snakefile", str(REPOSITORY / "Snakefile"),
               "--directory", str(workdir), "--configfile",
               str(REPOSITORY / "config/config.yaml"), str(workdir / "stage_server.yaml"),
               "--cores", str(arguments.cores),
               "--keep-going", "--quiet", "rules", "--config", f"molecules={arguments.table}",
               f"fci_max_determinants={arguments.fci_max_determinants}"]
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    total = time.perf_counter() - start
    if completed.returncode != 0:
        print(completed.stderr[-3000:], file=sys.stderr)
        return 1
    results = workdir / "results"
    stages = stage_times(results)
    all_stages = {key: sum(totals[key] for totals in stages.values())
                  for key in ("jobs", "job_s", "work_s")}
    vqe_ok = sum(json.loads((results / molecule_id / "vqe.json").read_text())["status"] == "ok"
                 for molecule_id in ids)
    record = {
        "table": str(Path(arguments.table).resolve().relative_to(REPOSITORY)
                     if Path(arguments.table).resolve().is_relative_to(REPOSITORY)
                     else arguments.table),
        "targets": "all" if arguments.all else "vqe.json and references.json",
        "stage_server": arguments.stage_server,
        "molecules": len(ids), "vqe_ok": vqe_ok,
        "jobs": len(list(results.rglob("benchmarks/*.tsv"))),
        "cores": arguments.cores, "total_wall_s": total,
        "stages": stages, "all_stages": all_stages,
        "overhead_fraction": 1 - all_stages["work_s"] / all_stages["job_s"],
        "run_overhead_fraction": 1 - all_stages["work_s"] / (arguments.cores * total),
        "fci_max_determinants": arguments.fci_max_determinants,
        "git_commit": subprocess.run(["git", "-C", str(REPOSITORY), "rev-parse", "--short",
                                      "HEAD"], capture_output=True, text=True).stdout.strip(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    write_results(arguments.output, record, markdown(record))
    shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
