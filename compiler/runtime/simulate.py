"""Simulate a compiled model in libRoadRunner and tabulate what matters.

Columns: time (min); host growth rate (1/min), doubling time (min), free
ribosomes and energy (molecules); per VM total protein (molecules) and
translation flux (proteins made per min, the sum of its elongation reactions).

With a build's full outputs.json (:meth:`Outputs.from_spec`) also: every
translating ribosome and the translation rate (aa/min); per VM its translating
ribosomes, its pool's free ribosomes, reporter fluorescence, essential protein,
proteins made on other pools and proteins degraded by other VMs' proteases (per
min); the host's proteins made on orthogonal pools; and the hypervisor's own
genes' translating ribosomes, translation (aa/min) and protein (aa).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# read_text, read_json and REBUILD are also this module's: every build file is read as the spec is
from bioxen.buildspec import REBUILD, BuildSpec, VmSpec, coerce, read_json, read_spec, read_text  # noqa: F401
from bioxen.errors import Location, SimulationError
from bioxen.rules.polymerase import free_level, transcribing_level
from bioxen.runtime.failures import check_finite, native_stderr, roadrunner_values, solver_failure, time_in
from bioxen.runtime.limits import ODE_TOLERANCE

METHODS = ("ode", "ssa", "hybrid")     # hybrid: bngsim on model.net (bioxen.runtime.hybrid)


class ResultsTable(pd.DataFrame):
    """A results table (a plain DataFrame in every other way; what is derived from it is a
    DataFrame) that Jupyter shows as a summary of its span and end state, its rows folded below."""

    def _repr_html_(self) -> str | None:
        from bioxen.display import results_html
        rows = super()._repr_html_()          # None when pandas' HTML display is switched off
        return results_html(self, rows) if rows is not None else None


@dataclass(frozen=True)
class Outputs:
    """What to read out of a model (from a build's outputs.json, :class:`bioxen.buildspec.BuildSpec`).
    Each VM's entry is a :class:`~bioxen.buildspec.VmSpec` (one given in its JSON form is read as one)."""

    host: Mapping[str, str]
    vms: Mapping[str, VmSpec]
    hypervisor: Mapping | None = None   # gene -> elongation reactions, translating species, proteins
    crosstalk: Mapping | None = None    # what simulated cross-contamination is read from
    checkpoints: tuple = ()             # bioxen.buildspec.CheckpointSpec: watched quantities and reporters

    def __post_init__(self):
        if any(not isinstance(v, VmSpec) for v in self.vms.values()):
            object.__setattr__(self, "vms", {vm: v if isinstance(v, VmSpec) else VmSpec.from_dict(v, where=f"vms.{vm}")
                                             for vm, v in self.vms.items()})

    @classmethod
    def host_only(cls) -> "Outputs":
        from bioxen.rules.host import HOST_OUTPUTS
        return cls(dict(HOST_OUTPUTS), {})

    @classmethod
    def from_spec(cls, spec: BuildSpec | Mapping) -> "Outputs":
        """Everything a build's spec names (the spec, or outputs.json's JSON object)."""
        spec = coerce(spec)
        return cls(spec.host, spec.vms, spec.hypervisor, spec.crosstalk, spec.checkpoints)

    @classmethod
    def read(cls, build_dir: Path) -> "Outputs":
        return cls.from_spec(read_spec(Path(build_dir)))

    @property
    def detailed(self) -> bool:
        return self.hypervisor is not None and self.crosstalk is not None


def _roadrunner(sbml: str):
    import roadrunner

    roadrunner.Config.setValue(roadrunner.Config.LLVM_BACKEND, roadrunner.Config.LLJIT)
    try:
        return roadrunner.RoadRunner(sbml)
    except RuntimeError as exc:
        raise SimulationError(f"libRoadRunner cannot load the model: {exc}") from exc


def inventories(species_ids) -> dict[str, str]:
    """Species that count other species (the ribosome inventory, each tag's protein counter),
    each with the observable it equals."""
    from bioxen.rules.proteolysis import counters
    from bioxen.rules.ribosomes import ALL_RIBOSOMES, INVENTORY

    return {**({INVENTORY: ALL_RIBOSOMES} if INVENTORY in species_ids else {}), **counters(species_ids)}


def restore_inventories(rr) -> None:
    """Set every inventory species to the sum it counts (after molecules were rounded or moved)."""
    for inventory, total in inventories(rr.model.getFloatingSpeciesIds()).items():
        rr[inventory] = float(rr[total])


def _whole_molecules(rr) -> None:
    """SSA counts molecules: round initial amounts, keeping every inventory exact.

    Goes through the model's initial-amount vector: setting ``init(S)`` one species at a time
    makes libRoadRunner regenerate the model each time (seconds each for a few hundred species)."""
    model = rr.model
    model.setFloatingSpeciesInitAmounts(np.round(model.getFloatingSpeciesInitAmounts()))
    rr.reset()
    restore_inventories(rr)
    model.setFloatingSpeciesInitAmounts(model.getFloatingSpeciesAmounts())
    rr.reset()


def _pool_free(spec: VmSpec) -> str:
    return "ribosomes_free" if spec.pool == "host" else f"ribosomes_free_{spec.pool}"


def _detail_selections(outputs: Outputs) -> list[str]:
    found = ["ribosomes_translating", "elongation_rate", "energy_use_rate_constant"]
    for vm, spec in outputs.vms.items():
        found += [spec.ribosomes_translating, spec.essential_protein, _pool_free(spec), f"{vm}_fluorescence",
                  spec.amber_suppression, spec.core_protein, *spec.transcription_reactions]
        if spec.polymerase:
            found += [free_level(spec.polymerase), transcribing_level(spec.polymerase)]
        found += [spec.encapsulated, spec.shell_units]
        cross = outputs.crosstalk["vms"][vm]
        found += [*cross["offtarget_elongations"], *cross["foreign_proteolysis"], cross["tagged"]]
    found += outputs.crosstalk["host_offtarget_elongations"]
    for gene in outputs.hypervisor.values():
        found += [*gene["elongation_reactions"], *gene["translating"], *gene["proteins_aa"]]
    return found


def selections(outputs: Outputs) -> list[str]:
    """The model quantities a results table is made from, time first (each once)."""
    host = [outputs.host[k] for k in ("growth_rate", "ribosomes_free", "energy")]
    proteins = [v.protein_total for v in outputs.vms.values() if v.protein_total]
    elongations = [r for v in outputs.vms.values() for r in v.elongation_reactions]
    watched = [name for c in outputs.checkpoints for name in (c.quantity, c.reporter)]
    found = ["time"] + host + proteins + elongations + watched + \
        (_detail_selections(outputs) if outputs.detailed else [])
    return list(dict.fromkeys(name for name in found if name))


def _sum(column: dict, names, n: int, weights=None) -> np.ndarray:
    total = np.zeros(n)
    for name in names:
        total = total + column[name] * (1.0 if weights is None else weights[name])
    return total


def _detail_columns(table: pd.DataFrame, column: dict, outputs: Outputs) -> None:
    n = len(table)
    table["ribosomes_translating"] = column["ribosomes_translating"]
    # the amino acids made per minute, γ(a)·C_eff: what translation costs in energy (rules/energy.py;
    # C_eff counts a VM whose ribosomes elongate at another speed)
    table["translation_aa_per_min"] = column["energy_use_rate_constant"] * table["energy"]
    for vm, spec in outputs.vms.items():
        cross = outputs.crosstalk["vms"][vm]
        table[f"{vm}_ribosomes_translating"] = column[spec.ribosomes_translating] \
            if spec.ribosomes_translating else 0.0
        table[f"{vm}_pool_free"] = column[_pool_free(spec)]
        table[f"{vm}_fluorescence"] = column[f"{vm}_fluorescence"]
        table[f"{vm}_essential_protein"] = column[spec.essential_protein] if spec.essential_protein else np.nan
        if spec.amber_suppression:   # the chance one of its UAG codons is read (genetic_code amber, ncaa)
            table[f"{vm}_amber_suppression"] = column[spec.amber_suppression]
        if spec.core_protein:        # its core proteins (policy boot)
            table[f"{vm}_core_protein"] = column[spec.core_protein]
        if spec.polymerase:          # its RNA polymerase pool (policy transcription)
            table[f"{vm}_transcription_flux"] = _sum(column, spec.transcription_reactions, n)
            table[f"{vm}_polymerase_free"] = column[free_level(spec.polymerase)]
            table[f"{vm}_polymerase_transcribing"] = column[transcribing_level(spec.polymerase)]
        if spec.shell_units:         # its shells (policy compartment)
            table[f"{vm}_encapsulated"] = column[spec.encapsulated] if spec.encapsulated else 0.0
            table[f"{vm}_shell_units"] = column[spec.shell_units]
        table[f"{vm}_offtarget_flux"] = _sum(column, cross["offtarget_elongations"], n)
        table[f"{vm}_foreign_proteolysis"] = _sum(column, cross["foreign_proteolysis"], n) * column[cross["tagged"]]
    table["host_offtarget_flux"] = _sum(column, outputs.crosstalk["host_offtarget_elongations"], n)
    genes = outputs.hypervisor.values()
    table["hypervisor_ribosomes_translating"] = sum(
        (_sum(column, g["translating"], n, g["translating"]) for g in genes), np.zeros(n))
    table["hypervisor_translation_aa_per_min"] = sum(
        (_sum(column, g["elongation_reactions"], n) * g["length_aa"] for g in genes),
        np.zeros(n))
    table["hypervisor_protein_aa"] = sum((_sum(column, g["proteins_aa"], n, g["proteins_aa"]) for g in genes),
                                         np.zeros(n))


def tabulate(data: np.ndarray, selected: list[str], outputs: Outputs) -> pd.DataFrame:
    """Results table (see the module docstring) from simulated ``selected`` columns."""
    column = {name: data[:, i] for i, name in enumerate(selected)}
    table = ResultsTable({"time_min": column["time"],
                          "growth_rate_per_min": column[outputs.host["growth_rate"]]})
    with np.errstate(divide="ignore"):
        table["doubling_time_min"] = np.where(table["growth_rate_per_min"] > 0,
                                              math.log(2) / table["growth_rate_per_min"], np.inf)
    table["ribosomes_free"] = column[outputs.host["ribosomes_free"]]
    table["energy"] = column[outputs.host["energy"]]
    for vm, spec in outputs.vms.items():
        table[f"{vm}_protein_total"] = column[spec.protein_total] if spec.protein_total else 0.0
        flux = sum((column[r] for r in spec.elongation_reactions), np.zeros(len(data)))
        table[f"{vm}_translation_flux"] = flux
    for c in outputs.checkpoints:   # what each checkpoint watches, and its reporter's fluorescence
        table[c.column] = column[c.quantity]
        table[c.reporter_column] = column[c.reporter]
    if outputs.detailed:
        _detail_columns(table, column, outputs)
    return table


def load_simulator(sbml: str, method: str = "ode", seed: int | None = None, initial=None):
    """A libRoadRunner instance set up for ODE (tight tolerances) or SSA (whole molecules).

    ``initial``: amounts of the floating species, in the model's order, to start from instead of
    the model's own (e.g. an ODE state, to follow its fluctuations); SSA rounds them."""
    if method not in ("ode", "ssa"):
        raise SimulationError(f"libRoadRunner runs method 'ode' or 'ssa', not '{method}'"
                              + (" (hybrid runs a build in bngsim: bioxen.runtime.engines.simulate)"
                                 if method == "hybrid" else ""))
    rr = _roadrunner(sbml)
    if initial is not None:
        amounts = np.asarray(initial, dtype=float)
        if amounts.shape != (rr.model.getNumFloatingSpecies(),):
            raise SimulationError(f"initial amounts: expected {rr.model.getNumFloatingSpecies()} values "
                                  f"(one per floating species), got shape {amounts.shape}")
        rr.model.setFloatingSpeciesInitAmounts(amounts)
        rr.reset()
    if method == "ssa":
        _whole_molecules(rr)
        rr.setIntegrator("gillespie")
        if seed is not None:
            rr.getIntegrator().setValue("seed", int(seed))
    else:
        rr.getIntegrator().setValue("relative_tolerance", ODE_TOLERANCE)
        rr.getIntegrator().setValue("absolute_tolerance", ODE_TOLERANCE)
    return rr


def advance(rr, start: float, end: float, points: int, selected: list[str], engine: str = "roadrunner") -> np.ndarray:
    """libRoadRunner from ``start`` to ``end``; a failure is an error naming the time reached and
    the suspect values (:mod:`bioxen.runtime.failures`), and leaves the model as it was."""
    amounts = rr.model.getFloatingSpeciesAmounts()

    def rewind():
        rr.model.setFloatingSpeciesAmounts(amounts)
        rr.model.setTime(start)

    try:
        with native_stderr() as native:
            data = np.asarray(rr.simulate(start, end, points, selected))
    except RuntimeError as exc:
        reached = rr.model.getTime()
        error = solver_failure(engine, str(exc), reached if math.isfinite(reached) else time_in(native.text, str(exc)),
                               *roadrunner_values(rr), native.text)
        rewind()
        raise error from exc
    try:
        return check_finite(engine, data, selected, lambda: roadrunner_values(rr))
    except SimulationError:
        rewind()
        raise


def simulate_sbml(sbml: str, outputs: Outputs, until: float, points: int = 361,
                  method: str = "ode", seed: int | None = None) -> pd.DataFrame:
    from bioxen.runtime.limits import duration_minutes, output_points

    until, points = duration_minutes(until, "simulate"), output_points(points)
    rr = load_simulator(sbml, method, seed)
    selected = selections(outputs)
    return tabulate(advance(rr, 0, until, points, selected), selected, outputs)


def read_build(build_dir: str | Path) -> tuple[str, BuildSpec]:
    """A build's SBML text and its spec (outputs.json, checked whole), or an error saying it is not
    a build (or which of its files is unreadable)."""
    build_dir = Path(build_dir)
    model = build_dir / "model.xml"
    if not model.is_file() or not (build_dir / "outputs.json").is_file():
        raise SimulationError(f"{build_dir} is not a BioXen build (no model.xml/outputs.json)",
                              hint="run `bioxen compile POLICY -o DIR` first")
    sbml = read_text(model)
    if "<sbml" not in sbml[:4096]:
        raise SimulationError(f"{model} is not an SBML model", Location(str(model)), REBUILD)
    return sbml, read_spec(build_dir)


def read_manifest(build_dir: str | Path) -> dict | None:
    """A build's manifest.json (None if it has none), checked for what readers take from it."""
    path = Path(build_dir) / "manifest.json"
    if not path.is_file():
        return None
    manifest = read_json(path)
    network = manifest.get("network")
    species = network.get("species") if isinstance(network, dict) else None
    if isinstance(species, bool) or not isinstance(species, int) or species < 0 \
            or not isinstance(manifest.get("inputs", []), list):
        raise SimulationError(f"{path.name} is not a build manifest (network.species must be a count, inputs a "
                              "list)", Location(str(path)), REBUILD)
    return manifest


def simulate_build(build_dir: str | Path, until: float, points: int = 361, method: str = "ode",
                   seed: int | None = None) -> pd.DataFrame:
    sbml, spec = read_build(build_dir)
    return simulate_sbml(sbml, Outputs.from_spec(spec), until, points, method, seed)
