"""The parameter grid of a sweep: ``--set PATH=SPEC`` options, their grid points, and seeds.

A setting addresses one policy field by its dotted path; a list item by its ``id`` or its
index (``vms.vm1.ribosomes.share``, ``vms.0.ribosomes.share``, ``control.1.at``). SPEC is

* ``start:stop:n``: n evenly spaced numbers from start to stop inclusive (``numpy.linspace``),
  rounded to 12 significant digits, so ``0.1:0.5:5`` gives 0.3, not 0.30000000000000004;
  integers when start and stop are integers and every step lands on one (``1:5:5``);
* ``a,b,c``: the listed values;
* ``a``: one value.

A value is read as the policy's YAML would read it (``0.2`` a number, ``2 h`` a string the
schema turns into minutes, ``true`` a boolean): never evaluated as code. Several settings span
the full factorial grid, the last setting varying fastest:

>>> grid = grid_points([parse_setting("a.x=1,2"), parse_setting("b=0.1:0.2:2")])
>>> [point for point in grid]
[(1, 0.1), (1, 0.2), (2, 0.1), (2, 0.2)]

A sweep runs at most ``MAX_RUNS`` simulations (grid points times replicates) unless the
environment says otherwise (``BIOXEN_MAX_SWEEP_RUNS``): a grid is checked against that before
any value is read or any grid point compiled, so a slip such as ``0.1:0.5:100000`` is refused
at once rather than after hours.
"""
from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from bioxen.env import env_number
from bioxen.errors import PolicyError

_PATH = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")
SPEC_HELP = "start:stop:n (n evenly spaced values), a comma list (0.1,0.2) or one value"
MAX_RUNS = 10_000          # grid points x replicates: at ~1 s a run, about three hours on two cores
RUNS_VARIABLE = "BIOXEN_MAX_SWEEP_RUNS"


@dataclass(frozen=True)
class Setting:
    """One swept policy field: its dotted path, the values it takes, and the option it came from."""

    path: str
    values: tuple
    option: str

    @property
    def keys(self) -> list[str]:
        return self.path.split(".")


def _reject(option: str, problem: str, hint: str | None = None) -> PolicyError:
    return PolicyError(f"{option}: {problem}", hint=hint)


def parse_value(text: str, option: str):
    """One value, as YAML reads a scalar in the policy.

    >>> parse_value("0.25", "--set x=0.25"), parse_value("2 h", "--set x=2 h"), parse_value("true", "")
    (0.25, '2 h', True)
    """
    try:
        value = YAML(typ="safe", pure=True).load(text.strip())
    except YAMLError as exc:
        raise _reject(option, f"cannot read value {text!r} ({exc.problem})", SPEC_HELP) from None
    if text.strip() == "" or isinstance(value, (dict, list)):
        raise _reject(option, f"expected a single value, got {text!r}", SPEC_HELP)
    return value


def _number(text: str, option: str, what: str) -> float:
    value = parse_value(text, option)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _reject(option, f"{what} of start:stop:n must be a finite number, got {text!r}", SPEC_HELP)
    return value


def evenly_spaced(spec: str, option: str, limit: int | None = None) -> tuple:
    """``start:stop:n`` as its n values.

    >>> evenly_spaced("0.1:0.5:5", "")
    (0.1, 0.2, 0.3, 0.4, 0.5)
    >>> evenly_spaced("10:40:4", "")
    (10, 20, 30, 40)
    """
    parts = spec.split(":")
    if len(parts) != 3:
        raise _reject(option, f"expected start:stop:n, got {spec!r}", SPEC_HELP)
    start, stop = _number(parts[0], option, "start"), _number(parts[1], option, "stop")
    count = parse_value(parts[2], option)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise _reject(option, f"n of start:stop:n must be a whole number of values >= 1, got {parts[2]!r}",
                      SPEC_HELP)
    _check_runs(count, option, limit)
    values = [float(f"{v:.12g}") for v in np.linspace(start, stop, count)]
    if isinstance(start, int) and isinstance(stop, int) and all(v.is_integer() for v in values):
        return tuple(int(v) for v in values)
    return tuple(values)


def parse_setting(option: str, limit: int | None = None) -> Setting:
    """``PATH=SPEC`` (the text of one ``--set``) as a Setting; a malformed one is a PolicyError
    naming the option, and one with more values than a sweep may run (``limit``, :func:`max_runs`)
    is refused before its values are made."""
    shown = f"--set {option}"
    path, equals, spec = option.partition("=")
    path = path.strip()
    if not equals or not _PATH.fullmatch(path):
        raise _reject(shown, "expected PATH=VALUES with a dotted policy path",
                      "e.g. --set vms.vm1.ribosomes.share=0.1:0.5:5 (list items by id or index)")
    if ":" in spec:
        values = evenly_spaced(spec.strip(), shown, limit)
    else:
        _check_runs(spec.count(",") + 1, shown, limit)
        values = tuple(parse_value(item, shown) for item in spec.split(","))
    check_values(values, shown)
    return Setting(path, values, shown)


def repeated(values) -> list:
    """The values that occur more than once (as ``==`` finds them: 1, 1.0 and True are one), in
    one pass over them (a set of those seen; unhashable values are compared one by one).

    >>> repeated((0.1, 0.2, 0.1, 1, True))
    [0.1, True]
    """
    values, seen, unhashable, found = list(values), set(), [], []
    for value in values:
        try:
            again = value in seen
            seen.add(value)
        except TypeError:
            again = value in unhashable
            unhashable.append(value)
        if again and value not in found:
            found.append(value)
    return found


def check_values(values: tuple, option: str) -> None:
    """A setting's values: at least one, each once."""
    if not values:
        raise _reject(option, "gives no values", SPEC_HELP)
    twice = sorted(repr(v) for v in repeated(values))
    if twice:
        raise _reject(option, f"repeats {', '.join(twice)}; each grid value once")


def max_runs(limit: int | None = None) -> int:
    """The most runs a sweep may make: ``limit``, else ``BIOXEN_MAX_SWEEP_RUNS``, else ``MAX_RUNS``."""
    if limit is None:
        limit = env_number(RUNS_VARIABLE, int, MAX_RUNS,
                           lambda text: PolicyError(f"{RUNS_VARIABLE}={text!r} is not a whole number of runs"))
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise PolicyError(f"the limit on a sweep's runs must be a whole number >= 1, got {limit!r}")
    return limit


def _too_many(runs: int, what: str, limit: int) -> PolicyError:
    return PolicyError(f"{what} {runs:,} runs; a sweep makes at most {limit:,}",
                       hint=f"sweep fewer values, or raise the limit: --max-runs {runs}, {RUNS_VARIABLE}={runs} or "
                            f"run_sweep(..., max_runs={runs})")


def _check_runs(count: int, option: str, limit: int | None = None) -> None:
    limit = max_runs(limit)
    if count > limit:
        raise _too_many(count, f"{option}: {count:,} values alone make", limit)


def check_size(settings: list[Setting], replicates, limit: int | None = None) -> int:
    """The number of runs of a sweep (grid points x replicates), or a PolicyError if it is over
    the limit (:func:`max_runs`)."""
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise PolicyError(f"--replicates must be a whole number >= 1, got {replicates!r}")
    points = math.prod(len(s.values) for s in settings)
    runs, allowed = points * replicates, max_runs(limit)
    if runs > allowed:
        sizes = " x ".join(str(len(s.values)) for s in settings) or "1"
        raise _too_many(runs, f"the grid ({sizes} values) x {replicates} replicate(s) is", allowed)
    return runs


def check_settings(settings: list[Setting]) -> None:
    twice = sorted(repeated(s.path for s in settings))
    if twice:
        raise PolicyError(f"--set names {', '.join(twice)} more than once; give all its values in one option",
                          hint="e.g. --set vms.vm1.ribosomes.share=0.1,0.2,0.3")


def grid_points(settings: list[Setting]) -> list[tuple]:
    """Every combination of the settings' values (one point, (), without settings)."""
    return list(itertools.product(*(s.values for s in settings)))


def _item(items: list, key: str, setting: Setting, where: str) -> int:
    """The index of a list item named by ``id`` or by index."""
    if key.isdigit():
        if int(key) >= len(items):
            raise _reject(setting.option, f"'{where}' has {len(items)} item(s); index {key} is out of range")
        return int(key)
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    if key not in ids:
        known = f"ids: {', '.join(map(str, ids))}" if any(i is not None for i in ids) else "its items have no id"
        raise _reject(setting.option, f"'{where}' has no item with id '{key}' ({known}; or give an index "
                                      f"0..{len(items) - 1})")
    return ids.index(key)


def assign(tree: CommentedMap, setting: Setting, value) -> None:
    """Set ``value`` at the setting's path in a policy's YAML tree. A missing section is
    created (the schema then says whether it belongs); a missing list item is an error."""
    node, keys = tree, setting.keys
    for depth, key in enumerate(keys):
        where, last = ".".join(keys[:depth]) or "policy", depth == len(keys) - 1
        if isinstance(node, list):
            key = _item(node, key, setting, where)
        elif not isinstance(node, dict):
            raise _reject(setting.option, f"'{where}' is a value ({node!r}), not a section with '{key}'")
        elif not last and node.get(key) is None:
            node[key] = CommentedMap()
        if last:
            node[key] = value
        else:
            node = node[key]


def replicate_seed(base: int, point: int, replicate: int) -> int:
    """The random seed of one run: ``numpy.random.SeedSequence(base, spawn_key=(point,
    replicate))``, the same child ``SeedSequence(base).spawn(...)[point].spawn(...)[replicate]``
    gives, as its first 32-bit word shifted to 31 bits (every engine takes a non-negative
    C int). A run's seed depends on nothing else: more replicates keep the earlier ones.

    >>> replicate_seed(0, 0, 0) == replicate_seed(0, 0, 0) != replicate_seed(0, 0, 1)
    True
    """
    state = np.random.SeedSequence(base, spawn_key=(point, replicate)).generate_state(1, np.uint32)
    return int(state[0] >> 1)
