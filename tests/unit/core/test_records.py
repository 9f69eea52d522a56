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
    ok = stage_record("scf", "m", energy=-1.0)
    failed = failure_record("scf", "m", "did not converge")
    assert ok["status"] == "ok" and ok["energy"] == -1.0
    assert failed["status"] == "failed" and failed["failed_stage"] == "scf"
    assert upstream_failure([ok, failed]) is failed
    assert upstream_failure([ok]) is None
