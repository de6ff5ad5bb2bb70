"""Joined locations in VM images and models (issue 16): introns, trans-splicing, the origin of a
circular genome, programmed frameshifts and knockouts, on small synthetic plastid-like genomes.

The acceptance property, checked on every image: each refactored CDS of the image, translated
under table 11, is the original's translation (under its own table) followed by the VM's degron,
and the model's protein length is the image's protein length.
"""
from __future__ import annotations

import io
import json
import random
import re
from dataclasses import dataclass, field, replace

import libsbml
import pytest
from Bio import SeqIO
from Bio.Seq import Seq, reverse_complement
from Bio.SeqFeature import CompoundLocation, FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord

from bioxen import pipeline
from bioxen.backend.compile import compile_design, outputs_spec
from bioxen.backend.images import refactoring_warnings, vm_image
from bioxen.backend.model import build_model
from bioxen.frontend import read_design
from bioxen.genome import read_genome
from bioxen.genome.layout import gene_layout, joint, origin_free, refactor_problem, unrefactorable
from bioxen.names import mangle
from bioxen.passes import PIPELINE
from bioxen.runtime.simulate import Outputs, simulate_sbml
from conftest import write_policy

STOPS = {11: ("TAA", "TAG", "TGA"), 4: ("TAA", "TAG")}


def _sense(table):
    return [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT" if a + b + c not in STOPS[table]]


@dataclass
class GenomeWriter:
    """Appends DNA left to right and records features; minus-strand pieces are written
    reverse-complemented so that each piece reads 5'->3' on its own strand."""

    table: int
    seed: int = 3
    dna: list = field(default_factory=list)
    features: list = field(default_factory=list)
    size: int = 0

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    def spacer(self, n: int) -> None:
        self.put("".join(self.rng.choice("ACGT") for _ in range(n)), 1)

    def put(self, piece: str, strand: int) -> tuple[int, int, int]:
        self.dna.append(piece if strand == 1 else reverse_complement(piece))
        self.size += len(piece)
        return self.size - len(piece), self.size, strand

    def orf(self, codons: int, tga_at: tuple[int, ...] = ()) -> str:
        body = [self.rng.choice(_sense(self.table)) for _ in range(codons)]
        for i in tga_at if self.table == 4 else ():
            body[i - 1] = "TGA"          # Trp in table 4, codon i of the ORF (the start is codon 0)
        return "ATG" + "".join(body) + "TAA"

    def feature(self, type_: str, tag: str, name: str, parts, **extra) -> None:
        locations = [FeatureLocation(s, e, strand) for s, e, strand in parts]
        location = locations[0] if len(locations) == 1 else CompoundLocation(locations)
        qualifiers = {"locus_tag": [tag], "gene": [name], "product": [f"{name} product"], **extra}
        if type_ == "CDS":
            qualifiers.update(transl_table=[str(self.table)], codon_start=["1"])
        self.features.append(SeqFeature(location, type=type_, qualifiers=qualifiers))

    def write(self, path, accession: str, topology: str = "circular"):
        record = SeqRecord(Seq("".join(self.dna)), id=accession, name=accession.split(".")[0],
                           description="synthetic plastid-like test genome", features=self.features,
                           annotations={"molecule_type": "DNA", "topology": topology})
        SeqIO.write(record, path, "genbank")
        return path


def write_plastid(path, table: int = 11, knockout_gene: bool = True):
    """Origin-spanning CDS ORI; cis-spliced petB (+) and ndhA (-); trans-spliced rps12
    (join(complement(exon 1), exon 2, exon 3)); trnK (-) whose intron holds matK; trnL (+) with
    a free intron; frameshifted prfB (+1, /ribosomal_slippage); psbA; ycf15 (knocked out in the
    policies); an rRNA. Exon boundaries split codons, and in table 4 a TGA straddles them."""
    g = GenomeWriter(table)
    ori = g.orf(70, tga_at=(30,))
    tail = g.put(ori[150:], 1)                          # the ORF's 3' end opens the sequence
    g.spacer(120)
    psba = g.orf(60, tga_at=(10,))
    g.feature("CDS", "PL_0002", "psbA", [g.put(psba, -1)])
    g.spacer(150)
    petb = g.orf(90, tga_at=(40,))                      # exon boundary inside codon 40 (TGA)
    e1 = g.put(petb[:121], 1)
    g.spacer(300)                                       # intron
    e2 = g.put(petb[121:], 1)
    g.feature("CDS", "PL_0003", "petB", [e1, e2])
    g.spacer(100)
    rps12 = g.orf(80, tga_at=(50,))
    r1 = g.put(rps12[:115], -1)                         # exon 1, far from exons 2 and 3
    g.spacer(200)
    ndha = g.orf(100, tga_at=(20,))
    n2 = g.put(ndha[200:], -1)                          # minus strand: exon 2 lies left of exon 1
    g.spacer(250)
    n1 = g.put(ndha[:200], -1)
    g.feature("CDS", "PL_0005", "ndhA", [n1, n2])
    g.spacer(150)
    trnk = "".join(g.rng.choice("ACGT") for _ in range(72))
    k2 = g.put(trnk[37:], -1)                           # trnK exon 2, then its intron with matK in it
    g.spacer(80)
    matk = g.orf(120, tga_at=(60,))
    g.feature("CDS", "PL_0007", "matK", [g.put(matk, -1)])
    g.spacer(90)
    k1 = g.put(trnk[:37], -1)
    g.feature("tRNA", "PL_0006", "trnK-UUU", [k1, k2])
    g.spacer(120)
    trnl = "".join(g.rng.choice("ACGT") for _ in range(85))
    l1 = g.put(trnl[:35], 1)
    g.spacer(200)
    l2 = g.put(trnl[35:], 1)
    g.feature("tRNA", "PL_0008", "trnL-UAA", [l1, l2])
    g.spacer(130)
    shifted = g.orf(50, tga_at=(25,))
    s1 = g.put(shifted[:75], 1)
    g.spacer(1)                                         # the base the ribosome skips (+1 frameshift)
    s2 = g.put(shifted[75:], 1)
    g.feature("CDS", "PL_0009", "prfB", [s1, s2], ribosomal_slippage=[""])
    g.spacer(140)
    x2 = g.put(rps12[115:190], 1)                       # rps12 exons 2 and 3, intron between
    g.spacer(220)
    x3 = g.put(rps12[190:], 1)
    g.feature("CDS", "PL_0004", "rps12", [r1, x2, x3], trans_splicing=[""])
    g.spacer(160)
    if knockout_gene:
        g.feature("CDS", "PL_0010", "ycf15", [g.put(g.orf(40, tga_at=(5,)), 1)])
        g.spacer(110)
    g.feature("rRNA", "PL_0011", "rrn5", [g.put("".join(g.rng.choice("ACGT") for _ in range(120)), 1)])
    g.spacer(100)
    head = g.put(ori[:150], 1)                          # the ORF's 5' end closes the sequence
    g.feature("CDS", "PL_0001", "ori", [head, tail])
    g.features.sort(key=lambda f: int(f.location.start))
    return g.write(path, f"PLT{table:05d}.1")


def _policy(tmp_path, genome, table: int, knockouts=("ycf15",)):
    code = "\n    genetic_code: recode" if table == 4 else ""
    return write_policy(tmp_path / "plastid.yaml", f"""
schema_version: 1
name: plastid
vms:
  - id: vm1
    genome: {genome.name}
    ribosomes: {{share: 0.2, pool: orthogonal}}{code}
    knockouts: [{", ".join(knockouts)}]
simulate:
  until: 1 h
  points: 7
""")


def _passed(design):
    for _, apply in PIPELINE:
        design = apply(design)
    return design


def _tag(feature):
    return feature.qualifiers.get("locus_tag", [""])[0]


def _refactored_cds(image):
    return {_tag(f): f for f in image.features if f.type == "CDS" and "pseudo" not in f.qualifiers
            and not any("NOT REFACTORED" in n for n in f.qualifiers.get("note", []))}


def _original_proteins(path):
    record = SeqIO.read(path, "genbank")
    return {_tag(f): str(f.extract(record.seq).translate(table=int(f.qualifiers["transl_table"][0])))
            for f in record.features if f.type == "CDS" and "pseudo" not in f.qualifiers}


def check_image_makes_every_protein_plus_degron(image, original_path, vm, knocked=()) -> dict:
    """The acceptance property; returns locus tag -> image protein length (aa, no stop)."""
    original = _original_proteins(original_path)
    native = unrefactorable(vm.genome)
    made = {tag: str(f.extract(image.seq).translate(table=11)) for tag, f in _refactored_cds(image).items()}
    assert set(made) == set(original) - set(native) - set(knocked)
    for tag, protein in made.items():
        assert protein == original[tag].rstrip("*") + vm.parts.tag + "*", tag
        assert "*" not in protein[:-1], tag
    return {tag: len(protein) - 1 for tag, protein in made.items()}


def model_lengths(build, vm) -> dict:
    """Locus tag -> the model's protein length n_<vm>_<gene> (gene resolution)."""
    parameters = {p.name: p.value for p in build.builder.model.parameters}
    return {g.locus_tag: parameters[f"n_{vm.id}_{mangle(g.locus_tag)}"] for g in vm.genome.genes
            if g.is_coding and f"n_{vm.id}_{mangle(g.locus_tag)}" in parameters}


# --- the genome as read and laid out ---------------------------------------------------

def test_docstring_examples_hold():
    import doctest

    import bioxen.backend.images
    import bioxen.genome.layout
    for module in (bioxen.genome.layout, bioxen.backend.images):
        assert doctest.testmod(module).failed == 0, module.__name__


@pytest.fixture(scope="module")
def plastid_path(tmp_path_factory):
    return write_plastid(tmp_path_factory.mktemp("plastid") / "PLT00011.1.gb")


@pytest.fixture(scope="module")
def plastid(plastid_path):
    return read_genome(plastid_path)


def test_joints_tell_introns_trans_splicing_frameshifts_and_the_origin(plastid):
    genes = plastid.by_locus_tag()
    joints = {tag: gene_layout(genes[tag], plastid).joints for tag in
              ("PL_0001", "PL_0003", "PL_0004", "PL_0005", "PL_0006", "PL_0009")}
    assert joints == {"PL_0001": ("contiguous",), "PL_0003": ("intron",), "PL_0004": ("trans", "intron"),
                      "PL_0005": ("intron",), "PL_0006": ("intron",), "PL_0009": ("frameshift",)}
    assert unrefactorable(plastid).keys() == {"PL_0009"}
    assert "frameshift" in unrefactorable(plastid)["PL_0009"]
    assert joint((0, 90, 1), (89, 200, 1), plastid) == "frameshift"      # -1: parts overlap


def test_each_reason_a_cds_cannot_be_refactored_is_named(plastid):
    petb, psba = plastid.find("PL_0003"), plastid.find("PL_0002")      # psbA: minus strand
    assert "ribosomal_slippage" in refactor_problem(replace(petb, ribosomal_slippage=True), plastid)
    assert "mid-codon" in refactor_problem(replace(petb, codon_start=2), plastid)
    assert "not a stop codon" in refactor_problem(replace(psba, start=psba.start + 3), plastid)
    assert "whole number of codons" in refactor_problem(replace(psba, start=psba.start + 1), plastid)
    assert refactor_problem(petb, plastid) is None


def test_a_cds_without_a_stop_is_left_native_and_the_rest_is_refactored(compiled):
    _, vm, _, _ = compiled
    genes = tuple(replace(g, start=g.start + 3) if g.locus_tag == "PL_0002" else g for g in vm.genome.genes)
    image = vm_image(replace(vm, genome=replace(vm.genome, genes=genes)))
    psba = next(f for f in image.features if f.type == "CDS" and _tag(f) == "PL_0002")
    assert "NOT REFACTORED" in psba.qualifiers["note"][0] and "not a stop codon" in psba.qualifiers["note"][0]
    assert {"PL_0001", "PL_0003", "PL_0004", "PL_0005", "PL_0007"} <= set(_refactored_cds(image))


def test_turning_a_circular_genome_keeps_every_gene_and_frees_the_origin(plastid):
    turned, turn = origin_free(plastid)
    assert turn > 0 and turned.sequence == plastid.sequence[turn:] + plastid.sequence[:turn]
    before, after = plastid.by_locus_tag(), turned.by_locus_tag()
    for tag, gene in before.items():
        assert turned.gene_sequence(after[tag]) == plastid.gene_sequence(gene), tag
    assert after["PL_0001"].parts == ()                  # one contiguous CDS once turned


# --- the VM image ------------------------------------------------------------------------

@pytest.fixture(scope="module", params=[11, 4], ids=["table11", "table4-recoded"])
def compiled(request, tmp_path_factory):
    """The plastid genome under table 11 (native code) and table 4 (recoded), through the passes
    (ycf15 knocked out), its image and its compiled model."""
    table = request.param
    directory = tmp_path_factory.mktemp(f"plastid{table}")
    path = write_plastid(directory / f"PLT{table:05d}.1.gb", table)
    design = read_design(_policy(directory, path, table))
    build = compile_design(design)
    vm = build.design.vms[0]
    return path, vm, vm_image(vm), build


def test_image_makes_every_original_protein_plus_the_degron(compiled):
    path, vm, image, _ = compiled
    check_image_makes_every_protein_plus_degron(image, path, vm, knocked={"PL_0010"})


def test_model_protein_length_is_the_image_protein_length(compiled):
    path, vm, image, build = compiled
    built = check_image_makes_every_protein_plus_degron(image, path, vm, knocked={"PL_0010"})
    model = model_lengths(build, vm)
    assert {tag: model[tag] for tag in built} == built
    genes = vm.genome.by_locus_tag()
    assert model["PL_0004"] == 81 + len(vm.parts.tag)           # rps12: ATG and 80 codons, spliced
    assert model["PL_0009"] == genes["PL_0009"].protein_length == 51   # prfB: native, no degron
    spec = outputs_spec(build)["vms"]["vm1"]["protein_lengths_aa"]
    assert sorted(spec.values()) == sorted(model.values())


def test_spliced_genes_carry_their_mature_sequence_and_where_each_exon_came_from(compiled):
    path, vm, image, _ = compiled
    original = {_tag(f): f for f in SeqIO.read(path, "genbank").features}
    cds = _refactored_cds(image)
    for tag in ("PL_0003", "PL_0004", "PL_0005"):
        note = " ".join(cds[tag].qualifiers["note"])
        assert "spliced" in note and len(cds[tag].location.parts) == 1, tag
        for part in original[tag].location.parts:
            where = f"{int(part.start) + 1}..{int(part.end)}"
            assert (where if part.strand == 1 else f"complement({where})") in note, (tag, where)
    assert "trans-spliced" in " ".join(cds["PL_0004"].qualifiers["note"])


def test_a_gene_in_an_intron_appears_once_and_joined_trnas_are_mature(compiled, plastid):
    path, vm, image, _ = compiled
    record, seq = SeqIO.read(path, "genbank"), str(image.seq)
    counts = {}
    for feature in image.features:
        counts[_tag(feature), feature.type] = counts.get((_tag(feature), feature.type), 0) + 1
    assert counts["PL_0007", "CDS"] == 1 and counts["PL_0006", "tRNA"] == 1
    trnas = {_tag(f): f for f in image.features if f.type == "tRNA"}
    for tag, feature in trnas.items():
        mature = str(next(f for f in record.features if _tag(f) == tag).extract(record.seq))
        assert str(feature.extract(image.seq)) == mature and len(feature.location.parts) == 1, tag
        assert seq.count(mature) + seq.count(reverse_complement(mature)) == 1, tag
    matk = str(_refactored_cds(image)["PL_0007"].extract(image.seq))
    assert seq.count(matk) + seq.count(reverse_complement(matk)) == 1
    # trnK's intron holds matK and stays; trnL's intron holds nothing and goes
    assert "kept in place" in trnas["PL_0006"].qualifiers["note"][0]
    assert "kept in place" not in trnas["PL_0008"].qualifiers["note"][0]


def test_the_origin_spanning_gene_is_one_cassette_of_a_turned_image(compiled):
    _, _, image, _ = compiled
    source = image.features[0]
    assert any("turned so that no gene spans the origin" in n for n in source.qualifiers["note"])
    ori = _refactored_cds(image)["PL_0001"]
    assert len(ori.location.parts) == 1 and 0 < ori.location.start < ori.location.end <= len(image)


def test_a_frameshifted_gene_is_left_native_with_a_warning_naming_it(compiled):
    path, vm, image, build = compiled
    prfb = next(f for f in image.features if f.type == "CDS" and _tag(f) == "PL_0009")
    note = prfb.qualifiers["note"][0]
    assert "NOT REFACTORED" in note and "frameshift" in note
    assert "ribosomal_slippage" in prfb.qualifiers and len(prfb.location.parts) == 2
    original = _original_proteins(path)["PL_0009"]          # what E. coli makes of it: recoded in place
    assert str(prfb.extract(image.seq).translate(table=11)) == original
    assert prfb.qualifiers["transl_table"] == ["11"]
    warnings = refactoring_warnings(build.design)
    assert len(warnings) == 1
    assert "PL_0009 (prfB)" in warnings[0] and "knockouts" in warnings[0]
    # the model: host ribosomes, no degron, no gate
    monomers = {m.name: m for m in build.builder.model.monomers}
    protein, mrna = monomers["protein_vm1_PL__0009"], monomers["mRNA_vm1_PL__0009"]
    assert protein.sites == [] and "sd" not in mrna.sites
    assert any(r.name == "initiation_vm1_PL__0009" and "ribosome(" in str(r.rule_expression)
               for r in build.builder.model.rules)


def test_a_knocked_out_gene_is_deleted_from_the_image_and_listed(compiled):
    path, vm, image, build = compiled
    assert "PL_0010" not in {_tag(f) for f in image.features}
    record = SeqIO.read(path, "genbank")
    ycf15 = str(next(f for f in record.features if _tag(f) == "PL_0010").extract(record.seq))
    assert ycf15 not in str(image.seq)
    notes = image.features[0].qualifiers["note"]
    assert any("knocked out by policy" in n and "PL_0010 (ycf15)" in n for n in notes)
    assert not any("PL_0010" in tags for tags in build.builder.monomer_tags.values())


def test_knocking_out_the_frameshifted_gene_silences_its_warning(tmp_path):
    path = write_plastid(tmp_path / "PLT00011.1.gb")
    design = _passed(read_design(_policy(tmp_path, path, 11, knockouts=("ycf15", "prfB"))))
    assert refactoring_warnings(design) == []
    image = vm_image(design.vms[0])
    assert {"PL_0009", "PL_0010"}.isdisjoint({_tag(f) for f in image.features})


def test_every_gene_is_written_once_and_the_image_reads_back(compiled):
    _, vm, image, _ = compiled
    written = [(_tag(f), f.type) for f in image.features
               if f.type in ("CDS", "tRNA", "rRNA")]
    assert len(written) == len(set(written)) == len(vm.genome.genes) - 1    # ycf15 knocked out
    handle = io.StringIO()
    SeqIO.write(image, handle, "genbank")
    handle.seek(0)
    again = SeqIO.read(handle, "genbank")
    assert str(again.seq) == str(image.seq) and len(again.features) == len(image.features)


# --- end to end --------------------------------------------------------------------------

def test_plastid_genome_compiles_with_the_default_formats_and_runs(tmp_path):
    path = write_plastid(tmp_path / "PLT00011.1.gb")
    design = read_design(_policy(tmp_path, path, 11))
    out = tmp_path / "build"
    build = pipeline.build(design, out, use_cache=False).build
    for name in ("model.xml", "model.bngl", "vm_vm1.gb", "hypervisor.gb", "design.nt", "outputs.json"):
        assert (out / name).is_file(), name
    vm = build.design.vms[0]
    image = SeqIO.read(out / "vm_vm1.gb", "genbank")
    built = check_image_makes_every_protein_plus_degron(image, path, vm, knocked={"PL_0010"})
    spec = json.loads((out / "outputs.json").read_text())["vms"]["vm1"]
    lengths = {f"protein_vm1_{mangle(tag)}": n for tag, n in built.items()}
    assert {sid: n for sid, n in spec["protein_lengths_aa"].items() if sid in lengths} == lengths
    assert spec["protein_lengths_aa"]["protein_vm1_PL__0009"] == 51
    bngl = re.search(rf"^\s*n_vm1_{mangle('PL_0004')}\s+(\S+)", (out / "model.bngl").read_text(), re.M)
    assert float(bngl.group(1)) == built["PL_0004"]
    hypervisor = next(SeqIO.parse(out / "hypervisor.gb", "genbank"))   # the core; the reporter, built like VM genes
    reporter = next(f for f in hypervisor.features if f.type == "CDS" and _tag(f) == "hv_vm1_reporter")
    made = str(reporter.extract(hypervisor.seq).translate(table=11))
    assert {p.name: p.value for p in build.builder.model.parameters}["n_reporter_vm1"] == len(made) - 1
    full = outputs_spec(build)
    outputs = Outputs(full["host"], full["vms"])
    table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), outputs, 60, 7)
    protein = table["vm1_protein_total"]
    assert protein.notna().all() and protein.iloc[-1] > protein.iloc[0]


def test_operon_resolution_keeps_the_native_gene_apart(tmp_path):
    path = write_plastid(tmp_path / "PLT00011.1.gb")
    design = read_design(_policy(tmp_path, path, 11))
    design = _passed(replace(design, vms=tuple(replace(vm, resolution="operon", operon_max_gap=300)
                                               for vm in design.vms)))
    units = {u.locus_tags: u for u in design.vms[0].units if u.coding}
    assert ("PL_0009",) in units
    assert all("PL_0009" not in tags or len(tags) == 1 for tags in units)


# --- Syn3A ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_syn3a_model_lengths_are_its_image_protein_lengths(tmp_path, genome_path, shared):
    """Syn3A (table 4, recoded): every protein of its image is the original plus the degron, and
    every gene's n_<gene> in the model is its image protein's length (rules only, no network)."""
    policy = write_policy(tmp_path / "syn3a.yaml", """
schema_version: 1
vms:
  - {id: vm1, genome: CP016816.2, ribosomes: {share: 0.25}, genetic_code: recode}
""")
    design = _passed(read_design(policy))
    vm = design.vms[0]
    built = check_image_makes_every_protein_plus_degron(vm_image(vm), shared / "genomes" / "CP016816.2.gb", vm)
    builder, _ = build_model(design)
    parameters = {p.name: p.value for p in builder.model.parameters}
    model = {tag: parameters[f"n_vm1_{mangle(tag)}"] for tag in built}
    assert len(built) == 455 and model == built
