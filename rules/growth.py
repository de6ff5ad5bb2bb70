"""Growth-coupled host: growth rate from translation, and dilution of everything.

Weisse et al. 2015 (PNAS 112:E1038)::

    λ = γ(a)·C / M        (1/min; C translating ribosomes, M proteome mass in aa)
    X → ∅  at  λ          (every species X)
"""
from __future__ import annotations

from bioxen.rules import Builder
from bioxen.rules.species import canonical_key


def growth_rate(b: Builder, p: dict):
    gamma = b.model.expressions["elongation_rate"]
    translating = b.model.expressions["ribosomes_translating"]
    mass = b.parameter("M", p["M"])
    return b.expression("growth_rate", gamma * translating / mass, "1/min")


def dilution(b: Builder):
    """Add ``X → ∅`` at the growth rate for every species the rules can make.

    The model's rules are concrete (each pattern is one species), so the
    species are exactly the rules' reactant and product patterns and the initials.
    """
    lam = b.model.expressions["growth_rate"]
    seen: dict[str, object] = {}
    for initial in b.model.initials:
        seen.setdefault(canonical_key(initial.pattern), initial.pattern)
    for rule in list(b.model.rules):
        for cp in rule.reactant_pattern.complex_patterns + rule.product_pattern.complex_patterns:
            seen.setdefault(canonical_key(cp), cp)
    for index, pattern in enumerate(seen.values()):
        names = "_".join(mp.monomer.name for mp in pattern.monomer_patterns)
        tags = b.species_tags(pattern)
        b.rule(f"dilution_{names}", pattern >> None, lam, tags=tags)
