"""Chassis profiles: host parameters with units and sources (models/chassis/*.yaml)."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bioxen.datafile import SourcedQuantity, quantities, read_data_file
from bioxen.errors import ChassisError, at
from bioxen.rules import Quantity

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "models" / "chassis"


class _ChassisFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
                       hint="name a profile in models/chassis, a directory in BIOXEN_CHASSIS_PATH, "
                            "or give a path to a chassis .yaml")


REQUIRED = ("s", "n_s", "gmax", "K_gamma", "v_t", "v_m", "K_t", "K_m", "w_r", "w_e", "w_q",
            "theta_r", "theta_nr", "K_q", "h_q", "n_r", "n_x", "d_m", "k_b", "k_u", "M",
            "w_rR", "theta_rR", "k_assembly", "k_disassembly", "d_rR")


def load_chassis(name: str, base_dir: Path | None = None) -> Chassis:
    path = find_chassis(name, base_dir)
    parsed, raw = read_data_file(path, _ChassisFile, ChassisError, "chassis")
    missing = [k for k in REQUIRED if k not in parsed.parameters]
    if missing:
        raise ChassisError(f"chassis lacks parameters: {', '.join(missing)}", at(path))
    return Chassis(parsed.name, parsed.description, quantities(parsed.parameters),
                   quantities(parsed.guest), dict(parsed.steady_state), str(path),
                   hashlib.sha256(raw).hexdigest())
