"""Hybrid stochastic simulation: exact SSA for low-copy gene expression, ODE for the fast pools.

Why. A whole-cell build cannot run as one exact SSA: the host's energy and nutrient pools hold
about ten and a hundred molecules but turn over about 1.2e7 times a minute (measured on the
single-VM Syn3A build), so an exact run spends its events on them. Those pools, and the host's
free ribosomes and lumped proteome sectors, are what the slow-scale approximation (Cao,
Gillespie & Petzold 2005, J Chem Phys 122:014116) was made for: they renew many times while a
gene's mRNA or protein changes by one molecule, so the slow reactions only see their averages.

The scheme (operator splitting at a fixed communication step ``dt``, as in the hybrid CME/ODE
whole-cell model of Thornburg et al. 2022, Cell 185:345): each step first integrates the
*continuous* reactions deterministically (bngsim's CVODE, sparse KLU) with every other species
held, then fires the *discrete* reactions exactly (bngsim's direct-method SSA) over the same
``dt``. Both run on bngsim's subset models of the build's ``model.net``
(``bngsim.make_subset_model``, driven as ``bngsim.ReactionKernel`` s). The discrete subset runs
on a mass-action copy of the network in which each rate function (a growth rate, an elongation
rate, a promoter's Hill function) is a parameter set at the start of every step from the
state: bngsim's SSA re-evaluates every function after each event (3,000 events/s on a Syn3A
VM's 982 functions), the frozen copy fires 4.5 million events/s. The error of both freezes is
first order in ``dt``; the validation (tests/validation/test_hybrid_ssa.py) bounds it.

The partition (documented criteria, :func:`continuous_reactions`): a reaction is continuous when
  - it fires at least ``FIRINGS`` (100) times per step (Poisson noise of its count <= 10%), and
  - every species it changes is *abundant* (>= ``ABUNDANT``, 1,000 molecules: relative noise
    <= 3%) or *fast* (its turnover by all reactions renews it ``RENEWALS`` (10) times per step).
Every other reaction is exact. So mRNAs, each gene's proteins, gates, sRNAs and commands at low
copy are simulated molecule by molecule, whatever their rate. The partition is checked again at
every output point with a factor ``HYSTERESIS`` (2) either way, and the subset models are rebuilt
when it changes (a protein that grows past 1,000 copies may join the continuous set; a pool that
falls leaves it).

Continuous species enter the exact step as whole molecules by dithered rounding
(``bngsim.DiscreteExchange``: the fractions carried forward, so no molecule is lost on average);
their fractional parts are kept between steps. Timed commands (the build's control entries) are
applied at their times, on step boundaries.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from bioxen.buildspec import read_spec
from bioxen.errors import SimulationError
from bioxen.runtime.failures import native_stderr
from bioxen.runtime.netfile import (_network, columns, continuous_network, frozen_rates, load_network_text, net_reader,
                                    network)

logger = logging.getLogger(__name__)

STEP_MIN = 0.05         # communication step dt (min): 3 s
FIRINGS = 10            # a continuous reaction fires at least this often per step (Salis & Kaznessis: lambda)
ABUNDANT = 100          # molecules: a species this abundant may change continuously (epsilon)
RENEWALS = 10           # a species whose turnover renews it this often per step is fast
HYSTERESIS = 2.0        # a reaction changes class only past its criterion by this factor
SEEDS = 2**31 - 1
TOLERANCE = 1e-6        # of the continuous steps (the exact steps' noise is far larger)


@lru_cache(maxsize=2)
def _models(net: Path, mtime_ns: int):
    """The build's network (functions live) and its frozen-rate copy, loaded once per process;
    each run works on clones."""
    import bngsim

    text = _network(net, mtime_ns).text
    try:
        with native_stderr():
            full = bngsim.Model.from_net(str(net))
        return full, load_network_text(frozen_rates(text))
    except (bngsim.BngsimError, ValueError, RuntimeError) as exc:
        raise SimulationError(f"bngsim cannot load {net} for a hybrid run: {str(exc)[:500]}") from exc


# -- the partition --------------------------------------------------------------------------------

def continuous_reactions(stoichiometry, propensities: np.ndarray, amounts: np.ndarray, dt: float,
                         previous: np.ndarray | None = None) -> np.ndarray:
    """Which reactions run deterministically (the module docstring's criteria); ``previous``: the
    partition in force, which a reaction leaves or joins only past its criterion by HYSTERESIS."""
    S = stoichiometry
    fired = np.maximum(propensities, 0.0) * dt
    turnover = abs(S) @ fired                              # molecules of each species changed per step
    level = np.maximum(amounts, 1.0)
    join = _criteria(S, fired, amounts, turnover, level, HYSTERESIS)
    if previous is None:
        return _criteria(S, fired, amounts, turnover, level, 1.0)
    stay = _criteria(S, fired, amounts, turnover, level, 1.0 / HYSTERESIS)
    return np.where(previous, stay, join)


def _criteria(S, fired, amounts, turnover, level, factor: float) -> np.ndarray:
    settled = (amounts >= ABUNDANT * factor) | (turnover >= RENEWALS * factor * level)
    unsettled = (~settled).astype(float) @ abs(S)         # per reaction: changed species not settled
    return (fired >= FIRINGS * factor) & (unsettled == 0) & (np.diff(S.indptr) > 0)


def _set_params(model, values: dict) -> None:
    """Set many parameters at once. bngsim's ``Model.set_params`` re-lists and checks every name
    on each call (5 ms for a Syn3A VM's 982 rate functions, more than its exact step); its core's
    bulk setter takes 0.3 ms. bngsim is pinned (pyproject), and the names were checked once, when
    the frozen network was loaded; the public call is the fallback."""
    core = getattr(model, "_core", None)
    if core is not None and hasattr(core, "set_params"):
        core.set_params(values)
    else:
        model.set_params(values)


# -- the run --------------------------------------------------------------------------------------

@dataclass
class Trajectory:
    """Recorded output points, shaped like a bngsim Result for :func:`bioxen.runtime.netfile.net_reader`."""

    time: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    values: list = field(default_factory=list)
    function_names: tuple = ()
    observable_rows: list = field(default_factory=list)
    observable_names: tuple = ()

    def result(self):
        species = np.array(self.rows)
        values, observed = np.array(self.values), np.array(self.observable_rows)
        return _Result(np.array(self.time), species,
                       {n: values[:, k] for k, n in enumerate(self.function_names)},
                       {n: observed[:, k] for k, n in enumerate(self.observable_names)})


@dataclass(frozen=True)
class _Result:
    time: np.ndarray
    species: np.ndarray
    expressions: dict
    observables: dict

    @property
    def expression_names(self):
        return list(self.expressions)

    @property
    def observable_names(self):
        return list(self.observables)


class Hybrid:
    """One hybrid run of a network file (module docstring), from its initial state in whole
    molecules or from ``amounts``; ``control``: timed commands (objects with ``at_min`` and
    ``assignments``) applied at their times."""

    timed_commands = True

    def __init__(self, net: str | Path, amounts: np.ndarray | None = None, time: float = 0.0,
                 seed: int | None = None, dt: float = STEP_MIN, control=()):
        import bngsim

        net = Path(net)
        self.net = network(net)
        full, frozen = _models(net, net.stat().st_mtime_ns)
        self.model, self.frozen = full.clone(), frozen.clone()
        self.S = self.model.stoichiometry_matrix(sparse=True).tocsc()
        self.control = tuple(control)
        self.dt, self.time = float(dt), float(time)
        self.rng = np.random.default_rng(seed)
        self.exchange = bngsim.DiscreteExchange(self.model.n_species, policy="nearest", dither=True)
        self.settings: dict[str, float] = {}
        start = np.asarray(self.model.get_state() if amounts is None else amounts, dtype=float)
        self.state = self._whole_molecules(start)      # as an SSA starts; ODE steps add fractions later
        self.clamped = 0.0       # molecules added where an exact step took a rounded-up molecule (see _step)
        self.partition: np.ndarray | None = None
        self.repartitions = 0
        self._repartition()
        for at in sorted({e.at_min for e in self.control if e.at_min <= self.time}):
            self._command(at)          # the commands in force at the start

    # -- state -------------------------------------------------------------------------------
    def _whole_molecules(self, amounts: np.ndarray) -> np.ndarray:
        """Rounded initial amounts, every inventory set to the rounded sum it counts."""
        from bioxen.runtime.simulate import inventories

        rounded = np.round(amounts)
        index = {sid: i for i, sid in enumerate(self.net.species)}
        for inventory, total in inventories(list(self.net.species)).items():
            if total in self.net.observables and inventory in index:
                members, weights = self.net.observables[total]
                rounded[index[inventory]] = float(weights @ rounded[members])
        return rounded

    def amounts(self) -> np.ndarray:
        return self.state.copy()

    def set_amounts(self, amounts: np.ndarray) -> None:
        self.state = self._whole_molecules(np.asarray(amounts, dtype=float))

    def set(self, parameter: str, value: float) -> None:
        if parameter in self.net.functions:
            raise SimulationError(f"{parameter} is a rate function, not a parameter")
        self.settings[parameter] = float(value)
        for model in (self.model, self.frozen, *(kernel.model for kernel in self._kernels())):
            model.set_param(parameter, float(value))

    def _kernels(self) -> list:
        return [kernel for kernel in (self.ode, self.ssa) if kernel is not None]

    def get(self, parameter: str) -> float:
        return float(self.model.get_param(parameter))

    def names(self) -> set[str]:
        return set(self.model.primary_param_names)

    # -- partition ------------------------------------------------------------------------------
    def _repartition(self) -> None:
        import bngsim

        a = self.model.propensities(np.maximum(self.state, 0.0), self.time)
        chosen = continuous_reactions(self.S, a, np.maximum(self.state, 0.0), self.dt, self.partition)
        if self.partition is not None and np.array_equal(chosen, self.partition):
            return
        self.repartitions += self.partition is not None
        self.partition = chosen
        self.ode = self.ssa = None          # a side with no reaction has no model (and no step)
        with native_stderr():
            if chosen.any():
                ode = load_network_text(continuous_network(self.net.text, np.flatnonzero(chosen)))
                self.ode = bngsim.ReactionKernel(ode, method="ode", jacobian="fd", codegen=False)
            if not chosen.all():
                ssa = bngsim.make_subset_model(self.frozen, keep_reactions=np.flatnonzero(~chosen).tolist())
                ssa.set_state(np.maximum(np.round(self.state), 0.0))     # whole molecules, as the SSA checks
                self.ssa = bngsim.ReactionKernel(ssa, method="ssa", codegen=False)
        for name, value in self.settings.items():
            for kernel in self._kernels():
                kernel.model.set_param(name, value)
        logger.info("hybrid partition at %.3g min: %d continuous, %d exact reactions", self.time,
                    int(chosen.sum()), int((~chosen).sum()))

    # -- stepping -------------------------------------------------------------------------------
    def _functions_at(self, state: np.ndarray) -> np.ndarray:
        self.model.rhs(np.maximum(state, 0.0), self.time)
        return np.array([self.model.get_param(name) for name in self.net.functions], dtype=float)

    def _step(self, h: float) -> None:
        x = self.state
        if self.ode is not None:
            self.ode.set_state(x)
            x = self.ode.advance(h, rtol=TOLERANCE, atol=TOLERANCE)
        if self.ssa is not None:
            x = self._exact_step(x, h)
        self.state, self.time = x, self.time + h

    def _exact_step(self, x: np.ndarray, h: float) -> np.ndarray:
        """The discrete reactions fired for ``h`` from ``x``, their rate functions frozen at ``x``."""
        if self.net.functions:
            _set_params(self.ssa.model, dict(zip(self.net.functions, self._functions_at(x).tolist())))
        whole = np.maximum(self.exchange.discretize(x), 0.0)
        self.ssa.set_state(whole)
        fired = self.ssa.advance(h, seed=int(self.rng.integers(SEEDS)))
        state = x + (fired - whole)
        # a continuous species below one molecule may be handed over as one (the dithered rounding)
        # and taken by an exact reaction: it would fall below zero by less than a molecule; it is
        # set to zero and the molecules so added counted (`clamped`, logged at the end of a run)
        below = state < 0
        if below.any():
            self.clamped -= float(state[below].sum())
            state[below] = 0.0
        return state

    def _command(self, at: float) -> None:
        """The timed commands of time ``at``: their parameters set."""
        for entry in self.control:
            if entry.at_min == at:
                for name, value in entry.assignments.items():
                    self.set(name, value)

    def run_to(self, end: float) -> None:
        """Advance to time ``end`` in communication steps, each timed command applied at its time."""
        for stop in sorted({e.at_min for e in self.control if self.time < e.at_min <= end} | {end}):
            while self.time < stop - 1e-12:
                self._step(min(self.dt, stop - self.time))
            self.time = stop
            self._command(stop)

    def record(self, trajectory: Trajectory) -> None:
        state = np.maximum(self.state, 0.0)
        trajectory.time.append(self.time)
        trajectory.rows.append(self.state.copy())
        trajectory.values.append(self._functions_at(state))
        trajectory.observable_rows.append([w @ state[i] for i, w in self.net.observables.values()])

    def simulate(self, end: float, points: int, progress: Callable[[float, float], None] | None = None):
        """The run from now to ``end``, recorded at ``points`` evenly spaced times (now included);
        ``progress(minutes reached, end)`` after each."""
        import bngsim

        trajectory = Trajectory(function_names=self.net.functions, observable_names=tuple(self.net.observables))
        grid = np.linspace(self.time, end, points)
        self.record(trajectory)
        with native_stderr():
            for t in grid[1:]:
                state = self.state.copy()
                try:
                    self.run_to(float(t))
                except (bngsim.BngsimError, ValueError, RuntimeError) as exc:
                    reached, self.state = self.time, state
                    raise SimulationError(f"the hybrid run failed at {reached:.4g} min: {str(exc)[:300]}",
                                          hint="bioxen simulate BUILD --method ode shows whether the model itself "
                                               "runs there") from exc
                if not np.all(np.isfinite(self.state)):
                    raise SimulationError(f"the hybrid run reached a non-finite amount at {self.time:.4g} min")
                self.record(trajectory)
                self._repartition()
                if progress is not None:
                    progress(float(t), float(end))
        return trajectory.result()


class BuildHybrid(Hybrid):
    """A hybrid run of a compiled build: its model.net and its timed commands; ``advance`` reads
    the quantities a results table is made of (:func:`bioxen.runtime.simulate.selections`)."""

    def __init__(self, build_dir: str | Path, amounts: np.ndarray | None = None, time: float = 0.0,
                 seed: int | None = None, dt: float = STEP_MIN):
        self.build_dir = Path(build_dir)
        super().__init__(self.build_dir / "model.net", amounts, time, seed, dt, read_spec(self.build_dir).control)

    def read(self, result, selected: list[str]) -> np.ndarray:
        return columns(selected, net_reader(self.build_dir, self.model, result), "bngsim (hybrid)")

    def advance(self, end: float, points: int, selected: list[str]) -> np.ndarray:
        return self.read(self.simulate(end, points), selected)


def run(build_dir: Path, selected, until, points, method, seed, progress=None) -> np.ndarray:
    """The engine function (:class:`bioxen.runtime.engines.Engine`) of ``method="hybrid"``."""
    hybrid = BuildHybrid(build_dir, seed=seed)
    data = hybrid.read(hybrid.simulate(float(until), int(points), progress), selected)
    logger.info("hybrid: %d repartitions, %.3g molecules added at zero", hybrid.repartitions, hybrid.clamped)
    return data
