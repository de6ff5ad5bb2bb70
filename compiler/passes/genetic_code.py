"""Pass: make every VM's genetic code runnable in the host, or refuse with a reason.

The host (E. coli) reads table 11: UGA is a stop codon. A genome whose table
reads UGA as an amino acid (table 4, Mycoplasma/Spiroplasma: UGA = Trp) would
have almost every protein truncated. The policy chooses per VM:

* ``recode``: the VM image rewrites in-frame TGA to TGG (same protein);
* ``suppressor``: the VM carries a UGA-decoding tRNA-Trp. It decodes each of
  the VM's UGA codons with probability ε (it competes with release factor 2),
  so a gene with n internal UGA codons yields full-length protein at ε^n, and
  it reads through the host's own UGA stop codons (the host cost, in the model).

A lumped unit takes the mean yield of its genes.
"""
from __future__ import annotations

import statistics
from dataclasses import replace

from Bio.Data.CodonTable import unambiguous_dna_by_id

from bioxen.errors import CompileError, Diagnostic
from bioxen.genome.trna import uga_trna
from bioxen.ir import Design, GuestVM

PARAMETERS = ("parts.genetic_code.uga_decoding", "parts.genetic_code.host_uga_stops")

HOST_TABLE = 11
CODONS = tuple(a + b + c for a in "TCAG" for b in "TCAG" for c in "TCAG")


def _meaning(table: int, codon: str) -> str:
    try:
        code = unambiguous_dna_by_id[table]
    except KeyError:
        raise CompileError(f"unknown translation table {table}") from None
    return "*" if codon in code.stop_codons else code.forward_table[codon]


def reassigned_codons(table: int) -> dict[str, tuple[str, str]]:
    """Codons the genome's table reads differently from the host's: codon -> (guest, host)."""
    return {c: (_meaning(table, c), _meaning(HOST_TABLE, c)) for c in CODONS
            if _meaning(table, c) != _meaning(HOST_TABLE, c)}


def _refusal(vm: GuestVM, reassigned: dict) -> Diagnostic:
    genome = vm.genome
    tga = sum(g.internal_tga for g in genome.genes if g.is_coding)
    codons = ", ".join(f"{c} as {'stop' if g == '*' else g} (host: {'stop' if h == '*' else h})"
                       for c, (g, h) in reassigned.items())
    return Diagnostic(
        f"VM '{vm.id}': genome {genome.accession} uses translation table {genome.translation_table}, "
        f"which reads {codons}; in the host (table {HOST_TABLE}) its proteins would be mistranslated"
        + (f" (UGA: {tga:,} in-frame TGA codons would stop translation)" if "TGA" in reassigned else ""),
        vm.location,
        hint="add `genetic_code: recode` (the VM image rewrites the reassigned codons) or, for a "
             "UGA = Trp genome, `genetic_code: suppressor` (the VM carries a UGA-decoding tRNA-Trp, at "
             "a cost to the host) to this VM in the policy")


def _with_yields(vm: GuestVM, decoding: float) -> GuestVM:
    by_tag = vm.genome.by_locus_tag()
    units = tuple(replace(u, functional_yield=statistics.fmean(decoding ** by_tag[t].internal_tga
                                                               for t in u.locus_tags))
                  if u.coding else u for u in vm.units)
    return replace(vm, units=units)


def resolve_genetic_code(design: Design) -> Design:
    vms, errors = [], []
    for vm in design.vms:
        reassigned = reassigned_codons(vm.genome.translation_table)
        if not reassigned:
            vms.append(replace(vm, genetic_code="native"))
        elif vm.genetic_code is None:
            errors.append(_refusal(vm, reassigned))
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
    """Share of host proteins read through at their stop: ε × (share of host genes ending in UGA)."""
    if not any(vm.genetic_code == "suppressor" for vm in design.vms):
        return 0.0
    code = design.parts.genetic_code
    return code["uga_decoding"].value * code["host_uga_stops"].value
