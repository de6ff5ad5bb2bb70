"""Growth-coupled host: growth rate from translation, and dilution of everything.

Weisse et al. 2015 (PNAS 112:E1038)::

    λ = γ(a)·C / M        (1/min; C translating ribosomes, M proteome mass in aa)
    X → ∅  at  λ          (every species X; a counted protein with its count)

With VMs whose ribosomes elongate at f_v times the host's speed (policy
``kinetics.translation_aa_per_s``), λ = γ(a)·C_eff/M, C_eff = C + Σ_v (f_v − 1)·C_v
(:func:`bioxen.rules.energy.translating_at_host_speed`): the cell grows by the amino
acids actually made, so λ·M stays the total translation in aa/min.
"""
from __future__ import annotations

from bioxen.rules import Builder
from bioxen.rules.energy import translating_at_host_speed
from bioxen.rules.species import canonical_key


def growth_rate(b: Builder, p: dict):
    gamma = b.model.expressions["elongation_rate"]
    translating = b.model.expressions["ribosomes_translating"]
    mass = b.parameter("M", p["M"])
    return b.expression("growth_rate", gamma * translating / mass, "1/min")


def count_elongation_speeds(b: Builder, scaled=()) -> None:
    """λ = γ(a)·C_eff/M when some VM's ribosomes elongate at another speed (``scaled``: its factor
    parameter and ribosome observable, :func:`bioxen.rules.energy.translating_at_host_speed`).

    The growth rate is declared with the host, before any VM's species exist, and PySB cannot
    move a component; so its law is rewritten in place, keeping its place in the model (and
    leaving a model without such VMs as it was)."""
    if not scaled:
        return
    growth = b.model.expressions["growth_rate"]
    gamma, mass = b.model.expressions["elongation_rate"], b.model.parameters["M"]
    growth.expr = gamma * translating_at_host_speed(b, scaled) / mass


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
        tags = b.species_tags(pattern)
        counter = b.counted.get(names[0]) if len(names) == 1 else None
        if counter is None:
            b.rule(f"dilution_{'_'.join(names)}", pattern >> None, lam, tags=tags)
            continue
        if counter.tag not in removal:
            removal[counter.tag] = counter.removal(b, f"dilution_rate_{counter.monomer.name}", lam)
        b.rule(f"dilution_{names[0]}", pattern + counter.monomer() >> None, removal[counter.tag], tags=tags)
