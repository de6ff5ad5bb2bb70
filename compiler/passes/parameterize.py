"""Pass: per-unit transcription, initiation strength and length.

Per gene (molecules per cell, minutes):

* relative transcription f_g: the table's ``mrna_count``; else ``protein_count``
  times protein length; else 1. Genes the table lacks take the median.
* relative initiation strength e_g (scales k_b): with both counts, proportional
  to (protein/mRNA)·length, normalised to geometric mean 1 and kept in [0.01, 100]
  (first-order inversion of p/m = k·γ/(n(λ+δ)(1+k)) for small k); else 1.
* a VM's total transcription W is set so that, at the chassis reference (steady)
  state, its transcripts hold share/(1 - Σ shares) times the host's translating
  ribosomes: the VM holds ``share`` of all translating ribosomes at the design
  point. (Under load the cell re-balances; orthogonal pools will set o-rRNA
  expression instead.) A ribosome-bound transcript count per unit transcription
  is c/w = k/(λ + d_m + λk), k = k_b·e·r/(k_u + γ/n + λ). A VM's e includes the
  on-target strength of its SD on its pool (the cross-talk matrix).
* a VM on an orthogonal pool gets o-rRNA transcription share/(1 - Σ orthogonal shares)
  times the host rRNA's, so the pools split ribosomal protein by share (Darlington et al. 2018;
  :func:`bioxen.pools.pool_transcription`, sized by :func:`pool_sizing`), and
  MRNA_EXCESS times the transcription above.
* a VM's induced gate sRNA is transcribed at ``excess`` times the VM's total mRNA
  transcription, so that it titrates every VM mRNA when induced (Levine et al. 2007).
* a VM on an orthogonal pool gets a ribosome-gate RNA and its anti-gate
  (:mod:`bioxen.rules.ribosome_gate`, :func:`gate_transcription`). With w_1 the transcription
  that makes free gate RNA, w_1·sat/(δ_g + λ), bind free o-ribosomes as fast as the VM's free
  mRNAs, Σ e_u·w_u·sat/(d_m + λ), do (the gate binds at k_b·s, s the pool SD's on-target
  strength), the anti-gate is transcribed at ``ribosome_gate.antigate``·w_1 and the induced gate
  at (``excess`` + ``antigate``)·w_1, so that ``excess``·w_1 of it is left over the anti-gate.

A VM's own kinetics (policy ``kinetics:``; an absent key keeps the chassis's guest value):

* ``translation_aa_per_s`` v: the VM's ribosomes elongate at f = 60·v/gmax times the host's
  γ(a) (``elongation_factor``; the back end scales the VM's genes' and reporter's elongation,
  and counts it in energy use). The calibration above uses γ·f for the VM.
* ``mrna_half_life`` t: the VM's mRNAs decay at d_m = ln 2/t (the calibration uses it too);
  ``protein_half_life`` t: its proteins at ln 2/t (chassis: ``mrna_decay``, ``protein_decay``).
* ``transcription_nt_per_s`` v: every unit's max_transcription is multiplied by v over the
  chassis's guest ``transcription_elongation`` *after* the calibration, which is not re-solved:
  faster RNA polymerase makes more transcripts (and the gate sRNA is sized on the result).
* per-gene ``expression`` factors multiply the gene's relative transcription f_g *after* W is
  calibrated on the unmodified weights (so a factor is not calibrated away) and before units are
  lumped (a lumped unit gets its members' summed, scaled transcription).

Protein length n_g (aa) is that of the protein the VM image builds (:mod:`bioxen.backend.images`): a
refactored gene's mature CDS (its exons joined) up to its stop codon, then the VM's degron tag; a CDS
the image leaves native (:func:`bioxen.genome.layout.unrefactorable`) keeps its own length; it keeps
its own SD and is read by host ribosomes, so its initiation strength is not scaled by the VM's SD, it
takes no MRNA_EXCESS and no share of the gate sRNA's excess (nothing gates it).

A lumped unit (operon, subsystem) gets the summed transcription, and the
initiation strength and length that give it the same translating ribosomes and
protein output as its genes at the chassis reference (steady) state.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace

from bioxen.errors import CompileError
from bioxen.genome.layout import unrefactorable
from bioxen.ir import Design, ExpressionUnit, GuestVM
from bioxen.pools import PoolSizing, pool_transcription
from bioxen.quantity import value

PARAMETERS = ("chassis.parameters.gmax", "chassis.parameters.K_gamma", "chassis.parameters.M",
              "chassis.parameters.k_b", "chassis.parameters.k_u", "chassis.parameters.w_rR",
              "chassis.parameters.theta_rR", "chassis.guest.transcription_threshold", "chassis.guest.mrna_decay",
              "chassis.guest.protein_decay", "parts.srna.excess", "parts.orthogonal_ribosomes.orrna_threshold",
              "parts.ribosome_gate.excess", "parts.ribosome_gate.antigate", "parts.ribosome_gate.decay")

STRENGTH_RANGE = (0.01, 100.0)
# A VM on an orthogonal pool is transcribed as if its mRNAs could hold this many times its
# pool, so that, like host genes on host ribosomes, the pool (not transcription) limits
# its translation: its free o-ribosomes stay as scarce as the host's free ribosomes, and
# the pool keeps its share of ribosomes when other pools change (measured: within 3% at
# 10, short by 13% at 1, tests/test_isolation.py).
MRNA_EXCESS = 10.0


@dataclass(frozen=True)
class ReferenceState:
    free_ribosomes: float
    elongation: float      # γ, aa/min
    growth_rate: float     # λ, 1/min
    translating: float     # host ribosomes on transcripts
    saturation: float      # a/(θ + a) of guest transcription
    k_b: float
    k_u: float
    mrna_decay: float


def reference_state(design: Design) -> ReferenceState:
    p, state = design.host_parameters(), design.chassis.steady_state
    needed = ("energy", "ribosome")
    if any(k not in state for k in needed):
        raise CompileError(f"chassis '{design.chassis.name}' has no steady_state, which sizing "
                           "guests needs", hint="run `bioxen chassis steady-state NAME` and paste it")
    a = state["energy"]
    gamma = p["gmax"] * a / (p["K_gamma"] + a)
    translating = sum(v for k, v in state.items() if k.endswith("__ribosome"))
    guest = design.chassis.guest
    saturation = a / (guest["transcription_threshold"].value + a)
    return ReferenceState(state["ribosome"], gamma, gamma * translating / p["M"], translating, saturation,
                          p["k_b"], p["k_u"], design.chassis.guest["mrna_decay"].value)


def _vm_reference(ref: ReferenceState, vm: GuestVM) -> ReferenceState:
    """The reference state as the VM's genes see it: their elongation speed and mRNA decay."""
    return replace(ref, elongation=ref.elongation * (vm.elongation_factor or 1.0), mrna_decay=vm.mrna_decay)


def _with_kinetics(design: Design, vm: GuestVM) -> GuestVM:
    """The VM with its decay rates and elongation factor (its policy kinetics, else the chassis's)."""
    guest, kinetics = design.chassis.guest, vm.kinetics
    speed = kinetics.translation_aa_per_s
    return replace(vm, mrna_decay=_decay(kinetics.mrna_half_life, guest["mrna_decay"].value),
                   protein_decay=_decay(kinetics.protein_half_life, guest["protein_decay"].value),
                   elongation_factor=None if speed is None else speed * 60 / design.host_parameters()["gmax"])


def _decay(half_life: float | None, default: float) -> float:
    """ln 2 / half-life (1/min), or the default when no half-life is given."""
    return default if half_life is None else math.log(2) / half_life


def _transcription_factor(design: Design, vm: GuestVM) -> float:
    """The VM's RNA polymerase speed relative to the chassis's guest transcription elongation."""
    speed = vm.kinetics.transcription_nt_per_s
    if speed is None:
        return 1.0
    reference = design.chassis.guest.get("transcription_elongation")
    if reference is None:
        raise CompileError(f"VM '{vm.id}': kinetics.transcription_nt_per_s needs the guest quantity "
                           f"'transcription_elongation' in chassis '{design.chassis.name}'", vm.location)
    return speed / reference.value


def _bound_per_transcription(ref: ReferenceState, strength: float, length: float) -> float:
    """Ribosome-bound transcripts per unit of transcription (min) at the reference state."""
    lam = ref.growth_rate
    k = ref.k_b * strength * ref.free_ribosomes / (ref.k_u + ref.elongation / length + lam)
    return k / (lam + ref.mrna_decay + lam * k)


def _gene_weights(vm: GuestVM) -> tuple[dict[str, float], dict[str, float]]:
    rows = vm.table.by_locus_tag() if vm.table else {}
    if rows and not any(g.locus_tag in rows for g in vm.genome.genes):
        raise CompileError(f"VM '{vm.id}': expression table {vm.table.source} names none of the "
                           f"genome's locus tags (e.g. {vm.genome.genes[0].locus_tag})", vm.location,
                           hint="is this the table for another genome?")
    weights, strengths = {}, {}
    for gene in vm.genome.genes:
        row = rows.get(gene.locus_tag)
        if row is None:
            continue
        if row.mrna_count:
            weights[gene.locus_tag] = row.mrna_count
        elif row.protein_count and gene.protein_length:
            weights[gene.locus_tag] = row.protein_count * gene.protein_length
        if row.mrna_count and row.protein_count and gene.protein_length:
            strengths[gene.locus_tag] = row.protein_count / row.mrna_count * gene.protein_length
    if strengths:
        log_mean = statistics.fmean(math.log(v) for v in strengths.values())
        low, high = STRENGTH_RANGE
        strengths = {k: min(max(v / math.exp(log_mean), low), high) for k, v in strengths.items()}
    fill = statistics.median(weights.values()) if weights else 1.0
    return {g.locus_tag: weights.get(g.locus_tag, fill) for g in vm.genome.genes}, strengths


def _lump(unit: ExpressionUnit, total: float, ref: ReferenceState | None) -> ExpressionUnit:
    w_max = [total * f for f in unit.weights]
    if len(w_max) == 1 or not unit.coding:
        return replace(unit, max_transcription=sum(w_max), length=float(unit.lengths[0]) if unit.coding else 0.0,
                       initiation_strength=unit.strengths[0] if unit.coding else 1.0)
    lam, d = ref.growth_rate, ref.mrna_decay
    w = [wi * ref.saturation for wi in w_max]
    bound = [wi * _bound_per_transcription(ref, e, n) for wi, e, n in zip(w, unit.strengths, unit.lengths)]
    made = sum(c / n for c, n in zip(bound, unit.lengths))
    k_eff = sum(bound) * (lam + d) / (sum(w) - sum(bound) * lam)
    n_eff = sum(bound) / made
    e_eff = k_eff * (ref.k_u + ref.elongation / n_eff + lam) / (ref.k_b * ref.free_ribosomes)
    return replace(unit, max_transcription=sum(w_max), length=n_eff, initiation_strength=e_eff)


def parameterize(design: Design) -> Design:
    if not design.vms:
        return design
    ref = reference_state(design)
    free_share = 1 - sum(vm.ribosome_share for vm in design.vms)
    sizing = pool_sizing(design)
    orrna = pool_transcription({vm.id: vm.ribosome_share for vm in design.vms if vm.id in sizing.pools},
                               sizing.host_rrna, sizing.saturation)
    vms = []
    for vm in design.vms:
        vm = _with_kinetics(design, vm)
        own = _vm_reference(ref, vm)
        weights, strengths = _gene_weights(vm)
        native, on_target = unrefactorable(vm.genome), _on_target(design, vm)
        lengths = built_lengths(vm, native)
        units = [replace(u, weights=tuple(weights[t] for t in u.locus_tags),
                         strengths=tuple(strengths.get(t, 1.0) * (1.0 if t in native else on_target)
                                         for t in u.locus_tags),
                         lengths=tuple(lengths[t] for t in u.locus_tags) if u.coding else ())
                 for u in vm.units]
        bound_per_weight = sum(f * _bound_per_transcription(own, e, n) for u in units if u.coding
                               for f, e, n in zip(u.weights, u.strengths, u.lengths))
        target = vm.ribosome_share / free_share * ref.translating
        total = target / (bound_per_weight * ref.saturation) if bound_per_weight > 0 else 0.0
        if vm.pool == "orthogonal":
            total *= MRNA_EXCESS
            units = _without_excess(units, native)
        units = [_lump(unit, total, own) for unit in _scaled_weights(units, dict(vm.expression))]
        units = _faster_transcription(units, _transcription_factor(design, vm))
        srna = value(design.parts.srna["excess"]) * sum(u.max_transcription for u in units
                                                        if u.coding and not set(u.locus_tags) <= set(native))
        gate, antigate = gate_transcription(design, vm, units, ref)
        vms.append(replace(vm, units=tuple(units), orrna_transcription=orrna.get(vm.id, 0.0),
                           srna_transcription=srna, gate_transcription=gate, antigate_transcription=antigate))
    return replace(design, vms=tuple(vms), pool_sizing=sizing)


def gate_transcription(design: Design, vm: GuestVM, units: list[ExpressionUnit],
                       ref: ReferenceState) -> tuple[float, float]:
    """(induced gate, constitutive anti-gate) transcription of the VM's ribosome gate, molecules/min
    at saturating energy: (``excess`` + ``antigate``) and ``antigate`` times w_1, the transcription
    whose free RNA binds free o-ribosomes as fast as the VM's free mRNAs do at the reference state
    (free RNAs: transcribed over decay and dilution; the gate binds at k_b·s, an mRNA at k_b·e_u).
    (0, 0) for a VM on host ribosomes, which has no pool to hold."""
    if vm.pool != "orthogonal":
        return 0.0, 0.0
    q, native = design.parts.ribosome_gate, set(unrefactorable(vm.genome))
    load = sum(u.initiation_strength * u.max_transcription for u in units
               if u.coding and not set(u.locus_tags) <= native) / (vm.mrna_decay + ref.growth_rate)
    w_1 = (value(q["decay"]) + ref.growth_rate) * load / gate_strength(design, vm)
    return (value(q["excess"]) + value(q["antigate"])) * w_1, value(q["antigate"]) * w_1


def _without_excess(units: list[ExpressionUnit], native: dict[str, str]) -> list[ExpressionUnit]:
    """The units with a native CDS's weight divided by MRNA_EXCESS: host ribosomes read it, so it
    takes no orthogonal pool's excess (select_genes gives each native CDS a unit of its own)."""
    return [replace(u, weights=tuple(w / MRNA_EXCESS for w in u.weights))
            if u.coding and set(u.locus_tags) <= set(native) else u for u in units]


def built_lengths(vm: GuestVM, native: dict[str, str]) -> dict[str, int]:
    """Locus tag -> protein length (aa) as the VM image builds it, for every CDS of the VM: a
    refactored one's mature codons before its stop plus the VM's degron; a native one's own."""
    tag = len(vm.parts.tag) if vm.parts is not None else 0
    return {g.locus_tag: (g.protein_length or 1) if g.locus_tag in native else _made(g) + tag
            for g in vm.genome.genes if g.is_coding}


def _made(gene) -> int:
    """Amino acids a refactorable CDS makes: to its first stop (its mature codons before the stop;
    select_genes refuses a compiled CDS with an in-frame stop or none at its end)."""
    return gene.protein_length if gene.protein_length is not None else gene.spliced_length // 3 - 1


def _scaled_weights(units: list[ExpressionUnit], factors: dict[str, float]) -> list[ExpressionUnit]:
    """The units with each member's relative transcription times its expression factor."""
    if not factors:
        return units
    return [replace(u, weights=tuple(w * factors.get(t, 1.0) for t, w in zip(u.locus_tags, u.weights)))
            for u in units]


def _faster_transcription(units: list[ExpressionUnit], factor: float) -> list[ExpressionUnit]:
    """The units with their max_transcription times the VM's RNA polymerase speed factor."""
    if factor == 1.0:
        return units
    return [replace(u, max_transcription=u.max_transcription * factor) for u in units]


def _on_target(design: Design, vm: GuestVM) -> float:
    """Initiation strength of the VM's SD on its own pool, relative to host SD on host ribosomes."""
    if design.crosstalk is None or vm.parts is None:
        return 1.0
    k = design.crosstalk.pools.index(vm.parts.pool)
    return design.crosstalk.strength[k][k]


def gate_strength(design: Design, vm: GuestVM) -> float:
    """Initiation strength of a VM's gate RNA on its own pool, relative to host SD on host ribosomes:
    the gate carries the pool's o-SD unstructured, so it binds as the SD's duplex alone gives (Salis
    et al. 2009: an unstructured SD pays no unfolding), exp(BETA F) times the VM's mRNAs, whose
    UTR sequesters the same SD in a hairpin costing F (:func:`bioxen.rna.unfolding_cost`)."""
    from bioxen.rna import unfolding_cost

    strength = _on_target(design, vm)
    if design.crosstalk is None or vm.parts is None:
        return strength
    return strength * math.exp(design.crosstalk.beta * unfolding_cost(vm.parts.utr, vm.parts.sd))


def pool_sizing(design: Design) -> PoolSizing:
    """What sizes the orthogonal pools (:class:`bioxen.pools.PoolSizing`): each
    orthogonal VM's pool, and the host rRNA's transcription and the o-rRNA promoter's
    saturation at the chassis reference energy. The back end resizes pools with it."""
    pools = {vm.id: vm.parts.pool for vm in design.vms if vm.pool == "orthogonal"}
    if not pools:
        return PoolSizing({}, 0.0, 1.0)
    p, threshold = design.host_parameters(), value(design.parts.orthogonal_ribosomes["orrna_threshold"])
    a = design.chassis.steady_state["energy"]
    return PoolSizing(pools, p["w_rR"] * a / (p["theta_rR"] + a), a / (threshold + a))
