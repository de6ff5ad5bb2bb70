"""A number with its units and literature source: the value type every stage shares.

The front end reads quantities from data files (chassis, parts library), the passes
compute with their numbers and the rules put them into the model as parameters
(:meth:`bioxen.rules.Builder.parameter` keeps the units and the source).

>>> k = Quantity(0.1, "1/min", "Weisse et al. 2015")
>>> value(k), value(3)
(0.1, 3.0)
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    """A parameter value with its units and literature source."""

    value: float
    units: str
    source: str = ""


def value(q) -> float:
    """The number in a Quantity (or a plain number)."""
    return float(q.value if isinstance(q, Quantity) else q)
