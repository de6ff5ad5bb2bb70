"""Back end, a VM's encapsulin shells (policy ``compartment``; :mod:`bioxen.rules.compartment`): the
shell gene, made by the VM's own ribosomes."""
from __future__ import annotations

from bioxen.ir import Design, GuestVM
from bioxen.rules import Builder, compartment, expression
from bioxen.rules.expression import GeneSpec

PARAMETERS = ("parts.compartment.shell_length", "parts.compartment.subunits", "parts.compartment.cargo_per_shell",
              "parts.compartment.shell_excess")


def vm_shells(b: Builder, vm: GuestVM, design: Design, licence, offtarget, elongation_factor=None):
    """The VM's encapsulin shell gene (a hypervisor gene with the VM's 5' UTR, so the VM's own
    ribosomes make its shells alongside its proteins, and its gate pauses both), transcribed at
    ``compartment.shell_excess`` times all the VM's coding genes' transcription together; returns
    its free shell unit (it ends in the VM's degron: a substrate of the VM's protease) and its
    gated mRNA. ``elongation_factor``: the VM's (its ribosomes make the shells)."""
    q, guest, parts = design.parts.compartment, design.chassis.guest, vm.parts
    per_site = q["subunits"].value / q["cargo_per_shell"].value   # subunits per cargo site
    shell = compartment.shell_monomer(b, vm.id, parts.tag_name)
    rate = q["shell_excess"].value * sum(u.max_transcription for u in vm.units if u.coding)
    spec = GeneSpec(name=compartment.shell_gene(vm.id), locus_tags=(), max_transcription=rate,
                    threshold=guest["transcription_threshold"].value,
                    length=per_site * (q["shell_length"].value + len(parts.tag)), mrna_decay=vm.mrna_decay,
                    pool=parts.pool, sd=parts.pool, offtarget=offtarget, elongation_factor=elongation_factor)
    made = expression.gene(b, spec, product=[shell(tag=parts.tag_name, cargo=None)], factor=licence)
    return shell(tag=parts.tag_name, cargo=None), (spec.name, expression.free_mrna(made["mrna"], spec))
