import json
import math

import numpy as np

from qchemflow.core.files import write_text_atomic
from qchemflow.core.records import (failure_record, read_json, stage_record, upstream_failure,
                                    write_json_atomic)


def test_json_round_trip_keeps_full_precision(tmp_path):
    energy = -74.94207992819222
    write_json_atomic(tmp_path / "a.json", {"energy": np.float64(energy), "v": np.arange(3)})
    record = read_json(tmp_path / "a.json")
    assert record["energy"] == energy  # bit-identical: repr round trip
    assert record["v"] == [0, 1, 2]


def test_non_finite_floats_become_null(tmp_path):
    write_json_atomic(tmp_path / "a.json", {"x": math.nan, "y": [math.inf]})
    assert json.loads((tmp_path / "a.json").read_text()) == {"x": None, "y": [None]}


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    write_text_atomic(tmp_path / "sub" / "f.txt", "hello")
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["f.txt"]


def test_failed_record_is_passed_on():
    # The records are compared whole with the contract of DESIGN.md ("When a molecule fails"):
    # status "ok" or "failed", the stage where it failed and the reason, passed on unchanged.
    ok = stage_record("scf", "m", energy=-1.0)
    geometry_failed = failure_record("geometry", "m", "multiplicity 2 is impossible")
    scf_failed = failure_record("scf", "m", "SCF did not converge")
    assert ok == {"id": "m", "stage": "scf", "status": "ok", "energy": -1.0}
    assert scf_failed == {"id": "m", "stage": "scf", "status": "failed", "failed_stage": "scf",
                          "reason": "SCF did not converge"}
    # A later stage's record names the stage that failed, not itself.
    assert failure_record("references", "m", "SCF did not converge", "scf") == {
        "id": "m", "stage": "references", "status": "failed", "failed_stage": "scf",
        "reason": "SCF did not converge"}
    # The first failed input is the one passed on; none failed: nothing to pass on.
    assert upstream_failure([ok, geometry_failed, scf_failed]) is geometry_failed
    assert upstream_failure([ok, scf_failed]) is scf_failed
    assert upstream_failure([ok, ok]) is None
