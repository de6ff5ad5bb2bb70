"""Quantities with units at the edge of the compiler: durations, rates and concentrations.

Inside the model time is in minutes (the Weisse et al. 2015 convention) and a
drug's concentration in the medium in micromolar.

>>> minutes("6 h"), minutes("20 min"), minutes("90 s")
(360.0, 20.0, 1.5)
>>> micromolar("4 uM"), micromolar("4 µM"), micromolar("500 nM"), micromolar("0.01 mM")
(4.0, 4.0, 0.5, 10.0)
"""
from __future__ import annotations

import re

_TIME_UNITS = {
    "s": 1 / 60, "sec": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
    "min": 1.0, "minute": 1.0, "minutes": 1.0,
    "h": 60.0, "hr": 60.0, "hour": 60.0, "hours": 60.0,
    "d": 1440.0, "day": 1440.0, "days": 1440.0,
}
_QUANTITY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]+)\s*$")
TIME_UNITS_HELP = "a number and a unit, e.g. '20 min', '6 h', '90 s' (units: s, min, h, d)"


def minutes(text: str) -> float:
    """Parse a duration with a unit into minutes; ValueError names what is allowed."""
    return _quantity(text, "duration", "time", _QUANTITY, _TIME_UNITS, TIME_UNITS_HELP)


_CONCENTRATION_UNITS = {"nM": 1e-3, "uM": 1.0, "\u00b5M": 1.0, "\u03bcM": 1.0, "mM": 1e3}
_CONCENTRATION = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(\S+)\s*$")
CONCENTRATION_UNITS_HELP = "a number and a unit, e.g. '4 uM', '500 nM' (units: nM, uM or \u00b5M, mM)"


def micromolar(text: str) -> float:
    """Parse a concentration with a unit into micromolar; ValueError names what is allowed."""
    return _quantity(text, "concentration", "concentration", _CONCENTRATION, _CONCENTRATION_UNITS,
                     CONCENTRATION_UNITS_HELP)


def _quantity(text, what: str, kind: str, pattern: re.Pattern, units: dict[str, float], expected: str) -> float:
    """``text`` ("<number> <unit>") in the unit ``units`` maps to 1.0; ValueError says what was expected."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ValueError(f"expected a {what}, {expected}")
    if isinstance(text, (int, float)):
        raise ValueError(f"{what} {text!r} has no unit; expected {expected}")
    match = pattern.match(text)
    if not match:
        raise ValueError(f"cannot read {what} {text!r}; expected {expected}")
    value, unit = float(match.group(1)), match.group(2)
    if unit not in units:
        raise ValueError(f"unknown {kind} unit {unit!r} in {text!r}; expected {expected}")
    return value * units[unit]
