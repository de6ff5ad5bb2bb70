"""Reaction network of a PySB model, in PySB's own structures.

BioXen's mechanisms write concrete rules: every reactant and product pattern
is one fully specified species. Such a rule set expands to exactly one reaction
per rule direction, so the compiler expands it itself in linear time (BNG2.pl
costs about rules x species). Any non-concrete rule falls back to BioNetGen,
which stays the reference. The result fills ``model.species``,
``model.reactions``, ``model.reactions_bidirectional`` and the observables'
species/coefficients, exactly as :func:`pysb.bng.generate_equations` does, so
every PySB exporter works on it.
"""
from __future__ import annotations

from collections import defaultdict

import sympy
from pysb.bng import generate_equations
from pysb.pattern import match_complex_pattern

from bioxen.rules.species import canonical_key, species_id  # noqa: F401  (re-exported)


class NotConcrete(Exception):
    """A rule the compiler cannot expand by itself (BNG handles it)."""


def _check_concrete(rule) -> None:
    for cp in rule.reactant_pattern.complex_patterns + rule.product_pattern.complex_patterns:
        if not cp.is_concrete():
            raise NotConcrete(f"rule {rule.name}: pattern {cp} is not a single species")
    keys = [canonical_key(cp) for cp in rule.reactant_pattern.complex_patterns]
    if len(set(keys)) != len(keys):
        raise NotConcrete(f"rule {rule.name}: identical reactants need BNG's symmetry factors")
    if rule.delete_molecules or rule.move_connected or rule.energy or rule.total_rate:
        raise NotConcrete(f"rule {rule.name}: uses modifiers the expander does not implement")


def _expand_concrete(model) -> None:
    for rule in model.rules:
        _check_concrete(rule)
    index: dict[str, int] = {}
    species = []

    def number(cp) -> int:
        key = canonical_key(cp)
        if key not in index:
            index[key] = len(species)
            species.append(cp.copy())
        return index[key]

    for initial in model.initials:
        number(initial.pattern)
    reactions, bidirectional = [], []
    for rule in model.rules:
        reactants = tuple(number(cp) for cp in rule.reactant_pattern.complex_patterns)
        products = tuple(number(cp) for cp in rule.product_pattern.complex_patterns)
        forward = sympy.Mul(*[sympy.Symbol(f"__s{i}") for i in reactants], rule.rate_forward)
        reactions.append({"reactants": reactants, "products": products, "rate": forward,
                          "rule": (rule.name,), "reverse": (False,)})
        net = forward
        if rule.is_reversible:
            backward = sympy.Mul(*[sympy.Symbol(f"__s{i}") for i in products], rule.rate_reverse)
            reactions.append({"reactants": products, "products": reactants, "rate": backward,
                              "rule": (rule.name,), "reverse": (True,)})
            net = forward - backward
        bidirectional.append({"reactants": reactants, "products": products, "rate": net,
                              "rule": (rule.name,), "reversible": rule.is_reversible})
    model.species = species
    model.reactions = reactions
    model.reactions_bidirectional = bidirectional
    _match_observables(model)


def _match_observables(model) -> None:
    by_monomer = defaultdict(set)
    for i, cp in enumerate(model.species):
        for mp in cp.monomer_patterns:
            by_monomer[mp.monomer.name].add(i)
    for observable in model.observables:
        counts: dict[int, int] = defaultdict(int)
        for pattern in observable.reaction_pattern.complex_patterns:
            names = {mp.monomer.name for mp in pattern.monomer_patterns}
            candidates = set.intersection(*(by_monomer[n] for n in names)) if names else set()
            for i in sorted(candidates):
                if observable.match == "species":
                    counts[i] += int(bool(match_complex_pattern(pattern, model.species[i])))
                else:
                    counts[i] += match_complex_pattern(pattern, model.species[i], count=True)
        observable.species = [i for i in sorted(counts) if counts[i]]
        observable.coefficients = [counts[i] for i in observable.species]


def expand_network(model) -> str:
    """Fill the model's network; return which expander did it ('bioxen' or 'bng')."""
    try:
        _expand_concrete(model)
        return "bioxen"
    except NotConcrete:
        model.reset_equations()
        generate_equations(model)
        return "bng"
