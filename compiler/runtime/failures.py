"""When a simulator gives up: one error naming the engine, the time reached and the suspects.

A NaN or an extreme parameter makes CVODE fail its convergence test at the first step. The
simulators say so in their own words (``CV_CONV_FAILURE ... At t = 0 and h = 3.8e-17``), some of
it printed by SUNDIALS straight onto file descriptor 2, bypassing Python. :func:`native_stderr`
holds that output back while an engine runs (and passes it on if the run succeeds), and
:func:`solver_failure` turns a failure into a :class:`SimulationError` such as

    roadrunner: the solver failed at t = 0 min (CV_CONV_FAILURE); largest parameter w_rR = 1e+300,
    largest species protein_host_q = 2.38e+05

listing instead every non-finite parameter or species when there are any.
"""
from __future__ import annotations

import math
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from contextlib import contextmanager

import numpy as np

from bioxen.errors import SimulationError

_TIME = re.compile(r"\bat\s+t\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)", re.I)
_FLAG = re.compile(r"\b(CV_[A-Z_]+|IDA_[A-Z_]+|KIN_[A-Z_]+)\b")
SHOWN = 5
HINT = ("an extreme, negative or non-finite parameter or amount makes the model impossible to "
        "integrate; check the values set or loaded")


class NativeOutput:
    """What native code wrote to standard error while held back."""

    text = ""


@contextmanager
def native_stderr():
    """Hold back what native code writes to file descriptor 2 while the block runs; pass it on
    afterwards unless the block raised (the caller reads it from the yielded object)."""
    captured = NativeOutput()
    try:
        saved, sink = os.dup(2), tempfile.TemporaryFile()
    except OSError:                       # no descriptor 2 to hold back: run as is
        yield captured
        return
    sys.stderr.flush()
    os.dup2(sink.fileno(), 2)
    failed = False
    try:
        yield captured
    except BaseException:
        failed = True
        raise
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        sink.seek(0)
        captured.text = sink.read().decode(errors="replace")
        sink.close()
        if captured.text and not failed:
            os.write(2, captured.text.encode())


def time_in(*texts: str) -> float | None:
    """The time a solver message says it failed at (``At t = 0``, ``at t=1.000000``), if any."""
    for text in texts:
        found = _TIME.findall(text or "")
        if found:
            return float(found[-1])
    return None


HUGE = 1e100    # a finite parameter this large is named beside non-finite ones (their likely cause)


def _named(values: Mapping[str, float]) -> tuple[list[str], tuple[str, float] | None]:
    """The non-finite entries, and the largest finite one in magnitude."""
    bad = [name for name, value in values.items() if not math.isfinite(value)]
    finite = [(name, value) for name, value in values.items() if math.isfinite(value)]
    return bad, max(finite, key=lambda item: abs(item[1]), default=None)


def suspects(parameters: Mapping[str, float], species: Mapping[str, float]) -> str:
    """Every non-finite parameter and species, or else the largest of each in magnitude. Non-finite
    values derived from a huge but finite one (an engine that reports derived values) are followed
    by the largest finite parameter, their likely cause."""
    parts = []
    for kind, values in (("parameter", parameters), ("species", species)):
        bad, _ = _named(values)
        if bad:
            more = f" (and {len(bad) - SHOWN} more)" if len(bad) > SHOWN else ""
            parts.append(f"non-finite {kind} {', '.join(f'{n} = {values[n]}' for n in bad[:SHOWN])}{more}")
    if parts:
        _, largest = _named(parameters)
        if largest is not None and abs(largest[1]) >= HUGE:
            parts.append(f"largest parameter {largest[0]} = {largest[1]:.3g}")
        return "; ".join(parts)
    for kind, values in (("parameter", parameters), ("species", species)):
        _, largest = _named(values)
        if largest is not None:
            parts.append(f"largest {kind} {largest[0]} = {largest[1]:.3g}")
    return ", ".join(parts) or "no parameter or species values to show"


def _clock(time: float) -> str:
    """A time for a message: the solver's first steps (1e-160 min) read as 0."""
    return "0" if abs(time) < 1e-9 else f"{time:.6g}"


def solver_failure(engine: str, message: str, time: float | None, parameters: Mapping[str, float],
                   species: Mapping[str, float], native: str = "") -> SimulationError:
    """The error a failed run raises (module docstring)."""
    flag = _FLAG.search(f"{message}\n{native}")
    reason = flag.group(1) if flag else (message.strip().splitlines() or ["no reason given"])[-1][:200]
    when = f"t = {_clock(time)} min" if time is not None and math.isfinite(time) else "an unknown time"
    return SimulationError(f"{engine}: the solver failed at {when} ({reason}); "
                           f"{suspects(parameters, species)}",
                           hint=HINT)


def roadrunner_values(rr) -> tuple[dict[str, float], dict[str, float]]:
    """A live libRoadRunner model's parameters (those not set by rules: the causes, not their
    consequences) and floating species amounts."""
    model, ruled = rr.model, set(rr.getAssignmentRuleIds())
    parameters = {name: float(value) for name, value in zip(model.getGlobalParameterIds(),
                                                            model.getGlobalParameterValues()) if name not in ruled}
    species = dict(zip(model.getFloatingSpeciesIds(), map(float, model.getFloatingSpeciesAmounts())))
    return parameters, species


def sbml_values(sbml: str) -> tuple[dict[str, float], dict[str, float]]:
    """An SBML model's parameter values and species initial amounts (concentrations when no
    amount is set), as written in the file."""
    import libsbml

    model = libsbml.readSBMLFromString(sbml).getModel()
    if model is None:
        return {}, {}
    ruled = {rule.getVariable() for rule in model.getListOfRules()}
    parameters = {p.getId(): float(p.getValue()) for p in model.getListOfParameters()
                  if p.isSetValue() and p.getId() not in ruled}
    species = {s.getId(): float(s.getInitialAmount() if s.isSetInitialAmount() else s.getInitialConcentration())
               for s in model.getListOfSpecies() if s.isSetInitialAmount() or s.isSetInitialConcentration()}
    return parameters, species


def bngsim_values(model, state=None) -> tuple[dict[str, float], dict[str, float]]:
    """A bngsim model's parameters and species (``state``: the live amounts, in its order)."""
    parameters = {}
    for name in model.param_names:
        try:
            parameters[name] = float(model.get_param(name))
        except Exception:         # an expression bngsim cannot evaluate on its own: not a suspect we can name
            continue
    amounts = np.asarray(model.get_state() if state is None else state, dtype=float)
    return parameters, dict(zip(map(str, model.species_names), map(float, amounts)))


def non_finite_rows(data: np.ndarray, selected: list[str]) -> tuple[float, list[str]] | None:
    """The first time a run's output holds a non-finite value, and the quantities that do."""
    bad = ~np.isfinite(np.asarray(data, dtype=float))
    if not bad.any():
        return None
    row = int(np.argmax(bad.any(axis=1)))
    time = float(data[row, selected.index("time")]) if "time" in selected else math.nan
    return time, [name for name, flag in zip(selected, bad[row]) if flag]


def check_finite(engine: str, data: np.ndarray, selected: list[str], values) -> np.ndarray:
    """``data`` if every value is finite, else a SimulationError naming when and what;
    ``values()`` gives the (parameters, species) to name as suspects."""
    found = non_finite_rows(data, selected)
    if found is None:
        return data
    time, names = found
    more = f" (and {len(names) - SHOWN} more)" if len(names) > SHOWN else ""
    when = f"t = {_clock(time)} min" if math.isfinite(time) else "a time it did not report"
    raise SimulationError(f"{engine}: the run produced non-finite values from {when} "
                          f"({', '.join(names[:SHOWN])}{more}); {suspects(*values())}", hint=HINT)
