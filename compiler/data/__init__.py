"""Data shipped inside the package: chassis profiles (``chassis/``) and parts libraries
(``parts/``, part DNA in ``parts/dna/``), read through :mod:`importlib.resources` so an installed
wheel finds them wherever it is run from. Reference data sets that BioXen does not ship (a
licence that does not allow it) are found or fetched by :mod:`bioxen.data.reference`.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from bioxen.errors import DataError


def shipped(*parts: str) -> Path:
    """A directory or file shipped in this package, as a file-system path.

    Installed packages (wheels, editable installs) are directories, so the resource is a real
    path; a package imported from a zip archive is refused, since the readers need real files."""
    resource = files(__name__).joinpath(*parts)
    if not isinstance(resource, Path):
        raise DataError(f"bioxen's package data is not on the file system ({resource!r})",
                        hint="install bioxen as a directory (pip install), not inside a zip archive")
    return resource
