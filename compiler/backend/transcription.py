"""Back end, the model's RNA polymerase pools (policy ``transcription``; :mod:`bioxen.rules.polymerase`):
which pools transcribe each VM's genes, the pools themselves, and a VM's own polymerase gene."""
from __future__ import annotations

from bioxen.commands import rnap_parameter
from bioxen.ir import Design, GuestVM
from bioxen.rules import Builder, expression, polymerase
from bioxen.rules.expression import GeneSpec

PARAMETERS = (
    "parts.transcription.host_available", "parts.transcription.host_promoter_K", "parts.transcription.promoter_K",
    "parts.transcription.polymerase_transcription", "parts.transcription.inhibitor_transcription",
    "parts.transcription.inhibitor_length", "parts.transcription.inhibitor_decay")


def own_polymerase(vm: GuestVM) -> bool:
    """Whether the VM's genes are transcribed by its own orthogonal polymerase (policy transcription)."""
    return vm.parts is not None and vm.parts.polymerase not in ("", polymerase.HOST)


def polymerase_genes(vm: GuestVM) -> dict[str, tuple[str, ...]]:
    """The VM's own polymerase gene and, with ``transcription_pause``, its inhibitor's, each with
    the monomers of its products ({} for a VM without a polymerase of its own)."""
    if not own_polymerase(vm):
        return {}
    pool = vm.parts.polymerase
    genes = {polymerase.gene_name(vm.id): (polymerase.free_name(pool), polymerase.transcribing_name(pool))}
    if vm.transcription_pause:
        genes[polymerase.gene_name(vm.id)] += (polymerase.inhibited_name(pool),)
        genes[polymerase.inhibitor_gene(vm.id)] = (f"protein_{polymerase.inhibitor_gene(vm.id)}",)
    return genes


def polymerases_of(design: Design, vm: GuestVM) -> tuple[tuple[str, float], ...]:
    """The polymerase pools transcribing the VM's genes, (pool, strength): its own first, then every
    other orthogonal polymerase of the design whose cross-talk on its promoter reaches the design's
    cut-off (the host's and the phage polymerases do not read each other's promoters)."""
    own = vm.parts.polymerase if vm.parts else ""
    if not own:
        return ()
    if own == polymerase.HOST:
        return ((own, 1.0),)
    others = [v.parts.polymerase for v in design.vms if own_polymerase(v) and v.parts.polymerase != own]
    library = design.parts
    return ((own, 1.0),) + tuple((other, library.crosstalk(other, own)) for other in others
                                 if library.crosstalk(other, own) >= design.crosstalk_cutoff)


def polymerase_pools(b: Builder, design: Design) -> None:
    """Every polymerase pool the VMs use (:mod:`bioxen.rules.polymerase`), each with its
    transcripts' mean length; the host's with its supply."""
    loads: dict[str, list] = {}
    for vm in design.vms:
        if vm.parts is None or not vm.parts.polymerase:
            continue
        load = loads.setdefault(vm.parts.polymerase, [])
        load += [(u.max_transcription, polymerase.transcript_length(u.coding, u.length)) for u in vm.units]
        load.append((design.parts.reporter["max_transcription"].value,
                     polymerase.transcript_length(True, design.parts.reporter["length"].value)))
    q = design.parts.transcription if loads else {}
    for name, load in loads.items():
        if name == polymerase.HOST:
            speed = design.chassis.guest["transcription_elongation"]
            polymerase.pool(b, name, speed.value, polymerase.mean_transcript(load), q["host_promoter_K"],
                            "chassis transcription_elongation")
            polymerase.host_supply(b, q["host_available"])
        else:
            enzyme = design.parts.polymerase(name)
            polymerase.pool(b, name, enzyme.elongation, polymerase.mean_transcript(load), q["promoter_K"],
                            f"parts polymerases {name}")


def polymerase_gene(b: Builder, vm: GuestVM, design: Design, create, pause) -> None:
    """The VM's polymerase gene (a hypervisor gene on host ribosomes) at SET_RESOURCE_LIMIT rnap's
    level times its CREATE licence; with ``transcription_pause`` its inhibitor behind PAUSE."""
    q, guest, enzyme = design.parts.transcription, design.chassis.guest, design.parts.polymerase(vm.parts.polymerase)
    level = b.parameter(rnap_parameter(vm.id), 1.0, "dimensionless", "SET_RESOURCE_LIMIT rnap sets it (0..1)")
    spec = GeneSpec(name=polymerase.gene_name(vm.id), locus_tags=(),
                    max_transcription=q["polymerase_transcription"].value,
                    threshold=guest["transcription_threshold"].value, length=enzyme.length,
                    mrna_decay=guest["mrna_decay"].value)
    expression.gene(b, spec, product=b.model.monomers[polymerase.free_name(vm.parts.polymerase)], factor=create * level)
    if not vm.transcription_pause:
        return
    spec = GeneSpec(name=polymerase.inhibitor_gene(vm.id), locus_tags=(),
                    max_transcription=q["inhibitor_transcription"].value,
                    threshold=guest["transcription_threshold"].value, length=q["inhibitor_length"].value,
                    mrna_decay=guest["mrna_decay"].value, protein_decay=q["inhibitor_decay"].value,
                    product_kind="inhibitor")
    made = expression.gene(b, spec, factor=pause.activity)
    polymerase.inhibition(b, vm.parts.polymerase, made["protein_pattern"], q)
