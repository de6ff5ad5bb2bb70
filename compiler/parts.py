"""Parts libraries: kinetics and sequences of the hypervisor's isolation parts.

A library (``<name>.yaml`` shipped in ``bioxen/data/parts/``, or a path a policy gives)
holds, with units and sources, the constants of orthogonal ribosome assembly, sRNA gates,
VM-tagged proteases and UGA decoding, the degron tags and the protease cross-recognition
matrix. The parts' DNA, with sources, is ``bioxen/data/parts/dna/sequences.yaml``.
"""
from __future__ import annotations

import dataclasses
import difflib
import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bioxen.chassis import declared_keys, lacking
from bioxen.data import shipped
from bioxen.datafile import SourcedQuantity, quantities, read_data_file, refuse_at, sign_errors, yaml_location
from bioxen.errors import Diagnostic, Location, PartsError, PolicyError
from bioxen.hardware import Hardware
from bioxen.quantity import Quantity
from bioxen.units import minutes

DEFAULT_DIR = shipped("parts")
PART_SEQUENCES = DEFAULT_DIR / "dna" / "sequences.yaml"     # the DNA of the parts, with sources
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _Tag(_Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    peptide: str = Field(pattern=f"^[{AMINO_ACIDS}]+$")
    protease: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    terminus: Literal["C", "N"] = "C"   # C: appended before the stop codon; N: after the start codon
    source: str = Field(min_length=1)


class _Recognition(_Strict):
    source: str = Field(min_length=1)
    matrix: list[list[float]]


class _Polymerase(_Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$", max_length=16)
    length: float = Field(gt=0, description="aa")
    elongation: float = Field(gt=0, le=1000, description="nt/s")
    promoter: str = Field(min_length=1, description="its promoter's key in dna/sequences.yaml")
    cds: str = Field(min_length=1, description="its gene's key in dna/sequences.yaml")
    inhibitor: str | None = Field(None, description="the key of a protein inhibitor's CDS (PAUSE on transcription)")
    source: str = Field(min_length=1)


class _PartsFile(_Strict):
    schema_version: int = Field(1, ge=1, le=1)
    name: str
    orthogonal_ribosomes: dict[str, SourcedQuantity]
    srna: dict[str, SourcedQuantity]
    protease: dict[str, SourcedQuantity]
    tags: list[_Tag] = Field(min_length=1)
    recognition: _Recognition
    genetic_code: dict[str, SourcedQuantity]
    atp_guard: dict[str, SourcedQuantity]
    reporter: dict[str, SourcedQuantity]
    clock: dict[str, SourcedQuantity]
    ribosome_gate: dict[str, SourcedQuantity]
    transcription_gate: dict[str, SourcedQuantity] = {}
    decoder: dict[str, SourcedQuantity]
    transcription: dict[str, SourcedQuantity]
    compartment: dict[str, SourcedQuantity]
    polymerases: list[_Polymerase] = Field(min_length=1)
    polymerase_crosstalk: _Recognition

    @model_validator(mode="after")
    def _square_crosstalk(self):
        n = len(self.polymerases)
        rows = self.polymerase_crosstalk.matrix
        if len(rows) != n or any(len(r) != n for r in rows):
            raise refuse_at(f"polymerase_crosstalk.matrix must be {n}x{n} (polymerases x their promoters)",
                            "polymerase_crosstalk", "matrix")
        if any(not 0 <= v <= 1 for r in rows for v in r) or any(rows[i][i] != 1 for i in range(n)):
            raise refuse_at("polymerase_crosstalk.matrix values lie in [0, 1], 1 on the diagonal (a polymerase on "
                            "its own promoter)", "polymerase_crosstalk", "matrix")
        names = [p.name for p in self.polymerases]
        if len(set(names)) != n:
            raise refuse_at("polymerases must have distinct names", "polymerases")
        return self

    @model_validator(mode="after")
    def _square_recognition(self):
        n = len(self.tags)
        rows = self.recognition.matrix
        if len(rows) != n or any(len(r) != n for r in rows):
            raise refuse_at(f"recognition.matrix must be {n}x{n} (proteases x tags, one per tag)",
                            "recognition", "matrix")
        if any(v < 0 for r in rows for v in r):
            raise refuse_at("recognition.matrix values must be >= 0", "recognition", "matrix")
        return self


# The constants a design needs are declared by the modules that read them (PARAMETERS, see
# bioxen.chassis.declarations).
# The library's sections of constants (orthogonal_ribosomes, srna, protease, ...).
SECTIONS = tuple(name for name, spec in _PartsFile.model_fields.items()
                 if spec.annotation == dict[str, SourcedQuantity])

# Every value is >= 0; these are sizes, thresholds and Hill coefficients (> 0) or fractions (<= 1).
POSITIVE = {
    "orthogonal_ribosomes": ("orrna_threshold", "controller_threshold", "controller_K", "controller_hill",
                             "controller_length"),
    "protease": ("length", "Km", "pulse_repressor_K", "pulse_repressor_hill", "pulse_repressor_length", "pulse_dose"),
    "atp_guard": ("hill", "repressor_K", "repressor_hill", "length"),
    "reporter": ("length", "checkpoint_hill"),
    "clock": ("repression_K", "hill", "length", "gate_hill"),
    "ribosome_gate": ("excess",),
    "decoder": ("rpu_transcription", "repressor_decay"),
    "genetic_code": ("amber_sites_per_gene", "aars_length", "charged_K", "ncaa_Km"),
    "transcription": ("host_available", "host_promoter_K", "promoter_K", "inhibitor_length"),
    "compartment": ("shell_length", "subunits", "cargo_per_shell", "lumen_volume", "nominal_shells"),
}
FRACTIONS = {"transcription_gate": ("residual",), "genetic_code": ("uga_decoding", "host_uga_stops", "readthrough_defective", "amber_suppression_orthogonal",
                             "amber_suppression_host", "amber_background", "host_uag_stops")}
# Design switches: 1 on, 0 off (read by bioxen.rules.proteolysis).
SWITCHES = {"protease": ("self_tagged", "pulse"), "ribosome_gate": ("ballast",)}


def _range_errors(path: Path, tree, group: str, values: dict[str, float], what: str) -> list[Diagnostic]:
    """Values of one section out of their physical range, or a switch neither 0 nor 1, located in ``tree``."""
    errors = sign_errors(path, tree, group, values, POSITIVE.get(group, ()), FRACTIONS.get(group, ()), what=what)
    for key in SWITCHES.get(group, ()):
        if key in values and values[key] not in (0, 1) and values[key] >= 0:
            loc = (group, key, "value") if isinstance(tree.get(group, {}).get(key), dict) else (group, key)
            errors.append(Diagnostic(f"invalid {what}: {group}.{key} is a design switch: 1 (on) or 0 (off), "
                                     f"not {values[key]:g}", yaml_location(path, tree, loc, key_itself=False)))
    return errors


def _parts_errors(path: Path, tree, parsed: _PartsFile) -> list[Diagnostic]:
    """Required constants the library lacks, and values out of their physical range."""
    errors = lacking("parts library", path, tree, declared_keys("parts"), parsed)
    for group in SECTIONS:
        values = {k: q.value for k, q in getattr(parsed, group).items()}
        errors += _range_errors(path, tree, group, values, "parts library")
    return errors


@dataclass(frozen=True)
class Tag:
    name: str
    peptide: str
    protease: str
    source: str
    terminus: str = "C"   # where the tag sits on the VM's proteins: "C" (before the stop) or "N"


@dataclass(frozen=True)
class Polymerase:
    """An orthogonal RNA polymerase of the parts library (policy ``transcription``)."""

    name: str
    length: float        # aa
    elongation: float    # nt/s
    promoter: str        # key of its promoter in dna/sequences.yaml
    cds: str             # key of its gene
    inhibitor: str | None
    source: str


@dataclass(frozen=True)
class PartsLibrary:
    name: str
    orthogonal_ribosomes: dict[str, Quantity]
    srna: dict[str, Quantity]
    protease: dict[str, Quantity]
    genetic_code: dict[str, Quantity]
    atp_guard: dict[str, Quantity]
    reporter: dict[str, Quantity]
    clock: dict[str, Quantity]
    tags: tuple[Tag, ...]
    recognition: tuple[tuple[float, ...], ...]   # [protease][tag], in the order of tags
    recognition_source: str
    source: str
    sha256: str
    ribosome_gate: dict[str, Quantity] = field(default_factory=dict)   # the gate RNA on a VM's pool
    transcription_gate: dict[str, Quantity] = field(default_factory=dict)   # a repressor at a VM's promoters
    decoder: dict[str, Quantity] = field(default_factory=dict)   # the command decoder's gates
    transcription: dict[str, Quantity] = field(default_factory=dict)   # polymerase pools
    compartment: dict[str, Quantity] = field(default_factory=dict)     # protein-shell compartments
    polymerases: tuple[Polymerase, ...] = ()
    # [polymerase][promoter]: activity of a polymerase on another's promoter relative to its own
    polymerase_crosstalk: tuple[tuple[float, ...], ...] = ()

    def polymerase(self, name: str) -> Polymerase:
        return next(p for p in self.polymerases if p.name == name)

    def crosstalk(self, polymerase: str, promoter: str) -> float:
        """How strongly ``polymerase`` transcribes from ``promoter``'s polymerase's promoter (1: its own)."""
        names = [p.name for p in self.polymerases]
        return self.polymerase_crosstalk[names.index(polymerase)][names.index(promoter)]


def find_parts(name: str, base_dir: Path | None = None) -> Path:
    direct = Path(name) if base_dir is None or Path(name).is_absolute() else base_dir / name
    if direct.suffix in (".yaml", ".yml") and direct.is_file():
        return direct
    candidate = DEFAULT_DIR / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in DEFAULT_DIR.glob("*.yaml"))
    raise PartsError(f"unknown parts library '{name}' (known: {', '.join(known) or 'none'})",
                     hint="name a library shipped with bioxen or give a path to a parts .yaml")


def load_parts(name: str = "isolation", base_dir: Path | None = None) -> PartsLibrary:
    path = find_parts(name, base_dir)
    parsed, tree, raw = read_data_file(path, _PartsFile, PartsError, "parts library")
    errors = _parts_errors(path, tree, parsed)
    if errors:
        raise PartsError.collected(errors)
    return PartsLibrary(
        parsed.name, quantities(parsed.orthogonal_ribosomes), quantities(parsed.srna),
        quantities(parsed.protease), quantities(parsed.genetic_code), quantities(parsed.atp_guard),
        quantities(parsed.reporter), quantities(parsed.clock),
        tuple(Tag(t.name, t.peptide, t.protease, t.source, t.terminus) for t in parsed.tags),
        tuple(tuple(row) for row in parsed.recognition.matrix), parsed.recognition.source,
        str(path), hashlib.sha256(raw).hexdigest(), ribosome_gate=quantities(parsed.ribosome_gate),
        transcription_gate=quantities(parsed.transcription_gate),
        decoder=quantities(parsed.decoder), transcription=quantities(parsed.transcription),
        compartment=quantities(parsed.compartment),
        polymerases=tuple(Polymerase(p.name, p.length, p.elongation, p.promoter, p.cds, p.inhibitor, p.source)
                          for p in parsed.polymerases),
        polymerase_crosstalk=tuple(tuple(row) for row in parsed.polymerase_crosstalk.matrix))


# -- single constants set by a policy (isolation.set) -------------------------------------------

_NUMBER_AND_UNIT = re.compile(r"^\s*([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*(.*?)\s*$")
# A rate's time word, in its unit's denominator: molecules/min, 1/min, 1/(molecule*min).
_PER_TIME = re.compile(r"^(.*/\(?(?:[^()/]*\*)?)([A-Za-z]+)(\)?)$")


class _Refused(ValueError):
    """A setting the library refuses: the message, a hint, and whether its key (not its value) is wrong."""

    def __init__(self, message: str, hint: str | None = None, key_itself: bool = False):
        super().__init__(message)
        self.hint, self.key_itself = hint, key_itself


def set_constants(library: PartsLibrary, settings: Mapping[str, float | str], origin: str,
                  where: Callable[[str, bool], Location]) -> PartsLibrary:
    """``library`` with single constants set (a policy's ``isolation.set``: ``"section.key"`` ->
    a number in the library's units, or ``"value unit"``). A set constant keeps its units; its
    source says ``origin`` set it and what it was. ``where(name, key_itself)`` locates a setting's
    key or value; every refused setting is reported together (PolicyError).

    >>> lib = load_parts()
    >>> q = set_constants(lib, {"protease.max_transcription": "300 molecules/h"}, "p.yaml",
    ...                   lambda *_: None).protease["max_transcription"]
    >>> q.value, q.units, q.source.startswith("policy p.yaml: set by the user (was ")
    (5.0, 'molecules/min', True)
    """
    errors, sections = [], {}
    for name, given in settings.items():
        section, _, key = name.partition(".")
        try:
            constant = _set_one(library, section, key, given, origin)
        except _Refused as refused:
            errors.append(Diagnostic(f"isolation.set {name}: {refused}", where(name, refused.key_itself), refused.hint))
            continue
        sections.setdefault(section, dict(getattr(library, section)))[key] = constant
    if errors:
        raise PolicyError.collected(errors)
    return dataclasses.replace(library, **sections)


def _set_one(library: PartsLibrary, section: str, key: str, given, origin: str) -> Quantity:
    """The constant ``section.key`` of ``library`` set to ``given``, checked as the library checks its own."""
    old = _constant(library, section, key)
    number = _in_units(given, old.units)
    problems = _range_errors(Path(origin), {}, section, {key: number}, "value")
    if problems:
        raise _Refused(problems[0].message.removeprefix(f"invalid value: {section}.{key} "),
                       hint=f"the library's value is {old.value:g} {old.units}")
    return Quantity(number, old.units, f"policy {origin}: set by the user (was {old.value:g} {old.units}: {old.source})")


def _constant(library: PartsLibrary, section: str, key: str) -> Quantity:
    """The library's constant ``section.key``, or _Refused listing what there is."""
    if not key:
        named = [f"{s}.{section}" for s in SECTIONS if section in getattr(library, s)]
        raise _Refused("a constant is named section.key" + (f" (did you mean '{named[0]}'?)" if named else ""),
                       hint=f"sections of single constants: {', '.join(SECTIONS)}", key_itself=True)
    if section not in SECTIONS:
        close = difflib.get_close_matches(section, SECTIONS, n=1)
        raise _Refused(f"the parts library has no section '{section}'" + (f" (did you mean '{close[0]}'?)" if close else ""),
                       hint=f"sections of single constants: {', '.join(SECTIONS)} (tags and recognition are "
                            "not single constants: give a library of your own in isolation.parts)", key_itself=True)
    constants = getattr(library, section)
    if key not in constants:
        close = difflib.get_close_matches(key, list(constants), n=1)
        raise _Refused(f"parts library '{library.name}' ({library.source}) has no constant {section}.{key}"
                       + (f" (did you mean '{section}.{close[0]}'?)" if close else ""),
                       hint=f"{section}'s constants: {', '.join(constants)}", key_itself=True)
    return constants[key]


def _in_units(given, units: str) -> float:
    """``given`` (a number in ``units``, or "value unit") as a finite number in ``units``."""
    example = f"e.g. 2.5 (in {units}) or '2.5 {units}'"
    if isinstance(given, bool) or not isinstance(given, (int, float, str)):
        raise _Refused(f"expected a number or 'value unit', not {type(given).__name__}", hint=example)
    if isinstance(given, str):
        match = _NUMBER_AND_UNIT.match(given)
        if not match or not match.group(2):
            raise _Refused(f"cannot read {given[:60]!r}: expected a number and the unit {units!r}", hint=example)
        given = float(match.group(1)) * _unit_factor(match.group(2), units)
    if not math.isfinite(given):
        raise _Refused(f"{given} is not a finite number", hint=example)
    return float(given)


def _unit_factor(unit: str, units: str) -> float:
    """What a value in ``unit`` is multiplied by to be in the library's ``units``: 1 for the same
    unit; for a rate, another time unit of :func:`bioxen.units.minutes` (``molecules/h`` for
    ``molecules/min``: 1/60)."""
    unit, units = re.sub(r"\s+", "", unit), re.sub(r"\s+", "", units)
    if unit == units:
        return 1.0
    given, wanted = _PER_TIME.match(unit), _PER_TIME.match(units)
    if given and wanted and (given.group(1), given.group(3)) == (wanted.group(1), wanted.group(3)):
        try:
            return minutes(f"1 {wanted.group(2)}") / minutes(f"1 {given.group(2)}")
        except ValueError:
            pass
    per_time = " (a rate: any time unit of s, min, h, d in its denominator)" if wanted else ""
    raise _Refused(f"unit {unit!r} is not the library's {units!r}{per_time}",
                   hint=f"give the value in {units}, e.g. '2.5 {units}'")


# -- the library in a chassis (bioxen.hardware) ----------------------------------------------

# The parts library's amounts are written for a 1-fL cell (an E. coli: Km 600 molecules = 1 uM,
# PARAMETERS.md). In a chassis of another volume the same part holds the same concentrations and
# rates per volume, so amounts and transcription per cell scale with the volume and second-order
# rate constants per molecule with its inverse. Energy thresholds ("...threshold", in the host's
# energy units) and physical sizes (fL, aa) are not amounts and stay.
REFERENCE_VOLUME_FL = 1.0
SCALING = {"molecules": 1, "molecules/min": 1, "1/(molecule*min)": -1}


def sized_for(parts, volume_fl: float):
    """The parts library's constants for a cell of ``volume_fl`` (the library unchanged at 1 fL)."""
    ratio = volume_fl / REFERENCE_VOLUME_FL
    if ratio == 1.0:
        return parts
    sections = {}
    for section in SECTIONS:
        constants = dict(getattr(parts, section))
        for key, q in constants.items():
            power = SCALING.get(q.units)
            if power is not None and not key.endswith("threshold"):
                constants[key] = Quantity(q.value * ratio ** power, q.units,
                                          f"{q.source}; x{ratio ** power:.4g} for a {volume_fl:g}-fL chassis cell")
        sections[section] = constants
    return dataclasses.replace(parts, **sections)


def read_tags(parts, hardware: Hardware):
    """The parts library with only the degron tags this chassis reads (their protease rows and tag
    columns of the recognition matrix kept in step); unchanged when the chassis names none."""
    if hardware.degron_tags is None:
        return parts
    names = [t.name for t in parts.tags]
    unknown = [t for t in hardware.degron_tags if t not in names]
    if unknown:
        raise ValueError(f"degron_tags {', '.join(ascii(t[:60]) for t in unknown[:5])} are not tags of parts library {parts.name} "
                         f"(its tags: {', '.join(names)})")
    keep = [names.index(t) for t in hardware.degron_tags]
    return dataclasses.replace(parts, tags=tuple(parts.tags[i] for i in keep),
                               recognition=tuple(tuple(parts.recognition[i][j] for j in keep) for i in keep))
