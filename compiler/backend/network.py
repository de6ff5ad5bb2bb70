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
from operator import attrgetter

import sympy
from pysb.bng import generate_equations
from pysb.pattern import match_complex_pattern

from bioxen.rules import CANONICAL_ORDER
from bioxen.rules.species import canonical_key, species_id  # noqa: F401  (re-exported)


class _NotConcrete(Exception):
    """A rule the compiler cannot expand by itself (BNG handles it)."""


def _concrete(cp, key: str, known: dict[str, bool]) -> bool:
    """PySB's ``cp.is_concrete()``, asked once per species key: the answer depends only on the
    monomers and their site conditions, which the key spells out, unless a compartment is named
    (then it is asked each time). A genome's rules name the same few thousand species 60,000 times."""
    if cp.compartment is not None or any(mp.compartment is not None for mp in cp.monomer_patterns):
        return cp.is_concrete()
    found = known.get(key)
    if found is None:
        found = known[key] = cp.is_concrete()
    return found


def _check_concrete(rule, keys: tuple[list[str], list[str]], known: dict[str, bool]) -> None:
    patterns = rule.reactant_pattern.complex_patterns + rule.product_pattern.complex_patterns
    for cp, key in zip(patterns, keys[0] + keys[1]):
        if not _concrete(cp, key, known):
            raise _NotConcrete(f"rule {rule.name}: pattern {cp} is not a single species")
    if len(set(keys[0])) != len(keys[0]):
        raise _NotConcrete(f"rule {rule.name}: identical reactants need BNG's symmetry factors")
    if rule.delete_molecules or rule.move_connected or rule.energy or rule.total_rate:
        raise _NotConcrete(f"rule {rule.name}: uses modifiers the expander does not implement")


def _mass_action(constant, reactants: tuple[int, ...], amounts: list, first: dict[type, bool]) -> sympy.Expr:
    """``constant·s_i·s_j…``: the product ``sympy.Mul`` makes, with its factors (a rate
    constant and distinct species symbols) in sympy's canonical order, built without the
    assumption queries ``sympy.Mul`` makes on the way (seconds for a genome's reactions).

    That order (``sympy.Basic.compare``) ranks two objects of different classes by class alone
    and two plain symbols made alike by name, so the species symbols are sorted by name and the
    constant (a PySB Parameter or Expression) goes before or after them all by its class,
    asked once per class (``first``); a constant of the species symbols' own class is sorted
    with them. 110,000 sympy comparisons fewer for three Syn3A VMs."""
    species = [amounts[i] for i in reactants]
    kind = type(constant)
    if not amounts or kind is type(amounts[0]):
        return sympy.Mul._from_args(sorted([constant, *species], key=CANONICAL_ORDER), is_commutative=True)
    if len(species) > 1:
        species.sort(key=attrgetter("name"))
    before = first.get(kind)
    if before is None:
        before = first[kind] = constant.compare(amounts[0]) < 0
    return sympy.Mul._from_args([constant, *species] if before else [*species, constant], is_commutative=True)


def _difference(forward, backward) -> sympy.Expr:
    """``forward - backward`` of two :func:`_mass_action` terms, as sympy's Add makes it (terms
    in canonical order, the second with coefficient -1), without its assumption queries."""
    if forward == backward:
        return forward - backward
    negated = (sympy.S.NegativeOne, *(backward.args if backward.is_Mul else (backward,)))
    terms = sorted([forward, sympy.Mul._from_args(negated, is_commutative=True)], key=CANONICAL_ORDER)
    return sympy.Add._from_args(terms, is_commutative=True)


def _expand_concrete(model) -> None:
    keyed, known = [], {}
    for rule in model.rules:
        keys = ([canonical_key(cp) for cp in rule.reactant_pattern.complex_patterns],
                [canonical_key(cp) for cp in rule.product_pattern.complex_patterns])
        _check_concrete(rule, keys, known)
        keyed.append(keys)
    index: dict[str, int] = {}
    species = []

    def number(key: str, cp) -> int:
        if key not in index:
            index[key] = len(species)
            species.append(cp.copy())
        return index[key]

    for initial in model.initials:
        number(canonical_key(initial.pattern), initial.pattern)
    numbered = []
    for rule, (reactant_keys, product_keys) in zip(model.rules, keyed):
        numbered.append((tuple(number(k, cp) for k, cp in zip(reactant_keys, rule.reactant_pattern.complex_patterns)),
                         tuple(number(k, cp) for k, cp in zip(product_keys, rule.product_pattern.complex_patterns))))
    amounts = [sympy.Symbol(f"__s{i}") for i in range(len(species))]
    reactions, bidirectional, first = [], [], {}
    for rule, (reactants, products) in zip(model.rules, numbered):
        forward = _mass_action(rule.rate_forward, reactants, amounts, first)
        reactions.append({"reactants": reactants, "products": products, "rate": forward,
                          "rule": (rule.name,), "reverse": (False,)})
        net = forward
        if rule.is_reversible:
            backward = _mass_action(rule.rate_reverse, products, amounts, first)
            reactions.append({"reactants": products, "products": reactants, "rate": backward,
                              "rule": (rule.name,), "reverse": (True,)})
            net = _difference(forward, backward)
        bidirectional.append({"reactants": reactants, "products": products, "rate": net,
                              "rule": (rule.name,), "reversible": rule.is_reversible})
    model.species = species
    model.reactions = reactions
    model.reactions_bidirectional = bidirectional
    _match_observables(model, index, known)


def _distinct_monomers(pattern) -> bool:
    names = [mp.monomer.name for mp in pattern.monomer_patterns]
    return len(set(names)) == len(names)


def _count_matches(pattern, species, by_monomer, index, species_only: bool, known: dict[str, bool]) -> dict[int, int]:
    """Species index -> how many times ``pattern`` matches it (once at most if ``species_only``).

    Two cases need no graph matching: a concrete pattern of distinct monomers matches exactly
    the species with its canonical key, once; a single monomer with no site conditions matches
    each of that monomer's molecules. Any other pattern goes through PySB's matcher. ``known``:
    whether a species key is concrete (:func:`_concrete`'s answers while the rules were read;
    a genome's observables sum 8,000 of their species).
    """
    key = canonical_key(pattern)
    if _concrete(pattern, key, known) and _distinct_monomers(pattern):
        found = index.get(key)
        return {} if found is None else {found: 1}
    monomers = pattern.monomer_patterns
    if len(monomers) == 1 and not monomers[0].site_conditions and monomers[0].compartment is None \
            and pattern.compartment is None:
        name = monomers[0].monomer.name
        return {i: 1 if species_only else sum(mp.monomer.name == name for mp in species[i].monomer_patterns)
                for i in by_monomer[name]}
    names = {mp.monomer.name for mp in monomers}
    candidates = set.intersection(*(by_monomer[n] for n in names)) if names else set()
    counts = {}
    for i in sorted(candidates):
        if species_only:
            counts[i] = int(bool(match_complex_pattern(pattern, species[i])))
        else:
            counts[i] = match_complex_pattern(pattern, species[i], count=True)
    return counts


def _match_observables(model, index: dict[str, int], known: dict[str, bool]) -> None:
    by_monomer = defaultdict(set)
    for i, cp in enumerate(model.species):
        for mp in cp.monomer_patterns:
            by_monomer[mp.monomer.name].add(i)
    for observable in model.observables:
        counts: dict[int, int] = defaultdict(int)
        for pattern in observable.reaction_pattern.complex_patterns:
            found = _count_matches(pattern, model.species, by_monomer, index, observable.match == "species", known)
            for i, n in found.items():
                counts[i] += n
        observable.species = [i for i in sorted(counts) if counts[i]]
        observable.coefficients = [counts[i] for i in observable.species]


def expand_network(model) -> str:
    """Fill the model's network; return which expander did it ('bioxen' or 'bng')."""
    try:
        _expand_concrete(model)
        return "bioxen"
    except _NotConcrete:
        model.reset_equations()
        generate_equations(model)
        return "bng"
