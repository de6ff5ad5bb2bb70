"""The boot sequence (issue 21, item 4): hypervisor initialisation, VM allocation, guest boot
(core genes first), resource handoff, as timed events read from the real clients."""
import numpy as np
import pytest

from bioxen.backend.compile import compile_design, write_build
from bioxen.errors import CompileError, PolicyError
from bioxen.frontend import read_design
from bioxen.report import write_report
from bioxen.runtime.engines import simulate
from bioxen.runtime.simulate import simulate_build
from conftest import assert_same_columns, write_policy, write_synthetic_genbank

UNTIL = 400.0
BOOT = "boot: {initialise: 60 min, order: [vm2, vm1], allocate: 30 min, core_first: 60 min}"


def _policy(directory, boot: str = BOOT, extra: str = "", vm1: str = "", until: float = UNTIL):
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    return write_policy(directory / "p.yaml", f"""schema_version: 1
vms:
  - {{id: vm1, genome: {genome.name}, genetic_code: recode, ribosomes: {{share: 0.15}}, essential: [SYN_0001, SYN_0002]{vm1}}}
  - {{id: vm2, genome: {genome.name}, genetic_code: recode, ribosomes: {{share: 0.15}}, essential: [SYN_0003]}}
{boot}
{extra}
simulate: {{until: {until:g} min, points: {int(until) + 1}}}
""")


@pytest.fixture(scope="module")
def booted(tmp_path_factory):
    directory = tmp_path_factory.mktemp("boot")
    build = compile_design(read_design(_policy(directory)))
    out = write_build(build, directory / "build")
    table = simulate_build(out, UNTIL, int(UNTIL) + 1)
    return build, out, table


def test_the_phases_are_timed_events_in_order(booted):
    """vm2 (first in order) is allocated at 60 min, vm1 at 90; each VM's other genes come on 60 min
    after its allocation."""
    build = booted[0]
    events = [(c.at, c.command, c.vm) for c in build.design.control]
    assert events == [(60.0, "CREATE_VM", "vm2"), (90.0, "CREATE_VM", "vm1"), (120.0, "BOOT_VM", "vm2"),
                      (150.0, "BOOT_VM", "vm1")]
    assert all(vm.dormant for vm in build.design.vms)


def test_each_vm_boots_core_genes_first(booted):
    """Before its allocation a VM makes nothing; during its core phase only its core (essential)
    proteins are made; after BOOT_VM its other proteins come on and take most of its share."""
    table = booted[2].set_index("time_min")
    for vm, created, boot in (("vm2", 60, 120), ("vm1", 90, 150)):
        assert table.loc[:created - 1, f"{vm}_translation_flux"].max() == 0
        core = table[f"{vm}_core_protein"]
        total = table[f"{vm}_protein_total"]
        assert total[created + 20] > 0
        assert np.allclose(core[created:boot], total[created:boot], rtol=1e-9)   # only core proteins
        others = total - core
        assert others[boot + 30] > 0.1 * total[boot + 30] and others[UNTIL] > others[boot + 30]


def test_the_report_gives_each_phase_and_the_handoff(booted):
    metrics, rows = write_report(booted[1], booted[2])
    boot = metrics["boot"]
    assert boot["initialise"]["to_min"] == 60
    assert boot["initialise"]["settled"]
    assert [boot["vms"][vm]["allocated_min"] for vm in ("vm2", "vm1")] == [60, 90]
    for vm in ("vm1", "vm2"):
        v = boot["vms"][vm]
        assert v["core_phase_min"] == 60 and v["core_share_at_boot"] == pytest.approx(1.0)
        assert v["core_share_end"] < 0.9 and 0 < v["handoff_min"] < UNTIL - v["booted_min"]
    row = next(r for r in rows if r[0] == "boot sequence")
    assert "vm2 allocated at 60 min" in row[2] and "handoff" in row[2]


@pytest.mark.slow
def test_bng2_follows_the_boot_events(booted):
    """BNG2.pl on model.bngl (its actions for the four boot events) matches libRoadRunner."""
    out, reference = booted[1], booted[2]
    table = simulate(out, UNTIL, int(UNTIL) + 1, engine="bng")
    assert_same_columns(table, reference, ("growth_rate_per_min", "vm1_protein_total", "vm2_protein_total", "vm1_translation_flux"), floor=1e-9)


@pytest.mark.parametrize("boot, extra, vm1, message", [
    ("boot: {order: [vm1]}", "", "", "boot order must name every VM once"),
    (BOOT, "", ", start: dormant", "vm1 must not also be `start: dormant`"),
    (BOOT, "control:\n  - {at: 10 min, command: CREATE_VM, vm: vm1}", "", "remove the CREATE_VM/BOOT_VM of vm1"),
    (BOOT, "scheduler: {policy: round_robin, quantum: 30 min}", "", "boot with scheduler round_robin"),
    ("boot: {initialise: 300 min, core_first: 200 min}", "", "", "BOOT_VM of vm1 at 500 min comes after the simulation"),
    ("boot: {allocate: -5 min}", "", "", "allocate: cannot read duration '-5 min'"),
])
def test_bad_boot_is_refused_with_its_place(tmp_path, boot, extra, vm1, message):
    with pytest.raises(PolicyError) as caught:
        read_design(_policy(tmp_path, boot, extra, vm1))
    assert message in str(caught.value) and "p.yaml:" in str(caught.value)


def test_an_unknown_core_name_is_refused(tmp_path):
    from bioxen.pipeline import check

    with pytest.raises(CompileError, match="boot core 'Ribosome' is neither 'essential', a subsystem"):
        check(_policy(tmp_path, "boot: {core: [Ribosome]}"))
