"""Designing the round-robin clock: a ring oscillator whose phases release the VMs' gates in turn.

A ring of M repressor genes, each repressing the next, oscillates when M is odd
(Elowitz & Leibler 2000, Nature 403:335: M = 3, the repressilator); node i + 1
lags node i by (M + 1)/2 · T/M, so node ``2t mod M`` peaks at turn t. A ring
for N VMs has M = the smallest odd number ≥ max(N, 3) nodes; with N even one
turn in every period is idle.

The compiler sizes the ring on a reduced model of its genes in the cell the guests
burden (:mod:`bioxen.passes.clock`; free mRNA m_i and repressor P_i, molecules per cell,
minutes; ribosome binding at quasi-steady state, k_i bound ribosomes per free mRNA of node i)::

    (1 + k_i)·dm_i/dt = w·s·(ε_{i-1} + (1 - ε_{i-1})/(1 + (P_{i-1}/K)^n_{i-1})) - (d_m + λ(1 + k_i))·m_i
    dP_i/dt          = k_i·(γ/L)·m_i - (δ + λ)·P_i

Node i's gene is transcribed from the promoter of node i - 1's repressor, so it
answers with that repressor's Hill coefficient n_{i-1} and that promoter's leak
ε_{i-1}: the ring's nodes may be different repressors (Cello's, :mod:`bioxen.cello`),
each with its own n and ε. A ring of Cello repressors gets each node's RBS (k_i) so that its
steady state sits where every promoter answers most steeply (:func:`steepest_levels`):
shallow, leaky repressors oscillate only there. The compiler chooses the repressors' common
degradation δ (the strength of their ssrA-variant tag) so that the period is M × quantum.
VM k's gate promoter is repressed by its node's repressor with threshold K_g of that node:
the sRNA gate opens while its sRNA transcription is below the VM's mRNA transcription, the
ribosome gate while its gate RNA's is below its anti-gate's, and the VM translates as far as
the titrating RNA is left over (:func:`titrated_opening`). K_g is chosen so that each VM gets
the same ribosome time (:func:`fair_gate_thresholds`): a steep repressor's gate snaps open, a
shallow one's opens softly, so gates open for equal times would not do; nor would thresholds
blind to a VM's command promoters, whose leaks hold its gate partly closed at rest (a PAUSE on
naringenin's sensor, 4.5%, cost its VM 6-8% of its share). In the whole cell the
ring's own burden and its VMs' turns slow growth and cut the free ribosomes below the design's
estimate, so the repressors swing lower and the period runs shorter than designed (5-7% with
three VMs at 0.15 of the ribosomes each on a ring of QacR, SrpR and BM3R1; 7-12% on the parts
library's); the thresholds are designed over a band of such
operating points.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

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
LEVEL_SCALES = (1.0, 0.5, 0.25, 2.0)   # a Cello ring's node levels, times its steepest point's (design_ring)
ONSET_STEPS = 5             # bisections of the ring's Hopf point in log(δ + λ): within 1/32 of a grid step


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
    level: tuple[float, ...] | None = None   # molecules: each node's repressor fully derepressed, if set

    def per_node(self, nodes: int) -> tuple[np.ndarray, np.ndarray]:
        """(ε, n) of each node's repressor, node 0 first."""
        return _per_node(self.leak, nodes, "leak"), _per_node(self.hill, nodes, "hill")

    def ribosomes_bound(self, nodes: int, degradation: float) -> np.ndarray:
        """k of each node: ``bound``, or with ``level`` set the k of the RBS that makes each node's
        repressor reach its level fully derepressed at degradation δ (level·(δ + λ)/(w·s) proteins
        per transcript, :func:`ribosomes_for_yield`)."""
        if self.level is None:
            return _per_node(self.bound, nodes, "bound")
        proteins = _per_node(self.level, nodes, "level") * (degradation + self.growth) / self.transcription
        return ribosomes_for_yield(proteins, self.mrna_decay, self.elongation, self.growth)


class _LevelOutOfReach(ValueError):
    """A node's repressor level needs more proteins per transcript than the cell can make."""


def ribosomes_for_yield(proteins, mrna_decay: float, elongation: float, growth: float) -> np.ndarray:
    """Ribosomes bound per free mRNA (k) that yield ``proteins`` per transcript: proteins =
    k·(γ/L)/(d_m + λ(1 + k)), solved for k. Raises ValueError where growth dilutes the mRNA
    before its ribosomes can make that many (proteins ≥ (γ/L)/λ)."""
    proteins = np.asarray(proteins, dtype=float)
    if np.any(proteins * growth >= elongation):
        raise _LevelOutOfReach(f"{np.max(proteins):.3g} proteins per transcript, more than elongation {elongation:.3g} "
                         f"/min over growth {growth:.3g} /min allows")
    return proteins * (mrna_decay + growth) / (elongation - proteins * growth)


def steepest_gain(leak, hill) -> np.ndarray:
    """The greatest log-sensitivity of a repressor's promoter, n(1 - √ε)/(1 + √ε), at x = 1/√ε
    (:func:`steepest_levels`). A ring oscillates only if the product of its nodes' gains is large
    enough (above 2.4 for three nodes with mRNA and protein equally slow, 8 with fast mRNA):
    Cello's PhlF 3.6, SrpR 2.5, QacR 3.6; AmtR 1.3, AmeR 0.8."""
    root = np.sqrt(np.asarray(leak, dtype=float))
    return np.asarray(hill, dtype=float) * (1 - root) / (1 + root)


def steepest_levels(kin: RingKinetics, nodes: int) -> np.ndarray:
    """Each node's repressor fully derepressed (molecules) that holds the ring's steady state where
    every promoter answers most steeply, so that the loop's gain, the product of its promoters'
    log-sensitivities n(1 - ε)x/((1 + x)(1 + εx)), x = (P/K)^n, is greatest: each at x = 1/√ε,
    P*_i = K·ε_i^(-1/(2·n_i)). Node i is made behind node i - 1's promoter, so its level is
    P*_i over that promoter's activity at P*_{i-1}. A ring of leaky or shallow repressors (Cello's
    AmeR: n 1.3, ε 0.056) oscillates only near this point."""
    leak, hill = kin.per_node(nodes)
    steady = kin.K * leak ** (-1 / (2 * hill))
    activity = leak + (1 - leak) / (1 + (steady / kin.K) ** hill)
    return steady / np.roll(activity, 1)


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
    bound = kin.ribosomes_bound(nodes, degradation)

    def rates(_t, y):
        m, p = y[:nodes], y[nodes:]
        repressor = np.roll(p, 1)
        activity = leak + (1 - leak) / (1 + (np.maximum(repressor, 0) / kin.K) ** hill)
        dm = (kin.transcription * activity - (kin.mrna_decay + kin.growth * (1 + bound)) * m) / (1 + bound)
        dp = bound * kin.elongation * m - (degradation + kin.growth) * p
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
    try:
        cycle = limit_cycle(kin, nodes, degradation)
    except _LevelOutOfReach:     # its nodes' levels need more proteins per transcript than a cell can make
        return float("nan")
    return cycle.period if cycle else float("nan")


def _onset(kin: RingKinetics, nodes: int, oscillating: float, settling: float) -> tuple[float, float] | None:
    """(δ, period) of the longest-lived repressors that still oscillate, bisected on log(δ + λ)
    between a degradation where the ring oscillates and a lower one where it settles (a ring of
    shallow repressors stops oscillating, at its Hopf point, before the repressors' lives are
    long enough to reach long periods)."""
    lam, found = kin.growth, None
    low, high = np.log(settling + lam), np.log(oscillating + lam)
    for _ in range(ONSET_STEPS):
        middle = (low + high) / 2
        period = _period(kin, nodes, np.exp(middle) - lam)
        if np.isnan(period):
            low = middle
        else:
            high, found = middle, (float(np.exp(middle) - lam), period)
    return found


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
    slowest = int(np.flatnonzero(~np.isnan(periods))[0])
    if slowest and period > reached[0][1]:          # the longest periods lie between the grid's points
        onset = _onset(kin, nodes, grid[slowest], grid[slowest - 1])
        reached = [onset, *reached] if onset else reached
    for (d0, t0), (d1, t1) in zip(reached, reached[1:]):
        if t1 <= period <= t0:
            def miss(log_loss):
                return _period(kin, nodes, np.exp(log_loss) - lam) - period
            return float(np.exp(brentq(miss, np.log(d0 + lam), np.log(d1 + lam), xtol=1e-3)) - lam)
    raise _PeriodOutOfReach(nodes, period, min(t for _, t in reached), max(t for _, t in reached))


class _PeriodOutOfReach(ValueError):
    """The ring oscillates, but not with the period asked."""

    def __init__(self, nodes: int, period: float, shortest: float, longest: float):
        self.nodes, self.period, self.shortest, self.longest = nodes, period, shortest, longest
        super().__init__(f"a ring of {nodes} nodes reaches periods of {shortest:.0f} to {longest:.0f} min "
                         f"(quanta of {shortest / nodes:.0f} to {longest / nodes:.0f} min); {period:g} min asked")


def design_ring(kin: RingKinetics, nodes: int, period: float) -> tuple[RingKinetics, float]:
    """(the ring's kinetics with each node's ribosomes per mRNA fixed, its degradation δ) for
    ``period`` minutes (:func:`design_degradation`). Kinetics with ``level`` set try the levels
    times :data:`LEVEL_SCALES` in turn, the steepest point first: weaker RBSs (lower levels) let
    a ring of steep repressors reach shorter periods, stronger ones longer. Raises ValueError
    naming the periods the ring reaches at any of them."""
    if kin.level is None:
        return kin, design_degradation(kin, nodes, period)
    missed = []
    for scale in LEVEL_SCALES:
        scaled = replace(kin, level=tuple(float(x) * scale for x in kin.level))
        try:
            degradation = design_degradation(scaled, nodes, period)
        except _PeriodOutOfReach as exc:
            missed.append(exc)
            continue
        except ValueError:              # no oscillation at these levels
            continue
        return replace(scaled, bound=tuple(float(k) for k in scaled.ribosomes_bound(nodes, degradation)),
                       level=None), degradation
    if not missed:
        raise ValueError("the ring does not oscillate at these parts' kinetics, at any RBS strengths tried")
    raise _PeriodOutOfReach(nodes, period, min(m.shortest for m in missed), max(m.longest for m in missed))


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


def titrated_opening(repressor, threshold, hill, opening, resting=0.0) -> np.ndarray:
    """How far a gate lets its VM translate, 0 to 1, averaged over ``repressor``'s samples (one row
    per node): the gate's inducer left over once it has titrated the gate RNA's induced
    transcription, max(0, 1 - closed/opening), closure c = 1/(1 + (P/K_g)^h). Its VM's ribosome time
    follows this, not the time the gate is past ``opening``: measured in the whole cell (three VMs,
    ring QacR/AmtR/AmeR, gates open 0.37/0.36/0.37 of the period), ribosome-time shares
    0.396/0.289/0.315 against 0.402/0.268/0.330 from this measure and 1/3 each from the open time;
    a shallow repressor's gate (small h) opens softly and its VM translates less while open.
    ``resting``: each node's VM's gate closed that far by its commands' promoters at rest (their
    measured leaks, :func:`bioxen.passes.clock.resting_closures`): the gate's inducer is then
    closed = L + (1 - L)·c (the model's gate_inducer_<vm>, :mod:`bioxen.backend.model`)."""
    repressor = np.asarray(repressor)
    nodes = repressor.shape[0]
    resting = _per_node(resting, nodes, "resting closure")[:, None]
    ratio = repressor / np.asarray(threshold, dtype=float)[:, None]
    closure = 1 / (1 + ratio ** np.asarray(hill, dtype=float)[:, None])
    closed = resting + (1 - resting) * closure
    return np.clip(1 - closed / np.asarray(opening, dtype=float)[:, None], 0, None).mean(axis=1)


def fair_gate_thresholds(cycles, opening, hill, resting=0.0) -> np.ndarray:
    """K_g of each node's gate promoters, so that every VM gets the same ribosome time: from
    :func:`gate_thresholds` (each gate open 1/nodes of the period), each node's K_g is moved until
    its :func:`titrated_opening` over the pooled ``cycles`` is their mean there. Nodes alike keep
    :func:`gate_thresholds`' K_g; a ring of different repressors gets the shallow ones' gates
    lower thresholds (open longer) and the steep ones' higher, and a VM whose commands' promoters
    leak (``resting``, per node: its gate's closure at rest) a lower one: measured on three VMs
    whose vm3 PAUSE is the naringenin sensor (leak 4.5%), its ribosome-time share 0.305-0.319 of 1/3
    at quanta 30-60 min with thresholds blind to that leak, 0.323-0.330 with them designed for it."""
    from scipy.optimize import brentq

    cycles = [cycles] if isinstance(cycles, LimitCycle) else list(cycles)
    nodes = cycles[0].repressor.shape[0]
    opening, hill = _per_node(opening, nodes, "gate opening"), _per_node(hill, nodes, "gate hill")
    resting = _per_node(resting, nodes, "resting closure")
    if np.any(resting >= opening):
        raise ValueError("a gate closed past its opening at rest never lets its VM translate: resting "
                         f"closures {', '.join(f'{r:.3g}' for r in resting)}, openings "
                         f"{', '.join(f'{o:.3g}' for o in opening)}")
    start = gate_thresholds(cycles, opening, hill)
    pooled = np.concatenate([cycle.repressor for cycle in cycles], axis=1)
    target = titrated_opening(pooled, start, hill, opening).mean()

    def threshold(node):
        def miss(log_k):
            return titrated_opening(pooled[node:node + 1], [np.exp(log_k)], hill[node:node + 1],
                                    opening[node:node + 1], resting[node:node + 1])[0] - target
        return float(np.exp(brentq(miss, np.log(pooled[node].min()) - 10, np.log(pooled[node].max()) + 10,
                                   xtol=1e-6)))
    return np.array([threshold(node) for node in range(nodes)])
