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


def test_small_text_refuses_missing_large_and_binary_files(tmp_path):
    from qchemflow.core.errors import InputError
    from qchemflow.core.files import read_small_text

    def read(path):
        return read_small_text(path, "thing", 10, "fix A", "fix B", "fix C")

    with pytest.raises(InputError, match=r"thing '.*none' does not exist; fix A"):
        read(tmp_path / "none")
    (tmp_path / "big").write_text("x" * 11)
    with pytest.raises(InputError, match=r"is larger than 10 bytes; fix B"):
        read(tmp_path / "big")
    (tmp_path / "binary").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match=r"is not UTF-8 text; fix C"):
        read(tmp_path / "binary")
    (tmp_path / "bom").write_bytes(b"\xef\xbb\xbfid\r\n")
    assert read(tmp_path / "bom") == "id\r\n"  # mark dropped, line ending kept
