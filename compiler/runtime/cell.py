"""A cell that keeps its state: a compiled build advanced step by step, steered, grown and divided.

    >>> cell = Cell("build/syn3a_single_vm")               # doctest: +SKIP
    >>> table = cell.run(60); cell.mass_ratio               # doctest: +SKIP
    >>> first, second = cell.divide(np.random.default_rng(1))   # doctest: +SKIP

Engines: ODE runs use bngsim on the build's ``model.net`` (sparse KLU; a whole Syn3A VM runs an
hour in a fraction of a second once loaded, :mod:`bioxen.runtime.engines`); SSA runs use
libRoadRunner's Gillespie method on ``model.xml`` in whole molecules
(:func:`bioxen.runtime.simulate.load_simulator`). SSA of a whole cell is costly: the host's
energy and nutrient pools turn over about 1.4e7 times per minute, so exact stochastic runs suit
small designs and short spans. Hybrid runs (:mod:`bioxen.runtime.hybrid`) fire low-copy gene
expression exactly and integrate those pools: whole genomes, stochastically.

Growth and division. The model is the growth-coupled cell of Weisse et al. 2015: amounts are
per cell of the reference mass M and every species is diluted at the growth rate λ. The real
cell's mass is f·M with ``f = exp(∫λ dt)`` since birth, and its content is f times the model's
amounts. The cell is ready to divide when its mass has doubled since birth; its content is then
shared between two daughters (:mod:`bioxen.runtime.division`): halves in ODE runs, each molecule
to either daughter with probability 1/2 in SSA runs, so the daughters' contents sum to the
mother's exactly. A daughter is born at mass f/2·M (M for the daughters of a cell born at M that
divides on doubling, as :meth:`Cell.grow_until_division` arranges), so its model state is its
content divided by f/2.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bioxen.commands import COMMANDS, inducer_name
from bioxen.errors import SimulationError
from bioxen.pools import orrna_parameter
from bioxen.runtime.division import halve, partition
from bioxen.runtime.failures import bngsim_values, check_finite, native_stderr, solver_failure, time_in
from bioxen.runtime.jacobian import ode_simulator
from bioxen.runtime.limits import (MAX_AMOUNT, MAX_POINTS, ODE_TOLERANCE, ROUND_OFF, duration_minutes, finite,
                                   output_points, step_minutes)
from bioxen.runtime.session import Steering, VmStatus
from bioxen.runtime.simulate import (METHODS, Outputs, advance, load_simulator, read_build, read_json, selections,
                                     tabulate)

DOUBLED = math.log(2.0)
MASS_TOLERANCE = 1e-6        # of ln(mass ratio): division happens at mass 2 to this precision
SEEDS = 2**31                # every engine takes a seed below this
STOCHASTIC = ("ssa", "hybrid")   # methods that count whole molecules: division shares them binomially


_PREPARED: dict[tuple[str, int], object] = {}


def _prepared(net: Path):
    """The network file's bngsim model with its analytical Jacobian derived (seconds for a genome,
    once per file and process); each cell runs on a clone of it (a fraction of a second)."""
    import bngsim

    key = (str(net.resolve()), net.stat().st_mtime_ns)
    if key not in _PREPARED:
        model = bngsim.Model.from_net(str(net))
        ode_simulator(model, net)                     # derives the Jacobian, which clones keep
        _PREPARED[key] = model
    return _PREPARED[key]


class _NetOde:
    """bngsim ODE on model.net, kept between steps (model.net has no events: the policy's timed
    commands do not act)."""

    timed_commands = False

    def __init__(self, build_dir: Path, species: list[str], amounts: np.ndarray | None, time: float):
        import bngsim

        self.build_dir, self.species = build_dir, species
        if not (build_dir / "model.net").is_file():
            raise SimulationError(f"{build_dir} has no model.net, which ODE cells run on",
                                  hint="compile with the 'net' format (the default formats include it)")
        try:
            self.model = _prepared(build_dir / "model.net").clone()
            self.sim = bngsim.Simulator(self.model, method="ode")
        except (bngsim.BngsimError, ValueError, RuntimeError) as exc:
            raise SimulationError(f"bngsim cannot load {build_dir / 'model.net'}: {str(exc)[:500]}") from exc
        if list(self.model.species_names) and len(self.model.species_names) != len(species):
            raise SimulationError(f"{build_dir}: model.net has {len(self.model.species_names)} species, "
                                  f"locus_map.json {len(species)}")
        self.time = time
        if amounts is not None:
            self.set_amounts(amounts)

    def amounts(self) -> np.ndarray:
        return np.array(self.sim.get_state(), dtype=float)

    def set_amounts(self, amounts: np.ndarray) -> None:
        self.sim.set_state(np.asarray(amounts, dtype=float))

    def set(self, parameter: str, value: float) -> None:
        self.sim.intervene({parameter: float(value)})

    def get(self, parameter: str) -> float:
        return float(self.model.get_param(parameter))

    def names(self) -> set[str]:
        return set(self.model.primary_param_names)

    def advance(self, end: float, points: int, selected: list[str]) -> np.ndarray:
        """Integrate to cell time ``end``. The simulator keeps its own clock (a new one starts at
        0): model.net has no timed events, so only the length of the stretch matters."""
        import bngsim

        from bioxen.runtime.netfile import columns as _columns, net_reader

        start, state = float(self.sim.current_time), self.amounts()
        try:
            with native_stderr() as native:
                result = self.sim.run_until(start + end - self.time, n_points=points, rtol=ODE_TOLERANCE,
                                            atol=ODE_TOLERANCE)
        except (bngsim.BngsimError, ValueError, RuntimeError) as exc:
            reached = time_in(native.text, str(exc))
            error = solver_failure("bngsim", str(exc), None if reached is None else self.time + reached - start,
                                   *bngsim_values(self.model, self.amounts()))
            self.set_amounts(state)         # as it was before the failed stretch
            raise error from exc
        data = _columns(selected, net_reader(self.build_dir, self.model, result), "bngsim")
        data[:, selected.index("time")] += self.time - start
        check_finite("bngsim", data, selected, lambda: bngsim_values(self.model, self.amounts()))
        self.time = end
        return data


class _Gillespie:
    """libRoadRunner's Gillespie method on model.xml, in whole molecules (its events give the
    policy's timed commands)."""

    timed_commands = True

    def __init__(self, sbml: str, species: list[str], amounts: np.ndarray | None, time: float, seed):
        import libsbml

        document = libsbml.readSBMLFromString(sbml)
        ids = [s.getId() for s in document.getModel().getListOfSpecies() if not s.getBoundaryCondition()]
        self.order = np.array([ids.index(s) for s in species])    # rr index of each of our species
        start = None
        if amounts is not None:
            start = np.empty(len(ids))
            start[self.order] = amounts
        self.rr = load_simulator(sbml, "ssa", seed, initial=start)
        if list(self.rr.model.getFloatingSpeciesIds()) != ids:
            raise SimulationError("libRoadRunner orders the model's species unlike its SBML file")
        self.rr.model.setTime(time)
        self.time = time

    def amounts(self) -> np.ndarray:
        return np.array(self.rr.model.getFloatingSpeciesAmounts(), dtype=float)[self.order]

    def set_amounts(self, amounts: np.ndarray) -> None:
        state = np.array(self.rr.model.getFloatingSpeciesAmounts(), dtype=float)
        state[self.order] = amounts
        self.rr.model.setFloatingSpeciesAmounts(state)

    def set(self, parameter: str, value: float) -> None:
        self.rr[parameter] = float(value)

    def get(self, parameter: str) -> float:
        return float(self.rr[parameter])

    def names(self) -> set[str]:
        return set(self.rr.model.getGlobalParameterIds()) - set(self.rr.getAssignmentRuleIds())

    def advance(self, end: float, points: int, selected: list[str]) -> np.ndarray:
        data = advance(self.rr, self.time, end, points, selected, "roadrunner (SSA)")
        self.time = end
        return data


@dataclass(frozen=True)
class Birth:
    """Where a cell came from: its generation, its mother's id and when it was born (min)."""

    generation: int = 0
    lineage: str = "0"          # "0", "0.1", "0.2", "0.1.1", ... (daughter 1 or 2 of each mother)
    born_at: float = 0.0
    log_mass: float = 0.0       # ln(birth mass / M)


class Cell(Steering):
    """One simulated cell of a compiled build (see the module docstring); a
    :class:`bioxen.runtime.session.Session`."""

    def __init__(self, build_dir: str | Path, method: str = "ode", seed: int | None = None,
                 amounts: np.ndarray | None = None, time: float = 0.0, birth: Birth = Birth(),
                 watch: tuple[str, ...] = (), log_mass: float | None = None):
        if method not in METHODS:
            raise SimulationError(f"unknown method {method!r} (expected one of: {', '.join(METHODS)})")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < SEEDS):
            raise SimulationError(f"seed must be a whole number from 0 to {SEEDS - 1}, got {seed!r}")
        self.build_dir = Path(build_dir)
        sbml, self.spec = read_build(self.build_dir)
        self.outputs = Outputs.from_spec(self.spec)
        self.species = _species(self.build_dir)
        time = finite(time, "a cell's start time")
        if time < 0:
            raise SimulationError(f"a cell's start time must be >= 0, got {time!r}")
        amounts = None if amounts is None else _amounts(amounts, len(self.species))
        self.method, self.seed, self.birth = method, seed, birth
        if method == "hybrid":       # exact for low-copy expression, ODE for the fast pools (model.net)
            from bioxen.runtime.hybrid import BuildHybrid
            self.engine = BuildHybrid(self.build_dir, amounts, time, seed)
        else:
            self.engine = (_NetOde(self.build_dir, self.species, amounts, time) if method == "ode"
                           else _Gillespie(sbml, self.species, amounts, time, seed))
        self.log_mass = birth.log_mass if log_mass is None else log_mass     # ln(mass / M)
        self.watch = tuple(watch)
        self.history: list[pd.DataFrame] = []
        self.sizing = self.spec.ribosome_pools
        # every VM's ribosome share in force now (SET_RESOURCE_LIMIT, and the timed resizes SSA runs give)
        self.ribosome_shares = {vm: spec.ribosome_share for vm, spec in self.spec.vms.items()}
        if self.engine.timed_commands:
            self.follow_timed_resizes(float("-inf"), time)

    # -- state ------------------------------------------------------------------------------
    @property
    def time(self) -> float:
        return self.engine.time

    @property
    def age(self) -> float:
        return self.time - self.birth.born_at

    @property
    def growth(self) -> float:
        """ln(mass / birth mass): ln 2 when the mass has doubled."""
        return self.log_mass - self.birth.log_mass

    @property
    def mass_ratio(self) -> float:
        """Mass now over mass at the reference M (2 at birth-mass M means doubled)."""
        return math.exp(self.log_mass)

    def amounts(self) -> np.ndarray:
        """Model amounts (molecules per cell of mass M), in ``self.species`` order."""
        return self.engine.amounts()

    def content(self) -> np.ndarray:
        """The cell's molecules: the model amounts times its mass ratio."""
        return self.amounts() * self.mass_ratio

    def parameter(self, name: str) -> float:
        return self.engine.get(name)

    def set_parameter(self, name: str, value: float) -> None:
        """Set a model parameter (not one set by a rule) to a finite number."""
        if not isinstance(name, str) or name not in self.engine.names():
            raise SimulationError(f"the model has no parameter {name!r} to set")
        self.engine.set(name, finite(value, f"parameter {name}"))

    # -- commands (bioxen.runtime.session.Steering) -------------------------------------------
    def _level(self, parameter: str) -> float:
        return self.engine.get(parameter)

    def _set_levels(self, values) -> None:
        for name, level in values.items():
            self.engine.set(name, level)

    def status(self) -> dict[str, VmStatus]:
        """GET_VM_STATUS for every VM, at the end of the last stretch run (a moment is run first
        if none has been)."""
        last = self.latest().iloc[-1]
        amounts, index = self.amounts(), {sid: i for i, sid in enumerate(self.species)}
        translating = max(float(last.get("ribosomes_translating", 0.0)), 1e-12)
        statuses = {}
        for vm, spec in self.spec.vms.items():
            share = float(last[f"{vm}_ribosomes_translating"]) / translating \
                if f"{vm}_ribosomes_translating" in last else 0.0
            mass = sum(amounts[index[sid]] * length for sid, length in spec.protein_lengths_aa.items())
            statuses[vm] = VmStatus(vm, self.health(vm, share), share, float(mass) / self.spec.mass_aa,
                                    float(last[f"{vm}_protein_total"]), float(last[f"{vm}_translation_flux"]),
                                    float(last.get(f"{vm}_fluorescence", np.nan)))
        return statuses

    # -- time -------------------------------------------------------------------------------
    def ssa_cost(self, minutes: float):
        """What ``minutes`` more of this SSA cell will cost (:mod:`bioxen.runtime.cost`), from the
        reaction rates of its current state."""
        from bioxen.runtime.cost import SsaCost, events_per_minute_rr

        if self.method != "ssa":
            raise SimulationError("an ODE cell fires no reaction events; its cost is not counted")
        return SsaCost(events_per_minute_rr(self.engine.rr), minutes, "the cell's current state")

    def _selected(self) -> list[str]:
        return list(dict.fromkeys(selections(self.outputs) + list(self.watch)))

    def run(self, duration: float, points: int | None = None) -> pd.DataFrame:
        """Advance ``duration`` minutes; the stretch's table (the standard columns, every watched
        quantity, and ``mass_ratio``)."""
        duration = duration_minutes(duration, "run")
        points = min(MAX_POINTS, max(2, int(math.ceil(duration)) + 1)) if points is None else output_points(points)
        selected, start = self._selected(), self.time
        data = self.engine.advance(self.time + duration, points, selected)
        if self.engine.timed_commands:
            self.follow_timed_resizes(start, self.time)
        table = tabulate(data, selected, self.outputs)
        if self.watch:   # one frame for every watched quantity (thousands, when a program names a genome's genes)
            column = {name: i for i, name in enumerate(selected)}
            watched = pd.DataFrame({name: data[:, column[name]] for name in self.watch}, index=table.index)
            table = pd.concat([table.drop(columns=[n for n in self.watch if n in table]), watched], axis=1)
        growth = np.concatenate([[0.0], np.cumsum(np.diff(table["time_min"]) *
                                                  (table["growth_rate_per_min"].to_numpy()[1:] +
                                                   table["growth_rate_per_min"].to_numpy()[:-1]) / 2)])
        table["mass_ratio"] = np.exp(self.log_mass + growth)
        self.log_mass += float(growth[-1])
        self.history.append(table if not self.history else table.iloc[1:])
        return table

    def advance(self, minutes) -> pd.DataFrame:
        """Advance ``minutes`` (the Session protocol's name for :meth:`run`)."""
        return self.run(minutes)

    def latest(self) -> pd.DataFrame:
        """The last stretch run (a moment's run if none yet), whose last row is now."""
        return self.history[-1] if self.history else self.run(1e-6, points=2)

    def grow_until_division(self, limit: float = 600.0, step: float = 1.0) -> float:
        """Run until the mass has doubled since birth (to ``MASS_TOLERANCE`` in its logarithm);
        the time it took (min). Raises if it does not double within ``limit`` minutes."""
        start, limit, step = self.time, duration_minutes(limit, "limit"), step_minutes(step)
        while self.growth < DOUBLED - MASS_TOLERANCE:
            if self.time - start >= limit:
                raise SimulationError(f"the cell did not double its mass in {limit:g} min "
                                      f"(mass ratio {self.mass_ratio:.3f}); it is not growing enough to divide")
            rate = max(self._growth_now(), 1e-12)
            # the time left at the current growth rate, in steps no longer than ``step``
            left = (DOUBLED - self.growth) / rate
            self.run(min(step, max(left, 1e-6)), points=2 if left < step else None)
        return self.time - start

    def _growth_now(self) -> float:
        return float(self.latest()["growth_rate_per_min"].iloc[-1])

    # -- division ---------------------------------------------------------------------------
    def divide(self, rng: np.random.Generator | None = None) -> tuple["Cell", "Cell"]:
        """Two daughter cells sharing this cell's content (module docstring); this cell is left
        as it was. The mass must have doubled."""
        if self.growth < DOUBLED - 1e-3:
            raise SimulationError(f"the cell is not ready to divide: its mass is {math.exp(self.growth):.3f} times "
                                  "its birth mass (it divides at 2)", hint="grow it first (grow_until_division)")
        shares = self.shares(rng)
        return tuple(self.daughter(i, share) for i, share in enumerate(shares, start=1))

    def shares(self, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The two daughters' contents (molecules), in ``self.species`` order: they sum to
        :meth:`content` (SSA and hybrid: rounded to whole molecules first)."""
        content = self.content()
        if self.method in STOCHASTIC:
            return partition(np.rint(content), rng or np.random.default_rng())
        return halve(content)

    def daughter(self, index: int, content: np.ndarray) -> "Cell":
        """Daughter ``index`` (1 or 2) born now with ``content``. An SSA or hybrid daughter counts whole
        molecules, so it is born at the reference mass M (its state is its content; the mother
        divides at f = 2 to within ``MASS_TOLERANCE``, so this moves its mass by as little)."""
        birth = Birth(self.birth.generation + 1, f"{self.birth.lineage}.{index}", self.time,
                      0.0 if self.method in STOCHASTIC else self.log_mass - DOUBLED)
        seed = None if self.seed is None else (self.seed * 2 + index) % SEEDS
        return Cell(self.build_dir, self.method, seed, content / math.exp(birth.log_mass), self.time, birth,
                    self.watch)


    def copy(self, seed: int | None = None) -> "Cell":
        """An independent cell in this cell's state (same time, mass and lineage)."""
        twin = Cell(self.build_dir, self.method, seed, self.amounts(), self.time, self.birth, self.watch,
                    self.log_mass)
        for vm in self.spec.vms:
            for command in COMMANDS:
                twin.set_parameter(inducer_name(command, vm), self.parameter(inducer_name(command, vm)))
        if self.sizing is not None and self.ribosome_shares != twin.ribosome_shares:     # the pools as resized since
            for pool in dict.fromkeys(self.sizing.pools.values()):
                twin.set_parameter(orrna_parameter(pool), self.parameter(orrna_parameter(pool)))
        twin.ribosome_shares = dict(self.ribosome_shares)
        return twin


def _species(build_dir: Path) -> list[str]:
    """The model's species in the order cells keep them (locus_map.json)."""
    listed = read_json(build_dir / "locus_map.json").get("species")
    if not isinstance(listed, (list, dict)) or not all(isinstance(s, str) for s in listed):
        raise SimulationError(f"{build_dir / 'locus_map.json'} lists no species", hint="recompile the policy")
    return list(listed)


def _amounts(amounts, count: int) -> np.ndarray:
    """A cell's starting amounts: ``count`` finite numbers from 0 (less solver round-off) to
    ``MAX_AMOUNT`` molecules."""
    try:
        values = np.asarray(amounts, dtype=float)
    except (TypeError, ValueError):
        raise SimulationError("a cell's amounts must be numbers, one per species") from None
    if values.shape != (count,):
        raise SimulationError(f"a cell's amounts: expected {count} values (one per species), got shape {values.shape}")
    if not np.isfinite(values).all():
        raise SimulationError(f"a cell's amounts must be finite ({int((~np.isfinite(values)).sum())} are not)")
    if values.min() < -ROUND_OFF or values.max() > MAX_AMOUNT:
        raise SimulationError(f"a cell's amounts must be from 0 to {MAX_AMOUNT:g} molecules "
                              f"(they range from {values.min():g} to {values.max():g})")
    return values
