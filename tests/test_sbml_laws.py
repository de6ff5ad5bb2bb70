"""Kinetic laws of the SBML emitter: each reaction's law computes its network rate, with a
gene's local rate expressions written out in it."""
import random

import libsbml
import pytest
import sympy

from bioxen.backend.compile import compile_design
from bioxen.backend.sbml import SUM_CHUNK
from bioxen.frontend import read_design


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    from conftest import synthetic_policy
    policy = synthetic_policy(tmp_path_factory.mktemp("laws"), "laws", """
host: {{chloramphenicol: 2 uM}}
vms:
  - {{id: vm1, genome: {genome}, ribosomes: {{share: 0.2, pool: orthogonal, controller: true}}, genetic_code: recode}}
  - {{id: vm2, genome: {genome}, ribosomes: {{share: 0.1}}, genetic_code: recode}}
""")
    return compile_design(read_design(policy))


def test_local_rate_expressions_are_written_into_the_laws(build):
    model, pysb_model = build.sbml.getModel(), build.builder.model
    local = build.builder.local_expressions
    assert {"transcription_rate_vm1_SYN__0001", "translation_rate_vm1_SYN__0001"} <= local
    for name in local:
        assert model.getParameter(name) is None and model.getAssignmentRule(name) is None
    observables = {o.name for o in pysb_model.observables}
    partial_sums = [r.getVariable() for r in model.getListOfRules()
                    if r.getVariable() not in observables | {e.name for e in pysb_model.expressions}]
    assert all(p.rsplit("_sum", 1)[0] in observables for p in partial_sums), partial_sums
    assert model.getNumRules() == len(observables) + len(pysb_model.expressions) - len(local) + len(partial_sums)
    law = libsbml.formulaToL3String(model.getReaction("elongation_vm1_SYN__0001").getKineticLaw().getMath())
    assert "elongation_rate / n_vm1_SYN__0001" in law and "translation_rate" not in law


def _values(build, rng) -> dict:
    """Random amounts for every species, set in the SBML document; returns the same values as
    sympy substitutions for the network's rates (species, parameters, observables)."""
    model, pysb_model = build.sbml.getModel(), build.builder.model
    amounts = {}
    for i, sid in enumerate(build.species_ids):
        amounts[i] = rng.uniform(1.0, 1000.0)
        model.getSpecies(sid).setInitialAmount(amounts[i])
    subs = {sympy.Symbol(f"__s{i}"): value for i, value in amounts.items()}
    subs.update({p: p.value for p in pysb_model.parameters})
    subs.update({o: sum(c * amounts[i] for i, c in zip(o.species, o.coefficients)) for o in pysb_model.observables})
    return subs


def test_each_law_computes_its_network_rate(build):
    subs = _values(build, random.Random(3))
    model = build.sbml.getModel()
    libsbml.SBMLTransforms.clearComponentValues(model)
    for r, rid in zip(build.builder.model.reactions_bidirectional, build.reaction_ids):
        expected = float(r["rate"].subs({e: e.expand_expr() for e in r["rate"].atoms(sympy.Symbol)
                                         if hasattr(e, "expand_expr")}).xreplace(subs))
        law = model.getReaction(rid).getKineticLaw().getMath()
        assert libsbml.SBMLTransforms.evaluateASTNode(law, model) == pytest.approx(expected, rel=1e-12, abs=1e-300), rid


def _terms(node) -> int:
    """How many terms a sum has when its nested binary sums are read flat."""
    if node.getType() != libsbml.AST_PLUS:
        return 1
    return sum(_terms(node.getChild(i)) for i in range(node.getNumChildren()))


def _depth(node) -> int:
    return 1 + max((_depth(node.getChild(i)) for i in range(node.getNumChildren())), default=0)


def test_large_observables_are_trees_of_small_named_partial_sums(build):
    """An observable of more than SUM_CHUNK species is a tree of named partial sums, each of at
    most SUM_CHUNK terms (a balanced binary sum, a few levels deep) in the observable's units;
    the observable still evaluates to its sum."""
    model, pysb_model = build.sbml.getModel(), build.builder.model
    large = [o for o in pysb_model.observables if len(o.species) > SUM_CHUNK]
    assert large, "the design should have an observable larger than one chunk"
    amounts = {sid: 1.0 + i for i, sid in enumerate(build.species_ids)}
    for sid, amount in amounts.items():
        model.getSpecies(sid).setInitialAmount(amount)
    libsbml.SBMLTransforms.clearComponentValues(model)
    for rule in model.getListOfRules():
        if rule.getVariable() in {o.name for o in pysb_model.observables} or "_sum" in rule.getVariable():
            assert _terms(rule.getMath()) <= SUM_CHUNK and _depth(rule.getMath()) <= 8, rule.getVariable()
    for observable in large:
        parts = [p for p in model.getListOfParameters() if p.getId().startswith(f"{observable.name}_sum")]
        assert len(parts) >= len(observable.species) / SUM_CHUNK
        units = model.getParameter(observable.name).getUnits()
        assert all(p.getUnits() == units and p.getSBOTermID() == "SBO:0000361" for p in parts)
        expected = sum(c * amounts[build.species_ids[i]] for i, c in zip(observable.species, observable.coefficients))
        value = libsbml.SBMLTransforms.evaluateASTNode(model.getAssignmentRule(observable.name).getMath(), model)
        assert value == pytest.approx(expected, rel=1e-12), observable.name
