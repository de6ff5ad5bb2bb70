"""Virtual membranes: a VM's proteins held in protein shells of its own (issue 21).

A VM with a ``compartment`` has a shell gene (the T. maritima encapsulin, a hypervisor gene with
the VM's 5' UTR, so the VM's own ribosomes make it; its protein ends in the VM's degron), and
every one of its proteins carries a targeting peptide (the 15 C-terminal residues of Flp;
Cassidy-Amstutz et al. 2016). Shells hold at most
20 cargo proteins per 60 subunits, so the model's shell unit U is three subunits with one cargo
site (made as one translation of 3 x 265 aa). Molecules per cell, minutes::

    ∅ → m_U → U(cargo)                                 (:mod:`bioxen.rules.expression`)
    P_x + C + U(cargo) → X_x:U                         at  k_load·P_x·U_free   (encapsulation)
    U(tag) → ∅          (with its cargo, if any)       the VM's proteases (:mod:`bioxen.rules.proteolysis`)

P_x is a VM protein in the cytoplasm, counted by its degron counter C (the counter loses one
as the protein is taken in: ``k_load·C/(C² + ε²)``, as proteolysis removes counted proteins),
X_x the same protein in the shell's lumen (its own species, in the VM's SBML compartment
``lumen_<vm>``), U_free a unit with its site free. The shell's 3-4 Å pores let no protein
through, so other VMs' proteases cannot reach X_x: what they can reach is the VM's proteins still
in the cytoplasm and, at their cross-recognition, the shell units' own degron. A degraded shell
unit takes its cargo with it (the released cargo carries the VM's degron and meets the protease
that opened the shell). Dilution of every species is :func:`bioxen.rules.growth.dilution`'s.
Constants: ``compartment`` of the parts library.
"""
from __future__ import annotations

from bioxen.roles import Role
from bioxen.rules import Builder, Quantity, sum_patterns

def shell_gene(vm: str) -> str:
    return f"shell_{vm}"


def shell_name(vm: str) -> str:
    """The monomer of a VM's shell unit (three subunits, one cargo site)."""
    return f"protein_shell_{vm}"


def lumen_name(protein: str) -> str:
    """The monomer of a VM protein inside its shell."""
    return f"{protein}_lumen"


def compartment_name(vm: str) -> str:
    """The SBML compartment of a VM's shells' lumen."""
    return f"lumen_{vm}"


def encapsulated_level(vm: str) -> str:
    return f"{vm}_encapsulated"


def shells_level(vm: str) -> str:
    return f"{vm}_shell_units"


def shell_monomer(b: Builder, vm: str, tag: str):
    """The VM's shell unit, ending in the VM's degron ``tag``, with one cargo site."""
    return b.monomer(shell_name(vm), ["tag", "cargo"], {"tag": [tag]},
                     role=Role("shell", vm=None, gene=shell_gene(vm), degron=tag))


def encapsulation(b: Builder, vm: str, counter, proteins: list, loading: Quantity, tag: str,
                  lumen_fl: float) -> tuple[list, list]:
    """Each counted protein of ``proteins`` taken into the VM's shells, whose lumen (SBML compartment
    ``lumen_<vm>``, ``lumen_fl`` fL) holds them; returns the lumen proteins' patterns (for
    observables) and the loaded shell units (each a species: the VM's proteases' substrates)."""
    shell = b.model.monomers[shell_name(vm)]
    where = compartment_name(vm)
    b.compartments[where] = (lumen_fl, f"lumen of VM {vm}'s encapsulin shells (nominal size; species are amounts)")
    # P + C + U: k_load·C/(C² + ε²) per molecule of each, the counter's removal (rules/proteolysis.py)
    rate = b.expression(f"encapsulation_rate_{vm}", b.parameter(f"k_load_{vm}", loading) * counter.per_count,
                        "1/(molecule*molecule*min)")
    inside, loaded = [], []
    for pattern in proteins:
        made = b.role_of(pattern.monomer.name)
        lumen = b.monomer(lumen_name(pattern.monomer.name), ["shell"],
                          role=Role("encapsulated_protein", vm=vm, gene=made.gene))
        b.monomer_compartments[lumen.name] = where
        unit = lumen(shell=1) % shell(tag=tag, cargo=1)
        b.rule(f"encapsulation_{pattern.monomer.name}",
               pattern + counter.monomer() + shell(tag=tag, cargo=None) >> unit, rate,
               tags=b.monomer_tags.get(pattern.monomer.name, ()), role=Role("encapsulation", vm=vm, gene=made.gene))
        inside.append(lumen())
        loaded.append(unit)
    if inside:
        b.observable(encapsulated_level(vm), sum_patterns(inside))
    b.observable(shells_level(vm), shell())
    return inside, loaded
