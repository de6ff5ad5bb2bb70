"""Output formats of `bioxen compile --formats` (names only; the writers are in backend/compile.py).

model.xml and the JSON files (outputs, manifest, locus map, isolation) are always
written: the runtime, reports and every other format start from them.

A format may not apply to a design: NFsim refuses the host model's rate laws, VCML cannot
hold every SBML construct. Its writer then raises :class:`FormatRefused`. A format
named in ``--formats`` that refuses is an error (and nothing is written); under ``all``,
which means every format that applies, the refused ones are left out and listed with the
reason in the manifest (``formats_refused``).
"""
from __future__ import annotations

from bioxen.errors import CompileError, FormatRefused

__all__ = ["ALL", "OPTIONAL", "FORMATS", "DEFAULT_FORMATS", "FormatRefused", "check_formats",
           "formats_to_write"]

ALL = "all"
OPTIONAL = ("bngl", "net", "dna", "nfsim", "vcml", "antimony", "omex", "copasi")
FORMATS = ("sbml",) + OPTIONAL
DEFAULT_FORMATS = ("sbml", "bngl", "net", "dna", "omex")


def check_formats(formats) -> tuple[str, ...]:
    """The formats asked for, in canonical order (sbml always), or ``("all",)``; an unknown
    one is an error.

    >>> check_formats(["nfsim", "bngl"])
    ('sbml', 'bngl', 'nfsim')
    >>> check_formats(["all"])
    ('all',)
    """
    formats = tuple(dict.fromkeys(f.strip() for f in formats if f.strip()))
    if formats == (ALL,):
        return formats
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise CompileError(f"unknown output format(s) {', '.join(unknown)} (formats: {', '.join(FORMATS)}, "
                           f"or {ALL})")
    return tuple(f for f in FORMATS if f in formats or f == "sbml")


def formats_to_write(formats) -> tuple[tuple[str, ...], bool]:
    """The formats to try, and whether one may be refused (``all``) rather than fail the build.

    >>> formats_to_write(["all"]) == (FORMATS, True)
    True
    >>> formats_to_write(["bngl"])
    (('sbml', 'bngl'), False)
    """
    formats = check_formats(formats)
    return (FORMATS, True) if formats == (ALL,) else (formats, False)
