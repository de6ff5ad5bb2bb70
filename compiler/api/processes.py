"""The biological processes a program can run, each on a cellular context.

These are the functions of the call language (:data:`bioxen.api.language.FUNCTIONS`); ``BioVM``
and ``GenomicVirtualizationManager`` both run them here. Durations are seconds of cell time, as
in the founding document's ``runtime_duration``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from bioxen.api import conditions
from bioxen.api.config import ConfigError
from bioxen.api.language import read_program
from bioxen.api.metabolism import FluxState, flux_balance
from bioxen.api.genomic import NUTRIENTS, CellularContext, Checkpoint, Environment, GeneCourse, GenomicRuntime

OPERON_SECONDS = 3600.0      # run_operon's default: an hour, about two host doublings
CONTEXT_SECONDS = 60.0       # create_cellular_context's default runtime_duration


@dataclass(frozen=True)
class OperonRun:
    """run_operon: each gene's mRNA and protein over the run, and what the run ran into."""

    genes: tuple[GeneCourse, ...]
    seconds: float
    conditions: tuple[conditions.Condition, ...] = ()

    def table(self) -> pd.DataFrame:
        """One long table: time_min, gene, locus_tag, mRNA, protein."""
        return pd.concat([g.table.assign(gene=g.name, locus_tag=g.locus_tag) for g in self.genes],
                         ignore_index=True)

    def final(self) -> dict[str, dict[str, float]]:
        return {g.name: {"mRNA": float(g.table["mRNA"].iloc[-1]), "protein": float(g.table["protein"].iloc[-1])}
                for g in self.genes}


@dataclass(frozen=True)
class MetabolicRun:
    """run_metabolic_pathways: the flux balance and its conditions."""

    flux: FluxState
    absent_nutrients: tuple[str, ...]
    conditions: tuple[conditions.Condition, ...] = field(default_factory=tuple)

    @property
    def growth(self) -> float:
        return self.flux.growth


def run_operon(context: CellularContext, genes: list[str], duration: float | None = None) -> OperonRun:
    """Express the VM for ``duration`` seconds (default an hour) and read the genes' time courses
    (one per gene: a gene named twice, or by its locus tag and its name, is read once)."""
    seconds = OPERON_SECONDS if duration is None else duration
    if isinstance(genes, str) or not isinstance(genes, (list, tuple)) or \
            not all(isinstance(key, str) for key in genes):
        raise ConfigError(f"run_operon needs a list of gene names or locus tags, got {genes!r:.80}")
    if not genes:
        raise ConfigError("run_operon needs at least one gene")
    named: dict[str, str] = {}                  # locus tag -> the key first naming it
    for key in dict.fromkeys(genes):
        named.setdefault(context.runtime.gene(key).locus_tag, key)
    context.watch(list(named))
    keys = list(named.values())
    before = len(context.conditions)
    table = context.run(seconds)
    return OperonRun(tuple(context.genes(keys, table)), float(seconds), tuple(context.conditions[before:]))


def cell_cycle_checkpoint(context: CellularContext) -> Checkpoint:
    return context.checkpoint()


def _absent(context: CellularContext, settings: dict | None) -> tuple[str, ...]:
    if settings is not None and not isinstance(settings, dict):
        raise ConfigError(f"run_metabolic_pathways: conditions must be a dict, got {type(settings).__name__}")
    settings = dict(settings or {})
    unknown = sorted(set(settings) - {"nutrients"})
    if unknown:
        raise ConfigError(f"run_metabolic_pathways: unknown condition(s) {', '.join(unknown)}",
                          hint="allowed: nutrients (the list of nutrients available)")
    available = Environment.from_settings({"nutrients": settings["nutrients"]}, context.runtime.host).nutrients \
        if "nutrients" in settings else context.environment.nutrients
    absent = set(context.runtime.settings.absent_nutrients) | (set(NUTRIENTS) - set(available))
    return tuple(n for n in NUTRIENTS if n in absent)


def metabolic_pathways(context: CellularContext, glucose_available: bool = True,
                       conditions_: dict | None = None) -> MetabolicRun:
    """Flux balance of the VM's genome-matched metabolic model under its knockouts and expression."""
    runtime = context.runtime
    absent = _absent(context, conditions_)
    metabolic = runtime.metabolism()
    knockouts = [runtime.gene(k).locus_tag for k in runtime.knockouts]
    expression = {runtime.gene(k).locus_tag: f for k, f in runtime.expression.items()}
    state = flux_balance(metabolic, knockouts, expression, glucose_available, absent)
    found = conditions.metabolic(state)
    return MetabolicRun(state, tuple(dict.fromkeys(absent + (() if glucose_available else ("glucose",)))),
                        tuple(found))


def cellular_context(runtime: GenomicRuntime, settings: dict | None = None) -> CellularContext:
    """A new context from ``create_cellular_context``'s settings, run for ``runtime_duration`` s."""
    if settings is not None and not isinstance(settings, dict):
        raise ConfigError(f"create_cellular_context: settings must be a dict, got {type(settings).__name__}")
    settings = dict(settings or {})
    allowed = ("runtime_duration", "environmental_context", "execution_isolation", "method", "seed")
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise ConfigError(f"create_cellular_context: unknown setting(s) {', '.join(unknown)}",
                          hint=f"allowed: {', '.join(allowed)}")
    environment = Environment.from_settings(settings.get("environmental_context"), runtime.host)
    isolation = settings.get("execution_isolation", True)
    if not isinstance(isolation, bool):
        raise ConfigError(f"create_cellular_context: execution_isolation must be True or False, got {isolation!r}")
    method = settings.get("method", "ode")
    if method not in ("ode", "ssa", "hybrid"):
        raise ConfigError(f"create_cellular_context: method {method!r} is not 'ode', 'ssa' or 'hybrid'")
    seed = settings.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31):
        raise ConfigError(f"create_cellular_context: seed must be a whole number from 0 to {2**31 - 1}, got {seed!r}")
    # isolated execution is the VM's own ribosome pool, where the chassis has one (bioxen.hardware):
    # on a chassis without orthogonal ribosomes the context runs, and says it runs, on host ribosomes
    isolated = isolation and runtime.host.hardware.has("translation", "orthogonal_ribosomes")
    variant = runtime.variant(pool="orthogonal" if isolated else "host", carbon=environment.carbon)
    context = CellularContext(variant, environment, isolated, method, seed)
    duration = settings.get("runtime_duration", CONTEXT_SECONDS)
    if duration:
        context.run(duration)
    return context


# The call language's functions -> (process, whether it makes a new context)
PROCESSES = {
    "run_operon": lambda context, genes, duration=None: run_operon(context, genes, duration),
    "execute_cell_cycle_checkpoint": lambda context: cell_cycle_checkpoint(context),
    "run_metabolic_pathways": lambda context, glucose_available=True, conditions=None:
        metabolic_pathways(context, glucose_available, conditions),
    "create_cellular_context": lambda context, settings=None: cellular_context(context.runtime, settings),
}


def execute(program: str, context: CellularContext):
    """Parse ``program`` (never evaluated) and run it on ``context``."""
    function, arguments = read_program(program)
    return PROCESSES[function](context, **arguments)
