"""The report's interactive figures (Plotly): time courses, the cross-talk matrix, the scaling sweep.

The time courses are one figure whose panels share the time axis (zoom into one, all follow):
translation per VM, ribosome pools, each VM's share of the VMs' translating ribosomes, host
energy and host growth. Each VM is one legend entry; a click hides or shows all of its traces.
Every timed command is a dashed vertical line (hover the triangle under it for what it was), and
each measured context switch (:func:`bioxen.runtime.summary.context_switches`: from the command
to <10% or back to 90% of the VM's flux) a band in the VM's colour. A second time-course figure
shows each VM's cross-contamination: the share of its proteins made on other pools and the share
degraded by other VMs' proteases.
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from bioxen.buildspec import BuildSpec, ControlEntry, coerce
from bioxen.report.metrics import intended_shares
from bioxen.runtime.summary import STARVED_SHARE

TEMPLATE = "plotly_white"
PALETTE = qualitative.Plotly
PANELS = (("translation per VM", "proteins/min", "linear"),
          ("ribosome pools (solid: translating, dotted: free)", "ribosomes", "log"),
          ("share of the VMs' translating ribosomes (dashed: intended, dotted: starved below)", "share",
           "linear"),
          ("host energy", "molecules", "linear"),
          ("host growth rate", "1/min", "linear"))
LABELLED_COMMANDS = 12      # more commands than this (a round-robin schedule): lines and hover only


def vm_colours(vms) -> dict[str, str]:
    return {vm: PALETTE[i % len(PALETTE)] for i, vm in enumerate(vms)}


def _line(x, y, name: str, group: str, colour: str, dash: str | None = None, legend: bool = False,
          width: float = 2) -> go.Scatter:
    return go.Scatter(x=x, y=y, name=name, legendgroup=group, showlegend=legend, mode="lines",
                      line={"color": colour, "dash": dash, "width": width})


def _vm_shares(table: pd.DataFrame, vms) -> dict[str, pd.Series]:
    """Each VM's share of the VMs' translating ribosomes (what fairness and viability measure)."""
    columns = [f"{vm}_ribosomes_translating" for vm in vms]
    if not all(c in table for c in columns):
        return {}
    total = table[columns].sum(axis=1)
    return {vm: table[column] / total.where(total > 0) for vm, column in zip(vms, columns)}


def _vm_traces(figure: go.Figure, table: pd.DataFrame, vm: str, colour: str, share, intended) -> None:
    """One VM's traces, all in its legend group; the first one carries the legend entry."""
    time = table["time_min"]
    traces = [(1, f"{vm}_translation_flux", vm, None), (2, f"{vm}_ribosomes_translating", f"{vm} translating", None),
              (2, f"{vm}_pool_free", f"{vm} pool free", "dot")]
    traces = [(row, table[column], name, dash, 2) for row, column, name, dash in traces if column in table]
    if share is not None:
        traces.append((3, share, f"{vm} share", None, 2))
    if share is not None and intended is not None:
        flat = np.ones(len(time))
        traces += [(3, intended * flat, f"{vm} intended share", "dash", 1),
                   (3, STARVED_SHARE * intended * flat, f"{vm} starved below", "dot", 1)]
    for i, (row, values, name, dash, width) in enumerate(traces):
        figure.add_trace(_line(time, values, name, vm, colour, dash, legend=i == 0, width=width), row=row, col=1)


def _host_traces(figure: go.Figure, table: pd.DataFrame) -> None:
    """The host's traces, each its own legend entry."""
    traces = [(2, "ribosomes_free", "host free ribosomes", "#222222", "dot"),
              (2, "hypervisor_ribosomes_translating", "hypervisor genes translating", "#999999", None),
              (4, "energy", "energy", "#222222", None), (5, "growth_rate_per_min", "growth rate", "#222222", None)]
    for row, column, name, colour, dash in traces:
        if column in table:
            figure.add_trace(_line(table["time_min"], table[column], name, name, colour, dash, legend=True),
                             row=row, col=1)


def _mark_commands(figure: go.Figure, control: tuple[ControlEntry, ...], switches, colours: dict[str, str]) -> None:
    """Timed commands as dashed lines on every panel (one per time), hoverable triangles under the
    first, and each measured context switch as a band in its VM's colour. The shapes are set in one
    layout update: plotly's add_vline re-validates every shape so far (quadratic: a two-level round
    robin's 600 commands took minutes)."""
    if not control:
        return
    minutes = {(s["at_min"], s["command"], s["vm"]): s["minutes"] for s in switches}
    # every panel: its x axis and the y axis it is anchored to (one column of panels)
    axes = [(axis.plotly_name.replace("axis", ""), f"{axis.anchor} domain") for axis in figure.select_xaxes()]
    shapes, texts = [], []
    for at in dict.fromkeys(entry.at_min for entry in control):
        shapes += [{"type": "line", "x0": at, "x1": at, "y0": 0, "y1": 1, "xref": x, "yref": y,
                    "line": {"dash": "dash", "color": "grey", "width": 1}} for x, y in axes]
    for entry in control:
        at, command, vm = entry.at_min, entry.command, entry.vm or ""
        switch = minutes.get((at, command, vm))
        texts.append(f"{at:g} min: {command} {vm}" + (f" (switch {switch:g} min)" if switch is not None else ""))
        if switch is not None:
            shapes += [{"type": "rect", "x0": at, "x1": at + switch, "y0": 0, "y1": 1, "xref": x, "yref": y,
                        "fillcolor": colours.get(vm, "grey"), "opacity": 0.12, "line": {"width": 0}} for x, y in axes]
        if len(control) <= LABELLED_COMMANDS:
            figure.add_annotation(x=at, y=1, yref="y domain", text=f"{command} {vm}", textangle=-90, showarrow=False,
                                  xanchor="right", yanchor="top", font={"size": 10, "color": "grey"}, row=1, col=1)
    figure.update_layout(shapes=list(figure.layout.shapes) + shapes)
    figure.add_trace(go.Scatter(x=[e.at_min for e in control], y=[0] * len(control), mode="markers",
                                name="commands", legendgroup="commands", hovertext=texts, hoverinfo="text",
                                marker={"symbol": "triangle-up", "size": 10, "color": "grey"}), row=1, col=1)


def timecourses(table: pd.DataFrame, spec: BuildSpec | dict, switches=()) -> go.Figure:
    """The run's time courses (module docstring). ``spec``: the build's (or outputs.json's JSON
    object); ``switches``: metrics.json's ``context_switch_min.each``."""
    spec = coerce(spec)
    vms = list(spec.vms)
    colours = vm_colours(vms)
    figure = make_subplots(rows=len(PANELS), cols=1, shared_xaxes=True, vertical_spacing=0.04,
                           subplot_titles=[title for title, _, _ in PANELS])
    shares = _vm_shares(table, vms)
    intended = intended_shares(spec) if shares else {}
    for vm in vms:
        _vm_traces(figure, table, vm, colours[vm], shares.get(vm), intended.get(vm))
    _host_traces(figure, table)
    for row, (_, unit, scale) in enumerate(PANELS, 1):
        figure.update_yaxes(title_text=unit, type=scale, row=row, col=1)
    figure.update_xaxes(title_text="time (min)", row=len(PANELS), col=1)
    _mark_commands(figure, spec.control, switches, colours)
    figure.update_layout(template=TEMPLATE, height=240 * len(PANELS), hovermode="x unified",
                         margin={"t": 40}, legend={"title": {"text": "click: hide/show"}, "groupclick": "togglegroup"})
    return figure


ISOLATION_PANELS = (("offtarget_flux", "made on other pools (host or other VMs' ribosomes)", ""),
                    ("foreign_proteolysis", "degraded by other VMs' proteases", " degraded"))


def isolation_timecourses(table: pd.DataFrame, spec: BuildSpec | dict, switches=()) -> go.Figure | None:
    """Per VM over time, the share of its translation made on other pools and the share degraded
    by other VMs' proteases (% of the proteins it makes per minute: what metrics.json's isolation
    averages over the run's second half). None for a table without these columns."""
    spec = coerce(spec)
    needed = [column for column, _, _ in ISOLATION_PANELS] + ["translation_flux"]
    vms = [vm for vm in spec.vms if all(f"{vm}_{column}" in table for column in needed)]
    if not vms:
        return None
    colours = vm_colours(spec.vms)
    figure = make_subplots(rows=len(ISOLATION_PANELS), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           subplot_titles=[f"{title}, % of the VM's translation" for _, title, _ in ISOLATION_PANELS])
    for vm in vms:
        made = table[f"{vm}_translation_flux"]
        for row, (column, _, suffix) in enumerate(ISOLATION_PANELS, 1):
            share = 100 * table[f"{vm}_{column}"] / made.where(made > 0)
            figure.add_trace(_line(table["time_min"], share, vm + suffix, vm, colours[vm], legend=row == 1),
                             row=row, col=1)
    for row in range(1, len(ISOLATION_PANELS) + 1):
        figure.update_yaxes(title_text="%", rangemode="tozero", row=row, col=1)
    figure.update_xaxes(title_text="time (min)", row=len(ISOLATION_PANELS), col=1)
    _mark_commands(figure, spec.control, switches, colours)
    figure.update_layout(template=TEMPLATE, height=520, hovermode="x unified", margin={"t": 60},
                         title={"text": "isolation over time (simulated cross-contamination)"},
                         legend={"groupclick": "togglegroup"})
    return figure


def crosstalk(isolation: dict | None) -> go.Figure | None:
    """The cross-talk matrix (isolation.json): initiation strength of each SD class on each pool."""
    strength = (isolation or {}).get("initiation_strength")
    if not strength:
        return None
    values = np.asarray(strength, float)
    text = [[f"{v:.2g}" for v in row] for row in values]
    heatmap = go.Heatmap(z=np.log10(np.maximum(values, 1e-12)), x=isolation["pools"], y=isolation["sd_classes"],
                         text=text, texttemplate="%{text}", colorscale="Viridis",
                         hovertemplate="SD class %{y} on pool %{x}: %{text}<extra></extra>",
                         colorbar={"title": {"text": "log10 initiation strength"}})
    figure = go.Figure(heatmap)
    figure.update_xaxes(title_text="ribosome pool", type="category")
    figure.update_yaxes(title_text="SD class", type="category", autorange="reversed")
    figure.update_layout(template=TEMPLATE, title={"text": "cross-talk matrix (host:host = 1)"},
                         height=260 + 50 * len(values), width=360 + 90 * len(values))
    return figure


def scaling(sweep: dict | None) -> go.Figure | None:
    """The scalability sweep (:func:`bioxen.report.scaling.sweep`): host growth and per-VM
    translation against the number of VMs."""
    points = (sweep or {}).get("points") or []
    if not points:
        return None
    vms = [p["vms"] for p in points]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Scatter(x=vms, y=[p["growth_rate_per_min"] for p in points], name="host growth rate",
                                mode="lines+markers", line={"color": PALETTE[0]}), secondary_y=False)
    alone = sweep["host_alone_growth_rate_per_min"]
    figure.add_trace(go.Scatter(x=[min(vms), max(vms)], y=[alone, alone], name="host alone", mode="lines",
                                line={"color": PALETTE[0], "dash": "dot"}), secondary_y=False)
    figure.add_trace(go.Scatter(x=vms, y=[p["per_vm_flux"] for p in points], name="per-VM translation",
                                mode="lines+markers", marker={"symbol": "square"},
                                line={"color": PALETTE[1], "dash": "dash"}), secondary_y=True)
    figure.update_xaxes(title_text="VMs", dtick=1)
    figure.update_yaxes(title_text="host growth rate (1/min)", secondary_y=False)
    figure.update_yaxes(title_text="per-VM translation (proteins/min)", secondary_y=True)
    stops = sweep.get("stops")
    title = html.escape(f"scalability: copies of {sweep['template_vm']} (share {sweep['share_each']:g} each)")
    if stops:
        reason = html.escape(f"stops at {stops['vms']} VMs: {stops['reason']}")
        title += f"<br><sup>{reason}</sup>"
    figure.update_layout(template=TEMPLATE, title={"text": title}, height=420, hovermode="x unified")
    return figure
