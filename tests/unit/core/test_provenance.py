"""Provenance: what made a record, passed explicitly by the workflow."""

from qchemflow.core.provenance import (RunProvenance, config_hash, package_versions,
                                       provenance, qchemflow_version, text_hash)


def test_config_hash_ignores_key_order_and_sees_values():
    first = config_hash({"basis": "sto-3g", "seed": 42})
    assert first == config_hash({"seed": 42, "basis": "sto-3g"})
    assert first != config_hash({"seed": 43, "basis": "sto-3g"})
    # SHA-256 of the sorted JSON text, as written in the function.
    assert first == text_hash('{"basis": "sto-3g", "seed": 42}')


def test_text_hash_is_sha256():
    # sha256("") from FIPS 180-4's test vectors.
    assert text_hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_provenance_carries_what_it_is_given_and_the_versions():
    run = RunProvenance("abc", 7, "0123abc")
    record = provenance(run, "input")
    assert record == {"versions": package_versions(), "config_hash": "abc", "input_hash": "input",
                      "seed": 7, "git_commit": "0123abc"}
    assert record["versions"]["qchemflow"] == qchemflow_version()
    assert provenance(RunProvenance(), None)["git_commit"] is None
