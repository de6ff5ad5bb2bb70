"""Evolutionary lifetime (MTBF) of a hypervisor's constructs in a growing culture.

The founding document expects a mean time between failures of 24-48 hours of continuous operation
(../shared/seeds/003, "Reliability Metrics"). A construct fails for good when a cell's copy breaks
and the broken cells, spared the construct's burden, outgrow the working ones. Two halves:

1. **How often a construct breaks** (:func:`mutation_rates`): loss-of-function mutations per cell
   per generation, the sum over the three failure modes of the EFM Calculator (Jack, Leonard,
   Mishler, Renda, Leon, Suarez & Barrick 2015 ACS Synth Biol 4:939). The formulas below were read
   (V) in the calculator's published source, ``EFM`` below; this module is an implementation of
   those formulas, not a copy of that code:

   * base substitutions and small indels (BPS): ``BASE_SUBSTITUTION_RATE`` per bp per generation;
   * simple sequence repeats (SSR, tandem runs of a 1-15 bp unit) slip:
     ``log10 mu = slope * copies + intercept``, one line for homopolymers, one for longer units;
   * repeat-mediated deletions (RMD) between two direct repeats of ``L >= 16`` bp with ``m`` bp
     between them: ``mu = (8.8 + m) ** (-29 / L) * L / (1 + 1465.6 L)`` in recA+ E. coli,
     ``(200.4 + m) ** (-8.8 / L) * L / (1 + 2163 L + 14438.6 m)`` in recA- E. coli.

   What counts (a choice, A): only bases inside functional features (CDS, rRNA, tRNA, ncRNA,
   tmRNA, misc_RNA, promoter, terminator, RBS, regulatory) take point mutations, every such base
   counted as lethal to the construct (an upper bound: many substitutions are silent); an SSR or
   RMD counts when what it changes overlaps a functional feature (for an RMD the deleted span, from
   the first copy to the second); a record with no functional feature is functional throughout
   (the calculator's own default). Only exact direct repeats are found (the calculator also
   counts near-exact ones through nucmer), on the forward strand of a linear molecule.

2. **How long a culture keeps it** (:func:`half_life`): working cells (fraction f) divide at
   ``lambda = ln 2 / doubling_min``, each division making one broken daughter with probability
   ``mu``; broken cells divide at ``lambda / (1 - burden)`` (the burden relieved). From an
   all-working start, the deterministic model has a closed form (``W = M`` at
   ``t = ln(1 + D / (mu lambda)) / D`` with ``D = lambda (1 / (1 - burden) - 1 + mu)``); the
   stochastic one passages a culture of ``population`` cells through a bottleneck of
   ``population / dilution`` (leaps of one working-cell generation: exact pure-birth growth,
   Poisson mutation with the exact deterministic mean, binomial sampling at each transfer). The
   half-life is counted in population doublings (log2 of the culture's total growth, as a
   serial-passage experiment counts generations) and in hours of growth. With no burden it is
   ``1 / mu`` doublings: mutation alone, no selection. The same model (ODE and stochastic, cell
   doublings to 50% failure) is the one of Radde et al. 2024 Nat Commun,
   doi:10.1038/s41467-024-50639-9 (their script ``RADDE_MODEL``, read V).

:func:`mtbf` puts both together for a design's records: each record's own rate and half-life, and
the design's, which fails when any construct fails (rates add), assuming each failure relieves the
whole burden (the fastest takeover, so the shortest, most cautious lifetime).

The rates are E. coli's, the only hosts the calculator is calibrated for. No product of
../shared/data/syn3a_gene_table.csv is RecA (V; ``recombination="recA-"`` is then the closer
formula) and Mycoplasma lack mismatch repair (R), so for a Syn3A host these numbers are
assumptions (A), not measurements.
"""
from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass, field

import numpy as np
from Bio.SeqRecord import SeqRecord

EFM = "barricklab/efm-calculator efm_helper.py @ 3b96f18db4e3222bedd04d21a55b8030897762a8"
RADDE_MODEL = "JChonpca/igem2019 burden_model/master-burden-simulator.R @ d3d47e4645cbd793a9b53252fafcddf9493b3c20"
FOUNDING_MTBF_HOURS = (24.0, 48.0)  # V: ../shared/seeds/003_1ca69f061b776776.txt line 161

# V: EFM SUB_RATE. The calculator takes it from Lee, Popodi, Tang & Foster 2012 PNAS 109:E2774
# (E. coli mutation accumulation); that paper's own figure is recalled (R), not read.
BASE_SUBSTITUTION_RATE = 2.2e-10
# V: EFM get_mut_rate, E. coli (recA+ and recA- alike): (slope, intercept) of log10 rate per copies.
HOMOPOLYMER_SLIPPAGE = (0.72896, -12.91471)
LONGER_UNIT_SLIPPAGE = (0.06282, -4.74882)
# V: EFM process_efm: units of 1-15 bp; at least 4 copies of a homopolymer, max(3, ceil(8/unit)) else.
MAX_SSR_UNIT = 15
# V: EFM run_mummer: repeat-match -n 16 and nucmer -l 16 (forward strand).
MIN_REPEAT = 16
RECOMBINATION = ("recA+", "recA-")
FUNCTIONAL = frozenset({"CDS", "rRNA", "tRNA", "ncRNA", "tmRNA", "misc_RNA", "promoter", "terminator",
                        "RBS", "regulatory"})


# --- the three failure modes ----------------------------------------------------------------

def ssr_rate(unit_length: int, copies: int) -> float:
    """Slippage rate (per cell per generation) of ``copies`` tandem copies of a ``unit_length`` bp
    unit (EFM, V).

    >>> f"{ssr_rate(1, 4):.2e}, {ssr_rate(3, 3):.2e}"   # AAAA; CAGCAGCAG
    '1.00e-10, 2.75e-05'
    """
    slope, intercept = HOMOPOLYMER_SLIPPAGE if unit_length == 1 else LONGER_UNIT_SLIPPAGE
    return 10.0 ** (slope * copies + intercept)


def min_ssr_copies(unit_length: int) -> int:
    """The fewest copies the calculator counts as an SSR for a unit this long (EFM, V)."""
    return 4 if unit_length == 1 else max(3, math.ceil(8 / unit_length))


def rmd_rate(length: int, spacer: int, recombination: str = "recA+") -> float:
    """Deletion rate (per cell per generation) between two direct repeats of ``length`` bp with
    ``spacer`` bp between them (EFM after Oliveira et al., V; 0 for overlapping copies)."""
    _check_recombination(recombination)
    if spacer < 0:
        return 0.0
    if recombination == "recA+":
        return (8.8 + spacer) ** (-29.0 / length) * length / (1 + 1465.6 * length)
    return (200.4 + spacer) ** (-8.8 / length) * length / (1 + 2163.0 * length + 14438.6 * spacer)


def _check_recombination(recombination: str) -> None:
    if recombination not in RECOMBINATION:
        raise ValueError(f"unknown recombination {recombination!r} (expected one of: {', '.join(RECOMBINATION)})")


@dataclass(frozen=True)
class Repeat:
    """Two exact direct copies of ``length`` bp starting at ``first`` < ``second`` (0-based)."""

    first: int
    second: int
    length: int

    @property
    def spacer(self) -> int:
        return self.second - self.first - self.length


def direct_repeats(sequence: str, min_length: int = MIN_REPEAT) -> list[Repeat]:
    """Every maximal exact direct repeat pair of at least ``min_length`` bp, as sequence QA finds
    them (:func:`bioxen.backend.sequence_qa.direct_repeats`; a part used n times gives n(n-1)/2
    pairs, as the calculator counts them)."""
    from bioxen.backend.sequence_qa import direct_repeats as found

    return [Repeat(*pair) for pair in found(sequence.upper(), min_length)]


@dataclass(frozen=True)
class TandemRun:
    """``copies`` tandem copies of ``unit`` starting at ``start`` (0-based)."""

    start: int
    unit: str
    copies: int

    @property
    def end(self) -> int:
        return self.start + len(self.unit) * self.copies


def simple_sequence_repeats(sequence: str) -> list[TandemRun]:
    """Tandem runs of a primitive 1-15 bp unit with at least :func:`min_ssr_copies` copies; a run
    is reported once, from its first full copy (scanning left to right, past each run found)."""
    seq = sequence.upper()
    runs = []
    for k in range(1, MAX_SSR_UNIT + 1):
        tandem = re.compile(f"(?=(([ACGT]{{{k}}})\\2{{{min_ssr_copies(k) - 1},}}))")  # every start, overlaps too
        resume = 0
        for m in tandem.finditer(seq):
            if m.start() >= resume and _primitive(m.group(2)):
                runs.append(TandemRun(m.start(), m.group(2), len(m.group(1)) // k))
                resume = runs[-1].end
    return sorted(runs, key=lambda r: (r.start, len(r.unit)))


def _primitive(unit: str) -> bool:
    """Not a power of a shorter unit (ATAT is AT twice)."""
    return (unit + unit).find(unit, 1) == len(unit)


# --- a construct's rate -----------------------------------------------------------------

@dataclass(frozen=True)
class Site:
    """One failure mode of a construct: ``kind`` point (a feature's bases), ssr or rmd."""

    kind: str
    rate: float
    start: int
    end: int
    what: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "rate_per_generation": self.rate, "start": self.start + 1,
                "end": self.end, "what": self.what}


@dataclass(frozen=True)
class ConstructRates:
    """Loss-of-function mutation rate of one record, per cell per generation, by failure mode;
    ``total`` is the sum of ``sites`` (capped at 1, one failure per division at most)."""

    record_id: str
    length_bp: int
    functional_bp: int
    recombination: str
    sites: tuple[Site, ...]

    def rate(self, kind: str | None = None) -> float:
        return sum(s.rate for s in self.sites if kind in (None, s.kind))

    @property
    def total(self) -> float:
        return min(1.0, self.rate())

    def top(self, count: int = 5) -> list[Site]:
        """The sites that shorten the lifetime most."""
        return sorted(self.sites, key=lambda s: -s.rate)[:count]

    def to_dict(self, top: int = 5) -> dict:
        return {"id": self.record_id, "length_bp": self.length_bp, "functional_bp": self.functional_bp,
                "recombination": self.recombination, "mu_per_generation": self.total,
                "point": self.rate("point"), "ssr": self.rate("ssr"), "rmd": self.rate("rmd"),
                "top_sites": [s.to_dict() for s in self.top(top)]}


def functional_spans(record: SeqRecord) -> list[tuple[int, int, str]]:
    """(start, end, label) of each functional feature's parts, by start; the whole record when it
    has none."""
    spans = []
    for feature in record.features:
        if feature.type in FUNCTIONAL:
            for part in feature.location.parts:
                spans.append((int(part.start), int(part.end), _label(feature)))
    return sorted(spans) or [(0, len(record.seq), record.id)]


def _label(feature) -> str:
    for key in ("label", "gene", "product", "locus_tag", "note"):
        if feature.qualifiers.get(key):
            return f"{feature.type} {feature.qualifiers[key][0]}"
    return feature.type


class _Overlaps:
    """The labels of the spans (sorted by start) that overlap [start, end), in order."""

    def __init__(self, spans):
        self.spans = spans
        self.starts = [s for s, _, _ in spans]
        self.reach = list(itertools.accumulate((e for _, e, _ in spans), max))   # furthest end so far

    def __call__(self, start: int, end: int) -> list[str]:
        i, hits = bisect.bisect_left(self.starts, end) - 1, []
        while i >= 0 and self.reach[i] > start:
            if self.spans[i][1] > start:
                hits.append(self.spans[i][2])
            i -= 1
        return list(dict.fromkeys(reversed(hits)))


def _point_sites(spans) -> list[Site]:
    """One site per functional feature, over the bases no earlier feature took (overlaps once)."""
    sites, covered = [], 0
    for start, end, label in spans:
        bases = max(0, end - max(start, covered))
        covered = max(covered, end)
        if bases:
            sites.append(Site("point", bases * BASE_SUBSTITUTION_RATE, start, end, f"{bases} bp of {label}"))
    return sites


def _ssr_sites(sequence: str, overlapping: _Overlaps) -> list[Site]:
    sites = []
    for run in simple_sequence_repeats(sequence):
        hit = overlapping(run.start, run.end)
        if hit:
            sites.append(Site("ssr", ssr_rate(len(run.unit), run.copies), run.start, run.end,
                              f"({run.unit})x{run.copies} in {', '.join(hit)}"))
    return sites


def _rmd_sites(repeats, overlapping: _Overlaps, recombination: str) -> list[Site]:
    sites = []
    for r in repeats:
        hit = overlapping(r.first, r.second)
        rate = rmd_rate(r.length, r.spacer, recombination)
        if hit and rate > 0:
            sites.append(Site("rmd", rate, r.first, r.second + r.length,
                              f"{r.length}-bp direct repeat at {r.first + 1} and {r.second + 1}: deleting "
                              f"{r.second - r.first} bp of {', '.join(hit)}"))
    return sites


def mutation_rates(record: SeqRecord, repeats: list[Repeat | tuple[int, int, int]] | None = None,
                   recombination: str = "recA+") -> ConstructRates:
    """The loss-of-function mutation rate of a construct (see the module docstring for what
    counts); ``repeats``: its direct repeats already found, as :class:`Repeat` or (first start,
    second start, length) tuples like :func:`bioxen.backend.sequence_qa.direct_repeats` gives
    (else :func:`direct_repeats`)."""
    _check_recombination(recombination)
    sequence = str(record.seq).upper()
    spans = functional_spans(record)
    repeats = direct_repeats(sequence) if repeats is None else [Repeat(*r) if isinstance(r, tuple) else r
                                                                 for r in repeats]
    points = _point_sites(spans)
    overlapping = _Overlaps(spans)
    sites = points + _ssr_sites(sequence, overlapping) + _rmd_sites(repeats, overlapping, recombination)
    functional = round(sum(s.rate for s in points) / BASE_SUBSTITUTION_RATE)
    return ConstructRates(record.id, len(sequence), functional, recombination, tuple(sites))


# --- a culture's half-life ------------------------------------------------------------------

@dataclass(frozen=True)
class HalfLife:
    """Population doublings (and hours of growth) until half the cells have lost the construct;
    for the stochastic method the median over runs, ``samples`` holding each run's doublings."""

    generations: float
    hours: float
    method: str
    samples: tuple[float, ...] = ()

    @property
    def spread(self) -> tuple[float, float] | None:
        """10th and 90th percentile of the runs' doublings (stochastic only)."""
        if not self.samples:
            return None
        low, high = np.percentile(self.samples, [10, 90])
        return float(low), float(high)

    def to_dict(self) -> dict:
        found = {"generations": self.generations, "hours": self.hours, "method": self.method}
        if self.samples:
            found.update(runs=len(self.samples), generations_p10_p90=list(self.spread))
        return found


def half_life(mu: float, burden: float, doubling_min: float, *, population: float = 1e9,
              method: str = "deterministic", runs: int = 20, seed: int = 0, dilution: float = 1000.0,
              max_generations: float = 1e5) -> HalfLife:
    """Doublings and hours until half a culture has lost a construct that fails at ``mu`` per
    division and slows its cells' growth by ``burden`` (0 <= burden < 1); ``doubling_min`` is the
    doubling time of cells with the working construct. ``method``: "deterministic" (closed form,
    an infinite culture) or "stochastic" (``runs`` serial-passage cultures of ``population``
    cells diluted ``dilution``-fold, seeded)."""
    _check(mu, burden, doubling_min)
    exact = _deterministic(mu, burden, doubling_min)
    if method == "deterministic":
        return exact
    if method != "stochastic":
        raise ValueError(f"unknown method {method!r} (expected one of: deterministic, stochastic)")
    if exact.generations > max_generations:
        raise ValueError(f"the stochastic culture would need ~{exact.generations:.3g} doublings "
                         f"(more than max_generations={max_generations:g}); use method='deterministic'")
    if not (runs >= 1 and dilution >= 2 and population / dilution >= 1):
        raise ValueError(f"need runs >= 1, dilution >= 2 and population/dilution >= 1 cell "
                         f"(got runs={runs}, dilution={dilution}, population={population})")
    return _stochastic(mu, burden, doubling_min, population, dilution, runs, seed, max_generations)


def _check(mu: float, burden: float, doubling_min: float) -> None:
    problems = [f"{name}={value!r} (expected {want})" for name, value, ok, want in (
        ("mu", mu, 0 <= mu <= 1, "a probability per division, 0-1"),
        ("burden", burden, 0 <= burden < 1, "a fractional growth-rate cost, 0 <= burden < 1"),
        ("doubling_min", doubling_min, doubling_min > 0, "minutes > 0")) if not ok]
    if problems:
        raise ValueError("half_life: " + "; ".join(problems))


def _rates(mu: float, burden: float, doubling_min: float) -> tuple[float, float, float]:
    """(working cells' division rate, their net growth rate, broken cells' growth rate) per min."""
    divide = math.log(2) / doubling_min
    return divide, divide * (1 - mu), divide / (1 - burden)


def _deterministic(mu: float, burden: float, doubling_min: float) -> HalfLife:
    if mu == 0:
        return HalfLife(math.inf, math.inf, "deterministic")
    divide, working, broken = _rates(mu, burden, doubling_min)
    gap = broken - working
    minutes = math.log1p(gap / (mu * divide)) / gap         # broken cells = working cells
    doublings = 1 + working * minutes / math.log(2)          # log2(2 W): the culture doubled 1 + ...
    return HalfLife(doublings, minutes / 60, "deterministic")


def _stochastic(mu, burden, doubling_min, population, dilution, runs, seed, max_generations) -> HalfLife:
    """Leaps of one working-cell generation: each lineage grows as a pure-birth (Yule) process,
    exactly (negative binomial: cells do not die, so a lone mutant is never lost to growth noise);
    the broken cells founded during a leap are Poisson with the exact deterministic mean (grown
    since); a transfer keeps a binomial ``population / dilution`` cells whenever the culture
    reaches ``population``."""
    rng = np.random.default_rng(seed)
    divide, working, broken = _rates(mu, burden, doubling_min)
    keep, grow_b = np.exp(working * doubling_min), np.exp(broken * doubling_min)
    founded = mu * divide * (grow_b - keep) / (broken - working) if broken != working else 0.0
    bottleneck = population / dilution
    w, b = np.full(runs, round(bottleneck), dtype=np.int64), np.zeros(runs, dtype=np.int64)
    doublings, found = np.zeros(runs), np.full((2, runs), np.nan)
    for leap in range(int(max_generations) + 1):
        w2 = _yule(rng, w, keep)
        b2 = _yule(rng, b, grow_b) + rng.poisson(w * founded)
        grown = doublings + np.log2((w2 + b2) / (w + b))
        _mark_half(found, w, b, w2, b2, doublings, grown, leap, doubling_min)
        if not np.isnan(found[0]).any():
            break
        doublings, w, b = grown, w2, b2
        sample = np.where(w + b >= population, bottleneck / np.maximum(w + b, 1), 1.0)
        w, b = rng.binomial(w, sample), rng.binomial(b, sample)
    else:
        raise ValueError(f"stochastic cultures did not reach half-life within {max_generations:g} doublings: "
                         f"with {bottleneck:.3g} cells at each transfer, broken cells arise too rarely or drift "
                         "out; raise max_generations or population, or use method='deterministic'")
    return HalfLife(float(np.median(found[0])), float(np.median(found[1])) / 60, "stochastic",
                    tuple(float(g) for g in found[0]))


def _yule(rng, cells, growth: float):
    """Cells after a pure-birth process multiplied their expected number by ``growth``."""
    return cells + np.where(cells > 0, rng.negative_binomial(np.maximum(cells, 1), 1 / growth), 0)


def _mark_half(found, w, b, w2, b2, before, after, leap, doubling_min) -> None:
    """Where a run's working fraction first falls to 1/2 during this leap, interpolated in log-odds."""
    crossed = np.isnan(found[0]) & (w2 <= b2)
    if not crossed.any():
        return
    odds_before = np.log(np.maximum(w, 1) / np.maximum(b, 0.5))
    odds_after = np.log(np.maximum(w2, 1) / np.maximum(b2, 0.5))
    share = np.clip(odds_before / np.maximum(odds_before - odds_after, 1e-12), 0, 1)
    found[0] = np.where(crossed, before + share * (after - before), found[0])
    found[1] = np.where(crossed, (leap + share) * doubling_min, found[1])


# --- a design's lifetime --------------------------------------------------------------------

@dataclass(frozen=True)
class ConstructLifetime:
    rates: ConstructRates
    half_life: HalfLife

    def to_dict(self, top: int = 5) -> dict:
        return {**self.rates.to_dict(top), "half_life": self.half_life.to_dict()}


@dataclass(frozen=True)
class Lifetime:
    """A design's evolutionary lifetime: each record's, and the design's (any construct failing)."""

    constructs: tuple[ConstructLifetime, ...]
    mu: float
    burden: float
    doubling_min: float
    half_life: HalfLife
    expectation_hours: tuple[float, float] = field(default=FOUNDING_MTBF_HOURS)

    @property
    def meets_expectation(self) -> bool:
        """At least the founding document's lower figure (24 h)."""
        return self.half_life.hours >= self.expectation_hours[0]

    def top(self, count: int = 5) -> list[tuple[str, Site]]:
        """(record id, site) of the failure modes that shorten the design's lifetime most."""
        every = [(c.rates.record_id, s) for c in self.constructs for s in c.rates.sites]
        return sorted(every, key=lambda pair: -pair[1].rate)[:count]

    def to_dict(self, top: int = 5) -> dict:
        return {"mu_per_generation": self.mu, "burden": self.burden, "doubling_min": self.doubling_min,
                "half_life": self.half_life.to_dict(),
                "founding_expectation_hours": list(self.expectation_hours),
                "meets_expectation": self.meets_expectation,
                "top_sites": [{"record": rid, **s.to_dict()} for rid, s in self.top(top)],
                "constructs": [c.to_dict(top) for c in self.constructs],
                "sources": {"rates": EFM, "model": RADDE_MODEL,
                            "expectation": "../shared/seeds/003_1ca69f061b776776.txt line 161"}}


def mtbf(records: list[SeqRecord], burden: float, doubling_min: float, *, method: str = "deterministic",
         recombination: str = "recA+", **culture) -> Lifetime:
    """The evolutionary lifetime of a design's constructs: each record's rate and half-life
    (deterministic), and the design's half-life by ``method`` with the records' rates added.
    ``burden``: the growth-rate cost of the working constructs, e.g. from a run's metrics
    ``1 - host_alone_doubling / design_doubling``; ``doubling_min``: the design's doubling time.
    ``culture``: population, runs, seed, dilution, max_generations (:func:`half_life`)."""
    constructs = tuple(ConstructLifetime(rates, half_life(rates.total, burden, doubling_min))
                       for rates in (mutation_rates(r, recombination=recombination) for r in records))
    mu = min(1.0, sum(c.rates.total for c in constructs))
    design = half_life(mu, burden, doubling_min, method=method, **culture)
    return Lifetime(constructs, mu, burden, doubling_min, design)
