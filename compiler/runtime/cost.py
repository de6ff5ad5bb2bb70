"""What a stochastic (SSA) run will cost, known before it starts.

The direct method fires one reaction per event, and the expected number of events per minute
is the sum of every reaction's propensity. At the start of a run that sum is read from the
build's network (bngsim's propensities on ``model.net``, in molecule counts; else libRoadRunner's
reaction rates on ``model.xml`` with each reversible reaction split into its two directions, as
the SSA engines split them); times the minutes asked for, it is the run's events. It is an
estimate: the propensities drift as the cell moves away from its starting state.

Measured on this project's machine (2 cores): a two-VM design on a small synthetic genome fires
1.5e7 events per simulated minute (the host's energy and nutrient pools turn over that fast),
and libRoadRunner's and bngsim's direct methods both run about ``EVENTS_PER_SECOND`` events per
second of compute. So a minute of SSA costs about a minute of compute; six hours of a whole cell,
hours. ``MAX_EVENTS`` (about half an hour of compute) is the default budget a run must fit in
unless it is forced (``bioxen simulate --max-events N`` or ``--force``; ``BIOXEN_MAX_SSA_EVENTS``
for the API).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bioxen.errors import SimulationError

MAX_EVENTS = 5e8
EVENTS_PER_SECOND = 3e5      # libRoadRunner and bngsim direct method, measured (module docstring)
BUDGET_VARIABLE = "BIOXEN_MAX_SSA_EVENTS"


@dataclass(frozen=True)
class SsaCost:
    """An SSA run's expected events: events per simulated minute at the start, times minutes."""

    events_per_minute: float
    minutes: float
    source: str

    @property
    def events(self) -> float:
        return self.events_per_minute * self.minutes

    @property
    def compute_seconds(self) -> float:
        return self.events / EVENTS_PER_SECOND

    def __str__(self) -> str:
        return (f"about {self.events:.2g} reaction events ({self.events_per_minute:.3g} per simulated minute "
                f"x {self.minutes:g} min, from {self.source}); roughly {_span(self.compute_seconds)} of compute "
                f"at {EVENTS_PER_SECOND:.0e} events/s")


def _span(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "forever"
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.2g} s"


def events_per_minute_net(net: Path) -> float:
    """Sum of the SSA propensities of ``model.net``'s reactions at its initial state, rounded to
    whole molecules."""
    import bngsim

    from bioxen.runtime.failures import native_stderr

    with native_stderr():
        model = bngsim.Model.from_net(str(net))
        return float(np.sum(model.propensities(np.round(np.asarray(model.get_state(), dtype=float)))))


def events_per_minute_rr(rr) -> float:
    """Sum of a live libRoadRunner model's reaction rates in magnitude, at its current state."""
    return float(np.sum(np.abs(rr.getReactionRates())))


def events_per_minute_sbml(sbml: str) -> float:
    """Sum of the reaction rates of an SBML model at its initial state, each reversible reaction
    split into its two directions (what the SSA engines fire)."""
    from bioxen.runtime.engines import ssa_sbml
    from bioxen.runtime.simulate import load_simulator

    split, _ = ssa_sbml(sbml)
    return events_per_minute_rr(load_simulator(split))


def ssa_cost(build_dir: str | Path, minutes: float) -> SsaCost:
    """The expected cost of ``minutes`` of SSA of a build (module docstring)."""
    from bioxen.runtime.simulate import read_build

    build_dir = Path(build_dir)
    if (build_dir / "model.net").is_file():
        try:
            return SsaCost(events_per_minute_net(build_dir / "model.net"), minutes, "model.net")
        except Exception:      # an unreadable network file: the SBML model says the same
            pass
    sbml, _ = read_build(build_dir)
    return SsaCost(events_per_minute_sbml(sbml), minutes, "model.xml")


def budget(max_events: float | None = None) -> float:
    """The events a run may take: ``max_events``, else ``BIOXEN_MAX_SSA_EVENTS``, else ``MAX_EVENTS``."""
    if max_events is None:
        text = os.environ.get(BUDGET_VARIABLE)
        if text is None:
            return MAX_EVENTS
        try:
            max_events = float(text)
        except ValueError:
            raise SimulationError(f"{BUDGET_VARIABLE}={text!r} is not a number of events") from None
    if isinstance(max_events, bool) or not isinstance(max_events, (int, float)) or math.isnan(max_events) \
            or max_events <= 0:
        raise SimulationError(f"the SSA budget must be a positive number of events, got {max_events!r}")
    return float(max_events)


def check_budget(cost: SsaCost, max_events: float | None = None,
                 hint: str = f"raise the budget (--max-events N, or {BUDGET_VARIABLE}) or force the run "
                             "(--force); or run fewer minutes, or the ODE") -> None:
    """Refuse a run whose expected events exceed the budget (:func:`budget`)."""
    allowed = budget(max_events)
    if not cost.events <= allowed:
        raise SimulationError(f"SSA run refused: {cost}, over the budget of {allowed:.2g} events", hint=hint)
