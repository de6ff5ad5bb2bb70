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
                                   f"({', '.join(f'{vm} {e:+.1%}' for vm, e in fair['error'].items())})"
                                   + (f"; slow level (groups) {_percent(fair['levels']['slow']['max_abs_error'])}, "
                                      f"fast level (within a group's turns) "
                                      f"{_percent(fair['levels']['fast']['max_abs_error'])}"
                                      if fair.get("levels") else "")),
        ("isolation", "above 99%", f"cross-talk matrix {_percent(iso['min_matrix'])}, "
                                   f"simulated {_percent(iso['min_simulated'])} (worst VM)"),
    ]
    codes = {vm: c for vm, c in (metrics.get("genetic_code") or {}).items() if "suppression_mean" in c}
    if codes:
        rows.append(("genetic-code isolation", "VM2 amber suppression, VM3 synthetic amino acids",
                     "; ".join(_code_row(vm, c) for vm, c in codes.items())))
    pools = metrics.get("transcription")
    if pools:
        rows.append(("RNA isolation", "a different RNA polymerase per VM",
                     "; ".join(f"{vm} on {p['polymerase']} polymerase: {p['free_mean']:.0f} free, "
                               f"{p['transcribing_mean']:.0f} transcribing, {p['flux_mean']:.3g} mRNAs/min"
                               for vm, p in pools.items())))
    shells = metrics.get("compartment")
    if shells:
        rows.append(("virtual membranes", "a compartment per VM",
                     "; ".join(f"{vm}: {_percent(c['leak_mean'])} of its proteins outside its encapsulin shells "
                               f"(bound {_percent(c['max_leak'])}: {'met' if c['within_bound'] else 'NOT met'}), "
                               f"{c['shell_units_per_protein'] or 0:.2g} cargo sites per protein inside"
                               for vm, c in shells.items() if c["leak_mean"] is not None)))
    booted = metrics.get("boot")
    if booted:
        init = booted["initialise"]
        text = (f"initialisation {init['to_min']:g} min (host growth {'settled' if init['settled'] else 'not settled'}, "
                f"{init['growth_change_last_10_min']:.1%} over its last 10 min)")
        for vm, v in booted["vms"].items():
            handoff = v.get("handoff_min")
            text += (f"; {vm} allocated at {v['allocated_min']:g} min, core genes {v['core_phase_min']:g} min, "
                     f"handoff {'n/a' if handoff is None else f'{handoff:g} min'}")
        rows.append(("boot sequence", "hypervisor initialisation, VM allocation, guest boot, resource handoff", text))
    genes = metrics.get("hypervisor_genes")    # bioxen.report.hypervisor_gene_count
    if genes is not None:
        rows.append(("hypervisor genes", "about 100", f"{genes['protein']} protein genes + {genes['rna']} RNA genes, "
                                                      f"burden {_percent(tax['ribosomes'])} of translating ribosomes"))
    life = (metrics.get("dna") or {}).get("lifetime")      # bioxen.report.dna
    if life is not None:
        hours = life["half_life"]["hours"]
        rows.append(("mean time between failures", "24-48 h of continuous operation",
                     f"{'> 10,000' if hours > 1e4 else f'{hours:,.1f}'} h until half a culture has lost the "
                     f"hypervisor (burden {_percent(life['burden'])}, {life['mu_per_generation']:.2g} "
                     "loss-of-function mutations per cell per generation)"))
    if scaling and scaling["points"]:
        rows += _scaling_rows(scaling)
    else:
        rows.append(("VMs per host", "at most 3-4", "not swept (bioxen report DIR --sweep N)"))
        rows.append(("resource contention threshold", "at most 3-4 VMs", "not swept"))
        rows.append(("degradation as VMs are added", "linear", "not swept"))
    return rows


def _code_row(vm: str, code: dict) -> str:
    text = f"{vm} {code['code']}: {code['amber_sites']:,} UAG codons, each read {code['suppression_mean']:.0%}"
    for w in code["withdrawals"]:
        text += (f"; ncAA withdrawn at {w['at_min']:g} min, stopped (< 5%) in "
                 + (f"{w['stopped_min']:g} min" if w["stopped_min"] is not None else "more than the run"))
    return text


def _vms(count: int) -> str:
    return f"{count} VM{'s' if count != 1 else ''}"


def _first(found: int | None, last: int) -> str:
    return _vms(found) if found is not None else f"not within 1-{last}"


def _scaling_rows(scaling: dict) -> list[tuple[str, str, str]]:
    """The sweep's rows (:func:`bioxen.report.scaling.sweep`): how many VMs, where contention
    starts and which criterion breaks, and how growth, per-VM translation and isolation scale."""
    stops, last = scaling["stops"], scaling["points"][-1]["vms"]
    built = (f"{last} simulated; stops at {stops['vms']} ({stops['reason']})" if stops
             else f"still growing at {last} (the sweep's end)")
    found, limits = scaling["contention"], scaling["contention"]["criteria"]
    first = found["first_broken"]
    threshold = (f"{_vms(found['threshold_vms'])} ({', '.join(found['broken_at_threshold'])} first); "
                 if found["threshold_vms"] is not None else f"none within 1-{last}; ")
    threshold += (f"growth < {limits['growth_below_fraction_of_host_alone']:.0%} of the host alone: "
                  f"{_first(first['growth'], last)}; fairness error > {limits['fairness_error_above']:.0%}: "
                  f"{_first(first['fairness'], last)}; isolation < {limits['isolation_below']:.0%}: "
                  f"{_first(first['isolation'], last)}")
    growth, loss, exponent = scaling["growth_fit"], scaling["isolation_loss_fit"], scaling["per_vm_flux_exponent"]
    if growth["slope"] is None:
        scales = "too few points"
    else:
        scales = (f"growth rate {growth['slope']:+.2e} /min per VM (R² {growth['r2']:.3f}); "
                  + (f"per-VM translation ∝ N^{exponent:.2f}; " if exponent is not None else "")
                  + (f"isolation loss {loss['slope']:+.2e} per VM" if loss["slope"] is not None else ""))
    return [("VMs per host", "at most 3-4", built),
            ("resource contention threshold", "at most 3-4 VMs", threshold),
            ("degradation as VMs are added", "linear", scales.rstrip("; "))]
