"""Scalability: host growth and per-VM throughput as copies of a policy's first VM are added.

For N = 1, 2, ... the policy's first VM is compiled N times (ids vm1..vmN, each with
its policy share, each on its own pool), without the policy's timed commands and
clock (fair share), simulated for the policy's duration, and the end state read.
The sweep stops where the host stops growing: at a growth rate below
``STOP_FRACTION`` of the host alone, or where the design cannot be built (shares
summing to 1, too few orthogonal parts).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import libsbml

from bioxen.errors import BioxenError
from bioxen.report.metrics import linear_fit

STOP_FRACTION = 0.05


def scaled_design(design, copies: int):
    template = design.vms[0]
    vms = tuple(replace(template, id=f"vm{i + 1}", dormant=False) for i in range(copies))
    return replace(design, name=f"{design.name}_x{copies}", vms=vms, control=(), clock=None,
                   scheduler="fair_share", atp_guard=None)


def sweep(policy: str | Path, max_vms: int, progress=None) -> dict:
    """Growth and throughput for 1..max_vms copies of the policy's first VM."""
    from bioxen import pipeline
    from bioxen.backend.compile import build_spec
    from bioxen.runtime.simulate import Outputs, simulate_sbml
    from bioxen.runtime.steady import host_alone

    design = pipeline.load(policy)
    if not design.vms:
        raise BioxenError(f"{policy}: the policy has no VM to scale")
    until = design.simulation.until
    alone = float(host_alone(design, until)["growth_rate_per_min"].iloc[-1])
    points, stop = [], None
    for copies in range(1, max_vms + 1):
        if progress:
            progress(copies)
        try:
            build = pipeline.compile(scaled_design(design, copies))
        except BioxenError as exc:
            stop = {"vms": copies, "reason": f"cannot be built: {exc.errors[0].message}"}
            break
        spec = build_spec(build)
        table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs(spec.host, spec.vms), until, 11)
        end = table.iloc[-1]
        fluxes = [float(end[f"{vm.id}_translation_flux"]) for vm in build.design.vms]
        points.append({"vms": copies, "growth_rate_per_min": float(end["growth_rate_per_min"]),
                       "doubling_time_min": float(end["doubling_time_min"]),
                       "per_vm_flux": sum(fluxes) / copies, "total_flux": sum(fluxes)})
        if end["growth_rate_per_min"] < STOP_FRACTION * alone:
            stop = {"vms": copies, "reason": f"growth below {STOP_FRACTION:.0%} of the host alone"}
            break
    counts = [p["vms"] for p in points]
    return {"host_alone_growth_rate_per_min": alone, "points": points, "stops": stop,
            "growth_fit": linear_fit(counts, [p["growth_rate_per_min"] for p in points]),
            "per_vm_flux_fit": linear_fit(counts, [p["per_vm_flux"] for p in points]),
            "template_vm": design.vms[0].id, "share_each": design.vms[0].ribosome_share}
