"""Timed commands (SBML events, BNGL actions) and the live hypervisor runtime."""
import json
import subprocess

import libsbml
import numpy as np
import pandas as pd
import pytest
from pysb.pathfinder import get_path

import bioxen
from bioxen.backend.compile import compile_design, outputs_spec, write_build
from bioxen.errors import CommandError, PolicyError
from bioxen.frontend import read_design
from bioxen.runtime.simulate import Outputs, simulate_build, simulate_sbml
from bioxen.runtime.summary import context_switches, switch_time
from conftest import write_policy

PAUSE_AT, RESUME_AT, UNTIL = 300.0, 360.0, 600.0


def _policy(tmp_path, genome, control=""):
    return write_policy(tmp_path / "p.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
{control}
simulate: {{until: {UNTIL:g} min, points: {int(UNTIL) + 1}}}
""")


TIMED = f"""control:
  - {{at: {RESUME_AT:g} min, command: RESUME_VM, vm: vm2}}
  - {{at: {PAUSE_AT:g} min, command: PAUSE_VM, vm: vm2}}"""


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    from conftest import write_synthetic_genbank
    directory = tmp_path_factory.mktemp("runtime")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    (directory / "timed_policy").mkdir()
    timed = compile_design(read_design(_policy(directory / "timed_policy", genome, TIMED)))
    plain = compile_design(read_design(_policy(directory, genome)))
    return {"timed": write_build(timed, directory / "timed"), "plain": write_build(plain, directory / "plain"),
            "timed_build": timed}


RESIZE_AT, RESIZE_UNTIL, NEW_SHARE = 600.0, 1800.0, 0.3
RESIZE = f"""control:
  - {{at: {RESIZE_AT:g} min, command: SET_RESOURCE_LIMIT, vm: vm2, resource: ribosomes, share: {NEW_SHARE}}}"""


@pytest.fixture(scope="module")
def resized(tmp_path_factory):
    """The same two VMs over a longer run, plain and with a timed SET_RESOURCE_LIMIT on vm2."""
    from conftest import write_synthetic_genbank
    directory = tmp_path_factory.mktemp("resized")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    found = {}
    for name, control in (("plain", ""), ("timed", RESIZE)):
        (directory / name).mkdir()
        text = _policy(directory / name, genome, control).read_text()
        policy = write_policy(directory / name / "p.yaml",
                              text.replace(f"until: {UNTIL:g} min, points: {int(UNTIL) + 1}",
                                           f"until: {RESIZE_UNTIL:g} min, points: {int(RESIZE_UNTIL) + 1}"))
        found[name] = write_build(compile_design(read_design(policy)), directory / f"{name}_build")
    return found


def _live(build_dir):
    hv = bioxen.Hypervisor.from_build(build_dir)
    hv.run(PAUSE_AT)
    hv.pause("vm2")
    hv.run(RESUME_AT - PAUSE_AT)
    hv.resume("vm2")
    hv.run(UNTIL - RESUME_AT)
    return hv


@pytest.mark.slow
def test_timed_commands_and_live_commands_give_the_same_trajectory(builds):
    build = builds["timed_build"]
    spec = outputs_spec(build)
    timed = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs(spec["host"], spec["vms"]),
                          UNTIL, int(UNTIL) + 1)
    live = _live(builds["plain"]).results()
    assert np.allclose(live["time_min"], timed["time_min"])
    for column in ("vm1_protein_total", "vm2_protein_total", "vm2_translation_flux", "growth_rate_per_min"):
        assert np.allclose(live[column], timed[column], rtol=1e-4, atol=1e-6), column
    before = timed.loc[timed["time_min"] == PAUSE_AT, "vm2_translation_flux"].iloc[0]
    paused = timed.loc[timed["time_min"] == RESUME_AT, "vm2_translation_flux"].iloc[0]
    assert paused < 0.1 * before  # the events really paused vm2
    pause = switch_time(timed, "vm2", PAUSE_AT, before, 0.1, falling=True)
    resume = switch_time(timed, "vm2", RESUME_AT, before, 0.9, falling=False)
    print(f"context switch: pause {pause} min to <10%, resume {resume} min to >=90%")
    assert pause is not None and pause < 30
    # RESUME brings the flux back to at least 90% of its level before the pause (slowly: the
    # o-ribosome pool, disassembled while idle, regrows at the pace of o-rRNA synthesis)
    assert resume is not None and timed["vm2_translation_flux"].iloc[-1] >= 0.9 * before
    switches = context_switches(timed, outputs_spec(build)["control"])
    assert [(s.command, s.vm, s.minutes) for s in switches] == [("PAUSE_VM", "vm2", pause),
                                                                ("RESUME_VM", "vm2", resume)]


def _bng2(bngl: str, directory) -> pd.DataFrame:
    """Run BNG2.pl on a model.bngl (its own actions); its observables by time."""
    (directory / "model.bngl").write_text(bngl)
    subprocess.run(["perl", get_path("bng"), "model.bngl"], cwd=directory, check=True, capture_output=True,
                   timeout=600)
    with open(directory / "model.gdat") as handle:
        header = handle.readline().lstrip("#").split()
    return pd.DataFrame(np.loadtxt(directory / "model.gdat"), columns=header).drop_duplicates("time")


@pytest.mark.slow
def test_bng2_runs_the_timed_commands_and_agrees_with_roadrunner(builds, tmp_path):
    bngl = (builds["timed"] / "model.bngl").read_text()
    assert 'setParameter("command_pause_vm2",1)' in bngl and "continue=>1" in bngl
    gdat = _bng2(bngl, tmp_path)
    build = builds["timed_build"]
    spec = outputs_spec(build)
    ours = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs(spec["host"], spec["vms"]),
                         UNTIL, int(UNTIL) + 1)
    for t in (PAUSE_AT + 30, UNTIL):
        row = gdat[np.isclose(gdat["time"], t)].iloc[0]
        ours_row = ours[np.isclose(ours["time_min"], t)].iloc[0]
        assert row["vm2_protein_total"] == pytest.approx(ours_row["vm2_protein_total"], rel=1e-3), t


def test_save_then_load_continues_the_same_trajectory(builds, tmp_path):
    straight = bioxen.Hypervisor.from_build(builds["plain"])
    straight.run(200)
    straight.pause("vm1")
    straight.set_resource_limit("vm2", "ribosomes", 0.25)
    straight.run(100)
    state = straight.save_state(tmp_path / "state.json")
    expected = straight.run(150)
    resumed = bioxen.Hypervisor.from_build(builds["plain"])
    resumed.load_state(state)
    assert resumed.time == 300 and resumed.status()["vm1"].health == "paused"
    again = resumed.run(150)
    for column in ("vm1_protein_total", "vm2_protein_total", "energy"):
        assert np.allclose(again[column], expected[column], rtol=1e-6), column


def test_status_reports_shares_and_health(builds):
    hv = bioxen.Hypervisor.from_build(builds["plain"])
    hv.run(600)
    status = hv.status()
    assert {s.health for s in status.values()} == {"viable"}
    shares = [s.translation_share for s in status.values()]
    assert all(0.05 < s < 0.5 for s in shares) and sum(shares) < 1
    assert all(0 < s.proteome_share < 0.5 for s in status.values())
    hv.pause("vm1")
    hv.destroy("vm2")
    hv.run(60)
    status = hv.status()
    assert status["vm1"].health == "paused" and status["vm2"].health == "destroyed"
    assert status["vm1"].translation_share < 0.1 * shares[0]


def test_commands_on_unknown_or_destroyed_vms_are_clear_errors(builds, tmp_path):
    hv = bioxen.Hypervisor.from_build(builds["plain"])
    with pytest.raises(CommandError, match="unknown VM 'vm9' \\(VMs: vm1, vm2\\)"):
        hv.pause("vm9")
    with pytest.raises(CommandError, match="unknown command 'REBOOT_VM'"):
        hv.command("REBOOT_VM", "vm1")
    hv.destroy("vm2")
    with pytest.raises(CommandError, match="VM 'vm2' is destroyed"):
        hv.resume("vm2")
    with pytest.raises(CommandError, match="positive duration"):
        hv.run("0 min")
    (tmp_path / "other.json").write_text('{"bioxen_state": 2, "model_sha256": "x"}')
    with pytest.raises(CommandError, match="saved from another model"):
        hv.load_state(tmp_path / "other.json")


def test_policy_commands_are_checked_with_their_location(tmp_path, synthetic_genbank):
    policy = _policy(tmp_path, synthetic_genbank, """control:
  - {at: 60 min, command: DESTROY_VM, vm: vm2}
  - {at: 90 min, command: RESUME_VM, vm: vm2}
  - {at: 2 d, command: PAUSE_VM, vm: vm1}""")
    with pytest.raises(PolicyError) as info:
        read_design(policy)
    message = str(info.value)
    assert f"{policy}:7:10: error: RESUME_VM on vm2 at 90 min: the VM is destroyed at 60 min" in message
    assert "PAUSE_VM on vm1 at 2880 min comes after the simulation ends (600 min)" in message
    unknown = _policy(tmp_path, synthetic_genbank, "control: [{at: 5 min, command: PAUSE_VM, vm: vm7}]")
    with pytest.raises(PolicyError, match="control names unknown VM\\(s\\): vm7"):
        read_design(unknown)


def test_set_resource_limit_resizes_the_pools(builds):
    hv = bioxen.Hypervisor.from_build(builds["plain"])
    hv.run(1500)
    before = hv.status()
    hv.set_resource_limit("vm2", "ribosomes", 0.3)
    hv.run(1500)
    after = hv.status()
    print({vm: f"{before[vm].translation_share:.3f} -> {after[vm].translation_share:.3f}" for vm in before})
    assert after["vm2"].translation_share > 1.5 * before["vm2"].translation_share
    assert after["vm1"].translation_share == pytest.approx(before["vm1"].translation_share, rel=0.10)
    with pytest.raises(CommandError, match="unknown resource 'cpu' \\(resources: ribosomes, ncaa, rnap\\)"):
        hv.set_resource_limit("vm1", "cpu", 0.1)
    with pytest.raises(CommandError, match="must be in \\(0, 1\\) and leave the host some"):
        hv.set_resource_limit("vm1", "ribosomes", 0.8)


def test_migrate_carries_the_vm_molecule_counts_exactly(builds):
    source = bioxen.Hypervisor.from_build(builds["plain"])
    target = bioxen.Hypervisor.from_build(builds["plain"])
    source.run(600)
    target.run(60)
    species = source.spec.vms["vm2"].species
    counts = {sid: source.rr[sid] for sid in species}
    source.migrate("vm2", target)
    assert {sid: target.rr[sid] for sid in species} == counts
    assert all(source.rr[sid] == 0 for sid in species) and source.status()["vm2"].health == "destroyed"
    for hv in (source, target):  # the identity translating = inventory - idle - held still holds
        # (ribosomes held by a VM's ribosome gate, gate_<vm>__ribosome_<pool>, neither translate nor idle)
        bound = sum(hv.rr[s] for s in hv.rr.model.getFloatingSpeciesIds()
                    if "__ribosome" in s and not s.startswith("gate_"))
        assert hv.rr["ribosomes_translating"] == pytest.approx(bound, rel=1e-9)
    protein = target.status()["vm2"].protein
    target.run(60)
    assert target.status()["vm2"].translation_flux > 0 and target.status()["vm2"].protein > 0.5 * protein
    with pytest.raises(CommandError, match="VM 'vm2' is destroyed"):
        source.migrate("vm2", target)


@pytest.mark.slow
def test_create_starts_a_dormant_slot_live_and_by_timed_command(tmp_path, synthetic_genbank):
    def policy(control=""):
        return write_policy(tmp_path / "dormant.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {synthetic_genbank}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {synthetic_genbank}, genetic_code: recode, ribosomes: {{share: 0.15}}, start: dormant}}
{control}
simulate: {{until: 600 min, points: 601}}
""")
    hv = bioxen.Hypervisor.from_policy(policy(), tmp_path / "live")
    hv.run(300)
    assert hv.status()["vm2"].health == "dormant" and hv.status()["vm2"].protein == 0
    # no pool before CREATE (the ODE solver's rounding, ~1e-20 molecules, aside)
    assert hv.rr["ribosomes_free_o2"] + hv.rr["rRNA_o2"] == pytest.approx(0, abs=1e-9)
    hv.create("vm2")
    live = hv.run(300)
    assert hv.status()["vm2"].health == "viable" and hv.status()["vm2"].protein > 1000
    with pytest.raises(CommandError, match="VM 'vm1' is already running"):
        hv.create("vm1")
    timed = bioxen.Hypervisor.from_policy(policy("control: [{at: 300 min, command: CREATE_VM, vm: vm2}]"),
                                          tmp_path / "timed")
    timed.run(300)
    again = timed.run(300)
    assert np.allclose(again["vm2_protein_total"], live["vm2_protein_total"], rtol=1e-4, atol=1e-6)
    with pytest.raises(PolicyError, match="CREATE_VM on vm1 at 5 min: the VM is already running"):
        read_design(policy("control: [{at: 5 min, command: CREATE_VM, vm: vm1}]"))


def test_status_reports_the_reporter_fluorescence_which_destroy_clears(builds):
    hv = bioxen.Hypervisor.from_build(builds["plain"])
    hv.run(600)
    lit = hv.status()["vm2"].fluorescence
    assert lit > 100
    hv.destroy("vm2")
    hv.run(90)
    assert hv.status()["vm2"].fluorescence < 0.01 * lit and hv.status()["vm1"].fluorescence > 0.9 * lit


@pytest.mark.slow
def test_timed_and_live_set_resource_limit_give_the_same_trajectory(resized):
    timed = bioxen.Hypervisor.from_build(resized["timed"])
    assert timed.ribosome_shares["vm2"] == timed.spec.vms["vm2"].ribosome_share == 0.15
    timed.run(RESIZE_AT)   # the event fires at the end of this stretch; the state is still the old one
    before = timed.status()["vm2"].translation_share
    assert timed.ribosome_shares["vm2"] == NEW_SHARE  # the runtime followed the event
    assert timed.spec.vms["vm2"].ribosome_share == 0.15   # in its own state: the build's spec stays as written
    timed.run(RESIZE_UNTIL - RESIZE_AT)
    after = timed.status()["vm2"].translation_share
    live = bioxen.Hypervisor.from_build(resized["plain"])
    live.run(RESIZE_AT)
    live.set_resource_limit("vm2", "ribosomes", NEW_SHARE)
    live.run(RESIZE_UNTIL - RESIZE_AT)
    ours, theirs = live.results(), timed.results()
    assert np.allclose(ours["time_min"], theirs["time_min"])
    for column in ("vm1_protein_total", "vm2_protein_total", "vm2_translation_flux", "growth_rate_per_min"):
        assert np.allclose(ours[column], theirs[column], rtol=1e-4, atol=1e-6), column
    print(f"vm2 translation share: {before:.3f} at {RESIZE_AT:g} min (policy 0.15) -> {after:.3f} at "
          f"{RESIZE_UNTIL:g} min (new share {NEW_SHARE}); vm1 (0.15) ends at "
          f"{timed.status()['vm1'].translation_share:.3f}")
    assert abs(after - NEW_SHARE) < 0.5 * abs(before - NEW_SHARE)
    assert live.status()["vm2"].translation_share == pytest.approx(after, rel=1e-4)


@pytest.mark.slow
def test_bng2_runs_the_timed_set_resource_limit(resized, tmp_path):
    bngl = (resized["timed"] / "model.bngl").read_text()
    spec = json.loads((resized["timed"] / "outputs.json").read_text())
    (resize,) = [c for c in spec["control"] if c["command"] == "SET_RESOURCE_LIMIT"]
    assert set(resize["assignments"]) == {"w_rRNA_o1", "w_rRNA_o2"}
    for parameter, level in resize["assignments"].items():
        assert f'setParameter("{parameter}",{level!r})' in bngl
    gdat = _bng2(bngl, tmp_path)
    ours = simulate_build(resized["timed"], RESIZE_UNTIL, int(RESIZE_UNTIL) + 1)
    for t in (RESIZE_AT + 60, RESIZE_UNTIL):
        row = gdat[np.isclose(gdat["time"], t)].iloc[0]
        ours_row = ours[np.isclose(ours["time_min"], t)].iloc[0]
        assert row["vm2_protein_total"] == pytest.approx(ours_row["vm2_protein_total"], rel=1e-3), t


@pytest.mark.slow
def test_sbml_events_assign_every_pool_and_those_parameters_vary(resized):
    document = libsbml.readSBMLFromFile(str(resized["timed"] / "model.xml"))
    model = document.getModel()
    (event,) = [model.getEvent(i) for i in range(model.getNumEvents())]
    assigned = {event.getEventAssignment(i).getVariable() for i in range(event.getNumEventAssignments())}
    assert assigned == {"w_rRNA_o1", "w_rRNA_o2"}
    assert all(not model.getParameter(p).getConstant() for p in assigned)
    plain = libsbml.readSBMLFromFile(str(resized["plain"] / "model.xml")).getModel()
    assert plain.getParameter("w_rRNA_o1").getConstant() and plain.getNumEvents() == 0
