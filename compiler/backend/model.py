"""Back end, first step: a Design becomes a PySB rule-based model.

The whole cell: the host (with its orthogonal ribosome pools), every guest
unit on its pool with its SD and degron states, each VM's gate sRNA and
protease, energy use, and dilution of every species.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from bioxen import rna
from bioxen.backend.shells import vm_shells
from bioxen.backend.transcription import (own_polymerase, polymerase_gene, polymerase_genes, polymerase_pools,
                                          polymerases_of)
from bioxen.commands import MOLECULES_PER_MOLAR
from bioxen.errors import CompileError
from bioxen.genome.layout import unrefactorable
from bioxen.ir import Design, GuestVM, gates_of
from bioxen.names import mangle
from bioxen.passes.genetic_code import AMBER_CODES, host_uga_readthrough
from bioxen.passes.parameterize import gate_strength
from bioxen.roles import Role
from bioxen.rules import (Builder, Quantity, amber, checkpoint, clock, compartment, control, controller, decoder,
                          energy, expression, growth, guard, proteolysis, pulse, ribosome_gate, ribosomes, srna,
                          sum_patterns)
from bioxen.rules.expression import GeneSpec
from bioxen.rules.host import StopReadthrough, weisse_host
from bioxen.rules.species import species_id
from pysb.core import as_complex_pattern

# The parts-library keys this module reads itself (bioxen.chassis.declarations gathers them)
PARAMETERS = (
    "parts.protease.length", "parts.protease.kcat", "parts.protease.Km", "parts.protease.max_transcription",
    "parts.protease.leak", "parts.genetic_code.readthrough_extension", "parts.genetic_code.readthrough_defective",
    "parts.reporter.max_transcription", "parts.reporter.length", "parts.reporter.maturation",
    "parts.compartment.nominal_shells", "parts.compartment.lumen_volume", "parts.compartment.loading")


@dataclass(frozen=True)
class VmOutputs:
    """Names of the model quantities that report on one VM."""

    vm: str
    protein_total: str                 # observable
    elongation_rules: tuple[str, ...]  # every elongation (ribosome use), defective included
    pool: str = "host"
    srna: str = ""                     # observable: free gate sRNA
    protease: str = ""                 # observable: the VM's protease
    ribosomes_translating: str = ""    # observable: ribosomes on the VM's mRNAs
    protein_lengths: tuple[tuple[str, float], ...] = ()   # (protein species, aa)
    essential_protein: str = ""        # observable: the VM's essential proteins
    amber_suppression: str = ""        # expression: the chance its UAG codons are read (amber, ncaa)
    core_protein: str = ""             # observable: its core proteins (policy boot)


def hypervisor_genes(design: Design) -> dict[str, tuple[str, ...]]:
    """The hypervisor's own protein-coding genes in the model, each with the monomers of its
    products: every VM's protease and reporter, its pool's o-rRNA feedback controller, the ATP
    guard and the clock's repressors (what the hypervisor tax counts)."""
    genes = {}
    for vm in design.vms:
        genes[f"protease_{vm.id}"] = (f"protein_protease_{vm.id}",)
        if proteolysis.pulsed(design.parts.protease):
            repressor = pulse.repressor_name(f"protease_{vm.id}")
            genes[repressor] = (f"protein_{repressor}",)
        genes[f"reporter_{vm.id}"] = (f"protein_reporter_{vm.id}", f"fluorescent_reporter_{vm.id}")
        if vm.controller and vm.pool == "orthogonal":
            genes[f"controller_{vm.parts.pool}"] = (f"protein_controller_{vm.parts.pool}",)
        if vm.genetic_code in AMBER_CODES:
            genes[amber.aars_gene(vm.id)] = (f"protein_{amber.aars_gene(vm.id)}",)
        if vm.compartment:
            genes[compartment.shell_gene(vm.id)] = (compartment.shell_name(vm.id),)
        genes.update(polymerase_genes(vm))
    if design.atp_guard is not None and design.vms:
        genes["atp_guard"] = ("protein_atp_guard",)
    if design.clock is not None:
        genes.update({clock.node_gene(i): (clock.repressor_name(i),) for i in range(design.clock.nodes)})
    for c in design.checkpoints:
        genes[checkpoint.gene_name(c.name)] = (f"protein_{checkpoint.gene_name(c.name)}",
                                               f"fluorescent_{checkpoint.gene_name(c.name)}")
    for gate in design.wiring.decoder if design.wiring else ():
        genes[decoder.gene_name(gate.repressor)] = (f"protein_{decoder.gene_name(gate.repressor)}",)
    return genes


def owned_by(role: Role, vm: str) -> bool:
    """Whether a molecule is the VM's own (its transcripts, proteins, stable RNAs, gate sRNA and
    reporter), from its role: not the hypervisor's protease, the pool or the degron counter."""
    return role.vm == vm


def _host_quantities(design: Design) -> dict[str, Quantity]:
    quantities = dict(design.chassis.parameters)
    for key, value in design.host_overrides.items():
        if value is not None:
            quantities[key] = Quantity(value, quantities[key].units, "policy override")
    return quantities


def _offtarget(design: Design, sd_class: str, pools: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """Pools (other than its own) an SD class binds at or above the design's cut-off, and how
    strongly relative to its own pool (the cross-talk matrix)."""
    crosstalk = design.crosstalk
    if crosstalk is None:
        return ()
    i = crosstalk.sd_classes.index(sd_class)
    own = crosstalk.strength[i][i]
    return tuple((pool, crosstalk.strength[i][j] / own) for j, pool in enumerate(crosstalk.pools)
                 if j != i and pool in pools and crosstalk.strength[i][j] >= design.crosstalk_cutoff)


def elongation_factor_name(vm: str) -> str:
    """The parameter scaling the elongation of ribosomes on a VM's mRNAs (policy kinetics)."""
    return f"elongation_factor_{vm}"


def _elongation_factor(vm: GuestVM) -> tuple[str, float] | None:
    return None if vm.elongation_factor is None else (elongation_factor_name(vm.id), vm.elongation_factor)


def elongating_name(vm: str) -> str:
    """The observable of every ribosome on a VM's mRNAs (genes and reporter), when the VM has an
    elongation factor."""
    return f"{vm}_ribosomes_elongating"


def _unit_spec(vm: GuestVM, unit, guest: dict[str, Quantity], offtarget=(), native: bool = False,
               polymerases=()) -> GeneSpec:
    """``native``: a CDS the VM image leaves unrefactored (its own SD, no degron), so on host
    ribosomes, ungated and untagged (:func:`bioxen.genome.layout.unrefactorable`)."""
    parts = None if native else vm.parts
    return GeneSpec(
        name=f"{vm.id}_{mangle(unit.name)}", locus_tags=unit.locus_tags,
        max_transcription=unit.max_transcription, threshold=guest["transcription_threshold"].value,
        length=unit.length or 1.0, initiation_strength=unit.initiation_strength,
        mrna_decay=vm.mrna_decay, protein_decay=vm.protein_decay,
        coding=unit.coding, pool=parts.pool if parts else "host", sd=parts.pool if parts else None,
        tag=parts.tag_name if parts else None, functional_yield=unit.functional_yield, offtarget=offtarget,
        elongation_factor=_elongation_factor(vm), vm=vm.id, polymerases=polymerases)


def _reporter(b: Builder, vm: GuestVM, design: Design, licence, offtarget) -> dict:
    """GET_VM_STATUS's reporter: a fluorescent protein made like the VM's own genes (its pool,
    UTR, gate and degron), maturing into its fluorescent form (``<vm>_fluorescence``). Its length
    is the fluorescent protein's plus the VM's degron, as the hypervisor image builds it."""
    q, guest, parts = design.parts.reporter, design.chassis.guest, vm.parts
    spec = GeneSpec(name=f"reporter_{vm.id}", locus_tags=(), max_transcription=q["max_transcription"].value,
                    threshold=guest["transcription_threshold"].value, length=q["length"].value + len(parts.tag),
                    mrna_decay=vm.mrna_decay, pool=parts.pool, sd=parts.pool, tag=parts.tag_name,
                    offtarget=offtarget, elongation_factor=_elongation_factor(vm), vm=vm.id,
                    polymerases=polymerases_of(design, vm))
    made = expression.gene(b, spec, factor=licence)
    mature = b.monomer(f"fluorescent_reporter_{vm.id}", ["tag"], {"tag": [parts.tag_name]},
                       role=Role("fluorescent_protein", vm=vm.id, gene=spec.name, degron=parts.tag_name))
    b.rule(f"maturation_reporter_{vm.id}", made["protein_pattern"] >> mature(tag=parts.tag_name),
           b.parameter(f"k_maturation_{vm.id}", q["maturation"]), role=spec.role("maturation"))
    b.observable(f"{vm.id}_fluorescence", mature(tag=parts.tag_name))
    return {"gated": (spec.name, expression.free_mrna(made["mrna"], spec)),
            "tagged": [made["protein_pattern"], mature(tag=parts.tag_name)], "translating": made["translating"]}


def _protease(b: Builder, vm: GuestVM, design: Design, destroy: decoder.CommandSignal):
    """The VM's protease gene behind DESTROY's promoter (its sensor's or decoder gate's, with their
    measured leak; without wiring an inducible promoter of the parts' leak), translated on host ribosomes. With
    ``protease.self_tagged`` it ends in the VM's degron (one of its own substrates, so it clears
    itself with the VM); with ``protease.pulse`` DESTROY_VM also induces a repressor that shuts the
    promoter once the VM is cleared (:mod:`bioxen.rules.pulse`)."""
    q, guest = design.parts.protease, design.chassis.guest
    tagged = proteolysis.self_tagged(q)
    spec = GeneSpec(name=f"protease_{vm.id}", locus_tags=(), max_transcription=q["max_transcription"].value,
                    threshold=guest["transcription_threshold"].value,
                    length=q["length"].value + (len(vm.parts.tag) if tagged else 0),
                    mrna_decay=guest["mrna_decay"].value, tag=vm.parts.tag_name if tagged else None,
                    product_kind="protease")
    activity = destroy.activity if destroy.wired else \
        control.inducible(b, f"protease_{vm.id}", destroy.activity, q["leak"].value)
    if proteolysis.pulsed(q):
        repressor = decoder.pulse_parts(design, vm.id, destroy.wired)
        activity = activity * pulse.pulse_generator(
            b, f"protease_{vm.id}", destroy.activity, repressor, pulse.protease_pulse_transcription(design, vm, repressor),
            guest["transcription_threshold"].value, guest["mrna_decay"].value)
    made = expression.gene(b, spec, factor=activity)
    return b.observable(f"protease_level_{vm.id}", made["protein_pattern"])


def _guest_vm(b: Builder, vm: GuestVM, design: Design, pools: tuple[str, ...], signals: dict,
              guarded=None, clocked=None) -> tuple[VmOutputs, list, object]:
    """Every unit of the VM, its pool, gate and protease. ``signals``: its PAUSE and DESTROY
    (:func:`bioxen.rules.decoder.command_signals`); ``guarded``: the ATP guard's
    repression, applied to the VM's non-essential genes (lower-priority VMs only);
    ``clocked``: the round-robin clock's closure of the VM's gate."""
    create = control.inducer(b, "create", vm.id, 0.0 if vm.dormant else 1.0)
    # under a boot sequence the VM's non-core genes wait for its BOOT_VM (a model switch, as CREATE's)
    booted = control.inducer(b, "boot", vm.id, 0.0 if design.boot is not None else 1.0)
    destroy, pause = signals[(vm.id, "destroy")], signals[(vm.id, "pause")]
    # the licence is a model switch (no DNA): it reads DESTROY's logical level
    licence = b.expression(f"transcription_licence_{vm.id}", create * (1 - destroy.fired), "dimensionless")
    proteins, untagged, elongations, gated, translating, lengths, essential = [], [], [], [], [], [], []
    core = []
    offtarget = _offtarget(design, vm.parts.pool, pools)
    counter = proteolysis.tag_counter(b, vm.parts.tag_name, vm.protein_decay)
    native = set(unrefactorable(vm.genome))
    transcribers = polymerases_of(design, vm)
    closed = None            # the gate inducer; made here only for the transcription gate (E. coli's order kept)
    if gates_of(design, vm).transcription:   # every promoter of the VM image answers it (units and reporter)
        closed = _gate_inducer(b, vm, pause, destroy, clocked)
        licence = licence * _transcription_gate(b, vm, design, closed)
    if own_polymerase(vm):
        polymerase_gene(b, vm, design, create, pause)
    suppression = None
    if vm.genetic_code in AMBER_CODES:
        guest = design.chassis.guest
        suppression = amber.suppressor_pair(b, vm.id, design.parts.genetic_code, vm.pool == "orthogonal",
                                            vm.genetic_code == "ncaa", guest["transcription_threshold"].value,
                                            guest["mrna_decay"].value, create)
    for unit in vm.units:
        is_native = unit.coding and set(unit.locus_tags) <= native
        spec = _unit_spec(vm, unit, design.chassis.guest,
                          _offtarget(design, "host", pools) if is_native else offtarget, is_native, transcribers)
        if suppression is not None and unit.coding:
            spec = replace(spec, dynamic_yield=amber.unit_yield(b, spec.name, unit.amber_sites, suppression))
        factor = licence if unit.core else licence * booted
        factor = factor if guarded is None or unit.essential else factor * guarded
        made = expression.gene(b, spec, factor=factor, counter=None if is_native else counter)
        if unit.coding:
            (untagged if is_native else proteins).append(made["protein_pattern"])
            if unit.essential:
                essential.append(made["protein_pattern"])
            if unit.core and design.boot is not None:
                core.append(made["protein_pattern"])
            elongations += made["elongations"]
            translating += made["translating"]
            lengths.append((species_id(as_complex_pattern(made["protein_pattern"])), spec.length))
            if not is_native:
                gated.append((spec.name, expression.free_mrna(made["mrna"], spec)))
    reporter = _reporter(b, vm, design, licence, offtarget)
    gated.append(reporter["gated"])
    uncounted = reporter["tagged"]
    inside = []
    if vm.compartment:
        q = design.parts.compartment
        free_shell, shell_mrna = vm_shells(b, vm, design, licence, offtarget, _elongation_factor(vm))
        uncounted, gated = [*uncounted, free_shell], [*gated, shell_mrna]
        inside, loaded = compartment.encapsulation(b, vm.id, counter, proteins, q["loading"], vm.parts.tag_name,
                                                   q["nominal_shells"].value * q["lumen_volume"].value)
        uncounted += loaded
        # a protein in the lumen is still the VM's (essential, core): each list gains its twins
        twin = {p.monomer.name: lumen for p, lumen in zip(proteins, inside)}
        essential += [twin[p.monomer.name] for p in essential if p.monomer.name in twin]
        core += [twin[p.monomer.name] for p in core if p.monomer.name in twin]
    name = f"{vm.id}_protein_total"
    if proteins or untagged:
        b.observable(name, sum_patterns(proteins + untagged + inside))
        b.observable(f"{vm.id}_ribosomes_translating", sum_patterns(translating))
    if essential:
        b.observable(f"{vm.id}_essential_protein", sum_patterns(essential))
    if core:
        b.observable(f"{vm.id}_core_protein", sum_patterns(core))
    if vm.elongation_factor is not None:
        # every ribosome whose elongation the VM's factor scales (its genes' and reporter's, every pool)
        b.observable(elongating_name(vm.id), sum_patterns(translating + reporter["translating"]))
    if vm.pool == "orthogonal":
        # the pool is built on CREATE_VM and outlives DESTROY_VM: it is the VM slot's
        q = design.parts.orthogonal_ribosomes
        repression = controller.feedback_controller(b, vm.parts.pool, q, create) if vm.controller else None
        ribosomes.orthogonal_pool(b, vm.parts.pool, vm.orrna_transcription, q, licence=create, repression=repression)
    if closed is None:
        closed = _gate_inducer(b, vm, pause, destroy, clocked)
    srna_free = _gates(b, vm, design, closed, gated, pause.wired)
    protease = _protease(b, vm, design, destroy)
    outputs = VmOutputs(vm.id, name if proteins or untagged else "", tuple(elongations), vm.parts.pool,
                        srna_free, protease.name,
                        f"{vm.id}_ribosomes_translating" if proteins or untagged else "", tuple(lengths),
                        f"{vm.id}_essential_protein" if essential else "",
                        suppression.name if suppression is not None else "",
                        f"{vm.id}_core_protein" if core else "")
    return outputs, ((counter, proteins), uncounted), protease


def _gate_inducer(b: Builder, vm: GuestVM, pause, destroy, clocked):
    """How closed the VM's gates are (0 open, 1 closed): they close on PAUSE, on DESTROY (no new
    protein from the VM's remaining mRNAs) and when the clock says it is not the VM's turn."""
    open_ = (1 - pause.activity) * (1 - destroy.activity) * (1 if clocked is None else 1 - clocked)
    return b.expression(f"gate_inducer_{vm.id}", 1 - open_, "dimensionless")


def _transcription_gate(b: Builder, vm: GuestVM, design: Design, closed):
    """The transcription gate's factor on every promoter of the VM: a synthetic transcription
    factor switched by the gate inducer ``closed`` shuts them to ``residual`` of their activity
    (parts library ``transcription_gate``)."""
    residual = design.parts.transcription_gate.get("residual")
    if residual is None:     # read only where the gate is used: older libraries need not carry it
        raise CompileError(f"isolation.gate transcription needs transcription_gate.residual, which parts library "
                           f"{design.parts.source} lacks", vm.location,
                           hint="add transcription_gate: {residual: {value: 0.02, units: dimensionless, source: ...}} "
                                "to the parts library (bioxen's own carries it)")
    residual = b.parameter(f"gate_residual_{vm.id}", residual)
    return b.expression(f"transcription_gate_{vm.id}", 1 - closed * (1 - residual), "dimensionless")


def _gates(b: Builder, vm: GuestVM, design: Design, closed, gated, wired: bool = False) -> str:
    """The VM's gates, all closed by ``closed``; returns the free gate sRNA's observable ("" without).
    ``wired``: ``closed`` carries its promoters' measured leak, so the gates add none."""
    threshold = design.chassis.guest["transcription_threshold"].value
    gates = gates_of(design, vm)
    if gates.ribosome:
        made = ribosome_gate.GateTranscription(vm.gate_transcription, vm.antigate_transcription, threshold)
        ribosome_gate.gate(b, vm.id, made, _gate_binding(b, design, vm),
                           decoder.sensed(design.parts.ribosome_gate, wired), design.parts.srna, closed)
    if not gates.srna:
        return ""
    kd = rna.dissociation_constant(vm.parts.srna_energy) * MOLECULES_PER_MOLAR * design.chassis.volume
    srna.gate(b, vm.id, vm.srna_transcription, threshold, kd, decoder.sensed(design.parts.srna, wired), closed, gated)
    return f"sRNA_free_{vm.id}"


def _gate_binding(b: Builder, design: Design, vm: GuestVM) -> ribosome_gate.GateBinding:
    """The ribosome gate's binding to its pool: the gate RNA carries the pool's o-SD unstructured, so
    it binds a free o-ribosome at k_b x the bare SD's strength (:func:`bioxen.passes.parameterize.
    gate_strength`; the VM's mRNAs pay their UTR's sequestering fold, the gate does not) and leaves it
    at k_on x K_d, K_d from the ViennaRNA duplex of the SD with the pool's anti-SD."""
    crosstalk, pool = design.crosstalk, vm.parts.pool
    k = crosstalk.pools.index(pool)
    kd = rna.dissociation_constant(crosstalk.energy[k][k]) * MOLECULES_PER_MOLAR * design.chassis.volume
    return ribosome_gate.GateBinding(pool, b.model.parameters["k_b"].value * gate_strength(design, vm), kd)


def _proteolysis(b: Builder, design: Design, made: list) -> None:
    library = design.parts
    recognition = {(vm.id, vm_tag.parts.tag_name): library.recognition[i][j]
                   for i, vm in enumerate(design.vms) for j, vm_tag in enumerate(design.vms)}
    counted = {vm.parts.tag_name: tagged[0] for vm, (_, tagged, _) in zip(design.vms, made)}
    substrates = {vm.parts.tag_name: tagged[1] for vm, (_, tagged, _) in zip(design.vms, made)}
    enzymes = {vm.id: protease for vm, (_, _, protease) in zip(design.vms, made)}
    if proteolysis.self_tagged(library.protease):   # each protease: a substrate of its own tag
        for vm, protease in zip(design.vms, enzymes.values()):
            tag = vm.parts.tag_name
            substrates[tag] = [*substrates[tag], protease.reaction_pattern.complex_patterns[0].monomer_patterns[0]]
    proteolysis.degradation(b, substrates, counted, enzymes, recognition, library.protease["kcat"],
                            library.protease["Km"])


def _atp_guard(b: Builder, design: Design):
    if design.atp_guard is None or not design.vms:
        return None
    guest = design.chassis.guest
    return guard.atp_guard(b, design.atp_guard, design.parts.atp_guard, guest["transcription_threshold"].value,
                           guest["mrna_decay"].value)


def _clock(b: Builder, design: Design) -> dict:
    """The round-robin ring oscillator, if the design has one; returns each VM's gate closure."""
    ring = design.clock
    if ring is None:
        return {}
    q = design.parts.clock
    levels = clock.ring(b, ring.nodes, q, ring.degradation, ring.initiation_strength,
                        design.chassis.guest["transcription_threshold"].value, ring.initial, ring.parts)
    return {vm: clock.gate_closure(b, vm, levels[node], ring.gate_threshold, q,
                                   ring.parts[node] if ring.parts else None)
            for vm, node in zip(ring.turns, ring.node_of)}


def build_model(design: Design) -> tuple[Builder, tuple[VmOutputs, ...]]:
    """The whole cell: host physiology, every guest unit, the hypervisor's parts, energy use and dilution."""
    b = Builder(mangle(design.name))
    p = _host_quantities(design)
    orthogonal = tuple(vm.parts.pool for vm in design.vms if vm.parts and vm.pool == "orthogonal")
    pools = ("host",) + orthogonal
    readthrough = None
    if host_uga_readthrough(design):
        code = design.parts.genetic_code
        readthrough = StopReadthrough(host_uga_readthrough(design), code["readthrough_extension"].value,
                                      code["readthrough_defective"].value)
    weisse_host(b, p, orthogonal, readthrough, _offtarget(design, "host", pools))
    polymerase_pools(b, design)
    guarded = _atp_guard(b, design)
    clocked = _clock(b, design)
    top = max((vm.priority for vm in design.vms), default=0)
    signals = decoder.command_signals(b, design)
    made = [_guest_vm(b, vm, design, pools, signals, guarded if vm.priority < top else None, clocked.get(vm.id))
            for vm in design.vms]
    if made:
        _proteolysis(b, design, made)
    guest = design.chassis.guest
    for c in design.checkpoints:   # after every VM and host quantity it may watch
        checkpoint.checkpoint(b, c.name, checkpoint.watched(b, c.watch, c.location), c.threshold, c.direction,
                              design.parts.reporter, guest["transcription_threshold"].value,
                              guest["mrna_decay"].value)
    scaled = [(b.model.parameters[elongation_factor_name(vm.id)], b.model.observables[elongating_name(vm.id)])
              for vm in design.vms if vm.elongation_factor is not None]
    energy.translation_cost(b, p, scaled)
    _host_initial_state(b, design.chassis.steady_state)
    growth.dilution(b)
    return b, tuple(m[0] for m in made)


def _host_initial_state(b: Builder, state: dict[str, float]) -> None:
    """Start from the chassis steady state; species it does not list start at 0."""
    patterns = {}
    for rule in b.model.rules:
        for cp in rule.reactant_pattern.complex_patterns + rule.product_pattern.complex_patterns:
            patterns.setdefault(species_id(cp), cp)
    state = dict(state)
    # the inventory counts every ribosomal protein set: free, in free and in translating host ribosomes
    in_sets = {"ribosome", "ribosomal_protein"}
    state[ribosomes.INVENTORY] = sum(v for k, v in state.items()
                                     if k in patterns and in_sets & {r.kind for r in b.species_roles(patterns[k])})
    for sid, value in sorted(state.items()):
        if sid in patterns and value > 0:
            b.initial(patterns[sid], b.parameter(f"initial_{sid}", value, "molecules"))
