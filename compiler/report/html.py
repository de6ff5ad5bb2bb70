"""report.html: one self-contained page of a run's metrics with interactive plots.

The plots are Plotly figures (:mod:`bioxen.report.figures`); plotly.js is inlined once, with the
first figure, so the page needs no network and works offline (about 5 MB). Each plot's camera
button saves a PNG of the current view; the static figure for papers is results.png (matplotlib,
:func:`bioxen.runtime.plot.plot_timecourse`), which ``bioxen simulate`` and ``bioxen run`` write
beside results.csv.
"""
from __future__ import annotations

import html
import json

import pandas as pd

from bioxen.buildspec import BuildSpec
from bioxen.report import figures

PNG_SCALE = 3          # the camera button's PNG: 3x the plot's size on screen (print resolution)
PNG_NOTE = ("Zoom by dragging (double-click resets), hover for values, click a legend entry to hide or show "
            "it (a VM's entry hides all of its traces). The camera button above each plot saves a PNG of the "
            "current view. The static figure for papers is <code>results.png</code> (matplotlib), written "
            "beside <code>results.csv</code> by <code>bioxen simulate</code> and <code>bioxen run</code>{where}.")


def plot_figures(table: pd.DataFrame, spec: BuildSpec | dict, metrics: dict, isolation: dict | None,
                 scaling: dict | None) -> dict:
    """The report's figures by name (those with data); ``spec``: the build's, or outputs.json's JSON object."""
    switches = metrics.get("context_switch_min", {}).get("each", [])
    found = {"timecourses": figures.timecourses(table, spec, switches),
             "isolation": figures.isolation_timecourses(table, spec, switches),
             "crosstalk": figures.crosstalk(isolation), "scaling": figures.scaling(scaling)}
    return {name: figure for name, figure in found.items() if figure is not None}


def plot_divs(plots: dict, name: str) -> str:
    """Each figure as a div; plotly.js inlined with the first only."""
    divs = []
    for i, (key, figure) in enumerate(plots.items()):
        config = {"displaylogo": False, "responsive": True,
                  "toImageButtonOptions": {"format": "png", "scale": PNG_SCALE, "filename": f"{name}_{key}"}}
        divs.append(figure.to_html(full_html=False, include_plotlyjs=i == 0, div_id=f"plot-{key}", config=config))
    return "\n".join(f'<section class="plot">{div}</section>' for div in divs)


def render(name: str, table: pd.DataFrame, spec: BuildSpec, metrics: dict, rows, isolation: dict | None,
           scaling: dict | None, png: str | None = None, profile: dict | None = None) -> str:
    """The page. ``png``: the name of the static figure beside the report, if there is one;
    ``profile``: the build's profile.json (:mod:`bioxen.report.profile`), shown in a section of its own."""
    from bioxen.report.dna import commands_html, dna_html
    from bioxen.report.profile import profile_html

    plots = plot_divs(plot_figures(table, spec, metrics, isolation, scaling), name)
    where = f" (here: <code>{html.escape(png)}</code>, in this report's directory)" if png else ""
    table_rows = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>"
                         for a, b, c in rows)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>BioXen report: {html.escape(name)}</title>
<style>body{{font-family:sans-serif;max-width:72em;margin:2em auto}}td,th{{border:1px solid #ccc;padding:4px 8px}}
table{{border-collapse:collapse}}pre{{background:#f6f6f6;padding:1em;overflow:auto}}section.plot{{margin:1em 0}}</style>
</head><body>
<h1>BioXen report: {html.escape(name)}</h1>
<h2>Against the founding expectations</h2>
<p>The seed's figures are expectations, not measurements; this is a comparison, not a verdict.</p>
<table><tr><th>metric</th><th>seed expects</th><th>BioXen measured</th></tr>{table_rows}</table>
{profile_html(profile)}
{commands_html((isolation or {}).get("commands"))}
{dna_html(metrics.get("dna"))}
<h2>Plots</h2>
<p>{PNG_NOTE.format(where=where)}</p>
{plots}
<h2>metrics.json</h2><pre>{html.escape(json.dumps(metrics, indent=1))}</pre>
</body></html>
"""
