"""Round-robin scheduling: the VMs' gates open in turn, every quantum, by an external clock
(inducer pulses) or an internal one (a ring oscillator compiled into the cell)."""
import libsbml
import numpy as np
import pytest
from scipy.signal import find_peaks

from bioxen.backend.compile import compile_design, outputs_spec
from bioxen.cello import load_cello
from bioxen.errors import CompileError, PolicyError
from bioxen.frontend import read_design
from bioxen.passes.clock import resting_closures
from bioxen.ring import (RingKinetics, design_degradation, limit_cycle, node_gene, node_of_turn, ring_nodes,
                         steepest_gain)
from bioxen.runtime.simulate import Outputs, simulate_sbml
from conftest import write_policy

VMS = ("vm1", "vm2", "vm3")
SETTLE = 600.0   # min before measuring


def _policy(tmp_path, genome, quantum, until, clock="external", vms=VMS):
    listed = "\n".join(f"  - {{id: {vm}, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}"
                       for vm in vms)
    return write_policy(tmp_path / f"rr{quantum:g}.yaml", f"""
schema_version: 1
scheduler: {{policy: round_robin, quantum: {quantum:g} min, clock: {clock}}}
vms:
{listed}
simulate: {{until: {until:g} min, points: {int(until) + 1}}}
""")


def _simulate(build, until):
    spec = outputs_spec(build)
    return simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs.from_spec(spec), until, int(until) + 1)


def _ribosome_shares(table) -> np.ndarray:
    """Each VM's share of the VMs' translating ribosomes over ``table``'s rows."""
    time = np.array([table[f"{vm}_ribosomes_translating"].to_numpy() for vm in VMS]).sum(axis=1)
    return time / time.sum()


@pytest.mark.parametrize("quantum", [30.0, 60.0, 90.0])
@pytest.mark.slow
def test_round_robin_gives_each_vm_its_turn_and_a_fair_share(tmp_path, synthetic_genbank, quantum):
    until = 600 + 9 * quantum                       # settle, then three periods of three turns
    build = compile_design(read_design(_policy(tmp_path, synthetic_genbank, quantum, until)))
    table = _simulate(build, until)
    late = table[table["time_min"] >= until - 9 * quantum]
    flux = np.array([late[f"{vm}_translation_flux"].to_numpy() for vm in VMS])
    # fair = equal ribosome time (the report's fairness): the VMs' proteins differ in length (vm1's
    # C-terminal pdt1 tag is 27 aa, vm2's and vm3's N-degrons 7 aa), so proteins per minute may not
    shares = _ribosome_shares(late)
    print(f"quantum {quantum:g} min: ribosome-time shares {np.round(shares, 3)}")
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


def _peaks(table, vm):
    flux = table[f"{vm}_translation_flux"].to_numpy()
    found, _ = find_peaks(flux, prominence=0.3 * (flux.max() - flux.min()))
    return table["time_min"].to_numpy()[found]


def _assert_the_model_ring_is_the_designed_ring(build):
    """The model's ring nodes are the ones the clock pass designed (bioxen.ir.RingClock.parts):
    each node's Hill n and promoter leak with their sources, its gene's RBS, its VMs' gate h and
    threshold."""
    ring = build.design.clock
    values = {p.name: p.value for p in build.builder.model.parameters}
    assert len(ring.parts) == ring.nodes
    for i, node in enumerate(ring.parts):
        assert values[f"clock_hill_{i}"] == node.hill.value and values[f"clock_leak_{i}"] == node.leak.value
        assert build.builder.sources[f"clock_hill_{i}"] == node.hill.source
        assert values[f"kb_{node_gene(i)}"] == pytest.approx(values["k_b"] * node.initiation_strength)
    for vm, i in zip(ring.turns, ring.node_of):
        assert values[f"clock_gate_hill_{vm}"] == ring.parts[i].gate_hill.value
        # alike nodes' thresholds differ by the cycle's sampling only (< 0.1%); different repressors' by 2x
        assert values[f"clock_gate_K_{vm}"] == pytest.approx(ring.parts[i].gate_threshold, rel=0.01)


def _assert_the_ring_is_the_steepest_wired_repressors(design):
    """The model's ring is the Cello repressors the wiring gave its nodes (their n and leak), and
    those are the free repressors of greatest steepest-point gain, taken before each VM's pulse
    repressor (decoder gates first): left the widest-range leftovers (QacR, AmtR, AmeR: gains
    3.6, 1.3, 0.8) this ring reached quanta of 14-33 min only. A VM whose PAUSE sensor leaks
    (naringenin's 4.5%) is closed that far at rest, and its gate threshold designed for it."""
    wiring, library = design.wiring, load_cello()
    ring = [node.repressor for node in design.clock.parts]
    assert ring == [wiring.repressor_of(node_gene(i)) for i in range(design.clock.nodes)]
    for node in design.clock.parts:
        response = library.repressors[node.repressor].response
        assert node.hill.value == response.n and node.leak.value == pytest.approx(response.ymin / response.ymax)

    def gain(name):
        r = library.repressors[name].response
        return float(steepest_gain(r.ymin / r.ymax, r.n))
    pulses = [wiring.repressor_of(f"pulse_repressor_protease_{vm}") for vm in VMS]
    assert len(set(ring + pulses)) == 6 and not set(ring + pulses) & {g.repressor for g in wiring.decoder}
    assert min(gain(r) for r in ring) >= max(gain(r) for r in pulses) and min(gain(r) for r in ring) > 2.4
    resting = resting_closures(design)
    leaky = [vm for vm in VMS if wiring.sensor(wiring.input_of(vm, "pause").inducers[0]).leak > 0.04]
    assert leaky and all(resting[vm] > 0.04 for vm in leaky)
    assert all(resting[vm] < 0.02 for vm in VMS if vm not in leaky)


@pytest.mark.parametrize("quantum", [30.0, 45.0, 60.0])
@pytest.mark.slow
def test_internal_clock_gives_each_vm_its_turn_once_a_period(tmp_path, synthetic_genbank, quantum):
    until = SETTLE + 5 * 3 * quantum
    build = compile_design(read_design(_policy(tmp_path, synthetic_genbank, quantum, until, "internal")))
    ring = build.design.clock
    assert ring.nodes == 3 and ring.node_of == (0, 2, 1)
    assert "transcription_clock_0" in build.builder.model.rules.keys()   # a genetic ring, not events
    assert not build.design.control
    _assert_the_model_ring_is_the_designed_ring(build)
    _assert_the_ring_is_the_steepest_wired_repressors(build.design)
    table = _simulate(build, until)
    late = table[table["time_min"] >= SETTLE]
    first = _peaks(late, "vm1")
    period = float(np.diff(first).mean())
    start, end = first[0], first[0] + 3 * period          # exactly three periods from a vm1 peak
    peaks = sorted((t, vm) for vm in VMS for t in _peaks(late, vm) if start <= t < end - 1)
    order = [vm for _, vm in peaks]
    print(f"quantum {quantum:g} min: period {period:.1f} min (designed {ring.period:.1f}), measured quantum "
          f"{period / 3:.1f} min; peaks {[(round(t), vm) for t, vm in peaks]}")
    assert order == list(VMS) * 3          # each VM peaks once per period, in turn
    assert 0.5 < (period / 3) / quantum < 2
    assert abs(period / ring.period - 1) < 0.15     # the ring is designed at the guests' burdened state
    window = table[(table["time_min"] >= start) & (table["time_min"] < end)]
    flux = np.array([window[f"{vm}_translation_flux"].to_numpy() for vm in VMS])
    shares = _ribosome_shares(window)   # equal ribosome time, as above
    print(f"  shares of o-ribosome time over three periods {np.round(shares, 3)}, peak/trough "
          f"{np.round(flux.max(axis=1) / flux.min(axis=1), 1)}")
    assert np.all(np.abs(shares - 1 / 3) < 0.05 / 3)
    assert np.all(flux.max(axis=1) > 3 * flux.min(axis=1))


@pytest.mark.parametrize("vms", [1, 2, 4, 5, 7])
@pytest.mark.slow
def test_a_ring_for_any_number_of_vms_keeps_the_designed_period_and_turns(vms):
    nodes = ring_nodes(vms)
    assert nodes % 2 == 1 and nodes >= max(vms, 3) and nodes - max(vms, 3) <= 1
    turns = [node_of_turn(t, nodes) for t in range(vms)]
    assert len(set(turns)) == vms
    kinetics = RingKinetics(21.3, 0.001, 40, 2, 0.347, 2.4, 3.63, 0.024)
    quantum = 25.0
    cycle = limit_cycle(kinetics, nodes, design_degradation(kinetics, nodes, nodes * quantum))
    assert cycle.period == pytest.approx(nodes * quantum, rel=0.01)
    peak_times = [cycle.time[np.argmax(cycle.repressor[node])] for node in turns]
    # the turn-t node peaks t quanta after node 0 (round the period)
    lags = [(t_peak - peak_times[0]) % cycle.period for t_peak in peak_times]
    assert np.allclose(lags, [t * quantum for t in range(vms)], atol=0.05 * quantum)


@pytest.mark.slow
def test_internal_clock_for_two_vms_alternates_with_an_idle_turn(tmp_path, synthetic_genbank):
    quantum, until = 30.0, SETTLE + 5 * 3 * 30.0
    build = compile_design(read_design(_policy(tmp_path, synthetic_genbank, quantum, until, "internal",
                                               vms=("vm1", "vm2"))))
    assert build.design.clock.nodes == 3
    late = _simulate(build, until)
    late = late[late["time_min"] >= SETTLE]
    peaks = sorted((t, vm) for vm in ("vm1", "vm2") for t in _peaks(late, vm))
    assert [vm for _, vm in peaks][:4] == ["vm1", "vm2", "vm1", "vm2"] or \
        [vm for _, vm in peaks][:4] == ["vm2", "vm1", "vm2", "vm1"]


@pytest.mark.slow
def test_a_quantum_the_ring_cannot_reach_is_a_clear_error(tmp_path, synthetic_genbank):
    design = read_design(_policy(tmp_path, synthetic_genbank, 400.0, 600, "internal"))
    with pytest.raises(CompileError, match=r"quantum 400 min: a ring of 3 nodes reaches periods of \d+ to \d+ min"):
        compile_design(design)
