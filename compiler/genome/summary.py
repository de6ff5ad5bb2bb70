"""What `bioxen genome info` reports about a genome."""
from __future__ import annotations

from collections import Counter

from bioxen.genome.checks import annotation_findings
from bioxen.genome.operons import DEFAULT_MAX_GAP, infer_operons
from bioxen.genome.records import FEATURE_TYPES, Genome


def _replicons(genome: Genome) -> list[dict]:
    genes = Counter(g.record for g in genome.genes)
    return [{"id": r.id, "description": r.description, "length_bp": r.length, "topology": r.topology,
             "topology_assumed": r.topology_assumed, "genes": genes.get(r.id, 0), "has_sequence": bool(r.sequence)}
            for r in genome.replicons]


def genome_summary(genome: Genome, max_gap: int = DEFAULT_MAX_GAP) -> dict:
    counts = Counter(g.feature_type for g in genome.genes)
    findings = annotation_findings(genome)
    defects = [f for f in findings if f.severity == "defect"]
    return {
        "accession": genome.accession,
        "description": genome.description,
        "source": genome.source,
        "sha256": genome.sha256,
        "length_bp": genome.length,
        "topology": genome.topology,
        "topology_assumed": any(r.topology_assumed for r in genome.replicons),
        "translation_table": genome.translation_table,
        "translation_table_assumed": genome.table_assumed,
        "replicons": _replicons(genome),
        "features": {kind: counts.get(kind, 0) for kind in FEATURE_TYPES},
        "pseudogenes": sum(g.pseudo for g in genome.genes),
        "partial_genes": sum(g.partial and not g.pseudo for g in genome.genes),
        "coding_genes": sum(g.is_coding for g in genome.genes),
        "untagged_genes": sum(not g.tag for g in genome.genes),
        "renamed": {name: list(keys) for name, keys in genome.renamed},
        "operons": len(infer_operons(genome, max_gap)),
        "operon_max_gap_bp": max_gap,
        "internal_tga_codons": sum(g.internal_tga for g in genome.genes if g.is_coding),
        "annotation_defects": len(defects),
        "findings": [f.to_dict() for f in findings],
    }
