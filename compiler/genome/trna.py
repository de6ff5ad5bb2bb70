"""tRNA genes: anticodons, and the UGA-decoding tRNA-Trp of genomes that read UGA as Trp."""
from __future__ import annotations

from bioxen.genome.records import Gene, Genome

_PAIRS = {("A", "T"), ("T", "A"), ("G", "C"), ("C", "G"), ("G", "T"), ("T", "G")}


def anticodon(trna: str) -> str | None:
    """A tRNA gene's anticodon (DNA): bases 3-5 of the 7-nt loop closed by the anticodon stem.

    The loop is looked for where the anticodon arm lies in the cloverleaf (loop
    start 26..40 nt from the 5' end), with a 5-bp stem of at least 4 pairs and T
    as the loop's second base (U33); the best-paired, most central candidate wins.
    """
    best = None
    for i in range(26, min(41, len(trna) - 11)):
        stem5, loop, stem3 = trna[i - 5:i], trna[i:i + 7], trna[i + 7:i + 12]
        pairs = sum((a, b) in _PAIRS for a, b in zip(stem5, reversed(stem3)))
        score = (pairs, -abs(i - 31))
        if loop[1] == "T" and pairs >= 4 and (best is None or score > best[0]):
            best = (score, loop[2:5])
    return best[1] if best else None


def uga_trna(genome: Genome) -> Gene | None:
    """The genome's tRNA-Trp whose anticodon is UCA (TCA in DNA), which reads UGA as Trp."""
    for gene in genome.genes:
        if gene.feature_type == "tRNA" and "trna-trp" in gene.product.lower() \
                and anticodon(genome.gene_sequence(gene)) == "TCA":
            return gene
    return None
