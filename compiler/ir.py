"""The compiler's IR: frozen records from the front end through the passes.

The front end fills a :class:`Design` with genomes, tables and the chassis;
passes replace fields (never mutate) until every VM has expression units.
"""
from __future__ import annotations

from dataclasses import dataclass

from bioxen.chassis import Chassis
from bioxen.errors import Location
from bioxen.genome.records import Genome
from bioxen.table import ExpressionTable


@dataclass(frozen=True)
class InputFile:
    role: str
    path: str
    sha256: str


@dataclass(frozen=True)
class ExpressionUnit:
    """What one set of expression species stands for: a gene, operon or subsystem."""

    name: str                          # human name (locus tag, operon id, subsystem)
    coding: bool
    locus_tags: tuple[str, ...]
    lengths: tuple[int, ...] = ()      # protein lengths of the members (aa), coding units
    weights: tuple[float, ...] = ()    # relative transcription of the members
    strengths: tuple[float, ...] = ()  # relative initiation strengths of the members
    # filled by parameterize:
    max_transcription: float = 0.0     # molecules/min
    length: float = 0.0                # effective protein length, aa
    initiation_strength: float = 1.0


@dataclass(frozen=True)
class GuestVM:
    id: str
    genome: Genome
    table: ExpressionTable | None
    resolution: str
    ribosome_share: float
    operon_max_gap: int
    explicit_operons: tuple[tuple[str, ...], ...] | None
    location: Location | None
    units: tuple[ExpressionUnit, ...] = ()


@dataclass(frozen=True)
class SimulationPlan:
    until: float           # min
    points: int
    method: str
    seed: int | None


@dataclass(frozen=True)
class Design:
    name: str
    chassis: Chassis
    host_overrides: dict
    vms: tuple[GuestVM, ...]
    simulation: SimulationPlan
    inputs: tuple[InputFile, ...]

    def host_parameters(self) -> dict[str, float]:
        values = self.chassis.values()
        values.update({k: v for k, v in self.host_overrides.items() if v is not None})
        return values
