"""BioXen: compile annotated genomes plus a hypervisor policy into a whole-cell rule model.

Stages go one way: front end (``bioxen.frontend``) -> IR (``bioxen.ir``) -> passes
(``bioxen.passes``) -> back end (``bioxen.backend``) -> runtime (``bioxen.runtime``).
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bioxen")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"


def __getattr__(name: str):
    """``bioxen.Hypervisor``, imported on first use (no simulator loads at import time)."""
    if name == "Hypervisor":
        from bioxen.runtime.hypervisor import Hypervisor
        return Hypervisor
    raise AttributeError(f"module 'bioxen' has no attribute {name!r}")
