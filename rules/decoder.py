"""Command inputs in the cell: the user's inducers, the sensors they switch and the decoder's gates.

The ``command_<cmd>_<vm>`` parameters stay the user's intents (0 absent, 1 given; events, the
runtime and BNGL actions set them, :mod:`bioxen.commands`). The ``wire_commands`` pass
(:mod:`bioxen.passes.wiring`) says which Marionette sensors each intent adds inducer to and which
promoter fires the command's genes. Dimensionless levels unless stated; RPU: Cello's relative
promoter units; molecules per cell and minutes::

    L_s   = 1 - Π_(intents I addressing s) (1 - I)        sensor s's inducer (OR, exact for 0/1)
    x_s   = y_min,s + (y_max,s - y_min,s)·L_s              its promoter's output (RPU)
    direct actuator:  activity = ε_s + (1 - ε_s)·L_s       ε_s = y_min,s / y_max,s (measured leak)

A decoder gate is a Cello repressor gene on host ribosomes (:func:`bioxen.rules.expression.gene`,
so its burden is simulated) behind its input promoters in tandem, their RPU summed::

    ∅ → m_g        at  c·a/(θ + a)·Σ x_in                  (c: transcripts/min per RPU)
    m_g ⇌ m_g:R → m_g + R + P_g                              (as every host gene)
    P_g → ∅        at  δ_g                                   (a degron, besides dilution)
    x_g = y_min,g + (y_max,g - y_min,g)/(1 + (P_g/K_g)^n_g)  (Cello's response, n_g Cello's)
    decoded actuator: activity = x_g / y_max,g

K_g in molecules is Cello's K (RPU) times the gate's own steady-state repressor per RPU of input
in the cell the guests load (:func:`bioxen.passes.clock.loaded_host`: host growth and free
ribosomes under the guests' shares), ``c·s·y/(λ + δ_g)`` (s the promoters' energy saturation, y the
proteins one transcript yields, :func:`bioxen.rules.pulse.proteins_per_transcript`): at that state
the gate reproduces Cello's measured transfer function whatever c is; c sets its burden and noise.
Each command's logical level (``command_fired_<cmd>_<vm>``: the decoder's NOT/NOR as 1 - x and
products, exact for 0/1 levels) drives what is a model switch, not DNA (the transcription licence).
"""
from __future__ import annotations

from dataclasses import dataclass

from bioxen.ir import Design, Wiring
from bioxen.passes.wiring import WIRED
from bioxen.quantity import Quantity
from bioxen.rules import Builder, control, expression, product, pulse
from bioxen.rules.expression import GeneSpec

PARAMETERS = ("parts.decoder.rpu_transcription", "parts.decoder.repressor_decay")
# A: each gate's K in molecules is set at DESIGN_MARGIN times what Cello's K implies at the loaded
# operating point, i.e. the gate is taken to hold its output OFF with a quarter of the repressor the
# estimate gives (as a stronger RBS would, 4x; the model does not charge that RBS's extra burden), so
# that a cell more loaded than the estimate (fewer free ribosomes, slower growth, as guests grow in)
# still holds each gate's output at its measured OFF: at 1 the buffered DESTROYs of three Syn3A VMs
# leaked more protease as the VMs grew in (vm2's resting protease 30 -> 280 molecules over 7 h).
DESIGN_MARGIN = 0.25


@dataclass(frozen=True)
class CommandSignal:
    """One (VM, command) in the model: its logical level, and its actuators' promoter activity.
    ``wired``: the activity carries its promoter's measured leak (actuators add none of their own)."""

    fired: object
    activity: object
    wired: bool


def gene_name(repressor: str) -> str:
    """``decoder_<repressor>``, the model's gene of one decoder gate."""
    return f"decoder_{repressor}"


def command_signals(b: Builder, design: Design) -> dict[tuple[str, str], CommandSignal]:
    """The PAUSE and DESTROY intents of every VM and, with the design's wiring, its sensors and
    decoder; {(vm, command): signal}. Without wiring each intent is its own signal."""
    intents = {(vm.id, c): control.inducer(b, c, vm.id) for vm in design.vms for c in WIRED}
    wiring = design.wiring
    if wiring is None or {i.vm for i in wiring.inputs} != {vm.id for vm in design.vms}:
        # no wiring, or one of another design's VMs (a design whose VMs were changed after the passes)
        return {key: CommandSignal(i, i, False) for key, i in intents.items()}
    levels = {s.name: b.expression(f"inducer_level_{s.name}",
                                   1 - product(1, *(1 - intents[(i.vm, i.command)] for i in wiring.inputs
                                                    if s.name in i.inducers)), "dimensionless")
              for s in wiring.sensors}
    rpu = {s.name: _sensor(b, s, levels[s.name]) for s in wiring.sensors}
    logic = dict(levels)
    for gate in wiring.decoder:
        logic[gate.repressor] = product(1, *(1 - logic[name] for _, name in gate.inputs))
        rpu[gate.repressor] = _gate(b, design, gate, rpu)
    signals = {}
    for i in wiring.inputs:
        key = f"{i.command}_{i.vm}"
        fired = b.expression(f"command_fired_{key}", logic[i.gate or i.inducers[0]], "dimensionless")
        if i.gate:
            part = wiring.part(i.gate)
            activity = b.expression(f"command_activity_{key}", rpu[i.gate] / part.ymax, "dimensionless")
        else:
            activity = b.model.expressions[f"promoter_activity_{i.inducers[0]}"]
        signals[(i.vm, i.command)] = CommandSignal(fired, activity, True)
    return signals


def _sensor(b: Builder, sensor, level):
    """The sensor's output (RPU) and its promoter activity (``promoter_activity_<sensor>``)."""
    ymin = b.parameter(f"ymin_{sensor.name}", sensor.ymin, "dimensionless", f"RPU: {sensor.source}")
    ymax = b.parameter(f"ymax_{sensor.name}", sensor.ymax, "dimensionless", f"RPU: {sensor.source}")
    control.inducible(b, sensor.name, level, sensor.leak)
    return b.expression(f"output_{sensor.name}", ymin + (ymax - ymin) * level, "dimensionless")   # RPU


def rpu_per_repressor(design: Design, length: float) -> float:
    """Steady-state repressor molecules per RPU of a decoder gate's input in the cell the guests
    load: ``c·s·y/(λ + δ)`` (module doc)."""
    from bioxen.passes.clock import loaded_host
    from bioxen.passes.parameterize import reference_state

    ref, q = reference_state(design), design.parts.decoder
    free, growth = loaded_host(design)     # where the gates run
    made = pulse.proteins_per_transcript(free, ref.k_b, ref.k_u, ref.elongation, length,
                                         design.chassis.guest["mrna_decay"].value, growth)
    return q["rpu_transcription"].value * ref.saturation * made / (growth + q["repressor_decay"].value)


def resting_inputs(wiring: Wiring) -> dict[str, float]:
    """Each decoder gate's input (RPU) at steady state with no command given (Cello responses)."""
    rpu = {s.name: s.ymin for s in wiring.sensors}
    inputs = {}
    for gate in wiring.decoder:
        inputs[gate.repressor] = sum(rpu[name] for _, name in gate.inputs)
        rpu[gate.repressor] = wiring.part(gate.repressor).response(inputs[gate.repressor])
    return inputs


def _gate(b: Builder, design: Design, gate, rpu: dict):
    """One decoder gate's repressor gene; returns its output promoter's activity (RPU). It starts
    at its steady state with no command given (mRNA and repressor)."""
    part, q, guest = design.wiring.part(gate.repressor), design.parts.decoder, design.chassis.guest
    name = gene_name(gate.repressor)
    spec = GeneSpec(name=name, locus_tags=(), max_transcription=q["rpu_transcription"].value,
                    threshold=guest["transcription_threshold"].value, length=part.length,
                    mrna_decay=guest["mrna_decay"].value, protein_decay=q["repressor_decay"].value,
                    product_kind="repressor")
    x_in = b.expression(f"input_{name}", sum(rpu[n] for _, n in gate.inputs), "dimensionless")   # RPU
    made = expression.gene(b, spec, factor=x_in)
    level = b.observable(f"{name}_level", made["protein_pattern"])
    per_rpu = rpu_per_repressor(design, part.length)
    K = b.parameter(f"{name}_K", part.K * per_rpu * DESIGN_MARGIN, "molecules",
                    f"Cello K {part.K:.4g} RPU x {per_rpu:.4g} repressors per RPU x design margin "
                    f"{DESIGN_MARGIN:g} (bioxen.rules.decoder)")
    n = b.parameter(f"{name}_hill", part.n, "dimensionless", part.source)
    ymin = b.parameter(f"{name}_ymin", part.ymin, "dimensionless", f"RPU: {part.source}")
    ymax = b.parameter(f"{name}_ymax", part.ymax, "dimensionless", f"RPU: {part.source}")
    resting = resting_inputs(design.wiring)[gate.repressor]
    _start(b, made, name, resting, per_rpu, design)
    return b.expression(f"output_{name}", ymin + (ymax - ymin) / (1 + (level / K) ** n), "dimensionless")   # RPU


def _start(b: Builder, made: dict, name: str, resting: float, per_rpu: float, design: Design) -> None:
    """A gate's initial repressor and free mRNA at rest (``resting`` RPU of input): its steady
    state in the loaded cell, as :func:`rpu_per_repressor` (mRNA: transcription over
    decay and dilution)."""
    from bioxen.passes.clock import loaded_host
    from bioxen.passes.parameterize import reference_state

    ref, (_, growth) = reference_state(design), loaded_host(design)
    transcription = design.parts.decoder["rpu_transcription"].value * ref.saturation * resting
    b.initial(made["mrna"](rib=None), b.parameter(f"initial_mRNA_{name}", transcription / (ref.mrna_decay + growth),
                                                  "molecules"))
    b.initial(made["protein_pattern"], b.parameter(f"initial_protein_{name}", resting * per_rpu, "molecules"))


def sensed(q: dict[str, Quantity], wired: bool) -> dict[str, Quantity]:
    """A parts section whose promoter ``leak`` the wiring replaces: with a wired command the
    actuator's activity already carries its promoter's measured leak, so the part adds none."""
    if not wired:
        return q
    return {**q, "leak": Quantity(0.0, "dimensionless", "0: the command's promoter activity carries its "
                                  "sensor's or decoder gate's measured leak (bioxen.rules.decoder)")}


def pulse_parts(design: Design, vm: str, wired: bool) -> dict[str, Quantity]:
    """The protease section for a VM's pulse repressor: its Hill n and length from the Cello repressor the
    wiring assigned it (``pulse_repressor_protease_<vm>``), and no leak of its own when wired."""
    q = sensed(design.parts.protease, wired)
    wiring = design.wiring
    repressor = wiring.repressor_of(pulse.repressor_name(f"protease_{vm}")) if wiring else None
    if repressor is None:
        return q
    part = wiring.part(repressor)
    return {**q, "pulse_repressor_hill": Quantity(part.n, "dimensionless", f"Hill n of {part.name}: {part.source}"),
            "pulse_repressor_length": Quantity(part.length, "aa", f"{part.name} CDS: {part.source}")}
