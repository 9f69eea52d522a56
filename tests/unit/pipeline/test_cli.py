"""The command line: every rule's shell line is a command the CLI accepts, stage failures are
data (exit 0), command errors one line (exit 2), and provenance prints a line per record."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from qchemflow.pipeline.cli import STAGE_COMMANDS, build_parser, main, provenance_table

from conftest import REPOSITORY

RULES = sorted((REPOSITORY / "workflow/rules").glob("*.smk"))


def shell_lines():
    """The qchemflow command of every rule (joined string literals of its shell directive)."""
    for path in RULES:
        text = path.read_text()
        shell = re.search(r"shell:\n((?:\s+\".*\"\n?)+)", text)
        if shell:
            yield path.stem, "".join(re.findall(r"\"(.*)\"", shell.group(1)))


@pytest.mark.parametrize("rule, command", list(shell_lines()), ids=lambda value: str(value)[:12])
def test_every_rule_calls_a_command_the_parser_accepts(rule, command):
    # Replace Snakemake's {placeholders} by dummy words, drop the log redirection, parse.
    words = shlex.split(re.sub(r"\{[^}]+\}", "1", command.split(" > ")[0]))
    assert words[0] == "qchemflow"
    arguments = build_parser().parse_args(words[1:])
    assert arguments.command in (*STAGE_COMMANDS, "report", "reactions", "scan")


def test_every_stage_command_has_a_rule():
    called = {command.split()[1] for _, command in shell_lines()}
    assert set(STAGE_COMMANDS) <= called


def test_unknown_command_is_refused_by_argparse():
    with pytest.raises(SystemExit) as stop:
        main(["no-such-stage"])
    assert stop.value.code == 2


def test_console_script_prints_its_version():
    result = subprocess.run([str(Path(sys.executable).with_name("qchemflow")), "--version"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.startswith("qchemflow ")


def test_provenance_prints_one_line_per_record(h2_results):
    table = provenance_table(str(h2_results)).splitlines()
    assert table[0].split()[:3] == ["id", "stage", "status"]
    assert len(table) == 1 + 9  # header and H2's nine records
    assert all(line.split()[0] == "H2" and line.split()[2] == "ok" for line in table[1:])


def test_scan_points_are_read_or_refused_in_one_line():
    from qchemflow.analysis.scans import ScanPoint
    from qchemflow.core.errors import InputError
    from qchemflow.pipeline.cli import scan_points_from_json

    assert scan_points_from_json('[["n2.0", 0.9], ["n2.1", 1.0]]') == [
        ScanPoint("n2.0", 0.9), ScanPoint("n2.1", 1.0)]
    with pytest.raises(InputError, match=r"scan --points: not a list of \[id, bond length\]"):
        scan_points_from_json('{"n2.0": 0.9}')
