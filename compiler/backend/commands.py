"""Timed commands as model parameter assignments: the one view every back end takes of them.

The IR's commands say what the user asked (SET_RESOURCE_LIMIT vm2 0.3 at 120 min);
:func:`bioxen.rules.control.assignments` says which model parameters a command sets.
SET_RESOURCE_LIMIT re-sizes every orthogonal pool from every orthogonal VM's share at
that moment, so the commands apply in time order, starting from the policy's shares.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from bioxen.buildspec import ControlEntry
from bioxen.ir import Command, Design
from bioxen.rules.control import RESIZE, assignments
from bioxen.rules.ribosomes import PoolSizing


@dataclass(frozen=True)
class Applied:
    """One timed command, the parameters it sets and every orthogonal VM's share after it."""

    command: Command
    assignments: dict[str, float]
    shares: dict[str, float]


@dataclass(frozen=True)
class Step:
    """The commands at one time and what they set together (a later command wins)."""

    at: float
    commands: tuple[Command, ...]
    assignments: dict[str, float]


def initial_shares(design: Design) -> dict[str, float]:
    """Every orthogonal VM's share of the ribosomes, as the policy gives it."""
    return {vm.id: vm.ribosome_share for vm in design.vms if vm.pool == "orthogonal"}


def applied(design: Design, sizing: PoolSizing | None = None) -> tuple[Applied, ...]:
    """The design's timed commands in time order, each with what it sets."""
    sizing = sizing or design.pool_sizing
    shares, found = initial_shares(design), []
    for command in design.control:
        values = assignments(command.command, command.vm, command.share, shares, sizing, command.resource,
                             command.concentration, command.level)
        if command.command == RESIZE and command.resource == "ribosomes":
            shares = {**shares, command.vm: command.share}
        found.append(Applied(command, values, shares))
    return tuple(found)


def steps(design: Design) -> tuple[Step, ...]:
    """The timed commands grouped by time, in time order (SBML events, BNGL actions)."""
    grouped: dict[float, list[Applied]] = {}
    for item in applied(design):
        grouped.setdefault(item.command.at, []).append(item)
    return tuple(Step(at, tuple(a.command for a in items), {k: v for a in items for k, v in a.assignments.items()})
                 for at, items in sorted(grouped.items()))


def control_spec(design: Design) -> tuple[PoolSizing, tuple[ControlEntry, ...]]:
    """outputs.json's view (:class:`bioxen.buildspec.BuildSpec`): the pool sizing and every timed
    command with what it sets, for the live runtime (which resizes pools by the same law and
    follows the timed resizes)."""
    sizing = design.pool_sizing
    entries = tuple(ControlEntry(item.command.at, item.command.command, item.command.vm, item.command.share,
                                 MappingProxyType(dict(item.assignments)),
                                 MappingProxyType(dict(item.shares))
                                 if item.command.command == RESIZE and item.command.resource == "ribosomes" else None)
                    for item in applied(design, sizing))
    return PoolSizing(MappingProxyType(dict(sizing.pools)), sizing.host_rrna, sizing.saturation), entries
