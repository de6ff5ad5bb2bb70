"""The genome IR: frozen records of what an annotated genome says, replicon by replicon, gene by gene.

A genome file may hold several records (a chromosome and its plasmids, an organelle's
genomes, the contigs of a draft assembly): each is a :class:`Replicon`, and every gene lies on
one of them (``Gene.record``), its coordinates on that replicon's sequence.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

FEATURE_TYPES = ("CDS", "rRNA", "tRNA", "ncRNA", "tmRNA")
STOP_CODONS_TABLE_11 = ("TAA", "TAG", "TGA")


@dataclass(frozen=True)
class Gene:
    """One annotated gene. Coordinates are 0-based, end-exclusive (Biopython's), on its record.

    ``locus_tag`` is the gene's key, unique in its genome, by which every compiled species and
    reaction traces back to it: its /locus_tag, else its /gene, /label or /protein_id, else
    ``<record>_<start>_<end>_<strand>``; a name two untagged genes share gets ``_2``, ``_3``...
    in genome order (:func:`bioxen.genome.read.gene_keys`). ``tag`` is the /locus_tag the file
    gives ("" when none).
    """

    locus_tag: str
    name: str
    product: str
    feature_type: str           # one of FEATURE_TYPES
    start: int
    end: int
    strand: int                 # +1 or -1
    pseudo: bool
    translation_table: int | None
    protein_length: int | None  # amino acids the ribosome makes: to its first stop (CDS only)
    internal_tga: int = 0       # in-frame TGA codons before the stop (CDS only)
    # a joined location's parts, in transcription order (exons, pieces across the origin or a
    # frameshift): (start, end, strand); () for a simple location
    parts: tuple[tuple[int, int, int], ...] = ()
    ribosomal_slippage: bool = False   # /ribosomal_slippage or /exception="ribosomal slippage" (CDS)
    rna_editing: bool = False          # /exception="RNA editing" (CDS): read from its DNA as it is
    codon_start: int = 1               # /codon_start: 2 or 3 when the CDS starts mid-codon (partial)
    record: str = ""                   # the replicon (record id) its coordinates are on
    line: int | None = None            # the line of its feature in the genome file (GenBank)
    partial: bool = False              # a fuzzy end (< or >): a partial gene, not expressed
    # /transl_except: (offset of the codon in its mature sequence, amino acid), e.g. (597, "Sec")
    transl_except: tuple[tuple[int, str], ...] = ()
    transl_except_problem: str = ""    # a /transl_except that could not be read: why
    tag: str = ""                      # /locus_tag as the file gives it
    gene: str = ""                     # /gene (GFF3 Name) as the file gives it
    label: str = ""                    # /label
    protein_id: str = ""               # /protein_id

    @property
    def expressed(self) -> bool:
        """Neither a pseudogene nor a partial gene."""
        return not self.pseudo and not self.partial

    @property
    def is_coding(self) -> bool:
        return self.feature_type == "CDS" and self.expressed

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def pieces(self) -> tuple[tuple[int, int, int], ...]:
        """(start, end, strand) of every part of its location in transcription order; one for a
        simple location."""
        return self.parts or ((self.start, self.end, self.strand),)

    @property
    def spliced_length(self) -> int:
        """nt of its mature sequence (its parts joined): its length unless the location is joined."""
        return sum(end - start for start, end, _ in self.pieces)

    def names(self) -> dict[str, str]:
        """What the file calls it: locus_tag, gene, label, product, protein_id (the given ones)."""
        given = {"locus_tag": self.tag, "gene": self.gene, "label": self.label, "product": self.product,
                 "protein_id": self.protein_id}
        return {key: text for key, text in given.items() if text}


@dataclass(frozen=True)
class Replicon:
    """One record of a genome file: a chromosome, a plasmid, an organelle genome, a contig."""

    id: str                          # the record's accession.version (Biopython's record id)
    description: str
    length: int
    topology: str                    # "circular" or "linear"
    sequence: str = field(default="", repr=False)  # upper-case DNA; "" when the file has none
    topology_assumed: bool = False   # the file does not say: "linear" assumed


@dataclass(frozen=True)
class Genome:
    """An annotated genome: its replicons (file order) and its genes (replicon order, then by
    position). ``length``, ``topology`` and ``sequence`` are the replicon's when there is one;
    per-replicon work (layout, images, operons) goes through :meth:`views`."""

    accession: str                      # the first record's id
    description: str
    translation_table: int
    genes: tuple[Gene, ...]
    source: str                         # the file it was read from
    replicons: tuple[Replicon, ...]
    sha256: str = ""
    table_assumed: bool = False         # no CDS gives /transl_table: 11 assumed
    annotation: str = ""                # the GFF3 file of a FASTA genome
    annotation_sha256: str = ""
    renamed: tuple[tuple[str, tuple[str, ...]], ...] = ()   # a name untagged genes share -> their keys
    read_warnings: tuple[str, ...] = ()  # what Biopython's readers warned of, with the line (genome.read)

    @property
    def length(self) -> int:
        """bp, all replicons together."""
        return sum(r.length for r in self.replicons)

    @property
    def topology(self) -> str:
        """The replicons' topology ("mixed" when they differ)."""
        kinds = {r.topology for r in self.replicons}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def sequence(self) -> str:
        """The one replicon's sequence; a genome of several has none of its own (use :meth:`views`)."""
        if len(self.replicons) != 1:
            raise ValueError(f"genome {self.accession} has {len(self.replicons)} replicons: "
                             "take each one's sequence from Genome.views()")
        return self.replicons[0].sequence

    @property
    def has_sequence(self) -> bool:
        return bool(self.replicons) and all(r.sequence for r in self.replicons)

    def replicon(self, record: str) -> Replicon:
        """The replicon a gene's ``record`` names (the only one when ``record`` is "")."""
        if not record and len(self.replicons) == 1:
            return self.replicons[0]
        for replicon in self.replicons:
            if replicon.id == record:
                return replicon
        raise KeyError(f"genome {self.accession} has no record {record!r}")

    def views(self) -> tuple["Genome", ...]:
        """One single-replicon genome per replicon, holding that replicon's genes (the genome
        itself when it has one replicon)."""
        if len(self.replicons) == 1:
            return (self,)
        return tuple(replace(self, accession=r.id, description=r.description, replicons=(r,),
                             genes=tuple(g for g in self.genes if g.record == r.id))
                     for r in self.replicons)

    def gene_sequence(self, gene: Gene) -> str:
        """The gene's DNA (its parts joined), 5' to 3' on its own strand."""
        from Bio.Seq import reverse_complement

        sequence = self.replicon(gene.record).sequence
        return "".join(sequence[start:end] if strand == 1 else reverse_complement(sequence[start:end])
                       for start, end, strand in gene.pieces)

    def by_locus_tag(self) -> dict[str, Gene]:
        return {g.locus_tag: g for g in self.genes}

    def find(self, key: str) -> Gene | None:
        """The gene ``key`` names (its key, /locus_tag, /gene, /label or /protein_id), or None when
        it names none or several (:func:`bioxen.genome.lookup.look_up` says which)."""
        from bioxen.genome.lookup import look_up

        found = look_up(self, key).genes
        return found[0] if len(found) == 1 else None
