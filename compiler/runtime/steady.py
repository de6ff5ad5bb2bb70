"""Host steady state of a chassis: the initial and reference state of every design."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from bioxen.chassis import Chassis
from bioxen.errors import SimulationError
from bioxen.ir import Design, SimulationPlan

# Weisse-type start: a few ribosomes and some energy, nothing else (NC code).
SEED_STATE = {"ribosome": 10.0, "energy": 1000.0}
HORIZON_MIN = 1e5


def host_design(chassis: Chassis, overrides: dict | None = None) -> Design:
    return Design("host", chassis, dict(overrides or {}), (), SimulationPlan(HORIZON_MIN, 2, "ode", None), ())


def host_steady_state(chassis: Chassis, overrides: dict | None = None) -> dict[str, float]:
    """Integrate the host alone from a seed state until it stops changing."""
    import libsbml
    from bioxen import pipeline
    from bioxen.runtime.simulate import _roadrunner, advance

    design = host_design(replace(chassis, steady_state=SEED_STATE), overrides)
    build = pipeline.compile(design)
    rr = _roadrunner(libsbml.writeSBMLToString(build.sbml))      # the integrator's own tolerances
    result = advance(rr, 0, HORIZON_MIN, 101, ["time"] + build.species_ids)
    final, before = result[-1, 1:], result[-2, 1:]
    change = float(np.max(np.abs(final - before) / np.maximum(np.abs(final), 1e-9)))
    if change > 1e-6:
        raise SimulationError(f"the host of chassis {chassis.name} did not reach a steady state in {HORIZON_MIN:g} min "
                              f"(its amounts still change by {change:.2g} per 1,000 min)",
                              hint="check the chassis parameters: the host must grow to a steady state")
    return {sid: float(v) for sid, v in zip(build.species_ids, final) if sid != "ribosome_inventory"}


def host_alone(design: Design, until: float, points: int = 11):
    """The results table of ``design``'s host without its guests (same chassis and medium)."""
    import libsbml
    from bioxen import pipeline
    from bioxen.runtime.simulate import Outputs, simulate_sbml

    host = pipeline.compile(host_design(design.chassis, design.host_overrides))
    return simulate_sbml(libsbml.writeSBMLToString(host.sbml), Outputs.host_only(), until, points)


def host_summary(chassis: Chassis) -> dict[str, float]:
    """What the chassis's host is at its steady state, in the units of published counts: growth
    rate (1/min), doubling time (min), ribosomes (free and translating), non-ribosomal proteins,
    mRNAs (free and translated; the model holds one ribosome per mRNA), ribosomal protein mass
    fraction. Read from the profile's steady_state (no simulation)."""
    p, state = chassis.values(), chassis.steady_state
    a = state.get("energy", 0.0)
    gamma = p["gmax"] * a / (p["K_gamma"] + a)
    translating = sum(v for k, v in state.items() if k.endswith("__ribosome"))
    growth = gamma * translating / p["M"]
    ribosomes = state.get("ribosome", 0.0) + translating
    return {"growth_rate": growth, "doubling_time": float(np.log(2) / growth) if growth > 0 else float("inf"),
            "ribosomes": ribosomes, "translating_fraction": translating / ribosomes if ribosomes else 0.0,
            "non_ribosomal_proteins": sum(v for k, v in state.items() if k.startswith("protein_host_")),
            "mrnas": sum(v for k, v in state.items() if k.startswith("mRNA_host_")),
            "ribosomal_fraction": (ribosomes + state.get("ribosomal_protein", 0.0)) * p["n_r"] / p["M"]}
