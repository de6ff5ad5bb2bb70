"""GenBank images of what BioXen would build: each VM's refactored genome, the hypervisor's genes.

:func:`vm_images` lays the guest genome out in genome orientation, replicon by replicon (one
GenBank record each: a chromosome and its plasmids stay apart), gene by gene:

* every non-pseudo CDS becomes a cassette ``UTR + CDS' `` where CDS' is the
  native CDS, recoded for the host when ``genetic_code == "recode"`` (every
  in-frame codon that the genome's table reads differently from table 11 gets
  E. coli's preferred codon for the genome's amino acid: for table 4 that is
  TGA -> TGG; the start codon is kept), with the VM's degron tag (back-translated
  with E. coli's preferred codons, see PREFERRED_CODON) where its ``terminus``
  puts it: a C-terminal tag (pdt1, the M. florum tmRNA tag) just before the stop,
  an N-terminal one (a viral protease's cleavage site ending in the F that its
  cut exposes as an N-degron) just after the start codon, so the protein is
  M-[site]-F-rest; then the stop TAA, which tables 4 and 11 both read as stop.
  Either way the protein is the mature codons - 1 + the tag's length, as the model
  has it. A minus-strand gene's
  cassette is written reverse-complemented, so the UTR lies just 3' of the
  CDS in genome coordinates and just 5' of its start codon on its own strand;
* refactoring rule (after Chan, Kosuri & Endy 2005 Mol Syst Biol 1:2005.0018,
  who separated T7's overlapping elements by duplicating shared sequence):
  the UTR *replaces* the ``len(utr)`` bp just upstream of the start codon when
  that window lies wholly inside the genome, outside every annotated gene and
  outside every other CDS's window; otherwise the UTR is *inserted* and the
  native upstream sequence stays. Genes that overlap are each written whole,
  so the shared bases appear twice and no gene's sequence is changed by a
  neighbour's UTR or tag. All other native sequence (promoters, terminators,
  intergenic DNA) is kept as it is;
* spliced genes (:mod:`bioxen.genome.layout`): E. coli splices nothing, so a gene
  whose location joins exons (introns, trans-splicing) is written as its mature
  sequence (exons joined in transcription order) where its 5' exon lay; its
  other exons leave their native places, and so does every intron that holds no
  other gene (an intron that does, like the trnK intron holding matK in land-plant
  chloroplasts, stays, and the genes in it are written once, in place). The
  gene's note gives each exon's native coordinates. A circular genome with a gene
  across its origin is first turned so that none is (the source feature says where
  position 1 came from);
* pseudogenes and RNA genes are copied unchanged (spliced RNAs as their mature
  sequence), with their features;
* a CDS that cannot be refactored (a programmed frameshift, a partial CDS, no
  stop codon: :func:`bioxen.genome.layout.unrefactorable`) is copied unchanged,
  its own upstream sequence and Shine-Dalgarno kept, no UTR, degron or recoding,
  and its note says why; the model translates such a gene on host ribosomes,
  ungated and untagged, and :func:`refactoring_warnings` names each one with the
  fix (``knockouts:`` leaves it out of model and image);
* a knocked-out gene (policy ``knockouts:``) is deleted: the DNA one would order
  does not carry it; the source feature lists each deletion and where it was.

The hypervisor (:func:`hypervisor_records`, written to hypervisor.gb) is a core construct and one
record per orthogonal pool's o-16S rRNA (E. coli 16S whose 3' anti-SD is the pool's; the o-16S
genes differ only there, so two in one construct would be a 1.5-kb repeat; their homology to each
other and to the host's rrn operons is for the sequence QA to report). The core holds one cassette
(promoter, gene, terminator) per gene the model has (:func:`bioxen.backend.model.hypervisor_genes`)
and per gate RNA: each VM's PAUSE actuators (its ribosome-gate RNA, the pool's SD between unfolded
A/C/U spacers, and/or its gate sRNA) behind the promoter ``design.wiring`` gives its PAUSE (a
Marionette sensor's promoter or a decoder gate's output; without a wiring pass the shared
stand-ins pTet and pLas; a sensor the wiring shares among VMs' PAUSE is written once, its
transcript cut by a ribozyme before each VM's gate RNA: :func:`shared_pause_slots`), its
anti-gate; its protease (B0034, the CDS its degron tag names, self-tagged) behind DESTROY's
promoter and its pulse repressor's operator, and that repressor (a Cello gate repressor,
``wiring.repressor_of``) behind the same promoter; its UGA tRNA; its reporter (a distinct
fluorescent protein while colours last, recoded synonymously where its CDS would repeat an
earlier reporter's); the command
decoder's gates, the pools' feedback controllers, the ring oscillator's nodes and the ATP guard as
Cello repressor cassettes (ribozyme, RBS, CDS, terminator). Constitutive promoters are J23100 and
the output promoters of Cello repressors the design does not make; terminators B0015 and Cello's.
Among equivalent parts the layout (:class:`Construct`) takes the first that repeats no 16-mer
already in the construct, and writes a cassette on the bottom strand when that avoids a direct
repeat (a DESTROY promoter driving both protease and pulse repressor is then an inverted repeat).
Part DNA comes from ``bioxen/data/parts/dna/sequences.yaml`` and Cello's reference data
(:mod:`bioxen.cello`); a part BioXen lacks is written without DNA (no run of N): its place is
noted, and the bill of materials (:mod:`bioxen.backend.bom`) lists it as missing.
"""
from __future__ import annotations

import functools

import random
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import RNA

from Bio.Data.CodonTable import unambiguous_dna_by_id
from Bio.Seq import Seq, reverse_complement
from Bio.SeqFeature import CompoundLocation, FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord
from ruamel.yaml import YAML

from bioxen.backend.model import hypervisor_genes
from bioxen.backend.transcription import own_polymerase
from bioxen.rules.polymerase import gene_name as polymerase_gene
from bioxen.rules.checkpoint import gene_name as checkpoint_gene
from bioxen.cello import (CELLO_CITATION, MARIONETTE_CITATION, CelloLibrary, Part, Repressor, load_cello,
                          shares_stretch)
from bioxen.errors import CompileError, Diagnostic, FormatRefused, at
from bioxen.genome.trna import uga_trna
from bioxen.passes.genetic_code import (AMBER, AMBER_CODES, HOST_TABLE, amber_positions, codons_of, host_reads,
                                       recodes)
from bioxen.rna import FLANK_ALPHABET, HOST_ANTI_SD, LEADER_LENGTH, spacer_length
from bioxen.genome.layout import (GeneLayout, Segment, gene_layout, native_location, origin_free,
                                   spans_origin, unrefactorable)
from bioxen.genome.records import Gene, Genome
from bioxen.ir import Design, GuestVM, IsolationParts, gates_of
from bioxen.parts import PART_SEQUENCES
from bioxen.rules import Quantity, proteolysis, pulse, ribosome_gate
from bioxen.rules.clock import node_gene
from bioxen.rules.decoder import gene_name as decoder_gene

STOP = "TAA"                      # a stop in table 11 and in table 4

# E. coli's most used codon for each amino acid (the highest relative_frequency per
# amino acid) in the Kazusa table for E. coli K-12 W3110 (taxid 316407), as read in
# Edinburgh-Genome-Foundry/codon-usage-tables codon_usage_data/tables/e_coli_316407.csv
# @ cb659fdfae0a88727aaab0f8aee73913c6d6c02b. None of them is TGA.
PREFERRED_CODON = {
    "A": "GCG", "C": "TGC", "D": "GAT", "E": "GAA", "F": "TTT", "G": "GGC", "H": "CAT",
    "I": "ATT", "K": "AAA", "L": "CTG", "M": "ATG", "N": "AAC", "P": "CCG", "Q": "CAG",
    "R": "CGC", "S": "AGC", "T": "ACC", "V": "GTG", "W": "TGG", "Y": "TAT",
}
# The second most used codon of each amino acid in the same table (read through
# python_codon_tables.get_codons_table("e_coli_316407"), which packages those Kazusa CSVs; ties
# broken by the table's order; M and W have one codon): for a second copy of a peptide that must
# not repeat the first's DNA (a reporter's degron beside its protease's self-tag).
ALTERNATE_CODON = {
    "A": "GCC", "C": "TGT", "D": "GAC", "E": "GAG", "F": "TTC", "G": "GGT", "H": "CAC",
    "I": "ATC", "K": "AAG", "L": "TTA", "M": "ATG", "N": "AAT", "P": "CCA", "Q": "CAA",
    "R": "CGT", "S": "AGT", "T": "ACG", "V": "GTT", "W": "TGG", "Y": "TAC",
}


# --- codons ---------------------------------------------------------------------------

def amino_acid(codon: str, table: int) -> str:
    """One codon read under an NCBI table: a letter, '*' for a stop, 'X' if not a codon."""
    code = unambiguous_dna_by_id[table]
    return "*" if codon in code.stop_codons else code.forward_table.get(codon, "X")


def host_codon(codon: str, table: int, host: int = HOST_TABLE) -> str:
    """The codon the host (table ``host``, E. coli's 11 by default) reads as ``table`` reads
    ``codon`` (TGA -> TGG for table 4 in E. coli; a table-11 TGA stop -> TAA in a table-4 host).

    >>> host_codon("TGA", 4), host_codon("TGA", 11, host=4), host_codon("GCT", 4)
    ('TGG', 'TAA', 'GCT')
    """
    meaning = amino_acid(codon, table)
    if meaning == amino_acid(codon, host):
        return codon
    code = unambiguous_dna_by_id[host]
    same = sorted(code.stop_codons) if meaning == "*" else sorted(c for c, a in code.forward_table.items() if a == meaning)
    preferred = STOP if meaning == "*" else PREFERRED_CODON.get(meaning)
    return preferred if preferred in same else next(iter(same), codon)


def back_translate(peptide: str, codons: dict[str, str] = PREFERRED_CODON) -> str:
    """DNA for a peptide with E. coli's preferred codons (or ``codons``, e.g. :data:`ALTERNATE_CODON`).

    >>> back_translate("AANW"), back_translate("AANW", ALTERNATE_CODON)
    ('GCGGCGAACTGG', 'GCCGCCAATTGG')
    """
    unknown = sorted(set(peptide) - set(codons))
    if unknown:
        raise CompileError(f"degron tag '{peptide}' has letters that are not amino acids: "
                           f"{', '.join(unknown)}")
    return "".join(codons[residue] for residue in peptide)


TERMINI = ("C", "N")


def tag_terminus(parts: IsolationParts) -> str:
    """Where the VM's degron sits on its proteins, "C" or "N" (the parts library's tag ``terminus``,
    carried by :class:`~bioxen.ir.IsolationParts`)."""
    if parts.tag_terminus not in TERMINI:
        raise CompileError(f"degron tag {parts.tag_name} has terminus '{parts.tag_terminus}'; expected C or N")
    return parts.tag_terminus


def tagged(body: str, tag: str, terminus: str, codons: dict[str, str] = PREFERRED_CODON) -> tuple[str, int]:
    """A CDS from ``body`` (start codon first, no stop) with the degron ``tag`` back-translated
    after the start codon (terminus N) or before the stop (C), then TAA; and where the tag's DNA
    starts in it.

    >>> tagged("ATGAAA", "F", "N"), tagged("ATGAAA", "F", "C")
    (('ATGTTTAAATAA', 3), ('ATGAAATTTTAA', 6))
    """
    dna = back_translate(tag, codons)
    if terminus == "N":
        return body[:3] + dna + body[3:] + STOP, 3
    return body + dna + STOP, len(body)


def protein(cds: str, table: int, amber_sites: tuple[int, ...] = (), residue: str = "Y") -> str:
    """What a ribosome makes of ``cds`` under ``table``: initiator Met, no final stop; the UAG
    codons starting at ``amber_sites`` (nt offsets) read as ``residue`` (a suppressor tRNA's)."""
    translated = list(str(Seq(cds).translate(table=table)).rstrip("*"))
    for offset in amber_sites:
        translated[offset // 3] = residue
    if cds[:3] in unambiguous_dna_by_id[table].start_codons:
        translated[0] = "M"
    return "".join(translated)


# What an amber/ncaa VM's suppressor tRNA puts at a UAG: tyrosine (wild-type MjTyrRS) or a
# non-canonical amino acid (an evolved MjTyrRS; X in a translation, OTHER in /transl_except).
def amber_residue(parts: IsolationParts) -> str:
    return "X" if parts.genetic_code == "ncaa" else "Y"


def transl_except(location: FeatureLocation, residue: str) -> str:
    """A GenBank /transl_except for one codon read as ``residue`` (Y: Tyr, X: OTHER)."""
    where = f"{location.start + 1}..{location.end}"
    where = where if location.strand != -1 else f"complement({where})"
    return f"(pos:{where},aa:{'Tyr' if residue == 'Y' else 'OTHER'})"


def amber_note(parts: IsolationParts, sites: int) -> str:
    if parts.genetic_code == "ncaa":
        return (f"{sites} tyrosine codon(s) written as UAG (amber), read by the VM's evolved MjTyrRS/tRNA(CUA) "
                "pair as the non-canonical amino acid it is given: without it in the medium the protein "
                "is truncated there (synthetic auxotrophy, Rovner et al. 2015 Nature 518:89)")
    return (f"{sites} tyrosine codon(s) written as UAG (amber), read as tyrosine by the VM's own "
            "M. jannaschii TyrRS/tRNA(CUA) pair (Wang et al. 2001 Science 292:498): the same protein, made "
            "only where the pair is")


# --- one refactored gene --------------------------------------------------------------

@dataclass(frozen=True)
class Cassette:
    """A refactored gene, 5'->3' on its own strand: ``utr + cds`` (cds ends in tag, TAA)."""

    gene: Gene
    utr: str
    cds: str
    tag_length: int       # nt of tag DNA (after the start codon or before the stop codon)
    recoded: int          # codons changed for the host
    replaced: bool        # the UTR replaced the native upstream window (else inserted)
    layout: GeneLayout | None = None   # where its exons lie (None: one simple part)
    provenance: str = ""               # where a spliced gene's exons came from
    tag_start: int | None = None       # where the tag's DNA starts in cds (None: just before the stop)
    amber_sites: tuple[int, ...] = ()  # where each UAG (amber) codon starts in cds (genetic_code amber/ncaa)

    @property
    def tag_span(self) -> tuple[int, int]:
        """[a, b) of the tag's DNA in :attr:`dna`."""
        start = len(self.cds) - len(STOP) - self.tag_length if self.tag_start is None else self.tag_start
        return len(self.utr) + start, len(self.utr) + start + self.tag_length

    @property
    def dna(self) -> str:
        return self.utr + self.cds

    @property
    def five_prime(self) -> Segment:
        """The stretch of native DNA holding its start codon, where the cassette is placed."""
        if self.layout is not None:
            return self.layout.five_prime
        return Segment(self.gene.start, self.gene.end, self.gene.strand, self.gene.pieces)

    @property
    def strand(self) -> int:
        return self.five_prime.strand


@dataclass(frozen=True)
class NativeGene:
    """A gene copied from the guest genome (an RNA gene, a pseudogene, a CDS that cannot be
    refactored): its segments joined in transcription order, introns removed, else unchanged."""

    gene: Gene
    layout: GeneLayout
    why: str | None = None    # a CDS left unrefactored: the reason
    provenance: str = ""


@dataclass(frozen=True)
class Removal:
    """Native DNA left out of the image: a spliced gene's other exons and free introns (now in its
    mature sequence), or a knocked-out gene's exons."""

    start: int
    end: int
    note: str = ""            # for the image's record of deletions ("" for splicing)


def own_promoter(parts: IsolationParts) -> str:
    """The DNA of the promoter of the VM's own RNA polymerase ("": the host's, or one BioXen lacks)."""
    return (shipped_part(parts.promoter).sequence or "") if parts.promoter else ""


def leader(parts: IsolationParts) -> str:
    """What is written before every refactored start codon: the VM's polymerase promoter (policy
    transcription: orthogonal) and its 5' UTR."""
    return own_promoter(parts) + parts.utr


def gene_table(gene: Gene, genome: Genome) -> int:
    return gene.translation_table or genome.translation_table


def refactor(gene: Gene, genome: Genome, parts: IsolationParts, replaced: bool,
             layout: GeneLayout | None = None, provenance: str = "", amber: int = 0) -> Cassette:
    """The cassette for one CDS: UTR, (recoded) mature body with the degron at its terminus, TAA;
    ``amber``: how many of its tyrosine codons an amber/ncaa VM writes as UAG
    (:func:`bioxen.passes.genetic_code.amber_positions`, as the model counts them)."""
    native, table = genome.gene_sequence(gene), gene_table(gene, genome)
    codons = codons_of(native)
    body = codons[:1] + [host_codon(c, table, parts.host_table) if recodes(parts.genetic_code) else c
                         for c in codons[1:]]
    recoded = sum(a != b for a, b in zip(codons, body))
    sites = amber_positions(codons, amber) if amber else ()
    for i in sites:
        body[i] = AMBER
    terminus = tag_terminus(parts)
    cds, tag_start = tagged("".join(body), parts.tag, terminus)
    shift = 3 * len(parts.tag) if terminus == "N" else 0
    return Cassette(gene, leader(parts), cds, 3 * len(parts.tag), recoded, replaced, layout, provenance,
                    tag_start, tuple(3 * i + shift for i in sites))


# --- layout of the guest genome -------------------------------------------------------

def upstream_window(gene: Gene, length: int) -> tuple[int, int]:
    """The ``length`` bp just 5' of a gene's start codon, in genome coordinates."""
    start, end, strand = gene.pieces[0]
    return (start - length, start) if strand == 1 else (end, end + length)


def replaceable_windows(genome: Genome, length: int, removed: tuple[tuple[int, int], ...] = (),
                        refactored: set[str] | None = None) -> set[Gene]:
    """CDSs (of ``refactored``, default all) whose upstream window is free intergenic DNA: the
    UTR may replace it.

    Free means inside the genome, outside every part of every annotated gene, outside the
    ``removed`` spans and outside every other CDS's window (so two divergent genes never fight
    over one spacer).
    """
    covered = bytearray(genome.length)
    for start, end in [p[:2] for gene in genome.genes for p in gene.pieces] + list(removed):
        covered[start:end] = b"\x01" * (end - start)
    windows = {g: upstream_window(g, length) for g in genome.genes if g.is_coding}
    claims = Counter(p for a, b in windows.values()
                     for p in range(max(a, 0), min(b, genome.length)))
    return {g for g, (a, b) in windows.items()
            if (refactored is None or g.locus_tag in refactored)
            and 0 <= a and b <= genome.length and not any(covered[a:b])
            and all(claims[p] == 1 for p in range(a, b))}


def _region(element) -> tuple[int, int]:
    """Native coordinates an element stands for (its 5' segment, a replaced window, a removal)."""
    if isinstance(element, Removal):
        return element.start, element.end
    if isinstance(element, NativeGene):
        return element.layout.five_prime.start, element.layout.five_prime.end
    segment, length = element.five_prime, len(element.utr) if element.replaced else 0
    if segment.strand == 1:
        return segment.start - length, segment.end
    return segment.start, segment.end + length


def _check_vm(vm: GuestVM) -> None:
    if vm.parts is None:
        raise CompileError(f"VM '{vm.id}' has no isolation parts", vm.location,
                           hint="run the isolate pass before writing images")
    refusal = no_sequence(vm)
    if refusal is not None:
        raise refusal


def no_sequence(vm: GuestVM) -> FormatRefused | None:
    """Why the VM's image (the ``dna`` format) cannot be written: its genome file gives no
    sequence for a record (features only); None when it gives every one. The model compiles
    from the annotation all the same (protein lengths from /translation)."""
    if vm.genome.has_sequence:
        return None
    missing = [r.id for r in vm.genome.replicons if not r.sequence]
    return FormatRefused(f"dna: genome {vm.genome.accession} of VM '{vm.id}' gives no sequence "
                         f"(record{'s' if len(missing) > 1 else ''} {', '.join(missing[:5])}: features only), "
                         "so no VM image can be written", at(vm.genome.source),
                         hint="use a GenBank file with its sequence (ORIGIN; for a CON record with a CONTIG line, "
                              "NCBI's 'GenBank (full)', efetch rettype=gbwithparts), or FASTA+GFF3; or leave dna out "
                              "of --formats (the model compiles from the annotation)")


def knocked_out(vm: GuestVM, genome: Genome) -> set[str]:
    """Locus tags of the VM's knocked-out genes (policy ``knockouts:``, names or locus tags)."""
    found = (genome.find(key) for key in vm.knockouts)
    return {gene.locus_tag for gene in found if gene is not None}


def _turned(vm: GuestVM, replicon: Genome) -> tuple[Genome, int]:
    genome, turn = origin_free(replicon)
    across = [g.locus_tag for g in genome.genes if spans_origin(g, genome)]
    if across:
        raise CompileError(f"VM '{vm.id}': genes {', '.join(across)} span the origin and no position "
                           f"of genome {genome.accession} lies outside every gene to turn it at",
                           at(genome.source))
    return genome, turn


@dataclass(frozen=True)
class _Plan:
    """What the image does with each gene of the (turned) guest genome."""

    genome: Genome
    turn: int
    layouts: dict
    knocked: set
    native: dict          # locus tag -> why a CDS is left unrefactored
    removals: list


def _plan(vm: GuestVM, replicon: Genome) -> _Plan:
    """The plan of one replicon (a single-replicon view of the VM's genome)."""
    genome, turn = _turned(vm, replicon)
    layouts = {g.locus_tag: gene_layout(g, genome) for g in genome.genes}
    knocked = knocked_out(vm, vm.genome) & set(layouts)
    kept = bytearray(genome.length)
    for gene in genome.genes:
        if gene.locus_tag not in knocked:
            for s in layouts[gene.locus_tag].segments:
                kept[s.start:s.end] = b"\x01" * (s.end - s.start)
    removals = []
    for gene in genome.genes:
        layout = layouts[gene.locus_tag]
        removals += [Removal(a, b) for a, b in layout.introns if not any(kept[a:b])]
        if gene.locus_tag in knocked:
            removals += [Removal(s.start, s.end, f"{gene.locus_tag} ({gene.name}) at native "
                                 f"{native_location((s.start, s.end, s.strand), turn, genome.length)}")
                         for s in layout.segments]
        else:
            removals += [Removal(s.start, s.end) for s in layout.segments[1:]]
    return _Plan(genome, turn, layouts, knocked, unrefactorable(genome), removals)


def _provenance(gene: Gene, plan: _Plan, removed: set[tuple[int, int]]) -> str:
    """Where a spliced gene's exons came from and what became of its introns ("" if not spliced)."""
    layout, genome = plan.layouts[gene.locus_tag], plan.genome
    if not layout.spliced:
        return ""
    where = lambda s: native_location((s.start, s.end, s.strand), plan.turn, genome.length)  # noqa: E731
    exons = "; ".join(f"exon {i} {where(s)}" for i, s in enumerate(layout.segments, 1))
    kept = [native_location((a, b, 1), plan.turn, genome.length) for a, b in layout.introns
            if (a, b) not in removed]
    how = "trans-spliced" if "trans" in layout.joints else "spliced"
    text = (f"{how}: its mature sequence, {len(layout.segments)} exons of {genome.accession} joined in "
            f"transcription order ({exons}), lies where exon 1 lay; its other exons and every intron "
            f"holding no other gene are gone from their native places")
    return text + (f"; intron(s) {', '.join(kept)} kept in place: they hold other genes" if kept else "")


def _elements(vm: GuestVM, plan: _Plan) -> list:
    """(native region, element) of every gene and removal, in genome order."""
    genome, parts = plan.genome, vm.parts
    refactored = {g.locus_tag for g in genome.genes
                  if g.is_coding and g.locus_tag not in plan.native and g.locus_tag not in plan.knocked}
    free = replaceable_windows(genome, len(leader(parts)), tuple((r.start, r.end) for r in plan.removals),
                               refactored)
    elements, removed = list(plan.removals), {(r.start, r.end) for r in plan.removals}
    sites = {t: k for u in vm.units for t, k in zip(u.locus_tags, u.amber_sites)}
    for gene in genome.genes:
        tag, layout = gene.locus_tag, plan.layouts[gene.locus_tag]
        if tag in plan.knocked:
            continue
        provenance = _provenance(gene, plan, removed)
        if tag in refactored:
            elements.append(refactor(gene, genome, parts, gene in free, layout, provenance, sites.get(tag, 0)))
        else:
            elements.append(NativeGene(gene, layout, plan.native.get(tag), provenance))
    return sorted(((_region(e), e) for e in elements), key=lambda item: item[0])


def vm_images(vm: GuestVM) -> list[SeqRecord]:
    """The guest genome as it would be built into the host, one record per replicon (see the
    module docstring)."""
    _check_vm(vm)
    views = vm.genome.views()
    return [_replicon_image(vm, _plan(vm, view), i if len(views) > 1 else 0) for i, view in enumerate(views, 1)]


def vm_image(vm: GuestVM) -> SeqRecord:
    """The image of a guest genome of one replicon (:func:`vm_images` for any genome)."""
    records = vm_images(vm)
    if len(records) != 1:
        raise CompileError(f"genome {vm.genome.accession} of VM '{vm.id}' has {len(records)} replicons: "
                           "its image is one record per replicon", at(vm.genome.source),
                           hint="use bioxen.backend.images.vm_images")
    return records[0]


def _replicon_image(vm: GuestVM, plan: "_Plan", number: int) -> SeqRecord:
    """One replicon's image; ``number`` counts the replicons of a genome of several (else 0)."""
    genome, parts = plan.genome, vm.parts
    pieces, features, deleted, cursor, offset = [], [], [], 0, 0
    for (start, end), element in _elements(vm, plan):
        if start > cursor:
            pieces.append(genome.sequence[cursor:start])
            offset += start - cursor
        if isinstance(element, Removal):
            if element.note:
                deleted.append(f"{element.note}, {element.end - element.start} bp, removed before image "
                               f"position {offset + 1}")
        else:
            dna, placed = _place(element, genome, parts, offset)
            pieces.append(dna)
            features += placed
            offset += len(dna)
        cursor = max(cursor, end)
    pieces.append(genome.sequence[cursor:])
    return _vm_record(vm, plan, "".join(pieces), features, deleted, number)


def _place(element, genome: Genome, parts: IsolationParts, offset: int):
    """Genome-oriented DNA of one element at ``offset`` in the image, and its features."""
    if isinstance(element, Cassette):
        dna = element.dna if element.strand == 1 else reverse_complement(element.dna)
        return dna, cassette_features(element, genome, parts, offset)
    gene, transcript, spans = element.gene, *_mature(element.layout, genome)
    strand = element.layout.five_prime.strand
    locations = [_span(offset, len(transcript), a, b, strand) for a, b in spans]
    location = locations[0] if len(locations) == 1 else CompoundLocation(locations)
    qualifiers = native_qualifiers(gene, element.why, element.provenance)
    if gene.feature_type == "CDS":
        table = gene_table(gene, genome)
        if recodes(parts.genetic_code) and gene.is_coding:
            transcript, recoded = recode_in_place(transcript, spans, table, gene.codon_start,
                                                  {offset for offset, _ in gene.transl_except}, parts.host_table)
            qualifiers["note"].append(f"{recoded} codon(s) recoded for the host, in place")
        qualifiers.update(codon_start=[str(gene.codon_start)], transl_table=[str(
            parts.host_table if host_reads(parts.genetic_code) and gene.is_coding else table)])
        if element.layout.frameshift or gene.ribosomal_slippage:
            qualifiers["ribosomal_slippage"] = [""]
    dna = transcript if strand == 1 else reverse_complement(transcript)
    return dna, [SeqFeature(location, type=gene.feature_type, qualifiers=qualifiers)]


def recode_in_place(transcript: str, spans: list[tuple[int, int]], table: int,
                    codon_start: int = 1, kept: set[int] = frozenset(), host: int = HOST_TABLE) -> tuple[str, int]:
    """A native CDS's DNA with every in-frame codon after the first read as the host reads the
    genome's (:func:`host_codon`), following its parts ``spans`` (a frameshift's too), and the
    number of codons changed. A change that would alter another codon (a base an overlapping
    frameshift reads twice) is not made, nor one of a codon at a mature offset in ``kept`` (a
    /transl_except's selenocysteine or pyrrolysine).

    >>> recode_in_place("ATGTGA" + "T" + "TGATAA", [(0, 6), (7, 13)], 4)   # +1 frameshift skips T
    ('ATGTGGTTGGTAA', 2)
    """
    positions = [i for a, b in spans for i in range(a, b)]   # mature position -> transcript position
    read = Counter(positions)
    dna, changed, first = list(transcript), 0, codon_start - 1
    for k in range(first + (3 if first == 0 else 0), len(positions) - 2, 3):
        at = positions[k:k + 3]
        codon = "".join(transcript[i] for i in at)
        new = host_codon(codon, table, host)
        if new != codon and k not in kept and all(read[i] == 1 for i in at):
            for i, base in zip(at, new):
                dna[i] = base
            changed += 1
    return "".join(dna), changed


def _mature(layout: GeneLayout, genome: Genome) -> tuple[str, list[tuple[int, int]]]:
    """A native gene's segments joined 5'->3', and its parts' [a, b) in it (adjacent ones merged)."""
    pieces, spans, cursor = [], [], 0
    for segment in layout.segments:
        dna = genome.sequence[segment.start:segment.end]
        pieces.append(dna if segment.strand == 1 else reverse_complement(dna))
        for a, b in segment.offsets():
            if spans and spans[-1][1] == cursor + a:
                spans[-1] = (spans[-1][0], cursor + b)
            else:
                spans.append((cursor + a, cursor + b))
        cursor += len(dna)
    return "".join(pieces), spans


def native_qualifiers(gene: Gene, why: str | None = None, provenance: str = "") -> dict:
    note = "unchanged from the guest genome" if not provenance else f"copied from the guest genome, {provenance}"
    if why:
        note = (f"NOT REFACTORED: {why}; written as in the guest genome (its own upstream sequence and "
                f"Shine-Dalgarno, no BioXen UTR, no degron tag); the model translates it on host "
                f"ribosomes, ungated and untagged" + (f"; {provenance}" if provenance else ""))
    qualifiers = {"locus_tag": [gene.locus_tag], "gene": [gene.name], "product": [gene.product],
                  "note": [note]}
    if gene.pseudo:
        qualifiers["pseudo"] = [""]
    elif gene.partial:
        qualifiers["note"].append("partial in the guest genome (a fuzzy end in its location): not expressed")
    return qualifiers


def _span(offset: int, total: int, a: int, b: int, strand: int) -> FeatureLocation:
    """Cassette coordinates [a, b) (5'->3' on the gene's strand) as an image location."""
    if strand == 1:
        return FeatureLocation(offset + a, offset + b, 1)
    return FeatureLocation(offset + total - b, offset + total - a, -1)


def cassette_features(c: Cassette, genome: Genome, parts: IsolationParts, offset: int) -> list:
    """CDS, 5' UTR, SD and tag features of one cassette placed at ``offset``."""
    gene, utr, total, strand = c.gene, len(c.utr), len(c.dna), c.strand
    span = lambda a, b: _span(offset, total, a, b, strand)  # noqa: E731
    table = parts.host_table if host_reads(parts.genetic_code) else gene_table(gene, genome)
    how = "replaces the native" if c.replaced else "inserted before the native"
    terminus = tag_terminus(parts)
    notes = [f"refactored for the host: genetic code {parts.genetic_code}, "
             f"{c.recoded} codon(s) recoded, tag {parts.tag_name} at the {terminus}-terminus, stop {STOP}"]
    cds_qualifiers = {
        "locus_tag": [gene.locus_tag], "gene": [gene.name], "product": [gene.product],
        "codon_start": ["1"], "transl_table": [str(table)],
        "note": notes + ([c.provenance] if c.provenance else []),
        "translation": [protein(c.cds, table, c.amber_sites, amber_residue(parts))]}
    if parts.compartment:
        cds_qualifiers["note"].append(f"policy compartment {parts.compartment}: {shipped_part(TARGETING).note()}; it "
                                      "belongs at the C-terminus, before the stop (not written: no DNA)")
    if c.amber_sites:
        cds_qualifiers["transl_except"] = [transl_except(span(utr + a, utr + a + 3), amber_residue(parts))
                                           for a in c.amber_sites]
        cds_qualifiers["note"].append(amber_note(parts, len(c.amber_sites)))
    features = [
        SeqFeature(span(utr, total), type="CDS", qualifiers=cds_qualifiers),
        SeqFeature(span(0, utr), type="5'UTR", qualifiers={
            "locus_tag": [gene.locus_tag],
            "note": [f"BioXen 5' UTR of pool {parts.pool}; {how} {utr} bp upstream"]}),
    ]
    promoter = own_promoter(parts)
    if promoter and c.utr.startswith(promoter):
        features.append(SeqFeature(span(0, len(promoter)), type="promoter", qualifiers={
            "locus_tag": [gene.locus_tag],
            "note": [f"promoter of RNA polymerase {parts.polymerase}, which alone transcribes this VM's genes "
                     f"(policy transcription: orthogonal): {shipped_part(parts.promoter).note()}"]}))
    if c.tag_length:
        features.append(SeqFeature(span(*c.tag_span), type="misc_feature",
                                   qualifiers={"locus_tag": [gene.locus_tag],
                                               "so_term": ["SO:0001955"],  # protein_stability_element
                                               "note": [degron_note(parts)]}))
    sd_at = c.utr.find(parts.sd) if parts.sd else -1
    if sd_at >= 0:
        sd = span(sd_at, sd_at + len(parts.sd))
        features.append(SeqFeature(sd, type="regulatory", qualifiers={
            "regulatory_class": ["ribosome_binding_site"], "locus_tag": [gene.locus_tag],
            "note": [f"orthogonal Shine-Dalgarno {parts.sd} of ribosome pool {parts.pool}"]}))
    return features


def degron_note(parts: IsolationParts) -> str:
    """What a VM's degron is and how it works, for its features."""
    if tag_terminus(parts) == "N":
        return (f"degron tag {parts.tag_name} ({parts.tag}) at the N-terminus, after the start codon: "
                f"protease {parts.protease} cuts before its last residue, whose exposed "
                f"{parts.tag[-1]} is an N-degron for ClpS-ClpAP")
    return f"degron tag {parts.tag_name} ({parts.tag}) at the C-terminus, recognised by protease {parts.protease}"


def _vm_record(vm: GuestVM, plan: _Plan, dna: str, features: list, deleted: list[str], number: int = 0) -> SeqRecord:
    genome, parts = plan.genome, vm.parts
    notes = [f"refactored from {genome.accession} ({genome.description})"]
    if number:
        notes.append(f"replicon {number} of {len(vm.genome.replicons)} of genome {vm.genome.source}")
    if plan.turn:
        notes.append(f"turned so that no gene spans the origin: image position 1 is position "
                     f"{plan.turn + 1} of {genome.accession}")
    notes += [f"knocked out by policy, deleted: {text}" for text in deleted]
    source = SeqFeature(FeatureLocation(0, len(dna), 1), type="source", qualifiers={
        "organism": ["synthetic construct"], "mol_type": ["other DNA"], "note": notes})
    suffix = f"_{number}" if number else ""
    return SeqRecord(
        Seq(dna), id=f"{vm.id}_image{suffix}", name=f"{vm.id}_image"[:16 - len(suffix)] + suffix,
        description=f"BioXen image of VM {vm.id}: {genome.accession} refactored for E. coli "
                    f"(pool {parts.pool}, genetic code {parts.genetic_code}, tag {parts.tag_name})",
        features=[source] + features,
        annotations={"molecule_type": "DNA", "topology": genome.topology,
                     "comment": "Every CDS carries the VM's 5' UTR right before its start codon "
                                "(replacing the native upstream bases when they are free "
                                "intergenic DNA, inserted otherwise), its degron tag (after the "
                                "start codon or before the stop, by the tag's terminus) and the "
                                "stop TAA; overlapping genes are separated by duplicating shared bases "
                                "(Chan, Kosuri & Endy 2005). A spliced gene is written as its "
                                "mature sequence where its first exon lay (its note gives each "
                                "exon's native place); knocked-out genes are deleted (listed in "
                                "the source feature); a CDS that cannot be refactored (a "
                                "programmed frameshift, a partial CDS) is copied unchanged and its "
                                "note says why."})


def refactoring_warnings(design: Design) -> list[str]:
    """One line per CDS a VM image leaves unrefactored (not knocked out): which, why, the fix."""
    warnings = []
    for vm in design.vms:
        knocked, genes = knocked_out(vm, vm.genome), vm.genome.by_locus_tag()
        for tag, why in unrefactorable(vm.genome).items():
            if tag not in knocked:
                gene = genes[tag]
                warnings.append(
                    f"VM '{vm.id}': gene {tag} ({gene.name}) cannot be refactored: {why}. vm_{vm.id}.gb "
                    "carries it as in the guest genome (its own Shine-Dalgarno, no BioXen UTR or "
                    "degron; recoded in place if the VM recodes) and the model translates it on host "
                    f"ribosomes, ungated and untagged; to leave it out, add {tag} to the VM's knockouts:")
    return warnings


# --- the hypervisor's genes -----------------------------------------------------------

@dataclass(frozen=True)
class PartSequence:
    """One part of bioxen/data/parts/dna/sequences.yaml; ``sequence`` is None where BioXen lacks it."""

    key: str
    name: str
    kind: str
    what: str
    sequence: str | None
    placeholder_length: int
    source: str
    reason: str
    colour: str = ""          # a fluorescent protein's colour (``colour:`` in the file)

    def dna(self) -> str:
        """The part's DNA; a part BioXen lacks has none to write (no run of N stands in for it)."""
        if self.sequence is None:
            raise CompileError(f"part {self.key} ({self.name}) has no sequence in BioXen's parts data: "
                               f"{self.reason}", at(PART_SEQUENCES))
        return self.sequence

    def note(self) -> str:
        if self.sequence is None:
            return f"sequence not in BioXen's data: {self.name}, {self.what}; {self.reason}"
        return f"{self.name}: {self.what} (source: {self.source})"


def load_part_sequences(path: Path = PART_SEQUENCES) -> dict[str, PartSequence]:
    """The hypervisor's part DNA, by key (promoters, RBS, terminator, fluorescent proteins, 16S rRNA,
    PhlF and its operator, and one CDS per protease of the parts library, keyed by the protease's name)."""
    try:
        parts = YAML(typ="safe").load(Path(path).read_text())["parts"]
    except (OSError, KeyError, TypeError) as exc:
        raise CompileError(f"cannot read part sequences: {exc}", at(path)) from exc
    flat = lambda text: " ".join(str(text or "").split())  # noqa: E731
    return {key: PartSequence(
        key, str(p["name"]), str(p["kind"]), flat(p.get("what")),
        "".join(p["sequence"].split()).upper() if p.get("sequence") else None,
        int(p.get("placeholder_length", 0)), flat(p.get("source")), flat(p.get("reason")),
        flat(p.get("colour") or p.get("color")))
        for key, p in parts.items()}


@functools.lru_cache(maxsize=None)
def shipped_part(key: str) -> PartSequence:
    """One part of the shipped part sequences, read once."""
    return load_part_sequences()[key]


STATUSES = ("sourced", "designed", "recoded", "chassis", "missing")   # of a part, in the bill of materials


@dataclass(frozen=True)
class Piece:
    """One feature's worth of a hypervisor cassette: its DNA, where that DNA comes from
    (``source``) and its ``status`` in the bill of materials (:data:`STATUSES`)."""

    type: str
    label: str
    dna: str
    note: str
    qualifiers: tuple[tuple[str, str], ...] = ()
    source: str = ""
    status: str = "sourced"
    expected_length: int = 0      # nt of a missing part (no DNA written)

    @property
    def length(self) -> int:
        return len(self.dna) or self.expected_length

    def noted(self, extra: str) -> "Piece":
        return replace(self, note=f"{self.note}; {extra}")


def library_piece(part: PartSequence, type_: str, label: str, **extra: str) -> Piece:
    status, source = ("sourced", part.source) if part.sequence is not None else ("missing", part.reason)
    return Piece(type_, label, part.dna() if part.sequence is not None else "", part.note(),
                 tuple(extra.items()), source, status)


def cello_piece(part: Part, type_: str, label: str, what: str, **extra: str) -> Piece:
    """A part read in Cello's reference data (:mod:`bioxen.cello`)."""
    source = f"Cello part {part.name} ({part.source}); {CELLO_CITATION}"
    return Piece(type_, label, part.dna, f"{what} (source: {source})", tuple(extra.items()), source)


@dataclass(frozen=True)
class Choice:
    """Equivalent parts for one place of a cassette: the layout takes the first that repeats
    nothing already in the construct (``optional``: none at all if every one would)."""

    options: tuple[Piece, ...]
    optional: bool = False


# --- laying cassettes out without repeats -----------------------------------------------

REPEAT = 16     # bp: the shortest direct repeat the layout avoids (bioxen.backend.sequence_qa's default)


# What a synthesis vendor or a Golden Gate assembly refuses in a part (bioxen.backend.sequence_qa:
# HOMOPOLYMER_ERROR and the golden_gate standard's BsaI and BsmBI sites, both strands): among parts
# that repeat nothing, the layout takes one without these.
REFUSED = re.compile(r"A{10}|C{10}|G{10}|T{10}|GGTCTC|GAGACC|CGTCTC|GAGACG")


def kmers(dna: str, k: int = REPEAT) -> set[str]:
    return {dna[i:i + k] for i in range(len(dna) - k + 1)}


def oriented(dna: str, strand: int) -> str:
    return dna if strand == 1 else reverse_complement(dna)


@dataclass(frozen=True)
class Placed:
    """A cassette as laid out: its pieces 5'->3' on its own strand, from ``start`` of the record."""

    locus_tag: str
    strand: int
    pieces: tuple[Piece, ...]
    start: int

    @property
    def dna(self) -> str:
        return "".join(p.dna for p in self.pieces)

    def spans(self) -> list[tuple[Piece, FeatureLocation]]:
        """Each non-empty piece with its place in the record."""
        total, cursor, found = len(self.dna), 0, []
        for piece in self.pieces:
            a, b = cursor, cursor + len(piece.dna)
            cursor = b
            if a == b:
                continue
            found.append((piece, FeatureLocation(self.start + a, self.start + b, 1) if self.strand == 1
                          else FeatureLocation(self.start + total - b, self.start + total - a, -1)))
        return found


class Construct:
    """One record being laid out: each cassette goes on the top strand, or on the bottom strand
    when that leaves no direct repeat of :data:`REPEAT` bp where the top would (a part used on both
    strands is an inverted repeat: a warning of the QA, where a direct one recombines out)."""

    def __init__(self, id: str, name: str, description: str, avoid: frozenset[str] = frozenset()):
        """``avoid``: k-mers of other records of the same cell (their choosable parts) to keep out too."""
        self.id, self.name, self.description = id, name, description
        self.placed: list[Placed] = []
        self._kmers: set[str] = set()
        self._avoid = avoid
        self._length = 0

    def _resolve(self, slots, strand: int) -> tuple[list[Piece], int]:
        seen, chosen, clashes, tail = self._kmers | self._avoid, [], 0, ""
        for slot in slots:     # each piece with the cassette's last REPEAT - 1 nt before it: junctions count
            options = slot.options if isinstance(slot, Choice) else (slot,)
            scored = [(len(kmers(oriented(tail + p.dna, strand)) & seen), bool(REFUSED.search(tail + p.dna)), i, p)
                      for i, p in enumerate(options)]
            clash, _, _, piece = min(scored, key=lambda s: s[:3]) if scored else (0, 0, 0, None)
            if piece is None or (clash and isinstance(slot, Choice) and slot.optional):
                continue
            clashes += clash
            chosen.append(piece)
            seen |= kmers(oriented(tail + piece.dna, strand))
            tail = (tail + piece.dna)[-(REPEAT - 1):]
        return chosen, clashes

    def add(self, locus_tag: str, slots: list) -> Placed:
        """Place one cassette (pieces and :class:`Choice` s, 5'->3' on its own strand)."""
        (chosen, clashes), strand = self._resolve(slots, 1), 1
        if clashes:
            flipped = self._resolve(slots, -1)
            if flipped[1] < clashes:
                (chosen, clashes), strand = flipped, -1
        placed = Placed(locus_tag, strand, tuple(chosen), self._length)
        self._kmers |= kmers(oriented(placed.dna, strand))
        self._length += len(placed.dna)
        self.placed.append(placed)
        return placed

    def part_kmers(self, skip: tuple[str, ...] = ("rRNA",)) -> set[str]:
        """Top-strand k-mers of every placed piece but those of types ``skip``."""
        return {k for placed in self.placed for piece in placed.pieces if piece.type not in skip
                for k in kmers(oriented(piece.dna, placed.strand))}

    def record(self) -> SeqRecord:
        features = []
        for placed in self.placed:
            for piece, location in placed.spans():
                qualifiers = {"label": [piece.label], "locus_tag": [placed.locus_tag], "note": [piece.note]}
                qualifiers.update({key: [value] for key, value in piece.qualifiers})
                features.append(SeqFeature(location, type=piece.type, qualifiers=qualifiers))
        dna = "".join(oriented(p.dna, p.strand) for p in self.placed)
        return SeqRecord(Seq(dna), id=self.id, name=self.name[:16], description=self.description,
                         features=features, annotations={"molecule_type": "DNA", "topology": "linear"})


# --- the parts a design's cassettes choose from -----------------------------------------

OPERATOR_LENGTH = 30    # nt: the 3' stretch of a Cello output promoter taken as its repressor's operator


@dataclass(frozen=True)
class Catalogue:
    """The parts of one design's hypervisor: BioXen's part DNA, Cello's gates and sensors, which
    Cello repressor each repressor gene of the model is, and the equivalent parts to pick among."""

    library: dict[str, PartSequence]
    cello: CelloLibrary
    repressors: dict[str, str]          # model gene -> Cello repressor
    assigned_here: tuple[str, ...]      # genes given a repressor here (no wiring pass named one)
    reused: tuple[str, ...]             # genes whose repressor an earlier gene has (their CDS is recoded)
    constitutive: tuple[Piece, ...]
    terminators: tuple[Piece, ...]
    ribozymes: tuple[Piece, ...]

    def repressor(self, gene: str) -> Repressor | None:
        name = self.repressors.get(gene)
        return self.cello.repressors.get(name) if name else None

    def promoter(self, name: str) -> tuple[Part, str]:
        """A Cello promoter by its part name, and what it is."""
        for sensor in self.cello.sensors.values():
            if sensor.promoter.name == name:
                return sensor.promoter, (f"output promoter of the Marionette sensor {sensor.name}, induced by "
                                         f"{sensor.inducer} ({sensor.regulator} is the chassis's; "
                                         f"{sensor.ymin:g}-{sensor.ymax:g} RPU; {MARIONETTE_CITATION})")
        for repressor in self.cello.repressors.values():
            if repressor.promoter.name == name:
                return repressor.promoter, f"output promoter of Cello's {repressor.name} gate ({repressor.gate})"
        raise CompileError(f"promoter {name} is neither a Cello sensor's nor a Cello gate's output promoter",
                           hint="the wiring pass names promoters of bioxen.cello's parts")


def repressor_genes(design: Design) -> list[str]:
    """The model's repressor genes (decoder gates, pulse repressors, ring nodes, controllers, the ATP guard)."""
    return [gene for gene in hypervisor_genes(design)
            if not gene.startswith(("protease_", "reporter_"))]


def assign_repressors(design: Design, cello: CelloLibrary) -> tuple[dict[str, str], tuple[str, ...]]:
    """The wiring pass's repressor of each repressor gene; without a wiring pass every pulse
    repressor is PhlF (as the model then has it: the parts library's protease.pulse_repressor_*);
    a gene otherwise unassigned takes the next Cello gate repressor unused, in Cello's file order."""
    wiring = design.wiring
    assigned = {gene: wiring.repressor_of(gene) for gene in repressor_genes(design)
                if wiring is not None and wiring.repressor_of(gene)}
    if wiring is None:
        assigned.update({gene: "PhlF" for gene in repressor_genes(design) if gene.startswith("pulse_repressor_")})
    used = set(assigned.values()) | {g.repressor for g in (wiring.decoder if wiring else ())}
    free = [r.name for r in cello.gate_repressors(tuple(cello.sensors.values())) if r.name not in used]
    here = [gene for gene in repressor_genes(design) if gene not in assigned]
    assigned.update(zip(here, free))
    return assigned, tuple(gene for gene in here if gene in assigned)


def library_parts(library: dict[str, PartSequence], kind: str, what: str = "") -> list[PartSequence]:
    """Parts of BioXen's parts data of ``kind`` with DNA (and ``what`` in their description)."""
    return [p for p in library.values() if p.kind == kind and p.sequence is not None and what in p.what]


def catalogue(design: Design, library: dict[str, PartSequence]) -> Catalogue:
    cello = load_cello()
    repressors, here = assign_repressors(design, cello)     # the decoder's gates are model genes too
    idle = [r for r in cello.gate_repressors(tuple(cello.sensors.values())) if r.name not in repressors.values()]
    # Every constitutive promoter of the parts data (Anderson, BIOFAB), J23100 first, in file order: the
    # layout has no strength class (each cassette's rate is the model's, its promoter a STAND-IN), the
    # measured strengths are in each part's note.
    sigma70 = [library_piece(p, "promoter", p.key) for p in library_parts(library, "promoter", "constitutive promoter")]
    constitutive = tuple(sorted(sigma70, key=lambda p: p.label != "J23100")) + tuple(
        cello_piece(r.promoter, "promoter", r.promoter.name,
                    f"output promoter of Cello's {r.name} gate, constitutive here: this design makes no "
                    f"{r.name}, so it fires at the gate's unrepressed output, {r.response.ymax:.3g} RPU")
        for r in idle)
    terminators = tuple(sorted((library_piece(p, "terminator", p.key) for p in library_parts(library, "terminator")),
                               key=lambda p: p.label != "B0015")) + tuple(
        cello_piece(t, "terminator", t.name, "terminator measured by Cello") for t in cello.terminators)
    ribozymes = tuple(cello_piece(r, "misc_RNA", r.name, "self-cleaving ribozyme insulator: cuts off the "
                                  "5' leader so that translation does not depend on the promoter upstream",
                                  product="ribozyme insulator") for r in cello.ribozymes)
    first: dict[str, str] = {}
    reused = tuple(gene for gene, name in repressors.items() if first.setdefault(name, gene) != gene)
    return Catalogue(library, cello, repressors, here, reused, constitutive, terminators, ribozymes)


def operator(repressor: Repressor, why: str) -> Piece:
    """The repressor's operator: the 3' :data:`OPERATOR_LENGTH` nt of its Cello output promoter,
    placed after another promoter to make it repressible."""
    part = repressor.promoter
    return cello_piece(Part(part.name, "operator", part.dna[-OPERATOR_LENGTH:], part.source), "protein_bind",
                       f"{repressor.name} operator",
                       f"{repressor.name} operator, {why}. A: taken as the 3' {OPERATOR_LENGTH} nt of "
                       f"{part.name} (for pPhlF exactly the stretch after Cello's lower-case core; where the "
                       "operator lies in the other promoters is not read); that it alone binds the repressor "
                       "and represses when placed after another promoter is not measured in BioXen's sources",
                       bound_moiety=repressor.name)


def _terminators(cat: Catalogue, first: Part | None = None) -> Choice:
    own = [t for t in cat.terminators if first is not None and t.label == first.name]
    return Choice(tuple(own) + tuple(t for t in cat.terminators if t not in own))


def _constitutive(cat: Catalogue, why: str) -> Choice:
    return Choice(tuple(p.noted(why) for p in cat.constitutive))


def _missing(part: PartSequence, label: str, type_: str = "CDS") -> Piece:
    """A part BioXen has no DNA for: no feature, only a row of the bill of materials."""
    return Piece(type_, label, "", part.note(), (), part.reason, "missing", part.placeholder_length)


def _sourced_or_missing(part: PartSequence, type_: str, label: str) -> Piece:
    """The part's DNA where BioXen has it, else its bill-of-materials row."""
    return library_piece(part, type_, label) if part.sequence is not None else _missing(part, label, type_)


def _coding(part: PartSequence, label: str, product: str) -> Piece:
    """A sourced CDS with its translation (table 11), or its bill-of-materials row."""
    if part.sequence is None:
        return _missing(part, label)
    return library_piece(part, "CDS", label, codon_start="1", transl_table=str(HOST_TABLE), product=product,
                         translation=protein(part.sequence, HOST_TABLE))


# --- RNAs BioXen designs ----------------------------------------------------------------

GATE_FLANK = 8      # nt of A/C/U on each side of the gate RNA's SD


def unstructured(sd: str, seed: str, left: int, right: int, draws: int = 200) -> str:
    """``sd`` between A/C/U flanks (:data:`bioxen.rna.FLANK_ALPHABET`) of ``left`` and ``right`` nt,
    the draw (seeded by ``seed``) whose RNA folds least (ViennaRNA MFE nearest 0), without a run of
    four or a start codon, so that the SD is as free as the model takes it."""
    rng, best = random.Random(f"{seed}:{sd}"), None

    def flank(n: int) -> str:
        return "".join(rng.choice(FLANK_ALPHABET) for _ in range(n))

    for _ in range(draws):
        dna = flank(left) + sd + flank(right)
        if re.search(r"(.)\1{3}", dna) or "ATG" in dna:
            continue
        energy = RNA.fold(dna.replace("T", "U"))[1]
        if best is None or energy > best[0]:
            best = (energy, dna)
        if energy == 0:
            break
    if best is None:
        raise CompileError(f"no unstructured context found for the Shine-Dalgarno {sd}")
    return best[1]


def gate_rna(parts: IsolationParts) -> str:
    """The ribosome-gate RNA of a VM (DNA): the pool's SD between short A/C/U spacers, unfolded, as
    :func:`bioxen.passes.parameterize.gate_strength` takes it (the bare o-SD's binding, no fold to
    pay); it holds no start codon, so a bound o-ribosome makes nothing."""
    return unstructured(parts.sd, "gate", GATE_FLANK, GATE_FLANK)


def controller_utr(parts: IsolationParts) -> str:
    """A 5' UTR for the pool's feedback controller (translated by the pool's o-ribosomes): a
    leader, the pool's SD and the spacer to the start codon (:func:`bioxen.rna.spacer_length`),
    unfolded; distinct from the VMs' UTRs and the gate RNA (no repeat)."""
    return unstructured(parts.sd, "controller", LEADER_LENGTH, spacer_length(parts.sd))


def designed_rna(type_: str, label: str, dna: str, note: str, **extra: str) -> Piece:
    return Piece(type_, label, dna, f"{note} (source: BioXen design)", tuple(extra.items()),
                 "BioXen design", "designed")


# --- cassettes --------------------------------------------------------------------------

# Without a wiring pass every VM's PAUSE shares pTet and every DESTROY pLas (the build before issue 20)
COMMAND_STAND_IN = {"pause": ("pTet", "pTet (BBa_R0040)", "aTc"), "destroy": ("pLas", "pLas (BBa_R0079)", "3OC12-HSL")}


def command_promoter(design: Design, vm: GuestVM, command: str, cat: Catalogue) -> Piece:
    """The promoter that fires ``command`` for ``vm``: its input in ``design.wiring`` (a Marionette
    sensor's promoter or a decoder gate's output), else the shared stand-in."""
    entry = design.wiring.input_of(vm.id, command) if design.wiring is not None else None
    if entry is None:
        key, label, inducer = COMMAND_STAND_IN[command]
        return library_piece(cat.library[key], "promoter", label).noted(
            f"fires {command.upper()}_VM of VM {vm.id} ({inducer}); STAND-IN shared by every VM: no "
            "wiring pass gave this command an input of its own")
    part, what = cat.promoter(entry.promoter)
    inducers = " + ".join(cat.cello.sensors[s].inducer if s in cat.cello.sensors else s for s in entry.inducers)
    shared = (f"; the same inducers also fire {', '.join(f'{c} of {v}' for v, c in entry.shared_with)}"
              if entry.shared_with else "")
    gate = f" (decoder gate {entry.gate})" if entry.gate else ""
    return cello_piece(part, "promoter", part.name, f"{what}{gate}; fires {command.upper()}_VM of VM "
                       f"{vm.id} when {inducers} is added{shared}")


def clock_node(design: Design, vm: GuestVM) -> int | None:
    clock = design.clock
    return clock.node_of[clock.turns.index(vm.id)] if clock is not None and vm.id in clock.turns else None


def pause_promoters(design: Design, vm: GuestVM, cat: Catalogue) -> list[Piece]:
    """PAUSE's promoter and, on the internal clock, the operator of the VM's ring node."""
    promoters, node = [command_promoter(design, vm, "pause", cat)], clock_node(design, vm)
    repressor = cat.repressor(node_gene(node)) if node is not None else None
    if repressor is not None:
        promoters.append(operator(repressor, f"of ring node {node_gene(node)}: the ring's repressor shuts VM "
                                  f"{vm.id}'s gate promoter, so the VM runs while it is high (bioxen.rules.clock)"))
    return promoters


def repressor_slots(cat: Catalogue, gene: str, role: str, rbs: Piece | None = None) -> list:
    """A Cello repressor gene: ribozyme insulator (its gate's own first, none if every one would
    repeat), RBS, CDS, terminator; a gene no repressor is left for is listed as missing."""
    r = cat.repressor(gene)
    if r is None:
        return [Piece("CDS", f"repressor {gene} (missing)", "", f"no orthogonal Cello repressor is left for "
                      f"{gene} ({role}): every gate repressor is taken", (), "none", "missing",
                      603)]   # nt: PhlF's CDS, the length the parts library gives a pulse repressor
    own = tuple(p for p in cat.ribozymes if p.label == r.ribozyme.name)
    ribozymes = Choice(own + tuple(p for p in cat.ribozymes if p not in own), optional=True)
    if rbs is None:
        rbs = cello_piece(r.rbs, "regulatory", f"RBS {r.rbs.name}", f"RBS of Cello's {r.gate} gate",
                          regulatory_class="ribosome_binding_site")
        if gene in cat.reused:      # a second copy of a gate: another RBS where its own would repeat
            rbs = Choice((rbs,) + tuple(library_piece(p, "regulatory", p.key, regulatory_class="ribosome_binding_site")
                                        for p in library_parts(cat.library, "ribosome_binding_site")))
    note = f"{r.name}, {role} (model gene {gene}; response {r.response.ymin:.3g}-{r.response.ymax:.3g} RPU, " \
           f"K {r.response.K:.3g}, n {r.response.n:.3g})" + (" assigned by the image writer: no wiring pass "
                                                            "named it" if gene in cat.assigned_here else "")
    cds = cello_piece(r.cds, "CDS", f"{r.name} {gene}", note, codon_start="1", transl_table=str(HOST_TABLE),
                      product=f"{r.name}, {role} (model gene {gene})", translation=protein(r.cds.dna, HOST_TABLE))
    if gene in cat.reused:
        cds = recoded_repressor(cds, gene, cat)
    return [ribozymes, rbs, cds, _terminators(cat, r.terminator)]


def recoded_repressor(cds: Piece, gene: str, cat: Catalogue) -> Piece:
    """A second copy of a Cello repressor CDS (the wiring reused its repressor), synonymously
    diversified against the first (:func:`bioxen.backend.sequence_qa.diversify_cds`)."""
    from bioxen.backend.sequence_qa import diversify_cds

    name = cat.repressors[gene]
    first = next(g for g, n in cat.repressors.items() if n == name)
    dna = diversify_cds(cds.dna, [cds.dna], seed=cat.reused.index(gene))
    return replace(cds, dna=dna, status="recoded",
                   note=f"{cds.note}; synonymously recoded (bioxen.backend.sequence_qa.diversify_cds): the "
                        f"design reuses {name}, whose first copy is {first}'s")


# The ballast reading frame of a gate RNA (parts switch ribosome_gate.ballast): start, a short linker
# and the ssrA tag, whose peptide host ClpXP degrades (Keiler, Waller & Sauer 1996 Science 271:990)
BALLAST_PEPTIDE = "MSG" + "AANDENYALAA"


def ballast_orf(vm_id: str) -> str:
    """The ballast frame's DNA for one VM: synonymous codons drawn per VM (seeded by its id), so
    that the VMs' gate RNAs do not repeat each other's frame; ends in TAA."""
    rng = random.Random(f"ballast-{vm_id}")
    synonyms: dict[str, list[str]] = {}
    for codon, aa in sorted(unambiguous_dna_by_id[HOST_TABLE].forward_table.items()):
        synonyms.setdefault(aa, []).append(codon)
    return "".join(rng.choice(synonyms[aa]) if aa != "M" else "ATG" for aa in BALLAST_PEPTIDE) + STOP


def gate_piece(vm: GuestVM, ballast: bool = False) -> Piece:
    """The VM's ribosome-gate RNA; ``ballast``: with a reading frame after the SD's spacer, so the
    o-ribosomes it holds keep elongating (rules/ribosome_gate.py, ``ribosome_gate.ballast``)."""
    parts = vm.parts
    dna, frame = gate_rna(parts), ""
    if ballast:
        dna += ballast_orf(vm.id)
        frame = (f"; ballast: its right spacer ends {GATE_FLANK} nt after the SD in the start codon of a "
                 f"{len(BALLAST_PEPTIDE)}-aa frame ({BALLAST_PEPTIDE}, the ssrA tag last, degraded by host ClpXP: "
                 "Keiler et al. 1996 Science 271:990), so a held o-ribosome keeps translating, as the model counts it")
    return designed_rna("ncRNA", f"gate RNA {vm.id}", dna,
                        f"ribosome-gate RNA of VM {vm.id}: the Shine-Dalgarno {parts.sd} of pool {parts.pool} "
                        f"between A/C/U spacers, unfolded (MFE ~0), as bioxen.rules.ribosome_gate binds it "
                        f"(gate_{vm.id}, the bare o-SD's strength); induced to pause VM {vm.id}{frame}",
                        ncRNA_class="other", product=f"ribosome-gate RNA of VM {vm.id}")


def ballasted_gates(design: Design) -> bool:
    """Whether the design's gate RNAs carry a ballast frame (parts switch ``ribosome_gate.ballast``)."""
    return design.parts is not None and ribosome_gate.ballasted(design.parts.ribosome_gate or {})


def gate_slots(design: Design, vm: GuestVM, cat: Catalogue) -> list:
    return [*pause_promoters(design, vm, cat), gate_piece(vm, ballasted_gates(design)), _terminators(cat)]


def antigate_slots(vm: GuestVM, cat: Catalogue) -> list:
    anti = designed_rna("ncRNA", f"anti-gate RNA {vm.id}", reverse_complement(gate_rna(vm.parts)),
                        f"constitutive anti-gate RNA of VM {vm.id} (antigate_{vm.id}): antisense to the gate "
                        f"RNA, titrates it so that RESUME_VM releases the pool at once",
                        ncRNA_class="antisense_RNA", product=f"anti-gate RNA of VM {vm.id}")
    why = f"the model makes the anti-gate at {vm.antigate_transcription:.3g} molecules/min"
    return [_constitutive(cat, why), anti, _terminators(cat)]


def srna_piece(vm: GuestVM) -> Piece:
    """The VM's gate sRNA."""
    return designed_rna("ncRNA", f"gate sRNA {vm.id}", vm.parts.srna,
                        f"gate sRNA of VM {vm.id}, antisense to its 5' UTR and start codon; induced to pause the VM",
                        ncRNA_class="antisense_RNA", product=f"gate sRNA of VM {vm.id}")


def srna_slots(design: Design, vm: GuestVM, cat: Catalogue) -> list:
    return [*pause_promoters(design, vm, cat), srna_piece(vm), _terminators(cat)]


# --- a PAUSE sensor shared by several VMs: one promoter, ribozymes between the gate RNAs ---------

RIBOZYME_INSULATORS = ("Lou C, Stanton B, Chen YJ, Munsky B, Voigt CA (2012) Ribozyme-based insulator parts "
                       "buffer synthetic circuits from genetic context. Nat Biotechnol 30:1137-1142")


def pause_rnas(design: Design, vm: GuestVM) -> list[tuple[str, Piece]]:
    """(locus tag, RNA) of the VM's PAUSE actuators: its gate sRNA and/or ribosome-gate RNA."""
    gates = gates_of(design, vm)
    return ([(f"hv_{vm.id}_srna", srna_piece(vm))] if gates.srna else []) + (
        [(f"hv_{vm.id}_gate", gate_piece(vm, ballasted_gates(design)))] if gates.ribosome else [])


def shared_pauses(design: Design, cat: Catalogue) -> dict[str, list[GuestVM]]:
    """The VMs whose PAUSE one sensor fires for them all (``CommandInput.shared_with``, the wiring's
    fallback beyond four VMs), by the locus tag of the one cassette that carries their gate RNAs.
    A VM whose gate promoter carries its own operator (a ring node's) keeps its own cassette; a
    cassette holds at most one RNA per distinct ribozyme of Cello's data (more VMs: another
    cassette, the promoter once more)."""
    groups: dict[tuple, list[GuestVM]] = {}
    for vm in design.vms:
        entry = design.wiring.input_of(vm.id, "pause") if design.wiring is not None else None
        if entry is not None and entry.shared_with and len(pause_promoters(design, vm, cat)) == 1:
            groups.setdefault((entry.promoter, entry.inducers), []).append(vm)
    shared: dict[str, list[GuestVM]] = {}
    for (_, inducers), vms in groups.items():
        chunks, rnas = [[]], 0
        for vm in vms:
            count = len(pause_rnas(design, vm))
            if rnas + count > len(cat.ribozymes) and chunks[-1]:
                chunks, rnas = chunks + [[]], 0
            chunks[-1].append(vm)
            rnas += count
        name = f"hv_pause_{'_'.join(inducers)}"
        for k, chunk in enumerate(chunks):
            if len(chunk) > 1:
                shared[name if len(chunks) == 1 else f"{name}_{k + 1}"] = chunk
    return shared if len(cat.ribozymes) > 1 else {}


def shared_pause_slots(design: Design, vms: list[GuestVM], cat: Catalogue) -> list:
    """One cassette for the PAUSE of ``vms``, all fired by one sensor: its promoter once, then each
    VM's gate RNA(s), each behind a different self-cleaving ribozyme insulator of Cello's data, then
    a terminator. Each ribozyme cuts the transcript at its own 5' end (Lou et al. 2012), so every
    gate RNA is released on its own; the model is unchanged: it transcribes each VM's gate RNA at
    the sensor promoter's rate (one transcript, cut into one gate RNA per VM)."""
    rnas = [item for vm in vms for item in pause_rnas(design, vm)]
    released = (f"one transcript for the PAUSE of VMs {', '.join(vm.id for vm in vms)}, cut by a ribozyme "
                f"before each of its {len(rnas)} gate RNAs; the model transcribes each VM's gate RNA at this "
                "promoter's rate (one transcript, cut into one RNA per VM)")
    slots: list = [command_promoter(design, vms[0], "pause", cat).noted(released)]
    for (tag, rna), ribozyme in zip(rnas, cat.ribozymes):
        why = (f"releases {rna.label} with its own 5' end: it cleaves off the transcript upstream, the "
               f"gate RNA of the VM before it or the promoter's leader ({RIBOZYME_INSULATORS}). A: the "
               f"ribozyme's 3' hairpin left at the RNA's 5' end and the next ribozyme's 5' part at its 3' "
               "end do not pair with its Shine-Dalgarno (not computed)")
        slots += [replace(ribozyme.noted(why), qualifiers=ribozyme.qualifiers + (("locus_tag", tag),)),
                  replace(rna, qualifiers=rna.qualifiers + (("locus_tag", tag),))]
    return [*slots, _terminators(cat)]


@dataclass(frozen=True)
class ProteaseDesign:
    """How the parts library builds every VM's protease gene (``protease.self_tagged``,
    ``protease.pulse``; both off without a parts library)."""

    self_tagged: bool
    pulse: bool


def protease_design(design: Design) -> ProteaseDesign:
    if design.parts is None:
        return ProteaseDesign(False, False)
    q = design.parts.protease
    return ProteaseDesign(proteolysis.self_tagged(q), proteolysis.pulsed(q))


def destroy_promoters(design: Design, vm: GuestVM, cat: Catalogue, how: ProteaseDesign) -> list[Piece]:
    """DESTROY's promoter and, for a pulsed protease, the operator of the VM's pulse repressor."""
    promoters = [command_promoter(design, vm, "destroy", cat)]
    gene = pulse.repressor_name(f"protease_{vm.id}")
    repressor = cat.repressor(gene) if how.pulse else None
    if repressor is not None:
        promoters.append(operator(repressor, f"with the DESTROY promoter before it, the hybrid promoter of "
                                  f"protease_{vm.id}: induced with DESTROY_VM {vm.id} and shut by the "
                                  f"{repressor.name} that the same inducer makes ({gene}, bioxen.rules.pulse)"))
    return promoters


def protease_gene(vm: GuestVM, cat: Catalogue, how: ProteaseDesign) -> list[Piece]:
    """The VM's protease CDS (the one its degron tag names), self-tagged as the VM's own genes are
    when ``how.self_tagged``; a CDS BioXen lacks is a row of the bill of materials, and its
    self-tag's DNA (a misc_feature) says where it goes."""
    parts, library = vm.parts, cat.library
    if parts.protease not in library:
        raise CompileError(f"protease {parts.protease} of degron tag {parts.tag_name} has no entry in the "
                           "parts' DNA data", at(PART_SEQUENCES),
                           hint=f"add a part keyed {parts.protease} (its sequence, or null with a reason)")
    enzyme, terminus = library[parts.protease], tag_terminus(parts)
    label, product = parts.protease, f"{parts.protease} ({enzyme.name}), recognising {parts.tag_name}"
    tag_note = (f"; its own VM's degron {parts.tag_name} ({parts.tag}) at the {terminus}-terminus, so it "
                f"is one of its own substrates" if how.self_tagged else "")
    if enzyme.sequence is not None:
        body = coding_body(enzyme.sequence)
        cds = tagged(body, parts.tag, terminus)[0] if how.self_tagged else body + STOP
        return [Piece("CDS", label, cds, enzyme.note() + tag_note,
                      (("codon_start", "1"), ("transl_table", str(HOST_TABLE)), ("product", product),
                       ("translation", protein(cds, HOST_TABLE))), enzyme.source)]
    missing = _missing(enzyme, f"{label} CDS")
    if not how.self_tagged:
        return [missing]
    known = "ATG" + back_translate(parts.tag) if terminus == "N" else back_translate(parts.tag) + STOP
    where = ("after this start codon and tag (the CDS without its start codon)" if terminus == "N"
             else "before this tag and stop (the CDS without its stop codon)")
    tag = Piece("misc_feature", f"{label} (CDS missing)", known,
                f"{enzyme.note()}. The {enzyme.name} goes {where}{tag_note}", (("product", product),),
                f"degron {parts.tag_name} of BioXen's parts library, back-translated", "designed")
    return [tag, missing] if terminus == "N" else [missing, tag]


def protease_slots(design: Design, vm: GuestVM, cat: Catalogue, how: ProteaseDesign) -> list:
    rbs = library_piece(cat.library["B0034"], "regulatory", "B0034", regulatory_class="ribosome_binding_site")
    gene = protease_gene(vm, cat, how)
    if not any(p.type == "CDS" and p.dna for p in gene):
        enzyme = cat.library[vm.parts.protease]
        rbs = rbs.noted(f"the {enzyme.name} goes right after this RBS: {enzyme.note()}")
    return [*destroy_promoters(design, vm, cat, how), rbs, *gene, _terminators(cat)]


def pulse_slots(design: Design, vm: GuestVM, cat: Catalogue) -> list:
    """The repressor that ends the VM's protease pulse, behind the protease's own inducible promoter."""
    gene = pulse.repressor_name(f"protease_{vm.id}")
    return [command_promoter(design, vm, "destroy", cat),
            *repressor_slots(cat, gene, f"pulse repressor of protease_{vm.id}")]


def trna_slots(vm: GuestVM, cat: Catalogue) -> list:
    trna = uga_trna(vm.genome)
    if trna is None:
        raise CompileError(f"genome {vm.genome.accession} has no tRNA-Trp with anticodon UCA",
                           at(vm.genome.source), hint="use genetic_code: recode for this VM")
    gene = Piece("tRNA", f"tRNA-Trp(UCA) {vm.id}", vm.genome.gene_sequence(trna),
                 f"{trna.locus_tag} of {vm.genome.accession}: tRNA-Trp with anticodon UCA, reads UGA as Trp "
                 f"(source: {vm.genome.accession})", (("product", "tRNA-Trp"), ("gene", trna.name)),
                 f"{vm.genome.accession} {trna.locus_tag}")
    return [_constitutive(cat, "the suppressor tRNA is made constitutively"), gene, _terminators(cat)]


def coding_body(cds: str) -> str:
    """A CDS without its final stop codon(s) under table 11 (E0040 ends in TAATAA).

    >>> coding_body("ATGGCGTAATAA")
    'ATGGCG'
    """
    while len(cds) > 3 and amino_acid(cds[-3:], HOST_TABLE) == "*":
        cds = cds[:-3]
    return cds


@dataclass(frozen=True)
class Reporter:
    """The fluorescent protein a VM's reporter is made of: its coding body (no stop), its part,
    and how it was recoded (``recoded_from``: the VM whose reporter it overlaps spectrally or
    repeats a stretch of; ``why``: which of the two)."""

    name: str
    body: str
    part: PartSequence
    recoded_from: str | None = None
    why: str = ""


def fluorescent_proteins(library: dict[str, PartSequence]) -> list[PartSequence]:
    """One fluorescent protein CDS of the parts data per colour (the first listed; GFP E0040 first)."""
    found = [p for p in library.values() if p.kind == "CDS" and p.sequence is not None
             and (p.colour or "fluorescent" in f"{p.name} {p.what}".lower())]
    by_colour: dict[str, PartSequence] = {}
    for part in sorted(found, key=lambda p: p.key != "E0040"):
        by_colour.setdefault(part.colour or part.key, part)
    return list(by_colour.values())


def reporters(design: Design, library: dict[str, PartSequence]) -> dict[str, Reporter]:
    """A distinct fluorescent protein per VM, then per checkpoint (keyed by its gene), while colours
    last; then a colour again. A CDS that would repeat an earlier reporter's (the same colour again,
    or a related protein: ECFP E0020 and SYFP2 K864100 share 21 bp) is synonymously diversified
    (:func:`bioxen.backend.sequence_qa.diversify_cds`) against every earlier reporter."""
    proteins, chosen = fluorescent_proteins(library), {}
    if not proteins:
        raise CompileError("no fluorescent protein with DNA in the parts data", at(PART_SEQUENCES))
    first_user: dict[str, str] = {}
    owners = [vm.id for vm in design.vms] + [checkpoint_gene(c.name) for c in design.checkpoints]
    for i, owner in enumerate(owners):
        part = proteins[i % len(proteins)]
        name = "GFP" if part.key == "E0040" else part.key
        body = coding_body(part.dna())
        if part.key in first_user:
            earlier, why = first_user[part.key], f"spectrally overlapping with {first_user[part.key]}"
        else:
            first_user[part.key] = owner
            earlier = next((v for v, r in chosen.items() if shares_stretch(body, r.body)), None)
            why = f"its DNA shares a {REPEAT}-bp stretch with {earlier}'s {chosen[earlier].name}" if earlier else ""
        if earlier is not None:
            from bioxen.backend.sequence_qa import diversify_cds
            body = coding_body(diversify_cds(body + STOP, [r.body for r in chosen.values()], seed=i))
        chosen[owner] = Reporter(name, body, part, earlier, why)
    return chosen


def checkpoint_slots(c, cat: Catalogue, reporter: Reporter) -> list:
    """A checkpoint's reporter (bioxen.rules.checkpoint), on host ribosomes: a promoter that would
    sense the watched quantity (a STAND-IN: BioXen's parts data has no sensor for an arbitrary model
    quantity), B0034, the fluorescent protein, a terminator."""
    why = (f"STAND-IN for a promoter sensing {c.watch} ({c.direction} {c.threshold:g}): the model activates the "
           "checkpoint's transcription by a Hill function of it; BioXen's parts data has no such sensor")
    rbs = library_piece(cat.library["B0034"], "regulatory", "B0034", regulatory_class="ribosome_binding_site")
    cds = reporter.body + STOP
    recoded = (f"; synonymously recoded (bioxen.backend.sequence_qa.diversify_cds): {reporter.why}"
               if reporter.recoded_from else "")
    gene = Piece("CDS", f"{reporter.name} checkpoint {c.name}", cds, f"{reporter.part.note()}{recoded}",
                 (("codon_start", "1"), ("transl_table", str(HOST_TABLE)),
                  ("product", f"fluorescent checkpoint {c.name} ({reporter.name})"),
                  ("translation", protein(cds, HOST_TABLE))),
                 reporter.part.source, "recoded" if reporter.recoded_from else "sourced")
    return [_constitutive(cat, why), rbs, gene, _terminators(cat)]


def reporter_slots(vm: GuestVM, cat: Catalogue, reporter: Reporter, rate: Quantity | None) -> list:
    """The VM's reporter, built like the VM's genes: its UTR, then the fluorescent protein with the
    VM's degron at its terminus (second-choice codons, so that it does not repeat the protease's
    self-tag), and TAA. ``rate``: the model's reporter transcription (``reporter.max_transcription``)."""
    parts, terminus = vm.parts, tag_terminus(vm.parts)
    cds = tagged(reporter.body, parts.tag, terminus, ALTERNATE_CODON)[0]
    sd = f", holding its Shine-Dalgarno {parts.sd}" if parts.sd else ""
    utr = designed_rna("5'UTR", f"5' UTR {vm.id}", parts.utr,
                       f"BioXen 5' UTR of VM {vm.id} (ribosome pool {parts.pool}){sd}; the VM's gate "
                       f"holds its pool, so PAUSE_VM gates the reporter")
    where = "its stop codons replaced by" if terminus == "C" else "after its start codon,"
    recoded = (f"; synonymously recoded (bioxen.backend.sequence_qa.diversify_cds): {reporter.why}"
               if reporter.recoded_from else "")
    gene = Piece("CDS", f"{reporter.name}-{parts.tag_name} {vm.id}", cds,
                 f"{reporter.part.note()}; {where} {degron_note(parts)} (E. coli's second-choice codons); "
                 f"stop {STOP}{recoded}",
                 (("codon_start", "1"), ("transl_table", str(HOST_TABLE)),
                  ("product", f"fluorescent reporter of VM {vm.id} ({reporter.name}-{parts.tag_name})"),
                  ("translation", protein(cds, HOST_TABLE))),
                 reporter.part.source, "recoded" if reporter.recoded_from else "sourced")
    level = f"{rate.value:g} {rate.units}" if rate is not None else "a constant rate"
    why = (f"STAND-IN for a constitutive promoter: the model transcribes the reporter at {level} times "
           f"VM {vm.id}'s licence (CREATE and not DESTROY), a switch of the model with no DNA in this image")
    return [vm_promoter(vm, cat, why, "reporter"), utr, gene, _terminators(cat)]


def vm_promoter(vm: GuestVM, cat: Catalogue, why: str, what: str) -> Piece | Choice:
    """The promoter of a hypervisor gene transcribed like the VM's own genes (its reporter, its
    shells): its own RNA polymerase's promoter (policy transcription: orthogonal), else a
    constitutive stand-in noted with ``why``."""
    if not vm.parts.promoter:
        return _constitutive(cat, why)
    return _sourced_or_missing(cat.library[vm.parts.promoter], "promoter", f"{vm.parts.promoter} {what} {vm.id}").noted(
        f"promoter of VM {vm.id}'s own RNA polymerase {vm.parts.polymerase}, which transcribes its {what} as its genes")


def controller_slots(pool: str, vm: GuestVM, cat: Catalogue) -> list:
    """The pool's feedback controller (bioxen.rules.controller): a repressor translated by the
    pool's o-ribosomes (a BioXen UTR with the pool's SD), repressing the pool's o-rRNA gene."""
    utr = designed_rna("5'UTR", f"5' UTR controller {pool}", controller_utr(vm.parts),
                       f"BioXen 5' UTR with the Shine-Dalgarno {vm.parts.sd} of pool {pool}: the pool's own "
                       "o-ribosomes translate the controller")
    return [_constitutive(cat, f"the model transcribes controller_{pool} constitutively (times the licence)"),
            *repressor_slots(cat, f"controller_{pool}", f"feedback controller of pool {pool}'s o-rRNA", utr)]


def guard_slots(cat: Catalogue) -> list:
    why = ("STAND-IN for the low-energy sensing promoter of bioxen.rules.guard: BioXen's parts data has no "
           "ATP-responsive promoter; the repressor's operator belongs before each guarded VM promoter")
    return [_constitutive(cat, why), *repressor_slots(cat, "atp_guard", "ATP guard repressor")]


def clock_slots(node: int, nodes: int, cat: Catalogue, design: Design) -> list:
    """Ring node ``node``: transcribed from the output promoter of the previous node's repressor."""
    previous = cat.repressor(node_gene((node - 1) % nodes))
    slots = repressor_slots(cat, node_gene(node), f"ring oscillator node {node} (degraded at "
                            f"{design.clock.degradation:.3g}/min by the ssrA-variant degron the clock pass "
                            "sizes; that tag's DNA is not in BioXen's parts data)")
    if previous is None:
        return [_constitutive(cat, f"STAND-IN: node {node - 1} has no repressor"), *slots]
    promoter = cello_piece(previous.promoter, "promoter", previous.promoter.name,
                           f"output promoter of Cello's {previous.name} gate: ring node {node_gene(node)} is "
                           f"repressed by node {node_gene((node - 1) % nodes)} ({previous.name})")
    return [promoter, *slots]


def decoder_slots(gate, cat: Catalogue) -> list:
    """A NOR/NOT gate of the command decoder: its input promoters in tandem, then the Cello gate."""
    promoters = []
    for kind, name in gate.inputs:
        part = (cat.cello.sensors[name].promoter if kind == "sensor" else cat.cello.repressors[name].promoter)
        promoters.append(cello_piece(part, "promoter", part.name, f"input of decoder gate {gate.repressor} "
                                     f"({kind} {name})"))
    return [*promoters, *repressor_slots(cat, decoder_gene(gate.repressor), "command decoder gate")]


def aars_slots(vm: GuestVM, cat: Catalogue) -> list:
    """An amber/ncaa VM's aminoacyl-tRNA synthetase (bioxen.rules.amber), on host ribosomes."""
    enzyme = cat.library["mj_tyrrs_ncaa" if vm.genetic_code == "ncaa" else "mj_tyrrs"]
    rbs = library_piece(cat.library["B0034"], "regulatory", "B0034", regulatory_class="ribosome_binding_site")
    if enzyme.sequence is None:
        rbs = rbs.noted(f"the {enzyme.name} goes right after this RBS: {enzyme.note()}")
    gene = _sourced_or_missing(enzyme, "CDS", f"aaRS {vm.id} CDS")
    return [_constitutive(cat, f"the model transcribes aars_{vm.id} constitutively (times the VM's CREATE "
                               "licence)"), rbs, gene, _terminators(cat)]


def polymerase_slots(design: Design, vm: GuestVM, cat: Catalogue) -> list:
    """A VM's own RNA polymerase (bioxen.rules.polymerase), on host ribosomes."""
    enzyme = design.parts.polymerase(vm.parts.polymerase)
    part = cat.library[enzyme.cds]
    rbs = library_piece(cat.library["B0034"], "regulatory", "B0034", regulatory_class="ribosome_binding_site")
    if part.sequence is None:
        rbs = rbs.noted(f"the {part.name} goes right after this RBS: {part.note()}")
    gene = _coding(part, f"{enzyme.name} RNA polymerase {vm.id}",
                   f"{enzyme.name} RNA polymerase: transcribes VM {vm.id}'s genes "
                   f"(model gene {polymerase_gene(vm.id)})")
    return [_constitutive(cat, f"STAND-IN for a weak constitutive promoter: the model transcribes "
                               f"{polymerase_gene(vm.id)} at transcription.polymerase_transcription times "
                               f"SET_RESOURCE_LIMIT rnap's level and VM {vm.id}'s CREATE licence"),
            rbs, gene, _terminators(cat)]


def polymerase_inhibitor_slots(design: Design, vm: GuestVM, cat: Catalogue) -> list:
    """The inhibitor of a VM's polymerase (T7 lysozyme), translated from PAUSE's transcript: PAUSE_VM
    also stops the VM's transcription (policy transcription.pause). Insulator, RBS, CDS; the caller
    places them after the VM's PAUSE actuator, before its terminator (one PAUSE promoter, no repeat)."""
    part = cat.library[design.parts.polymerase(vm.parts.polymerase).inhibitor]
    rbs = Choice(tuple(library_piece(p, "regulatory", p.key, regulatory_class="ribosome_binding_site")
                       for p in library_parts(cat.library, "ribosome_binding_site")))
    gene = _coding(part, f"polymerase inhibitor {vm.id}", f"inhibitor of VM {vm.id}'s RNA polymerase, made on PAUSE")
    gene = gene.noted("translated from PAUSE's transcript; the model degrades it at transcription.inhibitor_decay "
                      "(an ssrA-family degron, whose DNA is not in BioXen's parts data) so that RESUME_VM frees "
                      "the polymerase")
    return [Choice(cat.ribozymes, optional=True), rbs, gene]


TARGETING = "flp_targeting_peptide"     # the part every protein of a VM with shells carries


def shell_slots(vm: GuestVM, cat: Catalogue) -> list:
    """A VM's encapsulin shell gene (bioxen.rules.compartment): the VM's 5' UTR (its own ribosomes
    make it), the shell protein ending in the VM's degron (so DESTROY_VM's protease opens it)."""
    parts = vm.parts
    utr = designed_rna("5'UTR", f"5' UTR shell {vm.id}", parts.utr,
                       f"BioXen 5' UTR of VM {vm.id} (ribosome pool {parts.pool}): the VM's ribosomes make its shells")
    gene = _missing(cat.library["tm_encapsulin"], f"encapsulin shell {vm.id}").noted(
        f"the model's shell protein ends in VM {vm.id}'s degron {parts.tag_name} ({degron_note(parts)})")
    why = (f"STAND-IN: the model transcribes shell_{vm.id} at compartment.shell_excess times VM {vm.id}'s "
           "genes' transcription")
    return [vm_promoter(vm, cat, why, "shells"), utr, gene, _terminators(cat)]


def _with_inhibitor(design: Design, vm: GuestVM, cat: Catalogue, cassettes: list) -> list:
    """The VM's cassettes with its polymerase inhibitor on its PAUSE transcript (policy
    transcription.pause), or in a cassette of its own behind PAUSE's promoter when no PAUSE
    cassette of the VM's is here (a PAUSE shared among VMs)."""
    if not (own_polymerase(vm) and vm.transcription_pause):
        return cassettes
    tail = polymerase_inhibitor_slots(design, vm, cat)
    for index, (tag, slots) in enumerate(cassettes):
        if tag in (f"hv_{vm.id}_gate", f"hv_{vm.id}_srna"):
            cassettes[index] = (tag, [*slots[:-1], *tail, slots[-1]])
            return cassettes
    return [*cassettes, (f"hv_{vm.id}_rnap_inhibitor", [command_promoter(design, vm, "pause", cat), *tail,
                                                         _terminators(cat)])]


def amber_trna_slots(vm: GuestVM, cat: Catalogue) -> list:
    """An amber/ncaa VM's suppressor tRNA(CUA) gene (bioxen.rules.amber)."""
    trna = cat.library["mj_trna_cua"]
    gene = _sourced_or_missing(trna, "tRNA", f"tRNA(CUA) {vm.id}")
    return [_constitutive(cat, f"the model transcribes tRNA_CUA_{vm.id} constitutively"), gene, _terminators(cat)]


# ribo-X (Wang, Neumann & Chin 2007 Nat Biotech 25:770 (R)): 16S U531G and U534A in the 530 loop
# raise amber decoding on the orthogonal ribosome; placed from the universal 515F primer site
# (E. coli 16S 515-533, GTGCCAGCAGCCGCGGTAA), so the file's own numbering does not matter.
RIBO_X = ((531, "T", "G"), (534, "T", "A"))
PRIMER_515F = "GTGCCAGCAGCCGCGGTAA"


def ribo_x(rrna: str) -> str:
    """A 16S rRNA gene with the ribo-X mutations (its 530 loop found by the 515F site)."""
    site = rrna.find(PRIMER_515F)
    if site < 0:
        raise CompileError("the 16S rRNA has no 515F site (GTGCCAGCAGCCGCGGTAA) to place the ribo-X mutations by",
                           at(PART_SEQUENCES))
    dna = list(rrna)
    for position, was, becomes in RIBO_X:
        i = site + position - 515
        if dna[i] != was:
            raise CompileError(f"16S position {position} reads {dna[i]}, not {was}: not the E. coli 530 loop",
                               at(PART_SEQUENCES))
        dna[i] = becomes
    return "".join(dna)


def orrna_slots(pool: str, vm: GuestVM, cat: Catalogue, design: Design) -> list:
    parts, rrna = vm.parts, orthogonal_rrna(vm.parts, cat.library)
    source = cat.library["rrsB_16S"]
    amber = vm.genetic_code in AMBER_CODES
    gene = Piece("rRNA", f"o-16S {pool}", ribo_x(rrna) if amber else rrna,
                 f"16S rRNA of ribosome pool {pool}: {source.note()}; its 3' anti-SD {HOST_ANTI_SD} replaced "
                 f"by {parts.anti_sd}" + ("; with the ribo-X mutations U531G and U534A, which raise the "
                                          "pool's reading of the VM's amber codons (Wang, Neumann & Chin 2007 "
                                          "Nat Biotech 25:770)" if amber else ""),
                 (("product", f"16S ribosomal RNA, orthogonal pool {pool}"),),
                 f"{source.source}; anti-SD" + (" and ribo-X" if amber else "") + " by BioXen", "designed")
    why = (f"STAND-IN: the model transcribes the o-rRNA from the host rRNA promoter (rrnB P1, growth-regulated) "
           f"at {vm.orrna_transcription:.0f} molecules/min at saturating energy; that promoter's sequence is "
           "not in BioXen's parts data")
    promoters: list = [_constitutive(cat, why)]
    controller = cat.repressor(f"controller_{pool}")
    if controller is not None and f"controller_{pool}" in hypervisor_genes(design):
        promoters.append(operator(controller, f"the pool's feedback controller (controller_{pool}) represses "
                                  "the o-rRNA gene (bioxen.rules.controller)"))
    return [*promoters, gene, _terminators(cat)]


def orthogonal_rrna(parts: IsolationParts, library: dict[str, PartSequence]) -> str:
    """E. coli 16S rRNA with its 3' anti-SD (the host's, :data:`bioxen.rna.HOST_ANTI_SD`)
    replaced by the pool's."""
    body = library["rrsB_16S"].dna()
    if not body.endswith(HOST_ANTI_SD):
        raise CompileError(f"the 16S rRNA in the parts data does not end in {HOST_ANTI_SD}", at(PART_SEQUENCES))
    return body[:-len(HOST_ANTI_SD)] + parts.anti_sd


def vm_cassettes(design: Design, vm: GuestVM, cat: Catalogue, how: ProteaseDesign,
                 reporter: Reporter, rate: Quantity | None, own_pause: bool = True) -> list[tuple[str, list]]:
    """(locus tag, slots) of one VM's genes: its gates (:func:`bioxen.ir.gates_of`; not when
    ``own_pause`` is False: a shared PAUSE cassette carries them), protease, pulse repressor, UGA
    tRNA and reporter."""
    gates, cassettes = gates_of(design, vm), []
    if gates.srna and own_pause:
        cassettes.append((f"hv_{vm.id}_srna", srna_slots(design, vm, cat)))
    if gates.ribosome:
        if own_pause:
            cassettes.append((f"hv_{vm.id}_gate", gate_slots(design, vm, cat)))
        if vm.antigate_transcription > 0:
            cassettes.append((f"hv_{vm.id}_antigate", antigate_slots(vm, cat)))
    cassettes.append((f"hv_{vm.id}_protease", protease_slots(design, vm, cat, how)))
    if how.pulse:
        cassettes.append((f"hv_{vm.id}_pulse_repressor", pulse_slots(design, vm, cat)))
    if vm.parts.genetic_code == "suppressor":
        cassettes.append((f"hv_{vm.id}_trna_trp", trna_slots(vm, cat)))
    cassettes.append((f"hv_{vm.id}_reporter", reporter_slots(vm, cat, reporter, rate)))
    if vm.compartment:
        cassettes.append((f"hv_{vm.id}_shell", shell_slots(vm, cat)))
    return _with_inhibitor(design, vm, cat, cassettes)


def pools_of(design: Design) -> dict[str, GuestVM]:
    """Each orthogonal pool and the first VM on it."""
    pools: dict[str, GuestVM] = {}
    for vm in design.vms:
        if vm.parts.pool != "host":
            pools.setdefault(vm.parts.pool, vm)
    return pools


def core_cassettes(design: Design, cat: Catalogue) -> list[tuple[str, list]]:
    """(locus tag, slots) of every cassette of the core construct: the decoder's gates, each VM's
    genes, the pools' controllers, the ring's nodes and the ATP guard."""
    rate = design.parts.reporter.get("max_transcription") if design.parts else None
    how, genes, colours = protease_design(design), hypervisor_genes(design), reporters(design, cat.library)
    cassettes = [(f"hv_{decoder_gene(g.repressor)}", decoder_slots(g, cat))
                 for g in (design.wiring.decoder if design.wiring else ())]
    shared = shared_pauses(design, cat)
    cassettes += [(tag, shared_pause_slots(design, vms, cat)) for tag, vms in shared.items()]
    together = {vm.id for vms in shared.values() for vm in vms}
    for vm in design.vms:
        cassettes += vm_cassettes(design, vm, cat, how, colours[vm.id], rate, vm.id not in together)
    cassettes += [(f"hv_{vm.id}_aars", aars_slots(vm, cat)) for vm in design.vms if vm.genetic_code in AMBER_CODES]
    cassettes += [(f"hv_{vm.id}_trna_cua", amber_trna_slots(vm, cat)) for vm in design.vms
                  if vm.genetic_code in AMBER_CODES]
    cassettes += [(f"hv_{vm.id}_rnap", polymerase_slots(design, vm, cat)) for vm in design.vms if own_polymerase(vm)]
    cassettes += [(f"hv_controller_{pool}", controller_slots(pool, vm, cat))
                  for pool, vm in pools_of(design).items() if f"controller_{pool}" in genes]
    if design.clock is not None:
        cassettes += [(f"hv_{node_gene(i)}", clock_slots(i, design.clock.nodes, cat, design))
                      for i in range(design.clock.nodes)]
    if "atp_guard" in genes:
        cassettes.append(("hv_atp_guard", guard_slots(cat)))
    cassettes += [(f"hv_{checkpoint_gene(c.name)}", checkpoint_slots(c, cat, colours[checkpoint_gene(c.name)]))
                  for c in design.checkpoints]
    return cassettes


def hypervisor_constructs(design: Design, library: dict[str, PartSequence] | None = None) -> list[Construct]:
    """The hypervisor's constructs laid out: the core (every gene but the o-16S rRNAs), then one
    record per orthogonal pool's o-16S rRNA (two o-16S genes, which differ only in their anti-SD,
    would be a 1.5-kb repeat in one construct)."""
    missing = [Diagnostic(f"VM '{vm.id}' has no isolation parts", vm.location)
               for vm in design.vms if vm.parts is None]
    if missing:
        raise CompileError.collected(missing)
    library = load_part_sequences() if library is None else library
    cat = catalogue(design, library)
    core = Construct(f"{design.name}_hypervisor", f"{design.name}_hv"[:16],
                     f"BioXen hypervisor genes of design {design.name}: command decoder, gates, proteases, "
                     "pulse repressors, UGA tRNAs, reporters, controllers, ring oscillator and ATP guard")
    for locus_tag, slots in core_cassettes(design, cat):
        core.add(locus_tag, slots)
    constructs = [core]
    for pool, vm in pools_of(design).items():   # each avoids the other records' parts, but for the o-16S
        taken = frozenset().union(*(c.part_kmers() for c in constructs))
        record = Construct(f"{design.name}_orrna_{pool}", f"orrna_{pool}"[:16],
                           f"BioXen o-16S rRNA of ribosome pool {pool} (design {design.name})", taken)
        record.add(f"hv_{vm.id}_orrna", orrna_slots(pool, vm, cat, design))
        constructs.append(record)
    return constructs


def hypervisor_records(design: Design, library: dict[str, PartSequence] | None = None) -> list[SeqRecord]:
    """hypervisor.gb's records: the core construct, then one o-16S rRNA record per orthogonal pool."""
    return [construct.record() for construct in hypervisor_constructs(design, library)]


def hypervisor_image(design: Design, library: dict[str, PartSequence] | None = None) -> SeqRecord:
    """The hypervisor's core construct (:func:`hypervisor_records` has the o-16S records too)."""
    return hypervisor_records(design, library)[0]
