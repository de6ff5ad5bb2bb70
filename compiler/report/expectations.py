"""The founding document's expectations (../shared/seeds/003), set beside what a run measured.

This is a comparison of numbers, not a pass/fail verdict: the seed's figures are
its authors' expectations of a hypervisor, not measurements.
"""
from __future__ import annotations

SEED = "seeds/003_1ca69f061b776776.txt"


def _percent(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _minutes(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f} min ({value * 60:,.0f} s)"


def comparison(metrics: dict, scaling: dict | None = None) -> list[tuple[str, str, str]]:
    """Rows of (metric, the seed's expectation, BioXen's measurement)."""
    tax = metrics["hypervisor_tax"]
    switch = metrics["context_switch_min"]
    fair = metrics["fairness"]
    iso = metrics["isolation"]
    rows = [
        ("hypervisor tax", "15-20%",
         f"ribosomes {_percent(tax['ribosomes'])}, energy {_percent(tax['energy'])}, "
         f"proteome {_percent(tax['proteome'])}"),
        ("context switch", "about 30 s",
         ", ".join(f"{name} {_minutes(switch[key])}" for key, name in
                   (("pause", "pause"), ("resume", "resume"), ("round_robin_turn", "round-robin turn"))
                   if switch[key] is not None) or "no switch in this run"),
        ("fairness", "within ±5%", f"largest error {_percent(fair['max_abs_error'])} "
                                   f"({', '.join(f'{vm} {e:+.1%}' for vm, e in fair['error'].items())})"),
        ("isolation", "above 99%", f"cross-talk matrix {_percent(iso['min_matrix'])}, "
                                   f"simulated {_percent(iso['min_simulated'])} (worst VM)"),
    ]
    if scaling and scaling["points"]:
        stops = scaling["stops"]
        last = scaling["points"][-1]["vms"]
        rows.append(("VMs per host", "at most 3-4",
                     f"host stops at {stops['vms']} ({stops['reason']})" if stops
                     else f"still growing at {last} (the sweep's end)"))
        fit = scaling["growth_fit"]
        rows.append(("degradation as VMs are added", "linear",
                     f"growth rate vs VMs: slope {fit['slope']:.2e} /min per VM, R² {fit['r2']:.3f}"
                     if fit["slope"] is not None else "too few points"))
    else:
        rows.append(("VMs per host", "at most 3-4", "not swept (bioxen report DIR --sweep N)"))
        rows.append(("degradation as VMs are added", "linear", "not swept"))
    return rows
