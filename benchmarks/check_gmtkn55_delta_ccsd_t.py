"""ΔCCSD(T) of every shipped GMTKN55 reaction through the pipeline's stages against PySCF run
directly (same geometry, cc-pVDZ, frozen core), to 0.01 kcal/mol: the unit test's check
(tests/unit/pipeline/test_reactions.py) on all eight reactions, not only the four small enough
for CI. About 11 minutes on 2 cores.

Run: .venv/bin/python benchmarks/check_gmtkn55_delta_ccsd_t.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPOSITORY / "tests"), str(REPOSITORY / "tests/unit/pipeline")]

from test_reactions import delta_ccsd_t_both_ways  # noqa: E402

ALL_REACTIONS = ("TAUT15_2", "TAUT15_6", "TAUT15_12", "TAUT15_14", "PA26_5", "PA26_6",
                 "PA26_10", "ACONF_1")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        deltas = delta_ccsd_t_both_ways(Path(folder), ALL_REACTIONS)
    worst = 0.0
    for reaction in ALL_REACTIONS:
        pipeline, direct = deltas[reaction]
        worst = max(worst, abs(pipeline - direct))
        print(f"{reaction:10s} pipeline {pipeline:12.6f}  PySCF {direct:12.6f}  "
              f"difference {pipeline - direct:+.2e} kcal/mol")
    print(f"largest difference {worst:.2e} kcal/mol (limit 0.01)")
    return 0 if worst < 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
