"""Genomes in EMBL (ENA's flat files) and in GFF3 that carries its sequences (Prokka's and Bakta's
.gff3): the same genome as its GenBank file, every error named at its file (and line).

The files are written here from GenBank files (the shared Syn3A record, the tests' synthetic
genome), so each has a GenBank twin to be compared with.
"""
import gzip
import json
from dataclasses import asdict

import pytest
from Bio import SeqIO
from typer.testing import CliRunner

from bioxen.cli import app
from bioxen.errors import GenomeError
from bioxen.genome import read_genome, resolve_genome
from conftest import write_synthetic_genbank
from test_hostile_inputs import BASE_POLICY, TABLE, _line_of, _refused

runner = CliRunner()


def embl_twin(genbank, path):
    """``genbank``'s records written as EMBL at ``path``."""
    SeqIO.write(list(SeqIO.parse(genbank, "genbank")), path, "embl")
    return path


def test_syn3a_in_embl_reads_as_its_genbank_record(shared, tmp_path):
    genbank_path = shared / "genomes" / "CP016816.2.gb"
    genbank = read_genome(genbank_path)
    embl_path = embl_twin(genbank_path, tmp_path / "CP016816.2.embl")
    embl = read_genome(embl_path)
    assert len(embl.genes) == len(genbank.genes) == 496
    assert (embl.accession, embl.translation_table, embl.table_assumed) == ("CP016816.2", 4, False)
    assert [asdict(r) for r in embl.replicons] == [asdict(r) for r in genbank.replicons]
    assert embl.replicons[0].topology == "circular" and not embl.replicons[0].topology_assumed
    for ours, theirs in zip(embl.genes, genbank.genes):
        assert {**asdict(ours), "line": None} == {**asdict(theirs), "line": None}, ours.tag
    # each gene's line is the FT line that starts its feature in the EMBL file
    text = embl_path.read_text().splitlines()
    for gene in embl.genes[:40] + embl.genes[-5:]:
        line = text[gene.line - 1]
        assert line.startswith(f"FT   {gene.feature_type} ") and f"{gene.start + 1}.." in line, (gene.tag, line)


def _compiled(tmp_path, genome_name: str, monkeypatch):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    (tmp_path / "table.csv").write_text(TABLE)
    policy = tmp_path / "policy.yaml"
    policy.write_text(BASE_POLICY.replace("genome: SYN00001.1.gb", f"genome: {genome_name}"))
    out = tmp_path / "build"
    result = runner.invoke(app, ["compile", str(policy), "-o", str(out), "--no-cache",
                                 "--formats", "sbml,dna"])
    assert result.exit_code == 0, result.output
    return out


def test_an_embl_genome_compiles_to_the_model_of_its_genbank_twin(tmp_path, monkeypatch):
    (tmp_path / "gb").mkdir(), (tmp_path / "embl").mkdir()
    genbank = write_synthetic_genbank(tmp_path / "gb" / "SYN00001.1.gb", genes=4)
    embl_twin(genbank, tmp_path / "embl" / "SYN00001.1.embl")
    from_genbank = _compiled(tmp_path / "gb", "SYN00001.1.gb", monkeypatch)
    from_embl = _compiled(tmp_path / "embl", "SYN00001.1.embl", monkeypatch)
    manifests = [json.loads((build / "manifest.json").read_text()) for build in (from_genbank, from_embl)]
    assert manifests[0]["network"] == manifests[1]["network"]
    assert manifests[1]["vms"][0]["genome"] == "SYN00001.1"
    model = [(build / "model.xml").read_text() for build in (from_genbank, from_embl)]
    assert model[0].count("<reaction ") == model[1].count("<reaction ") > 20
    # the VM image (GenBank, whatever the input) codes the same proteins
    images = [list(SeqIO.parse(build / "vm_vm1.gb", "genbank")) for build in (from_genbank, from_embl)]

    def proteins(records):
        return [f.qualifiers.get("translation") for r in records for f in r.features if f.type == "CDS"]

    assert proteins(images[0]) == proteins(images[1]) and len(proteins(images[1])) == 3   # synC knocked out


# (edit of the EMBL text, a fragment of the line the error names (and which of them), expected texts)
EMBL_CASES = [
    ("transl_table abc", ("/transl_table=4", '/transl_table="abc"'), "FT   CDS ",
     ["CDS SYN_0001: /transl_table=abc is not an NCBI translation table"]),
    ("location past the end", ("FT   CDS             201..446", "FT   CDS             201..999446"), "FT   CDS ",
     ["CDS SYN_0001: location [200:999446](+) is not a span of the 2,", "bp sequence"]),
    ("location in another record", ("FT   CDS             201..446", "FT   CDS             join(201..300,X99999.1:1..146)"),
     "FT   CDS ", ["reaches into other records (X99999.1), which this file does not hold"]),
    ("repeated locus tag", ('/locus_tag="SYN_0002"', '/locus_tag="SYN_0001"'), ("FT   CDS ", 2),
     ["locus tag SYN_0001 names two features: CDS 201.."]),
    ("location inside out", ("FT   CDS             201..446", "FT   CDS             complement(999201..446)"),
     "FT   CDS             complement(999201",
     ["invalid EMBL file: End location (446) must be greater than or equal to start location (999200)"]),
    ("unclosed qualifier", ('/product="protein 2"', '/product="protein 2'), ("FT   CDS ", 2),
     ["invalid EMBL file: Problem with 'CDS' feature:"]),
    ("protein record", ("; DNA; ; UNC; 2670 BP.", "; protein; ; UNC; 2670 AA."), "ID   ",
     ["record 1 (SYN00001.1) is a protein sequence, not a genome: its ID line gives its length in aa"]),
    ("residues in the sequence", ("     gcggtgttaa", "     efilpqttaa"), "     efilpqttaa",
     ["record 1 (SYN00001.1): base 121 is 'E', not an IUPAC nucleotide code", "a VM's genome must be DNA"]),
]


@pytest.mark.parametrize("edit,line,expected", [c[1:] for c in EMBL_CASES], ids=[c[0] for c in EMBL_CASES])
def test_each_embl_problem_names_the_file_and_line(tmp_path, edit, line, expected):
    genbank = write_synthetic_genbank(tmp_path / "SYN00001.1.gb", genes=4)
    embl = embl_twin(genbank, tmp_path / "SYN00001.1.embl")
    text = embl.read_text()
    assert edit[0] in text
    embl.write_text(text.replace(edit[0], edit[1], 1))
    fragment, nth = line if isinstance(line, tuple) else (line, 1)
    message = _refused(read_genome, embl, GenomeError)
    assert f"{embl}:{_line_of(embl, fragment, nth)}: error:" in message, message
    assert all(e in message for e in expected), message


def test_a_truncated_embl_file_says_so(tmp_path):
    embl = embl_twin(write_synthetic_genbank(tmp_path / "SYN00001.1.gb", genes=4), tmp_path / "SYN00001.1.embl")
    lines = embl.read_text().splitlines()
    embl.write_text("\n".join(lines[:-6]) + "\n")
    message = _refused(read_genome, embl, GenomeError)
    assert f"{embl}:{len(lines) - 6}: error: EMBL file is truncated" in message


def test_embl_is_found_by_suffix_first_line_and_accession(tmp_path, monkeypatch):
    embl = embl_twin(write_synthetic_genbank(tmp_path / "SYN00001.1.gb", genes=4), tmp_path / "SYN00001.1.embl")
    genes = [g.tag for g in read_genome(embl).genes]
    assert genes == ["SYN_0001", "SYN_0002", "SYN_0003", "SYN_0004", "SYN_T001"]
    packed = tmp_path / "packed.embl.gz"
    packed.write_bytes(gzip.compress(embl.read_bytes()))
    plain = tmp_path / "entry.txt"              # ENA's browser saves entries as .txt
    plain.write_text(embl.read_text())
    assert [g.tag for g in read_genome(packed).genes] == [g.tag for g in read_genome(plain).genes] == genes
    # an accession is looked up as ACCESSION.embl in BIOXEN_GENOME_PATH too
    store = tmp_path / "store"
    store.mkdir()
    (store / "SYN00009.1.embl").write_text(embl.read_text())
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(store))
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    assert resolve_genome("SYN00009.1") == store / "SYN00009.1.embl"


def test_genome_info_reads_an_embl_file(tmp_path):
    embl = embl_twin(write_synthetic_genbank(tmp_path / "SYN00001.1.gb", genes=4), tmp_path / "SYN00001.1.embl")
    result = runner.invoke(app, ["genome", "info", str(embl), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["source"] == str(embl) and summary["features"]["CDS"] == 4 and summary["features"]["tRNA"] == 1
    assert summary["replicons"][0]["topology"] == "linear" and not summary["replicons"][0]["topology_assumed"]


# --- GFF3 with its sequences after ##FASTA --------------------------------------------------------

def prokka_gff3(genbank, path):
    """``genbank``'s genes as Prokka writes them: a gene row and its CDS (Parent=) per protein gene,
    no /transl_table, the sequence after ##FASTA in 60-letter lines."""
    record = SeqIO.read(genbank, "genbank")
    rows = ["##gff-version 3", f"##sequence-region {record.id} 1 {len(record)}"]
    for feature in record.features:
        tag = feature.qualifiers["locus_tag"][0]
        start, end = int(feature.location.start) + 1, int(feature.location.end)
        strand = "+" if feature.location.strand == 1 else "-"
        product = feature.qualifiers["product"][0].replace(" ", "%20")
        if feature.type == "CDS":
            rows.append(f"{record.id}\tprokka\tgene\t{start}\t{end}\t.\t{strand}\t.\tID={tag}_gene;locus_tag={tag}")
            rows.append(f"{record.id}\tProdigal:002006\tCDS\t{start}\t{end}\t.\t{strand}\t0\t"
                        f"ID={tag};Parent={tag}_gene;gene={feature.qualifiers['gene'][0]};locus_tag={tag};"
                        f"product={product}")
        else:
            rows.append(f"{record.id}\tAragorn:001002\t{feature.type}\t{start}\t{end}\t.\t{strand}\t.\t"
                        f"ID={tag};locus_tag={tag};product={product}")
    sequence = str(record.seq)
    rows += ["##FASTA", f">{record.id}"] + [sequence[i:i + 60] for i in range(0, len(sequence), 60)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_gff3_with_its_sequence_reads_as_its_genbank_twin(tmp_path):
    genbank = write_synthetic_genbank(tmp_path / "SYN00001.1.gb", genes=4)
    gff = read_genome(prokka_gff3(genbank, tmp_path / "PROKKA_12012026.gff"))
    twin = read_genome(genbank)

    def genes(genome):
        return [(g.tag, g.feature_type, g.start, g.end, g.strand, g.record) for g in genome.genes]

    assert genes(gff) == genes(twin) and len(gff.genes) == 5
    assert gff.table_assumed and gff.translation_table == 11          # Prokka writes no transl_table
    assert gff.replicons[0].sequence == twin.replicons[0].sequence and gff.source.endswith(".gff")


def test_a_gff3_genome_compiles_to_the_model_of_its_genbank_twin(tmp_path, monkeypatch):
    (tmp_path / "gb").mkdir(), (tmp_path / "gff").mkdir()
    genbank = write_synthetic_genbank(tmp_path / "gb" / "SYN00001.1.gb", genes=4, table=11)   # as Prokka assumes
    prokka_gff3(genbank, tmp_path / "gff" / "SYN00001.1.gff3")
    from_genbank = _compiled(tmp_path / "gb", "SYN00001.1.gb", monkeypatch)
    from_gff = _compiled(tmp_path / "gff", "SYN00001.1.gff3", monkeypatch)
    manifests = [json.loads((build / "manifest.json").read_text()) for build in (from_genbank, from_gff)]
    assert manifests[0]["network"] == manifests[1]["network"]


def test_gff3_problems_are_named_at_the_file(tmp_path):
    genbank = write_synthetic_genbank(tmp_path / "SYN00001.1.gb", genes=4)
    gff = prokka_gff3(genbank, tmp_path / "genome.gff3")
    text = gff.read_text()
    without = tmp_path / "annotation_only.gff3"
    without.write_text(text.split("##FASTA")[0])
    message = _refused(read_genome, without, GenomeError)
    assert f"{without}: error: GFF3 file holds no sequence (no ##FASTA section)" in message
    assert "give the genome's FASTA file as `genome:` and this file as its `annotation:`" in message
    lines = text.splitlines()
    residue = next(i for i, line in enumerate(lines) if line.startswith(">")) + 3   # its 2nd sequence line
    lines[residue - 1] = "EFILPQ" + lines[residue - 1][6:]
    gff.write_text("\n".join(lines) + "\n")
    message = _refused(read_genome, gff, GenomeError)
    assert f"{gff}:{residue}: error: record 1 (SYN00001.1): base 61 is 'E', not an IUPAC nucleotide code" in message
    renamed = tmp_path / "renamed.gff3"          # the sequence under another name than the rows' seqid
    renamed.write_text(text.replace(">SYN00001.1", ">contig_1"))
    message = _refused(read_genome, renamed, GenomeError)
    assert (f"{renamed}:3: error: seqid SYN00001.1 has features but the ##FASTA section holds no sequence of "
            "that id; it holds contig_1") in message
    no_features = tmp_path / "empty.gff3"
    no_features.write_text("##gff-version 3\n##FASTA\n>SYN00001.1\nACGT\n")
    assert "GFF3 annotation has no features" in _refused(read_genome, no_features, GenomeError)


@pytest.mark.parametrize("genome", ["SYN00001.1.gb", "SYN00001.1.embl", "SYN00001.1.gff3"])
def test_an_annotation_beside_a_genome_that_has_its_own_is_refused(tmp_path, monkeypatch, genome):
    """A policy's `annotation:` is read beside a FASTA genome only: beside a GenBank, EMBL or
    sequence-carrying GFF3 file it would be ignored, so it is refused, not dropped silently."""
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    genbank = write_synthetic_genbank(tmp_path / "SYN00001.1.gb", genes=4)
    embl_twin(genbank, tmp_path / "SYN00001.1.embl")
    prokka_gff3(genbank, tmp_path / "SYN00001.1.gff3")
    (tmp_path / "extra.gff3").write_text("##gff-version 3\n")
    (tmp_path / "table.csv").write_text(TABLE)
    policy = tmp_path / "policy.yaml"
    policy.write_text(BASE_POLICY.replace("genome: SYN00001.1.gb", f"genome: {genome}\n    annotation: extra.gff3"))
    result = runner.invoke(app, ["check", str(policy)])
    assert result.exit_code != 0
    assert f"{tmp_path / genome}: error: VM 'vm1': an annotation is given" in result.output, result.output
    assert "carries its own features: an annotation is read only beside a FASTA genome" in result.output
