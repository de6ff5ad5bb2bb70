"""Chassis profiles: host parameters with units and sources.

Profiles ship in the package (``bioxen/data/chassis/*.yaml``); a user's own are found by path or
in the directories of ``BIOXEN_CHASSIS_PATH``, which come first.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bioxen.data import shipped
from bioxen.datafile import SourcedQuantity, quantities, read_data_file, sign_errors, yaml_location
from bioxen.errors import ChassisError, Diagnostic
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


@dataclass(frozen=True)
class Chassis:
    name: str
    description: str
    parameters: dict[str, Quantity]
    guest: dict[str, Quantity]
    steady_state: dict[str, float]
    source: str
    sha256: str

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
        candidate = directory / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    known = sorted(p.stem for d in chassis_dirs() if d.is_dir() for p in d.glob("*.yaml"))
    raise ChassisError(f"unknown chassis '{name}' (known: {', '.join(known) or 'none'})",
                       hint="name a profile shipped with bioxen or one in a directory of BIOXEN_CHASSIS_PATH, "
                            "or give a path to a chassis .yaml")


REQUIRED = ("s", "n_s", "gmax", "K_gamma", "v_t", "v_m", "K_t", "K_m", "w_r", "w_e", "w_q",
            "theta_r", "theta_nr", "K_q", "h_q", "n_r", "n_x", "d_m", "k_b", "k_u", "M",
            "w_rR", "theta_rR", "k_assembly", "k_disassembly", "d_rR")
REQUIRED_GUEST = ("mrna_decay", "protein_decay", "transcription_threshold")
# Every value is >= 0 (rates, amounts, concentrations); these divide or are sizes, so > 0:
# lengths (n_r, n_x), mass (M), half-saturation and threshold amounts, Hill coefficient, speed.
POSITIVE = ("n_s", "gmax", "K_gamma", "K_t", "K_m", "theta_r", "theta_nr", "K_q", "h_q", "n_r", "n_x", "M",
            "theta_rR", "transcription_threshold", "transcription_elongation")


def _chassis_errors(path: Path, tree, parsed: _ChassisFile) -> list[Diagnostic]:
    """Required parameters the file lacks, and values out of their physical range."""
    errors = [Diagnostic(f"chassis lacks {group}: {', '.join(missing)}",
                         yaml_location(path, tree, (group,), key_itself=True))
              for group, required in (("parameters", REQUIRED), ("guest", REQUIRED_GUEST))
              if (missing := [k for k in required if k not in getattr(parsed, group)])]
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
                   hashlib.sha256(raw).hexdigest())
