"""Pass: wire every VM's PAUSE and DESTROY to sourced inducible sensors, and assign repressors.

Each (VM, command) whose genes the hypervisor's DNA carries (PAUSE: the VM's gate RNA; DESTROY:
its protease and pulse repressor) gets its own input from the seven Marionette sensors of Cello's
data (:mod:`bioxen.cello`). CREATE has no actuator DNA: its licence is a model switch.

* When the (VM, command) pairs fit the sensors, each gets one sensor: the tightest sensors (lowest
  leak, ymin/ymax) go to DESTROY first (a leaky protease promoter degrades its VM all the time),
  then PAUSE.
* Otherwise a decoder of Cello NOT/NOR gates reads combinations of sensors. PAUSE stays on single
  sensors where possible (a sustained state toggled often; one combinatorial address cannot hold
  two states at once), the one-shot DESTROY commands are decoded. With p sensors in a pair group
  X, the outputs are the S - p unguarded single sensors, p guarded singles (s_i and no other X
  sensor: NOR(NOT s_i, s_j, ...)) and the C(p, 2) pairs (s_i and s_j: NOR(NOT s_i, NOT s_j)):
  S + C(p, 2) outputs from at most p NOT + p guard NOR + C(p, 2) pair NOR gates (p = 2: eight
  outputs from seven sensors with five gates). Only the gates an assigned output needs are built.
  Two decoded commands given at once are a third codeword: decoded commands are given one at a time.

The decoder is checked by its truth table (:func:`verify`): every codeword fires exactly its own
command (and the commands it is knowingly shared with). Repressors are assigned without reuse:
decoder gates first (each the free repressor with the widest ON/OFF margin at its inputs' steady
states, Cello's response functions), then the ring clock's nodes (the free repressors of steepest
promoter response), each VM's pulse repressor, the pools' feedback controllers and the ATP guard;
never a repressor that regulates a used sensor.
What runs out falls back (shared inducers, a reused repressor) and says so in ``Wiring.notes``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import combinations
from math import comb

from bioxen.cello import CelloLibrary, Repressor, Sensor, cello_files, load_cello, shares_stretch
from bioxen.errors import CompileError
from bioxen.ir import (
    CommandInput,
    DecoderGate,
    Design,
    RepressorPart,
    SensorPart,
    Wiring,
)
from bioxen.quantity import value
from bioxen.ring import node_gene, steepest_gain

WIRED = ("destroy", "pause")   # the commands with actuator DNA, the leak-sensitive one first
# a direct input leaking more than this is named in the notes: measured on three Syn3A VMs, the
# naringenin sensor's 4.5% on a PAUSE cost its VM 4.4% of its translation share (0.319 of 1/3)
LEAK_NOTE = 0.01


# Model gene names of the repressor genes (the passes may not import the rules stage; the rules
# name them by bioxen.rules.pulse.repressor_name, clock.node_gene: tests/test_command_inputs.py
# checks they agree)
def pulse_gene(vm: str) -> str:
    return f"pulse_repressor_protease_{vm}"


def clock_gene(node: int) -> str:
    return node_gene(node)


@dataclass(frozen=True)
class _Gate:
    """A decoder gate before its repressor is chosen: ``inputs`` name sensors or other gates' ids."""

    id: str
    inputs: tuple[tuple[str, str], ...]


def fires(gates, present: frozenset[str]) -> dict[str, bool]:
    """Each gate's Boolean output (NOR of its inputs; NOT has one) with the ``present`` sensors;
    ``gates`` in order, every gate after the gates it reads (ids: ``gate.id`` or ``.repressor``)."""
    out: dict[str, bool] = {}
    for gate in gates:
        high = [name in present if kind == "sensor" else out[name] for kind, name in gate.inputs]
        out[getattr(gate, "id", None) or gate.repressor] = not any(high)
    return out


def decoded(wiring: Wiring, present) -> set[tuple[str, str]]:
    """The (VM, command) pairs that fire when the user adds the ``present`` sensors' inducers."""
    gates = fires(wiring.decoder, frozenset(present))
    return {(i.vm, i.command) for i in wiring.inputs
            if (gates[i.gate] if i.gate else set(i.inducers) <= set(present))}


def verify(wiring: Wiring) -> list[str]:
    """The truth table: for every input's codeword, the commands that fire must be exactly it and
    those it is knowingly shared with; also nothing fires without inducers. Returns the errors."""
    errors = [f"{sorted(decoded(wiring, ()))} fire without any inducer"] if decoded(wiring, ()) else []
    for i in wiring.inputs:
        expected = {(i.vm, i.command), *i.shared_with}
        got = decoded(wiring, i.inducers)
        if got != expected:
            errors.append(f"{'+'.join(i.inducers)} fires {sorted(got)}, expected {sorted(expected)}")
    return errors


def _ranked(sensors: list[Sensor]) -> list[Sensor]:
    """Sensors whose promoter holds no internal repeat first (:attr:`bioxen.cello.Sensor.repeats_itself`:
    PTet's two tet operators, a direct repeat in any DNA that carries it), then tightest (lowest
    leak), then strongest."""
    return sorted(sensors, key=lambda s: (s.repeats_itself, s.leak, -s.ymax))


def _pair_group(sensors: int, needed: int) -> int | None:
    """The smallest pair group p (>= 2) whose S + C(p, 2) outputs cover ``needed``; None if none."""
    return next((p for p in range(2, sensors + 1) if sensors + comb(p, 2) >= needed), None)


LEAK_BUFFER = 0.02   # a DESTROY sensor leaking more than this goes through a buffer (while repressors last)


def _direct(vms, sensors: list[Sensor], buffers: int) -> tuple[dict, list[_Gate]]:
    """One sensor per (VM, command), from the 2 x VMs tightest sensors whose promoter holds no
    internal repeat (:attr:`bioxen.cello.Sensor.repeats_itself`: a repeat in any DNA).

    DESTROY gets the tightest (a leaky protease promoter degrades its VM all the time) and PAUSE,
    a state toggled every turn, the next; a sensor leaking more than :data:`LEAK_BUFFER` (the
    naringenin and cumate sensors, 4.5% and 8%) carries a DESTROY through a buffer of two Cello
    NOT gates (sensor -> NOT -> NOT), whose OFF state is the second gate's ymin (OFF/ON 0.06-0.2%
    for PhlF, SrpR, HlyIIR): DESTROY, one-shot, can wait for the gates (about ln(100)/(decay +
    growth) for the second repressor to clear, rules/decoder.py); PAUSE cannot. At most ``buffers``
    buffers. A directly wired DESTROY sensor is written twice (its protease and its pulse
    repressor, one on each strand), so it should not be palindromic (PTac's lac operator)."""
    ranked = _ranked(sensors)[:2 * len(vms)]
    leaky = [s for s in ranked if s.leak > LEAK_BUFFER][::-1][:min(len(vms), max(0, buffers))]
    rest = [s for s in ranked if s not in leaky]
    direct = sorted(rest, key=lambda s: (s.palindromic, s.leak))[:len(vms) - len(leaky)]
    pauses = [s for s in rest if s not in direct]
    codewords = {(vm, "destroy"): (s.name,) for vm, s in zip(vms, sorted(direct + leaky, key=lambda s: s.leak))}
    codewords.update({(vm, "pause"): (s.name,) for vm, s in zip(vms, pauses)})
    gates = []
    for sensor in sorted(leaky, key=lambda s: s.leak):
        gates += [_Gate(f"not:{sensor.name}", (("sensor", sensor.name),)),
                  _Gate(f"word:{sensor.name}", (("gate", f"not:{sensor.name}"),))]
    return codewords, gates


def _decoder_plan(vms, sensors: list[Sensor], p: int) -> tuple[dict, list[_Gate]]:
    """Codewords and gates for a pair group of p sensors: those of widest dynamic range (a NOT gate
    needs its input's OFF far below its K and its ON far above, and a NOR gate fed by a weak sensor
    cannot hold its output off: with naringenin's 0.22 RPU in the group, a guarded single fired at
    18% beside the pair). The tightest singles carry the spare DESTROYs (a leaky protease promoter
    degrades its VM all the time), the rest PAUSE: with four VMs two PAUSEs fall to the leakiest
    sensors (naringenin 4.5%, cumate 8%), and their VMs hold part of their pool at rest."""
    group = sorted(sensors, key=lambda s: -s.ymax / s.ymin)[:p]
    singles = [s.name for s in sensors if s not in group]          # tightest first
    grouped = [s.name for s in sorted(group, key=lambda s: (s.leak, -s.ymax))]
    pauses, destroys = [(vm, "pause") for vm in vms], [(vm, "destroy") for vm in vms]
    direct = max(0, len(singles) - len(pauses))                     # destroys on spare single sensors
    codewords = {pair: (s,) for pair, s in zip(destroys[:direct] + pauses, singles[:direct] + singles[direct:])}
    decoded_words = [(s,) for s in grouped] + list(combinations(grouped, 2))
    rest = destroys[direct:] + pauses[len(singles) - direct:]        # pauses only when singles run out
    codewords.update(zip(rest, decoded_words))
    used = [w for w in decoded_words if w in codewords.values()]
    nots = [s for s in grouped if any(s in w for w in used)]
    gates = [_Gate(f"not:{s}", (("sensor", s),)) for s in nots]
    for word in used:
        if len(word) == 1:
            others = tuple(("sensor", t) for t in grouped if t != word[0])
            gates.append(_Gate(f"word:{word[0]}", (("gate", f"not:{word[0]}"),) + others))
        else:
            gates.append(_Gate(f"word:{'+'.join(word)}", tuple(("gate", f"not:{s}") for s in word)))
    return codewords, gates


def _levels(gate: _Gate, repressor: Repressor, states, sensors: dict[str, Sensor], rpu: dict) -> list[float]:
    """The gate's output (RPU) in each state (a set of present sensors), Cello's response."""
    out = []
    for k, present in enumerate(states):
        x = sum((sensors[n].ymax if n in present else sensors[n].ymin) if kind == "sensor" else rpu[n][k]
                for kind, n in gate.inputs)
        out.append(repressor.response(x))
    return out


def _assign_gates(gates: list[_Gate], codewords: dict, sensors: dict[str, Sensor],
                  candidates: list[Repressor]) -> tuple[dict[str, Repressor], dict[str, float]]:
    """Each gate's repressor (greedy, in order: the free one with the widest min ON / max OFF
    output over every codeword and the empty state) and that margin."""
    states = [frozenset()] + [frozenset(w) for w in codewords.values()]
    logic = [fires(gates, s) for s in states]
    rpu, chosen, margin = {}, {}, {}
    for gate in gates:
        free = [r for r in candidates if r not in chosen.values()]
        if not free:
            raise CompileError("internal: the decoder ran out of repressors after its count was checked")

        def score(r, gate=gate):
            out = _levels(gate, r, states, sensors, rpu)
            on = [y for y, s in zip(out, logic) if s[gate.id]]
            off = [y for y, s in zip(out, logic) if not s[gate.id]]
            return min(on) / max(off)
        best = max(free, key=score)
        chosen[gate.id], margin[gate.id] = best, score(best)
        rpu[gate.id] = _levels(gate, best, states, sensors, rpu)
    return chosen, margin


def _buffer_margin(sensor: Sensor, first: Repressor, second: Repressor) -> float:
    """ON/OFF at the end of sensor -> NOT (first) -> NOT (second), Cello's steady-state responses."""
    on = second.response(first.response(sensor.ymax))
    off = second.response(first.response(sensor.ymin))
    return on / off


MIN_BUFFER_MARGIN = 300.0   # a buffer's ON/OFF worth having: its OFF at most 0.3% of ON, below the sensors'


def _assign_buffers(gates: list[_Gate], sensors: dict[str, Sensor], candidates: list[Repressor],
                    used: list[Sensor] = ()) -> tuple[dict[str, Repressor], dict[str, float]]:
    """The repressor pair of each buffer (``not:<sensor>`` then ``word:<sensor>``), chosen jointly
    over every way to give the buffers distinct repressors: first the fewest pairs of chosen gates
    whose output promoters share a 16-bp stretch (Cello's PhlF, SrpR, BM3R1, HlyIIR and LmrA
    promoters share a scaffold: each such pair is a repeat in the DNA unless written on opposite
    strands), among choices whose every buffer reaches :data:`MIN_BUFFER_MARGIN` if any does; then
    the widest ON/OFF of the worst buffer (the few tight pairs, PhlF or SrpR last, would otherwise
    all go to the first buffer)."""
    buffered = [g.inputs[0][1] for g in gates if g.id.startswith("not:")]
    names = [r.name for r in candidates]
    by_name = {r.name: r for r in candidates}
    margins = {(n, a.name, b.name): _buffer_margin(sensors[n], a, b)
               for n in buffered for a in candidates for b in candidates if a is not b}
    clash = {(a.name, b.name): a is not b and shares_stretch(a.promoter.dna, b.promoter.dna)
             for a in candidates for b in candidates}
    # a gate's promoter sharing a stretch with a sensor promoter the design writes is a clash too
    alone = {r.name: sum(shares_stretch(r.promoter.dna, s.promoter.dna) for s in used) for r in candidates}
    best: tuple = (-1, -1.0, 0.0)
    best_pick: tuple = ()

    def search(k: int, used: tuple, clashes: int, worst: float, picked: tuple) -> None:
        nonlocal best, best_pick
        if k == len(buffered):
            key = (worst >= MIN_BUFFER_MARGIN, -clashes, worst)
            if key > best:
                best, best_pick = key, picked
            return
        for a in names:
            for b in names:
                if a == b or a in used or b in used:
                    continue
                more = sum(clash[(x, y)] for x in (a, b) for y in used) + clash[(a, b)] + alone[a] + alone[b]
                search(k + 1, used + (a, b), clashes + more, min(worst, margins[(buffered[k], a, b)]),
                       picked + ((a, b),))
    search(0, (), 0, float("inf"), ())
    chosen, margin = {}, {}
    for name, (first, second) in zip(buffered, best_pick):
        chosen[f"not:{name}"], chosen[f"word:{name}"] = by_name[first], by_name[second]
        margin[f"word:{name}"] = margins[(name, first, second)]
    return chosen, margin


def _shared(vms, sensors: list[Sensor]) -> tuple[dict, list[str]]:
    """Fallback when neither sensors nor gates can address every (VM, command): every VM's DESTROY on
    one sensor and every PAUSE on another, never a PAUSE and a DESTROY on one sensor. One inducer
    then fires that command in every VM (CommandInput.shared_with), as the model shows. The two
    sensors are picked as :func:`_direct` picks them: the two tightest whose promoter repeats
    nothing of itself (:func:`_ranked`), DESTROY on the one that is not palindromic (its promoter is
    written before every VM's protease and pulse repressor, on both strands), else the tighter.
    Groups of VMs on different sensors would address fewer VMs at once, but the sensors' unequal
    leaks make unequal shares at rest (measured on eight synthetic VMs: fairness error 11-16% with
    PAUSE in four groups and DESTROY in three, within 5% on one sensor each)."""
    two = _ranked(sensors)[:2]
    destroy = min(two, key=lambda s: (s.palindromic, s.leak))
    pause = next(s for s in two if s is not destroy)
    codewords = {(vm, "pause"): (pause.name,) for vm in vms}
    codewords.update({(vm, "destroy"): (destroy.name,) for vm in vms})
    return codewords, [(f"{2 * len(vms)} (VM, command) pairs exceed what {len(sensors)} sensors and the "
                        f"repressors can address: {pause.inducer} pauses every VM and {destroy.inducer} "
                        "destroys every VM (CommandInput.shared_with)")]


def _other_genes(design: Design) -> list[str]:
    """The model's other repressor genes, in the order they are given repressors: the ring clock's
    nodes first (:func:`_ring_first`), then each VM's pulse repressor, the pools' controllers and
    the ATP guard."""
    genes = [clock_gene(i) for i in range(design.clock.nodes)] if design.clock is not None else []
    if "pulse" in design.parts.protease and value(design.parts.protease["pulse"]) == 1:
        genes += [pulse_gene(vm.id) for vm in design.vms]
    genes += sorted({f"controller_{vm.parts.pool}" for vm in design.vms if vm.controller and vm.pool == "orthogonal"})
    if design.atp_guard is not None:
        genes.append("atp_guard")
    return genes


def _ring_first(free: list[Repressor], nodes: int) -> list[Repressor]:
    """``free`` (widest dynamic range first) with the ``nodes`` repressors of greatest steepest-point
    gain (:func:`bioxen.ring.steepest_gain`) moved to the front, for the ring clock: a ring oscillates
    only if the product of its nodes' gains is large enough, and the pulse repressors, behind a
    sensor or gate, need only range. Left the widest-range leftovers (QacR, AmtR, AmeR: gains 3.6,
    1.3, 0.8), the ring of three Syn3A-sized VMs reached quanta of 14-33 min only."""
    ring = sorted(free, key=lambda r: -float(steepest_gain(r.response.ymin / r.response.ymax, r.response.n)))
    return ring[:nodes] + [r for r in free if r not in ring[:nodes]]


def _plan(design: Design, library: CelloLibrary):
    """(codewords, gates, {gate id: repressor}, margins, notes)."""
    vms, sensors = [vm.id for vm in design.vms], library.sensors_by_quality()
    needed = len(WIRED) * len(vms)
    if needed <= len(sensors):
        candidates = library.gate_repressors()
        buffers = (len(candidates) - len(_other_genes(design))) // 2   # the other genes keep their own
        codewords, gates = _direct(vms, sensors, min(len(vms), buffers))
        used = [s for s in sensors if any(s.name in w for w in codewords.values())]
        chosen, margin = _assign_buffers(gates, {s.name: s for s in sensors}, candidates, used)
        return codewords, gates, chosen, margin, []
    p = _pair_group(len(sensors), needed)
    if p is not None:
        codewords, gates = _decoder_plan(vms, sensors, p)
        used = [s for s in sensors if any(s.name in w for w in codewords.values())]
        candidates = library.gate_repressors(used)
        if len(gates) + len(vms) <= len(candidates):   # the decoder and every VM's pulse repressor
            by_name = {s.name: s for s in sensors}
            chosen, margin = _assign_gates(gates, codewords, by_name, candidates)
            return codewords, gates, chosen, margin, []
        note = (f"a decoder for {needed} inputs needs {len(gates)} gates plus {len(vms)} pulse repressors, "
                f"more than the {len(candidates)} usable repressors")
    else:
        note = f"{needed} inputs exceed what {len(sensors)} sensors can address with pairs"
    codewords, notes = _shared(vms, sensors)
    return codewords, [], {}, {}, [note + ": no decoder", *notes]


def _parts(repressor: Repressor) -> RepressorPart:
    r = repressor.response
    return RepressorPart(repressor.name, r.ymax, r.ymin, r.K, r.n, len(repressor.cds.dna) / 3 - 1,
                         repressor.promoter.name, repressor.source)


def _sensor_part(sensor: Sensor) -> SensorPart:
    return SensorPart(sensor.name, sensor.inducer, sensor.promoter.name, sensor.ymin, sensor.ymax, sensor.source)


def _repressors(design: Design, library: CelloLibrary, used: list[Sensor], taken: list[str]):
    """(gene, repressor) for the model's other repressor genes, after the decoder's ``taken``."""
    free = [r for r in sorted(library.gate_repressors(used), key=lambda r: -r.response.dynamic_range)
            if r.name not in taken]
    if design.clock is not None:
        free = _ring_first(free, design.clock.nodes)
    genes, notes, assigned = _other_genes(design), [], []
    pool = list(library.gate_repressors(used))
    for k, gene in enumerate(genes):
        if k < len(free):
            assigned.append((gene, free[k]))
        else:
            reused = pool[(k - len(free)) % len(pool)]
            assigned.append((gene, reused))
            notes.append(f"{gene} reuses {reused.name} (no free repressor left); the model keeps the genes "
                         "apart, so it does not show their cross-repression")
    return assigned, notes


def wire_commands(design: Design) -> Design:
    """The design with its :class:`~bioxen.ir.Wiring` (none without VMs or isolation parts)."""
    if not design.vms or design.parts is None or any(vm.parts is None for vm in design.vms):
        return design
    if not design.chassis.hardware.has("commands", "marionette_sensors"):
        return design     # the chassis takes commands on inducible promoters (bioxen.hardware)
    if not cello_files():     # no Cello data: today's stand-ins, and a warning (backend/isolation.py)
        return design
    library = load_cello()
    codewords, gates, chosen, margin, notes = _plan(design, library)
    used = [s for s in library.sensors.values() if any(s.name in w for w in codewords.values())]
    ids = {g.id: chosen[g.id].name for g in gates}
    decoder = tuple(DecoderGate(ids[g.id], tuple((k, ids[n] if k == "gate" else n) for k, n in g.inputs))
                    for g in gates)
    inputs = []
    for (vm, command), word in codewords.items():
        gate = ids.get(f"word:{'+'.join(word)}") if gates else None
        promoter = chosen[f"word:{'+'.join(word)}"].promoter.name if gate else library.sensors[word[0]].promoter.name
        shared = tuple(k for k, w in codewords.items() if w == word and k != (vm, command))
        inputs.append(CommandInput(vm, command, word, promoter, gate, shared))
    others, reuse_notes = _repressors(design, library, used, list(ids.values()))
    # (CREATE_VM has no actuator DNA: its transcription licence is a model switch, docs/dna.md)
    notes = [*notes, *reuse_notes]
    notes += [f"decoder gate {ids[g]} ON/OFF only {m:.3g} at steady state (Cello responses)"
              for g, m in margin.items() if m < MIN_BUFFER_MARGIN / 3]
    notes += [f"{i.vm} {i.command}: {library.sensors[i.inducers[0]].inducer} sensor leaks "
              f"{library.sensors[i.inducers[0]].leak:.1%} (ymin/ymax), its actuator runs at that level uninduced"
              for i in inputs if not i.gate and library.sensors[i.inducers[0]].leak > LEAK_NOTE]
    if decoder:
        notes.append("decoded commands are one-shot and given one at a time: two together form another codeword")
    parts = {r.name: _parts(r) for r in [*chosen.values(), *(r for _, r in others)]}
    wiring = Wiring(tuple(sorted(inputs, key=lambda i: (i.vm, i.command))), decoder,
                    tuple((f"decoder_{d.repressor}", d.repressor) for d in decoder) +
                    tuple((gene, r.name) for gene, r in others),
                    tuple(notes), tuple(_sensor_part(s) for s in used), tuple(parts.values()))
    errors = verify(wiring)
    if errors:
        raise CompileError("the command decoder's truth table fails: " + "; ".join(errors))
    return replace(design, wiring=wiring)
