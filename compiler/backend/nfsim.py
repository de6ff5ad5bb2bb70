"""NFsim XML (model.nfsim.xml): the rule-based model for network-free simulation.

BNG2.pl writes it from the BNGL model (its ``writeXML`` action), and NFsim (shipped
with BioNetGen) must then read it: the file is written only if NFsim accepts it.
BioXen's rules are concrete, so the network is finite and ODE/SSA on the expanded
network is the usual route. NFsim refuses rate laws built from functions of
functions of observables (its "composite functions"), which BioXen's host model
uses (growth rate, energy-dependent transcription), so for whole-cell designs the
format is refused (:class:`~bioxen.backend.formats.FormatRefused`): network-free
simulation does not apply, and ``--formats all`` lists it as refused. That rule is read
from the model first (:func:`composite_functions_reading_observables`), before minutes of
BNG2.pl; a model that passes it is still written and checked by NFsim.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from bioxen.backend.bngl import bngl_model
from pysb.pathfinder import get_path

from bioxen.backend.formats import FormatRefused

INSTEAD = "simulate the expanded network (ODE or SSA) instead; drop nfsim from --formats"


def nfsim_path() -> Path:
    """NFsim as shipped beside BNG2.pl."""
    return Path(get_path("bng")).parent / "bin" / "NFsim"


def check_nfsim(path: Path, timeout: float = 600) -> None:
    """NFsim reads the XML and sets the model up (a zero-length run), or a clear error."""
    with tempfile.TemporaryDirectory(prefix="bioxen-nfsim-") as work:
        run = _run([str(nfsim_path()), "-xml", str(path), "-sim", "0", "-oSteps", "1",
                    "-o", str(Path(work) / "check.gdat")], work, timeout, "NFsim reading the model")
    if run.returncode != 0:
        said = " ".join((run.stderr.strip() or run.stdout).split()[-40:])   # NFsim says why on stderr
        raise FormatRefused(f"network-free simulation does not apply to this model: NFsim refuses it ({said})",
                            hint=INSTEAD)


def _run(command: list[str], cwd, timeout: float, what: str) -> subprocess.CompletedProcess:
    """Run a BioNetGen tool; one that does not finish within ``timeout`` s refuses the format."""
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise FormatRefused(f"{what} did not finish within {timeout:g} s", hint=INSTEAD) from None


def composite_functions_reading_observables(model) -> list[str]:
    """The model's expressions NFsim refuses before BNG2.pl is asked to write anything: ones
    that call other expressions (NFsim's composite functions) and also read an observable.
    Measured: writing and checking the XML of one Syn3A VM at gene resolution takes 110 s."""
    from pysb import Expression, Observable

    return [expression.name for expression in model.expressions
            if any(isinstance(s, Expression) for s in expression.expr.free_symbols)
            and any(isinstance(s, Observable) for s in expression.expr.free_symbols)]


def write_nfsim_xml(model, path: Path, timeout: float = 600) -> Path:
    """Write the model's NFsim XML to ``path`` through BNG2.pl's writeXML, once NFsim accepts it."""
    refused = composite_functions_reading_observables(model)
    if refused:
        shown = ", ".join(refused[:3]) + (f" and {len(refused) - 3} more" if len(refused) > 3 else "")
        raise FormatRefused("network-free simulation does not apply to this model: NFsim refuses it (composite "
                            f"functions, which call other functions, cannot read observables: {shown})",
                            hint=INSTEAD)
    with tempfile.TemporaryDirectory(prefix="bioxen-nfsim-") as work:
        work = Path(work)
        (work / "model.bngl").write_text(bngl_model(model) + "\nbegin actions\n  writeXML()\nend actions\n")
        run = _run(["perl", get_path("bng"), "model.bngl"], work, timeout, "BNG2.pl writing NFsim XML")
        written = work / "model.xml"
        if run.returncode != 0 or not written.is_file():
            raise FormatRefused(f"BNG2.pl could not write NFsim XML: {(run.stdout + run.stderr)[-400:]}")
        check_nfsim(written, timeout)
        shutil.move(str(written), path)
    return path
