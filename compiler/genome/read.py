"""Read an annotated genome file into the genome IR, through Biopython.

Formats: GenBank (.gb, .gbk, .genbank, .gbff), EMBL as ENA writes it (.embl), each optionally
.gz, FASTA with a GFF3 annotation beside it (same stem, .gff3 or .gff) or given explicitly, and
a GFF3 file that carries its sequences after a ##FASTA line (as Prokka and Bakta write them).
A file of another suffix is read by its first line (LOCUS, ID, '>' or ##gff-version). Every
record of the file (GenBank or EMBL record, FASTA sequence) is a replicon of the genome; two
records with one id are refused.
A record that does not say its topology is read as linear, and a genome none of whose CDSs gives a
/transl_table as table 11; the genome says so (``Replicon.topology_assumed``, ``Genome.table_assumed``).

What Biopython's readers warn of while parsing (a location fixed as origin wrapping, a malformed
LOCUS line, a sequence line indented wrongly) is not printed as Python's warnings: the genome keeps
each, with the file's line where the warning quotes one (``Genome.read_warnings``; compile prints
them with the other assumptions), and an error reading the file names them in its hint.

A file larger than ``BIOXEN_MAX_GENOME_BYTES`` (default 1 GB, after decompression) is refused;
so is a feature whose ``/transl_table`` or ``/codon_start`` is not one GenBank defines, a
locus tag that names two features (every compiled species is named after its gene), and a record
that is not DNA: a protein record (GenBank's LOCUS in ``aa``, a GenPept file) or a sequence with
letters outside IUPAC's nucleotide codes (:func:`_not_dna`), named at its line.

GenBank and EMBL are one reader (:data:`FLAT_FILES`): the same feature table (INSDC's), told
apart by the lines that start a record, a feature and the sequence.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import warnings
import zlib
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from dataclasses import dataclass, replace

from bioxen.datafile import clip, decode_text, read_bytes
from bioxen.errors import Diagnostic, GenomeError, Location, at
from bioxen.genome.features import feature_gene, first, gene_keys, with_coding_facts
from bioxen.genome.records import FEATURE_TYPES, Gene, Genome, Replicon

MAX_GENOME_BYTES = 1_000_000_000   # the largest bacterial genomes' GenBank files are ~40 MB
MAX_REPORTED = 20                  # feature errors listed before "and N more"
IUPAC_DNA = frozenset("ACGTRYKMSWBDHVN")   # IUPAC's nucleotide codes (a genome's sequence, upper case)

GENBANK_SUFFIXES = (".gb", ".gbk", ".genbank", ".gbff")
EMBL_SUFFIXES = (".embl",)
FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas")
GFF_SUFFIXES = (".gff3", ".gff")


def _plain_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def max_genome_bytes() -> int:
    """The size limit on a genome or annotation file (``BIOXEN_MAX_GENOME_BYTES``, bytes)."""
    text = os.environ.get("BIOXEN_MAX_GENOME_BYTES", "")
    try:
        return int(text) if text.strip() else MAX_GENOME_BYTES
    except ValueError:
        raise GenomeError(f"BIOXEN_MAX_GENOME_BYTES={clip(text)!r} is not a number of bytes") from None


def _read_text(path: Path, what: str = "genome file") -> str:
    limit = max_genome_bytes()
    raw = read_bytes(path, GenomeError, what, limit, hint="set BIOXEN_MAX_GENOME_BYTES to raise the limit")
    if path.suffix.lower() == ".gz":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
                raw = handle.read(limit + 1)   # a small .gz can unpack to terabytes
        except (OSError, EOFError, zlib.error) as exc:
            raise GenomeError(f"cannot read gzipped {what}: {exc}", at(path)) from None
        if len(raw) > limit:
            raise GenomeError(f"{what} unpacks to more than {limit:,} bytes (the limit)", at(path),
                              hint="set BIOXEN_MAX_GENOME_BYTES to raise the limit")
    return decode_text(raw, path, GenomeError, what)


@dataclass(frozen=True)
class FlatFile:
    """An INSDC flat-file format: GenBank's or EMBL's layout of the same feature table."""
    name: str              # as messages say it
    biopython: str         # Bio.SeqIO's format name
    suffixes: tuple[str, ...]
    record: str            # what the line that starts a record starts with (its name, as messages say it)
    sequence: str          # what the line before the sequence starts with
    feature: re.Pattern    # a line that starts a feature: its key and location
    table: str             # the line that opens the feature table; "" if every line of it is marked


FLAT_FILES = {
    "genbank": FlatFile("GenBank", "genbank", GENBANK_SUFFIXES, "LOCUS", "ORIGIN",
                        re.compile(r" {5}(\S+)\s+(.*)"), "FEATURES"),
    "embl": FlatFile("EMBL", "embl", EMBL_SUFFIXES, "ID   ", "SQ", re.compile(r"FT {3}(\S+)\s+(.*)"), ""),
}


def _kind(path: Path, text: str) -> str | None:
    """"genbank", "embl", "fasta" (+ GFF3), "gff3" (with its ##FASTA), or None: what read_genome
    parses the file as (by its suffix, or else by its first line)."""
    suffix = _plain_suffix(path)
    for kind, flat in FLAT_FILES.items():
        if suffix in flat.suffixes:
            return kind
    if suffix in FASTA_SUFFIXES or text.startswith(">"):
        return "fasta"
    if suffix in GFF_SUFFIXES or text.startswith("##gff-version"):
        return "gff3"
    return next((kind for kind, flat in FLAT_FILES.items() if text.startswith(flat.record)), None)


def genome_digest(path: str | Path, annotation: str | Path | None = None) -> tuple[str, str | None, str | None]:
    """What :func:`read_genome` records of a genome file's identity, without parsing it: the
    SHA-256 of its text and, for FASTA, its GFF3 annotation's path and SHA-256 (Genome.sha256,
    .annotation, .annotation_sha256). Raises GenomeError where read_genome would before parsing."""
    path = Path(path)
    text = _read_text(path)
    digest = hashlib.sha256(text.encode()).hexdigest()
    kind = _kind(path, text)
    if kind is None:
        raise GenomeError("unrecognised genome format", at(path))
    if kind != "fasta":
        return digest, None, None
    gff_path = _annotation_for(path, annotation)
    return digest, str(gff_path), hashlib.sha256(_read_text(gff_path, "GFF3 annotation").encode()).hexdigest()


def read_genome(path: str | Path, annotation: str | Path | None = None) -> Genome:
    """Read one genome file, every record of it a replicon (GenBank, EMBL, FASTA + GFF3, or GFF3
    with its sequences)."""
    path = Path(path)
    text = _read_text(path)
    digest = hashlib.sha256(text.encode()).hexdigest()
    kind = _kind(path, text)
    warned: list[str] = []        # what Biopython's readers warned of (see the module's docstring)
    if annotation is not None and kind in (*FLAT_FILES, "gff3"):
        what = FLAT_FILES[kind].name if kind in FLAT_FILES else "GFF3"
        raise GenomeError(f"an annotation is given ({clip(str(annotation))}), but this {what} file carries "
                          "its own features: an annotation is read only beside a FASTA genome", at(path),
                          hint="leave `annotation:` out, or give the genome's FASTA file as `genome:`")
    try:
        if kind in FLAT_FILES:
            records = _parse_flat_file(path, text, FLAT_FILES[kind], warned)
            lines, extra = _feature_lines(text, records, FLAT_FILES[kind]), {}
        elif kind == "fasta":
            records, gff_path, gff_digest = _parse_fasta_gff(path, text, annotation, warned)
            lines, extra = {}, {"annotation": str(gff_path), "annotation_sha256": gff_digest}
        elif kind == "gff3":
            records, lines, extra = _parse_gff_with_sequences(path, text, warned), {}, {}
        else:
            raise GenomeError(f"unrecognised genome format '{clip(_plain_suffix(path)) or 'no suffix'}'", at(path),
                              hint="expected GenBank (.gb, .gbk, optionally .gz), EMBL (.embl), "
                                   "FASTA (.fasta, .fa, .fna) with a GFF3 annotation, or GFF3 with a "
                                   "##FASTA section")
        _not_dna(records, path, text, kind)
        return replace(_to_genome(records, path, digest, lines), read_warnings=tuple(warned), **extra)
    except GenomeError as error:
        if not warned:
            raise
        raise _with_read_warnings(error, warned) from None


_QUOTED = re.compile(r"'([^']+)'")             # what a Biopython warning quotes
_LOCATION_PARTS = re.compile(r"[(),\s]+")      # splits a feature's location into its parts


@contextmanager
def _parser_warnings(text: str, warned: list[str], flat: FlatFile | None = None):
    """Biopython's parser warnings in the block added to ``warned`` instead of printed: each
    distinct one once, the first :data:`MAX_REPORTED` with the lines of ``text`` they quote
    (:func:`_read_warning`; ``flat``: the flat-file format ``text`` is in, whose feature lines
    it reads), then how many more; any other warning is passed on as it came."""
    from Bio import BiopythonParserWarning

    recorded = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", BiopythonParserWarning)
            try:
                yield
            finally:
                recorded = caught[:]
    finally:        # Python's own filters again: what is passed on is shown (or recorded) as it was
        messages = []
        for found in recorded:
            if issubclass(found.category, BiopythonParserWarning):
                messages.append(str(found.message))
            else:
                warnings.warn_explicit(found.message, found.category, found.filename, found.lineno)
        messages = list(dict.fromkeys(messages))
        warned += [_read_warning(text, message, flat) for message in messages[:MAX_REPORTED]]
        if len(messages) > MAX_REPORTED:
            warned.append(f"Biopython's reader: {len(messages) - MAX_REPORTED:,} more warnings")


def _read_warning(text: str, message: str, flat: FlatFile | None = None) -> str:
    """``message`` as a note, "lines N, M: Biopython's reader: ...", where the first text it
    quotes is a whole line of ``text`` (a LOCUS line) or a part of a feature's location (a
    join's part is warned of as it stands, and once for all the features that hold it)."""
    quoted = [q.strip().removesuffix("\\n").strip() for q in _QUOTED.findall(message)]
    quoted = [q for q in quoted if q]
    lines = []
    for number, line in enumerate(text.splitlines(), start=1) if quoted else ():
        entry = flat.feature.fullmatch(line.rstrip()) if flat is not None else None
        parts = _LOCATION_PARTS.split(entry.group(2)) if entry else ()
        if quoted[0] == line.strip() or quoted[0] in parts:
            lines.append(number)
    shown = ", ".join(map(str, lines[:5])) + (f" and {len(lines) - 5} more" if len(lines) > 5 else "")
    where = f"line{'s' if len(lines) > 1 else ''} {shown}: " if lines else ""
    return f"{where}Biopython's reader: {' '.join(message.split())}"


def _with_read_warnings(error: GenomeError, warned: list[str]) -> GenomeError:
    """``error`` with what Biopython's reader warned of, a line each, after its last diagnostic's
    hint (a warning often says why a file reads as it does: no features after a malformed line)."""
    last = error.errors[-1]
    said = "\n  ".join(f"also: {note}" for note in warned[:5])
    if len(warned) > 5:
        said += f"\n  also: {len(warned) - 5} more warnings of Biopython's reader"
    hint = f"{last.hint}\n  {said}" if last.hint else said.removeprefix("also: ")
    return type(error)(last.message, errors=[*error.errors[:-1], replace(last, hint=hint)])


def _feature_lines(text: str, records, flat: FlatFile) -> dict[int, int]:
    """id(feature) -> the line its key stands on, for every record's top-level features (a
    record's features are left out when its feature table cannot be matched to them one to one).
    GenBank's table runs from FEATURES to the next line that is not indented (its sequence lines
    are indented too); every EMBL line of the table starts FT."""
    tables, inside = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(flat.record):
            tables.append([])
            inside = not flat.table
        elif flat.table and line.startswith(flat.table) and tables:
            inside = True
        elif inside and flat.table and line[:1].strip():      # ORIGIN, CONTIG, //: the table ended
            inside = False
        elif inside and flat.feature.fullmatch(line.rstrip()):
            tables[-1].append(number)
    found = {}
    for record, starts in zip(records, tables if len(tables) == len(records) else []):
        if len(starts) == len(record.features):
            found.update({id(feature): line for feature, line in zip(record.features, starts)})
    return found


def _parse_flat_file(path: Path, text: str, flat: FlatFile, warned: list[str]) -> list:
    from Bio import SeqIO          # here, not at the top: a cache hit reads no genome

    lines = text.rstrip().splitlines()
    if not lines or not lines[-1].startswith("//"):
        raise GenomeError(f"{flat.name} file is truncated: it ends at line {len(lines)} without the "
                          "closing '//'", at(path, len(lines)),
                          hint="download the complete record again")
    try:
        with _parser_warnings(text, warned, flat):
            records = list(SeqIO.parse(io.StringIO(text), flat.biopython))
    except Exception as exc:  # Biopython raises ValueError and friends
        raise GenomeError(f"invalid {flat.name} file: {clip(str(exc), 200)}",
                          at(path, _problem_line(text, str(exc), flat))) from None
    if not records:
        raise GenomeError(f"{flat.name} file holds no record", at(path))
    return records


_PROBLEM = re.compile(r"Problem with '([^'\n]+)' feature:\n([^\n]+)")
_BACKWARDS = re.compile(r"End location \((\d+)\) must be greater than or equal to start location \((\d+)\)")


def _problem_line(text: str, message: str, flat: FlatFile) -> int | None:
    """The line of the feature Biopython names in ``message``, when exactly one feature fits:
    "Problem with 'CDS' feature:" and its location on the next line (that key, that location),
    or "End location (E) must be ... start location (S)" (a location holding the span S+1..E)."""
    found, backwards = _PROBLEM.search(message), _BACKWARDS.search(message)
    if found is None and backwards is None:
        return None
    entries = [(n, flat.feature.fullmatch(line.rstrip())) for n, line in enumerate(text.splitlines(), start=1)]
    if found is not None:
        key, location = found.group(1), found.group(2).strip()
        lines = [n for n, entry in entries if entry and entry.groups() == (key, location)]
    else:
        span = re.compile(rf"(?<![\d.]){int(backwards.group(2)) + 1}\.\.{backwards.group(1)}(?!\d)")
        lines = [n for n, entry in entries if entry and span.search(entry.group(2))]
    return lines[0] if len(lines) == 1 else None


def _record_starts(text: str, kind: str) -> list[int]:
    """The line each record of ``text`` starts on (GenBank's LOCUS, EMBL's ID, FASTA's '>'), 1-based."""
    mark = FLAT_FILES[kind].record if kind in FLAT_FILES else ">"
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(mark)]


def _base_line(text: str, start: int, kind: str, position: int) -> int | None:
    """The line of ``text`` that holds base ``position`` (0-based) of the record starting on line
    ``start``: a flat file's sequence follows its ORIGIN (SQ) line, whose lines are counted
    without their numbers; FASTA's lines are counted."""
    numbered = list(enumerate(text.splitlines(), start=1))[start:]   # the lines after the record's first
    if kind in FLAT_FILES:
        mark = FLAT_FILES[kind].sequence
        numbered = numbered[next((i + 1 for i, (_, line) in enumerate(numbered) if line.startswith(mark)),
                                 len(numbered)):]
    seen = 0
    for number, line in numbered:
        if line.startswith(("//", ">")):
            break
        letters = len(re.sub(r"[\s\d]", "", line))
        if seen + letters > position:
            return number
        seen += letters
    return None


def _not_dna(records, path: Path, text: str, kind: str) -> None:
    """Refuse a record that is not DNA, at its line: a protein record (GenBank's LOCUS or EMBL's ID
    line gives its length in aa, as a GenPept file does: every residue would otherwise be read as a base and
    every CDS refused one by one), or a sequence with a letter that is not an IUPAC nucleotide
    code (the VM image, SBOL3 and the ribosome-site screens read the sequence as DNA)."""
    def first_line(index: int) -> int | None:     # read only for a record refused
        starts = _record_starts(text, kind)
        if kind not in FLAT_FILES:      # FASTA's '>' lines, in the order of the file, not of the records
            lines = text.splitlines()
            starts = [n for n in starts if lines[n - 1][1:].split()[:1] == [records[index].id]][:1]
            return starts[0] if starts else None
        return starts[index] if index < len(starts) else None

    for index, record in enumerate(records):
        name = f"record {index + 1} ({clip(record.id)})"
        if str(record.annotations.get("molecule_type", "")).lower() == "protein":
            header = FLAT_FILES[kind].record.strip() if kind in FLAT_FILES else "header"
            raise GenomeError(f"{name} is a protein sequence, not a genome: its {header} line gives its length "
                              "in aa", at(path, first_line(index)),
                              hint="give the VM the nucleotide record (its DBSOURCE or the CDS's "
                                   "/coded_by names it), e.g. a GenBank file of the genome")
        sequence = _defined_sequence(record)
        if sequence is None:
            continue
        try:
            sequence = str(sequence).upper()
        except UnicodeDecodeError:      # BCBio keeps a ##FASTA section's bytes as they were
            sequence = bytes(sequence).decode("utf-8", "replace").upper()
        foreign = set(sequence) - IUPAC_DNA
        if foreign:
            position = min(sequence.index(letter) for letter in foreign)
            line = first_line(index)
            where = _base_line(text, line, kind, position) if line is not None else None
            letters = "".join(sorted(foreign))
            letters = letters if letters.isprintable() else ascii(letters)[1:-1]   # a control byte shown
            raise GenomeError(f"{name}: base {position + 1:,} is {sequence[position]!r}, not an IUPAC "
                              f"nucleotide code; the sequence holds {len(foreign)} such letter(s): "
                              f"{clip(letters, 40)}", at(path, where or line),
                              hint="a VM's genome must be DNA (A, C, G, T, or R, Y, K, M, S, W, B, D, H, V, "
                                   "N); is this a protein or an alignment (gaps '-')?")


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


def _parse_fasta_gff(path: Path, text: str, annotation, warned: list[str]) -> tuple[list, Path, str]:
    """Every FASTA sequence as a record, with the GFF3 features of its seqid (file order), the
    annotation's path and its SHA-256."""
    from Bio import SeqIO

    gff_path = _annotation_for(path, annotation)
    try:
        with _parser_warnings(text, warned):
            sequences = SeqIO.to_dict(SeqIO.parse(io.StringIO(text), "fasta"))
    except Exception as exc:
        raise GenomeError(f"invalid FASTA file: {clip(str(exc), 200)}", at(path)) from None
    if not sequences:
        raise GenomeError("FASTA file holds no sequence", at(path))
    gff_text = _read_text(gff_path, "GFF3 annotation")
    annotated = _gff_records(gff_path, gff_text, warned, sequences, "for the FASTA sequences")
    records = [annotated.get(key, record) for key, record in sequences.items()]
    records += [r for key, r in annotated.items() if key not in sequences and r.features]
    return records, gff_path, hashlib.sha256(gff_text.encode()).hexdigest()


def _parse_gff_with_sequences(path: Path, text: str, warned: list[str]) -> list:
    """A GFF3 file's records, their sequences from its own ##FASTA section (Prokka's and Bakta's
    .gff3): each seqid with features, in the order the GFF3 names them."""
    if not any(line.strip() == "##FASTA" for line in text.splitlines()):
        raise GenomeError("GFF3 file holds no sequence (no ##FASTA section)", at(path),
                          hint="give the genome's FASTA file as `genome:` and this file as its "
                               "`annotation:`, or a GenBank file")
    records = _gff_records(path, text, warned)
    held = [key for key, record in records.items() if _defined_sequence(record) is not None]
    for key, record in records.items():
        if record.features and key not in held:
            row = next((n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(f"{key}\t")), None)
            raise GenomeError(f"seqid {clip(key)} has features but the ##FASTA section holds no sequence of that "
                              f"id; it holds {', '.join(clip(k) for k in held[:5]) or 'none'}"
                              + (f" and {len(held) - 5} more" if len(held) > 5 else ""), at(path, row),
                              hint="name each sequence after its seqid ('>' and the GFF3's first column)")
    return [record for record in records.values() if record.features]


def _gff_records(path: Path, text: str, warned: list[str], sequences=None, what: str = "") -> dict:
    """seqid -> record of a GFF3 annotation, with ``sequences`` (FASTA's records by id; else the
    file's own ##FASTA section), a circular region's record marked so. At least one feature."""
    from BCBio import GFF

    try:
        with _parser_warnings(text, warned):
            annotated = {r.id: r for r in GFF.parse(io.StringIO(text), base_dict=sequences)}
    except Exception as exc:  # BCBio raises ValueError, KeyError, IndexError and friends
        raise GenomeError(f"invalid GFF3 annotation: {clip(str(exc), 200)}", at(path)) from None
    if not any(r.features for r in annotated.values()):
        raise GenomeError(" ".join(("GFF3 annotation has no features", what)).strip(), at(path))
    for record in annotated.values():
        if "topology" not in record.annotations and _gff_circular(record):
            record.annotations["topology"] = "circular"
    return annotated


def _gff_circular(record) -> bool:
    """A GFF3 ``region`` (or source) feature that says ``Is_circular=true``."""
    return any(str(first(f.qualifiers, "Is_circular", default="")).lower() == "true" for f in record.features
               if f.type in ("region", "source"))


def _flatten(features, parent_qualifiers=None):
    """GFF3 nests CDS under genes; GenBank does not. Yield (feature, inherited qualifiers)."""
    for feature in features:
        inherited = dict(parent_qualifiers or {})
        inherited.update(feature.qualifiers)
        yield feature, inherited
        yield from _flatten(getattr(feature, "sub_features", []) or [], inherited)


def _defined_sequence(record):
    """The record's sequence, or None when the file gives only a length (no ORIGIN)."""
    try:
        return record.seq if record.seq is not None and str(record.seq[:1]) else None
    except Exception:  # Biopython's UndefinedSequenceError
        return None


def _repeated_tags(genes: list[tuple[Gene, Location]]) -> list[Diagnostic]:
    """A locus tag naming two features: at the second, naming both."""
    first_seen, errors = {}, []
    for gene, where in genes:
        if not gene.tag:
            continue
        if gene.tag in first_seen:
            earlier, at_line = first_seen[gene.tag]
            line = f" (line {at_line.line})" if at_line.line else ""
            errors.append(Diagnostic(
                f"locus tag {clip(gene.tag)} names two features: {earlier.feature_type} "
                f"{_where(earlier)}{line} and {gene.feature_type} {_where(gene)}",
                where, hint="give each gene its own /locus_tag (every compiled species is named after it)"))
        else:
            first_seen[gene.tag] = (gene, where)
    return errors


def _where(gene: Gene) -> str:
    return f"{gene.start + 1}..{gene.end}" + (f" of {gene.record}" if gene.record else "")


def _collected(errors: list[Diagnostic]) -> GenomeError:
    shown = errors[:MAX_REPORTED]
    if len(errors) > MAX_REPORTED:
        shown.append(Diagnostic(f"... and {len(errors) - MAX_REPORTED:,} more such errors", errors[-1].location))
    return GenomeError.collected(shown)


def _replicon(record, path: Path, seen: dict[str, int], index: int) -> Replicon:
    """A record as a replicon; a record id the file gave an earlier record is an error."""
    if record.id in seen:
        raise GenomeError(f"records {seen[record.id] + 1} and {index + 1} are both {clip(record.id)}", at(path),
                          hint="give each record of the file its own accession (VERSION) or LOCUS name")
    seen[record.id] = index
    sequence = _defined_sequence(record)
    topology = str(record.annotations.get("topology", "")).lower()
    return Replicon(record.id, record.description, len(record.seq) if record.seq is not None else 0,
                    topology if topology in ("circular", "linear") else "linear",
                    str(sequence).upper() if sequence is not None else "",
                    topology_assumed=topology not in ("circular", "linear"))


def _record_genes(record, replicon: Replicon, path: Path, lines: dict[int, int]):
    """(gene, location) of every gene feature of one record, and the errors of the others."""
    genes, errors = [], []
    for feature, qualifiers in _flatten(record.features):
        if feature.type not in FEATURE_TYPES:
            continue
        line = lines.get(id(feature))
        where = at(path, line)
        try:
            genes.append((feature_gene(feature, qualifiers, replicon.id, replicon.length, line, where), where))
        except GenomeError as exc:
            errors += exc.errors
    return genes, errors


def _to_genome(records, path: Path, digest: str, lines: dict[int, int] | None = None) -> Genome:
    replicons, located, errors, seen = [], [], [], {}
    for index, record in enumerate(records):
        replicon = _replicon(record, path, seen, index)
        genes, wrong = _record_genes(record, replicon, path, lines or {})
        replicons.append(replicon)
        located += genes
        errors += wrong
    errors += _repeated_tags(located)
    if errors:
        raise _collected(errors)
    if not located:
        raise GenomeError("genome has no gene features (CDS, rRNA, tRNA, ncRNA or tmRNA)",
                          at(path), hint="a genome needs an annotation to compile")
    order = {r.id: i for i, r in enumerate(replicons)}
    genes = sorted((gene for gene, _ in located), key=lambda g: (order[g.record], g.start, g.end))
    tables = Counter(g.translation_table for g in genes if g.translation_table)
    table = tables.most_common(1)[0][0] if tables else 11
    sequences = {r.id: r.sequence for r in replicons}
    genes, renamed = gene_keys([with_coding_facts(g, sequences[g.record], table) for g in genes])
    return Genome(
        accession=replicons[0].id, description=replicons[0].description, translation_table=table,
        genes=tuple(genes), source=str(path), replicons=tuple(replicons), sha256=digest,
        table_assumed=not tables, renamed=renamed)
