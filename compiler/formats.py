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

from bioxen.env import env_number
from bioxen.errors import CompileError, FormatRefused

__all__ = ["ALL", "OPTIONAL", "FORMATS", "DEFAULT_FORMATS", "FormatRefused", "check_formats",
           "formats_to_write", "refuse_above"]

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


def reaction_limit(variable: str, default: int) -> int:
    """The most reactions a format is written for: ``variable`` (a whole number above 0) or ``default``."""
    return env_number(variable, int, default,
                      lambda text: CompileError(f"{variable} must be a whole number above 0, got {text!r}"),
                      accept=lambda number: number > 0)


def refuse_above(tool: str, reactions: int | None, variable: str, default: int, measured: str) -> None:
    """Raise :class:`FormatRefused` when a network of ``reactions`` is more than ``tool``'s
    reader handles in reasonable time (the limit: :func:`reaction_limit`); ``measured`` says
    why, with the times measured. Checked before the tool starts, so nothing waits on it.

    >>> refuse_above("COPASI", 176, "BIOXEN_UNSET_EXAMPLE", 10_000, "its import grows as reactions x elements")
    """
    limit = reaction_limit(variable, default)
    if reactions is not None and reactions > limit:
        raise FormatRefused(f"{tool}: {reactions:,} reactions is more than its SBML reader handles in reasonable "
                            f"time (limit {limit:,}; {measured})",
                            hint=f"compile at operon or subsystem resolution for {tool}, load model.xml into it "
                                 f"yourself, or raise {variable}")
