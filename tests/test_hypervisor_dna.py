"""The hypervisor's DNA from sourced parts (issue 20): every model gene a cassette, no N, a source
for every part, no avoidable repeat, and the bill of materials (bioxen.backend.images, .bom)."""
from __future__ import annotations

import csv

import pytest
from Bio.Seq import reverse_complement

from bioxen.backend.bom import COLUMNS, write_bom
from bioxen.backend.images import REPEAT, hypervisor_constructs, vm_images
from bioxen.backend.model import hypervisor_genes
from bioxen.backend.sequence_qa import check_construct, check_constructs, direct_repeats
from bioxen.cello import load_cello
from bioxen.frontend import read_design
from bioxen.passes import run_passes

from conftest import ROOT, write_policy, write_synthetic_genbank


def cassette_of(gene: str) -> str:
    """The locus tag of a model gene's cassette (a VM's genes are hv_<vm>_<what>, the rest hv_<gene>)."""
    for what, prefix in (("protease", "protease_"), ("reporter", "reporter_"),
                         ("pulse_repressor", "pulse_repressor_protease_")):
        if gene.startswith(prefix):
            return f"hv_{gene[len(prefix):]}_{what}"
    return f"hv_{gene}"


@pytest.fixture(scope="module")
def three_vms(shared):
    """models/policies/syn3a_three_vms.yaml through the passes (wiring included), and its hypervisor."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
        env.setenv("BIOXEN_OFFLINE", "1")
        design = run_passes(read_design(ROOT / "models" / "policies" / "syn3a_three_vms.yaml"))
    constructs = hypervisor_constructs(design)
    return design, constructs, [c.record() for c in constructs]


def test_every_model_gene_has_a_cassette(three_vms):
    design, _, records = three_vms
    tags = {f.qualifiers["locus_tag"][0] for r in records for f in r.features}
    genes = set(hypervisor_genes(design))
    assert {cassette_of(gene) for gene in genes} <= tags
    for vm in design.vms:
        assert {f"protease_{vm.id}", f"reporter_{vm.id}", f"pulse_repressor_protease_{vm.id}"} <= genes
        assert {f"hv_{vm.id}_protease", f"hv_{vm.id}_reporter", f"hv_{vm.id}_pulse_repressor",
                f"hv_{vm.id}_gate", f"hv_{vm.id}_orrna"} <= tags
    # one record per o-16S: the core holds none, each pool's record one
    assert [r.id for r in records] == [f"{design.name}_hypervisor"] + [f"{design.name}_orrna_{vm.parts.pool}"
                                                                       for vm in design.vms]
    assert not [f for f in records[0].features if f.type == "rRNA"]


def test_pulse_repressors_are_the_wired_ones_and_the_protease_carries_their_operator(three_vms):
    design, _, records = three_vms
    core, cello = records[0], load_cello()
    for vm in design.vms:
        gene = f"pulse_repressor_protease_{vm.id}"
        name = design.wiring.repressor_of(gene)
        cassette = [f for f in core.features if f.qualifiers["locus_tag"][0] == f"hv_{vm.id}_protease"]
        operator = next(f for f in cassette if f.type == "protein_bind")
        assert operator.qualifiers["bound_moiety"] == [name]
        assert cello.repressors[name].promoter.dna.endswith(str(operator.extract(core.seq)))
        repressor = next(f for f in core.features if f.type == "CDS"
                         and f.qualifiers["locus_tag"][0] == f"hv_{vm.id}_pulse_repressor")
        assert str(repressor.extract(core.seq)) == cello.repressors[name].cds.dna
        # PAUSE and DESTROY behind their own sensors' promoters
        for command, tag in (("pause", "gate"), ("destroy", "protease")):
            promoter = next(f for f in core.features if f.type == "promoter"
                            and f.qualifiers["locus_tag"][0] == f"hv_{vm.id}_{tag}")
            assert promoter.qualifiers["label"] == [design.wiring.input_of(vm.id, command).promoter]


def test_reporters_differ_and_gate_rna_is_unfolded_and_not_the_utr(three_vms):
    import RNA
    design, _, records = three_vms
    core = records[0]
    cds = {f.qualifiers["locus_tag"][0]: str(f.extract(core.seq)) for f in core.features if f.type == "CDS"}
    reporters = [cds[f"hv_{vm.id}_reporter"] for vm in design.vms]
    assert len({r[:200] for r in reporters}) == len(reporters)
    gates = {f.qualifiers["locus_tag"][0]: str(f.extract(core.seq)) for f in core.features
             if f.qualifiers["label"][0].startswith("gate RNA")}
    for vm in design.vms:
        gate = gates[f"hv_{vm.id}_gate"]
        assert vm.parts.sd in gate and gate != vm.parts.utr and "ATG" not in gate
        assert RNA.fold(gate.replace("T", "U"))[1] > -2.0


def test_no_n_and_every_part_names_a_source(three_vms):
    design, constructs, records = three_vms
    for record in records:
        assert set(str(record.seq)) <= set("ACGT")
        for feature in record.features:
            note = feature.qualifiers["note"][0]
            assert "source" in note or "not in BioXen's data" in note, feature.qualifiers["label"]
    for construct in constructs:
        for placed in construct.placed:
            assert all(piece.source and piece.length > 0 for piece in placed.pieces), placed.locus_tag
    vm1 = design.vms[0]
    assert all(set(str(r.seq)) <= set("ACGT") for r in vm_images(vm1))


def test_bom_rows_match_the_records(three_vms, tmp_path):
    design, constructs, records = three_vms
    path = write_bom(design, constructs, tmp_path / "bom.csv")
    rows = list(csv.DictReader(path.open()))
    assert tuple(rows[0]) == COLUMNS
    written = [r for r in rows if r["status"] not in ("chassis", "missing")]
    features = [(r.id, f) for r in records for f in r.features]
    assert len(written) == len(features)
    for row, (record_id, feature) in zip(written, features):
        assert (row["construct"], row["cassette"], row["part"], row["kind"]) == (
            record_id, feature.qualifiers["locus_tag"][0], feature.qualifiers["label"][0], feature.type)
        assert int(row["length"]) == len(feature.location) and row["source"]
    missing = [r for r in rows if r["status"] == "missing"]
    assert {r["part"] for r in missing} >= {"mf_lon CDS"} and all(int(r["length"]) > 0 for r in missing)
    chassis = {r["part"] for r in rows if r["status"] == "chassis"}
    assert {"ClpXP", "ClpAP"} <= chassis and len(chassis) == 2 + 2 * len(design.vms)
    assert {r["status"] for r in rows} <= {"sourced", "designed", "recoded", "chassis", "missing"}


def test_the_single_vm_default_design_has_no_repeat(shared):
    """models/policies/syn3a_single_vm.yaml (the README's main command): no direct repeat of 16 bp in
    any record of hypervisor.gb, nor across them."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
        env.setenv("BIOXEN_OFFLINE", "1")
        design = run_passes(read_design(ROOT / "models" / "policies" / "syn3a_single_vm.yaml"))
    records = [c.record() for c in hypervisor_constructs(design)]
    assert [f.detail for f in check_constructs(records) if f.kind == "repeat"] == []


def test_three_vms_repeat_only_between_cello_gate_promoters_far_apart(three_vms):
    """The layout chooses terminators, constitutive promoters, RBSs and strands so that no direct
    repeat of 16 bp remains between parts it chose, and the wiring chooses sensors and gates for the
    fewest repeats among designs that work. What remains in the three-VM design: the output
    promoters of Cello's PhlF, SrpR, BM3R1, HlyIIR and LmrA gates share a scaffold (any two share
    16-21 bp), and its two tight buffers need three of them (measured: 4 repeats of 16-21 bp). Each
    lies thousands of bp from its copy, so its deletion rate is negligible (EFM calculator, below
    1e-8 per generation; bioxen.report.lifetime)."""
    from bioxen.report.lifetime import rmd_rate

    _, _, records = three_vms
    core = records[0]
    scaffold = {load_cello().repressors[name].promoter.name for name in ("PhlF", "SrpR", "BM3R1", "HlyIIR", "LmrA")}
    repeats = [f for f in check_construct(core) if f.kind == "repeat"]
    assert len(direct_repeats(str(core.seq), REPEAT)) == len(repeats) <= 4
    for finding in repeats:
        assert set(finding.features) <= scaffold, finding.detail
        length, spacer = finding.end - finding.start, finding.other[0] - finding.end
        assert spacer > 1000 and rmd_rate(length, spacer) < 1e-8, finding.detail


def test_ring_controllers_and_guard_are_cello_cassettes(three_vms):
    """The ring oscillator's nodes, each pool's controller and the ATP guard become Cello repressor
    cassettes (given repressors here when the wiring named none): node i behind node i-1's output
    promoter, the controller behind a UTR with its pool's SD, its operator before the pool's o-16S,
    and each VM's gate promoter followed by its ring node's operator."""
    from dataclasses import replace
    from bioxen.ir import RingClock
    design, _, _ = three_vms
    from bioxen.passes.wiring import wire_commands
    vms = tuple(replace(vm, controller=True) for vm in design.vms)
    clocked = wire_commands(replace(design, vms=vms, clock=RingClock.for_turns(30.0, tuple(vm.id for vm in vms)),
                                    wiring=None))
    constructs = hypervisor_constructs(clocked)
    records = [c.record() for c in constructs]
    core, cello = records[0], load_cello()
    features = {f.qualifiers["locus_tag"][0]: [] for f in core.features}
    for f in core.features:
        features[f.qualifiers["locus_tag"][0]].append(f)
    tags = {t for r in records for f in r.features for t in f.qualifiers["locus_tag"]}
    assert {cassette_of(gene) for gene in hypervisor_genes(clocked)} <= tags
    repressor = {f.qualifiers["locus_tag"][0]: f.qualifiers["product"][0].split(",")[0]
                 for f in core.features if f.type == "CDS" and "model gene" in f.qualifiers["product"][0]}
    nodes = clocked.clock.nodes
    assert len({repressor[f"hv_clock_{i}"] for i in range(nodes)}) == nodes
    for i in range(nodes):
        promoter = features[f"hv_clock_{i}"][0]
        assert promoter.type == "promoter"
        assert promoter.qualifiers["label"] == [cello.repressors[repressor[f"hv_clock_{(i - 1) % nodes}"]].promoter.name]
    for vm in vms:
        pool = vm.parts.pool
        utr = next(f for f in features[f"hv_controller_{pool}"] if f.type == "5'UTR")
        assert vm.parts.sd in str(utr.extract(core.seq))
        o16s = next(r for r in records if r.id.endswith(f"_orrna_{pool}"))
        bound = [f.qualifiers["bound_moiety"][0] for f in o16s.features if f.type == "protein_bind"]
        assert bound == [repressor[f"hv_controller_{pool}"]]
        node = clocked.clock.node_of[clocked.clock.turns.index(vm.id)]
        gate = [f.qualifiers.get("bound_moiety", [""])[0] for f in features[f"hv_{vm.id}_gate"]]
        assert repressor[f"hv_clock_{node}"] in gate
    assert len(set(repressor.values())) == len(repressor) == 9      # nine Cello repressors, none twice
    assert all(set(str(r.seq)) <= set("ACGT") for r in records)
    guarded = hypervisor_constructs(wire_commands(replace(design, vms=vms, atp_guard=4.0, wiring=None)))[0].record()
    guard = [f for f in guarded.features if f.qualifiers["locus_tag"][0] == "hv_atp_guard"]
    assert guard[0].type == "promoter" and "STAND-IN" in guard[0].qualifiers["note"][0]
    assert any(f.type == "CDS" and "ATP guard" in f.qualifiers["product"][0] for f in guard)


def test_four_vms_get_a_decoder_of_cello_gates(three_vms):
    """Commands outnumbering the sensors: the wiring pass's decoder gates are cassettes with their
    input promoters in tandem, and a decoded command sits behind its gate's output promoter."""
    from dataclasses import replace
    from bioxen.passes.wiring import wire_commands
    design, _, _ = three_vms
    four = wire_commands(replace(design, vms=design.vms + (replace(design.vms[2], id="vm4"),), wiring=None))
    assert four.wiring.decoder
    record = hypervisor_constructs(four)[0].record()
    cello = load_cello()
    for gate in four.wiring.decoder:
        cassette = [f for f in record.features if f.qualifiers["locus_tag"][0] == f"hv_decoder_{gate.repressor}"]
        inputs = [f.qualifiers["label"][0] for f in cassette if f.type == "promoter"]
        assert inputs == [cello.sensors[n].promoter.name if k == "sensor" else cello.repressors[n].promoter.name
                          for k, n in gate.inputs]
        assert any(f.type == "CDS" and str(f.extract(record.seq)) == cello.repressors[gate.repressor].cds.dna
                   for f in cassette)
    decoded = [i for i in four.wiring.inputs if i.gate]
    assert decoded
    for entry in decoded:
        tag = f"hv_{entry.vm}_{'gate' if entry.command == 'pause' else 'protease'}"
        promoter = next(f for f in record.features if f.type == "promoter" and f.qualifiers["locus_tag"][0] == tag)
        assert promoter.qualifiers["label"] == [entry.promoter] and entry.gate in promoter.qualifiers["note"][0]
    assert set(str(record.seq)) <= set("ACGT")


def test_vms_beyond_the_colours_get_a_recoded_copy(three_vms):
    """With one colour in the parts data, the second VM's reporter is the first's protein, its CDS
    synonymously diversified (no 16-bp repeat with the first copy) and noted as overlapping."""
    from dataclasses import replace
    from Bio.Seq import Seq
    from bioxen.backend.images import fluorescent_proteins, load_part_sequences
    design, _, _ = three_vms
    library = load_part_sequences()
    green = {key: part for key, part in library.items() if not part.colour or key == "E0040"}
    assert [p.key for p in fluorescent_proteins(green)] == ["E0040"]
    two = replace(design, vms=design.vms[:2])
    construct = hypervisor_constructs(two, green)[0]
    record = construct.record()
    cds = {f.qualifiers["locus_tag"][0]: f for f in record.features if f.type == "CDS"}
    first, second = (str(cds[f"hv_{vm}_reporter"].extract(record.seq)) for vm in ("vm1", "vm2"))
    gfp = str(Seq(library["E0040"].sequence).translate(table=11)).rstrip("*")
    for dna, vm in zip((first, second), two.vms):
        made = str(Seq(dna).translate(table=11)).rstrip("*")
        body = made[len(vm.parts.tag) + 1:] if vm.parts.tag_terminus == "N" else made[:-len(vm.parts.tag)]
        assert body.lstrip("M") == gfp.lstrip("M")
    assert not direct_repeats(first + "N" + second, REPEAT)
    assert "spectrally overlapping with vm1" in cds["hv_vm2_reporter"].qualifiers["note"][0]
    statuses = {p.label: p.status for placed in construct.placed for p in placed.pieces}
    assert statuses[cds["hv_vm2_reporter"].qualifiers["label"][0]] == "recoded"


def test_a_shared_pause_sensor_is_written_once_with_a_ribozyme_before_each_gate_rna(tmp_path):
    """Five VMs: one sensor pauses them all (the wiring's fallback). Its promoter is written once,
    in one cassette whose transcript a different Cello ribozyme cuts before each VM's gate RNA
    (Lou et al. 2012), so each gate RNA is released on its own; each gate RNA keeps its VM's locus
    tag, and the promoter's note says the model transcribes each at the promoter's rate."""
    genome = write_synthetic_genbank(tmp_path / "SYN00001.1.gb", genes=2, with_rna=False)
    vms = "\n".join(f"  - {{id: vm{i}, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.02}}}}"
                    for i in range(1, 6))
    design = run_passes(read_design(write_policy(tmp_path / "five.yaml", f"schema_version: 1\nvms:\n{vms}\n")))
    pause = {i.promoter for i in design.wiring.inputs if i.command == "pause"}
    assert len(pause) == 1 and all(i.shared_with for i in design.wiring.inputs)
    core = hypervisor_constructs(design)[0].record()
    promoter = load_cello().sensors[next(i.inducers[0] for i in design.wiring.inputs
                                         if i.command == "pause")].promoter
    sequence = str(core.seq)
    assert sequence.count(promoter.dna) + sequence.count(reverse_complement(promoter.dna)) == 1
    ends = [f.location for f in core.features if f.qualifiers["locus_tag"][0].startswith("hv_pause_")]
    start, end = min(e.start for e in ends), max(e.end for e in ends)
    cassette = sorted((f for f in core.features if start <= f.location.start and f.location.end <= end),
                      key=lambda f: f.location.start)
    if cassette[0].location.strand == -1:
        cassette.reverse()
    kinds = [f.type for f in cassette]
    assert kinds == ["promoter"] + ["misc_RNA", "ncRNA"] * 5 + ["terminator"], kinds
    assert cassette[0].qualifiers["label"] == [promoter.name]
    assert "one transcript" in cassette[0].qualifiers["note"][0] and "rate" in cassette[0].qualifiers["note"][0]
    ribozymes = [f.qualifiers["label"][0] for f in cassette[1::2][:5]]
    assert len(set(ribozymes)) == 5 and set(ribozymes) <= {r.name for r in load_cello().ribozymes}
    for k, vm in enumerate(design.vms):
        ribozyme, rna = cassette[1 + 2 * k], cassette[2 + 2 * k]
        assert rna.qualifiers["label"] == [f"gate RNA {vm.id}"]
        assert ribozyme.qualifiers["locus_tag"] == rna.qualifiers["locus_tag"] == [f"hv_{vm.id}_gate"]
        assert ribozyme.location.strand == rna.location.strand
    assert not [f for f in core.features if f.type == "promoter" and f.qualifiers["label"] == [promoter.name]][1:]
