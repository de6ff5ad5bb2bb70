"""Chassis profiles: host parameters with units and sources.

Profiles ship in the package (``bioxen/data/chassis/*.yaml``); a user's own are found by path or
in the directories of ``BIOXEN_CHASSIS_PATH``, which come first.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bioxen.data import shipped
from bioxen.datafile import SourcedQuantity, quantities, read_data_file, sign_errors, yaml_location
from bioxen.errors import ChassisError, Diagnostic
from bioxen.hardware import BACTERIAL, Hardware, HardwareFile
from bioxen.quantity import Quantity

DEFAULT_DIR = shipped("chassis")


class _ChassisFile(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    schema_version: int = Field(1, ge=1, le=1)
    name: str
    description: str = ""
    parameters: dict[str, SourcedQuantity]
    guest: dict[str, SourcedQuantity]
    steady_state: dict[str, float] = {}
    hardware: HardwareFile | None = None
    validation: dict[str, SourcedQuantity] = {}
    cell_cycle: dict[str, SourcedQuantity] = {}
    metabolism: str | None = Field(None, description="the host's metabolic model (a reference data "
                                                    "set or e_coli_core)")


@dataclass(frozen=True)
class Chassis:
    name: str
    description: str
    parameters: dict[str, Quantity]
    guest: dict[str, Quantity]
    steady_state: dict[str, float]
    source: str
    sha256: str
    hardware: Hardware = BACTERIAL
    validation: dict[str, Quantity] = field(default_factory=dict)   # published numbers the host is checked against
    cell_cycle: dict[str, Quantity] = field(default_factory=dict)   # temperature, fork_speed (the runtime API's)
    metabolism: str | None = None       # the host's metabolic model (bioxen.api.metabolism)

    @property
    def genetic_code(self) -> int:
        return self.hardware.genetic_code

    @property
    def volume(self) -> float:
        """The cell's volume, fL (guest.volume; a profile without it: the parts library's 1 fL)."""
        q = self.guest.get("volume")
        return q.value if q is not None else 1.0

    def values(self) -> dict[str, float]:
        return {k: q.value for k, q in self.parameters.items()}


def chassis_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("BIOXEN_CHASSIS_PATH", "").split(os.pathsep) if p]
    return extra + [DEFAULT_DIR]


def find_chassis(name: str, base_dir: Path | None = None) -> Path:
    direct = Path(name)
    if base_dir is not None and not direct.is_absolute():
        direct = base_dir / direct
    if direct.suffix in (".yaml", ".yml") and direct.is_file():
        return direct
    for directory in chassis_dirs():
        for stem in dict.fromkeys((name, canonical_name(name))):
            candidate = directory / f"{stem}.yaml"
            if candidate.is_file():
                return candidate
    known = shipped_chassis()
    raise ChassisError(f"unknown chassis '{name}' (known: {', '.join(known) or 'none'})",
                       hint="name a profile shipped with bioxen or one in a directory of BIOXEN_CHASSIS_PATH, "
                            "or give a path to a chassis .yaml")


# Every value is >= 0 (rates, amounts, concentrations); these divide or are sizes, so > 0:
# lengths (n_r, n_x), mass (M), half-saturation and threshold amounts, Hill coefficient, speed.
POSITIVE = ("n_s", "gmax", "K_gamma", "K_t", "K_m", "theta_r", "theta_nr", "K_q", "h_q", "n_r", "n_x", "M",
            "theta_rR", "transcription_threshold", "transcription_elongation", "volume")

# Which chassis and parts values a design needs is said by the modules that read them: each
# declares, in a module-level tuple ``PARAMETERS``, the keys it reads as "<file>.<section>.<key>",
# e.g. "chassis.parameters.gmax", "parts.srna.pairing". Those modules are later stages (rules,
# passes, back end), which the front end may not import (tests/test_layers.py), so their tuples
# are read from the source with ast: nothing of theirs runs, and a chassis is checked before
# anything is compiled.
READERS = ("bioxen.rules", "bioxen.passes", "bioxen.backend")
DECLARATION = "PARAMETERS"


def _declared_in(path: Path) -> tuple[str, ...]:
    """The keys of ``path``'s module-level ``PARAMETERS = (...)`` (none: ()). Only that tuple is
    parsed: keys are plain strings (no parenthesis), so its first ")" closes it."""
    text = path.read_text(encoding="utf-8")
    start = text.find(f"\n{DECLARATION} = (")
    if start < 0:
        return ()
    start = text.index("(", start)
    try:
        return tuple(ast.literal_eval(text[start:text.index(")", start) + 1]))
    except (ValueError, SyntaxError) as exc:
        raise ValueError(f"{path}: {DECLARATION} must be a tuple of strings: {exc}") from None


def declarations() -> dict[str, tuple[str, ...]]:
    """{module: the keys it declares} for every module of :data:`READERS` that declares some."""
    found = {}
    for package in READERS:
        for directory in importlib.util.find_spec(package).submodule_search_locations:
            for path in sorted(Path(directory).glob("*.py")):
                keys = _declared_in(path)
                if keys:
                    found[f"{package}.{path.stem}" if path.stem != "__init__" else package] = keys
    return found


def declared_keys(file: str, undeclared: dict[str, tuple[str, ...]] | None = None
                  ) -> dict[str, dict[str, tuple[str, ...]]]:
    """{section: {key: the modules that read it}} that a ``file`` ("chassis" or "parts") must
    hold, in the order declared; ``undeclared``: {module: keys} it reads without declaring them."""
    sections: dict[str, dict[str, tuple[str, ...]]] = {}
    for module, keys in [*declarations().items(), *(undeclared or {}).items()]:
        for declared in keys:
            where, section, key = declared.split(".", 2)
            if where == file:
                sections.setdefault(section, {})
                sections[section][key] = sections[section].get(key, ()) + (module,)
    return sections


def lacking(what: str, path: Path, tree, sections: dict, parsed) -> list[Diagnostic]:
    """A file's sections that lack keys some module reads (``sections``: :func:`declared_keys`)."""
    errors = []
    for section, readers in sections.items():
        missing = [key for key in readers if key not in getattr(parsed, section)]
        if missing:
            read = "; ".join(f"{key} is read by {', '.join(readers[key])}" for key in missing[:3])
            errors.append(Diagnostic(f"{what} lacks {section}: {', '.join(missing)}",
                                     yaml_location(path, tree, (section,), key_itself=True), hint=read))
    return errors


def _chassis_errors(path: Path, tree, parsed: _ChassisFile) -> list[Diagnostic]:
    """Required parameters the file lacks, and values out of their physical range."""
    errors = lacking("chassis", path, tree, declared_keys("chassis"), parsed)
    for group in ("parameters", "guest"):
        values = {k: q.value for k, q in getattr(parsed, group).items()}
        errors += sign_errors(path, tree, group, values, POSITIVE, what="chassis")
    return errors + sign_errors(path, tree, "steady_state", parsed.steady_state, what="chassis")


def load_chassis(name: str, base_dir: Path | None = None) -> Chassis:
    path = find_chassis(name, base_dir)
    parsed, tree, raw = read_data_file(path, _ChassisFile, ChassisError, "chassis")
    errors = _chassis_errors(path, tree, parsed)
    if errors:
        raise ChassisError.collected(errors)
    return Chassis(parsed.name, parsed.description, quantities(parsed.parameters),
                   quantities(parsed.guest), dict(parsed.steady_state), str(path),
                   hashlib.sha256(raw).hexdigest(),
                   Hardware.read(parsed.hardware) if parsed.hardware else BACTERIAL,
                   quantities(parsed.validation), quantities(parsed.cell_cycle), parsed.metabolism)


# Names users write for the shipped chassis (``create_bio_vm(..., chassis="ecoli")``).
ALIASES = {"ecoli": "ecoli_mg1655", "e_coli": "ecoli_mg1655", "escherichia_coli": "ecoli_mg1655",
           "mg1655": "ecoli_mg1655", "minimal": "syn3a", "jcvi_syn3a": "syn3a", "minimal_cell": "syn3a",
           "saccharomyces_cerevisiae": "yeast", "s_cerevisiae": "yeast", "cerevisiae": "yeast",
           "budding_yeast": "yeast", "s288c": "yeast"}


def canonical_name(name: str) -> str:
    """A chassis name with its alias resolved, case, '-', '.' and spaces ignored (``E. coli`` ->
    ``ecoli_mg1655``); a name that is no alias comes back in that spelling.

    >>> canonical_name("E. coli"), canonical_name("Yeast"), canonical_name("SYN3A")
    ('ecoli_mg1655', 'yeast', 'syn3a')
    """
    key = "_".join(name.strip().lower().replace("-", " ").replace(".", " ").replace("_", " ").split())
    return ALIASES.get(key, key)


def shipped_chassis() -> list[str]:
    """The name of every chassis profile found, shipped or in BIOXEN_CHASSIS_PATH (sorted, each once)."""
    return sorted({p.stem for d in chassis_dirs() if d.is_dir() for p in d.glob("*.yaml")})
