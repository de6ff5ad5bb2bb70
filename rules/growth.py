"""Growth-coupled host: growth rate from translation, and dilution of everything.

Weisse et al. 2015 (PNAS 112:E1038)::

    λ = γ(a)·C / M        (1/min; C translating ribosomes, M proteome mass in aa)
    X → ∅  at  λ          (every species X; a counted protein with its count)

A VM whose ribosomes elongate at f_v times the host's speed (policy
``kinetics.translation_aa_per_s``) pays energy for the amino acids it really makes
(:func:`bioxen.rules.energy.translation_cost`), but λ keeps counting its ribosomes at the
host's speed: λ·M = γ·C, which differs from the amino acids made by γ·(f_v − 1)·C_v (C_v the
VM's translating ribosomes; at 15 aa/s and a 20% share, 6% of λ). Counting them exactly
(C_eff = C + Σ (f_v − 1)·C_v in λ) makes every species' dilution depend on every VM
translating complex: a dense Jacobian block that made a whole Syn3A VM's ODE 700 times slower
(144 s instead of 0.2 s for 30 min). The energy pool, one species, takes that sum in one row.
"""
from __future__ import annotations

from bioxen.roles import Role
from bioxen.rules import Builder
from bioxen.rules.species import canonical_key

PARAMETERS = ("chassis.parameters.M",)


def growth_rate(b: Builder, p: dict):
    gamma = b.model.expressions["elongation_rate"]
    translating = b.model.expressions["ribosomes_translating"]
    mass = b.parameter("M", p["M"])
    return b.expression("growth_rate", gamma * translating / mass, "1/min")


def dilution(b: Builder):
    """Add ``X → ∅`` at the growth rate for every species the rules can make.

    The model's rules are concrete (each pattern is one species), so the
    species are exactly the rules' reactant and product patterns and the initials.
    A counted protein is diluted together with one count of its tag's counter
    (``P + C → ∅``, see :mod:`bioxen.rules.proteolysis`), so that the counter stays
    equal to the proteins it counts in stochastic runs too; the counters have no
    dilution of their own.
    """
    lam = b.model.expressions["growth_rate"]
    seen: dict[str, object] = {}
    for initial in b.model.initials:
        seen.setdefault(canonical_key(initial.pattern), initial.pattern)
    for rule in list(b.model.rules):
        for cp in rule.reactant_pattern.complex_patterns + rule.product_pattern.complex_patterns:
            seen.setdefault(canonical_key(cp), cp)
    counter_monomers = {counter.monomer.name for counter in b.counted.values()}
    removal: dict[str, object] = {}
    for pattern in seen.values():
        names = [mp.monomer.name for mp in pattern.monomer_patterns]
        if len(names) == 1 and names[0] in counter_monomers:
            continue
        tags, role = b.species_tags(pattern), _dilution_role(b, pattern)
        counter = b.counted.get(names[0]) if len(names) == 1 else None
        if counter is None:
            b.rule(f"dilution_{'_'.join(names)}", pattern >> None, lam, tags=tags, role=role)
            continue
        if counter.tag not in removal:
            removal[counter.tag] = counter.removal(b, f"dilution_rate_{counter.monomer.name}", lam)
        b.rule(f"dilution_{names[0]}", pattern + counter.monomer() >> None, removal[counter.tag], tags=tags,
               role=role)


def _dilution_role(b: Builder, species) -> Role:
    """The dilution of a species belongs to the VM of any of its monomers (an mRNA's, even on
    another VM's ribosome), and to the gene of a single monomer."""
    roles = b.species_roles(species)
    return Role("dilution", vm=next((r.vm for r in roles if r.vm), None),
                gene=roles[0].gene if len(roles) == 1 else None)
