"""One root error, one subclass per stage; errors read like a compiler's.

    policy.yaml:12:5: error: unknown key 'sheduler' (allowed: host, vms, simulate)

A stage collects its errors and raises them together (``BioxenError.errors``).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a user's file something came from (1-based line and column)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        """``file``, ``file:line`` or ``file:line:column``: a column without a line is not shown."""
        return ":".join(map(str, takewhile(lambda part: part is not None, (self.file, self.line, self.column))))


@dataclass(frozen=True)
class Diagnostic:
    message: str
    location: Location | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class BioxenError(Exception):
    """Root of every error BioXen reports to a user."""

    stage = "bioxen"

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None,
                 errors: list[Diagnostic] | None = None):
        self.errors = errors or [Diagnostic(message, location, hint)]
        super().__init__("\n".join(str(e) for e in self.errors))

    @classmethod
    def collected(cls, errors: list[Diagnostic]) -> "BioxenError":
        return cls(errors[0].message, errors=errors)

    def __reduce__(self):
        # pickled as its diagnostics (Dask carries a worker's error back): the default, the
        # message text, would come back as one diagnostic with "error:" twice and no location
        return type(self).collected, (self.errors,)


class GenomeError(BioxenError):
    """A genome file (GenBank, FASTA + GFF) that cannot be read or does not say what a VM needs."""

    stage = "genome"


class TableError(BioxenError):
    """An expression or gene table (CSV/TSV) with a bad header, row or value."""

    stage = "table"


class PolicyError(BioxenError):
    stage = "policy"


class ChassisError(BioxenError):
    """A host chassis profile that is missing, or lacks a value its mechanisms read."""

    stage = "chassis"


class PartsError(BioxenError):
    stage = "parts"


class CompileError(BioxenError):
    """A design the compiler cannot turn into a model: the passes, the rules or a back end refused it."""

    stage = "compile"


class FormatRefused(CompileError):
    """This output format does not apply to this design; the message says why
    (:mod:`bioxen.formats`: under ``--formats all`` it is left out and listed)."""


class DesignRefused(BioxenError, ValueError):
    """A requested isolation (orthogonal SD/anti-SD pairs, sRNA) cannot be designed;
    the hint says what to change."""

    stage = "isolate"


class SimulationError(BioxenError):
    stage = "simulate"


class CommandError(BioxenError):
    """A hypervisor command (PAUSE_VM, SET_SHARE, ...) that names no VM, or a setting out of range."""

    stage = "command"


class OutputError(BioxenError):
    """A place BioXen will not write to, or a write that failed."""

    stage = "output"


class DataError(BioxenError):
    """A reference data set (``bioxen data``) that is missing, unknown, or not the file as published."""

    stage = "data"


class ConfigError(BioxenError):
    """A VM configuration that cannot be mapped onto a policy (stage ``config``)."""

    stage = "config"


class ProgramError(BioxenError):
    """A biological program that is not a valid call (stage ``program``)."""

    stage = "program"


class MetabolismError(BioxenError):
    """A metabolic model that cannot be read, or a nutrient or gene it does not know."""

    stage = "metabolism"


def at(path: str | Path, line: int | None = None, column: int | None = None) -> Location:
    return Location(str(path), line, column)
