"""The live hypervisor: a stateful simulation of a compiled design that takes commands.

    >>> hv = Hypervisor.from_policy("models/policies/syn3a_three_vms.yaml")   # doctest: +SKIP
    >>> hv.run("2 h"); hv.pause("vm2"); hv.run("30 min"); hv.status()["vm2"].health   # doctest: +SKIP
    'paused'

Commands (:class:`bioxen.runtime.session.Steering`, shared with a
:class:`~bioxen.runtime.cell.Cell`) set the same model parameters that timed policy
commands set by SBML events (one map from a command to its parameters,
:func:`bioxen.commands.assignments`), so a command given live and the same
command given in the policy give the same trajectory. The runtime keeps every
VM's current ribosome share (SET_RESOURCE_LIMIT sizes every pool from all of
them) in its own state, never in the build's spec (which nothing changes after it is
written), following the build's timed resizes as the run passes them. State is
saved as versioned JSON (species amounts, inducers, pool sizes, shares, time)
tied to the model's hash; a state file is checked whole before any of it is applied, so a
refused one changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pandas as pd

from bioxen.commands import inducer_name
from bioxen.errors import CommandError
from bioxen.rules.ribosomes import INVENTORY
from bioxen.runtime.debugger import Debugging
from bioxen.runtime.limits import duration_minutes, points_for, step_minutes
from bioxen.runtime.session import Steering, VmStatus
from bioxen.runtime.simulate import Outputs, advance, load_simulator, read_build, restore_inventories, selections, tabulate
from bioxen.runtime.state import STATE_VERSION, StateModel, check_state, read_state


class Hypervisor(Debugging, Steering):
    """A compiled design being simulated in libRoadRunner; advance it with :meth:`run`, steer it with
    commands (a :class:`bioxen.runtime.session.Session`)."""

    def __init__(self, build_dir: str | Path, step: float = 1.0):
        self.build_dir = Path(build_dir)
        sbml, self.spec = read_build(self.build_dir)     # the build's spec, never changed
        self.model_sha256 = hashlib.sha256(sbml.encode()).hexdigest()
        self.outputs = Outputs.from_spec(self.spec)
        self.step_min = step_minutes(step, CommandError)  # minutes between output points (step(): one of them)
        self.rr = load_simulator(sbml)
        self.time = 0.0
        self._selected = selections(self.outputs)
        self.history: list[pd.DataFrame] = []
        self.sizing = self.spec.ribosome_pools
        # every VM's ribosome share in force now (SET_RESOURCE_LIMIT and the timed resizes change it)
        self.ribosome_shares = {vm: spec.ribosome_share for vm, spec in self.spec.vms.items()}
        self.follow_timed_resizes(float("-inf"), 0.0)
        self._start_debugging()

    @classmethod
    def from_build(cls, build_dir: str | Path, step: float = 1.0) -> "Hypervisor":
        return cls(build_dir, step)

    @classmethod
    def from_policy(cls, policy: str | Path, out: str | Path | None = None, step: float = 1.0) -> "Hypervisor":
        """Compile a policy (into ``out``, else a temporary directory), or copy its build from
        the build cache (:func:`bioxen.pipeline.build`), and start it."""
        from bioxen import pipeline

        if not out:
            return cls(pipeline.build(policy, out_root=Path(tempfile.mkdtemp(prefix="bioxen-"))).out, step)
        return cls(pipeline.build(policy, out).out, step)

    # -- time ---------------------------------------------------------------------------
    def run(self, duration) -> pd.DataFrame:
        """Advance by ``duration`` (minutes, or text such as '30 min'); return that stretch's table.
        With breakpoints set (:meth:`breakpoint`) it stops at the output step where one comes to
        hold; checkpoints and watchpoints that fire go to :attr:`trace`."""
        length = duration_minutes(duration, "run", CommandError)
        if self._breakpoints:
            return self._stretch(length, dict(self._breakpoints))
        before, self.stopped = self._last_row(), None
        table = self._advance(length)
        self._record(table, before)
        return table

    def _advance(self, length: float) -> pd.DataFrame:
        data = advance(self.rr, self.time, self.time + length, points_for(length, self.step_min, CommandError),
                       self._selected)
        self.follow_timed_resizes(self.time, self.time + length)
        self.time += length
        table = tabulate(data, self._selected, self.outputs)
        self.history.append(table if not self.history else table.iloc[1:])
        return table

    advance = run       # the Session protocol's name

    def results(self) -> pd.DataFrame:
        """Every stretch run so far, as one table."""
        return pd.concat(self.history, ignore_index=True) if self.history else pd.DataFrame()

    def _repr_html_(self) -> str:
        """Jupyter's display: the time and every VM's status (reads the state, runs nothing)."""
        from bioxen.display import hypervisor_html
        return hypervisor_html(self)

    # -- commands -----------------------------------------------------------------------
    def _level(self, parameter: str) -> float:
        return self.rr[parameter]

    def _set_levels(self, values) -> None:
        for parameter, level in values.items():
            self.rr[parameter] = level

    def migrate(self, vm: str, other: "Hypervisor") -> None:
        """MIGRATE_VM: move the VM's molecules into the same slot of ``other`` and stop it here.

        The slot is compatible when ``other`` compiled the same VM species (same VM id,
        genome, units, pool and tag). The VM's molecules are carried over exactly (the
        slot's previous contents replaced); ribosomes bound to its mRNAs move with them,
        so both cells' ribosome inventories are corrected. Here the VM is then destroyed.
        """
        if not isinstance(other, Hypervisor):
            raise CommandError(f"migrate needs another Hypervisor to move '{vm}' into, got {type(other).__name__}")
        if other is self:
            raise CommandError(f"cannot migrate '{vm}' into the host it runs in")
        self._check_vm(vm)
        other._check_vm(vm)
        mine, theirs = self.spec.vms[vm].species, other.spec.vms[vm].species
        if mine != theirs:
            raise CommandError(f"cannot migrate '{vm}': the other model has no compatible slot "
                               f"({len(set(mine) ^ set(theirs))} of its species differ)",
                               hint="compile the target with the same VM (id, genome, resolution, pool)")
        moved = 0.0
        for sid, ribosomes in mine.items():
            count, replaced = self.rr[sid], other.rr[sid]
            other.rr[sid] = count
            self.rr[sid] = 0.0
            moved += ribosomes * (count - replaced)
            self.rr[INVENTORY] = self.rr[INVENTORY] - ribosomes * count
        other.rr[INVENTORY] = other.rr[INVENTORY] + moved
        restore_inventories(self.rr), restore_inventories(other.rr)   # the tag counters
        for command in ("create", "pause"):  # it runs (or stays paused) as it did here
            other.rr[inducer_name(command, vm)] = self.rr[inducer_name(command, vm)]
        self.destroy(vm)

    # -- status -------------------------------------------------------------------------
    def status(self) -> dict[str, VmStatus]:
        """GET_VM_STATUS for every VM, at the current time."""
        rr, translating = self.rr, max(self.rr["ribosomes_translating"], 1e-12)
        statuses = {}
        for vm, spec in self.outputs.vms.items():
            share = rr[spec.ribosomes_translating] / translating if spec.ribosomes_translating else 0.0
            mass = sum(rr[sid] * length for sid, length in spec.protein_lengths_aa.items())
            flux = sum(rr[r] for r in spec.elongation_reactions)
            statuses[vm] = VmStatus(vm, self.health(vm, share), share, mass / self.spec.mass_aa,
                                    rr[spec.protein_total] if spec.protein_total else 0.0, flux,
                                    rr[f"{vm}_fluorescence"])
        return statuses

    # -- persistence --------------------------------------------------------------------
    def save_state(self, path: str | Path) -> Path:
        """Write the current state as versioned JSON (species, parameters such as inducers and
        pool sizes, time, model hash)."""
        species = self.rr.model.getFloatingSpeciesIds()
        amounts = self.rr.model.getFloatingSpeciesAmounts()
        state = {"bioxen_state": STATE_VERSION, "build": str(self.build_dir), "model_sha256": self.model_sha256,
                 "time_min": self.time, "parameters": self._settable(),
                 "ribosome_shares": dict(self.ribosome_shares),
                 "species": {sid: float(v) for sid, v in zip(species, amounts)}}
        path = Path(path)
        if path.is_dir():
            raise CommandError(f"cannot save the state to {path}: it is a directory", hint="give a file name")
        try:
            path.write_text(json.dumps(state, indent=1))
        except OSError as exc:
            raise CommandError(f"cannot save the state to {path}: {exc.strerror or exc}") from None
        return path

    def _settable(self) -> dict[str, float]:
        """Every parameter a command or a user may have changed (not those set by rules)."""
        ruled = set(self.rr.getAssignmentRuleIds())
        model = self.rr.model          # one call for every value (rr[p] per parameter is 1,000x slower)
        return {p: float(v) for p, v in zip(model.getGlobalParameterIds(), model.getGlobalParameterValues())
                if p not in ruled}

    def load_state(self, path: str | Path) -> None:
        """Continue from a saved state of this same model. The whole file is checked first
        (:func:`bioxen.runtime.state.check_state`); a refused one changes nothing."""
        before = self._snapshot()
        model = StateModel(self.model_sha256, before["parameters"], list(before["species"]), list(self.outputs.vms),
                           list(self.sizing.pools) if self.sizing else list(self.outputs.vms))
        state = check_state(read_state(Path(path)), Path(path), model)
        try:
            self._restore(state)
        except Exception as exc:        # the simulator refused a value the checks passed: undo
            self._restore(before)
            raise CommandError(f"{path}: cannot apply the saved state ({exc})") from None
        self.history = []

    def _snapshot(self) -> dict:
        return {"parameters": self._settable(), "species": dict(zip(self.rr.model.getFloatingSpeciesIds(),
                                                                     self.rr.model.getFloatingSpeciesAmounts())),
                "ribosome_shares": dict(self.ribosome_shares),
                "time_min": self.time}

    def _restore(self, state: dict) -> None:
        for name, level in state["parameters"].items():
            self.rr[name] = level
        self.rr.model.setFloatingSpeciesAmounts([state["species"][sid] for sid in self.rr.model.getFloatingSpeciesIds()])
        self.time = float(state["time_min"])
        self.rr.model.setTime(self.time)
        self.ribosome_shares.update(state["ribosome_shares"])
