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

:func:`hypervisor_image` writes one cassette (promoter, gene, terminator
B0015) per hypervisor part, for the genes the model has (:mod:`bioxen.backend.model`):
each orthogonal pool's o-16S rRNA (E. coli 16S whose 3' anti-SD is the pool's;
constitutive J23100); each VM's gates (policy ``isolation.gate``): its gate sRNA
(pTet, aTc-inducible) and/or its ribosome-gate RNA (pTet) with the constitutive
anti-gate RNA (J23100); its protease, the one its degron tag names (pLas,
3OC12-HSL-inducible, RBS B0034), ending or starting in the VM's own tag when the
parts library's ``protease.self_tagged`` is on, its promoter followed by the PhlF
operator when ``protease.pulse`` is on, and then the VM's PhlF pulse repressor
(pLas, B0034, PhlF of Cello); for ``genetic_code == "suppressor"`` the VM's own
UGA-reading tRNA-Trp (J23100); and each VM's fluorescent reporter (J23100, the
VM's 5' UTR, GFP BBa_E0040 tagged like the VM's own genes). Part DNA comes from
``bioxen/data/parts/dna/sequences.yaml``; a protease whose CDS BioXen does not
have is written without it (no run of N): a misc_feature where it goes says so
and where to get it (the bill of materials lists it). All VMs' gates share pTet,
all proteases and pulse repressors pLas, and all proteases the PhlF operator:
VM-specific commands need one orthogonal inducible promoter (and one orthogonal
pulse repressor) per VM, which the parts data does not have yet.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from Bio.Data.CodonTable import unambiguous_dna_by_id
from Bio.Seq import Seq, reverse_complement
from Bio.SeqFeature import CompoundLocation, FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord
from ruamel.yaml import YAML

from bioxen.errors import CompileError, Diagnostic, at
from bioxen.genome.trna import uga_trna
from bioxen.passes.genetic_code import HOST_TABLE
from bioxen.rna import HOST_ANTI_SD
from bioxen.genome.layout import (GeneLayout, Segment, gene_layout, native_location, origin_free,
                                   spans_origin, unrefactorable)
from bioxen.genome.records import Gene, Genome
from bioxen.ir import Design, GuestVM, IsolationParts, gates_of
from bioxen.parts import PART_SEQUENCES
from bioxen.rules import Quantity, proteolysis, pulse

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


# --- codons ---------------------------------------------------------------------------

def amino_acid(codon: str, table: int) -> str:
    """One codon read under an NCBI table: a letter, '*' for a stop, 'X' if not a codon."""
    code = unambiguous_dna_by_id[table]
    return "*" if codon in code.stop_codons else code.forward_table.get(codon, "X")


def host_codon(codon: str, table: int) -> str:
    """The codon E. coli (table 11) reads as ``table`` reads ``codon`` (TGA -> TGG for table 4)."""
    meaning = amino_acid(codon, table)
    if meaning == amino_acid(codon, HOST_TABLE) or meaning not in PREFERRED_CODON:
        return codon
    return PREFERRED_CODON[meaning]


def back_translate(peptide: str) -> str:
    """DNA for a peptide with E. coli's preferred codons.

    >>> back_translate("AANW")
    'GCGGCGAACTGG'
    """
    unknown = sorted(set(peptide) - set(PREFERRED_CODON))
    if unknown:
        raise CompileError(f"degron tag '{peptide}' has letters that are not amino acids: "
                           f"{', '.join(unknown)}")
    return "".join(PREFERRED_CODON[residue] for residue in peptide)


TERMINI = ("C", "N")


def tag_terminus(parts: IsolationParts) -> str:
    """Where the VM's degron sits on its proteins, "C" or "N" (the parts library's tag ``terminus``,
    carried by :class:`~bioxen.ir.IsolationParts`)."""
    if parts.tag_terminus not in TERMINI:
        raise CompileError(f"degron tag {parts.tag_name} has terminus '{parts.tag_terminus}'; expected C or N")
    return parts.tag_terminus


def tagged(body: str, tag: str, terminus: str) -> tuple[str, int]:
    """A CDS from ``body`` (start codon first, no stop) with the degron ``tag`` back-translated
    after the start codon (terminus N) or before the stop (C), then TAA; and where the tag's DNA
    starts in it.

    >>> tagged("ATGAAA", "F", "N"), tagged("ATGAAA", "F", "C")
    (('ATGTTTAAATAA', 3), ('ATGAAATTTTAA', 6))
    """
    dna = back_translate(tag)
    if terminus == "N":
        return body[:3] + dna + body[3:] + STOP, 3
    return body + dna + STOP, len(body)


def protein(cds: str, table: int) -> str:
    """What a ribosome makes of ``cds`` under ``table``: initiator Met, no final stop."""
    translated = str(Seq(cds).translate(table=table)).rstrip("*")
    if cds[:3] in unambiguous_dna_by_id[table].start_codons:
        translated = "M" + translated[1:]
    return translated


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


def gene_table(gene: Gene, genome: Genome) -> int:
    return gene.translation_table or genome.translation_table


def refactor(gene: Gene, genome: Genome, parts: IsolationParts, replaced: bool,
             layout: GeneLayout | None = None, provenance: str = "") -> Cassette:
    """The cassette for one CDS: UTR, (recoded) mature body with the degron at its terminus, TAA."""
    native, table = genome.gene_sequence(gene), gene_table(gene, genome)
    codons = [native[i:i + 3] for i in range(0, len(native) - 3, 3)]
    body = codons[:1] + [host_codon(c, table) if parts.genetic_code == "recode" else c
                         for c in codons[1:]]
    recoded = sum(a != b for a, b in zip(codons, body))
    cds, tag_start = tagged("".join(body), parts.tag, tag_terminus(parts))
    return Cassette(gene, parts.utr, cds, 3 * len(parts.tag), recoded, replaced, layout, provenance,
                    tag_start)


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
    if not vm.genome.has_sequence:
        raise CompileError(f"genome {vm.genome.accession} of VM '{vm.id}' has no sequence",
                           at(vm.genome.source),
                           hint="use a GenBank file with ORIGIN, or FASTA+GFF3")


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
    free = replaceable_windows(genome, len(parts.utr), tuple((r.start, r.end) for r in plan.removals),
                               refactored)
    elements, removed = list(plan.removals), {(r.start, r.end) for r in plan.removals}
    for gene in genome.genes:
        tag, layout = gene.locus_tag, plan.layouts[gene.locus_tag]
        if tag in plan.knocked:
            continue
        provenance = _provenance(gene, plan, removed)
        if tag in refactored:
            elements.append(refactor(gene, genome, parts, gene in free, layout, provenance))
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
        if parts.genetic_code == "recode" and gene.is_coding:
            transcript, recoded = recode_in_place(transcript, spans, table, gene.codon_start,
                                                  {offset for offset, _ in gene.transl_except})
            qualifiers["note"].append(f"{recoded} codon(s) recoded for the host, in place")
        qualifiers.update(codon_start=[str(gene.codon_start)], transl_table=[str(
            HOST_TABLE if parts.genetic_code in ("recode", "native") and gene.is_coding else table)])
        if element.layout.frameshift or gene.ribosomal_slippage:
            qualifiers["ribosomal_slippage"] = [""]
    dna = transcript if strand == 1 else reverse_complement(transcript)
    return dna, [SeqFeature(location, type=gene.feature_type, qualifiers=qualifiers)]


def recode_in_place(transcript: str, spans: list[tuple[int, int]], table: int,
                    codon_start: int = 1, kept: set[int] = frozenset()) -> tuple[str, int]:
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
        new = host_codon(codon, table)
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
    table = HOST_TABLE if parts.genetic_code in ("recode", "native") else gene_table(gene, genome)
    how = "replaces the native" if c.replaced else "inserted before the native"
    terminus = tag_terminus(parts)
    notes = [f"refactored for the host: genetic code {parts.genetic_code}, "
             f"{c.recoded} codon(s) recoded, tag {parts.tag_name} at the {terminus}-terminus, stop {STOP}"]
    features = [
        SeqFeature(span(utr, total), type="CDS", qualifiers={
            "locus_tag": [gene.locus_tag], "gene": [gene.name], "product": [gene.product],
            "codon_start": ["1"], "transl_table": [str(table)],
            "note": notes + ([c.provenance] if c.provenance else []),
            "translation": [protein(c.cds, table)]}),
        SeqFeature(span(0, utr), type="5'UTR", qualifiers={
            "locus_tag": [gene.locus_tag],
            "note": [f"BioXen 5' UTR of pool {parts.pool}; {how} {utr} bp upstream"]}),
    ]
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
    """The hypervisor's part DNA, by key (promoters, RBS, terminator, GFP, 16S rRNA, PhlF and
    its operator, and one CDS per protease of the parts library, keyed by the protease's name)."""
    try:
        parts = YAML(typ="safe").load(Path(path).read_text())["parts"]
    except (OSError, KeyError, TypeError) as exc:
        raise CompileError(f"cannot read part sequences: {exc}", at(path)) from exc
    flat = lambda text: " ".join(str(text or "").split())  # noqa: E731
    return {key: PartSequence(
        key, str(p["name"]), str(p["kind"]), flat(p.get("what")),
        "".join(p["sequence"].split()).upper() if p.get("sequence") else None,
        int(p.get("placeholder_length", 0)), flat(p.get("source")), flat(p.get("reason")))
        for key, p in parts.items()}


@dataclass(frozen=True)
class Piece:
    """One feature's worth of a hypervisor cassette (``dna`` may be empty: a place, not a part)."""

    type: str
    label: str
    dna: str
    note: str
    qualifiers: tuple[tuple[str, str], ...] = ()


def library_piece(part: PartSequence, type_: str, label: str, **extra: str) -> Piece:
    return Piece(type_, label, part.dna(), part.note(), tuple(extra.items()))


def orthogonal_rrna(parts: IsolationParts, library: dict[str, PartSequence]) -> str:
    """E. coli 16S rRNA with its 3' anti-SD (the host's, :data:`bioxen.rna.HOST_ANTI_SD`)
    replaced by the pool's."""
    body = library["rrsB_16S"].dna()
    if not body.endswith(HOST_ANTI_SD):
        raise CompileError(f"the 16S rRNA in the parts data does not end in {HOST_ANTI_SD}", at(PART_SEQUENCES))
    return body[:-len(HOST_ANTI_SD)] + parts.anti_sd


def _transcribed(promoter: Piece | list[Piece], gene: list[Piece], library) -> list[Piece]:
    promoters = promoter if isinstance(promoter, list) else [promoter]
    return [*promoters, *gene, library_piece(library["B0015"], "terminator", "B0015")]


def orrna_cassette(vm: GuestVM, library) -> list[Piece]:
    parts, rrna = vm.parts, orthogonal_rrna(vm.parts, library)
    gene = Piece("rRNA", f"o-16S {parts.pool}", rrna,
                 f"16S rRNA of ribosome pool {parts.pool}: {library['rrsB_16S'].note()}; its 3' "
                 f"anti-SD {HOST_ANTI_SD} replaced by {parts.anti_sd}",
                 (("product", f"16S ribosomal RNA, orthogonal pool {parts.pool}"),))
    promoter = library_piece(library["J23100"], "promoter", "J23100")
    promoter = Piece(promoter.type, promoter.label, promoter.dna,
                     f"{promoter.note}; STAND-IN: the model transcribes the o-rRNA from the host rRNA "
                     f"promoter (rrnB P1, growth-regulated) at {vm.orrna_transcription:.0f} molecules/min "
                     "at saturating energy; that promoter's sequence is not in BioXen's parts data",
                     promoter.qualifiers)
    return _transcribed(promoter, [gene], library)


def srna_cassette(vm: GuestVM, library) -> list[Piece]:
    parts = vm.parts
    gene = Piece("ncRNA", f"gate sRNA {vm.id}", parts.srna,
                 f"gate sRNA of VM {vm.id}, antisense to its 5' UTR and start codon; "
                 f"induced (aTc) to pause the VM",
                 (("ncRNA_class", "antisense_RNA"), ("product", f"gate sRNA of VM {vm.id}")))
    promoter = library_piece(library["pTet"], "promoter", "pTet (BBa_R0040)")
    return _transcribed(promoter, [gene], library)


def gate_rna(parts: IsolationParts) -> str:
    """The ribosome-gate RNA of a VM (DNA): its 5' UTR, which holds the pool's SD in the context
    the VM's mRNAs present it in (:mod:`bioxen.rules.ribosome_gate` binds the gate at the
    pool SD's on-target strength and K_d; it defines no sequence of its own)."""
    return parts.utr


def ribosome_gate_cassettes(vm: GuestVM, library) -> list[tuple[str, list[Piece]]]:
    """The VM's ribosome-gate RNA (pTet, induced on PAUSE_VM) and, if the model has one, its
    constitutive anti-gate RNA (J23100), as (locus tag suffix, pieces)."""
    parts, gate = vm.parts, gate_rna(vm.parts)
    held = (f"carries the Shine-Dalgarno {parts.sd} of pool {parts.pool} and holds its free o-ribosomes "
            f"(bioxen.rules.ribosome_gate, gate_{vm.id}); induced (aTc) to pause VM {vm.id}. A: its "
            "sequence is the VM's 5' UTR, which the model's binding constants describe; the rules "
            "module defines no gate RNA sequence")
    cassettes = [("gate", _transcribed(
        library_piece(library["pTet"], "promoter", "pTet (BBa_R0040)"),
        [Piece("ncRNA", f"gate RNA {vm.id}", gate, held,
               (("ncRNA_class", "other"), ("product", f"ribosome-gate RNA of VM {vm.id}")))], library))]
    if vm.antigate_transcription > 0:
        anti = reverse_complement(gate)
        cassettes.append(("antigate", _transcribed(
            library_piece(library["J23100"], "promoter", "J23100"),
            [Piece("ncRNA", f"anti-gate RNA {vm.id}", anti,
                   f"constitutive anti-gate RNA of VM {vm.id} (antigate_{vm.id}): antisense to the "
                   f"gate RNA, titrates it so that RESUME_VM releases the pool at once; J23100 stands "
                   f"in for a promoter of {vm.antigate_transcription:.3g} molecules/min",
                   (("ncRNA_class", "antisense_RNA"), ("product", f"anti-gate RNA of VM {vm.id}")))],
            library)))
    return cassettes


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


def _protease_promoter(vm: GuestVM, library, how: ProteaseDesign) -> list[Piece]:
    promoter = library_piece(library["pLas"], "promoter", "pLas (BBa_R0079)")
    if not how.pulse:
        return [promoter]
    operator = library["phlO"]
    return [promoter, Piece(
        "protein_bind", "phlO", operator.dna(),
        f"{operator.note()}; with pLas before it, the hybrid promoter of protease_{vm.id}: induced "
        f"with DESTROY_VM {vm.id} and shut by the PhlF that the same inducer makes "
        f"({pulse.repressor_name(f'protease_{vm.id}')}, bioxen.rules.pulse)",
        (("bound_moiety", "PhlF"),))]


def protease_cassette(vm: GuestVM, library, how: ProteaseDesign = ProteaseDesign(False, False)) -> list[Piece]:
    """The VM's protease (the one its degron tag names), self-tagged as the VM's own genes are
    when ``how.self_tagged``; a CDS BioXen lacks is not written: a misc_feature holding the tag's
    DNA (else the RBS's note) says where it goes and where to get it."""
    parts = vm.parts
    if parts.protease not in library:
        raise CompileError(f"protease {parts.protease} of degron tag {parts.tag_name} has no entry in the "
                           "parts' DNA data", at(PART_SEQUENCES),
                           hint=f"add a part keyed {parts.protease} (its sequence, or null with a reason)")
    enzyme, terminus = library[parts.protease], tag_terminus(parts)
    rbs = library_piece(library["B0034"], "regulatory", "B0034", regulatory_class="ribosome_binding_site")
    label, product = parts.protease, f"{parts.protease} ({enzyme.name}), recognising {parts.tag_name}"
    tag_note = (f"; its own VM's degron {parts.tag_name} ({parts.tag}) at the {terminus}-terminus, so it "
                f"is one of its own substrates" if how.self_tagged else "")
    if enzyme.sequence is not None:
        body = coding_body(enzyme.sequence)
        cds = tagged(body, parts.tag, terminus)[0] if how.self_tagged else body + STOP
        gene = Piece("CDS", label, cds, enzyme.note() + tag_note,
                     (("codon_start", "1"), ("transl_table", str(HOST_TABLE)), ("product", product),
                      ("translation", protein(cds, HOST_TABLE))))
    elif how.self_tagged:   # the tag's DNA is all there is to write: it says where the CDS goes
        known = "ATG" + back_translate(parts.tag) if terminus == "N" else back_translate(parts.tag) + STOP
        where = ("after this start codon and tag (the CDS without its start codon)" if terminus == "N"
                 else "before this tag and stop (the CDS without its stop codon)")
        gene = Piece("misc_feature", f"{label} (CDS missing)", known,
                     f"{enzyme.note()}. The {enzyme.name} goes {where}{tag_note}", (("product", product),))
    else:                   # nothing of it to write (a feature of no length is no SBOL3 Range): the RBS says so
        rbs = Piece(rbs.type, rbs.label, rbs.dna, f"{rbs.note}; the {enzyme.name} ({product}) goes right "
                    f"after this RBS: {enzyme.note()}", rbs.qualifiers)
        return _transcribed(_protease_promoter(vm, library, how), [rbs], library)
    return _transcribed(_protease_promoter(vm, library, how), [rbs, gene], library)


def pulse_repressor_cassette(vm: GuestVM, library) -> list[Piece]:
    """The PhlF gene that ends the VM's protease pulse: the protease's inducible promoter (same
    inducer), B0034, PhlF, B0015."""
    name = pulse.repressor_name(f"protease_{vm.id}")
    phlf = library["PhlF"]
    gene = library_piece(phlf, "CDS", f"PhlF {vm.id}", codon_start="1", transl_table=str(HOST_TABLE),
                         product=f"PhlF, pulse repressor of protease_{vm.id} (model gene {name})",
                         translation=protein(phlf.dna(), HOST_TABLE))
    rbs = library_piece(library["B0034"], "regulatory", "B0034", regulatory_class="ribosome_binding_site")
    promoter = library_piece(library["pLas"], "promoter", "pLas (BBa_R0079)")
    return _transcribed(promoter, [rbs, gene], library)


def trna_cassette(vm: GuestVM, library) -> list[Piece]:
    trna = uga_trna(vm.genome)
    if trna is None:
        raise CompileError(f"genome {vm.genome.accession} has no tRNA-Trp with anticodon UCA",
                           at(vm.genome.source), hint="use genetic_code: recode for this VM")
    gene = Piece("tRNA", f"tRNA-Trp(UCA) {vm.id}", vm.genome.gene_sequence(trna),
                 f"{trna.locus_tag} of {vm.genome.accession}: tRNA-Trp with anticodon UCA, "
                 f"reads UGA as Trp", (("product", "tRNA-Trp"), ("gene", trna.name)))
    return _transcribed(library_piece(library["J23100"], "promoter", "J23100"), [gene], library)


def coding_body(cds: str) -> str:
    """A CDS without its final stop codon(s) under table 11 (E0040 ends in TAATAA).

    >>> coding_body("ATGGCGTAATAA")
    'ATGGCG'
    """
    while len(cds) > 3 and amino_acid(cds[-3:], HOST_TABLE) == "*":
        cds = cds[:-3]
    return cds


def reporter_cassette(vm: GuestVM, library, rate: Quantity | None = None) -> list[Piece]:
    """The VM's GFP reporter, built like the VM's genes: its UTR, then GFP with the VM's degron
    at its terminus, and TAA.

    ``rate`` is the model's reporter transcription (``reporter.max_transcription``).
    """
    parts, gfp, terminus = vm.parts, library["E0040"], tag_terminus(vm.parts)
    cds = tagged(coding_body(gfp.dna()), parts.tag, terminus)[0]
    sd = f", holding its Shine-Dalgarno {parts.sd}" if parts.sd else ""
    utr = Piece("5'UTR", f"5' UTR {vm.id}", parts.utr,
                f"BioXen 5' UTR of VM {vm.id} (ribosome pool {parts.pool}){sd}; the gate sRNA "
                f"of VM {vm.id} pairs with it and the start codon, so PAUSE_VM gates the reporter")
    where = "its stop codons replaced by" if terminus == "C" else "after its start codon,"
    gene = Piece("CDS", f"GFP-{parts.tag_name} {vm.id}", cds,
                 f"{gfp.note()}; {where} {degron_note(parts)}; stop {STOP}",
                 (("codon_start", "1"), ("transl_table", str(HOST_TABLE)),
                  ("product", f"fluorescent reporter of VM {vm.id} (GFP-{parts.tag_name})"),
                  ("translation", protein(cds, HOST_TABLE))))
    return _transcribed(_reporter_promoter(vm, library, rate), [utr, gene], library)


def _reporter_promoter(vm: GuestVM, library, rate: Quantity | None) -> Piece:
    promoter = library_piece(library["J23100"], "promoter", "J23100")
    level = f"{rate.value:g} {rate.units}" if rate is not None else "a constant rate"
    return Piece(promoter.type, promoter.label, promoter.dna,
                 f"{promoter.note}; STAND-IN for a constitutive promoter: the model transcribes "
                 f"the reporter at {level} times VM {vm.id}'s licence (CREATE and not DESTROY), "
                 "a switch of the model with no DNA in this image. J23100 is the only Anderson "
                 "promoter in BioXen's parts data and the strongest of the family; a weaker "
                 "member would suit a low constant rate better", promoter.qualifiers)


def hypervisor_cassettes(design: Design, library) -> list[tuple[str, list[Piece]]]:
    """(locus tag, pieces) of every hypervisor cassette, o-rRNAs first, one per pool; then per VM
    the genes the model has (:func:`bioxen.ir.gates_of` says which gates)."""
    rate = design.parts.reporter.get("max_transcription") if design.parts else None
    how = protease_design(design)
    cassettes, pools = [], set()
    for vm in design.vms:
        if vm.parts.pool != "host" and vm.parts.pool not in pools:
            pools.add(vm.parts.pool)
            cassettes.append((f"hv_{vm.id}_orrna", orrna_cassette(vm, library)))
    for vm in design.vms:
        gates = gates_of(design, vm)
        if gates.srna:
            cassettes.append((f"hv_{vm.id}_srna", srna_cassette(vm, library)))
        if gates.ribosome:
            cassettes += [(f"hv_{vm.id}_{what}", pieces) for what, pieces in ribosome_gate_cassettes(vm, library)]
        cassettes.append((f"hv_{vm.id}_protease", protease_cassette(vm, library, how)))
        if how.pulse:
            cassettes.append((f"hv_{vm.id}_pulse_repressor", pulse_repressor_cassette(vm, library)))
        if vm.parts.genetic_code == "suppressor":
            cassettes.append((f"hv_{vm.id}_trna_trp", trna_cassette(vm, library)))
        cassettes.append((f"hv_{vm.id}_reporter", reporter_cassette(vm, library, rate)))
    return cassettes


def hypervisor_image(design: Design, library: dict[str, PartSequence] | None = None) -> SeqRecord:
    """The hypervisor's own genes for every VM of ``design``, one cassette per part."""
    missing = [Diagnostic(f"VM '{vm.id}' has no isolation parts", vm.location)
               for vm in design.vms if vm.parts is None]
    if missing:
        raise CompileError.collected(missing)
    library = load_part_sequences() if library is None else library
    pieces, features, offset = [], [], 0
    for locus_tag, cassette in hypervisor_cassettes(design, library):
        for piece in cassette:
            location = FeatureLocation(offset, offset + len(piece.dna), 1)
            qualifiers = {"label": [piece.label], "locus_tag": [locus_tag], "note": [piece.note]}
            qualifiers.update({key: [value] for key, value in piece.qualifiers})
            features.append(SeqFeature(location, type=piece.type, qualifiers=qualifiers))
            pieces.append(piece.dna)
            offset += len(piece.dna)
    return SeqRecord(Seq("".join(pieces)), id=f"{design.name}_hypervisor",
                     name=f"{design.name}_hv"[:16],
                     description=f"BioXen hypervisor genes of design {design.name}: o-rRNA, gates, "
                                 f"protease, pulse repressor, UGA tRNA and reporter cassettes",
                     features=features, annotations={"molecule_type": "DNA", "topology": "linear"})
