"""PySB parameters and expressions made as PySB makes them, without two costs its
constructors pay for each of a genome's 14,000 (three Syn3A VMs).

* A PySB ``Parameter`` or ``Expression`` is a sympy ``Dummy`` with fixed assumptions (a
  parameter: real, nonnegative, not an integer; an expression: real). sympy works the symbol
  out from them through ``Dummy.__new__`` and ``Symbol.__xnew__`` (sanitizing the
  assumptions, copying them twice, deducing their consequences). Here each class's symbol
  is worked out once, from one PySB makes, and each new symbol gets its own copy of its
  facts (sympy adds to that copy the facts it is later asked for) and the next dummy index.
* PySB's ``Component.__init__`` walks the whole call stack to record the modules its caller
  was in (``_modules``). As for rules (:func:`bioxen.rules._untagged_rule`), a component
  made here names this package and the macro module that made it, and ``_function`` is the
  :class:`~bioxen.rules.Builder` method (``parameter``, ``expression``).

The first component of each class made here is compared with the one PySB makes (class,
facts, sympy's hashed content but for the dummy index, every slot and attribute set, the
value or expression); if a sympy or PySB release makes them otherwise, PySB's constructor is
used from then on. ``tests/test_rules_construction.py`` compares them too. Three Syn3A VMs'
rules stage: 1.87 -> 1.65 s CPU (six runs alternating in one process, every pair faster; a
slowed machine, 2026-12-03).

:func:`assumptions_deduced_once` gives the other symbols a compile makes (sympy's own, PySB's
observables) the same copy of their facts.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

import sympy
from pysb import Expression, Parameter
from pysb.core import Component, InvalidComponentNameError
from sympy.core.assumptions import StdFactKB

_PACKAGE = __name__.rpartition(".")[0]      # bioxen.rules
# class -> its symbols' facts, or None where a shortcut symbol is not PySB's (see _checked)
_facts: dict[type, StdFactKB | None] = {}


def parameter(name: str, value: float) -> Parameter:
    """``Parameter(name, value, _export=False)``, made by the macro that called the caller."""
    facts = _facts_of(Parameter)
    if facts is None:
        return Parameter(name, value, _export=False)
    return _made(Parameter, name, value, facts, sys._getframe(2))


def expression(name: str, expr) -> Expression:
    """``Expression(name, expr, _export=False)``, made by the macro that called the caller."""
    facts = _facts_of(Expression) if isinstance(expr, sympy.Expr) else None    # else PySB's refusal
    if facts is None:
        return Expression(name, expr, _export=False)
    return _made(Expression, name, expr, facts, sys._getframe(2))


def copied(facts: StdFactKB) -> StdFactKB:
    """A knowledge base of its own holding ``facts`` (which the deduction is not run for)."""
    kb = StdFactKB.__new__(StdFactKB)
    dict.update(kb, facts)
    kb.__dict__.update(facts.__dict__)
    kb._generator = dict(facts._generator)
    return kb


def _symbol(cls, name: str, facts: StdFactKB):
    made = sympy.Expr.__new__(cls)                  # what Symbol.__xnew__ starts from
    made.name = name
    made._assumptions = copied(facts)
    made.dummy_index = sympy.Dummy._base_dummy_index + sympy.Dummy._count
    sympy.Dummy._count += 1
    return made


# what each class holds besides its name: PySB's setter or attribute
_CONTENT = {Parameter: "value", Expression: "expr"}


def _made(cls, name: str, content, facts: StdFactKB, caller):
    """The component ``cls(name, content, _export=False)`` with its symbol made from ``facts``;
    ``caller``: the frame of the macro that made it."""
    made = _symbol(cls, name, facts)
    setattr(made, _CONTENT[cls], content)             # a parameter's: PySB's setter, its checks
    if not Component._VARIABLE_NAME_REGEX.match(name):
        raise InvalidComponentNameError(name)
    made.__dict__.update(model=None, _export=False, _function=cls.__name__.lower(),
                         _modules=[_PACKAGE, caller.f_globals.get("__name__", "__unnamed__")])
    return made


def _facts_of(cls) -> StdFactKB | None:
    """The facts ``cls``'s symbols carry, or None where a symbol made with them is not PySB's."""
    facts = _facts.get(cls, ...)
    if facts is ...:
        facts = _facts[cls] = _checked(cls)
    return facts


_PROBE = {Parameter: 1.0, Expression: sympy.Integer(2)}


def _checked(cls) -> StdFactKB | None:
    """The facts of ``cls``'s symbols, if a symbol made with them is the one PySB makes."""
    theirs = cls("bioxen_probe", _PROBE[cls], _export=False)
    facts = copied(theirs._assumptions)             # before anything asks it for more
    ours = _made(cls, "bioxen_probe", _PROBE[cls], facts, sys._getframe(0))

    def slots(made) -> dict:
        return {slot: getattr(made, slot, None) for klass in type(made).__mro__
                for slot in getattr(klass, "__slots__", ()) if slot not in ("_mhash", "_assumptions", "dummy_index")}
    same = (type(ours) is type(theirs)
            and dict(ours._assumptions) == dict(theirs._assumptions)
            and vars(ours._assumptions).keys() == vars(theirs._assumptions).keys()
            and ours._assumptions._generator == theirs._assumptions._generator
            and ours._hashable_content()[:-1] == theirs._hashable_content()[:-1]
            and ours.dummy_index == theirs.dummy_index + 1
            and slots(ours) == slots(theirs)
            and vars(ours).keys() == vars(theirs).keys()
            and {k: v for k, v in vars(ours).items() if k not in ("_modules", "_function")}
            == {k: v for k, v in vars(theirs).items() if k not in ("_modules", "_function")})
    return facts if same else None


@contextmanager
def assumptions_deduced_once():
    """Symbols made in this block take their assumptions' consequences from a table, one entry
    per set of assumptions, instead of deducing them anew (those :func:`parameter` and
    :func:`expression` make never ask).

    sympy deduces every consequence of a symbol's assumptions each time it makes one: about
    20 us a symbol. The result depends on the assumptions alone, so each set is deduced once
    and each symbol gets its own copy of it (a knowledge base sympy adds to as it is
    queried). Where sympy has no ``StdFactKB`` class to make this at, or a block is already
    open (in another thread: the first to close puts sympy's own back), symbols are made as
    that finds them.
    """
    from sympy.core import symbol

    deduce = getattr(symbol, "StdFactKB", None)
    if not isinstance(deduce, type):     # no such class, or a block already open (another thread's)
        yield
        return
    known = {}

    def facts(assumptions):
        key = tuple(sorted(assumptions.items()))
        deduced = known.get(key)
        if deduced is None:
            deduced = known[key] = deduce(assumptions)
        return copied(deduced)

    symbol.StdFactKB = facts
    try:
        yield
    finally:
        symbol.StdFactKB = deduce
