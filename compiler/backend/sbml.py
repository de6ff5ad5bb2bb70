"""SBML Level 3 Version 2 emitter (libsbml), from the expanded PySB network.

PySB's own exporter prints every rate through sympy's MathML printer, which
takes about 40 s for a 1,400-species genome model; this emitter writes infix
formulas that libsbml parses (about 1 s) and gives species and reactions
readable identifiers.

What the document says besides the network:

* units: substance ``item`` (molecules), time ``minute``, the compartment is
  the 1 fL cell and species are amounts (``hasOnlySubstanceUnits``); every
  parameter carries the units its mechanism declared (:data:`UNIT_ATOMS` reads
  them) and every literal number in a formula is ``dimensionless`` (a time in
  a trigger is in minutes), so libsbml's unit checks pass without a warning;
* SBO terms: species by the kind of molecule (:func:`species_sbo`), reactions
  by the mechanism that made them (:func:`reaction_sbo`);
* provenance, machine-readable in the ``bioxen`` annotation namespace: the
  locus tags each species and reaction stands for, and each parameter's
  declared units and literature source.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import libsbml
import sympy
from sympy.printing.str import StrPrinter

from bioxen.errors import CompileError
from bioxen.rules.control import INDUCER_PREFIX
from bioxen.rules.species import species_id

ANNOTATION_NS = "https://bioxen.dev/ns/annotation/1"

# Unit words a mechanism may use, as powers of the atoms below. Amino acids count residues per
# chain (a protein length, ``n_x``) or per ribosome (``gmax``, aa/min): pure numbers.
UNIT_ATOMS: dict[str, dict[str, int]] = {
    **dict.fromkeys(("molecule", "molecules", "item", "items"), {"item": 1}),
    **dict.fromkeys(("min", "minute", "minutes"), {"minute": 1}),
    **dict.fromkeys(("s", "sec", "second", "seconds"), {"second": 1}),
    **dict.fromkeys(("h", "hr", "hour", "hours"), {"hour": 1}),
    **dict.fromkeys(("aa", "dimensionless", "1"), {}),
    "fL": {"fL": 1}, "L": {"litre": 1},
    "nM": {"nmol": 1, "litre": -1}, "uM": {"umol": 1, "litre": -1}, "mM": {"mmol": 1, "litre": -1},
}
# atom -> (SBML base unit, scale, multiplier)
_ATOM_UNITS = {
    "item": (libsbml.UNIT_KIND_ITEM, 0, 1.0), "second": (libsbml.UNIT_KIND_SECOND, 0, 1.0),
    "minute": (libsbml.UNIT_KIND_SECOND, 0, 60.0), "hour": (libsbml.UNIT_KIND_SECOND, 0, 3600.0),
    "litre": (libsbml.UNIT_KIND_LITRE, 0, 1.0), "fL": (libsbml.UNIT_KIND_LITRE, -15, 1.0),
    "nmol": (libsbml.UNIT_KIND_MOLE, -9, 1.0), "umol": (libsbml.UNIT_KIND_MOLE, -6, 1.0),
    "mmol": (libsbml.UNIT_KIND_MOLE, -3, 1.0),
}
_BUILTIN = {"item", "second", "litre"}
# Parameters whose declared words mean something else in SBML's dimensions: the cell's mass M
# counts every amino-acid residue in the cell (a number of items), so growth = gamma·R/M is 1/min.
_READ_AS = {("M", "aa"): "molecules"}

# (monomer-name prefix, SBO term) for species of one monomer, first match wins.
# mRNA (SBO:0000278) and rRNA (SBO:0000311) are not under "material entity" in SBO, so libsbml
# warns (10713) on species carrying them: every RNA is a ribonucleic acid (SBO:0000250) here.
MONOMER_SBO = (("mRNA_", 250), ("rRNA_", 250), ("sRNA_", 250), ("RNA_", 250),
               ("ribosomal_protein", 252), ("ribosome_inventory", 245), ("stalled_ribosome", 296),
               ("ribosome", 296), ("protein_", 252), ("defective_protein", 252),
               ("fluorescent_", 252), ("clock_repressor", 252), ("energy", 247), ("nutrient", 247))
# (rule-name prefix, SBO term), first match wins; anything else is a biochemical reaction (176).
RULE_SBO = (("transcription", 183), ("elongation", 184), ("translation_consumes", 176),
            ("translation", 184), ("initiation", 177), ("assembly", 177), ("pairing", 177),
            ("stalling", 177), ("disassembly", 180), ("dissociation", 180), ("unbinding", 180),
            ("decay", 179), ("proteolysis", 179), ("dilution", 179), ("maturation", 182),
            ("nutrient_import", 185), ("catabolism", 176))


class _Infix(StrPrinter):
    """sympy to SBML L3 infix: ``^`` for powers, component names as identifiers,
    PySB's positional species symbols (``__s3``) renamed through ``names``."""

    def __init__(self, names: dict[str, str] | None = None):
        super().__init__()
        self.names = names or {}

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.as_base_exp()
        return f"({self._print(base)})^({self._print(exponent)})"

    def _print_Symbol(self, expr):
        return self.names.get(expr.name, expr.name)

    def _print_Piecewise(self, expr):
        """``piecewise(value1, condition1, ..., otherwise)`` (a last condition True is the otherwise)."""
        parts = []
        for value, condition in expr.args:
            parts.append(self._print(value))
            if condition is not sympy.true:
                parts.append(self._print(condition))
        return f"piecewise({', '.join(parts)})"

    def _print_BooleanTrue(self, expr):
        return "true"

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"


def infix(expr, names: dict[str, str] | None = None) -> str:
    return _Infix(names).doprint(expr)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}_{n}"
    used.add(candidate)
    return candidate


def network_ids(model) -> tuple[list[str], list[str]]:
    """Identifiers of species and (bidirectional) reactions, in network order."""
    used = {c.name for c in model.parameters} | {c.name for c in model.expressions} | \
        {c.name for c in model.observables} | {"cell", "minute"}
    species = [_unique(species_id(cp), used) for cp in model.species]
    reactions = [_unique("__".join(r["rule"]), used) for r in model.reactions_bidirectional]
    return species, reactions


# -- units --------------------------------------------------------------------------------------

def unit_atoms(text: str) -> dict[str, int]:
    """A declared unit (``1/(molecule*min)``) as powers of atoms (``{item: -1, minute: -1}``).

    >>> unit_atoms("1/(molecule*min)"), unit_atoms("aa/min"), unit_atoms("molecules")
    ({'item': -1, 'minute': -1}, {'minute': -1}, {'item': 1})
    """
    text = text.replace("\u00b5", "u").replace("\u03bc", "u").strip()
    words = set(re.findall(r"[A-Za-z_]\w*", text))
    unknown = sorted(w for w in words if w not in UNIT_ATOMS)
    if unknown:
        raise ValueError(f"unknown unit {', '.join(map(repr, unknown))} in {text!r} "
                         f"(expected one of: {', '.join(sorted(UNIT_ATOMS))})")
    expr = sympy.parse_expr(text, local_dict={w: sympy.Symbol(w) for w in words})
    atoms: dict[str, int] = {}
    for base, power in expr.as_powers_dict().items():
        if base.is_number:
            continue
        for atom, exponent in UNIT_ATOMS[str(base)].items():
            atoms[atom] = atoms.get(atom, 0) + int(power) * exponent
    return {atom: e for atom, e in sorted(atoms.items()) if e}


def _unit_sid(atoms: dict[str, int]) -> str:
    """``item_per_minute``, ``per_item_per_minute``, ``dimensionless``, ``item``."""
    if not atoms:
        return "dimensionless"
    up = [f"{a}{e if e > 1 else ''}" for a, e in atoms.items() if e > 0]
    down = [f"per_{a}{-e if e < -1 else ''}" for a, e in atoms.items() if e < 0]
    return "_".join(up + down)


class UnitTable:
    """The model's unit definitions, made on first use from declared unit text (the table
    belongs to one model: keep the model's document alive while using it)."""

    def __init__(self, model: libsbml.Model):
        self.model = model
        self.read: dict[str, str] = {}   # declared text -> unit id, for this model only

    def sid(self, text: str) -> str:
        if text not in self.read:
            self.read[text] = self._define(text)
        return self.read[text]

    def _define(self, text: str) -> str:
        atoms = unit_atoms(text)
        sid = _unit_sid(atoms)
        if sid in _BUILTIN or sid == "dimensionless" or self.model.getUnitDefinition(sid):
            return sid
        definition = self.model.createUnitDefinition()
        definition.setId(sid), definition.setName(text)
        for atom, exponent in atoms.items():
            kind, scale, multiplier = _ATOM_UNITS[atom]
            unit = definition.createUnit()
            unit.setKind(kind), unit.setExponent(exponent), unit.setScale(scale), unit.setMultiplier(multiplier)
        return sid

    def for_component(self, name: str, text: str) -> str:
        """Unit id for a component's declared ``text`` (a CompileError names an unreadable one)."""
        try:
            return self.sid(_READ_AS.get((name, text), text))
        except (ValueError, SyntaxError, TypeError) as exc:
            raise CompileError(f"parameter '{name}': cannot read its units {text!r}: {exc}") from exc


def _model_units(model: libsbml.Model) -> UnitTable:
    table = UnitTable(model)
    model.setTimeUnits(table.sid("min")), model.setSubstanceUnits("item"), model.setExtentUnits("item")
    model.setVolumeUnits(table.sid("fL"))
    return table


# -- formulas -----------------------------------------------------------------------------------

def _mark_numbers(node: libsbml.ASTNode, units: str) -> None:
    """Give every literal number without units the given ``units``."""
    if node.isNumber() and not node.hasUnits():
        node.setUnits(units)
    for i in range(node.getNumChildren()):
        _mark_numbers(node.getChild(i), units)


def _math(formula: str, what: str, units: str = "dimensionless"):
    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise CompileError(f"cannot express {what} in SBML: {libsbml.getLastParseL3Error()}")
    _mark_numbers(ast, units)
    return ast


# -- annotations and SBO ------------------------------------------------------------------------

def _annotate(element, tags, kind: str) -> None:
    if tags:
        element.setAnnotation(f'<annotation><bioxen:origin xmlns:bioxen="{ANNOTATION_NS}" '
                              f'kind="{kind}" locus_tags="{" ".join(tags)}"/></annotation>')


def _annotate_parameter(element, units: str, source: str) -> None:
    element.setAnnotation(f'<annotation><bioxen:parameter xmlns:bioxen="{ANNOTATION_NS}" '
                          f'units={quoteattr(units)} source={quoteattr(source)}/></annotation>')


def _first_match(name: str, table, default: int) -> int:
    return next((term for prefix, term in table if name.startswith(prefix)), default)


def species_sbo(cp) -> int:
    """SBO term of a species: its monomer's kind, or a (macromolecular) complex.

    RNA 250, polypeptide 252, ribosome 296, simple chemical 247,
    else macromolecule 245; complexes of proteins only 297, other complexes 296.
    """
    terms = [_first_match(mp.monomer.name, MONOMER_SBO, 245) for mp in cp.monomer_patterns]
    if len(terms) == 1:
        return terms[0]
    return 297 if all(t == 252 for t in terms) else 296


def reaction_sbo(rule_names) -> int:
    """SBO term of a reaction, by the first rule that made it (:data:`RULE_SBO`)."""
    return _first_match(rule_names[0], RULE_SBO, 176)


# -- the document -------------------------------------------------------------------------------

def _assignment(model, sid: str, formula: str, units: str, name: str = "") -> None:
    parameter = model.createParameter()
    parameter.setId(sid), parameter.setName(name or sid), parameter.setConstant(False)
    parameter.setUnits(units)
    rule = model.createAssignmentRule()
    rule.setVariable(sid)
    rule.setMath(_math(formula, sid))


def _events(model: libsbml.Model, steps) -> None:
    """Timed commands as events, one per command time (:mod:`bioxen.backend.commands`): at
    ``time >= at`` every parameter the commands set is assigned.

    Commands at time 0 set the parameters' initial values instead. The trigger's
    initial value is true, so a run resumed after ``at`` (a loaded state) does
    not fire it again.
    """
    for index, step in enumerate(steps):
        if step.at <= 0:
            for parameter, level in step.assignments.items():
                model.getParameter(parameter).setValue(level)
            continue
        first = step.commands[0]
        event = model.createEvent()
        event.setId(f"{first.command.lower()}_{first.vm}_{index + 1}" if len(step.commands) == 1
                    else f"commands_{index + 1}")
        event.setName(", ".join(f"{c.command} {c.vm}" for c in step.commands) + f" at {step.at:g} min")
        event.setUseValuesFromTriggerTime(True)
        trigger = event.createTrigger()
        trigger.setInitialValue(True), trigger.setPersistent(True)
        trigger.setMath(_math(f"time >= {step.at!r}", event.getId(), model.getTimeUnits()))
        for parameter, level in step.assignments.items():
            assignment = event.createEventAssignment()
            assignment.setVariable(parameter)
            assignment.setMath(_math(repr(float(level)), event.getId(), model.getParameter(parameter).getUnits()))


def _species(model, builder, species_ids) -> None:
    initial = {species_id(ic.pattern): ic.value for ic in builder.model.initials}
    for cp, sid in zip(builder.model.species, species_ids):
        species = model.createSpecies()
        species.setId(sid), species.setName(str(cp)), species.setCompartment("cell")
        species.setHasOnlySubstanceUnits(True), species.setBoundaryCondition(False)
        species.setConstant(False), species.setSubstanceUnits("item")
        species.setInitialAmount(initial[sid].value if sid in initial else 0.0)
        species.setSBOTerm(species_sbo(cp))
        _annotate(species, builder.species_tags(cp), "species")


def _parameters(model, builder, units: UnitTable, changed: set[str]) -> None:
    for parameter in builder.model.parameters:
        declared = builder.units.get(parameter.name, "")
        p = model.createParameter()
        p.setId(parameter.name), p.setValue(parameter.value)
        # inducers (live commands) and whatever a timed command sets change during a run
        p.setConstant(not (parameter.name.startswith(INDUCER_PREFIX) or parameter.name in changed))
        if declared:
            p.setUnits(units.for_component(parameter.name, declared))
        _annotate_parameter(p, declared, builder.sources.get(parameter.name, ""))


def _reactions(model, builder, species_ids, reaction_ids) -> None:
    symbol = {f"__s{i}": sid for i, sid in enumerate(species_ids)}
    for r, rid in zip(builder.model.reactions_bidirectional, reaction_ids):
        reaction = model.createReaction()
        reaction.setId(rid), reaction.setReversible(bool(r["reversible"]))
        reaction.setSBOTerm(reaction_sbo(r["rule"]))
        for role, indices in (("reactant", r["reactants"]), ("product", r["products"])):
            for i in indices:
                ref = reaction.createReactant() if role == "reactant" else reaction.createProduct()
                ref.setSpecies(species_ids[i]), ref.setStoichiometry(1), ref.setConstant(True)
        law = reaction.createKineticLaw()
        law.setMath(_math(infix(r["rate"], symbol), rid))
        tags = tuple(t for rule in r["rule"] for t in builder.rule_tags.get(rule, ()))
        _annotate(reaction, tags, "reaction")


def to_sbml(builder, species_ids: list[str], reaction_ids: list[str], steps=()) -> libsbml.SBMLDocument:
    """The model as SBML, with the timed commands' ``steps`` (:func:`bioxen.backend.commands.steps`)
    as events."""
    pysb_model = builder.model
    changed = {parameter for step in steps if step.at > 0 for parameter in step.assignments}
    doc = libsbml.SBMLDocument(3, 2)
    model = doc.createModel()
    model.setId(pysb_model.name)
    units = _model_units(model)
    cell = model.createCompartment()
    cell.setId("cell"), cell.setName("one host cell"), cell.setSize(1), cell.setUnits(units.sid("fL"))
    cell.setConstant(True), cell.setSpatialDimensions(3), cell.setSBOTerm(290)  # physical compartment

    _species(model, builder, species_ids)
    _parameters(model, builder, units, changed)
    molecules = units.sid("molecules")
    for observable in pysb_model.observables:
        terms = [f"{c}*{species_ids[i]}" if c != 1 else species_ids[i]
                 for i, c in zip(observable.species, observable.coefficients)]
        _assignment(model, observable.name, " + ".join(terms) or "0", molecules)
    for expression in pysb_model.expressions:
        declared = builder.units.get(expression.name, "")
        _assignment(model, expression.name, infix(expression.expr),
                    units.for_component(expression.name, declared) if declared else "")
    _reactions(model, builder, species_ids, reaction_ids)
    _events(model, steps)
    return doc


# -- checking and writing -----------------------------------------------------------------------

def diagnostics(doc: libsbml.SBMLDocument, units: bool = True) -> list[libsbml.SBMLError]:
    """Everything libsbml's consistency checks report (every severity), unit checks included."""
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, units)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_MODELING_PRACTICE, True)
    doc.checkConsistency()
    return [doc.getError(i) for i in range(doc.getNumErrors())]


def check_consistency(doc: libsbml.SBMLDocument) -> list[str]:
    """libsbml's consistency errors (not warnings), as text."""
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, False)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_MODELING_PRACTICE, False)
    doc.checkConsistency()
    return [doc.getError(i).getMessage() for i in range(doc.getNumErrors())
            if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


def write_text_atomically(text: str, path) -> Path:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path


def write_sbml(doc: libsbml.SBMLDocument, path) -> Path:
    errors = check_consistency(doc)
    if errors:
        raise CompileError(f"generated SBML has {len(errors)} consistency errors; first: {errors[0]}")
    text = libsbml.writeSBMLToString(doc)
    if not text:
        raise CompileError(f"cannot write SBML to {path}")
    return write_text_atomically(text, path)
