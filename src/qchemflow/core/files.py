"""Atomic files: every result is written to a temporary file in the same folder, then renamed,
so an interrupted job never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def temporary_prefix(destination: Path) -> str:
    """Temporary files of an atomic write sit beside the destination, hidden: ``.name.XXXX``."""
    return f".{destination.name}."


def remove_with_leftovers(path: str | Path) -> None:
    """Delete a file and any temporary file an interrupted atomic write of it left behind."""
    destination = Path(path)
    destination.unlink(missing_ok=True)
    for leftover in destination.parent.glob(f"{temporary_prefix(destination)}*"):
        leftover.unlink(missing_ok=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    Args:
        path: destination file; its folder is created when missing.
        text: the whole content.
    """
    destination = Path(path)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=destination.parent,
                                         prefix=temporary_prefix(destination))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_file_atomic(path: str | Path, writer: Callable[[str], None]) -> None:
    """Let ``writer`` write a file at a temporary path, then flush it to disk and rename it to
    ``path``.

    For writers of other libraries (PySCF's FCIDUMP and checkpoint writers, NumPy's ``savez``)
    that take a path.

    Args:
        path: destination file; its folder must exist.
        writer: called with the temporary path (which does not exist yet).
    """
    destination = Path(path)
    handle, temporary = tempfile.mkstemp(dir=destination.parent,
                                         prefix=temporary_prefix(destination))
    os.close(handle)
    Path(temporary).unlink()
    try:
        writer(temporary)
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_small_text(path: str | Path, what: str, max_bytes: int, missing_fix: str,
                    size_fix: str, text_fix: str) -> str:
    """Read an input file from outside the team: refused, with one line saying what to change,
    when it is missing, larger than ``max_bytes`` (checked before reading) or not UTF-8 text.

    A UTF-8 byte-order mark is dropped. Line endings are kept as written.

    Args:
        path: the file.
        what: what it is, e.g. "molecule table".
        missing_fix, size_fix, text_fix: what to do in each case.

    Raises:
        InputError: naming the file and the fix.
    """
    from qchemflow.core.errors import InputError

    file = Path(path)
    if not file.is_file():
        raise InputError(f"{what} '{path}' does not exist; {missing_fix}")
    if file.stat().st_size > max_bytes:
        raise InputError(f"{what} '{path}' is larger than {max_bytes} bytes; {size_fix}")
    try:
        return file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{what} '{path}' is not UTF-8 text; {text_fix}") from error
