"""The mathematics of a VCML BioModel (its MathDescription), and SBML math as VCell infix.

VCell generates an application's MathDescription from the BioModel, in time that grows with
the square of the reactions (measured through libvcell: 0.5 s for 101 reactions, 12 min for
6,985), so BioXen writes it as VCell's generator does for a one-compartment, deterministic
application with lumped (molecules/min) rates:

* ``Constant``: every constant parameter; ``Size_cell``, the compartment's size; per species
  ``S_init_molecules_um_3``, its initial concentration; per parameter an event sets,
  ``P_protocol_init``, its initial value;
* ``VolumeVariable``: every species (a concentration), and every parameter an event sets;
* ``Function``: every assignment rule; per reaction ``LumpedJ_R``, its rate; per event
  ``E.triggerFunction``;
* ``OdeEquation`` per variable: d[S]/dt = sum of stoichiometry * LumpedJ_R / Size_cell (a
  parameter an event sets: 0);
* ``Event``: the trigger and the assignments (a species' amount set as a concentration).

tests/test_vcell.py checks it against the MathDescription VCell generates from the same
BioModel, expression by expression with VCell's own evaluator.
"""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import libsbml

from bioxen.backend.formats import FormatRefused

DOMAIN = "Compartment"     # the compartmental geometry's one subvolume


class Expressions:
    """SBML math as VCell infix: a species' symbol (an amount, ``hasOnlySubstanceUnits``)
    becomes its concentration times the compartment's size, ``(S * size)``; time is ``t``;
    numbers lose their SBML units; piecewise becomes a sum of value * condition terms."""

    def __init__(self, model: libsbml.Model, size: str):
        self.species = {s.getId() for s in model.getListOfSpecies()}
        self.size = size

    def infix(self, ast: libsbml.ASTNode) -> str:
        return _infix(ast, self)

    def species_in(self, ast: libsbml.ASTNode) -> set[str]:
        """The species an expression reads."""
        found, stack = set(), [ast]
        while stack:
            node = stack.pop()
            if node.isName() and node.getName() in self.species:
                found.add(node.getName())
            stack += [node.getChild(i) for i in range(node.getNumChildren())]
        return found


def number(value: float) -> str:
    return repr(float(value))


# -- the MathDescription ----------------------------------------------------------------------

def math_description(model: libsbml.Model, name: str, concentration_unit: str) -> ET.Element:
    """The MathDescription VCell would generate for the BioModel of ``model``."""
    compartment = model.getCompartment(0)
    size = f"Size_{compartment.getId()}"
    math, expressions = ET.Element("MathDescription", {"Name": name}), Expressions(model, size)
    rules = {rule.getVariable(): rule.getMath() for rule in model.getListOfRules()}
    set_by_events = _set_by_events(model) - expressions.species
    initial = f"_init_{re.sub(r'[^A-Za-z0-9]', '_', concentration_unit)}"     # _init_molecules_um_3
    for constant, value in _constants(model, size, initial, set(rules) | set_by_events).items():
        subelement(math, "Constant", value, Name=constant)
    variables = [s.getId() for s in model.getListOfSpecies()] + sorted(set_by_events)
    for variable in variables:
        subelement(math, "VolumeVariable", Name=variable, Domain=DOMAIN)
    for parameter, rule in rules.items():
        subelement(math, "Function", expressions.infix(rule), Name=parameter)
    for reaction in model.getListOfReactions():
        subelement(math, "Function", expressions.infix(reaction.getKineticLaw().getMath()),
                   Name=f"LumpedJ_{reaction.getId()}", Domain=DOMAIN)
    for event in model.getListOfEvents():
        subelement(math, "Function", expressions.infix(event.getTrigger().getMath()),
                   Name=f"{event.getId()}.triggerFunction")
    _subdomain(math, model, size, initial, set_by_events)
    for event in model.getListOfEvents():
        _event(math, event, expressions)
    return math


def _constants(model: libsbml.Model, size: str, initial: str, variable: set[str]) -> dict[str, str]:
    """The compartment's size, the constant parameters, each species' initial concentration,
    the initial value of each parameter an event sets, and each event's delay (0)."""
    compartment = model.getCompartment(0)
    species = model.getListOfSpecies()
    constants = {size: number(compartment.getSize())}
    constants |= {p.getId(): number(p.getValue()) for p in model.getListOfParameters() if p.getId() not in variable}
    constants |= {f"{s.getId()}{initial}": number(initial_amount(s) / compartment.getSize()) for s in species}
    constants |= {f"{p}_protocol_init": number(model.getParameter(p).getValue())
                  for p in sorted(_set_by_events(model) - {s.getId() for s in species})}
    constants |= {f"{e.getId()}.delay": "0.0" for e in model.getListOfEvents()}
    return constants


def initial_amount(species: libsbml.Species) -> float:
    if species.isSetInitialAmount():
        return species.getInitialAmount()
    return species.getInitialConcentration() * species.getModel().getCompartment(species.getCompartment()).getSize()


def subelement(parent, tag: str, text: str | None = None, **attributes) -> ET.Element:
    """A child element with its text and attributes (any value, written as text)."""
    element = ET.SubElement(parent, tag, {key: str(value) for key, value in attributes.items()})
    element.text = text
    return element


def _set_by_events(model: libsbml.Model) -> set[str]:
    return {a.getVariable() for e in model.getListOfEvents() for a in e.getListOfEventAssignments()}


def _subdomain(math, model: libsbml.Model, size: str, initial: str, set_by_events: set[str]) -> None:
    """Each variable's ODE: a species' from the reactions it takes part in, in one pass over them."""
    subdomain = subelement(math, "CompartmentSubDomain", Name=DOMAIN)
    for boundary in ("Xm", "Xp", "Ym", "Yp", "Zm", "Zp"):
        subelement(subdomain, "BoundaryType", Boundary=boundary, Type="Value")
    terms: dict[str, list[str]] = {s.getId(): [] for s in model.getListOfSpecies()}
    for reaction in model.getListOfReactions():
        flux = f"LumpedJ_{reaction.getId()}"
        for sign, references in (("-", reaction.getListOfReactants()), ("+", reaction.getListOfProducts())):
            for reference in references:
                stoichiometry = reference.getStoichiometry()
                terms[reference.getSpecies()].append(
                    f"{sign} {flux}" if stoichiometry == 1 else f"{sign} {number(stoichiometry)} * {flux}")
    for species, flux in terms.items():
        rate = f"(({' '.join(flux).lstrip('+ ')}) / {size})" if flux else "0.0"
        _ode(subdomain, species, rate, f"{species}{initial}")
    for parameter in sorted(set_by_events):
        _ode(subdomain, parameter, "0.0", f"{parameter}_protocol_init")


def _ode(subdomain, variable: str, rate: str, initial: str) -> None:
    equation = subelement(subdomain, "OdeEquation", Name=variable, SolutionType="Unknown")
    subelement(equation, "Rate", rate)
    subelement(equation, "Initial", initial)


def _event(math, event: libsbml.Event, expressions: Expressions) -> None:
    element = subelement(math, "Event", Name=event.getId())
    subelement(element, "Trigger", f"{event.getId()}.triggerFunction")
    for assignment in event.getListOfEventAssignments():
        subelement(element, "EventAssignment", event_value(assignment, expressions), Variable=assignment.getVariable())


def event_value(assignment: libsbml.EventAssignment, expressions: Expressions) -> str:
    """What an event assigns; to a species, its amount as a concentration."""
    value = expressions.infix(assignment.getMath())
    return f"({value} / {expressions.size})" if assignment.getVariable() in expressions.species else value


# -- SBML math by name (not ASTNode.getType(), which python-libsedml breaks when imported after
# libsbml): relations and logic, one-argument functions and constants as VCell writes them -------

_INFIX = {"eq": "==", "neq": "!=", "gt": ">", "geq": ">=", "lt": "<", "leq": "<=", "and": "&&", "or": "||"}
_FUNCTIONS = {"exp": "exp", "ln": "log", "abs": "abs", "floor": "floor", "ceil": "ceil", "ceiling": "ceil",
              "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh", "sinh": "sinh", "cosh": "cosh"}
_CONSTANTS = {"true": "1.0", "false": "0.0", "pi": "3.141592653589793", "exponentiale": "2.718281828459045"}
_TIME = "http://www.sbml.org/sbml/symbols/time"


def _infix(ast: libsbml.ASTNode, expressions: Expressions) -> str:
    children = [_infix(ast.getChild(i), expressions) for i in range(ast.getNumChildren())]
    name = ast.getName()
    if ast.isNumber():
        return number(ast.getValue())
    if ast.isName():
        if ast.getDefinitionURLString() == _TIME:
            return "t"
        if ast.getDefinitionURLString():          # avogadro
            raise _untranslated(ast)
        return f"({name} * {expressions.size})" if name in expressions.species else name
    if ast.isOperator():
        written = _operator(ast.getCharacter(), children)
        if written is None:
            raise _untranslated(ast)
        return written
    written = _function(name, children)
    if written is None:
        raise _untranslated(ast)
    return written


def _operator(character: str, children: list[str]) -> str | None:
    if character in "+*" and children:
        return "(" + f" {character} ".join(children) + ")"
    if character == "-" and len(children) in (1, 2):
        return f"(-{children[0]})" if len(children) == 1 else f"({children[0]} - {children[1]})"
    if character == "/" and len(children) == 2:
        return f"({children[0]} / {children[1]})"
    if character == "^" and len(children) == 2:
        return f"pow({children[0]}, {children[1]})"
    return None


def _function(name: str, children: list[str]) -> str | None:
    if name in _CONSTANTS and not children:
        return _CONSTANTS[name]
    if name in _INFIX and children:
        return "(" + f" {_INFIX[name]} ".join(children) + ")"
    if name == "not" and len(children) == 1:
        return f"(!{children[0]})"
    if name in _FUNCTIONS and len(children) == 1:
        return f"{_FUNCTIONS[name]}({children[0]})"
    if name in ("power", "pow") and len(children) == 2:     # MathML <power/>
        return f"pow({children[0]}, {children[1]})"
    if name in ("root", "sqrt") and len(children) == 2:     # (degree, radicand)
        return f"pow({children[1]}, (1.0 / {children[0]}))"
    if name in ("log", "log10") and len(children) == 2:     # (base, argument)
        return f"log10({children[1]})" if children[0] == "10.0" else f"(log({children[1]}) / log({children[0]}))"
    if name in ("max", "min") and children:
        return _nested(name, children)
    if name == "piecewise" and children:
        return _piecewise(children)
    return None


def _untranslated(ast: libsbml.ASTNode) -> FormatRefused:
    return FormatRefused(f"VCML: the model uses math this writer does not translate: "
                         f"{libsbml.formulaToL3String(ast)}")


def _nested(function: str, arguments: list[str]) -> str:
    """VCell's max and min take two arguments."""
    result = arguments[0]
    for argument in arguments[1:]:
        result = f"{function}({result}, {argument})"
    return result


def _piecewise(children: list[str]) -> str:
    """``piecewise(v1, c1, v2, c2, ..., otherwise)``, the first true condition's value, as a sum
    VCell reads (its own SBML importer writes v1 * c1 + v2 * c2 + ..., which double-counts
    overlapping conditions): v1 * c1 + v2 * (c2 && !c1) + ... + otherwise * (!c1 && !c2 ...)."""
    pairs = list(zip(children[0:-1:2], children[1::2]))
    otherwise = children[-1] if len(children) % 2 else "0.0"
    terms, earlier = [], []
    for value, condition in pairs:
        guard = " && ".join([condition] + [f"(!{c})" for c in earlier])
        terms.append(f"({value} * ({guard}))")
        earlier.append(condition)
    terms.append(f"({otherwise} * ({' && '.join(f'(!{c})' for c in earlier) or '1.0'}))")
    return "(" + " + ".join(terms) + ")"
