"""Typed conditions a VM's run or flux balance can end in: resource depletion and growth arrest.

Each condition says what was measured, against what, and when; ``detect`` reads them off a
simulated table, ``metabolic`` off a flux balance. Thresholds are relative to the unloaded host
(the chassis's steady state, from which every compiled model starts):

- the host's energy (Weisse et al. 2015's lumped energy pool, shared by host and VMs) below
  ``ENERGY_FLOOR`` of its unloaded level: ``ResourceDepletion("energy")``;
- a running VM's translating ribosomes below ``STARVED_SHARE`` of its allotted share: the
  hypervisor's own "starved" health (:mod:`bioxen.runtime.summary`):
  ``ResourceDepletion("ribosomes", vm)``, from one doubling of the unloaded host on (a new
  VM's orthogonal pool is built at the pace of growth, so a VM starts below its share);
- the growth rate below ``ARREST`` of the unloaded host's: ``GrowthArrest``; and a flux balance
  with no growth (a lost essential reaction, a missing nutrient): ``GrowthArrest`` from the
  metabolism, with the reactions the knockouts removed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from bioxen.runtime.summary import STARVED_SHARE

ENERGY_FLOOR = 0.5
ARREST = 0.1


@dataclass(frozen=True)
class Condition:
    """Something the run ran into: ``kind``, at cell time ``time_min`` (None: a flux balance)."""

    time_min: float | None
    detail: str

    @property
    def kind(self) -> str:
        return type(self).__name__

    def __str__(self) -> str:
        when = f" at {self.time_min:.1f} min" if self.time_min is not None else ""
        return f"{self.kind}{when}: {self.detail}"


@dataclass(frozen=True)
class ResourceDepletion(Condition):
    resource: str = "energy"        # "energy" or "ribosomes"
    vm: str | None = None
    level: float = 0.0              # what was measured
    reference: float = 0.0          # what it is compared with


@dataclass(frozen=True)
class GrowthArrest(Condition):
    growth_rate: float = 0.0        # 1/min (simulation) or 1/h (flux balance)
    reference: float = 0.0
    source: str = "simulation"      # "simulation" or "flux balance"
    lost_reactions: tuple[str, ...] = ()


def _first(table: pd.DataFrame, mask) -> tuple[float, int] | None:
    hits = table.index[mask]
    return (float(table.loc[hits[0], "time_min"]), hits[0]) if len(hits) else None


def detect(table: pd.DataFrame, reference_energy: float, reference_growth: float,
           ribosome_shares: dict[str, float], running: dict[str, bool]) -> list[Condition]:
    settled = table["time_min"] >= math.log(2) / reference_growth
    """The conditions first met in a results table (one of each kind, at its first time)."""
    found: list[Condition] = []
    hit = _first(table, table["energy"] < ENERGY_FLOOR * reference_energy)
    if hit:
        level = float(table.loc[hit[1], "energy"])
        found.append(ResourceDepletion(hit[0], f"host energy {level:.3g} is below {ENERGY_FLOOR:.0%} of the "
                                       f"unloaded host's {reference_energy:.3g}", "energy", None, level,
                                       reference_energy))
    if "ribosomes_translating" in table:
        for vm, share in ribosome_shares.items():
            column = f"{vm}_ribosomes_translating"
            if column not in table or not running.get(vm, True):
                continue
            used = table[column] / table["ribosomes_translating"].clip(lower=1e-12)
            hit = _first(table, settled & (used < STARVED_SHARE * share))
            if hit:
                level = float(used.loc[hit[1]])
                found.append(ResourceDepletion(hit[0], f"VM {vm} holds {level:.1%} of the translating ribosomes, "
                                               f"below {STARVED_SHARE:.0%} of its share {share:.0%}", "ribosomes",
                                               vm, level, share))
    hit = _first(table, table["growth_rate_per_min"] < ARREST * reference_growth)
    if hit:
        level = float(table.loc[hit[1], "growth_rate_per_min"])
        found.append(GrowthArrest(hit[0], f"growth rate {level:.3g}/min is below {ARREST:.0%} of the unloaded "
                                  f"host's {reference_growth:.3g}/min", level, reference_growth))
    return found


def metabolic(state) -> list[Condition]:
    """A flux balance's conditions (:class:`bioxen.api.metabolism.FluxState`)."""
    if state.grows:
        return []
    cause = (f"knockouts removed {', '.join(state.lost_reactions)}" if state.lost_reactions
             else f"solver status {state.status}")
    return [GrowthArrest(None, f"{state.model} cannot grow ({cause})", state.growth, 0.0, "flux balance",
                         state.lost_reactions)]
