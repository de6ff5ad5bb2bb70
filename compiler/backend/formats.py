"""Output formats of `bioxen compile --formats` (names only; the writers are in compile.py).

model.xml and the JSON files (outputs, manifest, locus map, isolation) are always
written: the runtime, reports and every other format start from them.
"""
from __future__ import annotations

from bioxen.errors import CompileError

OPTIONAL = ("bngl", "net", "dna", "nfsim", "vcml", "antimony", "omex", "copasi")
FORMATS = ("sbml",) + OPTIONAL
DEFAULT_FORMATS = ("sbml", "bngl", "net", "dna", "omex")


def check_formats(formats) -> tuple[str, ...]:
    """The formats asked for, in canonical order (sbml always); an unknown one is an error.

    >>> check_formats(["nfsim", "bngl"])
    ('sbml', 'bngl', 'nfsim')
    """
    formats = tuple(dict.fromkeys(f.strip() for f in formats if f.strip()))
    if formats == ("all",):
        return FORMATS
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise CompileError(f"unknown output format(s) {', '.join(unknown)} (formats: {', '.join(FORMATS)}, "
                           "or all)")
    return tuple(f for f in FORMATS if f in formats or f == "sbml")
