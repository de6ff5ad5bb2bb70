"""What a run may be asked for: durations, output points and numbers a user hands the runtime.

Every entry point (the live hypervisor, a cell, the engines, the API) checks its arguments here
first, so a mistake is refused with its reason before a simulator sees it, rather than failing
inside SUNDIALS or filling memory:

>>> duration_minutes("2 h"), duration_minutes(30)
(120.0, 30.0)
>>> duration_minutes(float("nan"))
Traceback (most recent call last):
...
bioxen.errors.SimulationError: error: run needs a finite duration, got nan

Bounds, and why: ``MIN_MINUTES`` (a stretch a double can still add to a time of 10^6 min, with
room to spare), ``MAX_MINUTES`` (10^6 min, about two years of cell time: a few thousand E. coli
doublings, far past any steady state the model reaches in a day) and ``MAX_POINTS`` (10^6 output
rows: a genome-scale results table of that length is already gigabytes).
"""
from __future__ import annotations

import math

from bioxen.errors import BioxenError, SimulationError
from bioxen.units import minutes

MAX_MINUTES = 1e6
MIN_MINUTES = 1e-9         # 60 ns: shorter stretches are below what the solvers can step from a time of 10^6 min
MAX_POINTS = 1_000_000
MAX_AMOUNT = 1e12          # molecules of one species: a million times E. coli's whole proteome
ROUND_OFF = 1e-6           # molecules: an ODE solver's amounts may dip this far below 0
# relative and absolute tolerance of every runtime ODE solver (libRoadRunner's CVODE, bngsim;
# BNG2.pl runs 100 times tighter); model.omex's SED-ML states the same for CVODE
ODE_TOLERANCE = 1e-8


def is_number(value) -> bool:
    """A real number (not a bool, not a string)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite(value) -> bool:
    """A finite real number (an int too large for a float is not)."""
    if not is_number(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def finite(value, what: str, error: type[BioxenError] = SimulationError) -> float:
    """``value`` as a float if it is a finite number, else ``error`` naming ``what``."""
    if not is_number(value):
        raise error(f"{what} must be a number, got {value!r:.80}")
    if not is_finite(value):
        raise error(f"{what} must be a finite number, got {value!r:.80}")
    return float(value)


def duration_minutes(value, what: str = "run", error: type[BioxenError] = SimulationError,
                     maximum: float = MAX_MINUTES) -> float:
    """A duration in minutes from a number (minutes) or text with a unit ('30 min', '2 h'):
    positive, finite and at most ``maximum``."""
    if isinstance(value, str):
        try:
            length = minutes(value)
        except ValueError as exc:
            raise error(f"{what}: {exc}") from None
    elif is_number(value):
        try:
            length = float(value)
        except OverflowError:
            length = math.inf
    else:
        raise error(f"{what} needs a duration (minutes, or text such as '30 min'), got {value!r}")
    if math.isnan(length) or math.isinf(length):
        raise error(f"{what} needs a finite duration, got {value!r}")
    if length <= 0:
        raise error(f"{what} needs a positive duration, got {value!r}")
    if length < MIN_MINUTES:
        raise error(f"{what}: {length:g} min is shorter than the {MIN_MINUTES:g} min a solver can step")
    if length > maximum:
        raise error(f"{what}: {length:g} min is longer than the {maximum:g} min allowed",
                    hint="about two years of cell time: the model settles within a day; run in "
                         "stretches (and save the state between them) for longer")
    return length


def output_points(value, what: str = "points", error: type[BioxenError] = SimulationError) -> int:
    """A number of output time points: a whole number from 2 to ``MAX_POINTS``."""
    if not is_number(value) or (isinstance(value, float) and not value.is_integer()):
        raise error(f"{what} must be a whole number, got {value!r}")
    if not 2 <= value <= MAX_POINTS:
        raise error(f"{what} must be from 2 to {MAX_POINTS:,}, got {value!r}")
    return int(value)


def step_minutes(value, error: type[BioxenError] = SimulationError) -> float:
    """The time between output points of a stepped run (minutes): positive and finite."""
    return duration_minutes(value, "step", error)


def points_for(length: float, step: float, error: type[BioxenError] = SimulationError) -> int:
    """Output points for ``length`` minutes every ``step`` minutes (at least 2)."""
    count = max(2, round(length / step) + 1)
    if count > MAX_POINTS:
        raise error(f"{length:g} min every {step:g} min is {count:,} output points; at most {MAX_POINTS:,}",
                    hint="use a longer step")
    return count
