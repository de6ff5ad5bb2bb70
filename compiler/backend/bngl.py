"""BNGL emitter: PySB's BNGL export plus actions that reproduce the policy's run.

Timed commands become ``setParameter`` between continued simulations, so that
BNG2.pl's run matches the SBML events (outputs at the same evenly spaced times
where a command falls on that grid).
"""
from __future__ import annotations

from pysb.export import export

from bioxen.ir import Command, SimulationPlan


def _segments(plan: SimulationPlan, commands: tuple[Command, ...]) -> list[tuple[float, float, list[Command]]]:
    """(start, end, commands applied at start) for each stretch between command times."""
    times = sorted({c.at for c in commands if 0 < c.at < plan.until})
    bounds = [0.0] + times + [plan.until]
    return [(start, end, [c for c in commands if (c.at == start if start > 0 else c.at <= 0)])
            for start, end in zip(bounds, bounds[1:])]


def to_bngl(model, plan: SimulationPlan, commands: tuple[Command, ...] = ()) -> str:
    method = "ode" if plan.method == "ode" else "ssa"
    seed = f",seed=>{plan.seed}" if plan.seed is not None and method == "ssa" else ""
    step = plan.until / (plan.points - 1)
    lines = ["", "begin actions", "  generate_network({overwrite=>1})"]
    for index, (start, end, applied) in enumerate(_segments(plan, commands)):
        lines += [f'  setParameter("{c.parameter}",{c.value:g})' for c in applied]
        steps = max(1, round((end - start) / step))
        more = ",continue=>1" if index else seed  # one random stream, seeded once
        lines.append(f'  simulate({{method=>"{method}",t_start=>{start:g},t_end=>{end:g},'
                     f"n_steps=>{steps}{more}}})")
    lines.append("end actions")
    return export(model, "bngl") + "\n".join(lines) + "\n"
