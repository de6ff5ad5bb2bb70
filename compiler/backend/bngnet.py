"""BioNetGen's network file (``model.net``), written from the compiler's own network.

A ``.net`` file is what ``BNG2.pl generate_network`` writes: the parameters (constant
expressions as derived parameters), the functions (expressions that read observables),
the species with their initial amounts, one line per unidirectional reaction (reactant
and product species by 1-based index, the rate constant's parameter or function, and
the rule that made it), and the observables as groups of species. BioXen writes the
same file from the network it expanded itself (:mod:`bioxen.backend.network`), in the
order PySB numbers species and reactions, so no network generation is repeated.

Simulators read it natively: bngsim loads it in milliseconds and derives its
analytical Jacobian per function (mass-action factors are applied by the engine), and
BioNetGen's ``run_network`` integrates it. ``tests/test_bngnet.py`` checks the file
against the one BNG2.pl writes for the same rules.

A rate law in a ``.net`` file is ``rate constant × reactant amounts``. BioXen's rules
give every reaction exactly that form; a model expanded by BNG2.pl (a non-concrete
rule) may carry symmetry factors, which are read off the reaction's rate.
"""
from __future__ import annotations

import sympy
from pysb.generator.bng import expression_to_muparser, format_complexpattern

from bioxen.backend.network import canonical_key
from bioxen.errors import CompileError


def _number(value: float) -> str:
    return f"{value:.17g}"


def _parameters(model) -> list[str]:
    lines = [f"{i} {p.name} {_number(p.value)}" for i, p in enumerate(model.parameters, 1)]
    first = len(lines) + 1
    lines += [f"{i} {e.name} {expression_to_muparser(e)}"
              for i, e in enumerate(model.expressions_constant(), first)]
    return lines


def _functions(model) -> list[str]:
    return [f"{i} {e.name}() {expression_to_muparser(e)}" for i, e in enumerate(model.expressions_dynamic(), 1)]


def _species(model) -> list[str]:
    initial = {canonical_key(ic.pattern): ic.value.name for ic in model.initials}
    return [f"{i} {format_complexpattern(cp)} {initial.get(canonical_key(cp), '0')}"
            for i, cp in enumerate(model.species, 1)]


def _indices(species: tuple[int, ...]) -> str:
    return ",".join(str(i + 1) for i in species) or "0"


def _rate_constant(model, reaction: dict, own_network: bool) -> str:
    """The reaction's rate constant: its rule's forward or reverse rate (times a symmetry factor
    for a reaction BNG expanded; the compiler's own expansion makes none)."""
    rule = model.rules[reaction["rule"][0]]
    constant = rule.rate_reverse if reaction["reverse"][0] else rule.rate_forward
    if own_network:
        return constant.name
    amounts = sympy.Mul(*[sympy.Symbol(f"__s{i}") for i in reaction["reactants"]])
    if len(reaction["rule"]) > 1 or reaction["rate"] != amounts * constant:
        factor = sympy.simplify(reaction["rate"] / (amounts * constant))
        if not factor.is_number:
            raise CompileError(f"reaction of rule {rule.name}: its rate {reaction['rate']} is not "
                               f"{constant.name} times its reactants; it has no .net form")
        return f"{_number(float(factor))}*{constant.name}"
    return constant.name


def _reactions(model, own_network: bool) -> list[str]:
    lines = []
    for i, r in enumerate(model.reactions, 1):
        made_by = ("_reverse_" if r["reverse"][0] else "") + r["rule"][0]
        lines.append(f"{i} {_indices(r['reactants'])} {_indices(r['products'])} "
                     f"{_rate_constant(model, r, own_network)} #{made_by}")
    return lines


def _groups(model) -> list[str]:
    return [f"{i} {o.name} " + ",".join(str(s + 1) if c == 1 else f"{c}*{s + 1}"
                                         for s, c in zip(o.species, o.coefficients))
            for i, o in enumerate(model.observables, 1)]


def _block(name: str, lines: list[str]) -> str:
    return f"begin {name}\n" + "".join(f"    {line}\n" for line in lines) + f"end {name}\n"


def to_net(model, own_network: bool = False) -> str:
    """The ``.net`` text of a PySB model whose network is expanded (``own_network``: by
    :func:`bioxen.backend.network.expand_network` itself, whose reactions are each one rule's
    rate constant times its reactants)."""
    if not model.reactions:
        raise CompileError(f"model {model.name} has no expanded network to write as .net")
    return (f"# Created by BioXen from the network of model {model.name}\n"
            + _block("parameters", _parameters(model)) + _block("functions", _functions(model))
            + _block("species", _species(model)) + _block("reactions", _reactions(model, own_network))
            + _block("groups", _groups(model)))
