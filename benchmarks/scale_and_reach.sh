#!/usr/bin/env bash
# Every table of benchmarks/README.md's "Scale and reach" section in one run, one after the
# other on this machine, into one folder. The PennyLane and ffsim tables need the bench extra,
# in an environment of its own so that the project's pins stay as they are:
#
#   python3 -m venv /tmp/bench && /tmp/bench/bin/pip install -e '.[bench]'
#   bash benchmarks/scale_and_reach.sh /tmp/bench/bin/python benchmarks/results/$(date +%F)
#
# About 90 minutes on 2 cores, most of it the batch of 100 molecules twice and the two-layer VQE.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-.venv/bin/python}
out=${2:-benchmarks/results/$(date +%F)}
mkdir -p "$out"
OMP_NUM_THREADS=1 "$python" benchmarks/run_benchmarks.py --output "$out/pennylane"
OMP_NUM_THREADS=2 "$python" benchmarks/ffsim_state_prep.py --output "$out/ffsim"
OMP_NUM_THREADS=1 "$python" benchmarks/representation_crossover.py --output "$out/crossover.json"
"$python" benchmarks/batch_scale.py --stage-server off --output "$out/batch100-off"
"$python" benchmarks/batch_scale.py --stage-server on --output "$out/batch100-on"
# Two layers at 24 qubits: BFGS, at most 1 200 iterations (~30 min).
"$python" benchmarks/reach_run.py --layers 1 2 --max-iterations 1200 --output "$out/reach"
