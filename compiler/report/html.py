"""report.html: one self-contained page (plots embedded as PNG) of a run's metrics."""
from __future__ import annotations

import base64
import html
import io
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _lines(table: pd.DataFrame, columns: dict[str, str], ylabel: str, title: str, log=False) -> str:
    figure, ax = plt.subplots(figsize=(7, 3.2))
    for label, column in columns.items():
        if column in table:
            ax.plot(table["time_min"], table[column], label=label)
    ax.set_xlabel("time (min)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log:
        ax.set_yscale("log")
    if len(columns) > 1:
        ax.legend(fontsize=8)
    return _png(figure)


def _heatmap(isolation: dict) -> str | None:
    strength = isolation.get("initiation_strength")
    if not strength:
        return None
    values = np.log10(np.maximum(np.asarray(strength, float), 1e-12))
    figure, ax = plt.subplots(figsize=(1.2 + 0.8 * len(values), 1 + 0.7 * len(values)))
    image = ax.imshow(values, cmap="viridis")
    ax.set_xticks(range(len(isolation["pools"])), isolation["pools"])
    ax.set_yticks(range(len(isolation["sd_classes"])), isolation["sd_classes"])
    ax.set_xlabel("ribosome pool")
    ax.set_ylabel("SD class")
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            ax.text(j, i, f"{strength[i][j]:.2g}", ha="center", va="center", color="w", fontsize=7)
    figure.colorbar(image, ax=ax, label="log10 initiation strength")
    ax.set_title("cross-talk matrix (host:host = 1)")
    return _png(figure)


def _scaling(scaling: dict) -> str | None:
    points = scaling["points"] if scaling else []
    if not points:
        return None
    n = [p["vms"] for p in points]
    figure, left = plt.subplots(figsize=(6, 3.2))
    left.plot(n, [p["growth_rate_per_min"] for p in points], "o-", color="C0")
    left.axhline(scaling["host_alone_growth_rate_per_min"], color="C0", ls=":", label="host alone")
    left.set_xlabel("VMs")
    left.set_ylabel("host growth rate (1/min)", color="C0")
    right = left.twinx()
    right.plot(n, [p["per_vm_flux"] for p in points], "s--", color="C1")
    right.set_ylabel("per-VM translation (proteins/min)", color="C1")
    left.set_title(f"scalability: copies of {scaling['template_vm']} (share {scaling['share_each']:g} each)")
    left.legend(fontsize=8)
    return _png(figure)


def _shares(table: pd.DataFrame, vms) -> pd.DataFrame:
    shares = table[["time_min"]].copy()
    total = table["ribosomes_translating"].where(table["ribosomes_translating"] > 0)
    for vm in vms:
        shares[f"{vm}_share"] = table[f"{vm}_ribosomes_translating"] / total
    return shares


def render(name: str, table: pd.DataFrame, spec: dict, metrics: dict, rows, isolation: dict | None,
           scaling: dict | None) -> str:
    vms = list(spec["vms"])
    plots = [
        _lines(table, {vm: f"{vm}_translation_flux" for vm in vms}, "proteins/min", "translation flux per VM"),
        _lines(table, {**{f"{vm} translating": f"{vm}_ribosomes_translating" for vm in vms},
                       **{f"{vm} pool free": f"{vm}_pool_free" for vm in vms},
                       "host free": "ribosomes_free", "hypervisor genes": "hypervisor_ribosomes_translating"},
               "ribosomes", "ribosome pools", log=True),
        _lines(_shares(table, vms), {vm: f"{vm}_share" for vm in vms}, "share of translating ribosomes",
               "VM viability: share of the cell's translation (starved below 10% of its intended share)"),
        _lines(table, {"energy": "energy"}, "molecules", "host energy"),
        _lines(table, {"growth rate": "growth_rate_per_min"}, "1/min", "host growth rate"),
    ]
    plots += [p for p in (_heatmap(isolation or {}), _scaling(scaling)) if p]
    table_rows = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>"
                         for a, b, c in rows)
    images = "".join(f'<p><img alt="plot" src="data:image/png;base64,{p}"></p>' for p in plots)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>BioXen report: {html.escape(name)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{border:1px solid #ccc;padding:4px 8px}}
table{{border-collapse:collapse}}pre{{background:#f6f6f6;padding:1em;overflow:auto}}</style></head><body>
<h1>BioXen report: {html.escape(name)}</h1>
<h2>Against the founding expectations</h2>
<p>The seed's figures are expectations, not measurements; this is a comparison, not a verdict.</p>
<table><tr><th>metric</th><th>seed expects</th><th>BioXen measured</th></tr>{table_rows}</table>
<h2>Plots</h2>{images}
<h2>metrics.json</h2><pre>{html.escape(json.dumps(metrics, indent=1))}</pre>
</body></html>
"""
