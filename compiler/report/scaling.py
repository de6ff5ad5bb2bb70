"""Scalability: where growth, fairness and isolation break down as copies of a policy's first VM are added.

For N = 1, 2, ... the policy's first VM is compiled N times (ids vm1..vmN, each on its own
pool, with its own degron tag and protease), without the policy's timed commands and clock
(fair share), simulated for the policy's duration at ``POINTS`` coarse time points, and
measured over the second half of the run with the report's own metrics
(:func:`bioxen.report.metrics.fairness`, :func:`~bioxen.report.metrics.isolation`).

Shares: a copy keeps the template's ribosome share while the copies together take at most
``MAX_TOTAL_SHARE`` of the ribosomes; beyond that the VMs split ``MAX_TOTAL_SHARE`` equally
(:func:`share_each`). So the sweep first asks what N full-size VMs cost the host, then how
a fixed VM budget fares when divided among more VMs; growth is reported per VM and in total.

The resource contention threshold is the first N at which the host grows below
``GROWTH_FRACTION`` of the host alone, fairness misses by more than ``FAIRNESS_LIMIT``, or a
VM's simulated isolation falls below ``ISOLATION_LIMIT`` (the founding document's figures:
within ±5%, above 99%). The sweep stops where the host stops growing (below
``STOP_FRACTION`` of the host alone) or where the design cannot be built (too few orthogonal
pools or degron tags).
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bioxen.errors import BioxenError
from bioxen.report.metrics import fairness, intended_shares, isolation, linear_fit

STOP_FRACTION = 0.05      # the host has stopped growing: the sweep ends
GROWTH_FRACTION = 0.5     # contention: the host grows at less than half its rate alone (doubling time x2)
FAIRNESS_LIMIT = 0.05     # contention: a VM's share of the VMs' translation misses its intended one by > 5%
ISOLATION_LIMIT = 0.99    # contention: more than 1% of a VM's proteins made on other pools or degraded by others
MAX_TOTAL_SHARE = 0.8     # A: the copies together take at most 80% of the ribosomes (the host keeps 20%)
POINTS = 11               # coarse time points per run (the second half, 6 of them, is measured)


def share_each(template_share: float, copies: int, max_total: float = MAX_TOTAL_SHARE) -> float:
    """Each copy's ribosome share: the template's, capped so the copies' total stays at ``max_total``.

    >>> share_each(0.15, 5), share_each(0.15, 8)
    (0.15, 0.1)
    """
    return min(template_share, max_total / copies)


def scaled_design(design, copies: int):
    template = design.vms[0]
    share = share_each(template.ribosome_share, copies)
    vms = tuple(replace(template, id=f"vm{i + 1}", dormant=False, ribosome_share=share) for i in range(copies))
    return replace(design, name=f"{design.name}_x{copies}", vms=vms, control=(), clock=None,
                   scheduler="fair_share", atp_guard=None)


def _measure(build, until: float) -> dict:
    """Growth, translation, fairness and simulated isolation of one compiled design."""
    import libsbml

    from bioxen.backend.compile import build_spec
    from bioxen.backend.isolation import isolation_report
    from bioxen.runtime.simulate import Outputs, simulate_sbml

    spec = build_spec(build)
    table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs.from_spec(spec), until, POINTS)
    window = table[table["time_min"] >= table["time_min"].iloc[-1] / 2]
    end, vms = table.iloc[-1], list(spec.vms)
    fluxes = [float(end[f"{vm}_translation_flux"]) for vm in vms]
    fair = fairness(window, intended_shares(spec))
    iso = isolation(window, isolation_report(build.design), vms)
    made_elsewhere = [s["made_on_other_pools"] for s in iso["simulated"].values() if s["made_on_other_pools"] is not None]
    return {"growth_rate_per_min": float(end["growth_rate_per_min"]),
            "doubling_time_min": float(end["doubling_time_min"]),
            "per_vm_flux": sum(fluxes) / len(vms), "total_flux": sum(fluxes),
            "fairness_error": fair["max_abs_error"], "isolation": iso["min_simulated"],
            "isolation_matrix": iso["min_matrix"], "made_on_other_pools": max(made_elsewhere, default=None)}


def contention(points: list[dict], alone: float) -> dict:
    """The first N at which each criterion breaks (None: not within the sweep) and the first of them."""
    tests = {"growth": lambda p: p["growth_rate_per_min"] < GROWTH_FRACTION * alone,
             "fairness": lambda p: p["fairness_error"] > FAIRNESS_LIMIT,
             "isolation": lambda p: p["isolation"] is not None and p["isolation"] < ISOLATION_LIMIT}
    first = {name: next((p["vms"] for p in points if broken(p)), None) for name, broken in tests.items()}
    found = [n for n in first.values() if n is not None]
    threshold = min(found) if found else None
    return {"threshold_vms": threshold, "first_broken": first,
            "broken_at_threshold": [name for name, n in first.items() if n == threshold and n is not None],
            "criteria": {"growth_below_fraction_of_host_alone": GROWTH_FRACTION,
                         "fairness_error_above": FAIRNESS_LIMIT, "isolation_below": ISOLATION_LIMIT}}


def _power_exponent(counts, values) -> float | None:
    """b of values ~ a N^b (a log-log line), for how per-VM translation falls with N."""
    pairs = [(n, v) for n, v in zip(counts, values) if v and v > 0]
    fit = linear_fit(np.log([n for n, _ in pairs]), np.log([v for _, v in pairs])) if len(pairs) > 1 else {}
    return fit.get("slope")


def fits(points: list[dict]) -> dict:
    """Least-squares lines of each measure against the number of VMs."""
    counts = [p["vms"] for p in points]
    lines = {f"{key}_fit": linear_fit(counts, [p[key] for p in points])
             for key in ("growth_rate_per_min", "per_vm_flux", "total_flux", "fairness_error")}
    losses = [(p["vms"], 1 - p["isolation"]) for p in points if p["isolation"] is not None]
    lines["isolation_loss_fit"] = linear_fit([n for n, _ in losses], [v for _, v in losses])
    lines["growth_fit"] = lines.pop("growth_rate_per_min_fit")
    lines["per_vm_flux_exponent"] = _power_exponent(counts, [p["per_vm_flux"] for p in points])
    return lines


def sweep(policy: str | Path, max_vms: int, progress=None) -> dict:
    """Growth, throughput, fairness and isolation for 1..max_vms copies of the policy's first VM."""
    from bioxen import pipeline
    from bioxen.runtime.steady import host_alone

    started = time.perf_counter()
    design = pipeline.load(policy)
    if not design.vms:
        raise BioxenError(f"{policy}: the policy has no VM to scale")
    until = design.simulation.until
    alone = float(host_alone(design, until)["growth_rate_per_min"].iloc[-1])
    template_share = design.vms[0].ribosome_share
    points, stop = [], None
    for copies in range(1, max_vms + 1):
        if progress:
            progress(copies)
        began = time.perf_counter()
        try:
            build = pipeline.compile(scaled_design(design, copies))
        except BioxenError as exc:
            stop = {"vms": copies, "reason": f"cannot be built: {exc.errors[0].message}"}
            break
        share = share_each(template_share, copies)
        points.append({"vms": copies, "share_each": share, "total_share": share * copies,
                       **_measure(build, until), "seconds": time.perf_counter() - began})
        if points[-1]["growth_rate_per_min"] < STOP_FRACTION * alone:
            stop = {"vms": copies, "reason": f"growth below {STOP_FRACTION:.0%} of the host alone"}
            break
    return {"host_alone_growth_rate_per_min": alone, "points": points, "stops": stop,
            "contention": contention(points, alone), **fits(points),
            "template_vm": design.vms[0].id, "share_each": template_share,
            "share_rule": f"each VM keeps the template's share while the VMs total at most {MAX_TOTAL_SHARE:g}; "
                          f"beyond, they split {MAX_TOTAL_SHARE:g} equally",
            "seconds": time.perf_counter() - started}
