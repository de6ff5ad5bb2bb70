"""Kinds of real annotated genomes (issue 16): several records, untagged genes, annotation defects,
gene names shared by two genes, files that leave topology or genetic code unsaid; on small
synthetic genomes written here."""
from __future__ import annotations

import doctest
import json
import random
import re

import pytest
from Bio import SeqIO
from Bio.Seq import Seq, reverse_complement
from Bio.SeqFeature import AfterPosition, BeforePosition, FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord
from typer.testing import CliRunner

from bioxen.cli import app
from bioxen.errors import BioxenError
from bioxen.frontend import read_design
from bioxen.pipeline import check as check_design
from bioxen.genome import infer_operons, read_genome
from bioxen.genome.checks import annotation_findings
from bioxen.genome.summary import genome_summary
from conftest import write_policy

runner = CliRunner()
SENSE = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT" if a + b + c not in ("TAA", "TAG", "TGA")]


class Replicon:
    """Lays out one record left to right: spacers and CDSs (minus-strand ones reverse-complemented)."""

    def __init__(self, accession: str, seed: int, topology: str | None = "circular"):
        self.accession, self.topology, self.rng = accession, topology, random.Random(seed)
        self.dna, self.features = [], []

    @property
    def size(self) -> int:
        return sum(map(len, self.dna))

    def spacer(self, n: int) -> None:
        self.dna.append("".join(self.rng.choice("ACGT") for _ in range(n)))

    def orf(self, codons: int = 60) -> str:
        return "ATG" + "".join(self.rng.choice(SENSE) for _ in range(codons)) + "TAA"

    def cds(self, dna: str | None = None, strand: int = 1, location=None, **qualifiers) -> tuple[int, int]:
        dna = dna or self.orf()
        start = self.size
        self.dna.append(dna if strand == 1 else reverse_complement(dna))
        quals = {k: [v] for k, v in qualifiers.items() if v is not None}
        self.features.append(SeqFeature(location or FeatureLocation(start, self.size, strand), type="CDS",
                                        qualifiers=quals))
        return start, self.size

    def record(self) -> SeqRecord:
        annotations = {"molecule_type": "DNA"}
        if self.topology:
            annotations["topology"] = self.topology
        return SeqRecord(Seq("".join(self.dna)), id=self.accession, name=self.accession.split(".")[0],
                         description=f"synthetic {self.accession}", features=self.features, annotations=annotations)


def write(path, *replicons: Replicon):
    SeqIO.write([r.record() for r in replicons], path, "genbank")
    return path


def policy(tmp_path, genome, extra: str = "", name: str = "classes"):
    return write_policy(tmp_path / f"{name}.yaml", f"""
schema_version: 1
name: {name}
vms:
  - id: vm1
    genome: {genome.name}
    ribosomes: {{share: 0.2, pool: orthogonal}}{extra}
simulate:
  until: 10 min
  points: 3
""")


def _line(path, fragment: str, nth: int = 1) -> int:
    lines = [i for i, text in enumerate(path.read_text().splitlines(), 1) if fragment in text]
    return lines[nth - 1]


def _plain(output: str) -> str:
    """CLI output as one line of words: table borders gone, wrapped cells joined."""
    return " ".join(re.sub(r"[│┃┌┐└┘├┤┬┴┼─━╇╈╺╸┡┩]", " ", output).split())


def _refusal(call, *args) -> BioxenError:
    with pytest.raises(BioxenError) as caught:
        call(*args)
    return caught.value


# --- several records --------------------------------------------------------------------

def _two_records(path):
    """A chromosome whose last gene ends 30 bp before its end and a plasmid whose first gene starts
    20 bp into it, both + strand (one operon if the records were one sequence)."""
    chromosome, plasmid = Replicon("CHR0001.1", 1), Replicon("PLS0001.1", 2)
    for i in range(3):
        chromosome.spacer(150 if i == 0 else 30)
        chromosome.cds(locus_tag=f"CHR_{i + 1:03d}", gene=f"chr{'ABC'[i]}", product=f"chromosomal {i + 1}")
    chromosome.spacer(30)
    plasmid.spacer(20)
    for i in range(2):
        plasmid.cds(locus_tag=f"PLS_{i + 1:03d}", gene=f"pls{'AB'[i]}", product=f"plasmid {i + 1}")
        plasmid.spacer(25)
    plasmid.spacer(200)
    return write(path, chromosome, plasmid)


def test_every_record_of_a_genbank_file_is_a_replicon(tmp_path):
    genome = read_genome(_two_records(tmp_path / "two.gb"))
    assert [(r.id, r.topology) for r in genome.replicons] == [("CHR0001.1", "circular"), ("PLS0001.1", "circular")]
    assert genome.length == sum(r.length for r in genome.replicons)
    plasmid = genome.find("PLS_001")
    assert plasmid.record == "PLS0001.1" and plasmid.start == 20          # coordinates on its own record
    assert genome.gene_sequence(plasmid) == genome.replicons[1].sequence[20:plasmid.end]
    assert plasmid.line == _line(tmp_path / "two.gb", "CDS", 4)          # lines traced in every record
    operons = infer_operons(genome, max_gap=50)
    assert all(len({g.record for g in operon}) == 1 for operon in operons)
    assert [len(op) for op in operons] == [3, 2]


def test_every_sequence_of_a_fasta_with_gff3_is_a_replicon(tmp_path):
    from BCBio import GFF

    records = list(SeqIO.parse(_two_records(tmp_path / "two.gb"), "genbank"))
    SeqIO.write(records, tmp_path / "two.fasta", "fasta")
    records[1].features.insert(0, SeqFeature(FeatureLocation(0, len(records[1]), 1), type="region",
                                             qualifiers={"Is_circular": ["true"]}))
    with open(tmp_path / "two.gff3", "w") as handle:
        GFF.write(records, handle, include_fasta=False)
    genome = read_genome(tmp_path / "two.fasta")
    assert [(r.id, r.topology, r.topology_assumed) for r in genome.replicons] == [
        ("CHR0001.1", "linear", True), ("PLS0001.1", "circular", False)]
    assert genome.find("PLS_002").record == "PLS0001.1" and genome.annotation.endswith("two.gff3")
    design = read_design(policy(tmp_path, tmp_path / "two.fasta"))
    assert [i.role for i in design.inputs if i.role.startswith("vm1.")] == ["vm1.genome", "vm1.annotation"]


def test_genome_info_lists_every_record(tmp_path):
    path = _two_records(tmp_path / "two.gb")
    result = runner.invoke(app, ["genome", "info", str(path), "--json"])
    assert result.exit_code == 0, result.output
    replicons = json.loads(result.output)["replicons"]
    assert [(r["id"], r["genes"], r["topology"]) for r in replicons] == [("CHR0001.1", 3, "circular"),
                                                                          ("PLS0001.1", 2, "circular")]
    text = _plain(runner.invoke(app, ["genome", "info", str(path)]).output)
    assert "record CHR0001.1" in text and "record PLS0001.1" in text


def test_a_two_record_genome_compiles_with_genes_of_both_and_an_image_per_record(tmp_path):
    genome = _two_records(tmp_path / "two.gb")
    out = tmp_path / "out"
    result = runner.invoke(app, ["compile", str(policy(tmp_path, genome)), "-o", str(out), "--formats", "dna",
                                 "--no-cache"])
    assert result.exit_code == 0, result.output
    locus_map = json.loads((out / "locus_map.json").read_text())
    compiled = {tag for tags in locus_map["species"].values() for tag in tags}
    assert {"CHR_001", "CHR_003", "PLS_001", "PLS_002"} <= compiled
    assert locus_map["genes"]["vm1"]["PLS_002"]["record"] == "PLS0001.1"
    images = list(SeqIO.parse(out / "vm_vm1.gb", "genbank"))
    assert len(images) == 2
    for image, prefix in zip(images, ("CHR_", "PLS_")):
        tags = {f.qualifiers["locus_tag"][0] for f in image.features if f.type == "CDS"}
        assert tags and all(t.startswith(prefix) for t in tags)
    assert "PLS0001.1" in " ".join(images[1].features[0].qualifiers["note"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert [r["id"] for r in manifest["vms"][0]["replicons"]] == ["CHR0001.1", "PLS0001.1"]
    assert (out / "design.nt").is_file()


# --- untagged genes ---------------------------------------------------------------------

def _untagged(path, extra_feature: bool = False):
    """Untagged CDSs named by /gene (two rps12), /label, /protein_id or nothing; ``extra_feature``:
    an untagged tRNA annotated in the first spacer (every later feature's index moves by one)."""
    r = Replicon("UNT0001.1", 3)
    r.spacer(100)
    if extra_feature:
        r.features.append(SeqFeature(FeatureLocation(10, 80, 1), type="tRNA", qualifiers={"gene": ["trnX"]}))
    r.cds(locus_tag="UNT_001", gene="dnaA", product="initiator")
    r.spacer(60)
    r.cds(gene="rps12", product="ribosomal protein S12", protein_id="AAA00001.1")
    r.spacer(60)
    r.cds(label="myLabel", product="labelled protein")
    r.spacer(60)
    r.cds(protein_id="XYZ_00042.1", product="only a protein id")
    r.spacer(60)
    bare = r.cds(strand=-1)
    r.spacer(60)
    r.cds(gene="rps12", product="ribosomal protein S12, second copy")
    r.spacer(200)
    return write(path, r), bare


def test_untagged_genes_are_keyed_by_gene_label_protein_id_then_position(tmp_path):
    path, (start, end) = _untagged(tmp_path / "untagged.gb")
    genome = read_genome(path)
    positional = f"UNT0001.1_{start + 1}_{end}_-"
    assert [g.locus_tag for g in genome.genes] == ["UNT_001", "rps12", "myLabel", "XYZ_00042.1", positional,
                                                   "rps12_2"]
    assert dict(genome.renamed) == {"rps12": ("rps12", "rps12_2")}
    again, _ = _untagged(tmp_path / "again.gb", extra_feature=True)   # keys do not follow feature indices
    assert [g.locus_tag for g in read_genome(again).genes] == ["trnX"] + [g.locus_tag for g in genome.genes]
    summary = genome_summary(genome)
    assert summary["untagged_genes"] == 5 and summary["renamed"] == {"rps12": ["rps12", "rps12_2"]}
    text = _plain(runner.invoke(app, ["genome", "info", str(path)]).output)
    assert "keyed rps12, rps12_2" in text


def test_untagged_genes_names_reach_locus_map_and_sbml(tmp_path):
    path, _ = _untagged(tmp_path / "untagged.gb")
    out = tmp_path / "out"
    result = runner.invoke(app, ["compile", str(policy(tmp_path, path)), "-o", str(out), "--formats", "sbml",
                                 "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "untagged genes share the name rps12: keyed rps12, rps12_2" in " ".join(result.output.split())
    genes = json.loads((out / "locus_map.json").read_text())["genes"]["vm1"]
    assert genes["rps12_2"]["gene"] == "rps12" and genes["rps12_2"]["locus_tag"] is None
    assert genes["rps12"]["protein_id"] == "AAA00001.1"
    assert genes["myLabel"]["label"] == "myLabel" and genes["XYZ_00042.1"]["protein_id"] == "XYZ_00042.1"
    assert genes["UNT_001"]["locus_tag"] == "UNT_001"
    sbml = (out / "model.xml").read_text()
    for fragment in ('key="rps12_2"', 'product="ribosomal protein S12, second copy"', 'label="myLabel"',
                     'protein_id="XYZ_00042.1"', 'locus_tag="UNT_001"', 'record="UNT0001.1"'):
        assert fragment in sbml, fragment
    assert re.search(r'locus_tags="rps12_2"', sbml)               # its species and reactions cite its key


# --- a name two genes share ---------------------------------------------------------------

def test_a_name_two_genes_share_is_ambiguous_in_every_policy_list(tmp_path):
    path, _ = _untagged(tmp_path / "untagged.gb")
    for extra, key in (("\n    knockouts: [dnaA, rps12]", "knockouts"), ("\n    expression: {rps12: 2}", "expression"),
                       ("\n    essential: [rps12]", "essential")):
        text = str(_refusal(check_design, policy(tmp_path, path, extra)))
        line = _line(tmp_path / "classes.yaml", key)
        column = (tmp_path / "classes.yaml").read_text().splitlines()[line - 1].index("rps12") + 1
        assert f"classes.yaml:{line}:{column}: error: VM 'vm1': " in text, text
        assert "gene rps12 is ambiguous: it names 2 genes, rps12 (untagged" in text and "and rps12_2 (untagged" in text
    assert check_design(policy(tmp_path, path, "\n    knockouts: [rps12_2]")).vms[0].units


def test_tagged_genes_sharing_a_name_list_their_tags_and_a_missing_name_gets_suggestions(tmp_path):
    r = Replicon("TAG0001.1", 4)
    for i in range(3):
        r.spacer(80)
        r.cds(locus_tag=f"TAG_{i + 1}", gene="rps12" if i < 2 else "rpsL")
    r.spacer(100)
    path = write(tmp_path / "tagged.gb", r)
    text = str(_refusal(check_design, policy(tmp_path, path, "\n    knockouts: [rps12]")))
    assert "knocked-out gene rps12 is ambiguous: it names 2 genes, TAG_1 and TAG_2" in text
    text = str(_refusal(check_design, policy(tmp_path, path, "\n    knockouts: [rps13]")))
    assert "knocked-out genes the genome lacks: rps13" in text and "did you mean rps12" in text
    operons = "\n    resolution: operon\n    operons: [[TAG_3, rps12]]"
    assert "operon lists gene rps12 is ambiguous" in str(_refusal(check_design, policy(tmp_path, path, operons)))


# --- annotation defects -------------------------------------------------------------------

def _defective(path, partial: bool = True):
    """Four defective CDSs (no stop, internal stop, 2 nt extra, an N), a selenoprotein whose
    internal TGA a /transl_except reads as Sec, a partial CDS and a good one."""
    r = Replicon("DEF0001.1", 5, topology="linear")
    good = r.orf()
    r.spacer(100)
    r.cds(good[:-3] + "GGC", locus_tag="DEF_001", gene="noStop")
    r.spacer(50)
    r.cds(good[:60] + "TAG" + good[63:], locus_tag="DEF_002", gene="inStop")
    r.spacer(50)
    r.cds(good[:-3] + "GTTAA", locus_tag="DEF_003", gene="offFrame")
    r.spacer(50)
    r.cds(good[:30] + "N" + good[31:], locus_tag="DEF_004", gene="unknown")
    r.spacer(50)
    selenium = good[:90] + "TGA" + good[93:]
    start = r.size
    r.cds(selenium, locus_tag="DEF_005", gene="fdhF", transl_except=f"(pos:{start + 91}..{start + 93},aa:Sec)")
    r.spacer(50)
    if partial:
        start = r.size
        r.dna.append(good[6:])
        r.features.append(SeqFeature(FeatureLocation(BeforePosition(start), AfterPosition(r.size), 1), type="CDS",
                                     qualifiers={"locus_tag": ["DEF_006"], "gene": ["part"], "codon_start": ["1"]}))
        r.spacer(50)
    r.cds(r.orf(), locus_tag="DEF_007", gene="fine")
    r.spacer(100)
    return write(path, r)


def test_genome_info_counts_and_lists_annotation_defects(tmp_path):
    path = _defective(tmp_path / "defects.gb")
    genome = read_genome(path)
    kinds = {(f.gene, f.kind) for f in annotation_findings(genome)}
    assert kinds == {("DEF_001", "no stop"), ("DEF_002", "internal stop"), ("DEF_003", "length"),
                     ("DEF_003", "no stop"), ("DEF_004", "unknown bases"), ("DEF_006", "partial")}
    assert genome.find("DEF_005").protein_length == 61                   # reads through its Sec
    assert genome.find("DEF_002").protein_length == 20                   # what its ribosomes make
    assert not genome.find("DEF_006").is_coding
    result = runner.invoke(app, ["genome", "info", str(path), "--json"])
    summary = json.loads(result.output)
    assert summary["annotation_defects"] == 5 and summary["partial_genes"] == 1
    stop = next(f for f in summary["findings"] if f["gene"] == "DEF_002")
    assert stop["line"] == _line(path, "CDS", 2) and "in-frame stop codon TAG at codon 21" in stop["message"]
    text = _plain(runner.invoke(app, ["genome", "info", str(path)]).output)
    assert f"{path}:{_line(path, 'CDS', 1)}: defect: CDS DEF_001 (noStop): it ends in GGC" in text
    assert "annotation defects 5" in text and "partial genes 1" in text


def test_check_and_compile_refuse_a_compiled_defective_gene_and_knocking_it_out_fixes_it(tmp_path):
    path = _defective(tmp_path / "defects.gb")
    bad = policy(tmp_path, path)
    checked = runner.invoke(app, ["check", str(bad)])
    compiled = runner.invoke(app, ["compile", str(bad), "-o", str(tmp_path / "out"), "--no-cache"])
    assert checked.exit_code == compiled.exit_code == 1
    errors = [line for line in checked.output.splitlines() if "error:" in line]
    assert errors == [line for line in compiled.output.splitlines() if "error:" in line] and len(errors) == 5
    text = " ".join(checked.output.split())
    for n, what in ((1, "it ends in GGC, not a stop codon of translation table 11"),
                    (2, "in-frame stop codon TAG"), (3, "is not a multiple of 3"), (4, "1 unknown base(s) (N)")):
        assert f"{path}:{_line(path, 'CDS', n)}: error: VM 'vm1': CDS DEF_00{n}" in text and what in text
    assert "hint: correct the annotation, or add DEF_001 to the VM's knockouts:" in text
    assert "DEF_005" not in text and "DEF_006" not in text             # Sec read through; partial skipped
    fixed = policy(tmp_path, path, "\n    knockouts: [noStop, DEF_002, offFrame, unknown]", name="fixed")
    result = runner.invoke(app, ["compile", str(fixed), "-o", str(tmp_path / "out"), "--formats", "sbml,dna",
                                 "--no-cache"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "1 partial gene(s) (a fuzzy end in the location) not expressed: DEF_006" in text
    assert "gene DEF_005 (fdhF) cannot be refactored: it carries /transl_except (Sec at codon 31)" in text
    outputs = json.loads((tmp_path / "out" / "outputs.json").read_text())["vms"]["vm1"]["protein_lengths_aa"]
    assert outputs["protein_vm1_DEF__005"] == 61                          # the whole selenoprotein
    compiled = {t for tags in json.loads((tmp_path / "out" / "locus_map.json").read_text())["species"].values()
                for t in tags}
    assert "DEF_006" not in compiled and "DEF_007" in compiled
    image = SeqIO.read(tmp_path / "out" / "vm_vm1.gb", "genbank")
    selenium = next(f for f in image.features if f.qualifiers.get("locus_tag") == ["DEF_005"])
    assert "TGA" in str(selenium.extract(image.seq))[:-3]                 # its Sec codon kept as it is


def test_ribosomal_slippage_exception_form_is_a_programmed_frameshift(tmp_path):
    r = Replicon("SLP0001.1", 6, topology="linear")
    r.spacer(100)
    r.cds(locus_tag="SLP_001", exception="ribosomal slippage")
    r.spacer(100)
    genome = read_genome(write(tmp_path / "slip.gb", r))
    assert genome.find("SLP_001").ribosomal_slippage


# --- what the file leaves unsaid -------------------------------------------------------------

def test_missing_topology_and_genetic_code_are_stated_as_assumed(tmp_path):
    r = Replicon("ASM0001.1", 7, topology=None)
    r.spacer(100)
    r.cds(locus_tag="ASM_001")
    r.spacer(100)
    path = write(tmp_path / "assumed.gb", r)
    genome = read_genome(path)
    assert genome.replicons[0].topology_assumed and genome.topology == "linear"
    assert genome.table_assumed and genome.translation_table == 11
    text = _plain(runner.invoke(app, ["genome", "info", str(path)]).output)
    assert "linear (assumed: the file does not say)" in text and "11 (assumed: no /transl_table)" in text
    result = runner.invoke(app, ["run", str(policy(tmp_path, path)), "-o", str(tmp_path / "out"),
                                 "--formats", "sbml"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "warning: VM 'vm1':" in text and "topology linear assumed (the file does not say)" in text
    assert "translation table 11 assumed (no CDS gives /transl_table)" in text
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"model.xml", "results.csv"} <= files and not {"model.bngl", "vm_vm1.gb"} & files


def test_docstring_examples_hold():
    import bioxen.genome.features
    import bioxen.genome.lookup
    for module in (bioxen.genome.lookup, bioxen.genome.features):
        assert doctest.testmod(module).failed == 0, module.__name__


# --- what Biopython's reader warns of ------------------------------------------------------

def _origin_wrapped(tmp_path):
    """A circular record with a CDS across its origin written as some GenBank files write one,
    start..end with start > end (Biopython reads it as the join it means, and warns)."""
    r = Replicon("WRP0001.1", 11)
    r.spacer(40)
    r.cds(locus_tag="WRP_001")
    r.spacer(60)
    start, end = r.cds(locus_tag="WRP_002")
    r.spacer(30)
    record, origin = r.record(), start + 30          # the origin moved into WRP_002
    size = len(record)
    rotated = record[origin:] + record[:origin]      # WRP_001 moves with it; WRP_002 is cut in two
    rotated.features = [f for f in rotated.features if f.qualifiers["locus_tag"] == ["WRP_001"]]
    rotated.features.append(SeqFeature(FeatureLocation(0, 10, 1), type="CDS", qualifiers={"locus_tag": ["WRP_002"]}))
    rotated.id, rotated.name, rotated.annotations = record.id, record.name, record.annotations
    path = tmp_path / "wrapped.gb"
    SeqIO.write([rotated], path, "genbank")
    wrapped = f"{start - origin + size + 1}..{end - origin}"
    path.write_text(path.read_text().replace("CDS             1..10", f"CDS             {wrapped}"))
    return path, wrapped


def test_biopython_parser_warnings_become_notes_with_their_line_not_python_warnings(tmp_path):
    import warnings

    path, wrapped = _origin_wrapped(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # nothing reaches Python's warnings
        genome = read_genome(path)
    line = _line(path, wrapped)
    assert len(genome.read_warnings) == 1
    note = genome.read_warnings[0]
    assert note.startswith(f"line {line}: Biopython's reader: Attempting to fix invalid location '{wrapped}'"), note
    across = genome.find("WRP_002")                   # read as the join across the origin it means
    assert len(across.parts) == 2 and across.parts[0][0] > across.parts[1][0]
    cds = genome.gene_sequence(across)
    assert cds.startswith("ATG") and cds.endswith("TAA") and len(cds) == 3 * 62
    result = runner.invoke(app, ["check", str(policy(tmp_path, path))])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"warning: VM 'vm1': {path}: line {line}: Biopython's reader: Attempting to fix invalid location" in text
    assert "BiopythonParserWarning" not in result.output and "warnings.warn" not in result.output


def test_an_error_reading_a_genome_names_what_biopython_warned_of(tmp_path):
    r = Replicon("LOC0001.1", 12)
    r.spacer(300)
    path = write(tmp_path / "malformed.gb", r)     # no gene feature, and a LOCUS line spaced as no version of GenBank's
    lines = path.read_text().splitlines()
    lines[0] = "LOCUS       LOC0001          300 bp    DNA     linear   BCT 11-OCT-2001"
    path.write_text("\n".join(lines) + "\n")
    error = _refusal(read_genome, path)
    text = str(error)
    assert "genome has no gene features" in text and "hint: a genome needs an annotation to compile" in text
    assert "also: line 1: Biopython's reader: Attempting to parse malformed locus line" in text, text


def test_biopython_warnings_are_kept_once_each_and_counted_past_the_first_twenty():
    import warnings

    from Bio import BiopythonParserWarning
    from bioxen.genome.read import _parser_warnings

    warned: list[str] = []
    with pytest.warns(UserWarning, match="not Biopython's"):       # any other warning is passed on
        with _parser_warnings("LOCUS x\n", warned):
            for i in range(30):
                warnings.warn(f"odd line {i}", BiopythonParserWarning)
                warnings.warn(f"odd line {i}", BiopythonParserWarning)     # the same again: kept once
            warnings.warn("not Biopython's", UserWarning)
    assert warned[:2] == ["Biopython's reader: odd line 0", "Biopython's reader: odd line 1"]
    assert len(warned) == 21 and warned[-1] == "Biopython's reader: 10 more warnings"


def test_a_cds_annotated_with_rna_editing_and_an_acg_start_is_read_as_it_is_and_warned_of(tmp_path):
    from bioxen.genome.checks import annotation_findings, genome_notes

    r = Replicon("EDT0001.1", 13)
    r.spacer(50)
    r.cds(locus_tag="EDT_001")
    r.spacer(40)
    edited = "ACG" + r.orf()[3:]                 # the start an organelle's RNA editing makes AUG
    r.cds(edited, locus_tag="EDT_002", gene="ndhD", exception="RNA editing")
    r.spacer(40)
    path = write(tmp_path / "edited.gb", r)
    genome = read_genome(path)
    assert genome.find("EDT_002").rna_editing and not genome.find("EDT_001").rna_editing
    found = {(f.gene, f.kind, f.severity) for f in annotation_findings(genome)}
    assert found == {("EDT_002", "RNA editing", "warning"), ("EDT_002", "start codon", "warning")}
    notes = " ".join(genome_notes(genome))
    assert "1 CDS(s) annotated with RNA editing, read from their DNA as it is" in notes
    assert "1 CDS(s) starting with a codon that is not a start of their table: EDT_002" in notes
    text = " ".join(runner.invoke(app, ["genome", "info", str(path)]).output.split())
    assert f"{path}:{_line(path, 'CDS', 2)}: warning: CDS EDT_002 (ndhD): it starts with ACG, not a start codon " \
           "of translation table 11" in text
    result = runner.invoke(app, ["check", str(policy(tmp_path, path))])    # warnings, not errors: it compiles
    assert result.exit_code == 0, result.output
    assert "annotated with RNA editing" in " ".join(result.output.split())


def test_a_genome_file_without_sequence_compiles_its_model_and_refuses_only_the_dna_format(tmp_path):
    import json

    r = Replicon("NOS0001.1", 14)
    r.spacer(60)
    for i in range(2):
        start, end = r.cds(locus_tag=f"NOS_{i + 1:03d}")
        r.features[-1].qualifiers["translation"] = [str(Seq(r.dna[-1][:-3]).translate(table=11))]
        r.spacer(40)
    path = write(tmp_path / "features_only.gb", r)
    lines = path.read_text().splitlines()           # as NCBI's CON records come: CONTIG, no ORIGIN
    origin = lines.index(next(line for line in lines if line.startswith("ORIGIN")))
    path.write_text("\n".join(lines[:origin]) + f"\nCONTIG      join(ABCD01000001.1:1..{r.size})\n//\n")
    policy_path = policy(tmp_path, path)

    checked = runner.invoke(app, ["check", str(policy_path)])
    assert checked.exit_code == 0, checked.output
    assert "no sequence in the file (features only)" in " ".join(checked.output.split())

    refused = runner.invoke(app, ["run", str(policy_path), "-o", str(tmp_path / "default")])   # dna is a default
    text = " ".join(refused.output.split())
    assert refused.exit_code == 1 and "dna: genome NOS0001.1 of VM 'vm1' gives no sequence" in text, refused.output
    assert "leave dna out of --formats" in text and not (tmp_path / "default").exists()     # before any output

    out = tmp_path / "all"
    built = runner.invoke(app, ["compile", str(policy_path), "-o", str(out), "--formats", "all", "--no-cache"])
    assert built.exit_code == 0, built.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert "gives no sequence" in manifest["formats_refused"]["dna"] and not list(out.glob("vm_*.gb"))
    assert (out / "model.xml").exists()
