"""Annotation checks: what a genome file says that a cell would not make as annotated.

Every expressed CDS (not pseudo, not partial) is read from its /codon_start under its table:

* **defects**, errors when the gene is compiled into a VM (``select_genes``; the fix is to
  correct the annotation or add the gene to the VM's ``knockouts:``): unknown bases (N and
  other IUPAC letters), a length after /codon_start that is not whole codons, a last codon that
  is not a stop of its table, an in-frame stop before the last codon, a /transl_except that
  cannot be read;
* **accepted**: a stop a /transl_except reads as selenocysteine or pyrrolysine (the gene is left
  native in the VM image, :func:`bioxen.genome.layout.refactor_problem`); a stop a
  /transl_except aa:TERM completes by polyadenylation (no whole stop codon); a programmed
  frameshift (/ribosomal_slippage, /exception="ribosomal slippage": its joined location is not
  read codon by codon here, only checked for unknown bases);
* **warnings**: a partial gene (a fuzzy ``<``/``>`` end) is not expressed; a CDS annotated with
  RNA editing (/exception="RNA editing", plastid and mitochondrial genes) is read from its DNA as
  it is, which a bacterial host does not edit, so its protein may differ from the annotated one
  at the edited sites; a CDS whose first codon is not a start codon of its table (an edited ACG
  start) is one a host's ribosomes would seldom initiate on.

Each finding carries the file and the line of the gene's feature (GenBank).
"""
from __future__ import annotations

from dataclasses import dataclass

from Bio.Data.CodonTable import unambiguous_dna_by_id

from bioxen.errors import Location, at
from bioxen.genome.features import translated
from bioxen.genome.records import Gene, Genome

KNOWN_BASES = set("ACGT")


@dataclass(frozen=True)
class Finding:
    """One thing wrong or notable about a gene's annotation."""

    gene: str              # its key (locus tag)
    kind: str              # "unknown bases", "length", "no stop", "internal stop", "transl_except", "partial"
    message: str
    location: Location
    severity: str = "defect"   # "defect" (an error if compiled) or "warning"

    def to_dict(self) -> dict:
        return {"gene": self.gene, "kind": self.kind, "severity": self.severity, "message": self.message,
                "file": self.location.file, "line": self.location.line}


def where(gene: Gene, genome: Genome) -> Location:
    """The gene's feature in its genome file (the file alone when its line is unknown)."""
    return at(genome.source, gene.line)


def _coding_defects(gene: Gene, cds: str) -> list[tuple[str, str]]:
    offset, table = gene.codon_start - 1, gene.translation_table
    unknown = sorted(set(cds) - KNOWN_BASES)
    found = []
    if unknown:
        count = sum(1 for base in cds if base not in KNOWN_BASES)
        found.append(("unknown bases", f"its sequence has {count} unknown base(s) ({', '.join(unknown)})"))
    if gene.transl_except_problem:
        found.append(("transl_except", gene.transl_except_problem))
    if gene.ribosomal_slippage or not table or table not in unambiguous_dna_by_id:
        return found
    completed = any(aa.upper() == "TERM" for _, aa in gene.transl_except)   # a stop completed by polyadenylation
    if (len(cds) - offset) % 3 and not completed:
        found.append(("length", f"its length after /codon_start, {len(cds) - offset} nt, is not a multiple of 3"))
    _, stop, codons = translated(cds, table, offset, gene.transl_except)
    if not codons:
        return found
    if codons[-1] not in unambiguous_dna_by_id[table].stop_codons and not completed:
        found.append(("no stop", f"it ends in {codons[-1]}, not a stop codon of translation table {table}"))
    if stop is not None and stop < len(codons) - 1:
        found.append(("internal stop", f"it has an in-frame stop codon {codons[stop]} at codon {stop + 1} of "
                                       f"{len(codons)} (translation table {table}): its protein would end there"))
    return found


def gene_findings(gene: Gene, genome: Genome) -> list[Finding]:
    """What is wrong or notable about one gene's annotation (see the module)."""
    place = where(gene, genome)
    if gene.partial and not gene.pseudo:
        return [Finding(gene.locus_tag, "partial", f"{gene.feature_type} {gene.locus_tag} is partial (a fuzzy end "
                        "in its location): it is not expressed", place, "warning")]
    if not gene.is_coding:
        return []
    warned = [Finding(gene.locus_tag, "RNA editing", f"CDS {gene.locus_tag}{_named(gene)}: annotated with RNA "
                      "editing: read from its DNA as it is (a bacterial host does not edit RNA), its protein may "
                      "differ from the annotated one at the edited sites", place, "warning")] if gene.rna_editing else []
    if not genome.replicon(gene.record).sequence:
        return warned
    cds = genome.gene_sequence(gene)
    start = _start_warning(gene, cds)
    if start:
        warned.append(Finding(gene.locus_tag, "start codon", f"CDS {gene.locus_tag}{_named(gene)}: {start}", place,
                              "warning"))
    return [Finding(gene.locus_tag, kind, f"CDS {gene.locus_tag}{_named(gene)}: {text}", place)
            for kind, text in _coding_defects(gene, cds)] + warned


def _start_warning(gene: Gene, cds: str) -> str:
    """What is odd about a whole CDS's first codon: not a start codon of its table ("" if it is
    one, or the CDS starts mid-codon, or its table is not one Biopython knows)."""
    table = gene.translation_table
    if gene.codon_start != 1 or not table or table not in unambiguous_dna_by_id or len(cds) < 3:
        return ""
    codon = cds[:3]
    if codon in unambiguous_dna_by_id[table].start_codons or set(codon) - KNOWN_BASES:
        return ""
    return (f"it starts with {codon}, not a start codon of translation table {table}: a host's ribosomes "
            "would seldom initiate there" + (" (the annotation's start is made by RNA editing)" if gene.rna_editing
                                             else ""))


def _named(gene: Gene) -> str:
    return f" ({gene.name})" if gene.name and gene.name != gene.locus_tag else ""


def annotation_findings(genome: Genome) -> tuple[Finding, ...]:
    """Every finding of every gene, in genome order."""
    return tuple(f for gene in genome.genes for f in gene_findings(gene, genome))


def defects(genome: Genome) -> dict[str, list[Finding]]:
    """Key -> the defects of each gene that has any."""
    found: dict[str, list[Finding]] = {}
    for finding in annotation_findings(genome):
        if finding.severity == "defect":
            found.setdefault(finding.gene, []).append(finding)
    return found


# the warnings compile sums up, one note per kind: its kind and what the note says of its genes
_NOTED_FINDINGS = (("partial", "partial gene(s) (a fuzzy end in the location) not expressed"),
                   ("RNA editing", "CDS(s) annotated with RNA editing, read from their DNA as it is (the host does "
                                   "not edit RNA)"),
                   ("start codon", "CDS(s) starting with a codon that is not a start of their table"))


def genome_notes(genome: Genome) -> list[str]:
    """What BioXen assumed or changed reading the genome, and what Biopython's reader warned of,
    one line each (compile prints them)."""
    notes = list(genome.read_warnings)
    if not genome.has_sequence:
        notes.append("no sequence in the file (features only): the model compiles from the annotation, "
                     "but no VM image (the dna format, one of the defaults) can be written")
    notes += [f"record {r.id}: topology linear assumed (the file does not say)"
             for r in genome.replicons if r.topology_assumed]
    if genome.table_assumed:
        notes.append("translation table 11 assumed (no CDS gives /transl_table)")
    findings = annotation_findings(genome)
    for kind, what in _NOTED_FINDINGS:
        keys = [f.gene for f in findings if f.kind == kind]
        if keys:
            shown = ", ".join(keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
            notes.append(f"{len(keys)} {what}: {shown}")
    for name, keys in genome.renamed:
        notes.append(f"{len(keys)} untagged genes share the name {name}: keyed {', '.join(keys)} (genome order)"
                     if len(keys) > 1 else f"an untagged gene named {name} is keyed {keys[0]} (a /locus_tag "
                                           f"holds {name})")
    return notes
