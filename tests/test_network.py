"""The compiler's own network expansion is identical to BioNetGen's."""
from collections import Counter

import pytest
import sympy
from pysb.bng import generate_equations

from bioxen.backend.compile import compile_design
from bioxen.backend.model import build_model
from bioxen.backend.network import canonical_key, expand_network
from bioxen.frontend import read_design
from bioxen.passes import PIPELINE


def _designed(policy):
    design = read_design(policy)
    for _, apply in PIPELINE:
        design = apply(design)
    return design


def _network(model):
    keys = [canonical_key(cp) for cp in model.species]
    rename = {sympy.Symbol(f"__s{i}"): sympy.Symbol(k) for i, k in enumerate(keys)}
    reactions = Counter()
    for r in model.reactions:
        rate = str(sympy.expand(r["rate"].xreplace(rename)))
        reactions[(tuple(sorted(keys[i] for i in r["reactants"])),
                   tuple(sorted(keys[i] for i in r["products"])), rate)] += 1
    observables = {o.name: sorted(zip((keys[i] for i in o.species), o.coefficients))
                   for o in model.observables}
    return set(keys), reactions, observables


@pytest.mark.parametrize("with_guest", [False, True])
@pytest.mark.slow
def test_own_expansion_equals_bionetgen(small_policy, with_guest):
    design = _designed(small_policy)
    if not with_guest:
        from dataclasses import replace
        design = replace(design, vms=())
    ours, _ = build_model(design)
    assert expand_network(ours.model) == "bioxen"
    reference, _ = build_model(design)
    generate_equations(reference.model)
    species, reactions, observables = _network(ours.model)
    bng_species, bng_reactions, bng_observables = _network(reference.model)
    assert species == bng_species
    assert reactions == bng_reactions
    assert observables == bng_observables
    assert len(reactions) > (60 if with_guest else 30)


def test_non_concrete_rules_fall_back_to_bionetgen(small_policy):
    from pysb import ANY
    build = compile_design(read_design(small_policy))
    b, _ = build_model(build.design)
    ribosome, energy = b.model.monomers["ribosome"], b.model.monomers["energy"]
    b.rule("bound_ribosomes_cost_energy", ribosome(mrna=ANY) + energy() >> ribosome(mrna=ANY),
           b.parameter("k_test", 1e-9))
    assert expand_network(b.model) == "bng"
    assert len(b.model.reactions) > len(build.builder.model.reactions)


@pytest.mark.slow
def test_own_expansion_equals_bionetgen_with_chloramphenicol_and_controller(tmp_path, synthetic_genbank):
    from conftest import write_policy
    policy = write_policy(tmp_path / "cm.yaml", f"""
schema_version: 1
host: {{chloramphenicol: 2 uM}}
vms:
  - {{id: vm1, genome: {synthetic_genbank}, genetic_code: recode, ribosomes: {{share: 0.2, controller: true}}}}
""")
    design = _designed(policy)
    ours, _ = build_model(design)
    assert expand_network(ours.model) == "bioxen"
    reference, _ = build_model(design)
    generate_equations(reference.model)
    assert _network(ours.model) == _network(reference.model)
    assert any(r.name.startswith("stalling_controller_o1") for r in ours.model.rules)


def test_rates_are_sympys_own_products(small_policy):
    """The expander builds each rate without sympy's arithmetic (for speed); it must be the very
    expression that arithmetic gives: rate constant times reactants, forward minus reverse."""
    design = _designed(small_policy)
    built, _ = build_model(design)
    model = built.model
    expand_network(model)
    amounts = [sympy.Symbol(f"__s{i}") for i in range(len(model.species))]
    for r in model.reactions:
        rule = model.rules[r["rule"][0]]
        constant = rule.rate_reverse if r["reverse"][0] else rule.rate_forward
        assert r["rate"] == sympy.Mul(*[amounts[i] for i in r["reactants"]], constant)
        assert sympy.srepr(r["rate"]) == sympy.srepr(sympy.Mul(*[amounts[i] for i in r["reactants"]], constant))
    for r in model.reactions_bidirectional:
        rule = model.rules[r["rule"][0]]
        net = sympy.Mul(*[amounts[i] for i in r["reactants"]], rule.rate_forward)
        if r["reversible"]:
            net = net - sympy.Mul(*[amounts[i] for i in r["products"]], rule.rate_reverse)
        assert sympy.srepr(r["rate"]) == sympy.srepr(net)


def test_symbols_made_with_assumptions_deduced_once_are_sympys_own():
    """Parameters, expressions and plain symbols made inside ``assumptions_deduced_once`` carry
    the same facts as sympy gives them, each in a knowledge base of its own (a query adds
    to one symbol's facts only), and sympy is as it was after the block."""
    from pysb import Expression, Parameter
    from sympy.core import symbol

    from bioxen.rules import assumptions_deduced_once

    def made(suffix):
        return [Parameter(f"k_{suffix}", 2.0, _export=False), Parameter(f"n_{suffix}", 3.0, _export=False),
                Parameter(f"i_{suffix}", 1, _export=False, nonnegative=False, integer=True),
                Expression(f"e_{suffix}", sympy.Symbol("x") * 2, _export=False), sympy.Symbol(f"s_{suffix}", positive=True)]

    plain = made("plain")
    original = symbol.StdFactKB
    with assumptions_deduced_once():
        patched = symbol.StdFactKB
        assert patched is not original
        with assumptions_deduced_once():          # a block already open (another thread's) is left as it is
            assert symbol.StdFactKB is patched
        assert symbol.StdFactKB is patched
        shared = made("shared")
    assert symbol.StdFactKB is original
    for a, b in zip(plain, shared):
        assert dict(a._assumptions) == dict(b._assumptions) and a.assumptions0 == b.assumptions0
    assert shared[0]._assumptions is not shared[1]._assumptions
    before = dict(shared[1]._assumptions)
    for fact in ("is_zero", "is_algebraic", "is_prime"):        # queries may add facts to k's base only
        assert getattr(shared[0], fact) == getattr(plain[0], fact)
    assert dict(shared[1]._assumptions) == before


def test_species_keys_are_remembered_per_pattern_only_inside_the_block(monkeypatch):
    """Inside ``keys_remembered`` a pattern's canonical key is worked out once (the same key as
    outside); a block opened inside shares it; after the block nothing is remembered."""
    from pysb import Model, Monomer

    from bioxen.rules import species

    Model("keys", _export=False)
    a, b = Monomer("a", ["x"], _export=False), Monomer("b", ["y"], _export=False)
    complex_pattern = (a(x=1) % b(y=1)).copy()
    plain = species.canonical_key(complex_pattern)
    worked = []
    key = species._key
    monkeypatch.setattr(species, "_key", lambda cp: worked.append(cp) or key(cp))
    with species.keys_remembered():
        assert species.canonical_key(complex_pattern) == plain
        with species.keys_remembered():
            assert species.canonical_key(complex_pattern) == plain
        assert species.canonical_key(complex_pattern.copy()) == plain     # another object: worked out
        assert len(worked) == 2
    species.canonical_key(complex_pattern)
    assert len(worked) == 3 and species._remembered is None
