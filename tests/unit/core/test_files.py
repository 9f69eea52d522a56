"""Atomic files: a file is either absent, the old one or the whole new one."""

import pytest

from qchemflow.core.files import remove_with_leftovers, write_file_atomic, write_text_atomic


def test_replacing_keeps_no_temporary_file(tmp_path):
    target = tmp_path / "a.txt"
    write_text_atomic(target, "old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert [path.name for path in tmp_path.iterdir()] == ["a.txt"]


def test_a_failing_writer_leaves_the_old_file(tmp_path):
    target = tmp_path / "a.txt"
    write_text_atomic(target, "old")

    def half_then_crash(temporary: str) -> None:
        with open(temporary, "w") as stream:
            stream.write("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_file_atomic(target, half_then_crash)
    assert target.read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["a.txt"]


def test_remove_with_leftovers_removes_interrupted_writes(tmp_path):
    target = tmp_path / "vqe.checkpoint.npz"
    target.write_text("x")
    (tmp_path / ".vqe.checkpoint.npz.abc123").write_text("half")
    (tmp_path / "other.npz").write_text("keep")
    remove_with_leftovers(target)
    assert [path.name for path in tmp_path.iterdir()] == ["other.npz"]
