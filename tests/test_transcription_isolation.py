"""Transcription isolation (issue 21, item 1): a VM on its own RNA polymerase beside two VMs that
share the host's.

Three synthetic VMs in one cell: vm1 is transcribed by its own T7 RNA polymerase (made by a
hypervisor gene) from T7 promoters, and its PAUSE also makes T7 lysozyme; vm2 and vm3 share the
host's RNA polymerase. Behaviour is read from libRoadRunner on model.xml (and BNG2.pl on
model.bngl), the DNA from the written GenBank files.
"""
import re

import pytest
import roadrunner
from Bio import SeqIO

from bioxen.backend.compile import compile_design, write_build
from bioxen.errors import CommandError, CompileError, PolicyError
from bioxen.frontend import read_design
from bioxen.runtime.engines import simulate
from bioxen.runtime.simulate import simulate_build
from conftest import assert_same_columns, write_policy, write_synthetic_genbank

INDUCE, UNTIL = 300.0, 600.0
VMS = """
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.1}},
      transcription: {{pool: orthogonal, pause: true}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.1}}, transcription: {{pool: host}}}}
  - {{id: vm3, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.1}}}}
"""
POLICY = "schema_version: 1\nvms:" + VMS + "{control}simulate: {{until: {until:g} min, points: {points}}}\n"
LIMITED = "control:\n  - {at: 200 min, command: SET_RESOURCE_LIMIT, vm: vm1, resource: rnap, level: 0.1}\n"


def _compile(directory, control: str = ""):
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    policy = write_policy(directory / "p.yaml", POLICY.format(genome=genome.name, control=control, until=UNTIL,
                                                               points=int(UNTIL) + 1))
    build = compile_design(read_design(policy))
    return build, write_build(build, directory / "build")


@pytest.fixture(scope="module")
def cell(tmp_path_factory):
    """The three-VM cell, compiled once (no timed command)."""
    return _compile(tmp_path_factory.mktemp("transcription"))


class Run:
    """libRoadRunner on the build: each VM's transcription (mRNAs made per minute by its
    polymerase pool) and the host's growth, run in legs with parameter changes between them."""

    def __init__(self, out):
        self.rr = roadrunner.RoadRunner(str(out / "model.xml"))
        reactions = self.rr.model.getReactionIds()
        self.rules = {vm: [r for r in reactions if re.fullmatch(rf"transcription_{vm}_SYN__\d+(_by_\w+)?", r)]
                      for vm in ("vm1", "vm2", "vm3")}
        assert all(self.rules.values())
        self.selections = ["time", "growth_rate"] + [r for names in self.rules.values() for r in names]
        self.rr.timeCourseSelections = self.selections

    def leg(self, start: float, end: float) -> dict:
        table = self.rr.simulate(start, end, int(end - start) + 1)
        found = {"time": table[:, 0], "growth": table[:, 1]}
        for vm, names in self.rules.items():
            found[vm] = sum(table[:, self.selections.index(r)] for r in names)
        return found

    def scale(self, pattern: str, factor: float) -> None:
        for name in self.rr.model.getGlobalParameterIds():
            if re.fullmatch(pattern, name):
                self.rr[name] = self.rr[name] * factor


def test_every_vm_draws_on_a_polymerase_pool(cell):
    """vm1 on T7, vm2 on the host's named, vm3 on the host's by default (a VM without the key
    shares the host's once any VM names its transcription)."""
    build, _ = cell
    assert {vm.id: vm.parts.polymerase for vm in build.design.vms} == {"vm1": "T7", "vm2": "host", "vm3": "host"}
    monomers = set(build.builder.model.monomers.keys())
    assert {"RNAP_T7", "RNAP_T7_transcribing", "RNAP_T7_inhibited", "RNAP_host", "RNAP_host_transcribing"} <= monomers


@pytest.fixture(scope="module")
def run(cell):
    """One libRoadRunner instance of the cell (its model compiled once), reset for each test."""
    return Run(cell[1])


@pytest.fixture
def fresh(run):
    run.rr.resetAll()
    yield run
    run.rr.resetAll()


def test_own_polymerase_keeps_transcription_when_a_neighbour_is_induced_tenfold(fresh):
    """vm3's promoters induced 10-fold at 300 min: vm1 (its own T7 pool) keeps its transcription
    within 5%, while vm2, which shares the host's polymerase with vm3, loses more than 5%."""
    run = fresh
    before = run.leg(0, INDUCE)
    run.scale(r"w_vm3_SYN__\d+", 10.0)
    after = run.leg(INDUCE, UNTIL)
    ratio = {vm: after[vm][-1] / before[vm][-1] for vm in ("vm1", "vm2", "vm3")}
    assert ratio["vm3"] > 5                                   # the induction took
    assert ratio["vm1"] == pytest.approx(1.0, abs=0.05)       # isolated: its own polymerase
    assert ratio["vm2"] < 0.95                                # shared: the host pool is drawn down


def test_pause_stops_transcription_and_resume_restores_it(fresh):
    """PAUSE_VM on vm1 makes T7 lysozyme, which holds its free polymerase: within 20 min vm1
    transcribes < 5% of what it did; vm2 is not paused (>= 90%); RESUME brings vm1 back to
    >= 80% within 60 min (the lysozyme's degron clears it)."""
    run = fresh
    assert run.rr["command_pause_vm1"] == 0 and run.rr["w_vm3_SYN__0001"] < 100   # reset from the other test
    before = run.leg(0, 200)
    run.rr["command_pause_vm1"] = 1.0
    paused = run.leg(200, 260)
    assert paused["vm1"][20] < 0.05 * before["vm1"][-1]
    assert paused["vm2"][20] >= 0.9 * before["vm2"][-1]
    run.rr["command_pause_vm1"] = 0.0
    resumed = run.leg(260, 320)
    assert resumed["vm1"][-1] >= 0.8 * before["vm1"][-1]


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """The same cell with SET_RESOURCE_LIMIT rnap (level 0.1) on vm1 at 200 min."""
    return _compile(tmp_path_factory.mktemp("limited"), LIMITED)[1]


@pytest.mark.slow
def test_rnap_limit_shrinks_the_pool_and_bng2_agrees(limited):
    """SET_RESOURCE_LIMIT rnap cuts vm1's polymerase gene to 10%: its free polymerase and its
    transcription fall (the polymerase is diluted by growth), vm2's does not; BNG2.pl (model.bngl,
    its own network and ODE) gives libRoadRunner's table, the timed command included."""
    reference = simulate_build(limited, UNTIL, int(UNTIL) + 1)
    rows = reference.set_index("time_min")
    assert rows.loc[UNTIL, "vm1_polymerase_free"] < 0.3 * rows.loc[200.0, "vm1_polymerase_free"]
    assert rows.loc[UNTIL, "vm1_transcription_flux"] < 0.6 * rows.loc[200.0, "vm1_transcription_flux"]
    assert rows.loc[UNTIL, "vm2_transcription_flux"] >= 0.9 * rows.loc[200.0, "vm2_transcription_flux"]
    table = simulate(limited, UNTIL, int(UNTIL) + 1, engine="bng")
    assert_same_columns(table, reference, ("growth_rate_per_min", "vm1_protein_total", "vm2_protein_total",
                                           "vm1_transcription_flux", "vm1_polymerase_free"), floor=1e-9)


def test_images_carry_the_polymerase_its_promoters_and_its_inhibitor(cell):
    """vm1's image puts the T7 promoter before every refactored gene (a promoter feature), vm2's
    none; hypervisor.gb carries T7 gene 1 (883 aa, NP_041960.1) and T7 lysozyme on vm1's PAUSE
    transcript; bom.csv lists them as sourced."""
    _, out = cell
    t7 = "TAATACGACTCACTATAGGGAGA"
    record = SeqIO.read(out / "vm_vm1.gb", "genbank")
    cds = [f for f in record.features if f.type == "CDS"]
    promoters = [f for f in record.features if f.type == "promoter"]
    assert len(promoters) == len(cds) and all(str(p.extract(record.seq)) == t7 for p in promoters)
    plain = SeqIO.read(out / "vm_vm2.gb", "genbank")
    assert not [f for f in plain.features if f.type == "promoter"] and t7 not in str(plain.seq)
    core = next(SeqIO.parse(out / "hypervisor.gb", "genbank"))
    proteins = [f.qualifiers.get("translation", [""])[0] for f in core.features if f.type == "CDS"]
    rnap = [p for p in proteins if p.startswith("MNTINIAKNDFSDIELAAIP")]
    assert len(rnap) == 1 and len(rnap[0]) == 883
    assert any(p.startswith("MARVQFKQRESTDAIFVHCS") and len(p) == 151 for p in proteins)   # T7 lysozyme
    bom = (out / "bom.csv").read_text()
    assert "T7 RNA polymerase vm1,CDS,2652," in bom and "polymerase inhibitor vm1,CDS,456," in bom
    gate = [line for line in bom.splitlines() if ",hv_vm1_gate," in line]
    assert any("polymerase inhibitor vm1" in line for line in gate)   # on PAUSE's transcript


def test_report_shows_the_pools(cell, tmp_path):
    """metrics.json `transcription`: per VM its pool, free and transcribing polymerase and its
    transcription; the host-pool VMs share one pool."""
    from bioxen.report.metrics import compute
    from bioxen.buildspec import read_spec

    out = cell[1]
    table = simulate_build(out, 300.0, 301)
    found = compute(table, read_spec(out))["transcription"]
    assert found["vm1"]["polymerase"] == "T7" and found["vm2"]["polymerase"] == "host"
    assert found["vm2"]["free_mean"] == found["vm3"]["free_mean"]
    assert 0 < found["vm1"]["transcribing_mean"] < found["vm1"]["free_mean"] + found["vm1"]["transcribing_mean"]
    assert all(v["flux_mean"] > 0 for v in found.values())


def test_live_rnap_limit(cell):
    """hv.set_resource_limit('vm1', 'rnap', 0) stops making vm1's polymerase: its free polymerase
    is diluted (below a third in 300 min) while vm2's host pool holds; on a VM without its own
    polymerase, or at a level outside 0..1, it is refused."""
    import bioxen

    hv = bioxen.Hypervisor.from_build(cell[1])
    before = hv.run(200.0).iloc[-1]
    with pytest.raises(CommandError, match="vm2' has no RNA polymerase of its own"):
        hv.set_resource_limit("vm2", "rnap", 0.1)
    with pytest.raises(CommandError, match="between 0 and 1"):
        hv.set_resource_limit("vm1", "rnap", 2.0)
    hv.set_resource_limit("vm1", "rnap", 0.0)
    after = hv.run(300.0).iloc[-1]
    assert after["vm1_polymerase_free"] < before["vm1_polymerase_free"] / 3
    assert after["vm2_polymerase_free"] >= 0.9 * before["vm2_polymerase_free"]


@pytest.mark.parametrize("vms, control, error, message, line", [
    ("  - {id: vm1, genome: G, transcription: {pool: orthogonal, polymerase: T9}}\n", "", CompileError,
     "unknown RNA polymerase 'T9'", 3),
    ("  - {id: vm1, genome: G, transcription: {pool: orthogonal, polymerase: T7}}\n"
     "  - {id: vm2, genome: G, transcription: {pool: orthogonal, polymerase: T7}}\n", "", CompileError,
     "polymerase T7 is already VM 'vm1''s", 4),
    ("  - {id: vm1, genome: G, transcription: {pool: orthogonal, polymerase: T3, pause: true}}\n", "", CompileError,
     "PAUSE on transcription needs an inhibitor of its polymerase T3", 3),
    ("  - {id: vm1, genome: G, transcription: {pool: host, polymerase: T7}}\n", "", PolicyError,
     "polymerase belong to pool: orthogonal", 3),
    ("  - {id: vm1, genome: G, transcription: {pool: host}}\n",
     "control:\n  - {at: 10 min, command: SET_RESOURCE_LIMIT, vm: vm1, resource: rnap, level: 0.5}\n", PolicyError,
     "vm1 has no RNA polymerase of its own", 5),
    ("  - {id: vm1, genome: G, transcription: {pool: orthogonal}}\n",
     "control:\n  - {at: 10 min, command: SET_RESOURCE_LIMIT, vm: vm1, resource: rnap, share: 0.5}\n", PolicyError,
     "`share` belongs to resource ribosomes", 5),
    ("  - {id: vm1, genome: G, transcription: {pool: orthogonal}, kinetics: {transcription_nt_per_s: 40}}\n", "",
     PolicyError, "both set the speed of the VM's polymerase", 3),
])
def test_transcription_policies_are_checked_where_written(tmp_path, vms, control, error, message, line):
    genome = write_synthetic_genbank(tmp_path / "SYN00001.1.gb")
    text = "schema_version: 1\nvms:\n" + vms.replace("genome: G", f"genome: {genome.name}, genetic_code: recode") \
        + control
    policy = write_policy(tmp_path / "p.yaml", text)
    with pytest.raises(error) as caught:
        compile_design(read_design(policy))
    assert message in str(caught.value) and f"p.yaml:{line}" in str(caught.value)


def test_designs_without_the_key_have_no_polymerase(tmp_path):
    """Without `transcription:` on any VM, transcription stays energy-limited (no pool, as before)."""
    genome = write_synthetic_genbank(tmp_path / "SYN00001.1.gb")
    policy = write_policy(tmp_path / "p.yaml", f"schema_version: 1\nvms:\n  - {{id: vm1, genome: {genome.name}, "
                                               "genetic_code: recode}\n")
    build = compile_design(read_design(policy))
    assert not [m for m in build.builder.model.monomers.keys() if m.startswith("RNAP_")]
    assert build.design.vms[0].parts.polymerase == ""


@pytest.mark.slow
def test_users_tools_open_the_polymerase_model(cell, tmp_path):
    """The polymerase pools survive the exchange formats: tellurium on model.ant and COPASI
    (basico) on model.cps give libRoadRunner's free T7 and host polymerase at 300 min. (model.vcml
    holds nothing a pool adds: the same rate laws and species as every design tests/test_vcell.py
    runs in VCell.)"""
    import basico
    import tellurium

    out = write_build(cell[0], tmp_path / "all", formats=("sbml", "antimony", "copasi"))
    columns = ["time", "RNAP_T7_free", "RNAP_host_free"]
    reference = roadrunner.RoadRunner(str(out / "model.xml")).simulate(0, 300, 31, columns)[-1]
    antimony = tellurium.loada((out / "model.ant").read_text()).simulate(0, 300, 31, columns)[-1]
    assert list(antimony) == pytest.approx(list(reference), rel=1e-4)
    course = basico.run_time_course(duration=300, intervals=30, model=basico.load_model(str(out / "model.cps")))
    last = course.iloc[-1]
    assert last["RNAP_T7()"] == pytest.approx(reference[1], rel=1e-3)
    assert last["RNAP_host()"] == pytest.approx(reference[2], rel=1e-3)
