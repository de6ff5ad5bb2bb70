"""VCell's own model format (model.vcml), converted from model.xml by VCell's SBML importer
(libvcell). The same converter also writes VCell's ODE solver input; tests/test_vcell.py
solves it and compares with libRoadRunner."""
from __future__ import annotations

from pathlib import Path

from bioxen.errors import CompileError


def write_vcml(sbml_text: str, path: Path) -> Path:
    """Convert SBML to VCML at ``path`` with VCell's importer, or a clear error."""
    try:
        import libvcell
    except ImportError:
        raise CompileError("the vcml format needs VCell's converter", hint="pip install 'bioxen[vcell]'") from None
    ok, message = libvcell.sbml_to_vcml(sbml_text, Path(path))
    if not ok or not Path(path).is_file():
        raise CompileError(f"VCell could not convert the model: {message}")
    return Path(path)
