"""Genomic runtimes and cellular contexts: a genome compiled into a cell, and that cell running.

- :class:`GenomicRuntime`: one VM's genome and settings, written as a hypervisor policy and
  compiled (``build/`` under the runtime's work directory: model.xml, model.net and the JSON
  files; unchanged designs come from the build cache). Knockouts and expression factors make a
  new runtime (the policy's ``knockouts:`` and ``expression:``), so they change the model.
- :class:`CellularContext`: a :class:`bioxen.runtime.cell.Cell` of that runtime in an
  environment, with the conditions it ran into, its cell-cycle checkpoint and its division.

Cell-cycle checkpoint. A cell is ready to divide when its mass has doubled and the replication
round that division needs is complete. Replication follows Cooper & Helmstetter (1968) with no
segregation delay (D = 0): a round takes C = L/(2v) for a genome of L bp copied by two forks at
v bp/s (v = 100 bp/s, Thornburg et al. 2022 Eq. 8, the Syn3A replisome) and ends at division,
so at age a of a cell doubling every τ it is (a − τ + C)/C done (a round longer than a cell
cycle began in an ancestor: overlapping rounds).
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bioxen.api import conditions
from bioxen.api.config import ConfigError, VmSettings, policy_for, vm_model_id
from bioxen.errors import SimulationError
from bioxen.runtime.cell import DOUBLED, Cell
from bioxen.runtime.cost import BUDGET_VARIABLE, check_budget

FORK_SPEED = 100.0          # bp/s per fork when a chassis gives none: Thornburg et al. 2022 Eq. 8 (PARAMETERS.md)
FORMATS = ("sbml", "net")   # what a runtime's cells read
TEMPERATURE = 37.0          # °C, when a chassis gives none (Weisse et al. 2015's E. coli)
TEMPERATURE_RANGE = 1.0     # °C either side of the chassis's: no temperature dependence is modelled
PH = (5.0, 9.0)             # external pH E. coli keeps its cytoplasm near 7.6 across
NUTRIENTS = ("glucose", "phosphate")
MAX_SECONDS = 864_000.0     # the longest run a context takes (10 days of cell time)


def host_temperature(chassis) -> float:
    """The chassis's growth temperature, °C (its cell_cycle.temperature)."""
    q = getattr(chassis, "cell_cycle", {}).get("temperature") if chassis is not None else None
    return float(q.value) if q is not None else TEMPERATURE


@dataclass(frozen=True)
class Environment:
    """A cellular context's environment. Glucose is the host model's carbon source: without it
    the host's external nutrient is 0 (it starves); both nutrients open or close their exchanges
    in the flux balance."""

    temperature: float = 37.0
    ph: float = 7.0
    nutrients: tuple[str, ...] = NUTRIENTS

    @classmethod
    def from_settings(cls, settings: dict | None, chassis=None) -> "Environment":
        """``chassis``: the host (:class:`bioxen.chassis.Chassis`), whose temperature is the
        default and the centre of the range allowed."""
        if settings is not None and not isinstance(settings, dict):
            raise ConfigError(f"environmental_context must be a dict, got {type(settings).__name__}")
        settings = dict(settings or {})
        unknown = sorted(set(settings) - {"temperature", "pH", "nutrients"})
        if unknown:
            raise ConfigError(f"environmental_context: unknown setting(s) {', '.join(unknown)}",
                              hint="allowed: temperature (°C), pH, nutrients (a list)")
        host = host_temperature(chassis)
        temperature = settings.get("temperature", host)
        ph = settings.get("pH", 7.0)
        window = (host - TEMPERATURE_RANGE, host + TEMPERATURE_RANGE)
        for name, value, (low, high) in (("temperature", temperature, window), ("pH", ph, PH)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise ConfigError(f"environmental_context: {name} {value!r} is outside {low:g}-{high:g}",
                                  hint=f"the {getattr(chassis, 'name', 'ecoli_mg1655')} chassis is parameterized at "
                                       f"{host:g} °C (no temperature dependence is modelled)"
                                  if name == "temperature" else None)
        nutrients = settings.get("nutrients", list(NUTRIENTS))
        if not isinstance(nutrients, list) or not all(isinstance(n, str) for n in nutrients):
            raise ConfigError(f"environmental_context: nutrients must be a list of names, got {nutrients!r}")
        unknown = sorted(set(nutrients) - set(NUTRIENTS))
        if unknown:
            raise ConfigError(f"environmental_context: unknown nutrient(s) {', '.join(unknown)}",
                              hint=f"known: {', '.join(NUTRIENTS)}")
        return cls(float(temperature), float(ph), tuple(dict.fromkeys(nutrients)))

    @property
    def carbon(self) -> bool:
        return "glucose" in self.nutrients


@dataclass(frozen=True)
class Checkpoint:
    """Division readiness (module docstring)."""

    ready: bool
    mass_ratio: float                 # mass over birth mass; divides at 2
    replication_fraction: float       # of the round this division needs
    c_period_min: float
    doubling_time_min: float
    age_min: float
    overlapping_rounds: bool          # C longer than the cell cycle
    reasons: tuple[str, ...]          # why not ready ("mass", "replication")


@dataclass(frozen=True)
class GeneCourse:
    """One gene's expression over a run: mRNA and protein (molecules; ribosome- and sRNA-bound
    mRNA included). ``shared_unit``: the gene is expressed as part of a lumped unit (operon or
    subsystem resolution), whose amounts these are."""

    locus_tag: str
    name: str
    table: pd.DataFrame
    shared_unit: bool = False


@dataclass
class GenomicRuntime:
    """A VM's genome compiled into a cell (module docstring)."""

    name: str
    chassis: str
    settings: VmSettings
    work_dir: Path | None                 # None: a new temporary directory
    knockouts: tuple[str, ...] = ()
    expression: dict[str, float] = field(default_factory=dict)
    pool: str | None = None              # None: the chassis's default (orthogonal on E. coli)
    carbon: bool = True

    def __post_init__(self):
        from bioxen import pipeline
        from bioxen.chassis import load_chassis
        from bioxen.hardware import default_pool
        from bioxen.frontend import policy_source
        from bioxen.genome import load_genome
        from bioxen.passes.genetic_code import reassigned_codons
        from bioxen.passes.parameterize import reference_state

        self.host = load_chassis(self.chassis)                  # names, aliases (ecoli, yeast, syn3a) or a path
        if self.pool is None:
            self.pool = default_pool(self.host.hardware)
        if not self.host.hardware.has("translation", f"{self.pool}_ribosomes"):
            raise ConfigError(f"chassis {self.host.name} has no {self.pool} ribosome pool for a VM "
                              f"({self.host.hardware.lacks.get(self.pool + '_ribosomes', 'not offered')})",
                              hint=f"leave the pool out (the chassis's default: {default_pool(self.host.hardware)})")

        self.vm = vm_model_id(self.name)
        self._genes = None                                      # the genome's GeneIndex, built once
        genome = self.settings.genome
        if Path(genome).expanduser().exists():
            genome = str(Path(genome).expanduser().resolve())
        self.genome = load_genome(genome, Path.cwd())
        self._check_genes(list(self.knockouts) + list(self.expression))
        settings = VmSettings(**{**self.settings.__dict__, "genome": genome})
        policy = policy_for(self.name, self.host.source, settings,
                            "recode" if reassigned_codons(self.genome.translation_table, self.host.genetic_code)
                            else None,
                            self.knockouts, self.expression, self.pool, None if self.carbon else 0.0)
        # the work directory is made only once the genome and genes are known good
        self.work_dir = Path(self.work_dir) if self.work_dir else \
            Path(tempfile.mkdtemp(prefix=f"bioxen-{self.vm}-"))
        self.work_dir.mkdir(parents=True, exist_ok=True)
        key = "-".join(["ko"] * bool(self.knockouts) + ["expr"] * bool(self.expression) +
                       ["host"] * (self.pool == "host") + ["nocarbon"] * (not self.carbon)) or "base"
        self.policy_path = self.work_dir / f"{policy['name']}.{key}.yaml"
        _, text = policy_source(policy)
        self.policy_path.write_text(text)               # for the user to read: the design is read from `text`
        self.design = pipeline.load(self.policy_path, text=text)
        self.build_dir = self.work_dir / f"build.{key}"
        pipeline.build(self.design, self.build_dir, FORMATS)   # nothing done if this build is in place already
        self.reference = reference_state(self.design)
        self.reference_energy = float(self.design.chassis.steady_state["energy"])
        self._metabolic = None                                  # the genome's metabolic model, when asked
        self._species: dict[str, list[str]] | None = None     # locus tag -> its species
        self._tags: dict[str, list[str]] = {}                   # species -> its locus tags

    def _find(self, key):
        """The one gene ``key`` names (:mod:`bioxen.genome.lookup`, the resolver policies use), or
        None; the index is built once (a program may name thousands of genes)."""
        if self._genes is None:
            from bioxen.genome.lookup import GeneIndex

            self._genes = GeneIndex(self.genome)
        return self._genes.look_up(key).found

    def _check_genes(self, keys) -> None:
        self._find("")
        lookups = [self._genes.look_up(key) for key in keys]
        problems = list({p.key: p for p in lookups if p.found is None}.values())
        if problems:
            raise ConfigError(f"{self.genome.source}: " + "; ".join(p.problem() for p in problems[:5]),
                              hint=problems[0].hint() or "name genes by locus tag (e.g. "
                              + self.genome.genes[0].locus_tag + ") or by a gene name the genome gives once")

    def variant(self, knockouts=None, expression=None, pool=None, carbon=None) -> "GenomicRuntime":
        """The same VM with other knockouts, expression factors, pool or carbon (compiled)."""
        change = {"knockouts": None if knockouts is None else tuple(knockouts),
                  "expression": None if expression is None else dict(expression), "pool": pool, "carbon": carbon}
        if all(value is None or value == getattr(self, name) for name, value in change.items()):
            return self
        return GenomicRuntime(self.name, self.chassis, self.settings, self.work_dir,
                              tuple(self.knockouts if knockouts is None else knockouts),
                              dict(self.expression if expression is None else expression),
                              self.pool if pool is None else pool, self.carbon if carbon is None else carbon)

    def gene(self, key: str):
        self._check_genes([key])
        return self._find(key)

    def species_of(self, locus_tag: str) -> tuple[list[str], list[str], bool]:
        """The model species holding a gene's mRNA and its protein, and whether they belong to a
        lumped unit."""
        import json

        if self._species is None:
            self._species = {}
            self._tags = json.loads((self.build_dir / "locus_map.json").read_text())["species"]
            for sid, tags in self._tags.items():
                for tag in tags:
                    self._species.setdefault(tag, []).append(sid)
        found = self._species.get(locus_tag, [])
        if not found:
            why = "knocked out" if locus_tag in {self._find(k).locus_tag for k in self.knockouts} else \
                "not expressed (a pseudogene?)"
            raise SimulationError(f"gene {locus_tag} has no species in VM {self.vm}'s model: it is {why}")
        mrna = [s for s in found if s.startswith(("mRNA_", "RNA_"))]
        protein = [s for s in found if s.startswith("protein_")]
        return mrna, protein, len(self._tags[found[0]]) > 1

    def metabolism(self):
        """The genome-matched metabolic model (:func:`bioxen.api.metabolism.model_for`), read once."""
        from bioxen.api.metabolism import model_for

        if self._metabolic is None:
            self._metabolic = model_for(g.locus_tag for g in self.genome.genes)
        return self._metabolic

    def replication_minutes(self) -> float:
        fork = self.host.cell_cycle.get("fork_speed")
        return self.genome.length / (2 * (fork.value if fork is not None else FORK_SPEED)) / 60.0


class CellularContext:
    """A cell of a runtime in an environment: run it, read its genes, check it, divide it."""

    def __init__(self, runtime: GenomicRuntime, environment: Environment = Environment(), isolation: bool = True,
                 method: str = "ode", seed: int | None = None, cell: Cell | None = None):
        self.runtime, self.environment, self.isolation, self.method = runtime, environment, isolation, method
        self.cell = cell or Cell(runtime.build_dir, method, seed)
        self.conditions: list[conditions.Condition] = []

    @property
    def vm(self) -> str:
        return self.runtime.vm

    def watch(self, locus_tags) -> None:
        names = [s for tag in locus_tags for group in self.runtime.species_of(tag)[:2] for s in group]
        self.cell.watch = tuple(dict.fromkeys(self.cell.watch + tuple(names)))

    def run(self, seconds: float) -> pd.DataFrame:
        """Advance ``seconds`` of cell time; the stretch's table. Conditions met are recorded."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= MAX_SECONDS:
            raise ConfigError(f"a run needs a duration in seconds above 0 and at most {MAX_SECONDS:g} "
                              f"(10 days of cell time), got {seconds!r}")
        minutes = seconds / 60.0
        if self.method == "ssa":     # a whole cell's SSA fires ~1.5e7 events a minute: know the cost first
            check_budget(self.cell.ssa_cost(minutes), hint=f"run fewer seconds, use the ODE, or raise the budget "
                                                           f"({BUDGET_VARIABLE}=N events)")
        table = self.cell.run(minutes, points=max(2, min(1001, int(math.ceil(minutes * 4)) + 1)))
        shares = dict(self.cell.ribosome_shares)
        running = {vm: not self.cell.induced("pause", vm) for vm in shares}
        for found in conditions.detect(table, self.runtime.reference_energy, self.runtime.reference.growth_rate,
                                       shares, running):
            if all(found.kind != c.kind or getattr(found, "resource", None) != getattr(c, "resource", None)
                   for c in self.conditions):
                self.conditions.append(found)
        return table

    def genes(self, keys, table: pd.DataFrame) -> list[GeneCourse]:
        """The genes' mRNA and protein over ``table`` (a run after :meth:`watch` of them)."""
        courses = []
        for key in keys:
            gene = self.runtime.gene(key)
            mrna, protein, shared = self.runtime.species_of(gene.locus_tag)
            frame = pd.DataFrame({"time_min": table["time_min"],
                                  "mRNA": table[mrna].sum(axis=1) if mrna else 0.0,
                                  "protein": table[protein].sum(axis=1) if protein else 0.0})
            courses.append(GeneCourse(gene.locus_tag, gene.name or gene.locus_tag, frame, shared))
        return courses

    def _latest(self) -> pd.DataFrame:
        """The last stretch run (a moment's run if none yet), whose last row is now."""
        return self.cell.history[-1] if self.cell.history else self.cell.run(1e-3, points=2)

    def checkpoint(self) -> Checkpoint:
        table = self._latest()
        growth = float(table["growth_rate_per_min"].iloc[-1])
        tau = math.log(2) / growth if growth > 0 else math.inf
        c = self.runtime.replication_minutes()
        age = self.cell.age
        done = 0.0 if not math.isfinite(tau) else min(1.0, max(0.0, (age - tau + c) / c))
        mass = math.exp(self.cell.growth)
        reasons = tuple(r for r, ok in (("mass", self.cell.growth >= DOUBLED - 1e-3), ("replication", done >= 1.0))
                        if not ok)
        return Checkpoint(not reasons, mass, done, c, tau, age, c > tau, reasons)

    def divide(self, rng: np.random.Generator | None = None) -> tuple["CellularContext", "CellularContext"]:
        """The two daughter contexts (the cell must be ready: :meth:`checkpoint`)."""
        first, second = self.cell.divide(rng)
        return tuple(CellularContext(self.runtime, self.environment, self.isolation, self.method, cell=c)
                     for c in (first, second))

    def copy(self, seed: int | None = None) -> "CellularContext":
        twin = CellularContext(self.runtime, self.environment, self.isolation, self.method,
                               cell=self.cell.copy(seed))
        twin.conditions = list(self.conditions)
        return twin

    def status(self) -> dict:
        """The VM's state now (GET_STATUS): time, mass, growth, energy, the VM's protein and health."""
        last = self._latest().iloc[-1]
        vm = self.vm
        return {"vm": vm, "time_min": float(last["time_min"]), "mass_ratio": self.cell.mass_ratio,
                "growth_rate_per_min": float(last["growth_rate_per_min"]),
                "doubling_time_min": float(last["doubling_time_min"]), "energy": float(last["energy"]),
                "vm_protein": float(last[f"{vm}_protein_total"]),
                "vm_translation_flux": float(last[f"{vm}_translation_flux"]),
                "paused": self.cell.induced("pause", vm),
                "conditions": [str(c) for c in self.conditions]}
