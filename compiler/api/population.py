"""Populations: N cells of a runtime over several generations, each cell cycle a Dask task.

Every cell grows from birth until its mass has doubled (:meth:`bioxen.runtime.cell.Cell.
grow_until_division`) and divides; each daughter starts the next generation. To keep N cells,
each generation samples N of the 2N daughters at random (constant-number Monte Carlo), so every
cell sampled stands for an equal share of the culture.

Methods: ``ssa`` simulates each cell cycle with the exact SSA (affordable for small designs
only: a whole-cell model's host turns over ~1.4e7 molecules a minute); ``ode`` grows each cell
deterministically. Either way division partitions molecules binomially (``division="binomial"``,
the default: daughters differ by partitioning noise, Huh & Paulsson 2011 Nat Genet 43:95) or
halves them exactly (``"halve"``: identical daughters). The result gives the distributions of
division time and of each VM's protein at division.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bioxen.errors import SimulationError
from bioxen.progress import task as progress_task
from bioxen.runtime.cell import Birth, Cell
from bioxen.runtime.division import halve, partition
from bioxen.runtime.limits import duration_minutes
from bioxen.runtime.simulate import METHODS
from bioxen.sweep.cluster import BuildFiles, dask_client

DIVISIONS = ("binomial", "halve")
MAX_CELL_CYCLES = 100_000     # cells x generations: each is a task of a second or more


@dataclass(frozen=True)
class CellCycle:
    """One cell's cycle, as a task returns it."""

    lineage: str
    generation: int
    born_min: float
    division_time_min: float
    content: np.ndarray          # molecules at division (model amounts times mass)
    vm_protein: dict             # VM -> protein molecules at division


_BUILDS: dict[int, Path] = {}     # per worker process: build files written once


def _build_dir(build: BuildFiles) -> Path:
    key = hash(build.files)
    if key not in _BUILDS:
        _BUILDS[key] = build.materialise(Path(tempfile.mkdtemp(prefix="bioxen-population-")))
    return _BUILDS[key]


def grow_cell(build: BuildFiles, method: str, seed: int, amounts, born: Birth, limit: float) -> CellCycle:
    """The task: a cell born with model ``amounts`` grows until it has doubled its mass."""
    cell = Cell(_build_dir(build), method, seed, amounts, born.born_at, born)
    took = cell.grow_until_division(limit)
    last = cell.history[-1].iloc[-1]
    proteins = {vm: float(last[f"{vm}_protein_total"]) * cell.mass_ratio for vm in cell.outputs.vms}
    return CellCycle(born.lineage, born.generation, born.born_at, took, cell.content(), proteins)


def _daughters(cycle: CellCycle, division: str, rng: np.random.Generator):
    shares = partition(np.rint(cycle.content), rng) if division == "binomial" else halve(cycle.content)
    born = cycle.born_min + cycle.division_time_min
    for index, share in enumerate(shares, start=1):
        # each daughter is born at the reference mass: its model state is its content
        yield share, Birth(cycle.generation + 1, f"{cycle.lineage}.{index}", born, 0.0)


def population(build_dir: str | Path, cells: int = 8, generations: int = 3, method: str = "ode",
               division: str = "binomial", seed: int = 0, workers: int = 2, scheduler=None,
               limit_min: float = 600.0) -> pd.DataFrame:
    """N = ``cells`` cells over ``generations`` cell cycles (module docstring): one row per cell
    cycle (lineage, generation, born_min, division_time_min, <vm>_protein_at_division)."""
    limit_min = _check(cells, generations, method, division, seed, workers, limit_min)
    build = BuildFiles.read(Path(build_dir))
    rng = np.random.default_rng(seed)
    with progress_task("preparing the founder cell"):
        founder = Cell(Path(build_dir), "ode")
        start = founder.amounts()
        if method == "ssa":
            _check_ssa_cost(Path(build_dir), founder, cells * generations, limit_min)
    newborn = [(start, Birth(0, str(i), 0.0, 0.0)) for i in range(cells)]
    rows = []
    with dask_client(scheduler, workers) as client, \
            progress_task(f"{cells} cell(s) over {generations} generation(s)", cells * generations, "cell cycles") \
            as advance:
        shared = client.scatter(build, broadcast=True)        # the build's files travel once per worker
        for _ in range(generations):
            futures = client.map(grow_cell, [shared] * len(newborn), [method] * len(newborn),
                                 [int(s) for s in rng.integers(0, 2**31 - 1, len(newborn))],
                                 [amounts for amounts, _ in newborn], [b for _, b in newborn],
                                 [limit_min] * len(newborn), pure=False)
            cycles = _gathered(client, futures, len(rows), advance)
            rows += [{"lineage": c.lineage, "generation": c.generation, "born_min": c.born_min,
                      "division_time_min": c.division_time_min,
                      **{f"{vm}_protein_at_division": p for vm, p in c.vm_protein.items()}} for c in cycles]
            offspring = [d for c in cycles for d in _daughters(c, division, rng)]
            picked = rng.choice(len(offspring), size=min(cells, len(offspring)), replace=False)
            newborn = [offspring[i] for i in sorted(picked)]
    return pd.DataFrame(rows)


def _gathered(client, futures: list, before: int, advance) -> list[CellCycle]:
    """The generation's cell cycles in order, ``advance(cycles done)`` called as each finishes."""
    from distributed import as_completed

    for done, _ in enumerate(as_completed(futures, loop=client.loop), start=1):
        advance(before + done)
    return client.gather(futures)


def _whole(value, what: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"from {low} to {high:,}" if high is not None else f"of at least {low}"
        raise SimulationError(f"{what} must be a whole number {bound}, got {value!r:.80}")
    return value


def _check(cells, generations, method, division, seed, workers, limit_min) -> float:
    """A population's arguments, before any work; the cycle limit in minutes."""
    if division not in DIVISIONS:
        raise SimulationError(f"unknown division {division!r} (expected one of: {', '.join(DIVISIONS)})")
    if method not in METHODS:
        raise SimulationError(f"unknown method {method!r} (expected one of: {', '.join(METHODS)})")
    _whole(cells, "cells", 1), _whole(generations, "generations", 1), _whole(seed, "seed", 0)
    _whole(workers, "workers", 1, 256)
    if cells * generations > MAX_CELL_CYCLES:
        raise SimulationError(f"{cells:,} cells over {generations:,} generations is {cells * generations:,} cell "
                              f"cycles; at most {MAX_CELL_CYCLES:,}")
    return duration_minutes(limit_min, "limit_min")


def _check_ssa_cost(build_dir: Path, founder: Cell, cycles: int, limit_min: float) -> None:
    """Refuse an SSA population whose cell cycles would fire more events than the budget."""
    from bioxen.runtime.cost import BUDGET_VARIABLE, SsaCost, check_budget, ssa_cost

    rate = float(founder.run(1e-6, points=2)["growth_rate_per_min"].iloc[-1])
    cycle = min(limit_min, math.log(2) / rate) if rate > 0 else limit_min
    per_minute = ssa_cost(build_dir, 1.0)
    check_budget(SsaCost(per_minute.events_per_minute, cycle * cycles, f"{per_minute.source}, {cycles} cell cycles "
                                                                        f"of ~{cycle:.0f} min"),
                 hint=f"fewer cells or generations, method='ode', or a larger budget ({BUDGET_VARIABLE}=N events)")
