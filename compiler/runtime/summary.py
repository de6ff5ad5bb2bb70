"""What a run achieved: growth, burden and whether the guests settled."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

STEADY_WINDOW = 0.1      # last 10% of the run
STEADY_TOLERANCE = 0.01  # relative change over that window


@dataclass(frozen=True)
class VmSummary:
    vm: str
    protein_final: float
    translation_flux_final: float
    relative_change_last_window: float

    @property
    def steady(self) -> bool:
        return self.relative_change_last_window <= STEADY_TOLERANCE


@dataclass(frozen=True)
class RunSummary:
    doubling_time_min: float
    host_alone_doubling_time_min: float | None
    vms: tuple[VmSummary, ...]

    @property
    def burden(self) -> float | None:
        """Relative lengthening of the doubling time caused by the guests."""
        if self.host_alone_doubling_time_min is None:
            return None
        return self.doubling_time_min / self.host_alone_doubling_time_min - 1


def relative_change(series: pd.Series, time: pd.Series) -> float:
    window = series[time >= time.iloc[-1] * (1 - STEADY_WINDOW)]
    scale = max(abs(series.iloc[-1]), 1e-12)
    return float((window.max() - window.min()) / scale)


def summarize(table: pd.DataFrame, host_alone: pd.DataFrame | None = None) -> RunSummary:
    vms = []
    for column in table.columns:
        if column.endswith("_protein_total"):
            vm = column[: -len("_protein_total")]
            vms.append(VmSummary(vm, float(table[column].iloc[-1]),
                                 float(table[f"{vm}_translation_flux"].iloc[-1]),
                                 relative_change(table[column], table["time_min"])))
    alone = float(host_alone["doubling_time_min"].iloc[-1]) if host_alone is not None else None
    return RunSummary(float(table["doubling_time_min"].iloc[-1]), alone, tuple(vms))


def switch_time(table: pd.DataFrame, vm: str, at: float, reference: float, fraction: float,
                falling: bool) -> float | None:
    """Context-switch time: minutes after ``at`` until the VM's translation flux first falls
    below (``falling``) or rises above ``fraction`` x ``reference``; None if it never does."""
    after = table[table["time_min"] >= at]
    flux = after[f"{vm}_translation_flux"]
    crossed = flux < fraction * reference if falling else flux >= fraction * reference
    if not crossed.any():
        return None
    return float(after["time_min"][crossed].iloc[0] - at)
