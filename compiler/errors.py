"""One root error, one subclass per stage; errors read like a compiler's.

    policy.yaml:12:5: error: unknown key 'sheduler' (allowed: host, vms, simulate)

A stage collects its errors and raises them together (``BioxenError.errors``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """Where in a user's file something came from (1-based line and column)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


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


class GenomeError(BioxenError):
    stage = "genome"


class TableError(BioxenError):
    stage = "table"


class PolicyError(BioxenError):
    stage = "policy"


class ChassisError(BioxenError):
    stage = "chassis"


class PartsError(BioxenError):
    stage = "parts"


class CompileError(BioxenError):
    stage = "compile"


class SimulationError(BioxenError):
    stage = "simulate"


class CommandError(BioxenError):
    stage = "command"


class OutputError(BioxenError):
    """A place BioXen will not write to, or a write that failed."""

    stage = "output"


def at(path: str | Path, line: int | None = None, column: int | None = None) -> Location:
    return Location(str(path), line, column)
