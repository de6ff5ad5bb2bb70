"""The round-robin ring built from real repressors: each node is the Cello repressor the wiring
assigned (its Hill n and leak, measured on its own promoter), the ring keeps the policy's period,
and each VM's gate threshold is designed for its node so that the gate is open for one turn."""
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from bioxen import ir
from bioxen.cello import load_cello
from bioxen.errors import CompileError
from bioxen.frontend import read_design
from bioxen.passes.clock import node_constants, operating_band
from bioxen.quantity import Quantity
from bioxen.ring import (RingKinetics, design_degradation, fair_gate_thresholds, gate_thresholds, limit_cycle,
                         node_gene, node_of_turn, steepest_levels, titrated_opening)
from bioxen.rules import Builder
from bioxen.rules import clock as clock_rules
from bioxen.rules.host import weisse_host
from conftest import write_policy

RING = ("PhlF", "AmtR", "BetI")      # Hill n 3.8, 1.7, 2.9; leaks 0.0006, 0.011, 0.014 (Cello Eco1C2G2T2)
OPENING = 0.5                         # the ribosome gate's: anti-gate / (excess + anti-gate) = 20/40


def _responses(names):
    library = load_cello()
    return [library.repressors[name].response for name in names]


def _open_fraction(cycle, thresholds, hills) -> np.ndarray:
    """Each node's share of the period with its gate's closure below OPENING."""
    closure = 1 / (1 + (cycle.repressor / np.asarray(thresholds)[:, None]) ** np.asarray(hills)[:, None])
    return (closure < OPENING).mean(axis=1)


@pytest.mark.slow
def test_a_ring_of_different_repressors_keeps_its_period_and_opens_each_gate_for_one_turn():
    responses = _responses(RING)
    hill = tuple(r.n for r in responses)
    kinetics = RingKinetics(21.3, tuple(r.ymin / r.ymax for r in responses), 40, hill, 0.347, 2.4, 3.63, 0.024)
    nodes, quantum = 3, 30.0
    cycle = limit_cycle(kinetics, nodes, design_degradation(kinetics, nodes, nodes * quantum))
    assert cycle.period == pytest.approx(nodes * quantum, rel=0.01)
    # the nodes differ: their repressors swing over different ranges
    assert np.ptp(cycle.repressor.max(axis=1)) > 0.2 * cycle.repressor.max()
    # the turns keep their order: the turn-t node peaks about t quanta after node 0
    peaks = [cycle.time[np.argmax(cycle.repressor[node_of_turn(t, nodes)])] for t in range(nodes)]
    lags = [(p - peaks[0]) % cycle.period for p in peaks]
    assert np.allclose(lags, [t * quantum for t in range(nodes)], atol=0.15 * quantum), lags
    gate_hill = 2 * np.array(hill)
    thresholds = gate_thresholds(cycle, OPENING, gate_hill)
    assert np.allclose(_open_fraction(cycle, thresholds, gate_hill), 1 / nodes, atol=0.01)
    # one threshold for every node (node 0's, as for a ring of alike nodes) would not do
    alike = _open_fraction(cycle, np.full(nodes, thresholds[0]), gate_hill)
    assert np.max(np.abs(alike - 1 / nodes)) > 0.05, alike
    # the cell runs the ring below the design's estimate (fewer ribosomes per ring mRNA, slower
    # growth): thresholds pooled over the band of operating points keep the turns alike there
    degradation = design_degradation(kinetics, nodes, nodes * quantum)
    band = [limit_cycle(k, nodes, degradation) for k in operating_band(kinetics)]
    pooled = gate_thresholds(band, OPENING, gate_hill)
    lower = limit_cycle(replace(kinetics, bound=0.55 * kinetics.bound, growth=0.82 * kinetics.growth), nodes,
                        degradation)
    spread = {name: np.ptp(_open_fraction(lower, k, gate_hill)) for name, k in (("point", thresholds),
                                                                               ("band", pooled))}
    assert spread["band"] < 0.5 * spread["point"], spread


SHALLOW = ("QacR", "AmtR", "AmeR")   # n 4.3, 1.7, 1.3; leaks 0.008, 0.011, 0.056: what a wiring may leave the ring


def _kinetics(names, **changes):
    responses = _responses(names)
    kinetics = RingKinetics(21.3, tuple(r.ymin / r.ymax for r in responses), 40,
                            tuple(r.n for r in responses), 0.347, 2.14, 3.63, 0.0132)
    return replace(kinetics, **changes)


@pytest.mark.slow
def test_a_ring_of_shallow_leaky_repressors_oscillates_when_each_node_sits_at_its_steepest_point():
    nodes, period = 3, 90.0
    uniform = _kinetics(SHALLOW)         # every node's RBS alike (the parts library's yield)
    with pytest.raises(ValueError, match="does not oscillate"):
        design_degradation(uniform, nodes, period)
    steepest = replace(uniform, level=tuple(steepest_levels(uniform, nodes)))
    degradation = design_degradation(steepest, nodes, period)
    cycle = limit_cycle(steepest, nodes, degradation)
    assert cycle.period == pytest.approx(period, rel=0.01)
    # its steady state: each repressor at x = (P/K)^n = 1/sqrt(leak), the steepest point of its promoter
    leak, hill = steepest.per_node(nodes)
    geometric_mean = np.exp(np.log(cycle.repressor).mean(axis=1))
    assert np.allclose((geometric_mean / 40) ** hill * np.sqrt(leak), 1, rtol=0.6), geometric_mean
    # each node its own RBS: the levels differ by ~6x, so do the ribosomes bound per mRNA
    bound = steepest.ribosomes_bound(nodes, degradation)
    assert np.ptp(bound) > 2 * bound.min()


def test_fair_gate_thresholds_give_every_vm_the_same_ribosome_time():
    nodes = 3
    kinetics = _kinetics(SHALLOW)
    kinetics = replace(kinetics, level=tuple(steepest_levels(kinetics, nodes)))
    cycle = limit_cycle(kinetics, nodes, 0.07)
    gate_hill = 2 * np.array([r.n for r in _responses(SHALLOW)])
    fair = fair_gate_thresholds(cycle, OPENING, gate_hill)
    opened = titrated_opening(cycle.repressor, fair, gate_hill, np.full(nodes, OPENING))
    assert np.allclose(opened, opened.mean(), rtol=1e-3), opened
    # gates open for equal times would not do: a shallow repressor's gate opens softly
    timed = titrated_opening(cycle.repressor, gate_thresholds(cycle, OPENING, gate_hill), gate_hill,
                             np.full(nodes, OPENING))
    assert np.ptp(timed) > 0.1 * timed.mean(), timed
    # a VM whose PAUSE sensor leaks 4.5% (naringenin's) at rest: its gate opens earlier, for the same time
    resting = np.array([0.0, 0.0, 0.045])
    leaky = fair_gate_thresholds(cycle, OPENING, gate_hill, resting)
    opened = titrated_opening(cycle.repressor, leaky, gate_hill, np.full(nodes, OPENING), resting)
    assert np.allclose(opened, opened.mean(), rtol=1e-3), opened
    assert leaky[2] < fair[2] and np.allclose(leaky[:2], fair[:2], rtol=1e-3)
    blind = titrated_opening(cycle.repressor, fair, gate_hill, np.full(nodes, OPENING), resting)
    assert blind[2] < 0.9 * blind[:2].mean(), blind        # thresholds blind to the leak: 15% short
    with pytest.raises(ValueError, match="closed past its opening at rest"):
        fair_gate_thresholds(cycle, OPENING, gate_hill, [0.0, 0.0, 0.6])
    # nodes alike: the same thresholds as gates open for 1/nodes of the period
    alike = limit_cycle(replace(kinetics, leak=0.001, hill=2.0, level=None), nodes, 0.2)
    assert np.allclose(fair_gate_thresholds(alike, OPENING, 4.0), gate_thresholds(alike, OPENING, 4.0), rtol=0.02)


def test_per_node_kinetics_must_match_the_ring():
    kinetics = RingKinetics(21.3, (0.001, 0.002), 40, 2.0, 0.347, 2.4, 3.63, 0.024)
    with pytest.raises(ValueError, match="leak has 2 values for a ring of 3 nodes"):
        kinetics.per_node(3)


@pytest.fixture
def clocked_design(tmp_path, synthetic_genbank):
    """A three-VM design on the internal clock, as read (before the passes)."""
    vms = "\n".join(f"  - {{id: {vm}, genome: {synthetic_genbank}, genetic_code: recode, ribosomes: {{share: 0.15}}}}"
                    for vm in ("vm1", "vm2", "vm3"))
    return read_design(write_policy(tmp_path / "ring.yaml", f"""
schema_version: 1
scheduler: {{policy: round_robin, quantum: 30 min, clock: internal}}
vms:
{vms}
"""))


def _wired(design, names):
    return replace(design, wiring=ir.Wiring(repressors=tuple((node_gene(i), n) for i, n in enumerate(names))))


def test_ring_nodes_take_their_wired_repressors_constants(clocked_design):
    constants = node_constants(_wired(clocked_design, RING))
    assert [c[0] for c in constants] == list(RING)
    for (name, hill, leak, gate_hill), response in zip(constants, _responses(RING)):
        assert hill.value == response.n and leak.value == pytest.approx(response.ymin / response.ymax)
        assert gate_hill.value == 2 * response.n
        assert hill.source.startswith("V:") and leak.source.startswith("V:") and gate_hill.source.startswith("A:")
        assert f"_{name} " in hill.source and f"p{name}" in leak.source   # the Cello gate and its promoter
    # without a wiring every node is the parts library's repressor
    library = clocked_design.parts.clock
    assert node_constants(clocked_design) == (("", library["hill"], library["leak"], library["gate_hill"]),) * 3


@pytest.mark.parametrize("names, message", [
    (("PhlF", "PhlF", "BetI"), "needs 3 distinct repressors, one per node; the wiring gives clock_0: PhlF"),
    (("PhlF", "NoSuchR", "BetI"), "repressor\\(s\\) NoSuchR, which the Cello parts lack"),
])
def test_a_ring_needs_distinct_known_repressors(clocked_design, names, message):
    with pytest.raises(CompileError, match=message):
        node_constants(_wired(clocked_design, names))


def test_the_model_gives_each_node_its_repressors_constants(clocked_design):
    """rules.clock: node i's gene answers to node i - 1's repressor with that repressor's n and
    leak; a VM's gate takes its node's gate Hill coefficient and threshold."""
    q = clocked_design.parts.clock
    parts = [SimpleNamespace(hill=Quantity(n, "dimensionless", f"V: n {n}"), leak=Quantity(e, "dimensionless"),
                             gate_hill=Quantity(2 * n, "dimensionless"), gate_threshold=k, initiation_strength=rbs)
             for n, e, k, rbs in ((3.8, 0.0006, 500.0, 0.2), (1.7, 0.011, 900.0, 1.5), (2.9, 0.014, 400.0, 0.9))]
    b = Builder("ring")
    weisse_host(b, dict(clocked_design.chassis.parameters))   # the host the ring's genes are made in
    levels = clock_rules.ring(b, 3, q, 0.2, 1.0, 10.0, parts=parts)
    closure = clock_rules.gate_closure(b, "vm2", levels[1], 123.0, q, parts[1])
    values = {p.name: p.value for p in b.model.parameters}
    assert [values[f"clock_hill_{i}"] for i in range(3)] == [3.8, 1.7, 2.9]
    assert [values[f"clock_leak_{i}"] for i in range(3)] == [0.0006, 0.011, 0.014]
    assert b.sources["clock_hill_1"] == "V: n 1.7"
    activity = str(b.model.expressions["promoter_activity_clock_1"].expr)
    assert "clock_hill_0" in activity and "clock_leak_0" in activity and "clock_repressor_0_level" in activity
    assert values["clock_gate_K_vm2"] == 900.0 and values["clock_gate_hill_vm2"] == 3.4
    # each node's gene has its own RBS (the design holds every node at its steepest point)
    k_b = values["k_b"]
    assert [values[f"kb_clock_{i}"] / k_b for i in range(3)] == pytest.approx([0.2, 1.5, 0.9])
    assert "clock_repressor_1_level" in str(closure.expr)
    with pytest.raises(ValueError, match="a ring of 3 nodes given 2 repressors"):
        clock_rules.ring(b, 3, q, 0.2, 1.0, 10.0, parts=parts[:2])
