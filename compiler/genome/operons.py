"""Operon inference: runs of same-strand genes with small intergenic gaps."""
from __future__ import annotations

from bioxen.genome.records import Gene, Genome

DEFAULT_MAX_GAP = 50  # bp


def infer_operons(genome: Genome, max_gap: int = DEFAULT_MAX_GAP) -> tuple[tuple[Gene, ...], ...]:
    """Group genes (in genome order) into operons.

    Adjacent genes join when they lie on the same strand and the gap between
    them is at most ``max_gap`` bp (overlaps count as gap <= 0). On a circular
    genome the last and first operons join across the origin when they qualify.
    Pseudogenes take part (they are transcribed with their neighbours).
    """
    genes = sorted(genome.genes, key=lambda g: (g.start, g.end))
    operons: list[list[Gene]] = []
    for gene in genes:
        last = operons[-1][-1] if operons else None
        if last is not None and last.strand == gene.strand and gene.start - last.end <= max_gap:
            operons[-1].append(gene)
        else:
            operons.append([gene])
    if genome.topology == "circular" and len(operons) > 1:
        tail, head = operons[-1][-1], operons[0][0]
        if tail.strand == head.strand and (genome.length - tail.end) + head.start <= max_gap:
            operons[0] = operons.pop() + operons[0]
    return tuple(tuple(op) for op in operons)
