"""The model as Antimony text (libAntimony), converted from the SBML the compiler emits.

libAntimony keeps the models it loaded in one process-wide store; every call
here clears it before and after, so conversions never see each other's modules.
"""
from __future__ import annotations

from pathlib import Path

import antimony
import libsbml

from bioxen.backend.sbml import write_text_atomically
from bioxen.errors import CompileError
from bioxen.formats import refuse_above

# libAntimony reads the SBML into its own modules and rebuilds SBML from them, looking each
# symbol up as it goes (Module::GetVariableFromSymbol; gdb samples): one Syn3A VM at gene
# resolution (6,985 reactions) took 32 s, three (29,083) had not finished after 13 min (2026-12-01).
ANTIMONY_MAX_REACTIONS = 10_000
LIMIT_VARIABLE = "BIOXEN_ANTIMONY_MAX_REACTIONS"


def _convert(load, text: str, what: str, emit) -> str:
    antimony.clearPreviousLoads()
    try:
        if load(text) < 0:
            raise CompileError(f"libAntimony cannot read the {what}: {antimony.getLastError().strip()}")
        return emit(antimony.getMainModuleName())
    finally:
        antimony.clearPreviousLoads()


def sbml_to_antimony(sbml: str) -> str:
    """Antimony text for an SBML document (as XML text)."""
    return _convert(antimony.loadSBMLString, sbml, "SBML model", antimony.getAntimonyString)


def antimony_to_sbml(text: str) -> str:
    """SBML (as XML text) for Antimony text: the way back, for round trips and for users."""
    return _convert(antimony.loadAntimonyString, text, "Antimony model", antimony.getSBMLString)


def to_antimony(doc: libsbml.SBMLDocument) -> str:
    return sbml_to_antimony(libsbml.writeSBMLToString(doc))


def write_antimony(build, path, model_xml: Path | None = None) -> Path:
    """``model.ant`` for a compiled :class:`~bioxen.backend.compile.Build`; returns ``path``. A
    network of more than :data:`ANTIMONY_MAX_REACTIONS` reactions is refused
    (:func:`bioxen.formats.refuse_above`) before libAntimony starts on it. ``model_xml``: the
    build's model.xml as :func:`bioxen.backend.sbml.write_sbml` wrote it, read instead of writing
    the document again."""
    refuse_above("Antimony", len(build.reaction_ids), LIMIT_VARIABLE, ANTIMONY_MAX_REACTIONS,
                 "libAntimony's SBML reader grows faster than the network: 6,985 reactions took 32 s, 29,083 "
                 "did not finish in 13 min")
    text = to_antimony(build.sbml) if model_xml is None else sbml_to_antimony(Path(model_xml).read_text())
    return write_text_atomically(text, path)
