"""``GenomicVirtualizationManager``: genome runtimes and cellular contexts, managed directly.

The same processes as ``vm.execute_biological_process`` (:mod:`bioxen.api.processes`), with the
runtime and the context passed by hand.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bioxen.api import processes
from bioxen.api.config import VmSettings
from bioxen.api.runtime import CellularContext, GenomicRuntime


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
        directory = self.work_dir / name if self.work_dir else None
        return GenomicRuntime(name, self.chassis, VmSettings(genome_file, **settings), directory)

    def create_cellular_context(self, genome_runtime: GenomicRuntime, environment: dict | None = None,
                                execution_isolation: bool = True, method: str = "ode",
                                seed: int | None = None) -> CellularContext:
        """A cell of the runtime at the chassis state (nothing run yet)."""
        return processes.cellular_context(genome_runtime, {
            "runtime_duration": 0, "environmental_context": environment or {},
            "execution_isolation": execution_isolation, "method": method, "seed": seed})

    def execute_genomic_program(self, program: str, context: CellularContext):
        """Run a program of the call language in ``context``."""
        return processes.execute(program, context)

    def run_gene_expression_engine(self, genes: list[str], context: CellularContext,
                                   duration: float | None = None) -> dict:
        """The genes' mRNA and protein over ``duration`` seconds (default an hour): gene -> table."""
        run = processes.run_operon(context, genes, duration)
        return {course.name: course.table for course in run.genes}

    def execute_metabolic_engine(self, context: CellularContext, conditions: dict | None = None) -> dict:
        """Flux balance of the context's VM (``conditions``: ``glucose_available``, ``nutrients``)."""
        conditions = dict(conditions or {})
        glucose = conditions.pop("glucose_available", True)
        run = processes.metabolic_pathways(context, glucose, conditions)
        return {"model": run.flux.model, "status": run.flux.status, "growth_rate_per_h": run.growth,
                "grows": run.flux.grows, "lost_reactions": list(run.flux.lost_reactions),
                "absent_nutrients": list(run.absent_nutrients), "conditions": [str(c) for c in run.conditions],
                "fluxes": run.flux.fluxes}

    def process_cell_division_event(self, context: CellularContext, rng: np.random.Generator | None = None,
                                    limit_min: float = 600.0) -> Division:
        """Grow the cell until its checkpoint passes (mass doubled, replication round done), then
        divide it: ODE halves its content, SSA partitions each molecule binomially."""
        grew = context.cell.grow_until_division(limit_min)
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
        return context.copy(seed)
