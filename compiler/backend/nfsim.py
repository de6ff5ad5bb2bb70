"""NFsim XML (model.nfsim.xml): the rule-based model for network-free simulation.

BNG2.pl writes it from the BNGL model (its ``writeXML`` action), and NFsim (shipped
with BioNetGen) must then read it: the file is written only if NFsim accepts it.
BioXen's rules are concrete, so the network is finite and ODE/SSA on the expanded
network is the usual route. NFsim refuses rate laws built from functions of
functions of observables (its "composite functions"), which BioXen's host model
uses (growth rate, energy-dependent transcription), so for whole-cell designs the
format reports that network-free simulation does not apply.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pysb.export import export
from pysb.pathfinder import get_path

from bioxen.errors import CompileError


def nfsim_path() -> Path:
    """NFsim as shipped beside BNG2.pl."""
    return Path(get_path("bng")).parent / "bin" / "NFsim"


def check_nfsim(path: Path, timeout: float = 600) -> None:
    """NFsim reads the XML and sets the model up (a zero-length run), or a clear error."""
    with tempfile.TemporaryDirectory(prefix="bioxen-nfsim-") as work:
        run = subprocess.run([str(nfsim_path()), "-xml", str(path), "-sim", "0", "-oSteps", "1",
                              "-o", str(Path(work) / "check.gdat")], capture_output=True, text=True,
                             timeout=timeout)
    if run.returncode != 0:
        said = " ".join((run.stdout + run.stderr).split()[-40:])
        raise CompileError(f"network-free simulation does not apply to this model: NFsim refuses it ({said})",
                           hint="simulate the expanded network (ODE or SSA) instead; drop nfsim from --formats")


def write_nfsim_xml(model, path: Path, timeout: float = 600) -> Path:
    """Write the model's NFsim XML to ``path`` through BNG2.pl's writeXML, once NFsim accepts it."""
    with tempfile.TemporaryDirectory(prefix="bioxen-nfsim-") as work:
        work = Path(work)
        (work / "model.bngl").write_text(export(model, "bngl") + "\nbegin actions\n  writeXML()\nend actions\n")
        run = subprocess.run(["perl", get_path("bng"), "model.bngl"], cwd=work, capture_output=True,
                             text=True, timeout=timeout)
        written = work / "model.xml"
        if run.returncode != 0 or not written.is_file():
            raise CompileError(f"BNG2.pl could not write NFsim XML: {(run.stdout + run.stderr)[-400:]}")
        check_nfsim(written, timeout)
        shutil.move(str(written), path)
    return path
