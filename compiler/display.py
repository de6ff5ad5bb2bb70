"""Rich displays in Jupyter: a small HTML summary of a hypervisor, a VM, a build and a results
table. The classes' ``_repr_html_`` methods call these lazily; every text is escaped. A base
module: it imports nothing of BioXen's, each display reads the object (or what it is given).

Nothing here runs a simulation: a display reads the state an object already has.
"""
from __future__ import annotations

import html
import math

STYLE = ("font-family:sans-serif;font-size:13px", "border-collapse:collapse;margin:4px 0",
         "border:1px solid #ccc;padding:2px 6px;text-align:left")


def _text(value) -> str:
    """A value as escaped text: numbers to four significant digits."""
    if isinstance(value, float):
        value = f"{value:.4g}" if math.isfinite(value) else str(value)
    elif isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value)) or "none"
    return html.escape(str(value))


def _table(rows, headers=()) -> str:
    cell = STYLE[2]
    head = "".join(f'<th style="{cell}">{_text(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td style="{cell}">{_text(v)}</td>' for v in row) + "</tr>" for row in rows)
    return f'<table style="{STYLE[1]}">' + (f"<tr>{head}</tr>" if head else "") + body + "</table>"


def summary(title: str, facts, headers=(), rows=(), more: str = "") -> str:
    """A title, a two-column table of facts, a table of ``rows`` under ``headers``, and ``more``
    (HTML already safe)."""
    parts = [f"<strong>{_text(title)}</strong>", _table(facts)]
    if rows:
        parts.append(_table(rows, headers))
    return f'<div style="{STYLE[0]}">' + "".join(parts) + more + "</div>"


def hypervisor_html(hypervisor) -> str:
    """A :class:`bioxen.runtime.hypervisor.Hypervisor`: its time and every VM's status now."""
    spec = hypervisor.spec
    pools = spec.ribosome_pools.pools if spec.ribosome_pools else {}
    facts = [("build", str(hypervisor.build_dir)), ("time", f"{hypervisor.time:g} min"),
             ("scheduler", spec.scheduler), ("VMs", len(spec.vms)),
             ("stretches run", len(hypervisor.history))]
    rows = [(s.vm, pools.get(s.vm, "host"), s.health, hypervisor.ribosome_shares[s.vm],
             f"{s.translation_share:.1%}", f"{s.proteome_share:.2%}", s.protein, s.translation_flux)
            for s in hypervisor.status().values()]
    headers = ("VM", "pool", "state", "ribosome share", "translation share", "proteome share", "protein",
               "translation (proteins/min)")
    return summary(f"Hypervisor: {hypervisor.build_dir.name}", facts, headers, rows)


def vm_html(vm) -> str:
    """A :class:`bioxen.api.vm.BioVM`: its genome and settings, and its cell's state if it has run."""
    runtime, settings = vm.runtime, vm.settings
    facts = [("chassis", vm.chassis), ("genome", f"{runtime.genome.accession} ({len(runtime.genome.genes)} genes)"),
             ("resolution", settings.resolution), ("ribosome share", settings.ribosome_share),
             ("ribosome pool", runtime.pool), ("scheduler", settings.scheduler),
             ("knockouts", list(runtime.knockouts)),
             ("expression", [f"{gene} x{factor:g}" for gene, factor in runtime.expression.items()]),
             ("build", str(runtime.build_dir))]
    context = vm._context
    if context is not None and context.cell.history:          # a display never runs the cell
        state = context.status()
        facts += [("time", f"{state['time_min']:g} min"), ("state", "paused" if state["paused"] else "running"),
                  ("growth rate (1/min)", state["growth_rate_per_min"]),
                  ("doubling time (min)", state["doubling_time_min"]), ("energy", state["energy"]),
                  ("VM protein", state["vm_protein"]), ("VM translation (proteins/min)", state["vm_translation_flux"]),
                  ("conditions", state["conditions"])]
    else:
        facts.append(("state", "not run yet"))
    return summary(f"BioVM: {vm.vm_id}", facts)


def build_html(build, made: dict) -> str:
    """A compiled :class:`bioxen.backend.compile.Build`: the design, its VMs and the network's
    size; ``made`` is its manifest (:func:`bioxen.backend.compile.manifest`), given by the Build
    so that this module imports no later stage."""
    design = build.design
    network = made["network"]
    facts = [("chassis", design.chassis.name), ("scheduler", design.scheduler),
             ("network", f"{network['species']} species, {network['reactions']} reactions, "
                         f"{network['rules']} rules (expanded by {network['expanded_by']})"),
             ("timed commands", len(design.control)), ("compile time", f"{sum(build.timings.values()):.1f} s")]
    rows = [(vm["id"], vm["genome"], vm["resolution"], vm["genes_expressed"], vm["ribosome_share"],
             guest.parts.pool if guest.parts else guest.pool, "dormant" if guest.dormant else "running")
            for vm, guest in zip(made["vms"], design.vms)]
    headers = ("VM", "genome", "resolution", "genes", "ribosome share", "pool", "starts")
    return summary(f"BioXen build: {design.name}", facts, headers, rows)


def _vms(table) -> list[str]:
    return [c[: -len("_translation_flux")] for c in table.columns if c.endswith("_translation_flux")]


def results_html(table, rows_html: str | None) -> str:
    """A results table (:func:`bioxen.runtime.simulate.tabulate`): its span and the end state,
    with the rows themselves (``rows_html``, pandas' display) folded below."""
    facts = [("rows", len(table))]
    if "time_min" in table and len(table):
        facts.append(("time", f"{table['time_min'].iloc[0]:g} to {table['time_min'].iloc[-1]:g} min"))
        end = table.iloc[-1]
        facts += [(label, float(end[column])) for column, label in
                  (("growth_rate_per_min", "growth rate at the end (1/min)"),
                   ("doubling_time_min", "doubling time at the end (min)"), ("energy", "energy at the end"),
                   ("ribosomes_free", "free ribosomes at the end")) if column in table]
    facts += [(key, value) for key, value in table.attrs.items() if isinstance(value, (str, int, float))]
    end = table.iloc[-1] if len(table) else None
    rows = [(vm, float(end[f"{vm}_protein_total"]) if f"{vm}_protein_total" in table else "",
             float(end[f"{vm}_translation_flux"])) for vm in _vms(table)] if end is not None else []
    more = f"<details><summary>{len(table)} rows x {len(table.columns)} columns</summary>{rows_html}</details>" \
        if rows_html else ""
    return summary("BioXen results", facts, ("VM", "protein (end)", "translation (proteins/min, end)"), rows, more)
