"""The molecular debugger: conditions on a run's quantities, breakpoints, watchpoints and a trace.

A condition is ``"<column> <op> <number>"`` over a results-table column (``vm1_protein_total >
1e4``, ``energy < 5``; ``op`` one of ``> >= < <=``), parsed here (never evaluated as Python), or a
Python callable of one row (a mapping of column to value) for programs. On a live
:class:`~bioxen.runtime.hypervisor.Hypervisor` (which mixes :class:`Debugging` in):

* ``hv.run_until(condition, limit)`` runs until the condition holds (or ``limit`` passes);
* ``hv.breakpoint(condition)`` makes every later ``run`` stop at the output step where it comes
  to hold; ``hv.watch(condition)`` only records when it does;
* ``hv.step()`` runs one output step;
* ``hv.trace`` lists what fired and when: the policy's fluorescent checkpoints
  (:mod:`bioxen.rules.checkpoint`), watchpoints and breakpoints, each at the time its quantity
  crossed (interpolated between output steps).

:func:`checkpoint_trace` gives the same trace for a finished results table (``bioxen debug DIR``).
"""
from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bioxen.errors import CommandError

_CONDITION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
MAX_TEXT = 200


@dataclass(frozen=True)
class Condition:
    """``column op value`` over a results table's rows."""

    column: str
    op: str
    value: float

    @classmethod
    def parse(cls, text: str, columns) -> "Condition":
        """A condition from its text; an error names what was expected and the columns there are."""
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise CommandError(f"a condition is text of at most {MAX_TEXT} characters, e.g. 'vm1_protein_total > 1e4'")
        match = _CONDITION.match(text)
        if match is None:
            raise CommandError(f"cannot read condition {text!r}: expected '<column> <op> <number>' with op one "
                               "of > >= < <=, e.g. 'energy < 5'")
        column, op, number = match.groups()
        value = float(number)
        if column not in columns:
            import difflib
            close = difflib.get_close_matches(column, list(columns), n=3)
            raise CommandError(f"condition {text!r} names no column of the results table",
                               hint=f"did you mean {', '.join(close)}?" if close else
                               f"columns: {', '.join(list(columns)[:12])}, ...")
        if not math.isfinite(value):
            raise CommandError(f"condition {text!r}: its number must be finite")
        return cls(column, op, value)

    def holds(self, row: Mapping) -> bool:
        return bool(_OPERATORS[self.op](float(row[self.column]), self.value))

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.value:g}"


@dataclass(frozen=True)
class Event:
    """Something that fired during a run: a checkpoint, watchpoint or breakpoint, at ``time_min``
    (when its quantity crossed the threshold, interpolated between output steps)."""

    time_min: float
    kind: str            # checkpoint, watchpoint, breakpoint, run_until
    name: str
    condition: str
    value: float         # the quantity at the output step where the condition first held


def _crossing_time(t0: float, v0: float, t1: float, v1: float, threshold: float) -> float:
    if not (math.isfinite(v0) and math.isfinite(v1)) or v1 == v0:
        return t1
    return float(t0 + (threshold - v0) * (t1 - t0) / (v1 - v0))


def fired(table: pd.DataFrame, condition: Condition, before: Mapping | None = None) -> list[tuple[float, float]]:
    """(time, value) of each moment in ``table`` at which ``condition`` comes to hold (it did not at
    the row before; ``before``: the row before the table's first, e.g. the last of the previous
    stretch; none: a condition true from the first row fires there)."""
    times = table["time_min"].to_numpy(dtype=float)
    values = table[condition.column].to_numpy(dtype=float)
    holds = _OPERATORS[condition.op](values, condition.value)
    previous = np.concatenate([[condition.holds(before) if before is not None else False], holds[:-1]])
    prior_t = np.concatenate([[float(before["time_min"]) if before is not None else times[0]], times[:-1]])
    prior_v = np.concatenate([[float(before[condition.column]) if before is not None else values[0]], values[:-1]])
    found = []
    for i in np.flatnonzero(holds & ~previous):
        at = times[i] if (before is None and i == 0) else _crossing_time(prior_t[i], prior_v[i], times[i], values[i],
                                                                        condition.value)
        found.append((at, float(values[i])))
    return found


def checkpoint_conditions(checkpoints) -> dict[str, Condition]:
    """Each compiled checkpoint (:class:`bioxen.buildspec.CheckpointSpec`) as a condition on its
    results-table column."""
    return {c.name: Condition(c.column, ">" if c.direction == "above" else "<", c.threshold) for c in checkpoints}


LIT = 0.1    # a checkpoint's reporter is lit at this share of its brightest in the run


def checkpoint_trace(table: pd.DataFrame, checkpoints) -> list[Event]:
    """Every firing of the compiled checkpoints in a results table, and when each one's reporter
    lit (its fluorescence first reached :data:`LIT` of its brightest in the run, after a firing;
    kind ``reporter``), in time order."""
    events, conditions = [], checkpoint_conditions(checkpoints)
    for c in checkpoints:
        name, cond, column = c.name, conditions[c.name], c.reporter_column
        firings = fired(table, cond)
        events += [Event(t, "checkpoint", name, str(cond), v) for t, v in firings]
        if firings and column in table and table[column].max() > 0:
            lit = Condition(column, ">=", LIT * float(table[column].max()))
            events += [Event(t, "reporter", name, str(lit), v) for t, v in fired(table, lit) if t >= firings[0][0]][:1]
    return sorted(events, key=lambda e: e.time_min)


class Debugging:
    """Breakpoints, watchpoints, run_until, step and a trace, for a live run (mixed into
    :class:`bioxen.runtime.hypervisor.Hypervisor`, which supplies ``run``, ``_advance``, ``step_min``,
    ``time``, ``outputs``, ``_selected`` and ``history``)."""

    stopped: str | None = None     # what the last run_until or breakpointed run stopped on

    def _start_debugging(self) -> None:
        """No breakpoints; the build's checkpoints watched; an empty trace."""
        self._breakpoints: dict[str, Condition | Callable] = {}
        self._watchpoints: dict[str, Condition | Callable] = checkpoint_conditions(self.outputs.checkpoints)
        self._kinds = {name: "checkpoint" for name in self._watchpoints}
        self.trace: list[Event] = []

    def _condition(self, condition):
        if callable(condition):
            return condition
        return Condition.parse(condition, self._columns())

    def _columns(self) -> list[str]:
        from bioxen.runtime.simulate import tabulate
        return list(tabulate(np.zeros((1, len(self._selected))), self._selected, self.outputs).columns)

    def _last_row(self):
        return self.history[-1].iloc[-1] if self.history else None

    def breakpoint(self, condition, name: str | None = None) -> str:
        """Stop every later :meth:`run` at the output step where ``condition`` comes to hold."""
        name = name or str(condition)
        self._breakpoints[name] = self._condition(condition)
        return name

    def watch(self, condition, name: str | None = None) -> str:
        """Record in :attr:`trace` each time ``condition`` comes to hold (the run goes on)."""
        name = name or str(condition)
        self._watchpoints[name] = self._condition(condition)
        self._kinds[name] = "watchpoint"
        return name

    def clear(self, name: str) -> None:
        """Remove a breakpoint or watchpoint."""
        if self._breakpoints.pop(name, None) is None and self._watchpoints.pop(name, None) is None:
            raise CommandError(f"no breakpoint or watchpoint named {name!r}")

    def _record(self, table: pd.DataFrame, before: Mapping | None) -> None:
        for name, cond in self._watchpoints.items():
            for t, v in _fired_any(table, cond, before):
                self.trace.append(Event(t, self._kinds.get(name, "watchpoint"), name, str(cond), v))
        self.trace.sort(key=lambda e: e.time_min)

    def _stretch(self, length: float, stop: dict) -> pd.DataFrame:
        """Run ``length`` minutes one output step at a time, stopping after the step where a
        condition of ``stop`` (name -> condition) comes to hold; records the trace."""
        before = first = self._last_row()
        tables, end = [], self.time + length
        while self.time < end - 1e-9:
            table = self._advance(min(self.step_min, end - self.time))
            tables.append(table if not tables else table.iloc[1:])
            hit = next(((name, f) for name, cond in stop.items() for f in _fired_any(table.iloc[1:], cond, before)),
                       None)
            before = table.iloc[-1]
            if hit is not None:
                (name, (t, v)) = hit
                kind = "breakpoint" if name in self._breakpoints else "run_until"
                self.trace.append(Event(t, kind, name, str(stop[name]), v))
                self.stopped = name
                break
        else:
            self.stopped = None
        stretch = pd.concat(tables, ignore_index=True)
        self._record(stretch, first)
        return stretch

    def run_until(self, condition, limit="24 h") -> pd.DataFrame:
        """Run until ``condition`` holds (checked at every output step) or ``limit`` passes; the
        stretch's table. :attr:`stopped` names the condition if it was met (None if not)."""
        from bioxen.runtime.limits import duration_minutes

        length = duration_minutes(limit, "run_until limit", CommandError)
        return self._stretch(length, {"run_until": self._condition(condition), **self._breakpoints})

    def step(self, steps: int = 1) -> pd.DataFrame:
        """Run ``steps`` output steps (the hypervisor's ``step`` minutes each)."""
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            raise CommandError(f"steps must be a whole number >= 1 (got {steps!r})")
        return self.run(self.step_min * steps)


def _fired_any(table: pd.DataFrame, condition, before: Mapping | None) -> list[tuple[float, float]]:
    """:func:`fired` for a Condition; for a callable, the output steps at which it comes to hold."""
    if isinstance(condition, Condition):
        return fired(table, condition, before) if len(table) else []
    found, was = [], bool(condition(before)) if before is not None else False
    for _, row in table.iterrows():
        now = bool(condition(row))
        if now and not was:
            found.append((float(row["time_min"]), float("nan")))
        was = now
    return found
