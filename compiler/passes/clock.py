"""Pass: design the round-robin ring oscillator that keeps the front end's schedule (:mod:`bioxen.ring`).

Round robin is scheduled in one place, :func:`bioxen.frontend.round_robin` (the turns, the
external clock's commands, the ring's nodes); this pass designs the internal clock's genes.

The ring's genes are made by host ribosomes, sized in the cell the guests burden (the
chassis reference state, its growth and free ribosomes cut by the guests' ribosome shares,
:func:`loaded_host`). Each node is the Cello repressor that the ``wiring`` pass assigned to
its gene (:attr:`bioxen.ir.Design.wiring`, :func:`bioxen.ring.node_gene`;
:mod:`bioxen.cello`): its Hill coefficient n and its promoter's leak (ymin/ymax) are Cello's,
measured on the repressor's own promoter (the next node's), in the DNA and in the model; its
VMs' gate promoters carry two of its operators (h = 2n, a design assumption). The
half-repression constant K stays the parts library's (molecules per cell): Cello gives K only in
RPU of the gate's input promoter, not in repressor molecules. Without a wiring (a design before
the wiring pass, or without isolation parts) every node is the parts library's repressor (``clock``).

Designed here (BioXen's choices, each a DNA part): each node's RBS, so that a Cello ring's
steady state sits where each promoter answers most steeply (:func:`bioxen.ring.steepest_levels`;
the library's ring makes ``proteins_per_transcript`` at every node); the repressors' common
degron, so that the period is nodes × quantum; each VM's gate promoter's operator strength
(K_g), so that the VMs get equal ribosome time over the ring's cycle
(:func:`bioxen.ring.fair_gate_thresholds`), each for its VM's gate kind (:func:`_openings`) and for
how far its commands' promoters close its gate at rest (:func:`resting_closures`).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from bioxen.cello import load_cello
from bioxen.errors import CompileError
from bioxen.ir import Design, RingNode, gates_of
from bioxen.passes.parameterize import reference_state
from bioxen.quantity import Quantity, value
from bioxen.ring import (RingKinetics, design_ring, fair_gate_thresholds, limit_cycle, node_gene,
                         ribosomes_for_yield, steepest_gain, steepest_levels)

PARAMETERS = ("parts.clock.mrna_decay", "parts.clock.proteins_per_transcript", "parts.clock.length",
              "parts.clock.max_transcription", "parts.clock.leak", "parts.clock.repression_K", "parts.clock.hill",
              "parts.clock.gate_hill", "parts.srna.excess", "parts.ribosome_gate.excess",
              "parts.ribosome_gate.antigate")
GATE_OPERATORS = 2      # operators of its node's repressor on a VM's gate promoter
# Free host ribosomes and growth under guests holding Σ of the ribosomes, per the chassis's
# (ecoli_mg1655), measured in whole-cell runs of three synthetic VMs on the internal clock as sized
# before issue 20 (free ribosomes cut by (1 - Σ)^2, unslowed growth): at Σ = 0.30, 0.45, 0.60 free
# ribosomes 0.26, 0.14, 0.066 and growth 0.70, 0.56, 0.41 of the chassis's (three Syn3A VMs at
# Σ = 0.45: 0.14 and 0.55). Growth follows 1 - Σ; free ribosomes (1 - Σ)^3.3 within 30%. The ring
# sized here makes more repressor and runs its VMs longer, which lowers both again (at Σ = 0.45:
# 0.10 and 0.48), so the period still runs short of the design (three VMs: 5-7% on a ring of
# QacR, SrpR and BM3R1, 7-12% on the parts library's).
FREE_RIBOSOME_EXPONENT = 3.3
# The gates' thresholds are designed over a band of operating points below that estimate
# (bioxen.ring.fair_gate_thresholds): ribosomes bound per ring mRNA from the estimate down to half of
# it, growth falling with them to GROWTH_AT_HALF_LOADING of the estimate. Measured on three Syn3A
# VMs whose ring is PhlF, SrpR, HlyIIR (issue 20): the repressors swing to 0.61 of the design and
# growth is 0.84 of the estimate, the reduced ring at 0.6 of the loading reproducing both swings.
LOADING_BAND = (1.0, 0.85, 0.7, 0.6, 0.5)
GROWTH_AT_HALF_LOADING = 0.8


def node_constants(design: Design) -> tuple[tuple[str, Quantity, Quantity, Quantity], ...]:
    """(Cello repressor or "", Hill n on its promoter, the promoter's leak, gate promoter's h) of
    each ring node, node 0 first: the wired Cello repressors', else the parts library's."""
    q, nodes = design.parts.clock, design.clock.nodes
    wired = [design.wiring.repressor_of(node_gene(i)) for i in range(nodes)] if design.wiring else []
    if not any(wired):
        return tuple(("", q["hill"], q["leak"], q["gate_hill"]) for _ in range(nodes))
    if not all(wired) or len(set(wired)) < nodes:
        raise CompileError(f"the ring clock needs {nodes} distinct repressors, one per node; the wiring gives "
                           + ", ".join(f"{node_gene(i)}: {r or 'none'}" for i, r in enumerate(wired)),
                           hint="a repressor on two nodes would repress both nodes' targets: it is no ring")
    library = load_cello()
    unknown = [r for r in wired if r not in library.repressors]
    if unknown:
        raise CompileError(f"the wiring assigns ring node(s) the repressor(s) {', '.join(unknown)}, which the "
                           f"Cello parts lack (known: {', '.join(library.repressors)})")
    constants = []
    for name in wired:
        part = library.repressors[name]
        r = part.response
        measured = f"{part.source}, on its own promoter {part.promoter.name}"
        constants.append((name,
                          Quantity(r.n, "dimensionless", f"V: Hill n of {measured}"),
                          Quantity(r.ymin / r.ymax, "dimensionless",
                                   f"V: ymin/ymax = {r.ymin:.4g}/{r.ymax:.4g} RPU of {measured}"),
                          Quantity(GATE_OPERATORS * r.n, "dimensionless",
                                   f"A: the gate promoter carries {GATE_OPERATORS} {name} operators (cooperative "
                                   f"repression, h = {GATE_OPERATORS} x n = {GATE_OPERATORS} x {r.n:.3g} of Cello "
                                   f"gate {part.gate})")))
    return tuple(constants)


def loaded_host(design: Design) -> tuple[float, float]:
    """(free host ribosomes, growth rate /min) of the chassis with the guests holding their shares:
    the host grows about as its share, and its free ribosomes fall faster, as the share to the
    power FREE_RIBOSOME_EXPONENT (both measured in the whole cell, see the constant). Genes sized
    for where they run (the ring, the command decoder's gates) are sized at this state."""
    ref = reference_state(design)
    host_share = 1 - sum(vm.ribosome_share for vm in design.vms)
    return ref.free_ribosomes * host_share ** FREE_RIBOSOME_EXPONENT, ref.growth_rate * host_share


def _kinetics(design: Design, constants) -> RingKinetics:
    """The ring genes' reduced kinetics at the loaded operating point. The parts library's ring
    makes ``proteins_per_transcript`` per transcript at every node; a ring of Cello repressors
    gives each node the RBS that holds the ring where each promoter answers most steeply
    (:func:`bioxen.ring.steepest_levels`): Cello's repressors differ in n and leak, and the
    shallow, leaky ones a wiring may leave the ring (AmeR: n 1.3, ε 0.056) oscillate only near there
    (:func:`bioxen.ring.design_ring` tries a few multiples of those levels for the period)."""
    ref, q = reference_state(design), {k: value(v) for k, v in design.parts.clock.items()}
    _, lam = loaded_host(design)         # the ring is sized at the burdened state, where it runs
    decay, yield_ = q["mrna_decay"], q["proteins_per_transcript"]
    per_ribosome = ref.elongation / q["length"]
    try:
        bound = float(ribosomes_for_yield(yield_, decay, per_ribosome, lam))
    except ValueError:
        raise CompileError(f"the chassis cannot make {yield_:g} ring repressors per transcript "
                           f"(elongation {ref.elongation:g} aa/min, growth {lam:g} /min)") from None
    saturation = ref.saturation  # the ring's promoters sense energy like guest promoters
    kinetics = RingKinetics(q["max_transcription"] * saturation, tuple(value(c[2]) for c in constants),
                            q["repression_K"], tuple(value(c[1]) for c in constants), decay, bound, per_ribosome, lam)
    if any(c[0] for c in constants):
        kinetics = replace(kinetics, level=tuple(float(x) for x in steepest_levels(kinetics, len(constants))))
    return kinetics


def _strengths(design: Design, bound: np.ndarray) -> np.ndarray:
    """The RBS strength (relative to an average host RBS) that binds ``bound`` ribosomes per free
    ring mRNA at the loaded operating point: k = k_b·e·r/(k_u + γ/L + λ), solved for e."""
    ref, (free, lam) = reference_state(design), loaded_host(design)
    per_ribosome = ref.elongation / value(design.parts.clock["length"])
    return bound * (ref.k_u + per_ribosome + lam) / (ref.k_b * free)


def operating_band(kinetics: RingKinetics) -> list[RingKinetics]:
    """The ring's kinetics at the operating points its gate thresholds are designed over
    (:data:`LOADING_BAND`), the estimate first."""
    bound = np.asarray(kinetics.bound, dtype=float)
    return [replace(kinetics, bound=float(bound * loading) if bound.ndim == 0 else tuple(bound * loading),
                    growth=kinetics.growth * (1 - 2 * (1 - GROWTH_AT_HALF_LOADING) * (1 - loading)))
            for loading in LOADING_BAND]


# The transcription gate scales the VM's promoters by 1 - closure (its residual aside): the VM runs
# while the closure is below one half (half its transcription).
TRANSCRIPTION_OPENING = 0.5


def _openings(design: Design) -> dict[str, float]:
    """Each VM's closure of its gate below which it runs: the sRNA gate's induced transcription
    (``srna.excess`` times the VM's mRNA transcription) falls below the mRNA's it titrates, at
    1/excess; the ribosome gate's (``excess + antigate`` units) below its anti-gate's (``antigate``
    units), at antigate/(excess + antigate). A VM with both gates runs when both are open; which
    gates a VM has is :func:`bioxen.ir.gates_of`."""
    srna = 1 / value(design.parts.srna["excess"])
    q = design.parts.ribosome_gate
    ribosome = value(q["antigate"]) / (value(q["excess"]) + value(q["antigate"])) if q else srna
    return {vm.id: min(([srna] if gates.srna else []) + ([ribosome] if gates.ribosome else []) +
                       ([TRANSCRIPTION_OPENING] if gates.transcription else []))
            for vm, gates in ((vm, gates_of(design, vm)) for vm in design.vms)}


def gate_opening(design: Design) -> float:
    """The lowest of the VMs' gate openings (:func:`_openings`)."""
    return min(_openings(design).values())


def resting_closures(design: Design) -> dict[str, float]:
    """How far each VM's gate is closed with no command given: its PAUSE's and DESTROY's promoters
    leak (the model closes the gate to 1 - (1 - pause)(1 - destroy)(1 - clock), backend/model.py).
    A command wired straight to a sensor leaks the sensor's ymin/ymax (naringenin's 4.5%); one
    through a decoder gate that gate's OFF over its ON, ymin/ymax of its repressor (the decoder
    holds an OFF gate at its ymin, :data:`bioxen.rules.decoder.DESIGN_MARGIN`). Without a wiring
    the commands' intents are the inducers: nothing leaks here (the gate parts' own leak is alike
    for every VM)."""
    wiring = design.wiring
    closures = {}
    for vm in design.vms:
        open_ = 1.0
        for i in (wiring.input_of(vm.id, c) for c in ("pause", "destroy")) if wiring else ():
            if i is not None:
                part = wiring.part(i.gate) if i.gate else wiring.sensor(i.inducers[0])
                open_ *= 1 - part.ymin / part.ymax
        closures[vm.id] = 1 - open_
    return closures


def _per_vm_node(design: Design, per_vm: dict[str, float], idle: float) -> np.ndarray:
    """A per-VM number laid on the ring's nodes (the node that releases each VM; ``idle`` on a node
    that releases none, the idle turn of an even number of VMs)."""
    clock = design.clock
    out = np.full(clock.nodes, idle)
    for vm, node in zip(clock.turns, clock.node_of):
        out[node] = per_vm[vm]
    return out


def design_clock(design: Design) -> Design:
    clock = design.clock
    if clock is None:
        return design
    # The model's ring is the Cello repressors the wiring names (each node's n and leak, its
    # steepest-point RBS and fair gate threshold). Measured (issue 20, tests/test_scheduler.py, three
    # VMs, ring QacR/SrpR/BM3R1): ribosome-time shares within 1.0/3.0/2.5% of 1/3 at quanta
    # 30/45/60 min (5.8/8.4/7.4% with thresholds blind to the PAUSE sensors' leaks; 4.4/4.0/4.1%
    # with the parts library's alike nodes); two VMs on sRNA gates (tests/test_report.py, ring
    # PhlF/QacR/SrpR) 0.8% over eight whole periods (7.5% with the library's nodes).
    constants = node_constants(design)
    kinetics = _kinetics(design, constants)
    nodes = clock.nodes
    try:
        kinetics, degradation = design_ring(kinetics, nodes, nodes * clock.quantum)
    except ValueError as exc:
        gains = steepest_gain([value(c[2]) for c in constants], [value(c[1]) for c in constants])
        parts = ", ".join(f"{c[0]} (gain {g:.2g})" for c, g in zip(constants, gains) if c[0])
        ring = f" (a ring of {parts})" if parts else ""
        raise CompileError(f"round_robin quantum {clock.quantum:g} min: {exc}{ring}",
                           hint="choose a quantum in the range given, the external clock, or other repressors "
                                "for the ring") from None
    bound = kinetics.ribosomes_bound(nodes, degradation)      # each node's RBS
    cycle = limit_cycle(kinetics, nodes, degradation)
    band = [c for c in (limit_cycle(k, nodes, degradation) for k in operating_band(kinetics)[1:]) if c]
    gate_hill = np.array([value(c[3]) for c in constants])
    opening = _per_vm_node(design, _openings(design), gate_opening(design))
    resting = _per_vm_node(design, resting_closures(design), 0.0)
    thresholds = fair_gate_thresholds([cycle, *band], opening, gate_hill, resting)
    strengths = _strengths(design, bound)
    parts = tuple(RingNode(name, hill, leak, gate_h, float(threshold), float(strength))
                  for (name, hill, leak, gate_h), threshold, strength in zip(constants, thresholds, strengths))
    initial = tuple((float(cycle.mrna[i, 0]), float(cycle.repressor[i, 0])) for i in range(nodes))
    return replace(design, clock=replace(clock, degradation=degradation, initiation_strength=float(strengths[0]),
                                         period=cycle.period, initial=initial, parts=parts,
                                         gate_threshold=float(thresholds[clock.node_of[0]])))
