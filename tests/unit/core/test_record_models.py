"""Record models: every record is checked when written and read; the JSON Schemas in
workflow/schemas/results/ are the models' own and validate the same files."""

import copy
import json
import sys

import jsonschema
import pytest

from qchemflow.core.record_models import (RECORD_FILES, RecordError, record_json_schema,
                                          validate_record)
from qchemflow.core.records import read_record, write_record

from conftest import REPOSITORY

sys.path.insert(0, str(REPOSITORY / "scripts"))
from write_record_schemas import schema_path, schema_text  # noqa: E402


@pytest.fixture
def h2_records(h2_results):
    return h2_results / "H2"


@pytest.mark.parametrize("stage", list(RECORD_FILES))
def test_schema_files_are_the_models(stage):
    # The committed schema equals the one generated from the model (scripts/write_record_schemas).
    assert schema_path(stage).read_text() == schema_text(stage)


@pytest.mark.parametrize("stage", list(RECORD_FILES))
def test_real_records_satisfy_model_and_schema(h2_records, stage):
    record = json.loads((h2_records / RECORD_FILES[stage]).read_text())
    assert record["status"] == "ok" and record["stage"] == stage
    validate_record(record, "h2")
    jsonschema.Draft202012Validator(record_json_schema(stage)).validate(record)


@pytest.mark.parametrize("stage", list(RECORD_FILES))
def test_a_missing_or_unknown_field_is_refused_by_both(h2_records, stage):
    record = json.loads((h2_records / RECORD_FILES[stage]).read_text())
    validator = jsonschema.Draft202012Validator(record_json_schema(stage))
    for broken in (dict(record, unexpected_key=1),
                   {key: value for key, value in record.items() if key != "provenance"}):
        with pytest.raises(RecordError):
            validate_record(broken, "h2")
        assert not validator.is_valid(broken)


def test_a_wrongly_typed_field_is_named(h2_records):
    record = json.loads((h2_records / "vqe.json").read_text())
    record["energy"] = "low"
    with pytest.raises(RecordError, match=r"vqe.json-like: not a valid vqe record: energy"):
        validate_record(record, "vqe.json-like")


def test_records_are_checked_when_written_and_read(h2_records, tmp_path):
    record = read_record(h2_records / "scf.json")
    broken = copy.deepcopy(record)
    broken["stability"]["followed"] = "twice"
    with pytest.raises(RecordError, match="stability.followed"):
        write_record(tmp_path / "scf.json", broken)
    assert not (tmp_path / "scf.json").exists()  # nothing written
    (tmp_path / "scf.json").write_text(json.dumps(broken))
    with pytest.raises(RecordError, match="stability.followed"):
        read_record(tmp_path / "scf.json")


def test_failed_records_have_their_own_shape(h2_records):
    failed = {"id": "x", "stage": "vqe", "status": "failed", "failed_stage": "scf",
              "reason": "SCF did not converge", "provenance": read_record(
                  h2_records / "vqe.json")["provenance"]}
    validate_record(failed, "x")
    jsonschema.Draft202012Validator(record_json_schema("vqe")).validate(failed)
    with pytest.raises(RecordError):
        validate_record({**failed, "energy": -1.0}, "x")


@pytest.mark.parametrize("settings", [
    {"ansatz": "adapt", "optimizer": "BFGS"},
    {"ansatz": "adapt", "adapt_pool": "qubit"},
    {"ansatz": "k-upccgsd", "layers": 2},
    {"ansatz": "uccsd", "layers": 2, "simulator": "cirq"},
    {"ansatz": "uccsd", "simulator": "qsim"},
], ids=["adapt", "qubit-adapt", "k-upccgsd", "uccsd-2-layers-cirq", "uccsd-qsim"])
def test_every_ansatz_writes_a_valid_vqe_record(h2_results, tmp_path, settings):
    # Each ansatz adds its own keys to vqe.json; the stage writes through the model, so a key the
    # model does not know would fail here.
    import shutil

    from conftest import run_quantum_stages

    shutil.copytree(h2_results / "H2", tmp_path / "H2")
    vqe = run_quantum_stages(tmp_path, "H2", **settings)["vqe"]
    assert vqe["status"] == "ok" and vqe["ansatz"] == settings["ansatz"]
    assert read_record(tmp_path / "H2" / "vqe.json") == json.loads(
        (tmp_path / "H2" / "vqe.json").read_text())
