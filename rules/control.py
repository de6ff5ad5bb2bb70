"""Commands as chemical signals: one inducer level per VM and command.

An inducer is a model parameter between 0 (absent) and 1 (fully induced);
timed commands and the live runtime set it. The genetic parts it drives are
in the mechanism that owns them (the gate sRNA in :mod:`bioxen.rules.srna`,
the protease in :mod:`bioxen.rules.proteolysis`).
"""
from __future__ import annotations

from bioxen.rules import Builder

COMMANDS = ("create", "pause", "destroy")
INDUCER_PREFIX = "command_"
# What each hypervisor command does to the inducers: (inducer, level).
SETTINGS = {"CREATE_VM": ("create", 1.0), "PAUSE_VM": ("pause", 1.0), "RESUME_VM": ("pause", 0.0),
            "DESTROY_VM": ("destroy", 1.0)}


def inducer_name(command: str, vm: str) -> str:
    """``command_<command>_<vm>``, the model parameter of one inducer."""
    if command not in COMMANDS:
        raise ValueError(f"unknown command '{command}' (expected one of: {', '.join(COMMANDS)})")
    return f"{INDUCER_PREFIX}{command}_{vm}"


def setting(command: str, vm: str) -> tuple[str, float]:
    """The inducer parameter a hypervisor command sets, and the level it sets it to."""
    inducer, level = SETTINGS[command]
    return inducer_name(inducer, vm), level


def inducer(b: Builder, command: str, vm: str, level: float = 0.0):
    """The inducer of one command for one VM, a parameter starting at ``level``."""
    return b.parameter(inducer_name(command, vm), level, "dimensionless",
                       "inducer level: 0 absent, 1 fully induced")


def inducible(b: Builder, name: str, inducer_level, leak: float):
    """Promoter activity ``leak + (1 - leak)·I`` of an inducible promoter (dimensionless)."""
    leak_parameter = b.parameter(f"leak_{name}", leak, "dimensionless")
    return b.expression(f"promoter_activity_{name}", leak_parameter + (1 - leak_parameter) * inducer_level,
                        "dimensionless")
