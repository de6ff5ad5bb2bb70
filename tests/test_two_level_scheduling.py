"""Two-level round robin (issue 21, item 6): a fast quantum (translation gating) nested in a slow
one (pool resizing), with fairness measured at both levels."""
import pytest

from bioxen.backend.commands import applied
from bioxen.backend.compile import compile_design, write_build
from bioxen.errors import PolicyError
from bioxen.frontend import read_design
from bioxen.report.metrics import compute
from bioxen.runtime.engines import simulate
from bioxen.runtime.simulate import read_build, simulate_build
from conftest import assert_same_columns, write_policy, write_synthetic_genbank

pytestmark = pytest.mark.slow   # every test here shares a compiled, simulated design (the fast tier skips it)

UNTIL = 8 * 60.0
SCHEDULER = "scheduler: {policy: round_robin, quantum: 15 min, groups: [[vm1, vm2], [vm3]], group_quantum: 2 h}"


def _policy(directory, scheduler: str = SCHEDULER, until: float = UNTIL, vm3: str = ""):
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    vms = "\n".join(f"  - {{id: vm{i}, genome: {genome.name}, genetic_code: recode, ribosomes: {{share: 0.15"
                    f"{vm3 if i == 3 else ''}}}}}" for i in range(1, 4))
    return write_policy(directory / "p.yaml", f"""schema_version: 1
vms:
{vms}
{scheduler}
simulate: {{until: {until:g} min, points: {int(until) + 1}}}
""")


@pytest.fixture(scope="module")
def two_level(tmp_path_factory):
    directory = tmp_path_factory.mktemp("two_level")
    build = compile_design(read_design(_policy(directory)))
    out = write_build(build, directory / "build")
    return build, out, simulate_build(out, UNTIL, int(UNTIL) + 1)


@pytest.mark.slow
def test_the_schedule_resizes_groups_and_rotates_within_them(two_level):
    """Every 2 h the next group's pools are resized to their shares (the waiting group's to 0.02,
    shrunk first so the shares stay below 1); within the group the gate turns every 15 min."""
    design = two_level[0].design
    at = {}
    for c in design.control:
        at.setdefault(c.at, []).append((c.command, c.vm, c.share))
    assert at[0.0][:1] == [("SET_RESOURCE_LIMIT", "vm3", 0.02)]
    assert ("RESUME_VM", "vm1", None) in at[0.0] and ("PAUSE_VM", "vm2", None) in at[0.0]
    assert ("RESUME_VM", "vm2", None) in at[15.0] and ("PAUSE_VM", "vm3", None) in at[15.0]
    assert at[120.0][:3] == [("SET_RESOURCE_LIMIT", "vm1", 0.02), ("SET_RESOURCE_LIMIT", "vm2", 0.02),
                             ("SET_RESOURCE_LIMIT", "vm3", 0.15)]
    assert ("RESUME_VM", "vm3", None) in at[120.0]
    assert all(sum(a.shares.values()) < 1 for a in applied(design))


def test_the_waiting_group_translates_little_and_the_running_one_alternates(two_level):
    table = two_level[2].set_index("time_min")
    flux = {vm: table[f"{vm}_translation_flux"] for vm in ("vm1", "vm2", "vm3")}
    # group 1's second slot (240-360 min): group 2 waits, vm1 and vm2 take 15-min turns
    slot = slice(250, 355)
    assert flux["vm3"][slot].mean() < 0.15 * flux["vm1"][slot].mean()
    assert flux["vm2"][260:265].mean() > 3 * flux["vm1"][260:265].mean()     # vm2's turn (255-270)
    assert flux["vm1"][275:280].mean() > 3 * flux["vm2"][275:280].mean()     # vm1's turn (270-285)
    # the slow level moves capacity: vm3's pool shrinks while its group waits
    assert table["vm3_pool_free"][355] < 0.5 * table["vm3_pool_free"][475]


def test_fairness_at_both_levels(two_level):
    """The report measures fairness between the groups (slow level) and within each group's turns
    (fast level): both within 5% on these VMs."""
    metrics = compute(two_level[2], read_build(two_level[1])[1])
    levels = metrics["fairness"]["levels"]
    assert set(levels["slow"]["achieved"]) == {"vm1+vm2", "vm3"}
    assert levels["slow"]["max_abs_error"] < 0.05
    assert levels["fast"]["max_abs_error"] < 0.05
    assert metrics["fairness"]["intended"] == pytest.approx({"vm1": 0.25, "vm2": 0.25, "vm3": 0.5})


@pytest.mark.slow
def test_bng2_follows_the_two_level_schedule(two_level):
    """BNG2.pl runs the schedule's first 130 min (a slot change and 9 gate turns) as libRoadRunner does."""
    until, out = 130.0, two_level[1]
    reference = simulate_build(out, until, int(until) + 1)
    table = simulate(out, until, int(until) + 1, engine="bng")
    assert_same_columns(table, reference, ("vm1_translation_flux", "vm3_translation_flux", "growth_rate_per_min"), floor=1e-6)


@pytest.mark.parametrize("scheduler, vm3, message", [
    ("scheduler: {policy: round_robin, quantum: 15 min, groups: [[vm1], [vm2]], group_quantum: 2 h}", "",
     "every VM in exactly one"),
    ("scheduler: {policy: round_robin, quantum: 15 min, groups: [[vm1, vm2], [vm3]], group_quantum: 10 min}", "",
     "group_quantum at least as long as quantum"),
    ("scheduler: {policy: round_robin, quantum: 15 min, clock: internal, groups: [[vm1, vm2], [vm3]], "
     "group_quantum: 2 h}", "", "policy round_robin on the external clock"),
    (SCHEDULER, ", pool: host", "vm3 must be on orthogonal pools"),
    ("scheduler: {policy: round_robin, quantum: 15 min, groups: [[vm1, vm2], [vm3]], group_quantum: 2 h, "
     "idle_share: 0.2}", "", "idle_share 0.2 must be below every VM's share"),
    ("scheduler: {policy: round_robin, quantum: 15 min, group_quantum: 2 h}", "", "group_quantum belongs to"),
])
def test_bad_groups_are_refused(tmp_path, scheduler, vm3, message):
    with pytest.raises(PolicyError, match=message):
        read_design(_policy(tmp_path, scheduler, vm3=vm3))


def test_the_report_marks_every_command_on_its_own_panels(two_level):
    """A two-level run's 100+ commands are drawn as one dashed line per command time on every panel
    of each figure, referring only to that figure's own axes (the isolation figure has two panels)."""
    from bioxen.report.figures import isolation_timecourses, timecourses

    table, spec = two_level[2], read_build(two_level[1])[1]
    times = {c.at_min for c in spec.control}
    for figure in (timecourses(table, spec), isolation_timecourses(table, spec)):
        axes = {axis.plotly_name.replace("axis", "") for axis in figure.select_xaxes()}
        lines = [s for s in figure.layout.shapes if s.type == "line"]
        assert {s.xref for s in figure.layout.shapes} == axes
        assert len(lines) == len(times) * len(axes)
