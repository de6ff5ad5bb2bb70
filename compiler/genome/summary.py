"""What `bioxen genome info` reports about a genome."""
from __future__ import annotations

from collections import Counter

from bioxen.genome.operons import DEFAULT_MAX_GAP, infer_operons
from bioxen.genome.records import FEATURE_TYPES, Genome


def genome_summary(genome: Genome, max_gap: int = DEFAULT_MAX_GAP) -> dict:
    counts = Counter(g.feature_type for g in genome.genes)
    return {
        "accession": genome.accession,
        "description": genome.description,
        "source": genome.source,
        "sha256": genome.sha256,
        "length_bp": genome.length,
        "topology": genome.topology,
        "translation_table": genome.translation_table,
        "features": {kind: counts.get(kind, 0) for kind in FEATURE_TYPES},
        "pseudogenes": sum(g.pseudo for g in genome.genes),
        "coding_genes": sum(g.is_coding for g in genome.genes),
        "operons": len(infer_operons(genome, max_gap)),
        "operon_max_gap_bp": max_gap,
        "internal_tga_codons": sum(g.internal_tga for g in genome.genes if g.is_coding),
    }
