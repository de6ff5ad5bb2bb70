"""libsbml's consistency check in pieces (bioxen.backend.consistency) reports what the
whole-document check reports."""
import re

import libsbml
import pytest

from bioxen.backend import consistency

BLOCK = 25   # reactions per block: the small design's 177 reactions make 8 blocks
RULE_NAMES = 20   # identifiers per block of rules: the small design's 55 rules make 11 blocks


@pytest.fixture(autouse=True)
def rules_in_blocks(monkeypatch):
    """Rules in many small blocks (forked children see it too)."""
    monkeypatch.setattr(consistency, "RULE_NAMES", RULE_NAMES)


@pytest.fixture(scope="module")
def document(orthogonal_vm_sbml):
    """The small design's SBML (a fresh copy per use: the cases break it)."""
    return lambda: libsbml.readSBMLFromString(orthogonal_vm_sbml)


def _reaction(model, prefix: str, block: int = 3) -> libsbml.Reaction:
    """A reaction whose id starts with ``prefix``, in the given block or later."""
    return next(r for r in list(model.getListOfReactions())[block * BLOCK:] if r.getId().startswith(prefix))


def _checked(document, breaking=None) -> tuple[list[str], list[str], list[str]]:
    """The pieces' errors, the whole document's, and :func:`consistency.errors`', each on a fresh
    copy of the document (a check leaves its findings in the document's error log)."""
    found = []
    for check in (lambda doc: consistency._piece_errors(doc, BLOCK), consistency.whole_document_errors,
                  lambda doc: consistency.errors(doc, BLOCK)):
        doc = document()
        if breaking is not None:
            breaking(doc.getModel())
        found.append(check(doc))
    return tuple(found)


def test_a_valid_document_is_valid_in_pieces_and_unchanged(document):
    doc = document()
    assert doc.getModel().getNumReactions() > 6 * BLOCK
    assert len(consistency._rule_blocks(list(doc.getModel().getListOfRules()))) > 6
    assert doc.getNumErrors() == 0      # else errors() checks it as one
    text = libsbml.writeSBMLToString(doc)
    assert consistency._piece_errors(doc, BLOCK) == []
    assert libsbml.writeSBMLToString(doc) == text     # lists taken apart and put back in order
    assert _checked(document) == ([], [], [])


def _law_names_undefined(model):
    law = _reaction(model, "elongation").getKineticLaw()
    law.setMath(libsbml.parseL3Formula(libsbml.formulaToL3String(law.getMath()) + " * undefined_rate"))


def _law_names_undefined_in_the_last_block(model):
    law = model.getReaction(model.getNumReactions() - 1).getKineticLaw()
    law.setMath(libsbml.parseL3Formula(libsbml.formulaToL3String(law.getMath()) + " * undefined_rate"))


def _reference_to_missing_species(model):
    _reaction(model, "decay_mRNA").getReactant(0).setSpecies("no_such_species")


def _reactant_constant(model):
    """A constant species (boundaryCondition false) cannot be a reactant (20611)."""
    species = _reaction(model, "decay_mRNA").getReactant(0).getSpecies()
    model.getSpecies(species).setConstant(True)


def _species_set_by_rule_and_reaction(model):
    species = _reaction(model, "decay_mRNA").getReactant(0).getSpecies()
    rule = model.createAssignmentRule()
    rule.setVariable(species), rule.setMath(libsbml.parseL3Formula("k_u"))


def _rule_names_undefined(model):
    rule = model.getRule(0)
    rule.setMath(libsbml.parseL3Formula(libsbml.formulaToL3String(rule.getMath()) + " + undefined_amount"))


def _last_rule_adds(model, term: str) -> None:
    """The last rule's math plus ``0*(term)``: its value unchanged, ``term`` named."""
    rule = model.getRule(model.getNumRules() - 1)
    rule.setMath(libsbml.parseL3Formula(f"{libsbml.formulaToL3String(rule.getMath())} + 0 * ({term})"))


def _rule_in_the_last_block_names_undefined(model):
    _last_rule_adds(model, "undefined_amount")


def _rule_calls_an_undefined_function(model):
    _last_rule_adds(model, f"no_such_function({model.getRule(0).getVariable()})")     # 10214


def _rule_number_in_undefined_units(model):
    _last_rule_adds(model, "5 no_such_unit")     # 10221: the block's unit definitions are the model's


def _rule_takes_the_rate_of_what_a_rule_assigns(model):
    """``rateOf`` in a rule of what a rule of another block sets (10224)."""
    _last_rule_adds(model, f"rateOf({model.getRule(0).getVariable()})")


def _event_names_undefined(model):
    """An event (checked in the skeleton, beside the rules' stand-ins) names nothing defined."""
    event = model.createEvent()
    event.setId("late"), event.setUseValuesFromTriggerTime(True)
    trigger = event.createTrigger()
    trigger.setMath(libsbml.parseL3Formula("time > undefined_time"))
    trigger.setPersistent(True), trigger.setInitialValue(False)


def _initial_assignment_takes_the_rate_of_what_a_rule_assigns(model):
    """What a rule sets, read by ``rateOf`` outside the rules (10224): the stand-ins keep each
    rule's kind and variable."""
    constant = next(p for p in model.getListOfParameters() if p.getConstant())
    assignment = model.createInitialAssignment()
    assignment.setSymbol(constant.getId())
    rate = f"rateOf({model.getRule(0).getVariable()})"
    assignment.setMath(libsbml.parseL3Formula(f"{constant.getValue()!r} + 0 * {rate}"))


def _two_rules_set_one_variable(model):
    rule = model.createAssignmentRule()
    rule.setVariable(model.getRule(3).getVariable()), rule.setMath(libsbml.parseL3Formula("1"))


def _rules_assign_in_a_cycle(model):
    """The first rule names the last one's variable, which names the first's (20906)."""
    first, last = model.getRule(0), model.getRule(model.getNumRules() - 1)
    _last_rule_adds(model, first.getVariable())
    first.setMath(libsbml.parseL3Formula(f"{libsbml.formulaToL3String(first.getMath())} + 0 * {last.getVariable()}"))


def _duplicate_reaction_id(model):
    _reaction(model, "dilution").setId(model.getReaction(0).getId())


def _times_nothing(model, prefix: str, term: str) -> None:
    """A reaction's kinetic law times ``1 + 0*term``: its value unchanged, ``term`` named."""
    law = _reaction(model, prefix).getKineticLaw()
    law.setMath(libsbml.parseL3Formula(f"({libsbml.formulaToL3String(law.getMath())}) * (1 + 0 * {term})"))


def _rate_of_what_a_rule_assigns(model):
    """``rateOf`` of a parameter an assignment rule sets (10224): only the rule's kind and
    variable tell, not the law's names."""
    _times_nothing(model, "elongation", f"rateOf({model.getRule(0).getVariable()})")


def _rate_of_a_species_in_an_assigned_compartment(model):
    """``rateOf`` of a species (hasOnlySubstanceUnits false) whose compartment an assignment
    rule sets (10225): no law names the compartment."""
    species = _reaction(model, "decay_mRNA").getReactant(0).getSpecies()
    model.getSpecies(species).setHasOnlySubstanceUnits(False)
    compartment = model.getCompartment(model.getSpecies(species).getCompartment())
    compartment.setConstant(False)
    rule = model.createAssignmentRule()
    rule.setVariable(compartment.getId()), rule.setMath(libsbml.parseL3Formula("1 fL"))
    _times_nothing(model, "dilution", f"rateOf({species})")


@pytest.mark.parametrize("breaking", [_law_names_undefined, _law_names_undefined_in_the_last_block,
                                      _reference_to_missing_species,
                                      _reactant_constant, _species_set_by_rule_and_reaction,
                                      _rule_names_undefined, _duplicate_reaction_id,
                                      _rate_of_what_a_rule_assigns, _rate_of_a_species_in_an_assigned_compartment,
                                      _rule_in_the_last_block_names_undefined, _rule_calls_an_undefined_function,
                                      _rule_number_in_undefined_units,
                                      _rule_takes_the_rate_of_what_a_rule_assigns, _two_rules_set_one_variable,
                                      _rules_assign_in_a_cycle, _event_names_undefined,
                                      _initial_assignment_takes_the_rate_of_what_a_rule_assigns])
def test_the_pieces_report_an_error_as_the_whole_document_does(document, breaking):
    pieces, whole, reported = _checked(document, breaking)
    assert whole, "the case must break the document"
    assert set(pieces) == set(whole)    # each distinct error (the whole document repeats some per element)
    assert reported == whole


def test_a_rate_of_an_unassigned_element_is_valid_in_pieces(document):
    """``rateOf`` of a parameter no rule sets, in a model whose rules are stood in for in the
    block documents: no false alarm, so a valid document keeps the fast check."""
    def breaking(model):
        assert model.getParameter("k_u").getConstant()
        _times_nothing(model, "decay_mRNA", "rateOf(k_u)")
    assert _checked(document, breaking) == ([], [], [])


def test_a_document_with_an_algebraic_rule_is_checked_as_one(document, monkeypatch):
    """An algebraic rule sets no one variable, so the pieces' argument does not hold: such a
    document is checked as one (and what it holds reported as libsbml reports it)."""
    def breaking(model):
        rule = model.createAlgebraicRule()
        rule.setMath(libsbml.parseL3Formula(f"{model.getRule(0).getVariable()} - 1"))
        _times_nothing(model, "elongation", f"rateOf({model.getRule(0).getVariable()})")
    monkeypatch.setattr(consistency, "_piece_errors", lambda *a, **k: pytest.fail("checked in pieces"))
    monkeypatch.setattr(consistency, "_piece_errors_in_two", lambda *a, **k: pytest.fail("checked in pieces"))
    doc, expected = document(), document()
    breaking(doc.getModel()), breaking(expected.getModel())
    assert consistency.errors(doc, BLOCK) == consistency.whole_document_errors(expected) != []


def _law_names_a_reaction(model):
    """A kinetic law may name a reaction (its rate): valid, but undefined in the law's block."""
    law = _reaction(model, "dilution", block=5).getKineticLaw()
    rate = model.getReaction(0).getId()
    law.setMath(libsbml.parseL3Formula(libsbml.formulaToL3String(law.getMath()) + f" * {rate} / {rate}"))


def test_a_false_alarm_of_the_pieces_is_settled_by_the_whole_document(document):
    pieces, whole, reported = _checked(document, _law_names_a_reaction)
    assert pieces and whole == [] == reported


def test_write_sbml_writes_what_passes_and_nothing_of_what_fails(document, tmp_path):
    """A valid document is written as libsbml writes it; a broken one raises and leaves the file
    as it was, with no temporary beside it."""
    from bioxen.backend.sbml import write_sbml
    from bioxen.errors import CompileError

    target = tmp_path / "model.xml"
    write_sbml(document(), target)
    assert target.read_text() == libsbml.writeSBMLToString(document())
    target.write_text("the build before")
    broken = document()
    _law_names_undefined(broken.getModel())
    with pytest.raises(CompileError, match="consistency errors"):
        write_sbml(broken, target)
    assert target.read_text() == "the build before"
    assert [p.name for p in tmp_path.iterdir()] == ["model.xml"]


@pytest.mark.parametrize("breaking", [None, _law_names_undefined, _law_names_undefined_in_the_last_block,
                                      _reference_to_missing_species, _duplicate_reaction_id,
                                      _rule_names_undefined])
def test_write_sbml_on_two_cores_writes_only_what_passes(document, tmp_path, monkeypatch, breaking):
    """Blocks small enough that the check runs in two processes (this process writes the text
    while a forked child checks the whole document, the skeleton and blocks): the file is the
    document as libsbml writes it, or (broken anywhere) nothing is left and the whole
    document's errors are raised."""
    from bioxen.backend.sbml import write_sbml
    from bioxen.errors import CompileError

    monkeypatch.setattr(consistency, "BLOCK", BLOCK)
    doc = document()
    assert doc.getModel().getNumReactions() > consistency.PARALLEL_BLOCKS * BLOCK
    target = tmp_path / "model.xml"
    if breaking is None:
        write_sbml(doc, target)
        assert target.read_text() == libsbml.writeSBMLToString(document())
        return
    breaking(doc.getModel())
    expected = document()
    breaking(expected.getModel())
    with pytest.raises(CompileError, match="consistency errors; first: " +
                       re.escape(consistency.whole_document_errors(expected)[0])):
        write_sbml(doc, target)
    assert list(tmp_path.iterdir()) == []


def test_what_the_work_beside_raises_is_raised_and_nothing_is_written(document, tmp_path):
    """Work done beside the check (writing the file, in this process while the forked child
    checks) fails: its error is raised, the child is stopped and the document left as it was."""
    from bioxen.errors import CompileError

    def beside():
        raise CompileError("disk full (a test)")

    doc = document()
    text = libsbml.writeSBMLToString(doc)
    with pytest.raises(CompileError, match="disk full"):
        consistency.errors(doc, BLOCK, beside=beside)
    assert libsbml.writeSBMLToString(doc) == text and consistency.errors(doc, BLOCK) == []


def _blocks_taken_only_by(side: str, monkeypatch) -> None:
    """The shared counter hands blocks to one side only ("parent" or "child")."""
    import os

    parent, take = os.getpid(), consistency._Counter.take

    def taken(self):
        return take(self) if (os.getpid() == parent) == (side == "parent") else None

    monkeypatch.setattr(consistency._Counter, "take", taken)


@pytest.mark.parametrize("side", ["parent", "child"])
@pytest.mark.parametrize("breaking", [_law_names_undefined_in_the_last_block, _duplicate_reaction_id,
                                      _rule_names_undefined])
def test_errors_are_reported_whichever_process_finds_them(document, monkeypatch, side, breaking):
    """Only one process takes blocks (the child checks the whole document and the skeleton in
    any case): an error in a block, in the whole document's identifiers or in the skeleton is
    still reported, as the whole document's errors; a valid document passes, and the document
    this process checked is left as it was."""
    _blocks_taken_only_by(side, monkeypatch)
    doc = document()
    breaking(doc.getModel())
    expected = document()
    breaking(expected.getModel())
    assert consistency.errors(doc, BLOCK) == consistency.whole_document_errors(expected) != []
    valid = document()
    text = libsbml.writeSBMLToString(valid)
    assert consistency.errors(valid, BLOCK) == []
    assert libsbml.writeSBMLToString(valid) == text


def _maker_names(doc) -> dict[str, set[str]]:
    """What a document's maker would say each reaction names (here: read back, as the check would)."""
    return {r.getId(): consistency._names(r) for r in doc.getModel().getListOfReactions()}


def test_names_from_the_maker_are_used_and_cannot_change_the_verdict(document, monkeypatch):
    """``names`` spares reading each reaction back; a name left out of them makes a false alarm
    in its block that the whole document settles, and an error the names do not mention (a law
    changed after they were made) is still reported as the whole document reports it."""
    doc = document()
    names = _maker_names(doc)
    read = consistency._names
    monkeypatch.setattr(consistency, "_names", lambda r: pytest.fail(f"{r.getId()} was read back"))
    assert consistency.errors(doc, BLOCK, names=names) == []
    monkeypatch.setattr(consistency, "_names", read)

    species = doc.getModel().getReaction(sorted(names)[4 * BLOCK]).getReactant(0).getSpecies()
    short = {reaction: named - {species} for reaction, named in names.items()}    # left out everywhere
    assert consistency._piece_errors(document(), BLOCK, short) != []      # undefined in its block
    assert consistency.errors(document(), BLOCK, names=short) == []

    broken = document()
    _law_names_undefined(broken.getModel())
    expected = document()
    _law_names_undefined(expected.getModel())
    assert consistency.errors(broken, BLOCK, names=names) == consistency.whole_document_errors(expected) != []


def test_block_documents_leave_the_models_annotation_to_the_skeleton(document):
    """The model's annotation (a genome's gene table) is not copied into each block document;
    the skeleton still checks it with the rest of the model."""
    doc = document()
    model = doc.getModel()
    assert model.isSetAnnotation()
    with consistency._detached(model, ("getListOfReactions",)):
        blocks = consistency._Blocks(doc)
    assert not blocks.base.getModel().isSetAnnotation() and model.isSetAnnotation()


def test_the_compiler_names_everything_each_reaction_names(small_policy):
    """The names to_sbml hands the check (Build.reaction_names) hold every identifier each
    reaction's references and kinetic law name (besides unit words): no block is short of one."""
    from bioxen.backend.compile import compile_design
    from bioxen.frontend import read_design

    build = compile_design(read_design(small_policy))
    reactions = list(build.sbml.getModel().getListOfReactions())
    assert len(reactions) == len(build.reaction_names) > 100
    for reaction in reactions:
        assert consistency._names(reaction) <= build.reaction_names[reaction.getId()]
