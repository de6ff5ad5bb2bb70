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
  by the mechanism that made them (:func:`reaction_sbo`), both read from the
  components' roles (:mod:`bioxen.roles`), never from their names;
* provenance, machine-readable in the ``bioxen`` annotation namespace: the
  locus tags each species and reaction stands for, and each parameter's
  declared units and literature source; on the model, every guest gene it
  stands for (``<bioxen:genes>``: per gene its VM, key, record, coordinates and
  what the genome file calls it: locus_tag, gene, label, product, protein_id);
* database links for other tools: a guest gene's RNA and protein species carry
  MIRIAM CV terms to identifiers.org (NCBI Protein from the GenBank /protein_id,
  the INSDC record of the genome; :class:`_GeneLinks`);
* no large expression: an observable of thousands of species (ribosomes_all of
  three Syn3A VMs sums 5,496) is a tree of named partial sums of at most
  :data:`SUM_CHUNK` terms, each a balanced binary sum (:func:`_observable`), so
  clients that walk expressions recursively (libRoadRunner's code generator)
  see nothing deeper than a small model's.
"""
from __future__ import annotations

import ctypes
import functools
import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

import libsbml
import sympy
from sympy.printing.str import StrPrinter

from bioxen import collector
from bioxen.backend import consistency
from bioxen.errors import CompileError
from bioxen.roles import MACROMOLECULAR_COMPLEX, POLYPEPTIDE_CHAIN, PROTEIN_COMPLEX, RIBONUCLEIC_ACID
from bioxen.rules.species import species_id

ANNOTATION_NS = "https://bioxen.dev/ns/annotation/1"
IDENTIFIERS_ORG = "https://identifiers.org"
# identifiers.org namespaces a gene's species link to, with the local identifiers each accepts (the
# MIRIAM registry's patterns): NCBI Protein (MIR:00000344) for a GenBank /protein_id, and INSDC
# sequence records (MIR:00000029) for the genome record a gene lies on. Locus tags have no
# identifiers.org namespace: they stay in the ``bioxen`` annotation.
MIRIAM_PATTERNS = {
    "ncbiprotein": re.compile(r"\w+_?\d+(\.\d+)?"),
    "insdc": re.compile(r"([A-Z]\d{5}|[A-Z]{2}\d{6}|[A-Z]{4,6}\d{8,10}|[A-J][A-Z]{2}\d{5})(\.\d+)?"),
}
RNA_SBO, POLYPEPTIDE_SBO = RIBONUCLEIC_ACID, POLYPEPTIDE_CHAIN

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

SUM_CHUNK = 64      # terms per sum in an observable's rule at most (:func:`_observable`)
AMOUNT_SBO = 361    # amount of an entity pool: an observable and each of its partial sums


class _Infix(StrPrinter):
    """sympy to SBML L3 infix: ``^`` for powers, component names as identifiers,
    PySB's positional species symbols (``__s3``) renamed through ``names``, the
    expressions in ``inline`` (name -> formula) written out in parentheses, and every
    literal number ``dimensionless`` (L3 infix: ``2 dimensionless``).

    ``sort=False``: terms and factors in the order sympy keeps them (its canonical argument
    order, as deterministic), not sorted for reading: sorting cost up to 0.6 s of three
    genomes' 2,900 gene rate formulas (~200 us each)."""

    def __init__(self, names: dict[str, str] | None = None, inline: dict[str, str] | None = None,
                 sort: bool = True):
        super().__init__({} if sort else {"order": "none"})
        self.names = names or {}
        self.inline = {} if inline is None else inline

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.as_base_exp()
        return f"({self._print(base)})^({self._print(exponent)})"

    def _print_Integer(self, expr):
        return _number(int(expr))

    _print_Zero = _print_Integer

    def _print_Rational(self, expr):
        if expr.q == 1:
            return _number(int(expr.p))
        return f"{_number(int(expr.p))}/{_number(int(expr.q))}"

    def _print_Float(self, expr):
        return f"{super()._print_Float(expr)} dimensionless"

    def _print_Symbol(self, expr):
        if expr.name in self.inline:
            return f"({self.inline[expr.name]})"
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


def infix(expr, names: dict[str, str] | None = None, inline: dict[str, str] | None = None) -> str:
    return _Infix(names, inline).doprint(expr)


def local_formulas(builder) -> dict[str, str]:
    """The formula of each local expression (``Builder.expression(..., local=True)``: a gene's
    transcription or translation rate), with the local expressions it uses written out. The
    document has no parameter for them: the kinetic laws that use one contain its formula.

    A global assignment rule per gene would be exact too, but libsbml's consistency check of
    rule dependencies grows faster than linearly with the number of rules (a genome has
    thousands), and simulators evaluate the rules at every step.
    """
    formulas: dict[str, str] = {}
    printer = _Infix(inline=formulas, sort=False)      # thousands, read by no one: not sorted
    for expression in builder.model.expressions:      # in the order they were defined
        if expression.name in builder.local_expressions:
            formulas[expression.name] = printer.doprint(expression.expr)
    return formulas


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

def _number(value, units: str = "dimensionless") -> str:
    """A literal number with its units, in L3 infix (``60.0 minute``)."""
    return f"{value!r} {units}" if units else repr(value)


def _math(formula: str, what: str):
    """The AST of an L3 infix formula (its numbers carry their units: :func:`_number`)."""
    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise CompileError(f"cannot express {what} in SBML: {libsbml.getLastParseL3Error()}")
    return ast


# -- annotations and SBO ------------------------------------------------------------------------

class _Provenance:
    """The ``bioxen`` annotations of one document. Many elements carry the same annotation (a
    gene's species and reactions its locus tag, parameters their units and source): each
    distinct one is parsed once, and setting it copies it."""

    def __init__(self):
        self._parsed: dict[tuple, libsbml.XMLNode] = {}

    def _annotation(self, tag: str, attributes: dict[str, str]) -> libsbml.XMLNode:
        key = (tag, *attributes.items())
        if key not in self._parsed:
            text = " ".join(f"{name}={quoteattr(value)}" for name, value in attributes.items())
            self._parsed[key] = libsbml.XMLNode.convertStringToXMLNode(
                f'<annotation><bioxen:{tag} xmlns:bioxen="{ANNOTATION_NS}" {text}/></annotation>')
        return self._parsed[key]

    def origin(self, element, tags, kind: str) -> None:
        """The locus tags a species or reaction stands for."""
        if tags:
            element.setAnnotation(self._annotation("origin", {"kind": kind, "locus_tags": " ".join(tags)}))

    def parameter(self, element, units: str, source: str) -> None:
        """A parameter's declared units and literature source."""
        element.setAnnotation(self._annotation("parameter", {"units": units, "source": source}))


def _genes_annotation(genes: dict) -> libsbml.XMLNode:
    """``<bioxen:genes>`` with one ``<bioxen:gene>`` per VM gene: its key and every given field."""
    rows = []
    for vm, table in genes.items():
        for key, fields in table.items():
            given = {"vm": vm, "key": key, **{k: str(v) for k, v in fields.items() if v not in (None, "")}}
            rows.append("<bioxen:gene " + " ".join(f"{k}={quoteattr(v)}" for k, v in given.items()) + "/>")
    return libsbml.XMLNode.convertStringToXMLNode(
        f'<annotation><bioxen:genes xmlns:bioxen="{ANNOTATION_NS}">{"".join(rows)}</bioxen:genes></annotation>')


def identifiers_link(namespace: str, accession) -> str | None:
    """``https://identifiers.org/<namespace>:<accession>``, or None for an accession the
    namespace does not accept (a synthetic genome's record, a missing /protein_id).

    >>> identifiers_link("ncbiprotein", "AVX54569.1"), identifiers_link("insdc", "SYN00001.1")
    ('https://identifiers.org/ncbiprotein:AVX54569.1', None)
    """
    if accession and MIRIAM_PATTERNS[namespace].fullmatch(str(accession)):
        return f"{IDENTIFIERS_ORG}/{namespace}:{accession}"
    return None


class _GeneLinks:
    """MIRIAM CV terms for a guest gene's RNA and protein species, from what the genome file
    says of the gene (``genes``: :func:`bioxen.backend.compile.gene_table`): the protein
    species *is* its NCBI Protein record (*has part*: the records of an operon's pooled
    proteins), the mRNA *encodes* it, and both are *encoded by* the INSDC record the gene lies
    on. A gene key two VMs give different records is left unlinked (the species do not say
    which VM's gene they are)."""

    def __init__(self, genes: dict | None):
        found: dict[str, set] = {}
        for table in (genes or {}).values():
            for key, fields in table.items():
                found.setdefault(key, set()).add((fields.get("record"), fields.get("protein_id")))
        self.facts = {key: facts.pop() for key, facts in found.items() if len(facts) == 1}

    def terms(self, tags, sbo: int) -> list[tuple[int, str]]:
        """(biological qualifier, resource) pairs for a species standing for genes ``tags``."""
        facts = [self.facts[tag] for tag in tags if tag in self.facts]
        if sbo not in (RNA_SBO, POLYPEPTIDE_SBO) or not facts or len(facts) < len(tags):
            return []
        proteins = [link for _, protein in facts if (link := identifiers_link("ncbiprotein", protein))]
        if sbo == RNA_SBO:
            pairs = [(libsbml.BQB_ENCODES, link) for link in proteins]
        else:
            pairs = [(libsbml.BQB_IS if len(tags) == 1 else libsbml.BQB_HAS_PART, link) for link in proteins]
        records = dict.fromkeys(link for record, _ in facts if (link := identifiers_link("insdc", record)))
        return pairs + [(libsbml.BQB_IS_ENCODED_BY, link) for link in records]

    @staticmethod
    def annotate(element, sid: str, pairs: list[tuple[int, str]]) -> None:
        """``pairs`` as CV terms on ``element`` (one term per qualifier), with a metaid."""
        if not pairs:
            return
        element.setMetaId(f"meta_{sid}")
        for qualifier in dict.fromkeys(q for q, _ in pairs):
            term = libsbml.CVTerm(libsbml.BIOLOGICAL_QUALIFIER)
            term.setBiologicalQualifierType(qualifier)
            for resource in (r for q, r in pairs if q == qualifier):
                term.addResource(resource)
            element.addCVTerm(term)


def species_sbo(builder, cp) -> int:
    """SBO term of a species: its monomer's role's (:data:`bioxen.roles.MOLECULE_KINDS`: RNA 250,
    polypeptide 252, ribosome 296, simple chemical 247, else macromolecule 245), or a complex's:
    of polypeptides only 297, any other 296."""
    terms = [role.sbo for role in builder.species_roles(cp)]
    if len(terms) == 1:
        return terms[0]
    return PROTEIN_COMPLEX if all(t == POLYPEPTIDE_CHAIN for t in terms) else MACROMOLECULAR_COMPLEX


def reaction_sbo(builder, rule_names) -> int:
    """SBO term of a reaction: the role's of the first rule that made it (:data:`bioxen.roles.RULE_KINDS`)."""
    return builder.role_of(rule_names[0]).sbo


# -- the document -------------------------------------------------------------------------------

def _assignment(model, sid: str, math: libsbml.ASTNode, units: str, name: str = "", sbo: int = 0) -> None:
    parameter = model.createParameter()
    parameter.setId(sid), parameter.setName(name or sid), parameter.setConstant(False)
    parameter.setUnits(units)
    if sbo:
        parameter.setSBOTerm(sbo)
    rule = model.createAssignmentRule()
    rule.setVariable(sid)
    rule.setMath(math)


def _balanced(nodes: list[libsbml.ASTNode]) -> libsbml.ASTNode:
    """``nodes`` summed as a balanced binary tree: ``(t1 + t2) + (t3 + t4)``, depth log2(n)."""
    if len(nodes) == 1:
        return nodes[0]
    half = len(nodes) // 2
    pair = libsbml.ASTNode(libsbml.AST_PLUS)
    pair.addChild(_balanced(nodes[:half])), pair.addChild(_balanced(nodes[half:]))
    return pair


def _sum(terms: list[str], what: str) -> libsbml.ASTNode:
    """``t1 + t2 + t3 + …`` as a balanced tree of binary sums, never a flat sum: libsbml keeps
    an operator's arguments in a linked list, so its checks of a flat sum of thousands of terms
    take quadratic time (its own ``reduceToBinary`` cubic), and a chain ``((t1 + t2) + t3) + …``
    is as deep as it is long, which overflows the stack of clients that walk it recursively
    (libRoadRunner's code generator, on 5,496 terms)."""
    if not terms:
        return _math(_number(0), what)
    return _balanced([_math(term, what) for term in terms])


def _observable(model, name: str, terms: list[str], units: str, used: set[str]) -> None:
    """An observable's assignment rule, its sum cut into named partial sums of at most
    :data:`SUM_CHUNK` terms each (and those into sums of partial sums, and so on), every one a
    parameter in the observable's units, named after it. No expression in the document has
    more than :data:`SUM_CHUNK` terms: clients handle a genome's observables (ribosomes_all of
    three Syn3A VMs sums 5,496 species) as they handle the small ones."""
    level = 0
    while len(terms) > SUM_CHUNK:
        level += 1
        groups = -(-len(terms) // SUM_CHUNK)
        bounds = [round(i * len(terms) / groups) for i in range(groups + 1)]
        parts = []
        for k, (start, stop) in enumerate(zip(bounds, bounds[1:]), 1):
            sid = _unique(f"{name}_sum{level}_{k}", used)
            _assignment(model, sid, _sum(terms[start:stop], sid), units,
                        f"{name}: partial sum {k} of {groups} (level {level})", AMOUNT_SBO)
            parts.append(sid)
        terms = parts
    _assignment(model, name, _sum(terms, name), units, sbo=AMOUNT_SBO)


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
        trigger.setMath(_math(f"time >= {_number(step.at, model.getTimeUnits())}", event.getId()))
        for parameter, level in step.assignments.items():
            assignment = event.createEventAssignment()
            assignment.setVariable(parameter)
            assignment.setMath(_math(_number(float(level), model.getParameter(parameter).getUnits()),
                                     event.getId()))


def _appended_copy(elements: libsbml.ListOf, template):
    """A copy of ``template`` appended to ``elements``. Copying is several times faster than
    libsbml's ``create`` methods (which look up the document's package plugins each time)."""
    element = template.clone()
    elements.appendAndOwn(element)
    return element


def _species(model, builder, species_ids, provenance: _Provenance, links: _GeneLinks) -> None:
    initial = {species_id(ic.pattern): ic.value for ic in builder.model.initials}
    template = libsbml.Species(model.getSBMLNamespaces())
    template.setCompartment("cell"), template.setHasOnlySubstanceUnits(True)
    template.setBoundaryCondition(False), template.setConstant(False), template.setSubstanceUnits("item")
    placed, elements = builder.monomer_compartments, model.getListOfSpecies()
    for cp, sid in zip(builder.model.species, species_ids):
        species = _appended_copy(elements, template)
        species.setId(sid), species.setName(str(cp))
        where = next((placed[mp.monomer.name] for mp in cp.monomer_patterns if mp.monomer.name in placed), None)
        if where is not None:
            species.setCompartment(where)
        species.setInitialAmount(initial[sid].value if sid in initial else 0.0)
        sbo, tags = species_sbo(builder, cp), builder.species_tags(cp)
        species.setSBOTerm(sbo)
        provenance.origin(species, tags, "species")
        links.annotate(species, sid, links.terms(tags, sbo))


def _parameters(model, builder, units: UnitTable, changed: set[str], provenance: _Provenance) -> None:
    for parameter in builder.model.parameters:
        declared = builder.units.get(parameter.name, "")
        p = model.createParameter()
        p.setId(parameter.name), p.setValue(parameter.value)
        # inducers (live commands) and whatever a timed command sets change during a run
        role = builder.roles.get(parameter.name)
        p.setConstant(not ((role is not None and role.kind == "inducer") or parameter.name in changed))
        if declared:
            p.setUnits(units.for_component(parameter.name, declared))
        provenance.parameter(p, declared, builder.sources.get(parameter.name, ""))


def _mass_action(constant, amounts: tuple[int, ...], species_ids, formulas: dict[str, str]) -> str:
    """``k*s_i*s_j``: the rate constant (a local expression's formula, in parentheses) times the
    amounts, in the order sympy keeps the network's rate (species by symbol name: ``__s12``
    before ``__s3``), so the law computes bit for bit what that rate does."""
    factor = f"({formulas[constant.name]})" if constant.name in formulas else constant.name
    return "*".join([factor] + [species_ids[i] for i in sorted(amounts, key=str)])


def _kinetic_laws(builder, species_ids, own_network: bool, formulas: dict[str, str]):
    """The kinetic law of each (bidirectional) reaction, as infix text, with the names it holds
    besides the reaction's own species (what the consistency check's ``names`` need).

    A network the compiler expanded itself (``own_network``) has one rule per reaction and
    mass-action rates (:mod:`bioxen.backend.network`): the law is written from the rule's rate
    constants, and its names are theirs (read once per constant) and its species. A network BNG
    expanded may merge rules and carry symmetry factors: its sympy rates are printed, and the
    names read off the text.
    """
    model = builder.model
    if not own_network:
        symbol = {f"__s{i}": sid for i, sid in enumerate(species_ids)}
        laws = [infix(r["rate"], symbol, formulas) for r in model.reactions_bidirectional]
        return [(law, consistency.formula_names(law)) for law in laws]
    named: dict[str, tuple[str, ...]] = {}

    def names(constant) -> tuple[str, ...]:
        found = named.get(constant.name)
        if found is None:
            found = named[constant.name] = tuple(consistency.formula_names(formulas[constant.name])) \
                if constant.name in formulas else (constant.name,)
        return found

    laws = []
    for r in model.reactions_bidirectional:
        rule = model.rules[r["rule"][0]]
        law = _mass_action(rule.rate_forward, r["reactants"], species_ids, formulas)
        if r["reversible"]:
            law += " - " + _mass_action(rule.rate_reverse, r["products"], species_ids, formulas)
            laws.append((law, names(rule.rate_forward) + names(rule.rate_reverse)))
        else:
            laws.append((law, names(rule.rate_forward)))
    return laws


def _reaction_template(model, reactants: int, products: int, reversible: bool, sbo: int) -> libsbml.Reaction:
    """A reaction with unit-stoichiometry species references and an empty kinetic law, its
    reversibility and SBO term set (what reactions of one shape and kind share)."""
    reaction = libsbml.Reaction(model.getSBMLNamespaces())
    reaction.setReversible(reversible), reaction.setSBOTerm(sbo)
    for _ in range(reactants):
        ref = reaction.createReactant()
        ref.setStoichiometry(1), ref.setConstant(True)
    for _ in range(products):
        ref = reaction.createProduct()
        ref.setStoichiometry(1), ref.setConstant(True)
    reaction.createKineticLaw()
    return reaction


def _reactions(model, builder, species_ids, reaction_ids, laws, provenance: _Provenance, names: dict) -> None:
    templates, elements = {}, model.getListOfReactions()
    for r, rid, (formula, named) in zip(builder.model.reactions_bidirectional, reaction_ids, laws):
        shape = (len(r["reactants"]), len(r["products"]), bool(r["reversible"]), reaction_sbo(builder, r["rule"]))
        template = templates.get(shape)
        if template is None:
            template = templates[shape] = _reaction_template(model, *shape)
        reaction = _appended_copy(elements, template)
        reaction.setId(rid)
        for n, i in enumerate(r["reactants"]):
            reaction.getReactant(n).setSpecies(species_ids[i])
        for n, i in enumerate(r["products"]):
            reaction.getProduct(n).setSpecies(species_ids[i])
        reaction.getKineticLaw().setMath(_math(formula, rid))
        names[rid] = {*(species_ids[i] for i in r["reactants"]), *(species_ids[i] for i in r["products"]), *named}
        tags = tuple(t for rule in r["rule"] for t in builder.rule_tags.get(rule, ()))
        provenance.origin(reaction, tags, "reaction")


def to_sbml(builder, species_ids: list[str], reaction_ids: list[str], steps=(),
            own_network: bool = False, genes: dict | None = None,
            reaction_names: dict | None = None) -> libsbml.SBMLDocument:
    """The model as SBML, with the timed commands' ``steps`` (:func:`bioxen.backend.commands.steps`)
    as events; ``own_network``: the network is :func:`bioxen.backend.network.expand_network`'s own
    (see :func:`_kinetic_laws`); ``genes``: {vm: {key: what the genome says of it}}, annotated on
    the model (:func:`bioxen.backend.compile.gene_table`); ``reaction_names``, if given, is filled
    with each reaction's names (what :func:`write_sbml`'s check then need not read back)."""
    pysb_model = builder.model
    formulas = local_formulas(builder)
    changed = {parameter for step in steps if step.at > 0 for parameter in step.assignments}
    doc = libsbml.SBMLDocument(3, 2)
    model = doc.createModel()
    model.setId(pysb_model.name)
    if genes:
        model.setAnnotation(_genes_annotation(genes))
    units = _model_units(model)
    cell = model.createCompartment()
    cell.setId("cell"), cell.setName("one host cell"), cell.setSize(1), cell.setUnits(units.sid("fL"))
    cell.setConstant(True), cell.setSpatialDimensions(3), cell.setSBOTerm(290)  # physical compartment
    for sid, (size, name) in builder.compartments.items():    # a VM's shells' lumen (rules/compartment.py)
        inner = model.createCompartment()
        inner.setId(sid), inner.setName(name), inner.setSize(size), inner.setUnits(units.sid("fL"))
        inner.setConstant(True), inner.setSpatialDimensions(3), inner.setSBOTerm(290)

    provenance = _Provenance()
    _species(model, builder, species_ids, provenance, _GeneLinks(genes))
    _parameters(model, builder, units, changed, provenance)
    molecules = units.sid("molecules")
    # every component's name, read set by set (PySB's ``model.components`` merges the sets into a new
    # one, each component checked again: 0.2 s for a genome)
    used = {"cell", *builder.compartments, *species_ids, *reaction_ids,
            *(c.name for components in pysb_model.all_component_sets() for c in components)}
    for observable in pysb_model.observables:
        terms = [f"{_number(c)}*{species_ids[i]}" if c != 1 else species_ids[i]
                 for i, c in zip(observable.species, observable.coefficients)]
        _observable(model, observable.name, terms, molecules, used)
    for expression in pysb_model.expressions:
        if expression.name in formulas:
            continue
        declared = builder.units.get(expression.name, "")
        _assignment(model, expression.name, _math(infix(expression.expr, inline=formulas), expression.name),
                    units.for_component(expression.name, declared) if declared else "")
    _reactions(model, builder, species_ids, reaction_ids,
               _kinetic_laws(builder, species_ids, own_network, formulas), provenance,
               {} if reaction_names is None else reaction_names)
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
    """libsbml's consistency errors (not warnings; no unit or modeling-practice checks), as
    text, checked in pieces for a large document (:mod:`bioxen.backend.consistency`)."""
    return consistency.errors(doc)


def write_text_atomically(text: str, path) -> Path:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    from bioxen.outdir import write_text

    return write_text(path, text)


@functools.cache
def _c_writer():
    """libsbml's own C functions ``writeSBMLToString`` and ``util_free`` (ctypes), or None where
    its library does not export them."""
    try:
        library = ctypes.CDLL(libsbml._libsbml.__file__)
        write, free = library.writeSBMLToString, library.util_free
    except (OSError, AttributeError):
        return None
    write.restype, write.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
    free.restype, free.argtypes = None, [ctypes.c_void_p]
    return write, free


def sbml_bytes(doc: libsbml.SBMLDocument) -> bytes:
    """libsbml's text of ``doc``, UTF-8 (b"" if libsbml cannot write it). libsbml's C buffer is
    copied as it is where its C writer is exported, not decoded into a Python string and encoded
    back as the binding's ``writeSBMLToString`` returns it (three Syn3A VMs: 36 MB, two fewer
    copies, 0.05-0.15 s)."""
    c_writer = _c_writer()
    if c_writer is None:
        return (libsbml.writeSBMLToString(doc) or "").encode("utf-8")
    write, free = c_writer
    buffer = write(int(doc.this))
    if not buffer:
        return b""
    try:
        return ctypes.string_at(buffer)
    finally:
        free(buffer)


def write_sbml(doc: libsbml.SBMLDocument, path, reaction_names: dict | None = None) -> Path:
    """Write ``doc`` to ``path`` if it passes the consistency check (:func:`check_consistency`);
    otherwise raise, ``path`` untouched. The text is written to a file beside ``path`` while the
    document is checked (by a forked child, which this process joins once the text is written:
    :func:`bioxen.backend.consistency.errors`' ``beside``), and renamed into place only if the
    check passes. ``reaction_names``: what :func:`to_sbml` filled in (the check's ``names``)."""
    from bioxen.outdir import staged_files

    def write(temporary: Path) -> None:
        text = sbml_bytes(doc)
        if not text:
            raise CompileError(f"cannot write SBML to {path}")
        temporary.write_bytes(text)

    with collector.paused(), staged_files(path) as (temporary,):
        errors = consistency.errors(doc, beside=lambda: write(temporary), names=reaction_names)
        if errors:
            raise CompileError(f"generated SBML has {len(errors)} consistency errors; first: {errors[0]}")
    return Path(path)
