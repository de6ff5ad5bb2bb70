"""BNGL emitter: PySB's BNGL export plus actions that reproduce the policy's run.

Timed commands become ``setParameter`` (one per parameter a command sets,
:mod:`bioxen.backend.commands`) between continued simulations, so that BNG2.pl's
run matches the SBML events (outputs at the same evenly spaced times where a
command falls on that grid).
"""
from __future__ import annotations

from pysb.export import export

from bioxen.ir import SimulationPlan


def _segments(plan: SimulationPlan, steps) -> list[tuple[float, float, dict[str, float]]]:
    """(start, end, parameters set at start) for each stretch between command times."""
    times = sorted({s.at for s in steps if 0 < s.at < plan.until})
    bounds = [0.0] + times + [plan.until]
    return [(start, end, {k: v for s in steps if (s.at == start if start > 0 else s.at <= 0)
                          for k, v in s.assignments.items()})
            for start, end in zip(bounds, bounds[1:])]


def _number(level: float) -> str:
    """A parameter value in BNGL, exactly (shortest round-trip form; ``1`` for 1.0)."""
    return repr(float(level)).removesuffix(".0")


def to_bngl(model, plan: SimulationPlan, steps=()) -> str:
    """PySB's BNGL with actions that run the plan and apply the timed commands' ``steps``
    (:func:`bioxen.backend.commands.steps`)."""
    method = "ode" if plan.method == "ode" else "ssa"
    seed = f",seed=>{plan.seed}" if plan.seed is not None and method == "ssa" else ""
    interval = plan.until / (plan.points - 1)
    lines = ["", "begin actions", "  generate_network({overwrite=>1})"]
    for index, (start, end, applied) in enumerate(_segments(plan, steps)):
        lines += [f'  setParameter("{parameter}",{_number(level)})' for parameter, level in applied.items()]
        n_steps = max(1, round((end - start) / interval))
        more = ",continue=>1" if index else seed  # one random stream, seeded once
        lines.append(f'  simulate({{method=>"{method}",t_start=>{start:g},t_end=>{end:g},'
                     f"n_steps=>{n_steps}{more}}})")
    lines.append("end actions")
    return export(model, "bngl") + "\n".join(lines) + "\n"
