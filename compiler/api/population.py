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

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bioxen.errors import SimulationError
from bioxen.runtime.cell import Birth, Cell
from bioxen.runtime.division import halve, partition
from bioxen.sweep.cluster import BuildFiles, dask_client

DIVISIONS = ("binomial", "halve")


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
    if division not in DIVISIONS:
        raise SimulationError(f"unknown division {division!r} (expected one of: {', '.join(DIVISIONS)})")
    if cells < 1 or generations < 1:
        raise SimulationError(f"a population needs at least one cell and one generation (got {cells}, {generations})")
    build = BuildFiles.read(Path(build_dir))
    rng = np.random.default_rng(seed)
    founder = Cell(Path(build_dir), "ode")
    start = founder.amounts()
    newborn = [(start, Birth(0, str(i), 0.0, 0.0)) for i in range(cells)]
    rows = []
    with dask_client(scheduler, workers) as client:
        shared = client.scatter(build, broadcast=True)        # the build's files travel once per worker
        for _ in range(generations):
            futures = client.map(grow_cell, [shared] * len(newborn), [method] * len(newborn),
                                 [int(s) for s in rng.integers(0, 2**31 - 1, len(newborn))],
                                 [amounts for amounts, _ in newborn], [b for _, b in newborn],
                                 [limit_min] * len(newborn), pure=False)
            cycles = client.gather(futures)
            rows += [{"lineage": c.lineage, "generation": c.generation, "born_min": c.born_min,
                      "division_time_min": c.division_time_min,
                      **{f"{vm}_protein_at_division": p for vm, p in c.vm_protein.items()}} for c in cycles]
            offspring = [d for c in cycles for d in _daughters(c, division, rng)]
            picked = rng.choice(len(offspring), size=min(cells, len(offspring)), replace=False)
            newborn = [offspring[i] for i in sorted(picked)]
    return pd.DataFrame(rows)
