"""Chassis profiles: host parameters with units and sources (models/chassis/*.yaml)."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML

from bioxen.errors import ChassisError, at
from bioxen.rules import Quantity

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "models" / "chassis"


class _Quantity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: float
    units: str
    source: str = Field(min_length=1)


class _ChassisFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int = Field(1, ge=1, le=1)
    name: str
    description: str = ""
    parameters: dict[str, _Quantity]
    guest: dict[str, _Quantity]
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
    raw = path.read_bytes()
    try:
        parsed = _ChassisFile.model_validate(YAML(typ="safe").load(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ChassisError(f"invalid chassis: {'.'.join(map(str, first['loc']))}: {first['msg']}",
                           at(path)) from None
    missing = [k for k in REQUIRED if k not in parsed.parameters]
    if missing:
        raise ChassisError(f"chassis lacks parameters: {', '.join(missing)}", at(path))
    as_quantity = lambda d: {k: Quantity(q.value, q.units, q.source) for k, q in d.items()}  # noqa: E731
    return Chassis(parsed.name, parsed.description, as_quantity(parsed.parameters),
                   as_quantity(parsed.guest), dict(parsed.steady_state), str(path),
                   hashlib.sha256(raw).hexdigest())
