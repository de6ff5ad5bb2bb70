"""GenBank images: refactored VM genomes and the hypervisor's genes (bioxen.backend.images)."""
from __future__ import annotations

import io
import random
from collections import Counter
from dataclasses import replace

import pytest
from Bio import SeqIO
from Bio.Seq import Seq, reverse_complement
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord

from bioxen.backend import images
from bioxen.genome.trna import anticodon
from bioxen.backend.images import (back_translate, host_codon, hypervisor_image, hypervisor_records,
                                   load_part_sequences, vm_image)
from bioxen.backend.sbol import to_sbol3, validation_errors
from bioxen.cello import load_cello
from bioxen.chassis import load_chassis
from bioxen.errors import CompileError
from bioxen.genome import read_genome
from bioxen.ir import Design, GuestVM, IsolationParts, SimulationPlan
from bioxen.backend.model import hypervisor_genes
from bioxen.parts import load_parts
from bioxen.rna import HOST_ANTI_SD

PDT1 = "AANKNEENTNEVPTFMLNAGQANYAFA"   # M. florum tmRNA tag (PARAMETERS.md)
THREE_TO_ONE = {"Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
                 "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
                 "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V"}


def make_parts(pool="o1", genetic_code="recode", sd="GTGGTG", anti_sd="TCACACCACTA",
               utr="TAAGTGGTGTAAACAAA") -> IsolationParts:
    """Hand-made isolation parts: a 17-nt UTR holding a 6-nt SD, an 11-nt anti-SD, its sRNA, pdt1."""
    return IsolationParts(pool=pool, sd=sd, anti_sd=anti_sd, utr=utr,
                          srna=reverse_complement(utr[-12:] + "ATG"), srna_energy=-20.0,
                          tag_name="pdt1", tag=PDT1, protease="mf_lon", genetic_code=genetic_code)


def with_tag(parts: IsolationParts, name: str) -> IsolationParts:
    """``parts`` with degron ``name`` of the parts library (its peptide, protease and terminus)."""
    tag = {t.name: t for t in load_parts("isolation").tags}[name]
    return replace(parts, tag_name=tag.name, tag=tag.peptide, protease=tag.protease, tag_terminus=tag.terminus)


def make_vm(genome, parts, vm_id="vm1") -> GuestVM:
    return GuestVM(vm_id, genome, None, "gene", 0.2, 50, None, None, parts=parts)


def make_design(*vms, gate="mrna") -> Design:
    """A design of ``vms`` with the parts library (self-tagged, pulsed proteases) and gate kind ``gate``."""
    return Design("test", load_chassis("ecoli_mg1655"), {}, tuple(vms),
                  SimulationPlan(360.0, 73, "ode", None), (), parts=load_parts("isolation"), gate=gate)


def cds_features(record):
    return [f for f in record.features if f.type == "CDS" and "pseudo" not in f.qualifiers]


def by_tag(features, type_=None):
    return {f.qualifiers["locus_tag"][0]: f for f in features
            if "locus_tag" in f.qualifiers and (type_ is None or f.type == type_)}


@pytest.fixture(scope="module")
def syn3a_path(shared):
    return shared / "genomes" / "CP016816.2.gb"


@pytest.fixture(scope="module")
def syn3a(syn3a_path):
    return read_genome(syn3a_path)


@pytest.fixture(scope="module")
def syn3a_record(syn3a_path):
    return SeqIO.read(syn3a_path, "genbank")


@pytest.fixture(scope="module")
def syn3a_recoded(syn3a):
    return vm_image(make_vm(syn3a, make_parts(genetic_code="recode")))


# --- the acceptance run: Syn3A recoded for E. coli --------------------------------------

def test_recoded_syn3a_makes_every_original_protein_plus_tag_under_table_11(syn3a_recoded,
                                                                           syn3a_record):
    original = {f.qualifiers["locus_tag"][0]: str(f.extract(syn3a_record.seq).translate(table=4))
                for f in syn3a_record.features if f.type == "CDS" and "pseudo" not in f.qualifiers}
    image = {f.qualifiers["locus_tag"][0]: str(f.extract(syn3a_recoded.seq).translate(table=11))
             for f in cds_features(syn3a_recoded)}
    assert len(original) == 455 and set(image) == set(original)
    for locus_tag, made in image.items():
        assert made.endswith("*"), locus_tag
        assert "*" not in made[:-1], f"{locus_tag}: internal stop under table 11"
        assert made[:-1] == original[locus_tag].rstrip("*") + PDT1, locus_tag


def test_recoded_image_has_no_tga_in_frame_and_says_table_11(syn3a_recoded):
    for feature in cds_features(syn3a_recoded):
        cds = str(feature.extract(syn3a_recoded.seq))
        assert "TGA" not in [cds[i:i + 3] for i in range(0, len(cds), 3)]
        assert cds.endswith("TAA")
        assert feature.qualifiers["transl_table"] == ["11"]
        assert feature.qualifiers["translation"][0][0] == "M"


def test_utr_sits_right_before_every_start_codon_on_its_strand(syn3a_recoded, syn3a):
    parts, seq = make_parts(), str(syn3a_recoded.seq)
    utrs = by_tag(syn3a_recoded.features, "5'UTR")
    sds = by_tag(syn3a_recoded.features, "regulatory")
    strands = Counter()
    for feature in cds_features(syn3a_recoded):
        location = feature.location
        start, end, strand = int(location.start), int(location.end), location.strand
        if strand == 1:
            assert seq[start - len(parts.utr):start] == parts.utr
        else:
            assert seq[end:end + len(parts.utr)] == reverse_complement(parts.utr)
        tag = feature.qualifiers["locus_tag"][0]
        assert str(utrs[tag].extract(syn3a_recoded.seq)) == parts.utr
        assert str(sds[tag].extract(syn3a_recoded.seq)) == parts.sd
        assert utrs[tag].location.strand == strand
        strands[strand] += 1
    assert strands[1] > 100 and strands[-1] > 100


def test_rna_genes_and_pseudogenes_are_copied_unchanged(syn3a_recoded, syn3a):
    genes = {g.locus_tag: g for g in syn3a.genes if not g.is_coding}
    kept = {f.qualifiers["locus_tag"][0]: f for f in syn3a_recoded.features
            if f.type in ("tRNA", "rRNA", "ncRNA", "tmRNA") or "pseudo" in f.qualifiers}
    assert set(kept) == set(genes) and len(genes) == 41
    for tag, feature in kept.items():
        assert str(feature.extract(syn3a_recoded.seq)) == syn3a.gene_sequence(genes[tag])
        assert feature.type == genes[tag].feature_type


def test_tags_are_annotated_with_their_protease(syn3a_recoded):
    tags = [f for f in syn3a_recoded.features if f.type == "misc_feature"]
    assert len(tags) == 455
    for feature in tags[:20]:
        assert str(feature.extract(syn3a_recoded.seq).translate(table=11)) == PDT1
        note = feature.qualifiers["note"][0]
        assert "pdt1" in note and "mf_lon" in note and "C-terminus" in note


# --- suppressor and native genetic codes ------------------------------------------------

def test_suppressor_mode_keeps_tga_and_the_genome_table(syn3a, syn3a_record):
    image = vm_image(make_vm(syn3a, make_parts(genetic_code="suppressor")))
    genes = {g.locus_tag: g for g in syn3a.genes if g.is_coding}
    original = {f.qualifiers["locus_tag"][0]: str(f.extract(syn3a_record.seq).translate(table=4))
                for f in cds_features(syn3a_record)}
    internal_tga = 0
    for feature in cds_features(image):
        tag = feature.qualifiers["locus_tag"][0]
        cds = str(feature.extract(image.seq))
        codons = [cds[i:i + 3] for i in range(0, len(cds) - 3, 3)]
        assert codons.count("TGA") == genes[tag].internal_tga
        internal_tga += codons.count("TGA")
        assert feature.qualifiers["transl_table"] == ["4"]
        assert str(Seq(cds).translate(table=4))[:-1] == original[tag].rstrip("*") + PDT1
    assert internal_tga > 1000


def test_native_mode_keeps_tga_but_says_table_11(syn3a):
    image = vm_image(make_vm(syn3a, make_parts(genetic_code="native")))
    feature = by_tag(cds_features(image))["JCVISYN3A_0001"]
    assert feature.qualifiers["transl_table"] == ["11"]
    cds = str(feature.extract(image.seq))
    assert "TGA" in [cds[i:i + 3] for i in range(0, len(cds) - 3, 3)]   # truncates in E. coli
    assert "*" in feature.qualifiers["translation"][0]


# --- overlapping genes: a small synthetic genome ----------------------------------------

SENSE_TABLE_4 = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT"
                 if a + b + c not in ("TAA", "TAG")]


def _orf_body(rng, codons):
    body = [rng.choice(SENSE_TABLE_4) for _ in range(codons)]
    body[codons // 2] = "TGA"   # a Trp in table 4
    return "".join(body)


def _overlapping_pair(rng, overlap):
    """Two ORFs (table 4) sharing ``overlap`` bases (8: 'ATGCCTAA' ends A, starts B; 1: 'A')."""
    if overlap == 8:
        a = "ATG" + _orf_body(rng, 40) + rng.choice("ACGT") + "AT" + "GCC" + "TAA"
        b = "ATGCCTAAA" + _orf_body(rng, 50) + "TAA"
    else:
        a = "ATG" + _orf_body(rng, 40) + "TAA"
        b = "ATG" + _orf_body(rng, 50) + "TAA"   # its A is the last base of a's TAA
    assert a[-overlap:] == b[:overlap]
    return a, b, a + b[overlap:]


def write_overlap_genbank(path):
    """+A/+B overlap 8 nt; +C 40 nt on; +D 3 nt after C; -Y/-X overlap 1 nt; a tRNA; a pseudogene."""
    rng = random.Random(7)
    spacer = lambda n: "".join(rng.choice("ACGT") for _ in range(n))  # noqa: E731
    seq, features = "", []

    def add(dna, spans):
        nonlocal seq
        for tag, a, b, strand, type_, extra in spans:
            quals = {"locus_tag": [tag], "gene": [tag.lower()], "product": [f"protein {tag}"],
                     "transl_table": ["4"], **extra}
            features.append(SeqFeature(FeatureLocation(len(seq) + a, len(seq) + b, strand),
                                       type=type_, qualifiers=quals))
        seq += dna

    add(spacer(60), [])
    a, b, pair = _overlapping_pair(rng, 8)
    add(pair, [("A", 0, len(a), 1, "CDS", {}), ("B", len(a) - 8, len(pair), 1, "CDS", {})])
    add(spacer(40), [])
    c = "ATG" + _orf_body(rng, 30) + "TAG"
    add(c, [("C", 0, len(c), 1, "CDS", {})])
    add(spacer(3), [])
    d = "ATG" + _orf_body(rng, 20) + "TAA"
    add(d, [("D", 0, len(d), 1, "CDS", {})])
    add(spacer(50), [])
    x, y, pair = _overlapping_pair(rng, 1)
    minus = reverse_complement(pair)
    add(minus, [("X", len(pair) - len(x), len(pair), -1, "CDS", {}),
                ("Y", 0, len(y), -1, "CDS", {})])
    add(spacer(50), [])
    add(spacer(76), [("T1", 0, 76, 1, "tRNA", {"product": ["tRNA-Trp"]})])
    add(spacer(30), [])
    p = "ATG" + _orf_body(rng, 10) + "TAA"
    add(p, [("P", 0, len(p), 1, "CDS", {"pseudo": [""]})])
    add(spacer(60), [])
    record = SeqRecord(Seq(seq), id="OVL00001.1", name="OVL00001",
                       description="overlap test genome", features=features,
                       annotations={"molecule_type": "DNA", "topology": "linear"})
    SeqIO.write(record, path, "genbank")
    return path


@pytest.fixture
def overlap_genome(tmp_path):
    return read_genome(write_overlap_genbank(tmp_path / "OVL00001.1.gb"))


def test_overlapping_genes_are_separated_without_changing_any_protein(overlap_genome):
    parts = make_parts()
    image = vm_image(make_vm(overlap_genome, parts))
    genes = {g.locus_tag: g for g in overlap_genome.genes}
    cds = by_tag(cds_features(image))
    assert set(cds) == {"A", "B", "C", "D", "X", "Y"}
    for tag, feature in cds.items():
        native = Seq(overlap_genome.gene_sequence(genes[tag]))
        made = str(feature.extract(image.seq).translate(table=11))
        assert made == str(native.translate(table=4)).rstrip("*") + PDT1 + "*", tag
        assert "*" not in made[:-1]
    # the 8 shared bases of A and B now lie in both cassettes, which no longer touch
    assert cds["A"].location.end <= by_tag(image.features, "5'UTR")["B"].location.start
    # the minus pair: Y's UTR sits 3' of Y in genome order, before X's cassette
    assert cds["Y"].location.end <= by_tag(image.features, "5'UTR")["Y"].location.start
    assert by_tag(image.features, "5'UTR")["Y"].location.end <= cds["X"].location.start


def test_utr_replaces_free_upstream_windows_and_is_inserted_elsewhere(overlap_genome):
    parts = make_parts()
    image = vm_image(make_vm(overlap_genome, parts))
    notes = {tag: f.qualifiers["note"][0] for tag, f in by_tag(image.features, "5'UTR").items()}
    replaced = {tag for tag, note in notes.items() if "replaces" in note}
    assert replaced == {"A", "C", "X"}            # B in A, D 3 nt after C, Y in X: inserted
    tag_dna = len(back_translate(PDT1))
    inserted, duplicated = 3 * len(parts.utr), 8 + 1
    assert len(image) == overlap_genome.length + 6 * tag_dna + inserted + duplicated
    assert images.replaceable_windows(overlap_genome, len(parts.utr)) == \
        {g for g in overlap_genome.genes if g.locus_tag in replaced}


def test_pseudogene_and_rna_gene_of_the_synthetic_genome_are_kept(overlap_genome):
    image = vm_image(make_vm(overlap_genome, make_parts()))
    features = by_tag(image.features)
    assert "pseudo" in features["P"].qualifiers and features["T1"].type == "tRNA"
    genes = {g.locus_tag: g for g in overlap_genome.genes}
    for tag in ("P", "T1"):
        assert str(features[tag].extract(image.seq)) == overlap_genome.gene_sequence(genes[tag])


# --- codons, tags and tRNAs -------------------------------------------------------------

def test_codon_helpers():
    assert host_codon("TGA", 4) == "TGG"
    assert host_codon("TGG", 4) == "TGG" and host_codon("CTG", 4) == "CTG"
    dna = back_translate(PDT1)
    assert str(Seq(dna).translate(table=11)) == PDT1
    assert "TGA" not in [dna[i:i + 3] for i in range(0, len(dna), 3)]
    with pytest.raises(CompileError, match="not amino acids"):
        back_translate("AAB")


def test_anticodons_of_syn3a_trnas_match_their_amino_acids(syn3a):
    trnas = [g for g in syn3a.genes if g.feature_type == "tRNA"]
    assert len(trnas) == 29
    for gene in trnas:
        found = anticodon(syn3a.gene_sequence(gene))
        amino = str(Seq(found).reverse_complement().translate(table=4))
        assert amino == THREE_TO_ONE[gene.product.split("-")[1]], gene.locus_tag
    assert images.uga_trna(syn3a).locus_tag == "JCVISYN3A_0619"
    assert anticodon(syn3a.gene_sequence(syn3a.find("JCVISYN3A_0618"))) == "CCA"


# --- the hypervisor ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def hypervisor_set(syn3a, tmp_path_factory):
    """Three VMs (two orthogonal pools, one suppressor) and hypervisor.gb's records: the core
    construct, then one o-16S record per orthogonal pool."""
    overlap = read_genome(write_overlap_genbank(tmp_path_factory.mktemp("ovl") / "OVL00001.1.gb"))
    vm1 = make_vm(syn3a, make_parts(pool="o1", genetic_code="suppressor"), "vm1")
    vm2 = make_vm(overlap, make_parts(pool="o2", genetic_code="recode", anti_sd="TCACTCCACCA"), "vm2")
    vm3 = make_vm(overlap, make_parts(pool="host", genetic_code="recode"), "vm3")
    design = make_design(vm1, vm2, vm3)
    return design, hypervisor_records(design)


@pytest.fixture(scope="module")
def hypervisor(hypervisor_set):
    design, records = hypervisor_set
    return design, records[0]


def test_hypervisor_has_one_cassette_per_part(hypervisor_set):
    design, records = hypervisor_set         # the core, then one o-16S record per orthogonal pool
    assert [r.id for r in records] == ["test_hypervisor", "test_orrna_o1", "test_orrna_o2"]
    tags = {f.qualifiers["locus_tag"][0] for r in records for f in r.features}
    assert tags == {"hv_vm1_orrna", "hv_vm2_orrna", "hv_vm1_srna", "hv_vm2_srna", "hv_vm3_srna",
                    "hv_vm1_protease", "hv_vm2_protease", "hv_vm3_protease", "hv_vm1_trna_trp",
                    "hv_vm1_pulse_repressor", "hv_vm2_pulse_repressor", "hv_vm3_pulse_repressor",
                    "hv_vm1_reporter", "hv_vm2_reporter", "hv_vm3_reporter"}
    for tag in tags:   # promoter first, terminator last (5'->3' on the cassette's strand), contiguous
        cassette = [f for r in records for f in r.features if f.qualifiers["locus_tag"][0] == tag]
        assert cassette[0].type == "promoter" and cassette[-1].type == "terminator"
        assert len({f.location.strand for f in cassette}) == 1
        placed = sorted(cassette, key=lambda f: int(f.location.start))
        assert all(a.location.end == b.location.start for a, b in zip(placed, placed[1:]))
        assert all(f.qualifiers["label"] and f.qualifiers["note"] for f in cassette)


def test_orthogonal_rrna_ends_in_its_pools_anti_sd(hypervisor_set):
    design, records = hypervisor_set
    records = {r.id: r for r in records}
    rrnas = {f"hv_{vm.id}_orrna": records[f"test_orrna_{vm.parts.pool}"] for vm in design.vms[:2]}
    library = load_part_sequences()
    n = len(HOST_ANTI_SD)
    for vm in design.vms[:2]:
        record = rrnas[f"hv_{vm.id}_orrna"]
        rrna = str(by_tag(record.features, "rRNA")[f"hv_{vm.id}_orrna"].extract(record.seq))
        assert rrna[-n:] == vm.parts.anti_sd and len(vm.parts.anti_sd) == n == 11
        assert rrna[:-n] == library["rrsB_16S"].sequence[:-n] and len(rrna) == 1541
    assert library["rrsB_16S"].sequence.endswith(HOST_ANTI_SD)


def test_srna_protease_and_trna_cassettes(hypervisor, syn3a):
    design, record = hypervisor
    srnas = by_tag(record.features, "ncRNA")
    for vm in design.vms:
        assert str(srnas[f"hv_{vm.id}_srna"].extract(record.seq)) == vm.parts.srna
    promoters = [f for f in record.features if f.type == "promoter"]
    cello = {r.promoter.name for r in load_cello().repressors.values()}
    labels = {f.qualifiers["label"][0] for f in promoters}   # no wiring: the shared stand-ins fire commands
    constitutive = {p.key for p in images.library_parts(load_part_sequences(), "promoter", "constitutive promoter")}
    assert {"pTet (BBa_R0040)", "pLas (BBa_R0079)"} <= labels <= {"pTet (BBa_R0040)", "pLas (BBa_R0079)"} | cello | constitutive
    assert {"J23100", "apFAB46"} <= constitutive
    assert "N" not in str(record.seq)          # a missing part is not written as a run of N
    missing = by_tag(record.features, "misc_feature")
    for vm in design.vms:   # mf-Lon's CDS is not in BioXen's data: only its self-tag and stop are written
        feature = missing[f"hv_{vm.id}_protease"]
        assert str(feature.extract(record.seq)) == back_translate(PDT1) + "TAA"
        assert "sequence not in BioXen's data" in feature.qualifiers["note"][0]
        assert "AE017263" in feature.qualifiers["note"][0]
    trna = by_tag(record.features, "tRNA")
    assert set(trna) == {"hv_vm1_trna_trp"}
    assert str(trna["hv_vm1_trna_trp"].extract(record.seq)) == \
        syn3a.gene_sequence(syn3a.find("JCVISYN3A_0619"))
    assert "JCVISYN3A_0619" in trna["hv_vm1_trna_trp"].qualifiers["note"][0]


def test_part_sequences_are_sourced_or_marked_missing():
    library = load_part_sequences()
    assert set(library) >= {"pTet", "pLas", "J23100", "B0034", "B0015", "E0040", "rrsB_16S",
                            "mf_lon", "tevp", "tvmvp", "ppvp", "sbmvp", "summvp", "hrv3cp", "hcv_ns3p",
                            "PhlF", "pPhlF", "phlO"}
    # every VM protease of the parts library has its DNA or is marked missing (issue 20's BOM)
    assert {t.protease for t in load_parts("isolation").tags} <= set(library)
    for part in library.values():
        assert part.source or part.sequence is None
        if part.sequence is None:
            assert part.placeholder_length > 0 and part.reason
        else:
            assert set(part.sequence) <= set("ACGT")
    assert len(library["B0015"].sequence) == 129 and len(library["pTet"].sequence) == 54
    assert len(library["E0040"].sequence) == 720
    assert len(library["PhlF"].sequence) == 603 and len(library["pPhlF"].sequence) == 66   # Cello
    assert library["pPhlF"].sequence.endswith(library["phlO"].sequence)


# --- the VMs' fluorescent reporters ------------------------------------------------------

@pytest.fixture(scope="module")
def reporters(tmp_path_factory):
    """Two VMs with their own pool, UTR and degron (pdt1, pdt2), and their hypervisor image."""
    overlap = read_genome(write_overlap_genbank(tmp_path_factory.mktemp("rep") / "OVL00001.1.gb"))
    second = with_tag(make_parts(pool="o2", anti_sd="TCACTCCACCA", sd="GGAGTG", utr="TAAGGAGTGTAAACATC"),
                      "pdt2")   # TEVp site + F, at the N-terminus
    design = make_design(make_vm(overlap, make_parts(), "vm1"), make_vm(overlap, second, "vm2"))
    return design, hypervisor_image(design)


def _reporter_cds(record):
    return {tag[len("hv_"):-len("_reporter")]: f
            for tag, f in by_tag(record.features, "CDS").items() if tag.endswith("_reporter")}


def test_gfp_of_the_parts_data_is_a_gfp():
    gfp = str(Seq(load_part_sequences()["E0040"].sequence).translate(table=11))
    assert gfp.endswith("**") and "*" not in gfp[:-2]           # E0040 ends TAATAA
    gfp = gfp.rstrip("*")
    assert len(gfp) == 238 and gfp[0] == "M"
    assert gfp[64:67] == "GYG"   # GFPmut3's chromophore (S65G); wild type and sfGFP have SYG/TYG


def test_one_reporter_per_vm(reporters, hypervisor):
    for design, record in (reporters, hypervisor):
        assert sorted(_reporter_cds(record)) == sorted(vm.id for vm in design.vms)
        for vm in design.vms:
            cassette = [f.type for f in record.features
                        if f.qualifiers["locus_tag"][0] == f"hv_{vm.id}_reporter"]
            assert cassette == ["promoter", "5'UTR", "CDS", "terminator"]


def test_reporter_makes_gfp_plus_the_vms_degron_under_table_11(reporters):
    design, record = reporters
    colours = images.reporters(design, load_part_sequences())
    cds = _reporter_cds(record)
    for vm in design.vms:
        gfp = str(Seq(colours[vm.id].body).translate(table=11))
        made = str(cds[vm.id].extract(record.seq).translate(table=11))
        assert made.endswith("*") and "*" not in made[:-1], vm.id
        expected = gfp + vm.parts.tag if vm.id == "vm1" else "M" + vm.parts.tag + gfp[1:]
        assert made[:-1] == expected, vm.id
        assert cds[vm.id].qualifiers["translation"] == [made[:-1]]
        assert cds[vm.id].qualifiers["transl_table"] == ["11"]
        assert vm.parts.tag_name in cds[vm.id].qualifiers["note"][0]
    assert design.vms[0].parts.tag != design.vms[1].parts.tag


def test_reporter_sits_behind_the_vms_utr_where_its_gate_pairs(reporters):
    design, record = reporters
    cds = _reporter_cds(record)
    utrs = by_tag(record.features, "5'UTR")
    for vm in design.vms:   # read on the cassette's own strand (a cassette may lie on either)
        utr, gene = utrs[f"hv_{vm.id}_reporter"], cds[vm.id]
        assert utr.location.strand == gene.location.strand
        start, end = min(int(utr.location.start), int(gene.location.start)), max(int(utr.location.end),
                                                                                 int(gene.location.end))
        message = record.seq[start:end] if utr.location.strand == 1 else record.seq[start:end].reverse_complement()
        assert str(message) == vm.parts.utr + str(gene.extract(record.seq))    # the UTR right before the CDS
        assert str(utr.extract(record.seq)) == vm.parts.utr and vm.parts.sd in vm.parts.utr
        assert reverse_complement(vm.parts.srna) in str(message)[:len(vm.parts.utr) + 3]
    assert design.vms[0].parts.utr != design.vms[1].parts.utr


def test_reporter_promoter_says_what_it_stands_for(reporters):
    _, record = reporters
    promoter = by_tag(record.features, "promoter")["hv_vm1_reporter"]
    note = promoter.qualifiers["note"][0]
    assert promoter.qualifiers["label"] == ["J23100"]
    assert "STAND-IN" in note and "CREATE and not DESTROY" in note


def test_hypervisor_with_reporters_is_valid_sbol3(reporters):
    _, record = reporters
    doc = to_sbol3([record], namespace="https://bioxen.dev/test")
    assert validation_errors(doc) == []
    names = {f.name for c in doc.objects if hasattr(c, "features") for f in c.features}
    labels = {f.qualifiers["label"][0] for f in _reporter_cds(record).values()}
    assert labels | {"5' UTR vm1", "5' UTR vm2"} <= names and "GFP-pdt1 vm1" in labels


def test_suppressor_vm_without_a_uga_trna_is_refused(overlap_genome):
    design = make_design(make_vm(overlap_genome, make_parts(genetic_code="suppressor")))
    with pytest.raises(CompileError, match="no tRNA-Trp with anticodon UCA"):
        hypervisor_image(design)


def test_vm_without_parts_is_refused(overlap_genome):
    vm = GuestVM("bare", overlap_genome, None, "gene", 0.2, 50, None, None)
    with pytest.raises(CompileError, match="no isolation parts"):
        vm_image(vm)
    with pytest.raises(CompileError, match="no isolation parts"):
        hypervisor_image(make_design(vm))


# --- GenBank round trip -----------------------------------------------------------------

def _round_trip(record):
    handle = io.StringIO()
    SeqIO.write(record, handle, "genbank")
    handle.seek(0)
    return SeqIO.read(handle, "genbank")


def _same_features(a, b):
    assert len(a.features) == len(b.features)
    for x, y in zip(a.features, b.features):
        assert (x.type, x.location) == (y.type, y.location)
        assert x.qualifiers == y.qualifiers, x.qualifiers.get("locus_tag")


def test_images_write_and_read_back_as_genbank(syn3a_recoded, hypervisor, overlap_genome):
    for record in (syn3a_recoded, hypervisor[1], vm_image(make_vm(overlap_genome, make_parts()))):
        again = _round_trip(record)
        assert str(again.seq) == str(record.seq)
        assert again.annotations["topology"] == record.annotations["topology"]
        assert again.annotations["molecule_type"] == "DNA"
        _same_features(record, again)
    assert syn3a_recoded.id == "vm1_image" and syn3a_recoded.annotations["topology"] == "circular"


# --- N-terminal degrons, self-tagged pulsed proteases, ribosome gates (issue 19) ----------

def test_n_terminal_degron_follows_the_start_codon_and_keeps_the_model_length(overlap_genome):
    parts = with_tag(make_parts(), "pdt2")
    assert parts.tag_terminus == "N" and parts.tag == "ENLYFQF" and parts.protease == "tevp"
    c_image = vm_image(make_vm(overlap_genome, make_parts()))
    n_image = vm_image(make_vm(overlap_genome, parts))
    c_made = {f.qualifiers["locus_tag"][0]: str(f.extract(c_image.seq).translate(table=11))
              for f in cds_features(c_image)}
    tags = by_tag(n_image.features, "misc_feature")
    for feature in cds_features(n_image):
        locus = feature.qualifiers["locus_tag"][0]
        made = str(feature.extract(n_image.seq).translate(table=11))
        body = c_made[locus][:-len(PDT1) - 1]          # the protein without pdt1 and the stop
        assert made == "M" + parts.tag + body[1:] + "*", locus     # M-[TEV site]-F-rest
        assert len(made) - 1 == len(c_made[locus]) - 1 - len(PDT1) + len(parts.tag)   # same n as the model
        cds = str(feature.extract(n_image.seq))
        assert str(tags[locus].extract(n_image.seq)) == cds[3:3 + 3 * len(parts.tag)]
        assert "N-terminus" in tags[locus].qualifiers["note"][0] and "tevp" in tags[locus].qualifiers["note"][0]


@pytest.fixture(scope="module")
def issue19_hypervisor(tmp_path_factory):
    """Two VMs, pdt1 (C, mf-Lon) and pdt2 (N, TEVp), ribosome-gated, with the parts library's
    self-tagged pulsed proteases."""
    overlap = read_genome(write_overlap_genbank(tmp_path_factory.mktemp("i19") / "OVL00001.1.gb"))
    second = with_tag(make_parts(pool="o2", anti_sd="TCACTCCACCA", sd="GGAGTG", utr="TAAGGAGTGTAAACATC"), "pdt2")
    vm1 = replace(make_vm(overlap, make_parts(), "vm1"), antigate_transcription=4.0)
    design = make_design(vm1, make_vm(overlap, second, "vm2"), gate="ribosome")
    return design, hypervisor_image(design)


def test_self_tagged_proteases_are_the_tags_own_and_missing_cds_are_not_n(issue19_hypervisor):
    design, record = issue19_hypervisor
    assert "N" not in str(record.seq)
    missing = by_tag(record.features, "misc_feature")
    vm1, vm2 = design.vms
    assert str(missing["hv_vm1_protease"].extract(record.seq)) == back_translate(PDT1) + "TAA"
    assert missing["hv_vm1_protease"].qualifiers["label"] == ["mf_lon (CDS missing)"]
    assert "before this tag and stop" in missing["hv_vm1_protease"].qualifiers["note"][0]
    # TEVp's CDS is in the parts data: written whole, its own VM's N-terminal degron after the start
    tevp = by_tag(record.features, "CDS")["hv_vm2_protease"]
    assert "hv_vm2_protease" not in missing and "TEV protease" in tevp.qualifiers["note"][0]
    made = str(tevp.extract(record.seq).translate(table=11))
    assert made.startswith("M" + vm2.parts.tag) and made.endswith("*") and "*" not in made[:-1]


def test_pulsed_protease_promoter_carries_phlf_operator_and_phlf_is_made(issue19_hypervisor):
    design, record = issue19_hypervisor
    library = load_part_sequences()
    for vm in design.vms:
        cassette = [f for f in record.features if f.qualifiers["locus_tag"][0] == f"hv_{vm.id}_protease"]
        assert [f.type for f in cassette[:3]] == ["promoter", "protein_bind", "regulatory"]
        assert cassette[1].qualifiers["bound_moiety"] == ["PhlF"]   # no wiring pass: the model's PhlF pulse
        assert str(cassette[1].extract(record.seq)) == library["phlO"].sequence
        assert library["phlO"].sequence in library["pPhlF"].sequence
        phlf = by_tag(record.features, "CDS")[f"hv_{vm.id}_pulse_repressor"]
        made = str(phlf.extract(record.seq).translate(table=11))
        assert made.endswith("*") and len(made) - 1 == 200 == load_parts("isolation").protease[
            "pulse_repressor_length"].value
        assert f"pulse_repressor_protease_{vm.id}" in phlf.qualifiers["product"][0]
    # the model's protein genes of each VM (bioxen.backend.model.hypervisor_genes) and the image's
    model = set(hypervisor_genes(design))
    written = {f.qualifiers["locus_tag"][0] for f in record.features if f.type in ("CDS", "misc_feature")}
    for vm in design.vms:
        assert {f"protease_{vm.id}", f"pulse_repressor_protease_{vm.id}", f"reporter_{vm.id}"} <= model
        assert {f"hv_{vm.id}_protease", f"hv_{vm.id}_pulse_repressor", f"hv_{vm.id}_reporter"} <= written
    assert len(written) == len(model) == 3 * len(design.vms)


def test_ribosome_gate_cassettes_replace_the_srna_gate(issue19_hypervisor):
    design, record = issue19_hypervisor
    tags = {f.qualifiers["locus_tag"][0] for f in record.features}
    assert not any(t.endswith("_srna") for t in tags)
    assert {"hv_vm1_gate", "hv_vm2_gate", "hv_vm1_antigate"} <= tags and "hv_vm2_antigate" not in tags
    rnas = {f.qualifiers["label"][0]: str(f.extract(record.seq)) for f in record.features if f.type == "ncRNA"}
    vm1 = design.vms[0]
    assert vm1.parts.sd in rnas["gate RNA vm1"]
    assert rnas["anti-gate RNA vm1"] == reverse_complement(rnas["gate RNA vm1"])
    assert _round_trip(record).seq == record.seq


def test_issue19_hypervisor_is_valid_sbol3_with_and_without_self_tags(issue19_hypervisor):
    design, record = issue19_hypervisor
    assert validation_errors(to_sbol3([record], namespace="https://bioxen.dev/test")) == []
    q = dict(design.parts.protease)   # the protease of BioXen before issue 19: untagged, not pulsed
    q.update(self_tagged=replace(q["self_tagged"], value=0), pulse=replace(q["pulse"], value=0))
    plain = hypervisor_image(replace(design, parts=replace(design.parts, protease=q)))
    cassette = [f for f in plain.features if f.qualifiers["locus_tag"][0] == "hv_vm1_protease"]
    assert [f.type for f in cassette] == ["promoter", "regulatory", "terminator"]    # no CDS, no N
    assert "Mesoplasma florum Lon" in cassette[1].qualifiers["note"][0] and "N" not in str(plain.seq)
    assert not any(t.endswith("pulse_repressor") for t in {f.qualifiers["locus_tag"][0] for f in plain.features})
    assert validation_errors(to_sbol3([plain], namespace="https://bioxen.dev/test")) == []


def test_the_sourced_promoters_and_terminators_are_orderable_and_the_new_ones_repeat_nothing():
    """Every promoter and terminator of the parts data has no BsaI/BsmBI site and no 10-nt
    homopolymer; the BIOFAB and Chen/Cambray parts added for issue 20 share no 16-bp stretch
    (either strand) with each other or any other part of the data."""
    from bioxen.cello import shares_stretch

    library = load_part_sequences()
    parts = {key: p for key, p in library.items() if p.kind in ("promoter", "terminator") and p.sequence}
    for key, part in parts.items():
        dna = part.dna()
        assert not images.REFUSED.search(dna), key
    added = [k for k in parts if k.startswith(("apFAB", "L3S1P", "ECK1200", "tonB_", "rnpB_"))]
    assert len(added) >= 10
    for key in added:
        for other, part in library.items():
            if other != key and part.sequence:
                assert not shares_stretch(parts[key].dna(), part.dna()), (key, other)
