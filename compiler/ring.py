"""Designing the round-robin clock: a ring oscillator whose phases release the VMs' gates in turn.

A ring of M repressor genes, each repressing the next, oscillates when M is odd
(Elowitz & Leibler 2000, Nature 403:335: M = 3, the repressilator); node i + 1
lags node i by (M + 1)/2 · T/M, so node ``2t mod M`` peaks at turn t. A ring
for N VMs has M = the smallest odd number ≥ max(N, 3) nodes; with N even one
turn in every period is idle.

The compiler sizes the ring on a reduced model of its genes in the cell the guests
burden (:mod:`bioxen.passes.clock`; free mRNA m_i and repressor P_i, molecules per cell,
minutes; ribosome binding at quasi-steady state, k bound ribosomes per free mRNA)::

    (1 + k)·dm_i/dt = w·s·(ε_{i-1} + (1 - ε_{i-1})/(1 + (P_{i-1}/K)^n_{i-1})) - (d_m + λ(1 + k))·m_i
    dP_i/dt        = k·(γ/L)·m_i - (δ + λ)·P_i

Node i's gene is transcribed from the promoter of node i - 1's repressor, so it
answers with that repressor's Hill coefficient n_{i-1} and that promoter's leak
ε_{i-1}: the ring's nodes may be different repressors (Cello's, :mod:`bioxen.cello`),
each with its own n and ε. The compiler chooses the repressors' common degradation δ
(the strength of their ssrA-variant tag) so that the period is M × quantum. VM k's gate
promoter is repressed by its node's repressor with threshold K_g of that node, chosen so
that the gate is open for 1/M of the period: the sRNA gate while its sRNA transcription
is below the VM's mRNA transcription, the ribosome gate while its gate RNA's is below its
anti-gate's. In the whole cell the ring's own burden and its VMs' turns slow growth and
cut the free ribosomes below the design's estimate, so the repressors swing lower and the
period runs shorter than designed (7-13% with three VMs at 0.15 of the ribosomes each);
different repressors answer that differently, so the VMs' turns differ in length.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bioxen.ir import node_of_turn, ring_nodes  # noqa: F401  (the ring's topology, set with the schedule)

# scipy (scipy.signal alone imports in ~2 s) is imported where a ring is designed, so that
# `bioxen --help` and a cached compile, which import this module's package, do not pay for it

def node_gene(node: int) -> str:
    """``clock_<node>``, the model's name of one ring node's gene (the wiring pass assigns each a
    repressor by this name)."""
    return f"clock_{node}"


MAX_DEGRADATION = 1.0       # 1/min: a repressor half-life of 42 s, beyond any degron
GRID_POINTS = 10
SETTLE_PERIODS, MEASURED_PERIODS = 8, 4
SAMPLES_PER_PERIOD = 400


@dataclass(frozen=True)
class RingKinetics:
    """The ring genes' constants at one operating point of the cell. ``leak`` and ``hill`` are each
    node's repressor's on its own promoter (the next node's): one number for a ring of alike
    nodes, or one per node."""

    transcription: float    # w·s, molecules/min, promoter fully derepressed
    leak: float | tuple[float, ...]     # ε, a repressor's promoter fully repressed over free
    K: float                # molecules, half repression
    hill: float | tuple[float, ...]     # n
    mrna_decay: float       # d_m, 1/min
    bound: float            # k, ribosomes per free mRNA
    elongation: float       # γ/L, proteins per bound ribosome per min
    growth: float           # λ, 1/min

    def per_node(self, nodes: int) -> tuple[np.ndarray, np.ndarray]:
        """(ε, n) of each node's repressor, node 0 first."""
        return _per_node(self.leak, nodes, "leak"), _per_node(self.hill, nodes, "hill")


def _per_node(values, nodes: int, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        return np.full(nodes, float(array))
    if array.shape != (nodes,):
        raise ValueError(f"ring kinetics: {what} has {array.size} values for a ring of {nodes} nodes")
    return array


@dataclass(frozen=True)
class LimitCycle:
    period: float                  # min
    time: np.ndarray               # one period, from node 0's peak
    mrna: np.ndarray               # [node, time], free mRNA
    repressor: np.ndarray          # [node, time]


def _rates(kin: RingKinetics, nodes: int, degradation: float):
    leak, hill = (np.roll(x, 1) for x in kin.per_node(nodes))   # node i answers to node i - 1's repressor

    def rates(_t, y):
        m, p = y[:nodes], y[nodes:]
        repressor = np.roll(p, 1)
        activity = leak + (1 - leak) / (1 + (np.maximum(repressor, 0) / kin.K) ** hill)
        dm = (kin.transcription * activity - (kin.mrna_decay + kin.growth * (1 + kin.bound)) * m) / (1 + kin.bound)
        dp = kin.bound * kin.elongation * m - (degradation + kin.growth) * p
        return np.concatenate([dm, dp])
    return rates


def limit_cycle(kin: RingKinetics, nodes: int, degradation: float) -> LimitCycle | None:
    """The ring's oscillation with repressor degradation δ, or None if it settles instead."""
    from scipy.integrate import solve_ivp
    from scipy.signal import find_peaks

    timescale = 1 / (degradation + kin.growth) + 1 / (kin.mrna_decay + kin.growth)
    guess = 4 * nodes * timescale                       # a generous first bound on the period
    y0 = np.zeros(2 * nodes)
    y0[nodes] = 5 * kin.K                               # node 0 on: breaks the ring's symmetry
    until = (SETTLE_PERIODS + MEASURED_PERIODS) * guess
    solution = solve_ivp(_rates(kin, nodes, degradation), (0, until), y0, method="LSODA",
                         rtol=1e-7, atol=1e-9, dense_output=True)
    if not solution.success:
        return None
    t = np.linspace(SETTLE_PERIODS * guess, until, MEASURED_PERIODS * SAMPLES_PER_PERIOD)
    first = solution.sol(t)[nodes]
    if first.max() < 2 * max(first.min(), 1e-12):
        return None
    peaks, _ = find_peaks(first, prominence=0.25 * (first.max() - first.min()))
    if len(peaks) < 3:
        return None
    period = float(np.diff(t[peaks]).mean())
    span = np.linspace(t[peaks[-2]], t[peaks[-2]] + period, SAMPLES_PER_PERIOD, endpoint=False)
    state = solution.sol(span)
    return LimitCycle(period, span - span[0], state[:nodes], state[nodes:])


def _period(kin: RingKinetics, nodes: int, degradation: float) -> float:
    cycle = limit_cycle(kin, nodes, degradation)
    return cycle.period if cycle else float("nan")


def design_degradation(kin: RingKinetics, nodes: int, period: float) -> float:
    """The repressor degradation δ (1/min) that gives the ring ``period`` minutes.

    The period falls as δ rises, until the repressors are too short-lived to
    repress and the ring stops; δ + λ is scanned on a log grid up to
    ``MAX_DEGRADATION``, then refined in the bracket that holds ``period``.
    Raises ValueError naming the periods the ring can reach.
    """
    from scipy.optimize import brentq

    lam = kin.growth
    grid = np.geomspace(lam, MAX_DEGRADATION + lam, GRID_POINTS) - lam
    periods = [_period(kin, nodes, d) for d in grid]
    reached = [(d, t) for d, t in zip(grid, periods) if not np.isnan(t)]
    if not reached:
        raise ValueError("the ring does not oscillate at these parts' kinetics")
    for (d0, t0), (d1, t1) in zip(reached, reached[1:]):
        if t1 <= period <= t0:
            def miss(log_loss):
                return _period(kin, nodes, np.exp(log_loss) - lam) - period
            return float(np.exp(brentq(miss, np.log(d0 + lam), np.log(d1 + lam), xtol=1e-3)) - lam)
    shortest, longest = min(t for _, t in reached), max(t for _, t in reached)
    raise ValueError(f"a ring of {nodes} nodes reaches periods of {shortest:.0f} to {longest:.0f} min "
                     f"(quanta of {shortest / nodes:.0f} to {longest / nodes:.0f} min); {period:g} min asked")


def gate_thresholds(cycles, opening, hill) -> np.ndarray:
    """K_g of each node's gate promoters, so that the gate lets its VM run for 1/nodes of the period.

    The gate is open while the clock's closure 1/(1 + (P_i/K_g)^h_i) is below ``opening``
    (:func:`bioxen.passes.clock.gate_opening`: where the gate RNA's induced transcription
    falls to what titrates it), that is P_i > K_g·(1/opening - 1)^(1/h_i). P_i exceeds its
    (1 - 1/nodes) quantile for 1/nodes of the period. ``cycles``: one limit cycle, or the ring's
    cycles over a band of operating points, pooled (each one period), so that each gate is open
    for 1/nodes of the period on average over the band: different repressors' swings answer a
    change of the cell's state differently, and a threshold set at one point would give their
    VMs turns of different lengths elsewhere. ``opening`` and ``hill`` (the gate promoters' h):
    one number, or one per node.
    """
    cycles = [cycles] if isinstance(cycles, LimitCycle) else list(cycles)
    nodes = cycles[0].repressor.shape[0]
    opening = _per_node(opening, nodes, "gate opening")
    if not np.all((opening > 0) & (opening < 1)):
        raise ValueError(f"a gate opens at a closure between 0 and 1, not {', '.join(f'{o:g}' for o in opening)}")
    pooled = np.concatenate([cycle.repressor for cycle in cycles], axis=1)
    released = np.quantile(pooled, 1 - 1 / nodes, axis=1)
    return released / (1 / opening - 1) ** (1 / _per_node(hill, nodes, "gate hill"))
