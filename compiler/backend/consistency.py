"""libsbml's consistency check of a genome-scale document, in pieces.

libsbml's general and MathML checks look identifiers up by scanning the model's lists:
every name in every kinetic law is looked for among the species, the parameters and the
reactions, so one check of a document with n reactions costs about n² (a minute at
three Syn3A genomes' 29,000 reactions). :func:`errors` runs the same checks on pieces of
the document whose lists are short, each check where it gives the whole document's
verdict:

* the whole document: identifier consistency, SBO terms and the overdetermined-model
  check (each costs about n);
* the document without its reactions (the *skeleton*): general consistency of every
  element but the reactions; MathML consistency of every element but the reactions and
  the rules' math, each rule stood in for (its kind and variable, its math ``0``);
* each block of reactions (:data:`BLOCK` of them) in a document of its own: the model's
  own attributes, unit definitions, compartments and function definitions, the block's
  reactions, and, as in the whole document, every species and parameter whose identifier
  appears in the block (as a species reference or a name in a kinetic law), and a stand-in
  for every rule that sets one of those or a compartment: general and MathML consistency;
* each block of rules (consecutive rules naming about :data:`RULE_NAMES` identifiers) in a
  document made as a reaction block's is, with stand-ins for the rules of other blocks that
  set what it names: MathML consistency of the rules' math. An observable's rule names up
  to 64 species, each looked for among all the skeleton's: three Syn3A VMs' 371 rules cost
  1.26 s of MathML check in the skeleton, 0.21 s in blocks (2026-12-03, a slowed machine).

Why no error is missed. A constraint of those two categories reads one element (or the
model) and looks names up in the model. (1) Every element but a reaction is checked for
general consistency in the skeleton, which holds it and everything but the reactions as
the whole document does; a constraint on it can read reactions only by a name that is a
reaction's (or, in SBML Level 3, a species reference's) identifier in its math or in the
variable it sets, and such a name is undefined in the skeleton, itself an error there.
Cycles of assignments (libsbml's AssignmentCycles) run through reactions only by such
names. For MathML consistency the same holds of every element but a reaction or a rule's
math, since a MathML constraint on one element reads of a rule only its kind and variable
(``rateOf`` of what it sets, 10224), which its stand-in keeps. (1a) Each rule's math is
checked in exactly one rule block, which holds, as for a reaction in (2), everything the
rule names and the rules (or, for another block's, their stand-ins) that set what it
names. (2) Every reaction is checked in exactly one block document, and every constraint on a
reaction, its species references, kinetic law or local parameters reads that reaction
and looks up species, parameters, compartments, unit and function definitions,
reactions, and the rules that set an element it names or a named species' compartment:
of those only their kind and variable (a species set by a rule and changed by a reaction,
20610; ``rateOf`` of what an assignment rule sets, 10224, or of a species whose
compartment one sets, 10225). The block document holds each of these that the reaction
names, so each lookup finds what it finds in the whole document; a kinetic law naming a
reaction of another block finds nothing there, an error. A missing piece of a block
document can only cause an error (a name undefined), never hide one. An algebraic rule
sets no one variable (whether it determines a ``rateOf`` target depends on the whole
model): a document with one is checked as one. (3) So a piece can report an error the
whole document does not have, but the whole document has no error no piece reports: if
any piece reports one, the whole document is checked as one and its report is the result.
A valid document costs about n; an invalid one is reported exactly as libsbml reports it.

On two cores (a document of more than :data:`PARALLEL_BLOCKS` blocks, where ``fork`` exists)
a forked child checks the whole document and the skeleton, then takes blocks, while this
process does the caller's ``beside`` work on the document as it is
(:func:`bioxen.backend.sbml.write_sbml` writes the file), then takes blocks too, from a
counter both share; the child's errors come back as text and join this process's before the
verdict above is drawn. Three Syn3A VMs (25,062 reactions): check and file 2.9 s in one
process, about 1.3 s on two (the compiler's reaction names given, :func:`errors`); the rule
blocks took the pieces' check from 2.58 to 1.90 s of CPU (one process, best of five
alternating, a slowed machine).

``tests/test_consistency.py`` checks, for broken reactions, rules, events and initial
assignments in multi-block documents, that the pieces report each error as the
whole-document check does.
"""
from __future__ import annotations

import multiprocessing
import re
from contextlib import contextmanager

import libsbml

from bioxen import forked

BLOCK = 250   # reactions per block document (measured: 100-500 cost the same, 1000 a third more)
RULE_NAMES = 300   # identifiers the rules of one block name (see _rule_blocks)

# the categories setConsistencyChecks switches, and those a compile checks
_CATEGORIES = (libsbml.LIBSBML_CAT_GENERAL_CONSISTENCY, libsbml.LIBSBML_CAT_IDENTIFIER_CONSISTENCY,
               libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, libsbml.LIBSBML_CAT_MATHML_CONSISTENCY,
               libsbml.LIBSBML_CAT_SBO_CONSISTENCY, libsbml.LIBSBML_CAT_OVERDETERMINED_MODEL,
               libsbml.LIBSBML_CAT_MODELING_PRACTICE)
CHECKED = (libsbml.LIBSBML_CAT_GENERAL_CONSISTENCY, libsbml.LIBSBML_CAT_IDENTIFIER_CONSISTENCY,
           libsbml.LIBSBML_CAT_MATHML_CONSISTENCY, libsbml.LIBSBML_CAT_SBO_CONSISTENCY,
           libsbml.LIBSBML_CAT_OVERDETERMINED_MODEL)
_WHOLE = (libsbml.LIBSBML_CAT_IDENTIFIER_CONSISTENCY, libsbml.LIBSBML_CAT_SBO_CONSISTENCY,
          libsbml.LIBSBML_CAT_OVERDETERMINED_MODEL)
_IN_PIECES = (libsbml.LIBSBML_CAT_GENERAL_CONSISTENCY, libsbml.LIBSBML_CAT_MATHML_CONSISTENCY)
_GENERAL, _MATHML = (libsbml.LIBSBML_CAT_GENERAL_CONSISTENCY,), (libsbml.LIBSBML_CAT_MATHML_CONSISTENCY,)

_NAME = re.compile(r"\b[A-Za-z_]\w*")
# the model's lists a block document takes in part (the rest it takes whole)
_PARTIAL = ("getListOfSpecies", "getListOfParameters", "getListOfInitialAssignments", "getListOfRules",
            "getListOfConstraints", "getListOfEvents")   # and the reactions


def _check(doc: libsbml.SBMLDocument, categories, clear: bool = True) -> list[str]:
    """libsbml's errors (not warnings) in ``categories``, as text. ``checkConsistency`` adds to
    the document's error log and stops after a category once the log holds an error, so the
    log is cleared first (``clear``), or else what it held is reported too."""
    for category in _CATEGORIES:
        doc.setConsistencyChecks(category, category in categories)
    if clear:
        doc.getErrorLog().clearLog()
    doc.checkConsistency()
    return [doc.getError(i).getMessage() for i in range(doc.getNumErrors())
            if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


def whole_document_errors(doc: libsbml.SBMLDocument) -> list[str]:
    """libsbml's check of the document as one (what :func:`errors` reports), its error log
    cleared first."""
    return _check(doc, CHECKED)


@contextmanager
def _detached(model: libsbml.Model, lists, put_back: bool = True):
    """The model without the elements of ``lists`` (getter names): yields getter -> the elements
    taken out, in order (an entry may be replaced by another proxy of the same element), and
    puts them back on exit (unless not ``put_back``: a copy of the document about to be dropped)."""
    taken = {}
    try:
        for getter in lists:
            elements = getattr(model, getter)()
            # clear(False) lets go of them all at once (remove(i) searches the list for each: n²)
            taken[getter] = [elements.get(i) for i in range(elements.size())]
            elements.clear(False)
        yield taken
    finally:
        for getter, removed in taken.items() if put_back else ():
            elements = getattr(model, getter)()
            for element in removed:
                elements.appendAndOwn(element)


def formula_names(formula: str) -> list[str]:
    """The identifiers (and unit names) an L3 infix formula holds."""
    return _NAME.findall(formula)


def _names(reaction: libsbml.Reaction) -> set[str]:
    """Every identifier a reaction names: its species references' species, its kinetic law's names."""
    names = {reaction.getReactant(i).getSpecies() for i in range(reaction.getNumReactants())}
    names.update(reaction.getProduct(i).getSpecies() for i in range(reaction.getNumProducts()))
    names.update(reaction.getModifier(i).getSpecies() for i in range(reaction.getNumModifiers()))
    law = reaction.getKineticLaw()
    if law is not None and law.isSetMath():
        names.update(formula_names(libsbml.formulaToL3String(law.getMath())))
    return names


def _rule_names(rule: libsbml.Rule) -> set[str]:
    """The identifiers a rule names: its variable and the names in its math."""
    names = {rule.getVariable()} if rule.isSetVariable() else set()
    if rule.isSetMath():
        names.update(formula_names(libsbml.formulaToL3String(rule.getMath())))
    return names


def _rule_blocks(rules: list) -> list[tuple[int, int]]:
    """``rules`` in consecutive blocks, each naming about :data:`RULE_NAMES` identifiers."""
    blocks, start, named = [], 0, 0
    for i, rule in enumerate(rules):
        named += len(_rule_names(rule))
        if named >= RULE_NAMES:
            blocks.append((start, i + 1))
            start, named = i + 1, 0
    if start < len(rules):
        blocks.append((start, len(rules)))
    return blocks


def _skeleton_errors(doc: libsbml.SBMLDocument, blocks: "_Blocks") -> list[str]:
    """The skeleton's errors (``doc``, its reactions detached): general consistency as it is;
    MathML consistency with each rule stood in for (:func:`_stand_in`); each rule's own math in
    a block of rules (:meth:`_Blocks.errors`). The rules are put back in order."""
    found = _check(doc, _GENERAL)
    model = doc.getModel()
    with _detached(model, ("getListOfRules",)) as taken:
        rules, standing = taken["getListOfRules"], model.getListOfRules()
        for rule in rules:
            standing.appendAndOwn(_stand_in(rule))
        found += _check(doc, _MATHML)
        standing.clear(True)
        for start, stop in _rule_blocks(rules):
            found += blocks.errors(rules, start, stop)
    return found


class _Blocks:
    """Block documents of a model whose reactions are detached (see the module's docstring);
    ``names``: what the document's maker says each reaction names (see :func:`errors`)."""

    def __init__(self, doc: libsbml.SBMLDocument, names=None):
        self.names = names or {}
        model = doc.getModel()
        with _detached(model, _PARTIAL) as taken:
            self.base = doc.clone()
        # the model's annotation and notes (a genome's gene table: 0.3 MB, cloned per block) are
        # checked in the skeleton; no constraint on a reaction reads them
        self.base.getModel().unsetAnnotation(), self.base.getModel().unsetNotes()
        # read off the elements just taken out, not the lists again (each proxy a SWIG call)
        self.species = {s.getId(): s for s in taken["getListOfSpecies"]}
        self.parameters = {p.getId(): p for p in taken["getListOfParameters"]}
        self.bare = {}    # id -> its species or parameter without annotation and notes (see _bare)
        self.setting = {}   # id -> stand-ins of the rules that set it
        compartments = {c.getId() for c in model.getListOfCompartments()}
        for rule in taken["getListOfRules"]:
            if rule.getVariable() in compartments:      # every block's: any named species may be in it
                self.base.getModel().addRule(_stand_in(rule))
            else:
                self.setting.setdefault(rule.getVariable(), []).append(_stand_in(rule))

    def _bare(self, name: str, elements: dict):
        """The species or parameter ``name`` without its annotation and notes, made once: block
        documents borrow it (a genome's are annotated: about half the cost of a copy). No
        constraint on a reaction or a rule reads another element's annotation or notes, and the
        element is checked with its own in the skeleton (libsbml's check of a document in memory
        reads no annotation at all: 10401-10404 are its reader's)."""
        bare = self.bare.get(name)
        if bare is None:
            bare = self.bare[name] = elements[name].clone()
            bare.unsetAnnotation(), bare.unsetNotes()
        return bare

    def errors(self, elements: list, start: int, stop: int) -> list[str]:
        """The block ``elements[start:stop]`` (reactions, or rules: see :func:`_skeleton_errors`)
        checked in a document of its own: general and MathML consistency for reactions, MathML
        for rules. The elements, and the bare species and parameters they name, are lent to it,
        not copied (a copy costs three times a loan and its return); the document lets go of
        them before it is deleted, and each rule's entry is replaced by the proxy that owns it
        again."""
        doc = self.base.clone()
        model = doc.getModel()
        rules = isinstance(elements[start], libsbml.Rule)
        named, own = set(), set()
        for element in elements[start:stop]:
            if rules:
                named.update(_rule_names(element))
                own.add(element.getVariable())
            else:
                named.update(self.names.get(element.getId()) or _names(element))
        # each list's own append: the Model's add* also looks the id up in the list, 15 us more.
        # The base has no species or parameters: these lists hold only what is lent.
        species, parameters, setters = model.getListOfSpecies(), model.getListOfParameters(), model.getListOfRules()
        borrowed, first = [], None
        lent = model.getListOfRules() if rules else model.getListOfReactions()
        try:
            for name in sorted(named):
                if name in self.species:
                    borrowed.append(self._bare(name, self.species))
                    species.appendAndOwn(borrowed[-1])
                elif name in self.parameters:
                    borrowed.append(self._bare(name, self.parameters))
                    parameters.appendAndOwn(borrowed[-1])
                for rule in () if name in own else self.setting.get(name, ()):
                    setters.append(rule)
            first = lent.size()
            for element in elements[start:stop]:
                lent.appendAndOwn(element)
            # rules: MathML only, where a rule beside its own stand-in (a compartment's is in
            # every block) changes nothing; their general consistency is the skeleton's
            return _check(doc, _MATHML if rules else _IN_PIECES)
        finally:
            species.clear(False), parameters.clear(False)     # let go of them all, deleting none
            for bare in borrowed:
                bare.thisown = True                           # owned by this object's bare again
            if first == 0:      # the list holds only what was lent (a reaction block's always)
                lent.clear(False)
            elif first is not None:     # after stand-ins the block owns (a rule block's)
                back = [lent.remove(i) for i in reversed(range(first, lent.size()))][::-1]
                elements[start:start + len(back)] = back


_ZERO = libsbml.parseL3Formula("0")


def _stand_in(rule: libsbml.Rule) -> libsbml.Rule:
    """A rule of ``rule``'s kind setting its variable to 0: what a constraint on another
    element reads of a rule (its math is checked in a block of rules)."""
    stand_in = rule.clone()
    stand_in.setMath(_ZERO)
    stand_in.unsetAnnotation(), stand_in.unsetNotes()
    return stand_in


def _block_starts(reactions: int, block: int) -> list[int]:
    return list(range(0, reactions, block))


def _check_blocks(doc: libsbml.SBMLDocument, block: int, take, skeleton: bool, names=None,
                  put_back: bool = True) -> list[str]:
    """The errors of the blocks ``take()`` hands out (a block's first index; None when none is
    left), and first the skeleton's if ``skeleton``; the reactions are put back after, unless
    not ``put_back``: a forked child's copy of the document, which ends with the child (its
    reactions are let go, not deleted one by one)."""
    start = take()
    if start is None and not skeleton:     # nothing left to check: the reactions stay in place
        return []
    model = doc.getModel()
    with _detached(model, ("getListOfReactions",), put_back) as taken:
        reactions = taken["getListOfReactions"]
        blocks = _Blocks(doc, names)
        found = _skeleton_errors(doc, blocks) if skeleton else []
        while start is not None:
            found += blocks.errors(reactions, start, start + block)
            start = take()
        if not put_back:
            for reaction in reactions:
                reaction.thisown = False
    return found


def _piece_errors(doc: libsbml.SBMLDocument, block: int = BLOCK, names=None) -> list[str]:
    """The errors the pieces report (see the module's docstring), each once, in order."""
    found = _check(doc, _WHOLE)
    if found:
        return found
    starts = iter(_block_starts(doc.getModel().getNumReactions(), block))
    return list(dict.fromkeys(_check_blocks(doc, block, lambda: next(starts, None), skeleton=True, names=names)))


class _Counter:
    """Block starts handed out to two processes from memory both share: whichever is free
    takes the next, so a side slowed by other work (or by the machine) takes fewer."""

    def __init__(self, starts: list[int]):
        self.starts = starts
        self.next = multiprocessing.get_context("fork").Value("i", 0)

    def take(self) -> int | None:
        with self.next.get_lock():
            i = self.next.value
            self.next.value = i + 1
        return self.starts[i] if i < len(self.starts) else None


def _piece_errors_in_two(doc: libsbml.SBMLDocument, block: int, beside, names=None) -> list[str]:
    """:func:`_piece_errors` on two cores: a forked child checks the whole document and the
    skeleton, then blocks, while this process does ``beside`` on the document as it is, then
    checks blocks; each takes the next block when it is free (:class:`_Counter`). The child
    checks its own copy of the document (nothing it changes reaches this process) and is
    stopped if this process fails. Its errors come back as text."""
    counter = _Counter(_block_starts(doc.getModel().getNumReactions(), block))

    def child() -> list[str]:
        found = _check(doc, _WHOLE)
        if found:                       # reported as the whole document's: no block is needed
            return found
        return _check_blocks(doc, block, counter.take, skeleton=True, names=names, put_back=False)

    helper = forked.Forked(child, "checking the SBML")
    try:
        if beside is not None:
            beside()
        found = _check_blocks(doc, block, counter.take, skeleton=False, names=names) + helper.result()
    finally:
        helper.close()
    return list(dict.fromkeys(found))


PARALLEL_BLOCKS = 4   # blocks: a document of fewer is checked in one process (a second costs more)


def errors(doc: libsbml.SBMLDocument, block: int | None = None, beside=None, names=None) -> list[str]:
    """libsbml's consistency errors (not warnings; units and modeling practice not checked),
    as text: the pieces' verdict, and the whole document's report if they find any error.

    A document of at most ``block`` reactions, or one whose error log already holds something
    (from reading it), is checked as one, as libsbml does: the log's errors are reported too.

    ``beside``: work that reads the document as it is (writing it out), done in this process
    before it checks: while a forked child checks, on a document of more than
    :data:`PARALLEL_BLOCKS` blocks (where ``fork`` exists). Whatever it raises is raised.
    ``block``: reactions per block document (default :data:`BLOCK`).
    ``names``: {reaction id: the identifiers it names (its species references' species, the
    names in its kinetic law)}, as the document's maker knows them, so that they need not be
    read back (13 us a reaction, a third of a block's cost); a reaction it does not list is
    read. A wrong entry cannot change the verdict: a name left out is undefined in the block
    document, an error, and the whole document is then checked as one; a name too many only
    brings in an element of the whole document.
    """
    block = block or BLOCK
    model = doc.getModel()
    reactions = 0 if model is None else model.getNumReactions()
    whole = reactions <= block or doc.getErrorLog().getNumErrors() or any(
        rule.isAlgebraic() for rule in model.getListOfRules())
    in_two = not whole and reactions > PARALLEL_BLOCKS * block and forked.available()
    if beside is not None and not in_two:
        beside()
    if whole:
        return _check(doc, CHECKED, clear=False)
    found = _piece_errors_in_two(doc, block, beside, names) if in_two else _piece_errors(doc, block, names)
    doc.getErrorLog().clearLog()
    return whole_document_errors(doc) if found else []
