"""Saved hypervisor states: versioned JSON of one model, read and checked whole before any of it
is applied (so a refused file changes nothing).

A state holds the model's hash, the time, every settable parameter (inducers, pool sizes),
every floating species' amount and every VM's ribosome share. A file is refused, with the key
and the reason, if it is not a JSON object of exactly those keys; if its version or hash is not
this model's; if a parameter, species or VM is unknown or missing; if a value is not a finite
number; if an amount is negative (beyond an ODE solver's round-off) or above ``MAX_AMOUNT``; if
the time is negative; or if a ribosome share is outside [0, 1) or the shares leave the host none.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from bioxen.errors import CommandError
from bioxen.runtime.limits import MAX_AMOUNT, ROUND_OFF, is_finite

STATE_VERSION = 2
STATE_KEYS = ("bioxen_state", "build", "model_sha256", "time_min", "parameters", "ribosome_shares", "species")
MAX_STATE_BYTES = 200_000_000    # a genome-scale state is a few MB


@dataclass(frozen=True)
class StateModel:
    """What a state must match: the model's hash and names, and the VMs whose shares share pools."""

    sha256: str
    parameters: dict | list        # settable parameter names
    species: list                  # floating species ids
    vms: list
    pooled: list                   # the VMs whose ribosome shares must sum below 1


def read_state(path: Path) -> dict:
    """A saved state file's JSON object, or a CommandError saying why it is not one."""
    try:
        if path.is_dir():
            raise CommandError(f"{path} is a directory, not a saved state")
        if path.stat().st_size > MAX_STATE_BYTES:
            raise CommandError(f"{path}: {path.stat().st_size:,} bytes is too large for a saved state")
        state = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"cannot read saved state {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: a saved state is JSON text, and this file is not text") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}:{exc.lineno}:{exc.colno}: not a saved state: invalid JSON ({exc.msg})") from None
    except RecursionError:
        raise CommandError(f"{path}: not a saved state: JSON nested too deeply") from None
    if not isinstance(state, dict):
        raise CommandError(f"{path}: a saved state is a JSON object, not a {type(state).__name__}")
    return state


def check_state(state: dict, path: Path, model: StateModel) -> dict:
    """``state`` checked whole against ``model`` (module docstring): time_min, parameters,
    species and ribosome_shares, as floats."""
    version = state.get("bioxen_state")
    if version != STATE_VERSION or isinstance(version, bool):
        raise CommandError(f"{path}: saved state version {version!r:.40} is not {STATE_VERSION}")
    if state.get("model_sha256") != model.sha256:
        raise CommandError(f"{path}: saved from another model (its hash differs from this one's)")
    lacking = [k for k in STATE_KEYS if k not in state and k != "build"]
    unknown = [str(k) for k in state if k not in STATE_KEYS]
    if lacking or unknown:
        raise CommandError(f"{path}: saved state " + "; ".join(
            part for part in (f"lacks {', '.join(lacking)}" if lacking else "",
                              f"has unknown key(s) {', '.join(unknown[:5])}" if unknown else "") if part))
    time = state["time_min"]
    if not is_finite(time) or time < 0:
        raise CommandError(f"{path}: time_min must be a finite number >= 0, got {time!r:.80}")
    return {"time_min": float(time),
            "parameters": _values(path, state["parameters"], "parameters", model.parameters),
            "species": _values(path, state["species"], "species", model.species, -ROUND_OFF, MAX_AMOUNT),
            "ribosome_shares": _shares(path, state["ribosome_shares"], model)}


def _values(path: Path, values, key: str, known, low: float = -math.inf, high: float = math.inf) -> dict:
    """``values`` (a JSON object) naming exactly the ``known`` names, each a number in [low, high]."""
    if not isinstance(values, dict):
        raise CommandError(f"{path}: {key} must be a JSON object, not {type(values).__name__}")
    names = set(known)
    unknown = [n for n in values if n not in names]
    missing = [n for n in known if n not in values]
    if unknown or missing:
        raise CommandError(f"{path}: {key}: " + "; ".join(part for part in (
            f"unknown {', '.join(f'{n!r:.40}' for n in unknown[:5])}" if unknown else "",
            f"lacks {', '.join(missing[:5])}" + (f" (and {len(missing) - 5} more)" if len(missing) > 5 else "")
            if missing else "") if part))
    for name, value in values.items():
        if not is_finite(value) or not low <= value <= high:
            bounds = f" from {low:g} to {high:g}" if math.isfinite(low) or math.isfinite(high) else ""
            raise CommandError(f"{path}: {key}: {name} must be a finite number{bounds}, got {value!r:.80}")
    return {name: float(value) for name, value in values.items()}


def _shares(path: Path, values, model: StateModel) -> dict:
    shares = _values(path, values, "ribosome_shares", model.vms, 0.0, 1.0)
    total = sum(shares[vm] for vm in model.pooled)
    if any(share >= 1 for share in shares.values()) or total >= 1:
        raise CommandError(f"{path}: ribosome shares must be below 1 and leave the host some "
                           f"(the VMs' shares sum to {total:g})")
    return shares
