"""SBOL3 back end: small synthetic records through real pySBOL3, written and read back."""
from __future__ import annotations

import doctest
import random
import time

import pytest
import sbol3
from Bio.Seq import Seq
from Bio.SeqFeature import CompoundLocation, SeqFeature, SimpleLocation
from Bio.SeqRecord import SeqRecord

import bioxen.backend.sbol
from bioxen.backend.sbol import (DEGRADATION_TAG, to_sbol3, validation_errors,
                                 validation_issues, write_sbol3)
from bioxen.errors import CompileError
from bioxen.names import unmangle

NS = "https://bioxen.dev/test"
SO = "https://identifiers.org/SO:"
ORIENTATION = {1: sbol3.SBOL_INLINE, -1: sbol3.SBOL_REVERSE_COMPLEMENT}


def _feature(start, end, strand, type_, **qualifiers):
    return SeqFeature(SimpleLocation(start, end, strand=strand), type=type_,
                      qualifiers={k: [v] for k, v in qualifiers.items()})


def _record(sequence: str, record_id: str, features, topology="linear") -> SeqRecord:
    return SeqRecord(Seq(sequence), id=record_id, name=record_id.split(".")[0],
                     description=f"{record_id} test record", features=features,
                     annotations={"molecule_type": "DNA", "topology": topology})


@pytest.fixture
def guest() -> SeqRecord:
    """A refactored guest genome: genes on both strands, an RBS, a tag, a run of N."""
    rng = random.Random(7)
    sequence = list("".join(rng.choice("ACGT") for _ in range(600)))
    sequence[400:450] = "N" * 50  # a part whose body is not known yet
    features = [
        _feature(0, 600, 1, "source", organism="synthetic"),
        _feature(10, 40, 1, "5'UTR", locus_tag="SYN_0001"),
        SeqFeature(SimpleLocation(28, 34, strand=1), type="regulatory",
                   qualifiers={"regulatory_class": ["ribosome_binding_site"],
                               "locus_tag": ["SYN_0001"], "note": ["SD of pool o1"]}),
        _feature(40, 130, 1, "CDS", locus_tag="SYN_0001", gene="rpsL-1", product="30S protein S12"),
        _feature(130, 160, 1, "misc_feature", locus_tag="SYN_0001", label="pdt1 tag",
                 so_term=DEGRADATION_TAG, note="degradation tag"),
        _feature(200, 290, -1, "CDS", locus_tag="SYN_0002", product="hypothetical protein"),
        _feature(300, 376, 1, "tRNA", locus_tag="SYN_T001", product="tRNA-Trp"),
        _feature(380, 480, -1, "rRNA", locus_tag="SYN_R001", label="16S rRNA"),
        SeqFeature(CompoundLocation([SimpleLocation(500, 530, strand=1),
                                     SimpleLocation(540, 570, strand=1)]),
                   type="CDS", qualifiers={"locus_tag": ["SYN_0003"], "gene": ["dnaX"]}),
        _feature(580, 600, 1, "misc_feature", note="scar"),
        SeqFeature(CompoundLocation([SimpleLocation(480, 495, strand=-1),  # complement(join(...)):
                                     SimpleLocation(160, 190, strand=-1)]),  # 3' part first
                   type="CDS", qualifiers={"locus_tag": ["SYN_0004"], "gene": ["splitA"]}),
    ]
    return _record("".join(sequence), "SYN00001.1", features)


@pytest.fixture
def hypervisor() -> SeqRecord:
    rng = random.Random(8)
    sequence = "".join(rng.choice("ACGT") for _ in range(300))
    features = [
        _feature(0, 35, 1, "promoter", label="P_hv"),
        _feature(40, 140, 1, "rRNA", label="o-16S rRNA", note="anti-SD CCUCCU -> GGAGGA"),
        _feature(150, 200, -1, "ncRNA", label="gate sRNA vm1"),
        _feature(205, 280, 1, "CDS", label="mf_lon_vm1", product="mf-Lon protease"),
        _feature(280, 300, 1, "terminator", label="T_hv"),
    ]
    return _record(sequence, "hypervisor", features, topology="circular")


def _sbol_parts(records):
    """Per record: the features SBOL should carry (every one but ``source``)."""
    return [[f for f in r.features if f.type != "source"] for r in records]


def _component(doc: sbol3.Document, record: SeqRecord) -> sbol3.Component:
    return next(c for c in doc.objects if isinstance(c, sbol3.Component) and c.name == record.name)


def _locations(feature: sbol3.SequenceFeature) -> list[sbol3.Location]:
    """A feature's locations in their ``order`` (RDF keeps no list order)."""
    return sorted(feature.locations, key=lambda location: location.order or 0)


def _sbol_slice(elements: str, feature: sbol3.SequenceFeature) -> str:
    """The bases a SequenceFeature covers, read 5' to 3' on its own strand."""
    parts = []
    for location in _locations(feature):
        text = elements[location.start - 1:location.end]  # SBOL3: 1-based, inclusive
        if location.orientation == sbol3.SBOL_REVERSE_COMPLEMENT:
            text = str(Seq(text).reverse_complement())
        parts.append(text)
    return "".join(parts)


def test_docstring_examples_hold():
    assert doctest.testmod(bioxen.backend.sbol).failed == 0


def test_design_is_valid_sbol3(guest, hypervisor):
    issues = validation_issues(to_sbol3([guest, hypervisor], namespace=NS))
    assert issues["errors"] == []
    assert issues["warnings"] == []


def _expected_bounds(feature: SeqFeature) -> tuple:
    """Biopython [start, end), 0-based, as SBOL3 (start + 1, end), 1-based inclusive."""
    return tuple((int(p.start) + 1, int(p.end)) for p in feature.location.parts)


def _bounds(feature: sbol3.SequenceFeature) -> tuple:
    return tuple((loc.start, loc.end) for loc in _locations(feature))


def test_round_trip_keeps_components_sequences_features_and_coordinates(guest, hypervisor,
                                                                        tmp_path):
    records = [guest, hypervisor]
    path = tmp_path / "design.ttl"
    write_sbol3(to_sbol3(records, namespace=NS, design_name="two vms"), path)
    doc = sbol3.Document()
    doc.read(str(path), file_format=sbol3.TURTLE)  # sorted N-Triples is Turtle too

    components = [o for o in doc.objects if isinstance(o, sbol3.Component)]
    sequences = [o for o in doc.objects if isinstance(o, sbol3.Sequence)]
    assert len(components) == len(records) + 1 and len(sequences) == len(records)
    for record, expected in zip(records, _sbol_parts(records)):
        component = _component(doc, record)
        assert sbol3.SBO_DNA in component.types and component.roles == [sbol3.SO_ENGINEERED_REGION]
        elements = doc.find(component.sequences[0]).elements
        assert elements == str(record.seq).lower()
        # RDF keeps no feature order: pair them up by location
        features = sorted(component.features, key=_bounds)
        expected = sorted(expected, key=_expected_bounds)
        assert [_bounds(f) for f in features] == [_expected_bounds(f) for f in expected]
        for sbol_feature, feature in zip(features, expected):
            strand = ORIENTATION[feature.location.strand]
            assert sbol_feature.orientation == strand
            assert all(loc.orientation == strand for loc in sbol_feature.locations)
            assert _sbol_slice(elements, sbol_feature) == str(feature.extract(record.seq)).lower()


def test_ranges_are_one_based_inclusive_with_strand_as_orientation(guest):
    component = _component(to_sbol3([guest], namespace=NS), guest)
    by_name = {f.name: f for f in component.features}
    forward, reverse = by_name["rpsL-1"], by_name["SYN_0002"]  # [40, 130) +1 and [200, 290) -1
    assert (forward.locations[0].start, forward.locations[0].end) == (41, 130)
    assert forward.orientation == forward.locations[0].orientation == sbol3.SBOL_INLINE
    assert (reverse.locations[0].start, reverse.locations[0].end) == (201, 290)
    assert reverse.orientation == reverse.locations[0].orientation == sbol3.SBOL_REVERSE_COMPLEMENT
    joined = by_name["dnaX"]
    assert [(r.order, r.start, r.end) for r in joined.locations] == [(1, 501, 530), (2, 541, 570)]
    reverse_joined = by_name["splitA"]
    assert [(r.order, r.start, r.end) for r in reverse_joined.locations] == \
        [(1, 481, 495), (2, 161, 190)]
    last = by_name["misc_feature"]  # [580, 600) ends on the last base
    assert (last.locations[0].start, last.locations[0].end) == (581, 600)


def test_roles_names_and_descriptions(guest, hypervisor):
    doc = to_sbol3([guest, hypervisor], namespace=NS)
    roles = {f.name: f.roles[0].removeprefix(SO) for r in (guest, hypervisor)
             for f in _component(doc, r).features if f.name != "SYN_0001"}
    assert roles == {
        "rpsL-1": "0000316", "pdt1 tag": "0001955", "SYN_0002": "0000316",
        "SYN_T001": "0000253", "16S rRNA": "0000252", "dnaX": "0000316", "splitA": "0000316",
        "misc_feature": "0000001",
        "P_hv": "0000167", "o-16S rRNA": "0000252", "gate sRNA vm1": "0000655",
        "mf_lon_vm1": "0000316", "T_hv": "0000141"}
    utr_and_rbs = sorted(f.roles[0].removeprefix(SO) for f in _component(doc, guest).features
                         if f.name == "SYN_0001")  # both are named by their locus tag
    assert utr_and_rbs == ["0000139", "0000204"]
    tag = next(f for f in _component(doc, guest).features if f.name == "pdt1 tag")
    assert tag.description == "locus_tag: SYN_0001; note: degradation tag"
    assert _component(doc, hypervisor).types == [sbol3.SBO_DNA, sbol3.SO_CIRCULAR]


def test_design_component_instances_every_record(guest, hypervisor):
    doc = to_sbol3([guest, hypervisor], namespace=NS, design_name="two vms")
    design = doc.find(f"{NS}/two_20vms")
    assert design.name == "two vms" and design.types == [sbol3.SBO_FUNCTIONAL_ENTITY]
    assert sorted(sc.instance_of for sc in design.features) == \
        sorted(_component(doc, r).identity for r in (guest, hypervisor))


def test_identifiers_are_valid_unique_and_reversible(guest):
    twin = guest[:]  # same id: a second copy of the genome
    twin.id, twin.name = guest.id, "SYN00001 copy"
    doc = to_sbol3([guest, twin], namespace=NS, design_name=guest.id)
    ids = [o.display_id for o in doc.objects]
    assert len(set(ids)) == len(ids) and all(sbol3.is_valid_display_id(i) for i in ids)
    assert {unmangle(i) for i in ids if not i.endswith("_sequence")} == \
        {"SYN00001.1", "SYN00001.1#2", "SYN00001.1#3"}
    assert validation_errors(doc) == []


def test_unknown_sequence_becomes_n():
    record = SeqRecord(Seq(None, 120), id="placeholder", name="placeholder",
                       annotations={"molecule_type": "DNA"},
                       features=[_feature(0, 60, 1, "CDS", locus_tag="X_0001")])
    doc = to_sbol3([record], namespace=NS)
    sequence = next(o for o in doc.objects if isinstance(o, sbol3.Sequence))
    assert sequence.elements == "n" * 120 and validation_errors(doc) == []


def test_bad_records_are_reported_together(guest):
    beyond = _record("ACGT" * 10, "short.1", [_feature(30, 60, 1, "CDS", locus_tag="S_0001"),
                                              _feature(5, 5, 1, "misc_feature", note="site")])
    protein = SeqRecord(Seq("MKV"), id="prot", annotations={"molecule_type": "protein"})
    letters = _record("ACGU*", "odd.1", [])
    with pytest.raises(CompileError) as caught:
        to_sbol3([guest, beyond, protein, letters])
    messages = [e.message for e in caught.value.errors]
    assert len(messages) == 4
    assert "S_0001" in messages[0] and "length 40" in messages[0]
    assert "misc_feature at [5:5](+) has no length" in messages[1]
    assert "'protein'" in messages[2] and "'*u'" in messages[3]


def test_write_refuses_an_invalid_document(guest, tmp_path):
    doc = to_sbol3([guest], namespace=NS)
    next(f for f in _component(doc, guest).features if f.name == "rpsL-1").locations[0].end = 0
    with pytest.raises(CompileError, match="generated SBOL3 is invalid"):
        write_sbol3(doc, tmp_path / "bad.ttl")
    assert not (tmp_path / "bad.ttl").exists()


@pytest.mark.slow
def test_genome_sized_record_converts_in_seconds(tmp_path):
    rng = random.Random(3)
    sequence = "".join(rng.choices("ACGT", k=550_000))
    features = [_feature(i * 360, i * 360 + 300, 1 if i % 2 else -1, "CDS",
                         locus_tag=f"BIG_{i:04d}", gene=f"big{i}") for i in range(1500)]
    record = _record(sequence, "BIG00001.1", features, topology="circular")
    start = time.perf_counter()
    doc = to_sbol3([record], namespace=NS)
    converted = time.perf_counter()
    write_sbol3(doc, tmp_path / "big.ttl")
    written = time.perf_counter()
    print(f"\n550 kb, 1,500 features: to_sbol3 {converted - start:.2f} s, "
          f"write_sbol3 (validate + write) {written - converted:.2f} s")
    assert len(_component(doc, record).features) == 1500


def test_documents_of_many_records_are_not_searched_feature_by_feature(monkeypatch):
    """pySBOL3's Document.add looks each new object's URI up through every object already in
    the document, children included. Components are added before their features are owned, so
    the look-ups do not grow with the features: eight Syn3A VMs' 15,000 features made the
    document quadratic in its size (20.5 s). The document is the same either way."""
    calls = {"find": 0}
    find = sbol3.object.SBOLObject.find

    def counted(self, search):
        calls["find"] += 1
        return find(self, search)

    monkeypatch.setattr(sbol3.object.SBOLObject, "find", counted)
    rng = random.Random(5)

    def records(features: int) -> list[SeqRecord]:
        return [_record("".join(rng.choices("ACGT", k=features * 40)), f"REC{r:05d}.1",
                        [_feature(i * 40, i * 40 + 30, 1, "CDS", locus_tag=f"R{r}_{i}") for i in range(features)])
                for r in range(6)]

    looked_up = []
    for features in (20, 400):
        calls["find"] = 0
        doc = to_sbol3(records(features), namespace=NS)
        looked_up.append(calls["find"])
        assert sum(len(c.features) for c in doc.objects if isinstance(c, sbol3.Component)) == 6 * features + 6
    assert looked_up[0] == looked_up[1] < 500, looked_up


def test_a_design_of_several_genomes_is_written_in_two_processes_byte_for_byte(monkeypatch, tmp_path):
    """Records in two halves of at least SPLIT_FEATURES features: a forked child writes one
    half's components, this process the rest and the design; the merged text is the whole
    document's sorted N-Triples, byte for byte, and reads back whole. Below the threshold
    nothing is forked."""
    from bioxen import forked

    rng = random.Random(11)
    records = [_record("".join(rng.choices("ACGT", k=2_000)), f"GEN{r:05d}.1",
                       [_feature(i * 20, i * 20 + 15, 1 if i % 2 else -1, "CDS", locus_tag=f"G{r}_{i}", gene=f"g{i}")
                        for i in range(n)], topology="circular")
               for r, n in enumerate((60, 45, 40, 3))]
    forks = []
    real = forked.Forked

    def counted(work, label):
        forks.append(label)
        return real(work, label)

    monkeypatch.setattr(forked, "Forked", counted)
    whole = tmp_path / "whole.nt"
    bioxen.backend.sbol.write_sbol3(to_sbol3(records, namespace=NS, design_name="two halves"), whole)
    monkeypatch.setattr(bioxen.backend.sbol, "SPLIT_FEATURES", 70)       # halves of 63 and 85 features
    bioxen.backend.sbol.write_design_sbol3(records, tmp_path / "one.nt", namespace=NS, design_name="two halves")
    assert forks == []
    monkeypatch.setattr(bioxen.backend.sbol, "SPLIT_FEATURES", 50)
    split = tmp_path / "split.nt"
    bioxen.backend.sbol.write_design_sbol3(records, split, namespace=NS, design_name="two halves")
    assert forks == ["writing SBOL3"]
    assert split.read_bytes() == whole.read_bytes() == (tmp_path / "one.nt").read_bytes()
    document = sbol3.Document()
    document.read(str(split))
    assert not document.validate().errors
    design = next(c for c in document.objects if isinstance(c, sbol3.Component) and c.name == "two halves")
    assert len(design.features) == 4
    with pytest.raises(CompileError, match=r"\.nt or \.ttl"):
        bioxen.backend.sbol.write_design_sbol3(records, tmp_path / "design.sbol3", namespace=NS)


def test_write_names_the_format_by_the_suffix_readers_infer(guest, tmp_path):
    doc = to_sbol3([guest], namespace=NS)
    with pytest.raises(CompileError, match=r"\.nt or \.ttl"):
        write_sbol3(doc, tmp_path / "design.sbol3")
    write_sbol3(doc, tmp_path / "design.nt")
    document = sbol3.Document()
    document.read(str(tmp_path / "design.nt"))   # no file_format: pySBOL3 infers it from the suffix
    assert len(document.objects) == len(doc.objects)


def test_a_builds_design_opens_by_its_name_and_is_named_once(tmp_path, synthetic_genbank):
    """design.nt opens in pySBOL3 with no format given, is valid, and the design's display id is
    its name mangled once (``two_vm_design`` -> ``two__vm__design``, not ``two____vm____design``)."""
    from bioxen.backend.compile import compile_design, write_build
    from bioxen.backend.sbol import SBOL3_FILE
    from bioxen.frontend import read_design
    from conftest import write_policy

    policy = write_policy(tmp_path / "p.yaml", f"""
schema_version: 1
name: two_vm_design
vms:
  - {{id: vm1, genome: {synthetic_genbank.name}, genetic_code: recode}}
""")
    out = write_build(compile_design(read_design(policy)), tmp_path / "build", formats=["dna"])
    assert SBOL3_FILE == "design.nt" and (out / "design.nt").is_file()
    document = sbol3.Document()
    document.read(str(out / "design.nt"))
    assert validation_errors(document) == []
    design = next(o for o in document.objects if isinstance(o, sbol3.Component) and o.name == "two_vm_design")
    assert design.display_id == "two__vm__design" and unmangle(design.display_id) == "two_vm_design"
    assert design.identity == "https://bioxen.dev/design/two__vm__design"
