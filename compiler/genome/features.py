"""One annotated feature (GenBank, or GFF3 through BCBio) to a :class:`Gene`, and genes' keys.

The naming rule (:func:`gene_keys`): a gene's key is its /locus_tag; else its /gene (GFF3
``Name``), /label or /protein_id; else ``<record>_<start>_<end>_<strand>`` (1-based start and
end, ``+`` or ``-``). A name that untagged genes share is made unique in genome order: the
first keeps it, the next take ``_2``, ``_3``... (two untagged rps12 copies: rps12, rps12_2),
never a name another gene's /locus_tag holds.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from Bio.Data.CodonTable import unambiguous_dna_by_id
from Bio.SeqFeature import ExactPosition, SeqFeature

from bioxen.datafile import clip
from bioxen.errors import GenomeError, Location
from bioxen.genome.records import Gene


def first(qualifiers: dict, *keys: str, default=None):
    for key in keys:
        value = qualifiers.get(key)
        if value:
            return value[0] if isinstance(value, list) else value
    return default


def _text(qualifiers: dict, *keys: str) -> str:
    return str(first(qualifiers, *keys, default="")).strip()


def _is_pseudo(qualifiers: dict) -> bool:
    if "pseudo" in qualifiers or "pseudogene" in qualifiers:
        return True
    return str(first(qualifiers, "gene_biotype", default="")).lower() == "pseudogene"


def _is_partial(feature: SeqFeature, qualifiers: dict) -> bool:
    """A fuzzy end (``<``/``>`` in GenBank; ``partial=true``, start_range/end_range in GFF3)."""
    ends = [p for part in feature.location.parts for p in (part.start, part.end)]
    if any(not isinstance(p, ExactPosition) for p in ends):
        return True
    return _text(qualifiers, "partial").lower() == "true" or any(k in qualifiers for k in ("start_range", "end_range"))


def _exception(qualifiers: dict, kind: str) -> bool:
    """An /exception qualifier says ``kind`` (lower case; NCBI's words, e.g. "RNA editing")."""
    exceptions = qualifiers.get("exception") or []
    exceptions = exceptions if isinstance(exceptions, list) else [exceptions]
    return any(kind in str(e).lower() for e in exceptions)


def _slippage(qualifiers: dict) -> bool:
    """/ribosomal_slippage, or /exception="ribosomal slippage" (NCBI's form)."""
    return "ribosomal_slippage" in qualifiers or _exception(qualifiers, "ribosomal slippage")


def _rna_editing(qualifiers: dict) -> bool:
    """/exception="RNA editing" (organelle genes: the transcript is edited, the DNA is not)."""
    return _exception(qualifiers, "rna editing")


def _translation_table(qualifiers: dict, what: str, where: Location) -> int | None:
    """A CDS's /transl_table, one of NCBI's genetic codes; None when absent."""
    if not qualifiers.get("transl_table"):
        return None
    text = _text(qualifiers, "transl_table")
    table = int(text) if text.isdigit() and len(text) < 4 else None
    if table not in unambiguous_dna_by_id:
        raise GenomeError(f"{what}: /transl_table={clip(text)} is not an NCBI translation table", where,
                          hint=f"expected one of {', '.join(map(str, sorted(unambiguous_dna_by_id)))}")
    return table


def _reading_frame(qualifiers: dict, what: str, where: Location) -> int:
    """Bases before a CDS's first codon: /codon_start 1, 2 or 3 (GenBank) or phase 0, 1 or 2 (GFF3)."""
    if qualifiers.get("codon_start"):
        key, base = "codon_start", 1
    elif qualifiers.get("phase") and _text(qualifiers, "phase") != ".":
        key, base = "phase", 0
    else:
        return 0
    text, allowed = _text(qualifiers, key), [str(base + i) for i in range(3)]
    if text not in allowed:
        raise GenomeError(f"{what}: {'/' if base else ''}{key}={clip(text)} is not a reading frame", where,
                          hint=f"expected {', '.join(allowed[:2])} or {allowed[2]}")
    return int(text) - base


def _joined_parts(feature: SeqFeature) -> tuple[tuple[int, int, int], ...]:
    """The (start, end, strand) parts of a joined location, in transcription order; () if simple."""
    parts = feature.location.parts
    if len(parts) < 2:
        return ()
    return tuple((int(p.start), int(p.end), int(p.strand or 1)) for p in parts)


def _remote_records(feature: SeqFeature, record: str) -> list[str]:
    """The other records a location's parts name (``join(1..5,U18267.1:119..246)``), in order."""
    refs = (getattr(part, "ref", None) for part in getattr(feature.location, "parts", ()))
    return list(dict.fromkeys(ref for ref in refs if ref and ref not in (record, record.split(".")[0])))


def _span(feature: SeqFeature, length: int) -> tuple[int, int, int] | None:
    """(start, end, strand) of a feature that lies in the sequence (1-based ends within
    ``length`` when the record has one), else None."""
    location = feature.location
    try:
        start, end = int(location.start), int(location.end)
    except (AttributeError, TypeError, ValueError):   # no location, or an unknown position
        return None
    if not 0 <= start <= end or (length and end > length):
        return None
    return start, end, int(location.strand or 1)


# (pos:1234..1236,aa:Sec), (pos:complement(1234..1236),aa:Pyl), (pos:join(12..13,15),aa:TERM), spaces removed
_EXCEPT = re.compile(r"^\(pos:(complement\()?(?:join\()?(\d{1,12})(?:\.\.(\d{1,12}))?.*?,aa:([A-Za-z]+)\)$")


def _mature_offset(position: int, pieces) -> int | None:
    """Where 0-based ``position`` of the record lies in the mature sequence of ``pieces``."""
    done = 0
    for start, end, strand in pieces:
        if start <= position < end:
            return done + (position - start if strand == 1 else end - 1 - position)
        done += end - start
    return None


def transl_except(qualifiers: dict, pieces, codon_offset: int) -> tuple[tuple[tuple[int, str], ...], str]:
    """/transl_except as (codon offset in the mature sequence, amino acid), and why one could not
    be read ("" when all could): ``(pos:1234..1236,aa:Sec)``, ``(pos:complement(..),aa:Pyl)``,
    ``(pos:1234,aa:TERM)`` (a stop completed by polyadenylation)."""
    values = qualifiers.get("transl_except") or []
    found, problems = [], []
    for value in values if isinstance(values, list) else [values]:
        text = "".join(str(value).split())
        match = _EXCEPT.match(text)
        if not match:
            problems.append(f"/transl_except={clip(text)} cannot be read (expected (pos:START..END,aa:Sec))")
            continue
        complement, low, high, aa = match.groups()
        five_prime = int(high or low) if complement else int(low)
        offset = _mature_offset(five_prime - 1, pieces)
        if offset is None or (offset - codon_offset) % 3:
            problems.append(f"/transl_except={clip(text)} is not a codon of the CDS's reading frame")
            continue
        found.append((offset, aa))
    return tuple(found), "; ".join(problems)


def feature_gene(feature: SeqFeature, qualifiers: dict, record: str, length: int, line: int | None,
                 where: Location) -> Gene:
    """The gene of one feature, keyed by its /locus_tag for now ("" when untagged: see
    :func:`gene_keys`); a CDS's table is None when it gives none (:func:`with_coding_facts`)."""
    tag = _text(qualifiers, "locus_tag", "ID")
    what = f"{feature.type} {clip(tag) if tag else _text(qualifiers, 'gene', 'Name') or 'without /locus_tag'}"
    if feature.location is None:
        raise GenomeError(f"{what}: location cannot be read (Biopython could not parse it)", where,
                          hint="expected start..end, complement(...) or join(...) in GenBank form")
    remote = _remote_records(feature, record)
    if remote:
        raise GenomeError(f"{what}: its location {clip(str(feature.location))} reaches into other records "
                          f"({clip(', '.join(remote))}), which this file does not hold", where,
                          hint="a gene must lie in the file's own records: use the assembled record "
                               "(e.g. the genome's GenBank file from NCBI)")
    span = _span(feature, length)
    if span is None:
        raise GenomeError(f"{what}: location {clip(str(feature.location))} is not a span of the "
                          f"{length:,} bp sequence", where, hint="expected start..end with 1 <= start <= end"
                                                                 f"{f' <= {length:,}' if length else ''}")
    coding = feature.type == "CDS"
    table = _translation_table(qualifiers, what, where) if coding else None
    offset = _reading_frame(qualifiers, what, where) if coding else 0
    parts = _joined_parts(feature)
    exceptions, problem = transl_except(qualifiers, parts or (span,), offset) if coding else ((), "")
    symbol = _text(qualifiers, "gene", "Name")
    return Gene(
        locus_tag=tag, name=symbol or tag, product=_text(qualifiers, "product"), feature_type=feature.type,
        start=span[0], end=span[1], strand=span[2], pseudo=_is_pseudo(qualifiers), translation_table=table,
        protein_length=(len(_text(qualifiers, "translation")) or None) if coding else None, parts=parts,
        ribosomal_slippage=coding and _slippage(qualifiers), rna_editing=coding and _rna_editing(qualifiers),
        codon_start=offset + 1, record=record, line=line,
        partial=_is_partial(feature, qualifiers), transl_except=exceptions, transl_except_problem=problem,
        tag=tag, gene=symbol, label=_text(qualifiers, "label"), protein_id=_text(qualifiers, "protein_id"))


def translated(cds: str, table: int, offset: int = 0, exceptions=()) -> tuple[int, int | None, list[str]]:
    """(amino acids made, codon index of the first stop or None, codons) of a CDS read from
    ``offset`` under ``table``; a stop a /transl_except reads as an amino acid does not stop it.

    >>> translated("ATGTGATGGTAA", 11)[:2], translated("ATGTGATGGTAA", 4)[:2]
    ((1, 1), (3, 3))
    """
    codons = [cds[i:i + 3] for i in range(offset, len(cds) - 2, 3)]
    stops = unambiguous_dna_by_id[table].stop_codons
    read_through = {(o - offset) // 3 for o, aa in exceptions if aa.upper() != "TERM"}
    stop = next((k for k, codon in enumerate(codons) if codon in stops and k not in read_through), None)
    return (len(codons) if stop is None else stop), stop, codons


def with_coding_facts(gene: Gene, sequence: str, table: int) -> Gene:
    """A CDS with its table (``table`` when it gives none), the length of the protein its ribosomes
    make (to the first stop; the /translation's length when the file has no sequence) and its
    in-frame TGA codons before the last."""
    if gene.feature_type != "CDS":
        return gene
    gene = replace(gene, translation_table=gene.translation_table or table)
    if gene.pseudo or not sequence:
        return replace(gene, protein_length=None) if gene.pseudo else gene
    from Bio.Seq import reverse_complement

    cds = "".join(sequence[s:e] if strand == 1 else reverse_complement(sequence[s:e]) for s, e, strand in gene.pieces)
    length, _, codons = translated(cds, gene.translation_table, gene.codon_start - 1, gene.transl_except)
    return replace(gene, protein_length=length, internal_tga=sum(1 for c in codons[:-1] if c == "TGA"))


def _positional(gene: Gene) -> str:
    return f"{gene.record}_{gene.start + 1}_{gene.end}_{'+' if gene.strand == 1 else '-'}"


def gene_keys(genes: list[Gene]) -> tuple[list[Gene], tuple[tuple[str, tuple[str, ...]], ...]]:
    """The genes (in genome order) keyed by the naming rule (module docstring), and each name
    that untagged genes share (or that a locus tag holds) with the keys it became."""
    used = {g.tag for g in genes if g.tag}
    keyed, shared = [], {}
    for gene in genes:
        if gene.tag:
            keyed.append(gene)
            continue
        base = gene.gene or gene.label or gene.protein_id or _positional(gene)
        key, n = base, 1
        while key in used:
            n += 1
            key = f"{base}_{n}"
        used.add(key)
        shared.setdefault(base, []).append(key)
        keyed.append(replace(gene, locus_tag=key, name=gene.name or key))
    taken = Counter(g.tag for g in genes if g.tag)
    renamed = tuple((base, tuple(keys)) for base, keys in shared.items() if len(keys) > 1 or base in taken)
    return keyed, renamed
