"""Time-course figure of a simulation table (matplotlib, no global state)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def plot_timecourse(table: pd.DataFrame, path: str | Path, title: str = "", *, vms) -> Path:
    """The host's doubling time, free ribosomes and energy, and each of ``vms`` (the build's VM
    ids, :attr:`bioxen.buildspec.BuildSpec.vms`) protein and translation, into ``path``."""
    figure = Figure(figsize=(10, 7), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(2, 2, sharex=True)
    t = table["time_min"] / 60
    vms = list(vms)
    axes[0, 0].plot(t, table["doubling_time_min"], color="k")
    axes[0, 0].set_ylabel("host doubling time (min)")
    axes[0, 1].plot(t, table["ribosomes_free"], label="free ribosomes")
    axes[0, 1].plot(t, table["energy"], label="energy")
    axes[0, 1].set_yscale("symlog")
    axes[0, 1].set_ylabel("molecules per cell")
    axes[0, 1].legend()
    for vm in vms:
        axes[1, 0].plot(t, table[f"{vm}_protein_total"], label=vm)
        axes[1, 1].plot(t, table[f"{vm}_translation_flux"], label=vm)
    axes[1, 0].set_ylabel("guest protein (molecules)")
    axes[1, 1].set_ylabel("guest translation (proteins/min)")
    for ax in axes[1]:
        ax.set_xlabel("time (h)")
        if vms:
            ax.legend()
    figure.suptitle(title)
    figure.savefig(path, dpi=110)
    return Path(path)
