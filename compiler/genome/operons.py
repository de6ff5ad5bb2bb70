"""Operon inference: runs of same-strand genes with small intergenic gaps, replicon by replicon."""
from __future__ import annotations

from bioxen.genome.records import Gene, Genome

DEFAULT_MAX_GAP = 50  # bp


def infer_operons(genome: Genome, max_gap: int = DEFAULT_MAX_GAP) -> tuple[tuple[Gene, ...], ...]:
    """Group genes (in genome order) into operons.

    Adjacent genes of one replicon join when they lie on the same strand and the gap between
    them is at most ``max_gap`` bp (overlaps count as gap <= 0); no operon spans two replicons.
    On a circular replicon the last and first operons join across the origin when they qualify.
    Pseudogenes take part (they are transcribed with their neighbours).
    """
    return tuple(operon for view in genome.views() for operon in _replicon_operons(view, max_gap))


def _replicon_operons(genome: Genome, max_gap: int) -> list[tuple[Gene, ...]]:
    genes = sorted(genome.genes, key=lambda g: (g.start, g.end))
    replicon = genome.replicons[0]
    operons: list[list[Gene]] = []
    for gene in genes:
        last = operons[-1][-1] if operons else None
        if last is not None and last.strand == gene.strand and gene.start - last.end <= max_gap:
            operons[-1].append(gene)
        else:
            operons.append([gene])
    if replicon.topology == "circular" and len(operons) > 1:
        tail, head = operons[-1][-1], operons[0][0]
        if tail.strand == head.strand and (replicon.length - tail.end) + head.start <= max_gap:
            operons[0] = operons.pop() + operons[0]
    return [tuple(op) for op in operons]
