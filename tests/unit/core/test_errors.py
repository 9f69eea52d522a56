"""Typed errors: every expected failure is a QchemflowError, which the CLI turns into one line
and exit code 2."""

import pytest

from qchemflow.core.errors import ConvergenceError, InputError, QchemflowError, ResourceError
from qchemflow.core.record_models import RecordError
from qchemflow.pipeline.cli import main


@pytest.mark.parametrize("kind", [InputError, ConvergenceError, ResourceError, RecordError])
def test_every_expected_failure_is_a_qchemflow_error(kind):
    assert issubclass(kind, QchemflowError)


def test_cli_prints_one_line_and_exits_2(capsys):
    assert main(["geometry", "--settings", "not json", "--output-xyz", "x.xyz",
                 "--output-json", "x.json"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("qchemflow geometry: GeometrySettings")


def test_one_line_escapes_what_would_break_the_line():
    from qchemflow.core.errors import one_line

    assert one_line("row 2 (id 'a\nb'): tab\there\x1b") == "row 2 (id 'a\\nb'): tab\\there\\x1b"
    assert one_line("plain ümlaut ok") == "plain ümlaut ok"
