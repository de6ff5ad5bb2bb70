"""The mechanism library: one module per mechanism, each a set of macros.

Macros add components to the model they are given through a :class:`Builder`
(never to a global "current model"), name everything by one scheme, and record
the locus tags each species and rule stands for, and the :class:`~bioxen.roles.Role`
of each monomer and rule (and of the parameters and expressions back ends read): what
it is, for back ends that must never parse its name.
"""
from __future__ import annotations

import sys
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cmp_to_key

import sympy
from pysb import Expression, Initial, Model, Monomer, Observable, Parameter, Rule
from pysb.core import Component, ComplexPattern, ReactionPattern, RuleExpression, as_complex_pattern, validate_expr

from bioxen.errors import CompileError
from bioxen.quantity import Quantity, value  # noqa: F401  (shared value type, re-exported here)
from bioxen.roles import Role
from bioxen.rules import symbols
from bioxen.rules.symbols import assumptions_deduced_once  # noqa: F401  (the compile opens it)


def sum_patterns(patterns):
    """``p1 + p2 + ...`` of PySB patterns (an observable over several species, a rule's side),
    built in one step: PySB's ``+`` re-checks every pattern so far at each addition (quadratic;
    minutes for a genome's proteins)."""
    complexes = [as_complex_pattern(p) for p in patterns]
    return complexes[0] if len(complexes) == 1 else ReactionPattern(complexes)


# sympy's canonical order of the arguments of a sum or product (the key Add and Mul sort them by);
# bioxen.backend.network builds its mass-action rates in it too
CANONICAL_ORDER = cmp_to_key(sympy.Basic.compare)


def _distinct_symbols(terms) -> bool:
    return all(isinstance(t, sympy.Symbol) for t in terms) and len(set(terms)) == len(terms)


def _base(factor):
    """The base of a factor :func:`product` may build directly: a symbol, or the reciprocal of a
    symbol or of a :func:`total` of symbols (from :func:`inverse`); None for anything else."""
    if isinstance(factor, sympy.Symbol):
        return factor
    if isinstance(factor, sympy.Pow) and factor.exp == -1 and _plain_base(factor.base):
        return factor.base
    return None


def _plain_base(x) -> bool:
    return isinstance(x, sympy.Symbol) or (isinstance(x, sympy.Add) and _distinct_symbols(x.args))


def product(*factors):
    """``f1·f2·…`` built in one step: the same expression as ``f1 * f2 * …``.

    sympy's binary ``*`` asks whether its left factor is zero, and for a product of fresh
    symbols its assumption system takes milliseconds to answer (for a genome's genes, most of
    the rules stage); an n-ary product of three or more factors asks nothing. Divide with
    :func:`inverse` factors.

    A gene's rate (model symbols and reciprocals of symbols or of sums of symbols, no two with
    one base) is the product of its factors in sympy's canonical order, which ``Mul`` would sort
    them into and leave as they are: that expression is made directly (60 us a gene less);
    anything else is left to ``Mul``. ``tests/test_rules_algebra.py`` checks the two agree.
    """
    bases = [_base(f) for f in factors]
    if len(factors) > 1 and None not in bases and len(set(bases)) == len(bases):
        return sympy.Mul._from_args(sorted(factors, key=CANONICAL_ORDER), is_commutative=True)
    return sympy.Mul(*factors)


def total(*terms):
    """``t1 + t2 + …``: the same expression as sympy's ``Add``, made directly (in its canonical
    order) for distinct model symbols, which ``Add`` would only sort."""
    if len(terms) > 1 and _distinct_symbols(terms):
        return sympy.Add._from_args(sorted(terms, key=CANONICAL_ORDER), is_commutative=True)
    return sympy.Add(*terms)


def inverse(x):
    """``1/x``, as a factor for :func:`product` (a symbol's or a :func:`total`'s reciprocal is
    what ``Pow`` leaves unevaluated, made so directly)."""
    return sympy.Pow(x, -1, evaluate=not _plain_base(x))


def _bond_ends(cp) -> dict[int, int] | None:
    """Bond number -> how many sites of the complex pattern name it; None if a site holds
    anything but None, a state, a bond or a (state, bond) pair (wildcards, MultiState)."""
    ends: dict[int, int] = {}
    for mp in cp.monomer_patterns:
        for site in mp.site_conditions.values():
            kind = type(site)
            if site is None or kind is str:
                continue
            if kind is int:
                ends[site] = ends.get(site, 0) + 1
            elif kind is tuple or kind is list:
                for part in site:
                    if type(part) is int:
                        ends[part] = ends.get(part, 0) + 1
                    elif part is not None and type(part) is not str:
                        return None
            else:
                return None
    return ends


# what PySB's ReactionPattern.__init__ reads: it sets complex_patterns and checks them
_PYSB_REACTION_PATTERN_INIT = ("complex_patterns", "pysb.pattern", "check_dangling_bonds")


@contextmanager
def bonds_checked_where_made():
    """PySB's check for dangling and reused bonds (``check_dangling_bonds``, run for every
    complex and reaction pattern it makes), made cheap in this block for the patterns a
    compile makes: a complex pattern whose sites hold only None, states, bonds and (state,
    bond) pairs passes when each bond joins exactly two sites, which is what PySB's check
    asks. Anything else (a dangling or reused bond, a wildcard, a MultiState) gets PySB's own
    check, so PySB refuses and explains it as it would. PySB tests each site against
    ``collections.abc.Iterable`` and counts bonds in a Counter, for 70,000 complex patterns of
    three Syn3A VMs: their rules stage 2.30 -> 1.99 s CPU with this block (the best of six
    alternating runs on a slow machine). PySB's ``ReactionPattern.__init__`` imports the check
    on each call (2 us); in the block, where it is the one known, it calls the check directly.
    A block opened inside another (or in another thread while one is open) leaves the open one
    as it is.
    """
    from pysb import pattern

    check = pattern.check_dangling_bonds
    if getattr(check, "bonds_counted_here", False):
        yield
        return

    def checked(found):
        kind = type(found)
        if kind is ReactionPattern:        # what PySB's check does with one: each complex in turn
            for cp in found.complex_patterns:
                checked(cp)
            return
        if kind is ComplexPattern:
            ends = _bond_ends(found)
            if ends is not None and all(n == 2 for n in ends.values()):
                return
        check(found)

    def reaction_pattern(self, complex_patterns):
        """``ReactionPattern.__init__`` calling the check directly: PySB's imports it from
        pysb.pattern on each call (2 us, 50,000 reaction patterns)."""
        self.complex_patterns = complex_patterns
        checked(self)

    checked.bonds_counted_here = True
    pattern.check_dangling_bonds, init = checked, ReactionPattern.__init__
    if init.__code__.co_names == _PYSB_REACTION_PATTERN_INIT:     # the init replaced is the one known
        ReactionPattern.__init__ = reaction_pattern
    try:
        yield
    finally:
        pattern.check_dangling_bonds, ReactionPattern.__init__ = check, init


def _untagged_rule(name: str, expression, forward, reverse=None) -> Rule:
    """``Rule(name, expression, forward, reverse, _export=False)`` of a model with no PySB tags:
    the same object PySB makes (attribute for attribute) with the same refusals, without two
    costs its constructor pays for every rule. It walks the whole call stack to record the
    modules its caller was in (``_modules``, for ``Model.modules``), and it walks each rate's
    expression tree looking for tags (``Expression.tags``: the growth rate's tree once for each
    of 8,000 dilution rules). Three Syn3A VMs' rules stage: 1.40 -> 1.26 s CPU (in one process,
    alternating, the best of six each). A rule made here names this module and the macro module
    that made it, and ``_function`` is ``rule``, as PySB's walk finds them first.
    ``tests/test_rules_construction.py`` compares it with PySB's, so that a PySB release that
    changes its Rule fails there."""
    if not isinstance(expression, RuleExpression):
        raise CompileError(f"rule {name}: {expression!r} is not a PySB rule expression")
    sides = (expression.reactant_pattern, expression.product_pattern)
    if not Component._VARIABLE_NAME_REGEX.match(name) or _tagged(sides):
        return Rule(name, expression, forward, reverse, _export=False)      # PySB's refusal, its tags
    validate_expr(forward, "forward rate")
    if expression.is_reversible:
        validate_expr(reverse, "reverse rate")
    elif reverse:
        raise ValueError(f"rule {name}: reverse rate specified, but rule expression is not reversible; "
                         "use | instead of >>")
    rule = Rule.__new__(Rule)
    caller = sys._getframe(2).f_globals.get("__name__", "__unnamed__")
    rule.__dict__.update(rule_expression=expression, reactant_pattern=sides[0], product_pattern=sides[1],
                         is_reversible=expression.is_reversible, rate_forward=forward, rate_reverse=reverse,
                         delete_molecules=False, move_connected=False, energy=False, total_rate=False,
                         name=name, model=None, _export=False, _modules=[__name__, caller], _function="rule")
    if rule.is_synth():
        for cp in (sides[0] if rule.is_reversible else sides[1]).complex_patterns:
            if not cp.is_concrete():
                raise ValueError(f"Product {cp} of synthesis rule {name} is not concrete")
    return rule


def _tagged(sides) -> bool:
    """Whether a complex or monomer pattern of the rule's sides carries a PySB tag."""
    for side in sides:
        for cp in side.complex_patterns:
            if cp is not None:
                if cp._tag:
                    return True
                for mp in cp.monomer_patterns:
                    if mp._tag is not None:
                        return True
    return False


# the model's set (attribute) of each kind of component a Builder adds
_COMPONENT_SETS = {Monomer: "monomers", Parameter: "parameters", Rule: "rules", Observable: "observables",
                   Expression: "expressions"}


@dataclass
class Builder:
    """Adds components to one explicit PySB model and keeps their provenance."""

    name: str
    model: Model = None
    monomer_tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rule_tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    # protein monomer -> the TagCounter (rules.proteolysis) that counts it: whatever removes one
    # such protein (decay, proteolysis, dilution) removes one count in the same reaction
    counted: dict[str, object] = field(default_factory=dict)
    local_expressions: set[str] = field(default_factory=set)
    # component name -> what it stands for (every monomer and rule; the parameters and
    # expressions back ends read). PySB names are unique across component types.
    roles: dict[str, Role] = field(default_factory=dict)
    # compartments besides the cell (id -> (size in fL, what it is)), and the monomers that place
    # a species in one (monomer -> compartment id; a species goes where its first such monomer is)
    compartments: dict[str, tuple[float, str]] = field(default_factory=dict)
    monomer_compartments: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.model is None:
            self.model = Model(self.name, _export=False)

    def _add(self, component, role: Role | None = None):
        kind = _COMPONENT_SETS.get(type(component))
        if kind is None:
            self.model.add_component(component)
        else:       # what Model.add_component does, without rebuilding its list of sets (42,000 times a genome)
            getattr(self.model, kind).add(component)
            component.model = weakref.ref(self.model)
        if role is not None:
            self.roles[component.name] = role
        return component

    def role_of(self, name: str) -> Role:
        """The role of component ``name``; a :class:`CompileError` if the rules gave it none."""
        try:
            return self.roles[name]
        except KeyError:
            raise CompileError(f"model component {name!r} has no role: the rules macro that made it "
                               "must pass role=Role(...)") from None

    def parameter(self, name: str, value, units: str = "", source: str = "", role: Role | None = None) -> Parameter:
        if isinstance(value, Quantity):
            value, units, source = value.value, value.units, value.source
        self.units[name], self.sources[name] = units, source
        return self._add(symbols.parameter(name, float(value)), role)

    def monomer(self, name: str, sites=(), states=None, tags=(), role: Role | None = None) -> Monomer:
        self.monomer_tags[name] = tuple(tags)
        return self._add(Monomer(name, list(sites), states or {}, _export=False), role)

    def expression(self, name: str, expr, units: str = "", local: bool = False,
                   role: Role | None = None) -> Expression:
        """An expression; ``local``: one reaction's rate (a gene's), which the SBML emitter writes
        into the reactions' kinetic laws instead of as a global assignment rule."""
        self.units[name] = units
        if local:
            self.local_expressions.add(name)
        return self._add(symbols.expression(name, expr), role)

    def observable(self, name: str, pattern, role: Role | None = None) -> Observable:
        return self._add(Observable(name, pattern, _export=False), role)

    def rule(self, name: str, rule_expression, forward, reverse=None, tags=(), role: Role | None = None) -> Rule:
        self.rule_tags[name] = tuple(tags)
        if self.model.tags:        # PySB's tags (``@``), which no BioXen macro writes: PySB checks them
            return self._add(Rule(name, rule_expression, forward, reverse, _export=False), role)
        return self._add(_untagged_rule(name, rule_expression, forward, reverse), role)

    def initial(self, pattern, value: Parameter) -> None:
        self.model.add_initial(Initial(as_complex_pattern(pattern), value, _export=False))

    def species_roles(self, species: ComplexPattern) -> list[Role]:
        """The roles of a species' monomers, in pattern order."""
        return [self.role_of(mp.monomer.name) for mp in species.monomer_patterns]

    def species_tags(self, species: ComplexPattern) -> tuple[str, ...]:
        tags: list[str] = []
        for mp in species.monomer_patterns:
            tags += [t for t in self.monomer_tags.get(mp.monomer.name, ()) if t not in tags]
        return tuple(tags)
