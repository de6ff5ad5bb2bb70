"""Genetic-code isolation (issue 21, item 2): amber and ncAA VMs beside a standard-code VM.

Three synthetic VMs in one cell: vm1 reads the standard code (its UGA codons recoded), vm2 carries
UAG codons in its genes read by its own MjTyrRS/tRNA(CUA) pair (``genetic_code: amber``), vm3 the
same with an aaRS that charges a non-canonical amino acid from the medium (``ncaa``), withdrawn by
SET_RESOURCE_LIMIT ncaa at 300 min. Behaviour is read from the real clients (libRoadRunner on
model.xml, BNG2.pl on model.bngl) and the DNA from the written GenBank files.
"""
import math
import re

import pytest
import roadrunner
from Bio import SeqIO
from Bio.Seq import Seq

from bioxen.backend.compile import compile_design, write_build
from bioxen.errors import PolicyError
from bioxen.frontend import read_design
from bioxen.passes.genetic_code import TYROSINE
from bioxen.runtime.engines import simulate
from bioxen.runtime.simulate import simulate_build
from conftest import assert_same_columns, write_policy, write_synthetic_genbank

pytestmark = pytest.mark.slow   # every test here shares a compiled, simulated design (the fast tier skips it)

WITHDRAW, UNTIL = 300.0, 600.0
POLICY = """
schema_version: 1
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.1}}}}
  - {{id: vm2, genome: {genome}, genetic_code: amber, ribosomes: {{share: 0.1}}}}
  - {{id: vm3, genome: {genome}, genetic_code: ncaa, ribosomes: {{share: 0.1}}}}
{isolation}control:
  - {{at: {withdraw:g} min, command: SET_RESOURCE_LIMIT, vm: vm3, resource: ncaa, concentration: 0 uM}}
simulate: {{until: {until:g} min, points: {points}}}
"""


def _build(directory, isolation: str = ""):
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    policy = write_policy(directory / "p.yaml", POLICY.format(genome=genome.name, isolation=isolation,
                                                               withdraw=WITHDRAW, until=UNTIL, points=int(UNTIL) + 1))
    build = compile_design(read_design(policy))
    return build, write_build(build, directory / "build")


@pytest.fixture(scope="module")
def codes(tmp_path_factory):
    """The three-code cell, compiled once."""
    return _build(tmp_path_factory.mktemp("codes"))


def _run(out, columns, silenced=()):
    """Full-length synthesis per VM; ``silenced``: aaRS genes given no transcription (what
    ``isolation.set: {genetic_code.aars_max_transcription: 0}`` compiles)."""
    rr = roadrunner.RoadRunner(str(out / "model.xml"))
    for gene in silenced:
        rr[f"w_{gene}"] = 0.0
    reactions = rr.model.getReactionIds()
    full = {vm: [r for r in reactions if re.fullmatch(rf"elongation_{vm}_SYN__\d+(_on_\w+)?", r)] for vm in columns}
    selections = ["time", "growth_rate"] + [r for names in full.values() for r in names]
    rr.timeCourseSelections = selections
    table = rr.simulate(0, UNTIL, int(UNTIL) + 1)
    result = {"time": table[:, 0], "growth": table[:, 1]}
    for vm, names in full.items():
        result[vm] = sum(table[:, selections.index(r)] for r in names)   # full-length proteins made per min
    return result


@pytest.fixture(scope="module")
def runs(codes):
    vms = ("vm1", "vm2", "vm3")
    return _run(codes[1], vms), _run(codes[1], vms, silenced=("aars_vm2", "aars_vm3"))


def test_every_vm_gene_carries_an_amber_site(codes):
    """The synthetic genes all hold tyrosine codons, so every vm2 and vm3 gene has one UAG site
    (the default one per gene) and vm1's genes none."""
    vms = {vm.id: vm for vm in codes[0].design.vms}
    assert all(not any(u.amber_sites) for u in vms["vm1"].units)
    for vm in ("vm2", "vm3"):
        coding = [u for u in vms[vm].units if u.coding]
        assert coding and all(set(u.amber_sites) == {1} for u in coding)


@pytest.mark.slow
def test_amber_vm_makes_full_length_protein_only_with_its_pair(runs):
    """Without its aaRS the amber VM's UAG codons end translation (release factor 1): its
    full-length synthesis falls to the near-cognate background (0.1% per site), while the
    standard-code VM beside it is unaffected."""
    with_pair, without = runs
    at = int(WITHDRAW) - 10
    assert with_pair["vm2"][at] > 0.3 * with_pair["vm1"][at]          # suppression ~0.56 on ribo-X
    assert without["vm2"][at] < 0.01 * with_pair["vm2"][at]    # background 0.1%, on a freer pool
    # the standard-code VM keeps its synthesis within 10% (it gains what the two pairs and the
    # other VMs' proteins cost the cell)
    assert without["vm1"][at] == pytest.approx(with_pair["vm1"][at], rel=0.1)


def test_ncaa_vm_stops_making_protein_within_one_doubling_of_withdrawal(runs):
    """Withdrawing the ncAA at 300 min: within one doubling the ncaa VM makes under 5% of the
    full-length protein it made before, while the host keeps growing (>= 90% of its rate) and the
    other VMs keep making theirs (>= 90%)."""
    run = runs[0]
    before = int(WITHDRAW)
    doubling = math.log(2) / run["growth"][before]
    after = int(WITHDRAW + math.ceil(doubling))
    assert after < UNTIL
    assert run["vm3"][before] > 0.3 * run["vm1"][before]
    assert run["vm3"][after] < 0.05 * run["vm3"][before]
    assert run["growth"][after] >= 0.9 * run["growth"][before]
    for vm in ("vm1", "vm2"):
        assert run[vm][after] >= 0.9 * run[vm][before], vm


def test_images_write_the_amber_codons_and_the_pair(codes):
    """vm2's and vm3's images write one TAG per gene with a /transl_except (Tyr; OTHER for the
    ncAA) and a translation that reads it; vm1's has none. hypervisor.gb carries each amber VM's
    aaRS and tRNA cassette (their DNA missing: bill-of-materials rows) and the ribo-X o-16S for
    their pools only."""
    build, out = codes
    for vm, residue, aa in (("vm2", "Y", "Tyr"), ("vm3", "X", "OTHER")):
        record = SeqIO.read(out / f"vm_{vm}.gb", "genbank")
        cds = [f for f in record.features if f.type == "CDS"]
        assert cds
        for feature in cds:
            excepts = feature.qualifiers.get("transl_except", [])
            assert len(excepts) == 1 and excepts[0].endswith(f"aa:{aa})")
            dna = str(feature.extract(record.seq))
            sites = [i for i in range(0, len(dna) - 3, 3) if dna[i:i + 3] == "TAG"]
            assert len(sites) == 1
            # the translation is table 11's with the UAG read as the pair's residue
            expected = list("M" + str(Seq(dna).translate(table=11))[1:].rstrip("*"))
            assert expected[sites[0] // 3] == "*"
            expected[sites[0] // 3] = residue
            assert feature.qualifiers["translation"][0] == "".join(expected)
    plain = SeqIO.read(out / "vm_vm1.gb", "genbank")
    assert not any("transl_except" in f.qualifiers for f in plain.features)
    assert "TAG" not in {str(f.extract(plain.seq))[i:i + 3] for f in plain.features if f.type == "CDS"
                         for i in range(0, len(f) - 3, 3)}
    records = {r.id: r for r in SeqIO.parse(out / "hypervisor.gb", "genbank")}
    pools = {vm.id: vm.parts.pool for vm in build.design.vms}
    for vm, pool in pools.items():
        record = next(r for i, r in records.items() if i.endswith(f"orrna_{pool}"))
        rrna = str(next(f for f in record.features if f.type == "rRNA").extract(record.seq))
        loop = rrna[rrna.find("GTGCCAGCAGCCGCG") + 16:][:4]     # 16S 531-534 (515F site: 515-529)
        assert loop == ("GAAA" if vm != "vm1" else "TAAT"), (vm, loop)   # U531G, U534A (ribo-X)
    bom = (out / "bom.csv").read_text()
    for vm in ("vm2", "vm3"):
        assert f"aaRS {vm} CDS,CDS,921," in bom and f"tRNA(CUA) {vm},tRNA,77," in bom
    assert "aaRS vm1" not in bom


@pytest.mark.slow
def test_bng2_matches_roadrunner_on_the_three_codes(codes):
    """BNG2.pl (model.bngl, its own network generation and ODE) agrees with libRoadRunner on the
    whole results table, the ncAA withdrawal included."""
    out = codes[1]
    reference = simulate_build(out, UNTIL, int(UNTIL) + 1)
    table = simulate(out, UNTIL, int(UNTIL) + 1, engine="bng")
    assert_same_columns(table, reference, ("growth_rate_per_min", "vm1_protein_total", "vm2_protein_total", "vm3_protein_total",
                   "vm3_translation_flux"), floor=1e-9)


@pytest.mark.parametrize("command, message", [
    ("{at: 10 min, command: SET_RESOURCE_LIMIT, vm: vm2, resource: ncaa, concentration: 0 uM}",
     "vm2 does not depend on a non-canonical amino acid"),
    ("{at: 10 min, command: SET_RESOURCE_LIMIT, vm: vm3, resource: ncaa}", "needs `concentration`"),
    ("{at: 10 min, command: SET_RESOURCE_LIMIT, vm: vm3, resource: ribosomes, share: 0.2, concentration: 1 mM}",
     "`concentration` belongs to resource ncaa"),
    ("{at: 10 min, command: PAUSE_VM, vm: vm3, concentration: 1 mM}", "`concentration` belongs to SET_RESOURCE_LIMIT"),
])
def test_ncaa_commands_are_checked_where_written(tmp_path, command, message):
    genome = write_synthetic_genbank(tmp_path / "SYN00001.1.gb")
    policy = write_policy(tmp_path / "p.yaml", f"""schema_version: 1
vms:
  - {{id: vm2, genome: {genome.name}, genetic_code: amber, ribosomes: {{share: 0.1}}}}
  - {{id: vm3, genome: {genome.name}, genetic_code: ncaa, ribosomes: {{share: 0.1}}}}
control:
  - {command}
""")
    with pytest.raises(PolicyError) as caught:
        read_design(policy)
    text = str(caught.value)
    assert message in text and "p.yaml:6" in text


def test_amber_sites_follow_the_essential_list(tmp_path):
    """With `essential:` named, only those genes carry UAG sites."""
    genome = write_synthetic_genbank(tmp_path / "SYN00001.1.gb")
    policy = write_policy(tmp_path / "p.yaml", f"""schema_version: 1
vms:
  - {{id: vm2, genome: {genome.name}, genetic_code: amber, essential: [SYN_0002], ribosomes: {{share: 0.1}}}}
""")
    from bioxen.pipeline import check
    vm = check(policy).vms[0]
    carrying = {t for u in vm.units for t, k in zip(u.locus_tags, u.amber_sites) if k}
    assert carrying == {"SYN_0002"}
    gene = vm.genome.by_locus_tag()["SYN_0002"]
    dna = vm.genome.gene_sequence(gene)
    assert any(dna[i:i + 3] in TYROSINE for i in range(3, len(dna) - 3, 3))


@pytest.mark.slow
def test_live_withdrawal_follows_the_timed_one(codes, tmp_path):
    """On a build without the timed withdrawal, the runtime's hv.set_resource_limit('vm3', 'ncaa', 0)
    at 300 min gives the trajectory the policy's timed withdrawal gives; it is refused for a VM that
    needs no ncAA."""
    import bioxen
    from bioxen.errors import CommandError

    genome = write_synthetic_genbank(tmp_path / "SYN00001.1.gb")
    text = POLICY.format(genome=genome.name, isolation="", withdraw=WITHDRAW, until=UNTIL, points=int(UNTIL) + 1)
    text = re.sub(r"control:\n  - .*\n", "", text)
    assert "SET_RESOURCE_LIMIT" not in text
    untimed = write_policy(tmp_path / "p.yaml", text)
    out = write_build(compile_design(read_design(untimed)), tmp_path / "build")
    timed = simulate_build(codes[1], UNTIL, int(UNTIL) + 1).set_index("time_min")
    hv = bioxen.Hypervisor.from_build(out)
    hv.run(WITHDRAW)
    with pytest.raises(CommandError, match="vm2' does not depend on a non-canonical amino acid"):
        hv.set_resource_limit("vm2", "ncaa", 0.0)
    hv.set_resource_limit("vm3", "ncaa", 0.0)
    live = hv.run(UNTIL - WITHDRAW).set_index("time_min")
    for t in (WITHDRAW + 30, UNTIL):
        assert live.loc[t, "vm3_protein_total"] == pytest.approx(timed.loc[t, "vm3_protein_total"], rel=1e-3)
    assert live.loc[UNTIL, "vm3_protein_total"] < 0.1 * timed.loc[WITHDRAW, "vm3_protein_total"]


def test_ribo_x_needs_the_530_loop():
    """ribo-X is placed by the 16S 515F site; a 16S without it is refused with a compile error."""
    from bioxen.backend.images import ribo_x
    from bioxen.errors import CompileError

    with pytest.raises(CompileError, match="no 515F site"):
        ribo_x("ACGT" * 400)
    loop = ribo_x("AAAA" + "GTGCCAGCAGCCGCGGTAATAC" + "AAAA")
    assert loop[4 + 16:4 + 20] == "GAAA"        # U531G, U534A
