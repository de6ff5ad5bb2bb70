"""bioxen.report.lifetime: a construct's loss-of-function rate (EFM Calculator formulas) and how
long a growing culture keeps it (deterministic and stochastic)."""
from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord
from bioxen.report.lifetime import (
    BASE_SUBSTITUTION_RATE,
    Repeat,
    direct_repeats,
    half_life,
    mtbf,
    mutation_rates,
    simple_sequence_repeats,
)
from scipy.integrate import solve_ivp


def _random_dna(length: int, seed: int) -> str:
    """Random DNA without homopolymers longer than 2 or other short tandem runs the SSR scan counts."""
    rng, dna = random.Random(seed), ""
    while len(dna) < length:
        base = rng.choice("ACGT")
        candidate = dna + base
        if not simple_sequence_repeats(candidate[-16:]):
            dna = candidate
    return dna


def _record(dna: str, features=(), rid: str = "construct") -> SeqRecord:
    return SeqRecord(Seq(dna), id=rid, features=[SeqFeature(FeatureLocation(a, b, 1), type=t,
                                                            qualifiers={"label": [n]}) for t, n, a, b in features])


BACKGROUND = _random_dna(1200, seed=7)


def test_background_has_no_repeat_or_ssr():
    assert direct_repeats(BACKGROUND) == [] and simple_sequence_repeats(BACKGROUND) == []


def test_rates_add_up():
    dna = BACKGROUND[:300] + "G" + "A" * 8 + "G" + BACKGROUND[300:600] + "CAG" * 5 + BACKGROUND[600:]
    rates = mutation_rates(_record(dna))
    assert [(s.kind, s.what) for s in rates.sites if s.kind != "point"] == [
        ("ssr", "(A)x8 in construct"), ("ssr", "(CAG)x5 in construct")]
    assert rates.total == pytest.approx(rates.rate("point") + rates.rate("ssr") + rates.rate("rmd"))
    assert rates.total == pytest.approx(sum(s.rate for s in rates.sites))
    # EFM (V): log10 mu = 0.72896 n - 12.91471 (homopolymer), 0.06282 n - 4.74882 (longer units)
    assert rates.rate("ssr") == pytest.approx(10 ** (0.72896 * 8 - 12.91471) + 10 ** (0.06282 * 5 - 4.74882))


def test_a_100_bp_direct_repeat_adds_the_published_deletion_rate():
    """EFM's recA+ formula (after Oliveira et al.): (8.8 + m)^(-29/L) * L / (1 + 1465.6 L), here
    for L = 100 bp and a spacer m = 400 bp: 1.19e-4 per cell per generation."""
    unit = _random_dna(100, seed=11)
    dna = BACKGROUND[:300] + unit + BACKGROUND[300:700] + unit + BACKGROUND[700:]
    assert direct_repeats(dna) == [Repeat(300, 800, 100)]
    before, after = mutation_rates(_record(BACKGROUND)), mutation_rates(_record(dna))
    expected = (8.8 + 400) ** (-29 / 100) * 100 / (1 + 1465.6 * 100)
    assert after.rate("rmd") - before.rate("rmd") == pytest.approx(expected) == pytest.approx(1.19e-4, rel=0.01)
    assert after.top(1)[0].kind == "rmd" and "100-bp direct repeat at 301 and 801" in after.top(1)[0].what
    given = [(r.first, r.second, r.length) for r in direct_repeats(dna)]   # as sequence QA lists them
    assert mutation_rates(_record(dna), repeats=given).sites == after.sites
    recA_minus = mutation_rates(_record(dna), recombination="recA-").rate("rmd")
    assert recA_minus == pytest.approx((200.4 + 400) ** (-8.8 / 100) * 100 / (1 + 2163 * 100 + 14438.6 * 400))


def test_only_functional_features_count():
    """Point mutations only in functional features; a repeat counts when its deletion hits one."""
    unit = _random_dna(40, seed=3)
    dna = BACKGROUND[:100] + unit + BACKGROUND[100:200] + unit + BACKGROUND[200:]
    cds = ("CDS", "gfp", 600, 900)
    outside = mutation_rates(_record(dna, [cds]))
    assert outside.rate("point") == pytest.approx(300 * BASE_SUBSTITUTION_RATE) and outside.rate("rmd") == 0
    assert outside.functional_bp == 300
    inside = mutation_rates(_record(dna, [cds, ("promoter", "pTet", 150, 200)]))
    assert inside.rate("rmd") > 0 and "promoter pTet" in inside.top(1)[0].what
    bare = mutation_rates(_record(dna))               # no annotation: all of it is functional
    assert bare.functional_bp == len(dna) and bare.rate("rmd") == inside.rate("rmd")


def test_ssr_units_are_primitive_and_reported_once():
    runs = simple_sequence_repeats(BACKGROUND[:50] + "AT" * 6 + BACKGROUND[50:100])
    assert [(r.start, r.unit, r.copies) for r in runs] == [(50, "AT", 6)]


def test_zero_burden_half_life_is_mutation_only():
    """No selection: the working fraction is 2^(-mu g), half after 1/mu doublings."""
    assert half_life(1e-3, 0.0, 60.0).generations == pytest.approx(1000.0)
    assert half_life(1e-3, 0.0, 60.0).hours == pytest.approx(1000.0, rel=1e-3)
    assert half_life(0.0, 0.3, 60.0).generations == math.inf
    stochastic = half_life(1e-2, 0.0, 60.0, method="stochastic", population=1e6, dilution=100, runs=8)
    assert stochastic.generations == pytest.approx(100.0, rel=0.05)


def test_closed_form_matches_the_ode():
    mu, burden, doubling = 2e-4, 0.15, 45.0
    found = half_life(mu, burden, doubling)
    divide = math.log(2) / doubling
    working, broken = divide * (1 - mu), divide / (1 - burden)
    half = lambda t, y: y[0] - y[1]
    half.terminal = True
    ode = solve_ivp(lambda t, y: [working * y[0], broken * y[1] + mu * divide * y[0]], (0, 1e5), [1.0, 0.0],
                    events=half, rtol=1e-10, atol=1e-12)
    t = ode.t_events[0][0]
    assert found.hours * 60 == pytest.approx(t, rel=1e-6)
    assert found.generations == pytest.approx(math.log2(sum(ode.y_events[0][0])), rel=1e-6)


def test_more_burden_fails_sooner():
    lives = [half_life(1e-5, b, 30.0).generations for b in (0.01, 0.05, 0.2, 0.4)]
    assert lives == sorted(lives, reverse=True) and lives[-1] < 60 < lives[0]


def test_stochastic_agrees_with_deterministic_within_statistics():
    exact = half_life(1e-4, 0.1, 30.0)
    runs = half_life(1e-4, 0.1, 30.0, method="stochastic", population=1e7, dilution=100, runs=24, seed=3)
    sample = np.array(runs.samples)
    assert len(sample) == 24 and sample.std() > 0
    assert abs(sample.mean() - exact.generations) < 3 * sample.std(ddof=1) / np.sqrt(len(sample)) + 0.5
    assert runs.spread[0] <= runs.generations <= runs.spread[1]
    again = half_life(1e-4, 0.1, 30.0, method="stochastic", population=1e7, dilution=100, runs=24, seed=3)
    assert again.samples == runs.samples


def test_mtbf_adds_the_constructs_rates():
    unit = _random_dna(130, seed=5)
    terminated = _record(BACKGROUND[:400] + unit + BACKGROUND[400:900] + unit, rid="hypervisor")
    plain = _record(BACKGROUND, [("CDS", "gfp", 0, 720)], rid="vm1")
    life = mtbf([terminated, plain], burden=0.2, doubling_min=120.0)
    totals = [c.rates.total for c in life.constructs]
    assert life.mu == pytest.approx(sum(totals))
    assert life.half_life.hours < min(c.half_life.hours for c in life.constructs)
    assert life.top(1)[0][0] == "hypervisor" and life.top(1)[0][1].kind == "rmd"
    summary = json.loads(json.dumps(life.to_dict()))
    assert summary["founding_expectation_hours"] == [24.0, 48.0]
    assert summary["meets_expectation"] == (life.half_life.hours >= 24.0)
    assert [c["id"] for c in summary["constructs"]] == ["hypervisor", "vm1"]


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"burden=1\.0"):
        half_life(1e-5, 1.0, 30.0)
    with pytest.raises(ValueError, match="deterministic, stochastic"):
        half_life(1e-5, 0.1, 30.0, method="gillespie")
    with pytest.raises(ValueError, match="max_generations"):
        half_life(1e-8, 0.0, 30.0, method="stochastic")
    with pytest.raises(ValueError, match="recA"):
        mutation_rates(_record(BACKGROUND), recombination="recB")
