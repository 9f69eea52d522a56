"""qchemflow: molecules to VQE ground-state energies, next to honest classical references."""

from importlib.metadata import PackageNotFoundError, version

from qchemflow.core.errors import ConvergenceError, InputError, QchemflowError, ResourceError

try:
    __version__ = version("qchemflow")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["ConvergenceError", "InputError", "QchemflowError", "ResourceError", "__version__"]
