"""BNGL emitter: PySB's BNGL export plus actions that reproduce the policy's run."""
from __future__ import annotations

from pysb.export import export

from bioxen.ir import SimulationPlan


def to_bngl(model, plan: SimulationPlan) -> str:
    method = "ode" if plan.method == "ode" else "ssa"
    seed = f",seed=>{plan.seed}" if plan.seed is not None and method == "ssa" else ""
    actions = (
        "\nbegin actions\n"
        "  generate_network({overwrite=>1})\n"
        f'  simulate({{method=>"{method}",t_start=>0,t_end=>{plan.until:g},'
        f"n_steps=>{plan.points - 1}{seed}}})\n"
        "end actions\n")
    return export(model, "bngl") + actions
