"""Commands as chemical signals: one inducer level per VM and command.

An inducer is a model parameter between 0 (absent) and 1 (fully induced);
timed commands and the live runtime set it. The genetic parts it drives are
in the mechanism that owns them (the gate sRNA in :mod:`bioxen.rules.srna`,
the protease in :mod:`bioxen.rules.proteolysis`). SET_RESOURCE_LIMIT sets no
inducer: it re-sizes every orthogonal ribosome pool (its o-rRNA gene's
transcription, :mod:`bioxen.rules.ribosomes`).

:func:`assignments` is the one map from a hypervisor command to the model
parameters it sets; SBML events, BNGL actions and the live runtime all use it.
"""
from __future__ import annotations

from collections.abc import Mapping

from bioxen.rules import Builder
from bioxen.rules.ribosomes import PoolSizing

COMMANDS = ("create", "pause", "destroy")
INDUCER_PREFIX = "command_"
# What each hypervisor command does to the inducers: (inducer, level).
SETTINGS = {"CREATE_VM": ("create", 1.0), "PAUSE_VM": ("pause", 1.0), "RESUME_VM": ("pause", 0.0),
            "DESTROY_VM": ("destroy", 1.0)}
RESIZE = "SET_RESOURCE_LIMIT"      # gives an orthogonal VM's pool a new share of the ribosomes


def inducer_name(command: str, vm: str) -> str:
    """``command_<command>_<vm>``, the model parameter of one inducer."""
    if command not in COMMANDS:
        raise ValueError(f"unknown command '{command}' (expected one of: {', '.join(COMMANDS)})")
    return f"{INDUCER_PREFIX}{command}_{vm}"


def setting(command: str, vm: str) -> tuple[str, float]:
    """The inducer parameter a hypervisor command sets, and the level it sets it to."""
    inducer, level = SETTINGS[command]
    return inducer_name(inducer, vm), level


def assignments(command: str, vm: str, share: float | None = None, shares: Mapping[str, float] | None = None,
                sizing: PoolSizing | None = None) -> dict[str, float]:
    """The model parameters a hypervisor command sets, {parameter: value}.

    For SET_RESOURCE_LIMIT, ``share`` is the VM's new share and ``shares`` every orthogonal
    VM's share before the command: every pool's o-rRNA transcription follows from the new
    shares by ``sizing`` (:func:`bioxen.rules.ribosomes.pool_transcription`).

    >>> assignments("RESUME_VM", "vm2")
    {'command_pause_vm2': 0.0}
    >>> sizing = PoolSizing({"vm1": "o1", "vm2": "o2"}, 100.0, 0.5)
    >>> assignments("SET_RESOURCE_LIMIT", "vm2", 0.3, {"vm1": 0.2, "vm2": 0.1}, sizing)
    {'w_rRNA_o1': 80.0, 'w_rRNA_o2': 120.0}
    """
    if command == RESIZE:
        if share is None or sizing is None or vm not in sizing.pools:
            raise ValueError(f"{RESIZE} needs an orthogonal VM, its new share and the pool sizing")
        return sizing.parameters({**(shares or {}), vm: share})
    return dict([setting(command, vm)])


def inducer(b: Builder, command: str, vm: str, level: float = 0.0):
    """The inducer of one command for one VM, a parameter starting at ``level``."""
    return b.parameter(inducer_name(command, vm), level, "dimensionless",
                       "inducer level: 0 absent, 1 fully induced")


def inducible(b: Builder, name: str, inducer_level, leak: float):
    """Promoter activity ``leak + (1 - leak)·I`` of an inducible promoter (dimensionless)."""
    leak_parameter = b.parameter(f"leak_{name}", leak, "dimensionless")
    return b.expression(f"promoter_activity_{name}", leak_parameter + (1 - leak_parameter) * inducer_level,
                        "dimensionless")
