"""What a run achieved: growth, burden and whether the guests settled."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bioxen.buildspec import ControlEntry

STEADY_WINDOW = 0.1      # last 10% of the run
STEADY_TOLERANCE = 0.01  # relative change over that window
STARVED_SHARE = 0.1      # translation share below this fraction of the VM's intended share: starved


@dataclass(frozen=True)
class VmSummary:
    vm: str
    protein_final: float
    translation_flux_final: float
    relative_change_last_window: float

    @property
    def steady(self) -> bool:
        return self.relative_change_last_window <= STEADY_TOLERANCE


@dataclass(frozen=True)
class ContextSwitch:
    """How long one PAUSE_VM or RESUME_VM took: minutes from the command until the VM's
    translation flux fell below 10% (PAUSE) or came back to 90% (RESUME) of its level before
    the pause; None if it did not within the run."""

    at: float
    command: str
    vm: str
    minutes: float | None


@dataclass(frozen=True)
class RunSummary:
    doubling_time_min: float
    host_alone_doubling_time_min: float | None
    vms: tuple[VmSummary, ...]
    switches: tuple[ContextSwitch, ...] = ()

    @property
    def burden(self) -> float | None:
        """Relative lengthening of the doubling time caused by the guests."""
        if self.host_alone_doubling_time_min is None:
            return None
        return self.doubling_time_min / self.host_alone_doubling_time_min - 1


def relative_change(series: pd.Series, time: pd.Series) -> float:
    window = series[time >= time.iloc[-1] * (1 - STEADY_WINDOW)]
    scale = max(abs(series.iloc[-1]), 1e-12)
    return float((window.max() - window.min()) / scale)


def summarize(table: pd.DataFrame, host_alone: pd.DataFrame | None = None,
              control: tuple[ControlEntry, ...] = (), *, vms) -> RunSummary:
    """What a run achieved; ``control``: the build's timed commands (:attr:`BuildSpec.control`);
    ``vms``: the build's VM ids (:attr:`BuildSpec.vms`), whose columns the table has."""
    vms = [VmSummary(vm, float(table[f"{vm}_protein_total"].iloc[-1]), float(table[f"{vm}_translation_flux"].iloc[-1]),
                     relative_change(table[f"{vm}_protein_total"], table["time_min"])) for vm in vms]
    alone = float(host_alone["doubling_time_min"].iloc[-1]) if host_alone is not None else None
    return RunSummary(float(table["doubling_time_min"].iloc[-1]), alone, tuple(vms),
                      context_switches(table, control))


PAUSED_BELOW, RESUMED_AT = 0.1, 0.9


def context_switches(table: pd.DataFrame, control) -> tuple[ContextSwitch, ...]:
    """The context-switch time of every PAUSE_VM and RESUME_VM in ``control`` (the build's timed
    commands, :class:`~bioxen.buildspec.ControlEntry` or their JSON form), against the VM's flux
    just before its last pause."""
    switches, before_pause = [], {}
    control = [entry if isinstance(entry, ControlEntry) else ControlEntry.from_dict(entry) for entry in control]
    for entry in sorted(control, key=lambda c: c.at_min):
        vm, at, command = entry.vm, entry.at_min, entry.command
        if command not in ("PAUSE_VM", "RESUME_VM") or f"{vm}_translation_flux" not in table:
            continue
        earlier = table[table["time_min"] <= at]   # the flux at the command is still its old level
        if command == "PAUSE_VM":
            if earlier.empty:
                continue
            before_pause[vm] = float(earlier[f"{vm}_translation_flux"].iloc[-1])
            minutes = switch_time(table, vm, at, before_pause[vm], PAUSED_BELOW, falling=True)
        elif vm in before_pause:
            minutes = switch_time(table, vm, at, before_pause[vm], RESUMED_AT, falling=False)
        else:
            continue
        switches.append(ContextSwitch(at, command, vm, minutes))
    return tuple(switches)


def switch_time(table: pd.DataFrame, vm: str, at: float, reference: float, fraction: float,
                falling: bool) -> float | None:
    """Context-switch time: minutes after ``at`` until the VM's translation flux first falls
    below (``falling``) or rises above ``fraction`` x ``reference``; None if it never does."""
    after = table[table["time_min"] >= at]
    flux = after[f"{vm}_translation_flux"]
    crossed = flux < fraction * reference if falling else flux >= fraction * reference
    if not crossed.any():
        return None
    return float(after["time_min"][crossed].iloc[0] - at)
