"""The genome IR: frozen records of what an annotated genome says, gene by gene."""
from __future__ import annotations

from dataclasses import dataclass, field

FEATURE_TYPES = ("CDS", "rRNA", "tRNA", "ncRNA", "tmRNA")
STOP_CODONS_TABLE_11 = ("TAA", "TAG", "TGA")


@dataclass(frozen=True)
class Gene:
    """One annotated gene. Coordinates are 0-based, end-exclusive (Biopython's)."""

    locus_tag: str
    name: str
    product: str
    feature_type: str           # one of FEATURE_TYPES
    start: int
    end: int
    strand: int                 # +1 or -1
    pseudo: bool
    translation_table: int | None
    protein_length: int | None  # amino acids, CDS only
    internal_tga: int = 0       # in-frame TGA codons before the stop (CDS only)
    parts: tuple[tuple[int, int, int], ...] = ()  # joined location (origin, frameshift): (start, end, strand)

    @property
    def is_coding(self) -> bool:
        return self.feature_type == "CDS" and not self.pseudo

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Genome:
    accession: str
    description: str
    length: int
    topology: str                       # "circular" or "linear"
    translation_table: int
    genes: tuple[Gene, ...]
    source: str                         # the file it was read from
    sha256: str = ""
    sequence: str = field(default="", repr=False)  # upper-case DNA; "" when the file has none

    def gene_sequence(self, gene: Gene) -> str:
        """The gene's DNA, 5' to 3' on its own strand."""
        from Bio.Seq import reverse_complement

        pieces = gene.parts or ((gene.start, gene.end, gene.strand),)
        return "".join(self.sequence[start:end] if strand == 1 else reverse_complement(self.sequence[start:end])
                       for start, end, strand in pieces)

    def by_locus_tag(self) -> dict[str, Gene]:
        return {g.locus_tag: g for g in self.genes}

    def find(self, key: str) -> Gene | None:
        """A gene by locus tag or, failing that, by unique gene name."""
        for gene in self.genes:
            if gene.locus_tag == key:
                return gene
        named = [g for g in self.genes if g.name == key]
        return named[0] if len(named) == 1 else None
