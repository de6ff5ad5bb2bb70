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

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bioxen.errors import SimulationError

METHODS = ("ode", "ssa")


@dataclass(frozen=True)
class Outputs:
    """What to read out of a model (from a build's outputs.json)."""

    host: dict
    vms: dict
    hypervisor: dict | None = None   # gene -> elongation reactions, translating species, proteins
    crosstalk: dict | None = None    # what simulated cross-contamination is read from

    @classmethod
    def host_only(cls) -> "Outputs":
        from bioxen.rules.host import HOST_OUTPUTS
        return cls(dict(HOST_OUTPUTS), {})

    @classmethod
    def from_spec(cls, spec: dict) -> "Outputs":
        """Everything a build's outputs.json names."""
        return cls(spec["host"], spec["vms"], spec.get("hypervisor"), spec.get("crosstalk"))

    @classmethod
    def read(cls, build_dir: Path) -> "Outputs":
        return cls.from_spec(json.loads((build_dir / "outputs.json").read_text()))

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


def _pool_free(spec: dict) -> str:
    return "ribosomes_free" if spec["pool"] == "host" else f"ribosomes_free_{spec['pool']}"


def _detail_selections(outputs: Outputs) -> list[str]:
    found = ["ribosomes_translating", "elongation_rate", "energy_use_rate_constant"]
    for vm, spec in outputs.vms.items():
        found += [spec["ribosomes_translating"], spec["essential_protein"], _pool_free(spec), f"{vm}_fluorescence"]
        cross = outputs.crosstalk["vms"][vm]
        found += cross["offtarget_elongations"] + cross["foreign_proteolysis"] + [cross["tagged"]]
    found += outputs.crosstalk["host_offtarget_elongations"]
    for gene in outputs.hypervisor.values():
        found += gene["elongation_reactions"] + list(gene["translating"]) + list(gene["proteins_aa"])
    return found


def selections(outputs: Outputs) -> list[str]:
    """The model quantities a results table is made from, time first (each once)."""
    host = [outputs.host[k] for k in ("growth_rate", "ribosomes_free", "energy")]
    proteins = [v["protein_total"] for v in outputs.vms.values() if v["protein_total"]]
    elongations = [r for v in outputs.vms.values() for r in v["elongation_reactions"]]
    found = ["time"] + host + proteins + elongations + (_detail_selections(outputs) if outputs.detailed else [])
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
        table[f"{vm}_ribosomes_translating"] = column[spec["ribosomes_translating"]] \
            if spec["ribosomes_translating"] else 0.0
        table[f"{vm}_pool_free"] = column[_pool_free(spec)]
        table[f"{vm}_fluorescence"] = column[f"{vm}_fluorescence"]
        table[f"{vm}_essential_protein"] = column[spec["essential_protein"]] if spec["essential_protein"] else np.nan
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
    table = pd.DataFrame({"time_min": column["time"],
                          "growth_rate_per_min": column[outputs.host["growth_rate"]]})
    with np.errstate(divide="ignore"):
        table["doubling_time_min"] = np.where(table["growth_rate_per_min"] > 0,
                                              math.log(2) / table["growth_rate_per_min"], np.inf)
    table["ribosomes_free"] = column[outputs.host["ribosomes_free"]]
    table["energy"] = column[outputs.host["energy"]]
    for vm, spec in outputs.vms.items():
        table[f"{vm}_protein_total"] = column[spec["protein_total"]] if spec["protein_total"] else 0.0
        flux = sum((column[r] for r in spec["elongation_reactions"]), np.zeros(len(data)))
        table[f"{vm}_translation_flux"] = flux
    if outputs.detailed:
        _detail_columns(table, column, outputs)
    return table


def load_simulator(sbml: str, method: str = "ode", seed: int | None = None, initial=None):
    """A libRoadRunner instance set up for ODE (tight tolerances) or SSA (whole molecules).

    ``initial``: amounts of the floating species, in the model's order, to start from instead of
    the model's own (e.g. an ODE state, to follow its fluctuations); SSA rounds them."""
    if method not in METHODS:
        raise SimulationError(f"unknown method '{method}' (expected one of: {', '.join(METHODS)})")
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
        rr.getIntegrator().setValue("relative_tolerance", 1e-8)
        rr.getIntegrator().setValue("absolute_tolerance", 1e-8)
    return rr


def advance(rr, start: float, end: float, points: int, selected: list[str]) -> np.ndarray:
    try:
        return np.asarray(rr.simulate(start, end, points, selected))
    except RuntimeError as exc:
        raise SimulationError(f"integration failed: {exc}") from exc


def simulate_sbml(sbml: str, outputs: Outputs, until: float, points: int = 361,
                  method: str = "ode", seed: int | None = None) -> pd.DataFrame:
    if until <= 0 or points < 2:
        raise SimulationError("simulate needs a positive duration and at least 2 points")
    rr = load_simulator(sbml, method, seed)
    selected = selections(outputs)
    return tabulate(advance(rr, 0, until, points, selected), selected, outputs)


def read_build(build_dir: str | Path) -> tuple[str, dict]:
    """A build's SBML text and its outputs.json, or an error saying it is not a build."""
    build_dir = Path(build_dir)
    model = build_dir / "model.xml"
    if not model.is_file() or not (build_dir / "outputs.json").is_file():
        raise SimulationError(f"{build_dir} is not a BioXen build (no model.xml/outputs.json)",
                              hint="run `bioxen compile POLICY -o DIR` first")
    return model.read_text(), json.loads((build_dir / "outputs.json").read_text())


def simulate_build(build_dir: str | Path, until: float, points: int = 361, method: str = "ode",
                   seed: int | None = None) -> pd.DataFrame:
    sbml, spec = read_build(build_dir)
    return simulate_sbml(sbml, Outputs.from_spec(spec), until, points, method, seed)
