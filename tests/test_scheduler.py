"""Round-robin scheduling by an external clock: the VMs' gates open in turn, every quantum."""
import libsbml
import numpy as np
import pytest

from bioxen.backend.compile import compile_design, outputs_spec
from bioxen.errors import PolicyError
from bioxen.frontend import read_design
from bioxen.runtime.simulate import Outputs, simulate_sbml
from conftest import write_policy

VMS = ("vm1", "vm2", "vm3")


def _policy(tmp_path, genome, quantum, until):
    vms = "\n".join(f"  - {{id: {vm}, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}"
                    for vm in VMS)
    return write_policy(tmp_path / f"rr{quantum:g}.yaml", f"""
schema_version: 1
scheduler: {{policy: round_robin, quantum: {quantum:g} min, clock: external}}
vms:
{vms}
simulate: {{until: {until:g} min, points: {int(until) + 1}}}
""")


@pytest.mark.parametrize("quantum", [30.0, 60.0, 90.0])
def test_round_robin_gives_each_vm_its_turn_and_a_fair_share(tmp_path, synthetic_genbank, quantum):
    until = 600 + 9 * quantum                       # settle, then three periods of three turns
    build = compile_design(read_design(_policy(tmp_path, synthetic_genbank, quantum, until)))
    spec = outputs_spec(build)
    table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs(spec["host"], spec["vms"]),
                          until, int(until) + 1)
    late = table[table["time_min"] >= until - 9 * quantum]
    flux = np.array([late[f"{vm}_translation_flux"].to_numpy() for vm in VMS])
    shares = flux.sum(axis=1) / flux.sum()
    print(f"quantum {quantum:g} min: shares {np.round(shares, 3)}")
    assert np.all(np.abs(shares - 1 / 3) < 0.05 / 3)  # within ±5% of 1/3
    leaders = []
    for turn in range(9):
        start = until - 9 * quantum + turn * quantum
        window = late[(late["time_min"] >= start) & (late["time_min"] < start + quantum)]
        leaders.append(int(np.argmax([window[f"{vm}_translation_flux"].mean() for vm in VMS])))
    # the leading VM advances by one every quantum: each VM peaks once per period, in turn
    assert all((b - a) % 3 == 1 for a, b in zip(leaders, leaders[1:])), leaders
    peaks = flux.max(axis=1) / np.maximum(flux.min(axis=1), 1e-9)
    assert np.all(peaks > 5)


def test_round_robin_needs_a_quantum(tmp_path, synthetic_genbank):
    policy = write_policy(tmp_path / "p.yaml", f"""
schema_version: 1
scheduler: {{policy: round_robin}}
vms:
  - {{id: vm1, genome: {synthetic_genbank}, genetic_code: recode}}
""")
    with pytest.raises(PolicyError, match="round_robin' needs a positive quantum"):
        read_design(policy)


def test_round_robin_rotates_among_running_vms_and_refuses_manual_gating(tmp_path, synthetic_genbank):
    vms = "\n".join(f"  - {{id: {vm}, genome: {synthetic_genbank}, genetic_code: recode}}" for vm in VMS)

    def policy(control):
        return write_policy(tmp_path / "p.yaml", f"""
schema_version: 1
scheduler: {{policy: round_robin, quantum: 30 min}}
vms:
{vms}
control: {control}
simulate: {{until: 240 min}}
""")
    design = read_design(policy("[{at: 90 min, command: DESTROY_VM, vm: vm2}]"))
    resumed = [(c.at, c.vm) for c in design.control if c.command == "RESUME_VM"]
    assert resumed[:3] == [(0, "vm1"), (30, "vm2"), (60, "vm3")]
    assert all(vm != "vm2" for at, vm in resumed if at >= 90)  # a destroyed VM leaves the rotation
    assert [vm for at, vm in resumed if at >= 90] == ["vm1", "vm3", "vm1", "vm3", "vm1"]
    with pytest.raises(PolicyError, match="PAUSE_VM on vm1 at 45 min: under scheduler round_robin"):
        read_design(policy("[{at: 45 min, command: PAUSE_VM, vm: vm1}]"))
