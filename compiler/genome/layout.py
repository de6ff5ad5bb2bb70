"""How a gene's annotated location lies on its genome: introns, trans-splicing, frameshifts, the origin.

A joined location lists its parts in transcription order (Biopython's ``location.parts``, kept
as ``Gene.parts``). Two consecutive parts p, q are joined in one of four ways:

* ``contiguous``: q goes on where p ends, also across the origin of a circular genome
  (``join(N..end,1..M)``);
* ``intron``: same strand, q at least MIN_INTRON nt downstream of p on that strand;
* ``frameshift``: same strand, q overlapping p or fewer than MIN_INTRON nt downstream of it: the
  ribosome slips or hops and nothing is spliced (E. coli prfB's +1, ``join(a..b,b+2..c)``;
  dnaX's -1, ``join(a..b,b..c)``);
* ``trans``: a change of strand, or q wholly upstream of p: exons of separate transcripts joined
  by trans-splicing (rps12 of land-plant chloroplasts, ``join(complement(A..B),C..D,E..F)``).

A *segment* is a run of parts joined contiguously or by frameshifts: one stretch of native DNA.
Splicing joins segments; a segment is never cut.

:func:`unrefactorable` says which CDSs cannot become one contiguous refactored CDS (their mature
sequence, introns removed): a programmed frameshift (by geometry or ``/ribosomal_slippage``), a
start mid-codon, a length that is not whole codons, or no stop codon at the end.
:func:`origin_free` turns a circular genome so that no gene spans its origin.

Coordinates are a replicon's: a gene is laid out on its own record (``Gene.record``), and
:func:`origin_free` turns a single-replicon genome (one of :meth:`Genome.views`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from Bio.Data.CodonTable import unambiguous_dna_by_id

from bioxen.genome.records import Gene, Genome, Replicon

Part = tuple[int, int, int]   # (start, end, strand), 0-based, end-exclusive

# Gaps shorter than this between same-strand parts are frameshifts, not introns: programmed
# frameshifts move the ribosome 1-2 nt (prfB +1, dnaX -1), while the shortest introns of the
# genomes BioXen reads (archaeal pre-tRNA introns) are a dozen nt or longer. A longer ribosomal
# hop (T4 gene 60, 50 nt) is told by its /ribosomal_slippage qualifier, not by its gap.
MIN_INTRON = 10


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of native DNA holding consecutive parts of a gene (in transcription order)."""

    start: int
    end: int
    strand: int
    parts: tuple[Part, ...]

    def offsets(self) -> tuple[tuple[int, int], ...]:
        """Each part's [a, b) within the segment read 5' to 3' on its strand."""
        if self.strand == 1:
            return tuple((s - self.start, e - self.start) for s, e, _ in self.parts)
        return tuple((self.end - e, self.end - s) for s, e, _ in self.parts)


@dataclass(frozen=True)
class GeneLayout:
    """A gene's segments in transcription order (the first holds its 5' end) and its introns."""

    segments: tuple[Segment, ...]
    introns: tuple[tuple[int, int], ...]   # native [start, end) between segments on one strand
    joints: tuple[str, ...]                # how each part joins the next

    @property
    def five_prime(self) -> Segment:
        return self.segments[0]

    @property
    def spliced(self) -> bool:
        return len(self.segments) > 1

    @property
    def frameshift(self) -> bool:
        return "frameshift" in self.joints


def _across_origin(p: Part, q: Part, replicon: Replicon) -> bool:
    if replicon.topology != "circular":
        return False
    return (p[1] == replicon.length and q[0] == 0) if p[2] == 1 else (p[0] == 0 and q[1] == replicon.length)


def joint(p: Part, q: Part, replicon: Replicon) -> str:
    """How part q follows part p of one location on ``replicon``: contiguous, intron, frameshift
    or trans.

    >>> g = Replicon("X", "", 1000, "circular")
    >>> [joint(p, q, g) for p, q in [((0, 90, 1), (190, 300, 1)), ((0, 90, 1), (91, 300, 1)),
    ...                               ((0, 90, 1), (89, 300, 1)), ((500, 600, 1), (0, 90, 1)),
    ...                               ((500, 600, -1), (0, 90, 1)), ((900, 1000, 1), (0, 60, 1))]]
    ['intron', 'frameshift', 'frameshift', 'trans', 'trans', 'contiguous']
    """
    (ps, pe, strand), (qs, qe, q_strand) = p, q
    if q_strand != strand:
        return "trans"
    if _across_origin(p, q, replicon):
        return "contiguous"
    gap = qs - pe if strand == 1 else ps - qe
    if gap == 0:
        return "contiguous"
    if gap >= MIN_INTRON:
        return "intron"
    upstream = qe <= ps if strand == 1 else qs >= pe
    return "trans" if upstream else "frameshift"


def _segment(parts: list[Part]) -> Segment:
    merged = [parts[0]]
    for s, e, strand in parts[1:]:      # contiguous parts become one
        ps, pe, _ = merged[-1]
        if (strand == 1 and s == pe) or (strand == -1 and e == ps):
            merged[-1] = (min(s, ps), max(e, pe), strand)
        else:
            merged.append((s, e, strand))
    return Segment(min(p[0] for p in merged), max(p[1] for p in merged), merged[0][2], tuple(merged))


def gene_layout(gene: Gene, genome: Genome) -> GeneLayout:
    """The gene's segments and introns. On a circular genome the segments are right only when no
    gene spans the origin (:func:`origin_free`); the joints are right always."""
    pieces, replicon = gene.pieces, genome.replicon(gene.record)
    runs, introns, joints = [[pieces[0]]], [], []
    for p, q in zip(pieces, pieces[1:]):
        kind = joint(p, q, replicon)
        joints.append(kind)
        if kind in ("contiguous", "frameshift"):
            runs[-1].append(q)
            continue
        if kind == "intron":
            introns.append((p[1], q[0]) if p[2] == 1 else (q[1], p[0]))
        runs.append([q])
    return GeneLayout(tuple(_segment(run) for run in runs), tuple(introns), tuple(joints))


# --- which CDSs can be refactored -----------------------------------------------------

def refactor_problem(gene: Gene, genome: Genome) -> str | None:
    """Why a CDS cannot become one contiguous refactored CDS, or None."""
    replicon = genome.replicon(gene.record)
    if gene.ribosomal_slippage:
        return "it is annotated /ribosomal_slippage (a programmed frameshift)"
    if gene.transl_except:
        codons = ", ".join(f"{aa} at codon {(offset - gene.codon_start + 1) // 3 + 1}"
                           for offset, aa in gene.transl_except)
        return (f"it carries /transl_except ({codons}): its special codon is read in its native context, "
                "which refactoring or recoding would lose")
    if any(joint(p, q, replicon) == "frameshift" for p, q in zip(gene.pieces, gene.pieces[1:])):
        return (f"its location joins parts that overlap or lie under {MIN_INTRON} nt apart on one "
                "strand (a programmed frameshift, not splicing)")
    if gene.codon_start != 1:
        return f"it starts mid-codon (/codon_start={gene.codon_start}: a partial CDS)"
    if not replicon.sequence:
        return None
    cds, table = genome.gene_sequence(gene), gene.translation_table or genome.translation_table
    if len(cds) % 3 or len(cds) < 6:
        return f"its mature length, {len(cds)} nt, is not a whole number of codons"
    code = unambiguous_dna_by_id.get(table)
    if code is None or cds[-3:] not in code.stop_codons:
        return f"it ends in {cds[-3:]}, not a stop codon of translation table {table}"
    return None


def unrefactorable(genome: Genome) -> dict[str, str]:
    """Locus tag -> why, for every expressed CDS that cannot be refactored (see the module)."""
    problems = {}
    for gene in genome.genes:
        if gene.is_coding:
            problem = refactor_problem(gene, genome)
            if problem:
                problems[gene.locus_tag] = problem
    return problems


# --- the origin -----------------------------------------------------------------------

def spans_origin(gene: Gene, genome: Genome) -> bool:
    replicon = genome.replicon(gene.record)
    return any(_across_origin(p, q, replicon) for p, q in zip(gene.pieces, gene.pieces[1:]))


def _free_position(genome: Genome) -> int | None:
    """The first position after 0 that no part of any gene lies across, or None."""
    parts = sorted(p[:2] for g in genome.genes for p in g.pieces)
    candidates = sorted(({e for _, e in parts} | {s for s, _ in parts}) - {0, genome.length})
    for position in candidates:
        if 0 < position < genome.length and not any(s < position < e for s, e in parts):
            return position
    return None


def _turned(part: Part, turn: int, length: int) -> Part:
    s, e, strand = part
    return (s - turn, e - turn, strand) if s >= turn else (s - turn + length, e - turn + length, strand)


def _turned_gene(gene: Gene, turn: int, genome: Genome) -> Gene:
    pieces = [_turned(p, turn, genome.length) for p in gene.pieces]
    merged = [pieces[0]]
    for s, e, strand in pieces[1:]:
        ps, pe, _ = merged[-1]
        if strand == merged[-1][2] and ((strand == 1 and s == pe) or (strand == -1 and e == ps)):
            merged[-1] = (min(s, ps), max(e, pe), strand)
        else:
            merged.append((s, e, strand))
    return replace(gene, start=min(p[0] for p in merged), end=max(p[1] for p in merged),
                   parts=tuple(merged) if len(merged) > 1 else ())


def origin_free(genome: Genome) -> tuple[Genome, int]:
    """The single-replicon genome turned so that no gene spans its origin, and the turn: position
    ``turn`` of ``genome`` is position 0 of the result (0 and ``genome`` itself when no gene spans it).
    Returns (genome, 0) unchanged when no position is free of genes."""
    if not any(spans_origin(g, genome) for g in genome.genes):
        return genome, 0
    turn = _free_position(genome)
    if turn is None:
        return genome, 0
    genes = sorted((_turned_gene(g, turn, genome) for g in genome.genes), key=lambda g: (g.start, g.end))
    replicon = genome.replicons[0]
    turned = replace(replicon, sequence=replicon.sequence[turn:] + replicon.sequence[:turn])
    return replace(genome, genes=tuple(genes), replicons=(turned,)), turn


def native_location(part: Part, turn: int, length: int) -> str:
    """A part of a turned genome in the original genome's GenBank coordinates (1-based).

    >>> native_location((5, 15, -1), 95, 100)
    'complement(1..10)'
    >>> native_location((0, 10, 1), 95, 100)
    'join(96..100,1..5)'
    """
    s, e, strand = part
    start, end = (s + turn) % length, (e + turn) % length or length
    text = f"{start + 1}..{end}" if start < end else f"join({start + 1}..{length},1..{end})"
    return text if strand == 1 else f"complement({text})"
