"""Pass: design the round-robin ring oscillator that keeps the front end's schedule (:mod:`bioxen.ring`).

Round robin is scheduled in one place, :func:`bioxen.frontend.round_robin` (the turns, the
external clock's commands, the ring's nodes); this pass designs the internal clock's genes.

The ring's genes are made by host ribosomes; their RBS is set so that each
transcript yields the parts library's ``proteins_per_transcript`` at the chassis
reference state, and their degron so that the ring's period is nodes × quantum.
"""
from __future__ import annotations

from dataclasses import replace

from bioxen.errors import CompileError
from bioxen.ir import Design, gates_of
from bioxen.passes.parameterize import reference_state
from bioxen.ring import RingKinetics, design_degradation, gate_threshold, limit_cycle
from bioxen.quantity import value

PARAMETERS = ("parts.clock.mrna_decay", "parts.clock.proteins_per_transcript", "parts.clock.length",
              "parts.clock.max_transcription", "parts.clock.leak", "parts.clock.repression_K", "parts.clock.hill",
              "parts.clock.gate_hill", "parts.srna.excess", "parts.ribosome_gate.excess",
              "parts.ribosome_gate.antigate")


def _kinetics(design: Design) -> tuple[RingKinetics, float]:
    """The ring genes' reduced kinetics, and the RBS strength that gives them."""
    ref, q = reference_state(design), {k: value(v) for k, v in design.parts.clock.items()}
    # The guests take their shares of the ribosomes, and their burden slows growth, which cuts
    # the ribosome content further: free host ribosomes fall about as (1 - Σ shares)^2 (measured
    # 0.41 and 0.28 of the chassis value at Σ = 0.45 and 0.6, against 0.30 and 0.16). Erring
    # low keeps the gates' thresholds within the repressors' real swing.
    free = ref.free_ribosomes * (1 - sum(vm.ribosome_share for vm in design.vms)) ** 2
    lam, decay, yield_ = ref.growth_rate, q["mrna_decay"], q["proteins_per_transcript"]
    per_ribosome = ref.elongation / q["length"]
    if per_ribosome <= yield_ * lam:
        raise CompileError(f"the chassis cannot make {yield_:g} ring repressors per transcript "
                           f"(elongation {ref.elongation:g} aa/min, growth {lam:g} /min)")
    # proteins per transcript = k·γ/L / (d_m + λ(1 + k)), solved for k (ribosomes per free mRNA)
    bound = yield_ * (decay + lam) / (per_ribosome - yield_ * lam)
    strength = bound * (ref.k_u + per_ribosome + lam) / (ref.k_b * free)
    saturation = ref.saturation  # the ring's promoters sense energy like guest promoters
    kinetics = RingKinetics(q["max_transcription"] * saturation, q["leak"], q["repression_K"], q["hill"],
                            decay, bound, per_ribosome, lam)
    return kinetics, strength


def gate_opening(design: Design) -> float:
    """The clock's closure of a VM's gate below which the VM runs: the sRNA gate's induced
    transcription (``srna.excess`` times the VM's mRNA transcription) falls below the mRNA's it
    titrates, at 1/excess; the ribosome gate's (``excess + antigate`` units) below its anti-gate's
    (``antigate`` units), at antigate/(excess + antigate). A VM with both gates runs when both are
    open; which gates a VM has is :func:`bioxen.ir.gates_of`. The ring has one gate threshold: the
    VMs' lowest opening."""
    srna = 1 / value(design.parts.srna["excess"])
    q = design.parts.ribosome_gate
    ribosome = value(q["antigate"]) / (value(q["excess"]) + value(q["antigate"])) if q else srna
    return min(min(([srna] if gates.srna else []) + ([ribosome] if gates.ribosome else []))
               for gates in (gates_of(design, vm) for vm in design.vms))


def design_clock(design: Design) -> Design:
    clock = design.clock
    if clock is None:
        return design
    kinetics, strength = _kinetics(design)
    nodes = clock.nodes
    try:
        degradation = design_degradation(kinetics, nodes, nodes * clock.quantum)
    except ValueError as exc:
        raise CompileError(f"round_robin quantum {clock.quantum:g} min: {exc}",
                           hint="choose a quantum in the range given, or the external clock") from None
    cycle = limit_cycle(kinetics, nodes, degradation)
    threshold = gate_threshold(cycle, nodes, gate_opening(design), value(design.parts.clock["gate_hill"]))
    initial = tuple((float(cycle.mrna[i, 0]), float(cycle.repressor[i, 0])) for i in range(nodes))
    return replace(design, clock=replace(
        clock, degradation=degradation, initiation_strength=strength, gate_threshold=threshold,
        period=cycle.period, initial=initial))
