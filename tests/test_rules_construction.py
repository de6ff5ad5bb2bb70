"""Builder.rule makes PySB rules without PySB's call-stack walk and rate-tag search
(bioxen.rules._untagged_rule), and Builder.parameter and Builder.expression make PySB's
parameters and expressions without the walk and sympy's working out of each symbol
(bioxen.rules.symbols): what they make must be what PySB's own constructors make, and they
must refuse what PySB refuses."""
from __future__ import annotations

import pytest
import sympy
from pysb import ANY, Expression, Model, Parameter, Rule, Tag
from pysb.core import InvalidComponentNameError, ReactionPattern

from bioxen.errors import CompileError
from bioxen.rules import Builder, _untagged_rule, symbols


@pytest.fixture()
def parts():
    b = Builder("construction", Model("construction", _export=False))
    mrna = b.monomer("mRNA_x", ["rib"])
    ribosome = b.monomer("ribosome", ["mrna"])
    k = b.parameter("k", 1.0)
    rate = b.expression("rate_x", 2 * k)
    return b, mrna, ribosome, k, rate


def _expression(kind: str, mrna, ribosome):
    free, bound = mrna(rib=None), mrna(rib=1) % ribosome(mrna=1)
    return {"synthesis": None >> free, "degradation": free >> None,
            "binding": free + ribosome(mrna=None) | bound, "release": bound >> free + ribosome(mrna=None)}[kind]


@pytest.mark.parametrize("kind", ["synthesis", "degradation", "binding", "release"])
def test_rule_is_pysbs_rule(parts, kind):
    b, mrna, ribosome, k, rate = parts
    expression = _expression(kind, mrna, ribosome)
    reverse = k if kind == "binding" else None
    ours = _untagged_rule(f"r_{kind}", expression, rate, reverse)
    theirs = Rule(f"r_{kind}", expression, rate, reverse, _export=False)
    assert type(ours) is Rule
    assert set(vars(ours)) == set(vars(theirs))        # a PySB release that adds an attribute fails here
    for name in set(vars(theirs)) - {"_modules", "_function"}:      # where it was made: below
        assert getattr(ours, name) is getattr(theirs, name) or getattr(ours, name) == getattr(theirs, name), name
    assert repr(ours) == repr(theirs)
    assert ours._function == "rule" and ours._modules[0] == "bioxen.rules"


def test_builder_rule_records_the_macro_module(parts):
    b, mrna, ribosome, k, rate = parts
    rule = b.rule("decay_x", mrna(rib=None) >> None, k)
    assert rule._modules == ["bioxen.rules", __name__]
    assert b.model.rules["decay_x"] is rule and rule.model() is b.model
    assert set(rule._modules) <= set(b.model.modules)      # PySB's Model.modules reads them


def test_refusals_are_pysbs(parts):
    b, mrna, ribosome, k, rate = parts
    free = mrna(rib=None)
    with pytest.raises(InvalidComponentNameError):
        _untagged_rule("bad name", free >> None, k)
    with pytest.raises(ValueError, match="reverse rate specified"):
        _untagged_rule("r1", free >> None, k, k)
    with pytest.raises(Exception, match="[Rr]everse rate must be"):
        _untagged_rule("r2", free + ribosome(mrna=None) | mrna(rib=1) % ribosome(mrna=1), k)
    with pytest.raises(Exception, match="[Ff]orward rate must be"):
        _untagged_rule("r3", free >> None, 2.0)
    with pytest.raises(ValueError, match="not concrete"):
        _untagged_rule("r4", None >> mrna(), k)
    with pytest.raises(CompileError, match="not a PySB rule expression"):
        _untagged_rule("r5", free, k)


def test_a_model_with_tags_gets_pysbs_checks(parts):
    """PySB's tags (``@``) are checked against the rates by PySB's own constructor, whether the
    tag is in a pattern or only in a rate."""
    b, mrna, ribosome, k, rate = parts
    x = Tag("x", _export=False)
    with pytest.warns(UserWarning, match="Tags"):
        tagged = _untagged_rule("tagged", mrna(rib=None) @ x >> None, k)
    assert tagged._function != "rule"                        # PySB walked the stack
    b.model.add_component(x)
    tagged_rate = b.expression("tagged_rate", k * x)
    with pytest.raises(ValueError, match="defined in forward rate but not in expression"):
        b.rule("untagged", mrna(rib=None) >> None, tagged_rate)



def _outcome(make):
    try:
        return str(make())
    except Exception as exc:        # noqa: BLE001  (what PySB refuses, compared as it is)
        return f"{type(exc).__name__}: {exc}"


def test_patterns_made_in_a_bond_check_block_are_refused_as_pysb_refuses_them(parts):
    """bonds_checked_where_made skips PySB's bond check only for patterns with no bond: every
    pattern made inside the block is made, or refused, as PySB makes or refuses it outside; and
    the block puts PySB's check back when it closes (and leaves an open one as it is)."""
    from pysb import pattern

    from bioxen.rules import bonds_checked_where_made

    b, mrna, ribosome, k, rate = parts
    srna = b.monomer("sRNA", ["r"])
    gate = b.monomer("gate", ["h"], {"h": ["open", "shut"]})
    makers = [lambda: gate(h=("open", 1)) % ribosome(mrna=1) >> gate(h=("shut", None)) + ribosome(mrna=None),
              lambda: gate(h=("open", 1)) + ribosome(mrna=None) >> None,             # dangling, in a pair
              lambda: mrna(rib=ANY) >> None,                                          # a wildcard: PySB's check
              lambda: mrna(rib=True) % ribosome(mrna=1) >> None,                     # PySB counts True as bond 1
lambda: mrna(rib=None) + ribosome(mrna=None) >> None,
              lambda: mrna(rib=1) % ribosome(mrna=1) >> mrna(rib=None) + ribosome(mrna=None),
              lambda: mrna(rib=1) + ribosome(mrna=None) >> None,                      # dangling
              lambda: None >> mrna(rib=2) % ribosome(mrna=None),                      # dangling
              lambda: mrna(rib=1) % ribosome(mrna=1) % srna(r=1) >> None,             # reused
              lambda: mrna(rib=1) % ribosome(mrna=2) >> None]
    pysbs = [_outcome(make) for make in makers]
    assert sum("DanglingBondError" in o for o in pysbs) >= 3 and sum("ReusedBondError" in o for o in pysbs) == 1
    check, init = pattern.check_dangling_bonds, ReactionPattern.__init__
    with bonds_checked_where_made():
        assert pattern.check_dangling_bonds is not check and ReactionPattern.__init__ is not init
        with bonds_checked_where_made():
            shortcut = pattern.check_dangling_bonds, ReactionPattern.__init__
        assert (pattern.check_dangling_bonds, ReactionPattern.__init__) == shortcut   # the inner block left the outer's
        assert [_outcome(make) for make in makers] == pysbs
    assert pattern.check_dangling_bonds is check and ReactionPattern.__init__ is init


def _same_component(ours, theirs):
    assert type(ours) is type(theirs)
    assert set(vars(ours)) == set(vars(theirs))        # a PySB release that adds an attribute fails here
    for name in set(vars(theirs)) - {"_modules", "_function", "model"}:     # model: the Builder's
        assert getattr(ours, name) == getattr(theirs, name), name
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    # sympy's view: the same facts (each symbol its own), the same hashed content but its dummy index
    assert dict(ours._assumptions) == dict(theirs._assumptions) and ours.assumptions0 == theirs.assumptions0
    assert ours._assumptions._generator == theirs._assumptions._generator
    assert ours._hashable_content()[:-1] == theirs._hashable_content()[:-1]
    assert ours != theirs and ours.dummy_index != theirs.dummy_index       # Dummies, as PySB's are


def test_parameters_and_expressions_are_pysbs(parts):
    b, mrna, ribosome, k, rate = parts
    _same_component(b.parameter("k_cat", 2.5), Parameter("k_cat", 2.5, _export=False))
    _same_component(b.expression("rate_y", 3 * k / b.parameter("K_m", 4.0)),
                    Expression("rate_y", 3 * k / b.model.parameters["K_m"], _export=False))
    kcat = b.model.parameters["k_cat"]
    assert kcat.is_positive and kcat.is_real and kcat.is_integer is False
    assert b.model.expressions["rate_y"].is_real
    # a query adds to one symbol's facts only
    assert kcat._assumptions is not b.model.parameters["K_m"]._assumptions
    assert kcat._function == "parameter" and kcat._modules == ["bioxen.rules", __name__]
    assert kcat.model() is b.model and b.model.expressions["rate_y"].model() is b.model
    assert b.model.expressions["rate_y"]._function == "expression"
    assert set(kcat._modules) <= set(b.model.modules)


def test_parameter_and_expression_refusals_are_pysbs(parts):
    b = parts[0]
    for ours, theirs in [(lambda: b.parameter("bad name", 1.0), lambda: Parameter("bad name", 1.0, _export=False)),
                         (lambda: b.parameter("negative", -1.0), lambda: Parameter("negative", -1.0, _export=False)),
                         (lambda: b.expression("not_sympy", 3), lambda: Expression("not_sympy", 3, _export=False))]:
        assert "Error" in _outcome(ours) and _outcome(ours) == _outcome(theirs)


def test_a_sympy_that_makes_symbols_otherwise_gets_pysbs_constructors(parts, monkeypatch):
    """If the shortcut's first symbol is not the one PySB makes (here: a fact lost on the way),
    PySB's own constructors make every later one."""
    b = parts[0]
    monkeypatch.setattr(symbols, "_facts", {})
    real_copy = symbols.copied

    def lossy(facts):
        kb = real_copy(facts)
        dict.pop(kb, "positive", None)
        return kb
    monkeypatch.setattr(symbols, "copied", lossy)
    made = b.parameter("k_fallback", 2.0)
    assert symbols._facts[Parameter] is None
    assert made._modules[0] == "bioxen.rules.symbols"           # PySB walked the stack
    _same_component(made, Parameter("k_fallback", 2.0, _export=False))
    assert isinstance(b.expression("e_fallback", sympy.Integer(2) * made), Expression)
