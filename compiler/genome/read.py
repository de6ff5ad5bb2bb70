"""Read an annotated genome file into the genome IR, through Biopython.

Formats: GenBank (.gb, .gbk, .genbank, optionally .gz) and FASTA with a GFF3
annotation beside it (same stem, .gff3 or .gff) or given explicitly.
"""
from __future__ import annotations

import gzip
import hashlib
import io
from collections import Counter
from pathlib import Path

from Bio import SeqIO
from Bio.SeqFeature import SeqFeature

from bioxen.errors import GenomeError, at
from bioxen.genome.records import FEATURE_TYPES, Gene, Genome

GENBANK_SUFFIXES = (".gb", ".gbk", ".genbank", ".gbff")
FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas")
GFF_SUFFIXES = (".gff3", ".gff")


def _plain_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        return (gzip.decompress(raw) if path.suffix.lower() == ".gz" else raw).decode()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise GenomeError(f"cannot read genome file: {exc}", at(path)) from exc


def read_genome(path: str | Path, annotation: str | Path | None = None) -> Genome:
    """Read one genome file (first record of a GenBank, or FASTA + GFF3)."""
    path = Path(path)
    if not path.is_file():
        raise GenomeError("genome file not found", at(path))
    kind = _plain_suffix(path)
    text = _read_text(path)
    digest = hashlib.sha256(text.encode()).hexdigest()
    if kind in GENBANK_SUFFIXES or (kind not in FASTA_SUFFIXES and text.startswith("LOCUS")):
        record = _parse_genbank(path, text)
    elif kind in FASTA_SUFFIXES or text.startswith(">"):
        record = _parse_fasta_gff(path, text, annotation)
    else:
        raise GenomeError(f"unrecognised genome format '{kind or 'no suffix'}'", at(path),
                          hint="expected GenBank (.gb, .gbk, optionally .gz) or FASTA "
                               "(.fasta, .fa, .fna) with a GFF3 annotation")
    return _to_genome(record, path, digest)


def _parse_genbank(path: Path, text: str):
    lines = text.rstrip().splitlines()
    if not lines or not lines[-1].startswith("//"):
        raise GenomeError(f"GenBank file is truncated: it ends at line {len(lines)} without the "
                          "closing '//'", at(path, len(lines)),
                          hint="download the complete record again")
    try:
        records = list(SeqIO.parse(io.StringIO(text), "genbank"))
    except Exception as exc:  # Biopython raises ValueError and friends
        raise GenomeError(f"invalid GenBank file: {exc}", at(path)) from exc
    if not records:
        raise GenomeError("GenBank file holds no record", at(path))
    return records[0]


def _annotation_for(path: Path, annotation) -> Path:
    if annotation is not None:
        return Path(annotation)
    stem = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    stem = stem.rsplit(".", 1)[0]
    for suffix in GFF_SUFFIXES:
        for name in (stem + suffix, stem + suffix + ".gz"):
            if (path.parent / name).is_file():
                return path.parent / name
    raise GenomeError("FASTA file has no annotation: a genome needs gene features to compile",
                      at(path), hint=f"put {stem}.gff3 beside it, give `annotation:` in the "
                                     "policy, or use a GenBank file")


def _parse_fasta_gff(path: Path, text: str, annotation):
    from BCBio import GFF

    gff_path = _annotation_for(path, annotation)
    try:
        sequences = SeqIO.to_dict(SeqIO.parse(io.StringIO(text), "fasta"))
    except Exception as exc:
        raise GenomeError(f"invalid FASTA file: {exc}", at(path)) from exc
    if not sequences:
        raise GenomeError("FASTA file holds no sequence", at(path))
    try:
        records = list(GFF.parse(io.StringIO(_read_text(gff_path)), base_dict=sequences))
    except Exception as exc:
        raise GenomeError(f"invalid GFF3 annotation: {exc}", at(gff_path)) from exc
    annotated = [r for r in records if r.features]
    if not annotated:
        raise GenomeError("GFF3 annotation has no features for the FASTA sequences", at(gff_path))
    record = annotated[0]
    record.annotations.setdefault("topology", "linear")
    return record


def _flatten(features, parent_qualifiers=None):
    """GFF3 nests CDS under genes; GenBank does not. Yield (feature, inherited qualifiers)."""
    for feature in features:
        inherited = dict(parent_qualifiers or {})
        inherited.update(feature.qualifiers)
        yield feature, inherited
        yield from _flatten(getattr(feature, "sub_features", []) or [], inherited)


def _first(qualifiers: dict, *keys: str, default=None):
    for key in keys:
        value = qualifiers.get(key)
        if value:
            return value[0] if isinstance(value, list) else value
    return default


def _is_pseudo(qualifiers: dict) -> bool:
    if "pseudo" in qualifiers or "pseudogene" in qualifiers:
        return True
    return str(_first(qualifiers, "gene_biotype", default="")).lower() == "pseudogene"


def _coding_facts(feature: SeqFeature, qualifiers: dict, sequence, pseudo: bool):
    """Protein length and in-frame internal TGA count of one CDS."""
    table = int(_first(qualifiers, "transl_table", default=11))
    if pseudo or sequence is None:
        return table, None, 0
    try:
        cds = str(feature.extract(sequence)).upper()
    except Exception:  # a location outside the sequence
        return table, None, 0
    offset = int(_first(qualifiers, "codon_start", "phase", default=1)) - 1
    offset = offset if offset in (0, 1, 2) else 0
    codons = [cds[i:i + 3] for i in range(offset, len(cds) - 2, 3)]
    translation = _first(qualifiers, "translation")
    length = len(translation) if translation else max(len(codons) - 1, 0)
    return table, length, sum(1 for c in codons[:-1] if c == "TGA")


def _joined_parts(feature: SeqFeature) -> tuple[tuple[int, int, int], ...]:
    """The (start, end, strand) parts of a joined location, in transcription order; () if simple."""
    parts = feature.location.parts
    if len(parts) < 2:
        return ()
    return tuple((int(p.start), int(p.end), int(p.strand or 1)) for p in parts)


def _defined_sequence(record):
    """The record's sequence, or None when the file gives only a length (no ORIGIN)."""
    try:
        return record.seq if record.seq is not None and str(record.seq[:1]) else None
    except Exception:  # Biopython's UndefinedSequenceError
        return None


def _to_genome(record, path: Path, digest: str) -> Genome:
    genes: list[Gene] = []
    sequence = _defined_sequence(record)
    for index, (feature, qualifiers) in enumerate(_flatten(record.features)):
        if feature.type not in FEATURE_TYPES:
            continue
        pseudo = _is_pseudo(qualifiers)
        locus_tag = _first(qualifiers, "locus_tag", "ID", default=f"feature_{index + 1}")
        table, protein_length, tga = (None, None, 0)
        if feature.type == "CDS":
            table, protein_length, tga = _coding_facts(feature, qualifiers, sequence, pseudo)
        genes.append(Gene(
            locus_tag=str(locus_tag),
            name=str(_first(qualifiers, "gene", "Name", default=locus_tag)),
            product=str(_first(qualifiers, "product", default="")),
            feature_type=feature.type,
            start=int(feature.location.start), end=int(feature.location.end),
            strand=int(feature.location.strand or 1),
            pseudo=pseudo, translation_table=table,
            protein_length=protein_length, internal_tga=tga,
            parts=_joined_parts(feature)))
    if not genes:
        raise GenomeError("genome has no gene features (CDS, rRNA, tRNA, ncRNA or tmRNA)",
                          at(path), hint="a genome needs an annotation to compile")
    tables = Counter(g.translation_table for g in genes if g.translation_table)
    genes.sort(key=lambda g: (g.start, g.end))
    return Genome(
        accession=record.id,
        description=record.description,
        length=len(record.seq) if record.seq is not None else 0,
        topology=record.annotations.get("topology", "linear"),
        translation_table=tables.most_common(1)[0][0] if tables else 11,
        genes=tuple(genes), source=str(path), sha256=digest,
        sequence=str(sequence).upper() if sequence is not None else "")
