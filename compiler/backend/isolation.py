"""Isolation report (DIR/isolation.json): the cross-talk matrix and every VM's parts.

Initiation strength of SD class i on pool j is ``exp(-beta ((dG_ij + F_i) - (dG_00 + F_0)))``
(Salis, Mirsky & Voigt 2009, Nat Biotech 27:946), dG the ViennaRNA duplex
energy of the SD with the pool's 16S anti-SD, F_i the unfolding cost of class i's 5' UTR
(:func:`bioxen.rna.unfolding_cost`); class and pool 0 are the host's. A VM's isolation ratio
is its on-target strength over the largest off-target one: its SD on any other pool, or any
other SD on its pool; its leak ratio only the first (what sets the share of its proteins made
elsewhere). An SD that pairs nothing initiates at its class's ``unpaired_strength``, so no
leak ratio exceeds ``leak_ratio_bound`` and, host mRNAs being unsequestered, no isolation
ratio exceeds ``ratio_bound`` (docs/virtualization.md, "Isolation").
"""
from __future__ import annotations

import math

from bioxen.backend.images import refactoring_warnings
from bioxen.ir import Design, gates_of
from bioxen.passes.isolate import isolation_ratios
from bioxen.rna import FOLD_MATCH, MAX_SEQUESTRATION, leak_ratios, unfolding_cost


def design_warnings(design: Design) -> list[str]:
    """What the built DNA would do that the model does not (shared parts)."""
    warnings = []
    hardware = design.chassis.hardware
    if design.vms and not hardware.has("commands", "marionette_sensors"):   # a chassis other than E. coli
        warnings.append(f"chassis {design.chassis.name}: the VM images and hypervisor constructs are written with "
                        "BioXen's E. coli parts (promoters, 5' UTRs, terminators); the model runs the chassis's "
                        "mechanisms (bioxen chassis list), but the DNA needs that chassis's own expression parts "
                        "before it is ordered")
    if any(gates_of(design, vm).transcription for vm in design.vms):
        warnings.append("the transcription gate (isolation.gate: transcription) is in the model only: the DNA BioXen "
                        "writes carries neither its synthetic transcription factor nor operators at the VMs' promoters")
    if len(design.vms) > 1 and design.wiring is None:
        shared = "in the built DNA one inducer pauses or destroys all VMs at once (the model's per-VM commands " \
                 "assume one input each)"
        warnings.append(f"Cello's parts data was not found, so every VM's gates are behind pTet and every protease "
                        f"behind pLas: {shared}; `bioxen data fetch cello-eco1-ucf`, `cello-eco2-ucf` and "
                        "`cello-marionette-sensors`, or BIOXEN_DATA_PATH, give each (VM, command) its own inducer "
                        "or a decoded address" if hardware.has("commands", "marionette_sensors") else
                        f"chassis {design.chassis.name} takes commands on inducible promoters, every VM on the same "
                        f"ones: {shared}")
    if design.wiring is not None:
        warnings += list(design.wiring.notes)
    on_host = [vm.id for vm in design.vms if vm.pool == "host"]
    if len(on_host) > 1:
        warnings.append(f"VMs {', '.join(on_host)} share the host 5' UTR, so their gate sRNAs are the same "
                        "and would gate each other (and host mRNAs with that UTR); the model gates each "
                        "VM's own mRNAs only")
    return warnings + _cutoff_warnings(design) + refactoring_warnings(design)


def _cutoff_warnings(design: Design) -> list[str]:
    """Off-target initiation of the VMs' mRNAs the matrix predicts but the policy's
    ``crosstalk_cutoff`` leaves out of the model (simulated isolation would read too high)."""
    crosstalk = design.crosstalk
    if crosstalk is None:
        return []
    hidden = [(crosstalk.strength[i][j] / crosstalk.strength[i][i], crosstalk.sd_classes[i], pool)
              for vm in design.vms for i in [crosstalk.sd_classes.index(vm.parts.pool)]
              for j, pool in enumerate(crosstalk.pools)
              if j != i and crosstalk.strength[i][j] < design.crosstalk_cutoff]
    if not hidden:
        return []
    share, sd_class, pool = max(hidden)
    return [f"isolation.crosstalk_cutoff {design.crosstalk_cutoff:g} leaves {len(hidden)} off-target initiation(s) "
            f"of VM mRNAs out of the model (largest: SD class {sd_class} on pool {pool}, {share:.2g} of its own "
            f"pool's): simulated isolation reads higher than the cross-talk matrix gives; lower the cut-off "
            f"(default 1e-6 keeps them all)"]


def ratio_bound(crosstalk) -> float:
    """The largest isolation ratio (both directions) a pool can have: host mRNAs carry no
    sequestering UTR, so they initiate on every o-pool at least at the unpaired reference,
    exp(beta dG_00) of the host pair, while its own mRNAs initiate within FOLD_MATCH of it."""
    return math.exp(crosstalk.beta * (-crosstalk.energy[0][0] + FOLD_MATCH))


def leak_ratio_bound(crosstalk) -> float:
    """The largest leak ratio a VM's mRNAs can have: on a pool they do not pair they initiate at
    exp(beta dG_ii) of their own rate, dG_ii at most MAX_SEQUESTRATION below dG_00."""
    return math.exp(crosstalk.beta * (MAX_SEQUESTRATION - crosstalk.energy[0][0]))


def wiring_report(design: Design) -> dict | None:
    """How each (VM, command) reaches the cell (the wiring pass): the inducers, the promoter that
    fires, the decoder's gates with their inputs, the repressor of every repressor gene."""
    wiring = design.wiring
    if wiring is None:
        return None
    sensors = {s.name: s for s in wiring.sensors}
    parts = {p.name: p for p in wiring.parts}
    return {
        "inputs": [{"vm": i.vm, "command": i.command, "inducers": [sensors[n].inducer for n in i.inducers],
                    "sensors": list(i.inducers), "promoter": i.promoter, "gate": i.gate,
                    "leak": (parts[i.gate].ymin / parts[i.gate].ymax) if i.gate else sensors[i.inducers[0]].leak,
                    "shared_with": [list(x) for x in i.shared_with]} for i in wiring.inputs],
        "decoder": [{"repressor": g.repressor, "promoter": parts[g.repressor].promoter,
                     "inputs": [{"kind": k, "name": n} for k, n in g.inputs],
                     "logic": "NOT" if len(g.inputs) == 1 else "NOR"} for g in wiring.decoder],
        "repressors": {gene: r for gene, r in wiring.repressors},
        "sensors": {s.name: {"inducer": s.inducer, "promoter": s.promoter, "ymin_rpu": s.ymin, "ymax_rpu": s.ymax,
                             "source": s.source} for s in wiring.sensors},
        "notes": list(wiring.notes)}


def isolation_report(design: Design) -> dict:
    crosstalk = design.crosstalk
    if crosstalk is None:
        return {"vms": {}}
    strength, energy = crosstalk.strength, crosstalk.energy
    # an SD class on a pool it does not pair: its own strength times exp(beta dG_ii)
    unpaired = [strength[i][i] * math.exp(crosstalk.beta * energy[i][i]) for i in range(len(strength))]
    ratios = isolation_ratios(crosstalk)
    leaks = dict(zip(crosstalk.pools[1:], (float(r) for r in leak_ratios(strength))))
    library = design.parts
    vms = {}
    for vm in design.vms:
        parts = vm.parts
        ratio = ratios.get(parts.pool)
        vms[vm.id] = {
            "pool": parts.pool, "sd": parts.sd, "anti_sd": parts.anti_sd, "utr": parts.utr,
            "isolation_ratio": ratio, "isolation": None if ratio is None else 1 - 1 / ratio,
            "leak_ratio": leaks.get(parts.pool),
            "utr_unfolding_kcal_per_mol": unfolding_cost(parts.utr, parts.sd),
            "initiation_vs_host": strength[crosstalk.pools.index(parts.pool)][crosstalk.pools.index(parts.pool)],
            "srna": parts.srna, "srna_energy_kcal_per_mol": parts.srna_energy,
            "tag": {"name": parts.tag_name, "peptide": parts.tag}, "protease": parts.protease,
            "genetic_code": parts.genetic_code,
            "orrna_transcription_per_min": vm.orrna_transcription,
            "srna_transcription_per_min": vm.srna_transcription}
    used = range(len(design.vms))
    return {
        "bioxen_isolation": 1,
        "model": {"strength": "exp(-beta ((dG_ij + F_i) - (dG_host,host + F_host)))",
                  "beta_mol_per_kcal": crosstalk.beta,
                  "energies": "ViennaRNA duplex, 37 C; F: unfolding cost of the class's 5' UTR + AUG (ViennaRNA MFE)",
                  "source": "Salis, Mirsky & Voigt 2009 Nat Biotech 27:946",
                  "unpaired_strength": unpaired, "ratio_bound": ratio_bound(crosstalk),
                  "leak_ratio_bound": leak_ratio_bound(crosstalk)},
        "min_ratio": design.min_isolation,
        "sd_classes": list(crosstalk.sd_classes), "pools": list(crosstalk.pools),
        "sd": list(crosstalk.sd), "anti_sd": list(crosstalk.anti_sd),
        "energy_kcal_per_mol": [list(r) for r in crosstalk.energy],
        "initiation_strength": [list(r) for r in crosstalk.strength],
        "vms": vms,
        "commands": wiring_report(design),
        "warnings": design_warnings(design),
        "protease_recognition": {
            "proteases": [library.tags[i].protease for i in used], "tags": [library.tags[i].name for i in used],
            "matrix": [[library.recognition[i][j] for j in used] for i in used],
            "source": library.recognition_source},
    }
