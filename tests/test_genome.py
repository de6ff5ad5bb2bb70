"""Genome front end: real Syn3A counts, synthetic genomes, and clear errors."""
import gzip
import json
import shutil

import pytest
from Bio import SeqIO
from typer.testing import CliRunner

from bioxen.cli import app
from bioxen.errors import GenomeError
from bioxen.genome import infer_operons, load_genome, read_genome, resolve_genome
from bioxen.genome.summary import genome_summary

runner = CliRunner()


def test_syn3a_summary_matches_the_genbank_record(genome_path):
    summary = genome_summary(load_genome("CP016816.2"))
    assert summary["length_bp"] == 543_379
    assert summary["topology"] == "circular"
    assert summary["translation_table"] == 4
    assert summary["features"] == {"CDS": 458, "rRNA": 6, "tRNA": 29, "ncRNA": 2, "tmRNA": 1}
    assert summary["pseudogenes"] == 3
    assert summary["internal_tga_codons"] == 1383  # PARAMETERS.md, counted from syn3A.gb
    assert 150 < summary["operons"] < 496


def test_syn3a_gene_records_carry_what_the_compiler_needs(genome_path):
    genome = load_genome("CP016816.2")
    dnaa = genome.find("JCVISYN3A_0001")
    assert dnaa.feature_type == "CDS" and dnaa.strand == 1 and not dnaa.pseudo
    assert dnaa.translation_table == 4 and dnaa.protein_length == 450
    assert dnaa.name == "dnaA" and "replication" in dnaa.product
    assert genome.find("JCVISYN3A_0158").feature_type == "tmRNA"


def test_genome_info_cli_json(genome_path):
    result = runner.invoke(app, ["genome", "info", "CP016816.2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["features"]["CDS"] == 458


def test_synthetic_genome_operons_and_tga(synthetic_genbank):
    genome = read_genome(synthetic_genbank)
    coding = [g for g in genome.genes if g.feature_type == "CDS"]
    assert len(coding) == 6 and genome.translation_table == 4
    assert all(g.internal_tga > 0 for g in coding)
    assert coding[0].protein_length == 81
    operons = infer_operons(genome, max_gap=50)
    # pairs 1+2, 3+4 (+ strand) and 5+6 (- strand) lie 20 bp apart; the tRNA stands alone
    assert [len(op) for op in operons] == [2, 2, 2, 1]
    assert len(infer_operons(genome, max_gap=0)) == 7


def test_gzipped_genbank_reads_the_same(tmp_path, synthetic_genbank):
    packed = tmp_path / "SYN00001.1.gbk.gz"
    packed.write_bytes(gzip.compress(synthetic_genbank.read_bytes()))
    assert read_genome(packed).genes == read_genome(synthetic_genbank).genes


def test_fasta_with_gff3_annotation(tmp_path, synthetic_genbank):
    from BCBio import GFF

    record = SeqIO.read(synthetic_genbank, "genbank")
    SeqIO.write(record, tmp_path / "syn.fasta", "fasta")
    with open(tmp_path / "syn.gff3", "w") as handle:
        GFF.write([record], handle, include_fasta=False)
    genome = read_genome(tmp_path / "syn.fasta")
    reference = read_genome(synthetic_genbank)
    assert [g.locus_tag for g in genome.genes] == [g.locus_tag for g in reference.genes]
    assert [g.internal_tga for g in genome.genes] == [g.internal_tga for g in reference.genes]


def test_fasta_of_a_protein_is_refused_at_its_line(tmp_path, synthetic_genbank):
    """A FASTA genome whose second record holds residues, not bases: refused at the line holding
    the first (M, K and V are IUPAC codes too), before any gene is read as DNA."""
    from BCBio import GFF

    record = SeqIO.read(synthetic_genbank, "genbank")
    plasmid = record[:300]
    plasmid.id = plasmid.name = "PLS0001.1"
    SeqIO.write(record, tmp_path / "syn.fasta", "fasta")
    with open(tmp_path / "syn.gff3", "w") as handle:
        GFF.write([record], handle, include_fasta=False)
    residues = "MKV" + "L" * 57 + "\n" + "A" * 30 + "EQ\n"
    text = (tmp_path / "syn.fasta").read_text() + ">PLS0001.1 a protein pasted in\n" + residues
    (tmp_path / "syn.fasta").write_text(text)
    header = text.splitlines().index(">PLS0001.1 a protein pasted in") + 1
    with pytest.raises(GenomeError) as info:
        read_genome(tmp_path / "syn.fasta")
    message = str(info.value)
    assert f"syn.fasta:{header + 1}: error: record 2 (PLS0001.1): base 4 is 'L'" in message, message
    assert "the sequence holds 3 such letter(s): ELQ" in message, message


def test_truncated_genbank_is_a_clear_error(tmp_path, shared):
    text = (shared / "genomes" / "CP016816.2.gb").read_text()
    cut = tmp_path / "cut.gb"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(GenomeError, match=r"cut\.gb:\d+: error: GenBank file is truncated"):
        read_genome(cut)
    result = runner.invoke(app, ["genome", "info", str(cut)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "truncated" in result.output


def test_fasta_without_annotation_is_a_clear_error(tmp_path, synthetic_genbank):
    SeqIO.write(SeqIO.read(synthetic_genbank, "genbank"), tmp_path / "bare.fasta", "fasta")
    with pytest.raises(GenomeError, match="FASTA file has no annotation") as info:
        read_genome(tmp_path / "bare.fasta")
    assert "bare.gff3" in str(info.value)


def test_unknown_accession_offline_says_how_to_supply_it(monkeypatch, tmp_path):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(tmp_path))
    with pytest.raises(GenomeError) as info:
        resolve_genome("NC_999999.1")
    message = str(info.value)
    assert "NC_999999.1" in message and "BIOXEN_GENOME_PATH" in message and "cache" in message
    result = runner.invoke(app, ["genome", "info", "NC_999999.1"])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_download_failure_is_reported_with_the_same_advice(monkeypatch, tmp_path):
    from Bio import Entrez

    def offline(**kwargs):
        raise OSError("network is unreachable")

    monkeypatch.delenv("BIOXEN_OFFLINE", raising=False)
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(tmp_path))
    monkeypatch.setattr(Entrez, "efetch", offline)
    with pytest.raises(GenomeError, match="cannot download genome NC_999999.1") as info:
        resolve_genome("NC_999999.1")
    assert "BIOXEN_GENOME_PATH" in str(info.value)


def test_a_download_that_stalls_times_out(monkeypatch, tmp_path):
    """Bio.Entrez opens its URL with no timeout; the download bounds every socket it opens
    (BioXen's download timeout) and puts the default back after."""
    import socket

    from Bio import Entrez

    seen = []

    def stalls(**kwargs):
        seen.append(socket.getdefaulttimeout())
        raise TimeoutError("timed out")

    monkeypatch.delenv("BIOXEN_OFFLINE", raising=False)
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(tmp_path))
    monkeypatch.setattr(Entrez, "efetch", stalls)
    before = socket.getdefaulttimeout()
    with pytest.raises(GenomeError, match="cannot download genome NC_999998.1 from NCBI: no answer in 60 s"):
        resolve_genome("NC_999998.1")
    assert seen == [60] and socket.getdefaulttimeout() == before


def test_vms_of_one_missing_accession_try_one_download(monkeypatch, tmp_path):
    """Three VMs of an accession NCBI cannot give: one download is tried, and each VM's line
    gets the error."""
    from Bio import Entrez

    from bioxen.errors import PolicyError
    from bioxen.frontend import read_design
    from conftest import write_policy

    calls = []

    def unreachable(**kwargs):
        calls.append(kwargs["id"])
        raise OSError("network is unreachable")

    monkeypatch.delenv("BIOXEN_OFFLINE", raising=False)
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(tmp_path))
    monkeypatch.setattr(Entrez, "efetch", unreachable)
    policy = write_policy(tmp_path / "three.yaml", """
schema_version: 1
vms:
  - {id: vm1, genome: NC_999997.1}
  - {id: vm2, genome: NC_999997.1}
  - {id: vm3, genome: NC_999997.1}
""")
    with pytest.raises(PolicyError) as info:
        read_design(policy)
    assert calls == ["NC_999997.1"]
    message = str(info.value)
    for line, vm in ((3, "vm1"), (4, "vm2"), (5, "vm3")):
        assert f"three.yaml:{line}:" in message and f"VM '{vm}': cannot download genome NC_999997.1" in message, message


def test_accession_resolves_through_path_then_cache(monkeypatch, tmp_path, synthetic_genbank):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(synthetic_genbank.parent))
    assert resolve_genome("SYN00001.1") == synthetic_genbank
    cache = tmp_path / "cache"
    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(cache))
    monkeypatch.setenv("BIOXEN_GENOME_PATH", "")
    (cache / "genomes").mkdir(parents=True)
    shutil.copy(synthetic_genbank, cache / "genomes" / "SYN00001.1.gb")
    assert resolve_genome("SYN00001.1") == cache / "genomes" / "SYN00001.1.gb"


def test_download_lands_in_the_cache(monkeypatch, tmp_path, synthetic_genbank):
    import io
    from Bio import Entrez

    monkeypatch.delenv("BIOXEN_OFFLINE", raising=False)
    monkeypatch.setenv("BIOXEN_GENOME_PATH", "")
    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(Entrez, "efetch", lambda **kw: io.StringIO(synthetic_genbank.read_text()))
    path = resolve_genome("SYN00001.1")
    assert path == tmp_path / "cache" / "genomes" / "SYN00001.1.gb"
    assert read_genome(path).genes == read_genome(synthetic_genbank).genes



@pytest.mark.parametrize("cache", ["/proc/bioxen", "a file"])
def test_a_download_the_cache_cannot_keep_is_a_clear_error(monkeypatch, tmp_path, synthetic_genbank, cache):
    import io
    from Bio import Entrez

    if cache == "a file":
        cache = tmp_path / "cache"
        cache.write_text("not a directory")
    monkeypatch.delenv("BIOXEN_OFFLINE", raising=False)
    monkeypatch.setenv("BIOXEN_GENOME_PATH", "")
    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(Entrez, "efetch", lambda **kw: io.StringIO(synthetic_genbank.read_text()))
    with pytest.raises(GenomeError, match=r"downloaded genome SYN00001.1 but cannot keep it in .*genomes: ") as caught:
        resolve_genome("SYN00001.1")
    assert "BIOXEN_CACHE_DIR" in caught.value.errors[0].hint

def test_origin_spanning_gene_reads_in_transcription_order_and_is_rotated_in_the_image(tmp_path):
    """An origin-spanning CDS (join(tail..end, 1..head)) reads as one gene; its DNA is joined, and
    the VM image turns the genome so the gene is one piece."""
    from Bio import SeqIO
    from Bio.Seq import Seq
    from Bio.SeqFeature import CompoundLocation, FeatureLocation, SeqFeature
    from Bio.SeqRecord import SeqRecord

    from bioxen.genome import read_genome

    body = "ATG" + "GCT" * 20 + "TAA"
    sequence = body[30:] + "C" * 200 + body[:30]
    location = CompoundLocation([FeatureLocation(len(sequence) - 30, len(sequence), 1),
                                 FeatureLocation(0, len(body) - 30, 1)])
    record = SeqRecord(Seq(sequence), id="ORI00001.1", description="origin-spanning gene",
                       annotations={"molecule_type": "DNA", "topology": "circular"},
                       features=[SeqFeature(location, type="CDS",
                                            qualifiers={"locus_tag": ["ORI_0001"], "transl_table": ["11"]})])
    path = tmp_path / "ori.gb"
    SeqIO.write(record, path, "genbank")
    genome = read_genome(path)
    gene = genome.genes[0]
    assert genome.gene_sequence(gene) == body and gene.protein_length == 21
    from typer.testing import CliRunner
    from bioxen.cli import app
    policy = tmp_path / "p.yaml"
    policy.write_text(f"schema_version: 1\nvms:\n  - {{id: vm1, genome: {path}}}\n")
    result = CliRunner().invoke(app, ["compile", str(policy), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    image = SeqIO.read(tmp_path / "out" / "vm_vm1.gb", "genbank")
    cds = next(f for f in image.features if f.type == "CDS")
    assert len(cds.location.parts) == 1
    assert str(cds.extract(image.seq).translate(table=11)).startswith("M" + "A" * 20)
