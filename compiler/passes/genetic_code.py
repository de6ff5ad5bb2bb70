"""Pass: make every VM's genetic code runnable in the host, or refuse with a reason.

The host reads its chassis's table (``hardware.genetic_code``: E. coli 11, Syn3A 4, yeast 1).
In a table-11 host UGA is a stop codon: a genome whose table reads UGA as an amino acid (table 4,
Mycoplasma/Spiroplasma: UGA = Trp) would have almost every protein truncated; in a table-4 host a
table-11 genome's UGA stops would be read through. The policy chooses per VM:

* ``recode``: the VM image rewrites every codon the host reads differently (in-frame TGA to TGG in
  E. coli, a TGA stop to TAA in Syn3A): the same protein;
* ``suppressor``: the VM carries a UGA-decoding tRNA-Trp. It decodes each of
  the VM's UGA codons with probability ε (it competes with release factor 2),
  so a gene with n internal UGA codons yields full-length protein at ε^n, and
  it reads through the host's own UGA stop codons (the host cost, in the model).

A lumped unit takes the mean yield of its genes.

Two more codes isolate a VM by its genetic code (the founding document's VM2 and VM3), on top of
``recode`` (which they imply for a genome whose table differs from the host's):

* ``amber``: the VM's essential genes (its ``essential:`` list; every coding gene when it names
  none) carry in-frame UAG (amber) codons: the first ``genetic_code.amber_sites_per_gene``
  tyrosine codons after the start (:func:`amber_positions`) are written TAG, and the VM's own
  orthogonal pair, M. jannaschii TyrRS and its tRNA(CUA) (Wang et al. 2001 Science 292:498),
  reads them as tyrosine: the same protein, made only where the pair is
  (:mod:`bioxen.rules.amber`);
* ``ncaa``: the same sites read by an evolved MjTyrRS that charges a non-canonical amino acid
  supplied in the medium (synthetic auxotrophy: Mandell et al. 2015 Nature 518:55, Rovner et al.
  2015 Nature 518:89); withdrawing it (SET_RESOURCE_LIMIT ncaa) stops the VM's UAG genes.

A gene with k sites is full length with probability p^k (p: suppression at each site). A gene
copied unrefactored (:func:`bioxen.genome.layout.unrefactorable`) carries none.
"""
from __future__ import annotations

import statistics
from dataclasses import replace

from Bio.Data.CodonTable import unambiguous_dna_by_id

from bioxen.errors import CompileError, Diagnostic
from bioxen.genome.layout import unrefactorable
from bioxen.genome.trna import uga_trna
from bioxen.ir import Design, GuestVM

PARAMETERS = ("parts.genetic_code.uga_decoding", "parts.genetic_code.host_uga_stops",
              "parts.genetic_code.amber_sites_per_gene", "parts.genetic_code.host_uag_stops",
              "parts.genetic_code.amber_suppression_host")

AMBER_CODES = ("amber", "ncaa")                 # codes whose genes carry UAG sites
RECODING = ("recode", *AMBER_CODES)             # codes whose image rewrites reassigned codons
TYROSINE = ("TAT", "TAC")                       # the codons an amber site replaces (MjTyrRS reads Tyr)
AMBER = "TAG"


def recodes(code: str | None) -> bool:
    """Whether a VM of this genetic code has its reassigned codons rewritten for the host."""
    return code in RECODING


def host_reads(code: str | None) -> bool:
    """Whether a VM image of this genetic code is read in the host's table (native or recoded)."""
    return code == "native" or recodes(code)


def amber_positions(codons: list[str], sites: int) -> tuple[int, ...]:
    """The codons (indices in the mature CDS, 0 the start codon) an amber or ncaa VM writes as
    TAG: the first ``sites`` tyrosine codons after the start codon (fewer if it has fewer).

    >>> amber_positions(["ATG", "TAT", "GCT", "TAC", "TAC"], 2)
    (1, 3)
    """
    return tuple(i for i, codon in enumerate(codons) if i > 0 and codon in TYROSINE)[:sites]


def codons_of(sequence: str) -> list[str]:
    """A CDS's codons before its stop codon (what the image refactors)."""
    return [sequence[i:i + 3] for i in range(0, len(sequence) - 3, 3)]


def amber_targets(vm: GuestVM) -> set[str]:
    """Locus tags of the VM's genes that carry amber sites: its essential genes, or every coding
    gene when it names none; never one copied unrefactored."""
    coding = {g.locus_tag for g in vm.genome.genes if g.is_coding and g.expressed}
    chosen = (set(vm.essential) & coding) if vm.essential else coding
    return chosen - set(unrefactorable(vm.genome))


def _with_amber_sites(vm: GuestVM, sites: int) -> GuestVM:
    by_tag, targets = vm.genome.by_locus_tag(), amber_targets(vm)
    units = tuple(replace(u, amber_sites=tuple(
        len(amber_positions(codons_of(vm.genome.gene_sequence(by_tag[t])), sites)) if t in targets else 0
        for t in u.locus_tags)) if u.coding else u for u in vm.units)
    return replace(vm, units=units)

HOST_TABLE = 11     # a chassis profile without a hardware section (bioxen.hardware.BACTERIAL)
CODONS = tuple(a + b + c for a in "TCAG" for b in "TCAG" for c in "TCAG")


def _meaning(table: int, codon: str) -> str:
    try:
        code = unambiguous_dna_by_id[table]
    except KeyError:
        raise CompileError(f"unknown translation table {table}") from None
    return "*" if codon in code.stop_codons else code.forward_table[codon]


def reassigned_codons(table: int, host: int = HOST_TABLE) -> dict[str, tuple[str, str]]:
    """Codons the genome's table reads differently from the host's (table ``host``): codon ->
    (guest, host)."""
    return {c: (_meaning(table, c), _meaning(host, c)) for c in CODONS
            if _meaning(table, c) != _meaning(host, c)}


def _refusal(vm: GuestVM, reassigned: dict, host: int, offered: tuple[str, ...] = ("recode", "suppressor")) -> Diagnostic:
    genome = vm.genome
    tga = sum(g.internal_tga for g in genome.genes if g.is_coding)
    codons = ", ".join(f"{c} as {'stop' if g == '*' else g} (host: {'stop' if h == '*' else h})"
                       for c, (g, h) in reassigned.items())
    return Diagnostic(
        f"VM '{vm.id}': genome {genome.accession} uses translation table {genome.translation_table}, "
        f"which reads {codons}; in the host (table {host}) its proteins would be mistranslated"
        + (f" (UGA: {tga:,} in-frame TGA codons would stop translation)" if reassigned.get("TGA") == ("W", "*") else ""),
        vm.location,
        hint="add `genetic_code: recode` (the VM image rewrites the reassigned codons)" +
             (" or, for a UGA = Trp genome, `genetic_code: suppressor` (the VM carries a UGA-decoding tRNA-Trp, "
              "at a cost to the host)" if "suppressor" in offered else "") + " to this VM in the policy")


def _with_yields(vm: GuestVM, decoding: float) -> GuestVM:
    by_tag = vm.genome.by_locus_tag()
    units = tuple(replace(u, functional_yield=statistics.fmean(decoding ** by_tag[t].internal_tga
                                                               for t in u.locus_tags))
                  if u.coding else u for u in vm.units)
    return replace(vm, units=units)


def resolve_genetic_code(design: Design) -> Design:
    vms, errors = [], []
    for vm in design.vms:
        reassigned = reassigned_codons(vm.genome.translation_table, design.chassis.genetic_code)
        if vm.genetic_code in AMBER_CODES:
            sites = int(design.parts.genetic_code["amber_sites_per_gene"].value)
            vms.append(_with_amber_sites(vm, sites))
        elif not reassigned:
            vms.append(replace(vm, genetic_code="native"))
        elif vm.genetic_code is None:
            errors.append(_refusal(vm, reassigned, design.chassis.genetic_code,
                                   design.chassis.hardware.offers.get("genetic_code", ())))
        elif vm.genetic_code == "suppressor" and reassigned != {"TGA": ("W", "*")}:
            errors.append(Diagnostic(f"VM '{vm.id}': genetic_code suppressor handles genomes that read "
                                     f"only UGA differently (as Trp); table {vm.genome.translation_table} "
                                     "differs elsewhere", vm.location, hint="use genetic_code: recode"))
        elif vm.genetic_code == "suppressor" and uga_trna(vm.genome) is None:
            errors.append(Diagnostic(f"VM '{vm.id}': genetic_code suppressor needs a UGA-decoding "
                                     f"tRNA-Trp (anticodon UCA), and genome {vm.genome.accession} has none",
                                     vm.location, hint="use genetic_code: recode for this VM"))
        elif vm.genetic_code == "suppressor":
            vms.append(_with_yields(vm, design.parts.genetic_code["uga_decoding"].value))
        else:
            vms.append(vm)
    if errors:
        raise CompileError.collected(errors)
    return replace(design, vms=tuple(vms))


def host_uga_readthrough(design: Design) -> float:
    """Share of host proteins read through at their stop: ε × (share of host genes ending in UGA)
    with a UGA-decoding tRNA, plus, per amber/ncaa VM, its suppressor tRNA's reading of the host's
    UAG stops on host ribosomes at their full suppression (the charged tRNA's steady state; a
    withdrawn ncAA lowers it, which this static share does not follow)."""
    suppressor = any(vm.genetic_code == "suppressor" for vm in design.vms)
    amber = sum(1 for vm in design.vms if vm.genetic_code in AMBER_CODES)
    if not suppressor and not amber:
        return 0.0
    code = design.parts.genetic_code
    share = code["uga_decoding"].value * code["host_uga_stops"].value if suppressor else 0.0
    if amber:
        share += min(1.0, amber * code["amber_suppression_host"].value) * code["host_uag_stops"].value
    return share
