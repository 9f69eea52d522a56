"""Typed exceptions of qchemflow.

Every message names the molecule (or the config key) and says what to change, so that the CLI can
print it as one line.
"""


class QchemflowError(Exception):
    """Base class of the expected failures that a stage records as data."""


class InputError(QchemflowError):
    """The molecule table, a geometry or the config is wrong."""


class ConvergenceError(QchemflowError):
    """An iterative method (SCF, CC, FCI) did not converge."""


class ResourceError(QchemflowError):
    """A calculation would need more memory or time than the job has."""


def one_line(text: str) -> str:
    """``text`` with every character that would break a line or not print (a line break inside
    a quoted CSV cell, a tab, a control character) written as its escape, e.g. ``\\n``."""
    return "".join(character if character.isprintable() else repr(character)[1:-1]
                   for character in text)
