"""Simulate a compiled model in libRoadRunner and tabulate what matters.

Columns: time (min); host growth rate (1/min), doubling time (min), free
ribosomes and energy (molecules); per VM total protein (molecules) and
translation flux (proteins made per min, the sum of its elongation reactions).
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

    @classmethod
    def host_only(cls) -> "Outputs":
        from bioxen.rules.host import HOST_OUTPUTS
        return cls(dict(HOST_OUTPUTS), {})

    @classmethod
    def read(cls, build_dir: Path) -> "Outputs":
        spec = json.loads((build_dir / "outputs.json").read_text())
        return cls(spec["host"], spec["vms"])


def _roadrunner(sbml: str):
    import roadrunner

    roadrunner.Config.setValue(roadrunner.Config.LLVM_BACKEND, roadrunner.Config.LLJIT)
    try:
        return roadrunner.RoadRunner(sbml)
    except RuntimeError as exc:
        raise SimulationError(f"libRoadRunner cannot load the model: {exc}") from exc


def _whole_molecules(rr) -> None:
    """SSA counts molecules: round initial amounts, keeping the ribosome inventory exact."""
    from bioxen.rules.ribosomes import ALL_RIBOSOMES, INVENTORY

    for sid in rr.model.getFloatingSpeciesIds():
        rr.setValue(f"init({sid})", float(round(rr.getValue(f"init({sid})"))))
    if INVENTORY in rr.model.getFloatingSpeciesIds():
        rr.reset()
        rr.setValue(f"init({INVENTORY})", float(rr.getValue(ALL_RIBOSOMES)))
    rr.reset()


def selections(outputs: Outputs) -> list[str]:
    """The model quantities a results table is made from, time first."""
    host = [outputs.host[k] for k in ("growth_rate", "ribosomes_free", "energy")]
    proteins = [v["protein_total"] for v in outputs.vms.values() if v["protein_total"]]
    elongations = [r for v in outputs.vms.values() for r in v["elongation_reactions"]]
    return ["time"] + host + proteins + elongations


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
    return table


def load_simulator(sbml: str, method: str = "ode", seed: int | None = None):
    """A libRoadRunner instance set up for ODE (tight tolerances) or SSA (whole molecules)."""
    if method not in METHODS:
        raise SimulationError(f"unknown method '{method}' (expected one of: {', '.join(METHODS)})")
    rr = _roadrunner(sbml)
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
    return simulate_sbml(sbml, Outputs(spec["host"], spec["vms"]), until, points, method, seed)
