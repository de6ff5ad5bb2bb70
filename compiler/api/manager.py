"""``GenomicVirtualizationManager``: genome runtimes and cellular contexts, managed directly.

The same processes as ``vm.execute_biological_process`` (:mod:`bioxen.api.processes`), with the
runtime and the context passed by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from bioxen.api import processes
from bioxen.api.config import ConfigError, VmSettings
from bioxen.api.genomic import CellularContext, GenomicRuntime
from bioxen.runtime.limits import is_finite


@dataclass(frozen=True)
class Division:
    """A division event: the mother as it divided and its two daughters."""

    mother: CellularContext
    daughters: tuple[CellularContext, CellularContext]
    grew_min: float          # how long the mother grew to become ready


class GenomicVirtualizationManager:
    """Load genomes as runtimes, make contexts of them, run programs and divide cells."""

    def __init__(self, chassis: str = "ecoli_mg1655", work_dir: str | Path | None = None):
        self.chassis = chassis
        self.work_dir = Path(work_dir) if work_dir else None

    def load_genome_runtime(self, genome_file: str, name: str = "genome", **settings) -> GenomicRuntime:
        """Compile a genome (a GenBank path or an NCBI accession) into a runtime; ``settings`` are
        :class:`bioxen.api.config.VmSettings` fields (ribosome_share, resolution, kinetics, ...)."""
        known = [f.name for f in fields(VmSettings) if f.name != "genome"]
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ConfigError(f"load_genome_runtime: unknown setting(s) {', '.join(unknown)}",
                              hint=f"allowed: {', '.join(known)}")
        share = settings.get("ribosome_share", 0.2)
        if not is_finite(share) or not 0 < share < 0.9:
            raise ConfigError(f"load_genome_runtime: ribosome_share must be a number above 0 and below 0.9, "
                              f"got {share!r:.80}")
        if not isinstance(name, str) or not isinstance(genome_file, (str, Path)):
            raise ConfigError("load_genome_runtime needs a genome (a path or an accession) and a name, as text")
        if name in ("", ".", "..") or Path(name).name != name:
            raise ConfigError(f"load_genome_runtime: name {name!r} must be a plain name (it names the runtime's "
                              "directory under the manager's work_dir)")
        directory = self.work_dir / name if self.work_dir else None
        return GenomicRuntime(name, self.chassis, VmSettings(str(genome_file), **settings), directory)

    def create_cellular_context(self, genome_runtime: GenomicRuntime, environment: dict | None = None,
                                execution_isolation: bool = True, method: str = "ode",
                                seed: int | None = None) -> CellularContext:
        """A cell of the runtime at the chassis state (nothing run yet)."""
        return processes.cellular_context(genome_runtime, {
            "runtime_duration": 0, "environmental_context": environment or {},
            "execution_isolation": execution_isolation, "method": method, "seed": seed})

    def execute_genomic_program(self, program: str, context: CellularContext):
        """Run a program of the call language in ``context``."""
        return processes.execute(program, _context(context))

    def run_gene_expression_engine(self, genes: list[str], context: CellularContext,
                                   duration: float | None = None) -> dict:
        """The genes' mRNA and protein over ``duration`` seconds (default an hour): gene -> table."""
        run = processes.run_operon(_context(context), genes, duration)
        return {course.name: course.table for course in run.genes}

    def execute_metabolic_engine(self, context: CellularContext, conditions: dict | None = None) -> dict:
        """Flux balance of the context's VM (``conditions``: ``glucose_available``, ``nutrients``)."""
        if conditions is not None and not isinstance(conditions, dict):
            raise ConfigError(f"conditions must be a dict, got {type(conditions).__name__}")
        conditions = dict(conditions or {})
        glucose = conditions.pop("glucose_available", True)
        if not isinstance(glucose, bool):
            raise ConfigError(f"glucose_available must be True or False, got {glucose!r:.80}")
        run = processes.metabolic_pathways(_context(context), glucose, conditions)
        return {"model": run.flux.model, "status": run.flux.status, "growth_rate_per_h": run.growth,
                "grows": run.flux.grows, "lost_reactions": list(run.flux.lost_reactions),
                "absent_nutrients": list(run.absent_nutrients), "conditions": [str(c) for c in run.conditions],
                "fluxes": run.flux.fluxes}

    def process_cell_division_event(self, context: CellularContext, rng: np.random.Generator | None = None,
                                    limit_min: float = 600.0) -> Division:
        """Grow the cell until its checkpoint passes (mass doubled, replication round done), then
        divide it: ODE halves its content, SSA partitions each molecule binomially."""
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise ConfigError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        grew = _context(context).cell.grow_until_division(limit_min)
        checkpoint = context.checkpoint()
        if not checkpoint.ready:
            grew += self._until_replicated(context, checkpoint)
        return Division(context, context.divide(rng), grew)

    @staticmethod
    def _until_replicated(context: CellularContext, checkpoint) -> float:
        left = (1.0 - checkpoint.replication_fraction) * checkpoint.c_period_min
        context.run(max(left, 1e-3) * 60.0)
        return left

    def run_population(self, genome_runtime: GenomicRuntime, cells: int = 8, generations: int = 3,
                       method: str = "ode", division: str = "binomial", seed: int = 0, workers: int = 2,
                       scheduler=None):
        """N cells over several generations on Dask (:func:`bioxen.api.population.population`): one
        row per cell cycle, with its division time and its VM's protein at division."""
        from bioxen.api.population import population

        return population(genome_runtime.build_dir, cells, generations, method, division, seed, workers, scheduler)

    def replicate_genomic_runtime(self, context: CellularContext, seed: int | None = None) -> CellularContext:
        """An independent copy of the context (same state, time and mass), e.g. to branch a run."""
        return _context(context).copy(seed)


def _context(context) -> CellularContext:
    if not isinstance(context, CellularContext):
        raise ConfigError(f"expected a cellular context (create_cellular_context), got {type(context).__name__}")
    return context
