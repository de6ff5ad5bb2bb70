"""Parts libraries: kinetics and sequences of the hypervisor's isolation parts.

A library (``<name>.yaml`` shipped in ``bioxen/data/parts/``, or a path a policy gives)
holds, with units and sources, the constants of orthogonal ribosome assembly, sRNA gates,
VM-tagged proteases and UGA decoding, the degron tags and the protease cross-recognition
matrix. The parts' DNA, with sources, is ``bioxen/data/parts/dna/sequences.yaml``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bioxen.chassis import declared_keys, lacking
from bioxen.data import shipped
from bioxen.datafile import SourcedQuantity, quantities, read_data_file, refuse_at, sign_errors
from bioxen.errors import Diagnostic, PartsError
from bioxen.quantity import Quantity

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
    decoder: dict[str, SourcedQuantity]

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
    "reporter": ("length",),
    "clock": ("repression_K", "hill", "length", "gate_hill"),
    "ribosome_gate": ("excess",),
    "decoder": ("rpu_transcription", "repressor_decay"),
}
FRACTIONS = {"genetic_code": ("uga_decoding", "host_uga_stops", "readthrough_defective")}


def _parts_errors(path: Path, tree, parsed: _PartsFile) -> list[Diagnostic]:
    """Required constants the library lacks, and values out of their physical range."""
    errors = lacking("parts library", path, tree, declared_keys("parts"), parsed)
    for group in SECTIONS:
        values = {k: q.value for k, q in getattr(parsed, group).items()}
        errors += sign_errors(path, tree, group, values, POSITIVE.get(group, ()), FRACTIONS.get(group, ()),
                              what="parts library")
    return errors


@dataclass(frozen=True)
class Tag:
    name: str
    peptide: str
    protease: str
    source: str
    terminus: str = "C"   # where the tag sits on the VM's proteins: "C" (before the stop) or "N"


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
    decoder: dict[str, Quantity] = field(default_factory=dict)   # the command decoder's gates


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
        decoder=quantities(parsed.decoder))
