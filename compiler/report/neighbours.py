"""What each (VM, command) does to the other VMs: the isolation a command keeps.

Each VM's PAUSE and DESTROY intent (``command_<cmd>_<vm>``, the user's inducer) is set alone in a
cell warmed up without commands, and the run is compared with the same cell left alone: the
commanded VM's own translation and proteins, and every other VM's translation flux and protease.
Issue 20 asks that only the commanded VM's command fire, the others' flux moving < 5%.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import libsbml
import numpy as np

from bioxen.backend.compile import outputs_spec
from bioxen.buildspec import coerce
from bioxen.passes.wiring import WIRED     # the commands with actuator DNA: PAUSE and DESTROY
from bioxen.runtime.simulate import Outputs, load_simulator

WARM_UP = 200.0          # min without commands before each case
WINDOWS = (60.0, 240.0)  # min after the command at which the cell is compared


@dataclass
class Effect:
    """One (VM, command): ratios to the uncommanded cell at each window (min)."""

    vm: str
    command: str
    own_flux: dict[float, float] = field(default_factory=dict)
    own_proteins: dict[float, float] = field(default_factory=dict)
    neighbours: dict[float, dict[str, float]] = field(default_factory=dict)   # relative flux change
    neighbour_protease: dict[float, dict[str, float]] = field(default_factory=dict)   # molecules

    def worst(self, window: float) -> float:
        """The largest |relative change| of a neighbour's translation flux at ``window``."""
        return max((abs(x) for x in self.neighbours[window].values()), default=0.0)


class CommandBench:
    """One compiled build in libRoadRunner, warmed up without commands; each case restarts there."""

    def __init__(self, build, warm_up: float = WARM_UP):
        outputs = Outputs.from_spec(coerce(outputs_spec(build)))
        self.flux = {vm: list(o.elongation_reactions) for vm, o in outputs.vms.items()}
        self.protein = {vm: o.protein_total for vm, o in outputs.vms.items()}
        self.protease = {vm: f"protease_level_{vm}" for vm in outputs.vms}
        self.selected = ["time", *(r for v in self.flux.values() for r in v), *self.protein.values(),
                         *self.protease.values()]
        self.warm_up = warm_up
        self.rr = load_simulator(libsbml.writeSBMLToString(build.sbml))
        self.rr.simulate(0, warm_up, 11, self.selected)
        self.state = self.rr.model.getFloatingSpeciesAmounts()
        self._baseline: dict[float, dict] = {}

    def run(self, parameter: str | None, minutes: float) -> dict:
        """The last row after ``minutes`` with ``parameter`` (an intent) at 1 from the warm state."""
        self.rr.model.setFloatingSpeciesAmounts(self.state)
        self.rr.model.setTime(self.warm_up)
        if parameter:
            self.rr[parameter] = 1.0
        try:
            row = np.asarray(self.rr.simulate(self.warm_up, self.warm_up + minutes, 9, self.selected))[-1]
        finally:
            if parameter:
                self.rr[parameter] = 0.0
        return dict(zip(self.selected, row))

    def baseline(self, minutes: float) -> dict:
        if minutes not in self._baseline:
            self._baseline[minutes] = self.run(None, minutes)
        return self._baseline[minutes]

    def vm_flux(self, row: dict, vm: str) -> float:
        return float(sum(row[r] for r in self.flux[vm]))

    def effect(self, vm: str, command: str, windows=WINDOWS) -> Effect:
        found = Effect(vm, command)
        for window in windows:
            row, base = self.run(f"command_{command}_{vm}", window), self.baseline(window)
            found.own_flux[window] = self.vm_flux(row, vm) / self.vm_flux(base, vm)
            found.own_proteins[window] = float(row[self.protein[vm]] / base[self.protein[vm]])
            others = [v for v in self.flux if v != vm]
            found.neighbours[window] = {v: self.vm_flux(row, v) / self.vm_flux(base, v) - 1 for v in others}
            found.neighbour_protease[window] = {v: float(row[self.protease[v]]) for v in others}
        return found

    def effects(self, windows=WINDOWS) -> list[Effect]:
        return [self.effect(vm, command, windows) for vm in self.flux for command in WIRED]
