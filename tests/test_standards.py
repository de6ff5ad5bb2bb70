"""Standards and real clients: SBML units/SBO/annotations checked by libsbml, Antimony by
libAntimony, the COMBINE archive run by tellurium and compared with libRoadRunner."""
import zipfile

import libcombine
import libsbml
import libsedml
import numpy as np
import pandas as pd
import pytest

from bioxen.backend.antimony import antimony_to_sbml, write_antimony
from bioxen.backend.compile import compile_design, locus_map, outputs_spec
from bioxen.backend.omex import REPORT_ID, SEDML_LOCATION, report_quantities, write_omex
from bioxen.backend.sbml import ANNOTATION_NS, UnitTable, diagnostics, write_sbml
from bioxen.errors import CompileError
from bioxen.frontend import read_design
from bioxen.runtime.simulate import Outputs, simulate_sbml
from conftest import write_policy, write_synthetic_genbank

PAUSE_AT, RESUME_AT, UNTIL, POINTS = 300.0, 360.0, 600.0, 61


def _policy(directory, genome, body: str, until=UNTIL, points=POINTS):
    return write_policy(directory / "policy.yaml", "schema_version: 1\nname: standards\n"
                        + body.replace("GENOME", genome.name) + f"\nsimulate: {{until: {until:g} min, points: {points}}}")


TWO_VMS = f"""vms:
  - {{id: vm1, genome: GENOME, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: GENOME, genetic_code: recode, ribosomes: {{share: 0.15}}}}
control:
  - {{at: {PAUSE_AT:g} min, command: PAUSE_VM, vm: vm2}}
  - {{at: {RESUME_AT:g} min, command: RESUME_VM, vm: vm2}}"""

# other mechanisms, each bringing parameters of its own units into the model
VARIANTS = {
    "priority_with_a_dormant_vm": """vms:
  - {id: vm1, genome: GENOME, genetic_code: recode, priority: 2}
  - {id: vm2, genome: GENOME, genetic_code: recode, start: dormant}
scheduler: {policy: priority, atp_guard: {threshold: 5}}
control:
  - {at: 60 min, command: CREATE_VM, vm: vm2}""",
    "round_robin_internal_clock": """vms:
  - {id: vm1, genome: GENOME, genetic_code: recode}
  - {id: vm2, genome: GENOME, genetic_code: recode, resolution: operon}
scheduler: {policy: round_robin, quantum: 30 min, clock: internal}""",
    "chloramphenicol_controller_host_pool": """host: {chloramphenicol: 4 uM}
vms:
  - {id: vm1, genome: GENOME, genetic_code: recode, ribosomes: {share: 0.15, controller: true}}
  - {id: vm2, genome: GENOME, genetic_code: recode, ribosomes: {share: 0.15, pool: host}}
control:
  - {at: 100 min, command: SET_RESOURCE_LIMIT, vm: vm1, resource: ribosomes, share: 0.3}
  - {at: 200 min, command: DESTROY_VM, vm: vm2}""",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The two-VM design with a timed PAUSE/RESUME, and its model.xml, model.ant and model.omex."""
    directory = tmp_path_factory.mktemp("standards")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    build = compile_design(read_design(_policy(directory, genome, TWO_VMS)))
    spec = outputs_spec(build)
    out = directory / "out"
    out.mkdir()
    paths = {"xml": write_sbml(build.sbml, out / "model.xml"), "ant": write_antimony(build, out / "model.ant"),
             "omex": write_omex(build, spec, out / "model.omex")}
    return build, spec, paths


def _summary(errors) -> list[str]:
    return [f"{e.getSeverityAsString()} {e.getCategoryAsString()} {e.getErrorId()}: {e.getShortMessage()}"
            for e in errors]


# -- SBML ---------------------------------------------------------------------------------------

def test_sbml_is_clean_under_every_libsbml_check_units_included(built):
    build, _, paths = built
    doc = libsbml.readSBMLFromFile(str(paths["xml"]))
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    errors = diagnostics(doc)
    print(f"{doc.getModel().getNumSpecies()} species, {doc.getModel().getNumReactions()} reactions, "
          f"{doc.getModel().getNumParameters()} parameters: {len(errors)} libsbml diagnostics")
    assert _summary(errors) == []


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.slow
def test_every_mechanism_declares_consistent_units(variant, tmp_path):
    genome = write_synthetic_genbank(tmp_path / "SYN00001.1.gb")
    build = compile_design(read_design(_policy(tmp_path, genome, VARIANTS[variant], until=300, points=31)))
    assert _summary(diagnostics(build.sbml)) == []


def test_model_units_are_molecules_minutes_and_the_femtolitre_cell(built):
    model = built[0].sbml.getModel()
    assert (model.getSubstanceUnits(), model.getExtentUnits(), model.getTimeUnits()) == ("item", "item", "minute")
    minute = model.getUnitDefinition("minute").getUnit(0)
    assert (minute.getKind(), minute.getMultiplier(), minute.getExponent()) == (libsbml.UNIT_KIND_SECOND, 60, 1)
    cell = model.getCompartment("cell")
    femtolitre = model.getUnitDefinition(cell.getUnits()).getUnit(0)
    assert cell.getSize() == 1 and (femtolitre.getKind(), femtolitre.getScale()) == (libsbml.UNIT_KIND_LITRE, -15)
    assert model.getVolumeUnits() == cell.getUnits()
    for species in model.getListOfSpecies():
        assert species.getHasOnlySubstanceUnits() and species.getSubstanceUnits() == "item", species.getId()
    for parameter in model.getListOfParameters():
        assert parameter.isSetUnits(), parameter.getId()
    assert model.getParameter("k_b").getUnits() == "per_item_per_minute"
    assert model.getParameter("growth_rate").getUnits() == "per_minute"
    assert model.getParameter("vm1_protein_total").getUnits() == "item"


def test_unknown_units_are_a_compile_error_naming_the_parameter():
    doc = libsbml.SBMLDocument(3, 2)  # owns the model: keep it alive
    table = UnitTable(doc.createModel())
    assert table.sid("1/(molecule*min)") == "per_item_per_minute" and table.sid("aa/min") == "per_minute"
    assert table.sid("1/(uM*min)") == "litre_per_minute_per_umol"
    with pytest.raises(CompileError, match=r"parameter 'k_x': cannot read its units 'molecules/cell'.*"
                                           r"unknown unit 'cell'"):
        table.for_component("k_x", "molecules/cell")


def test_species_and_reactions_carry_sbo_terms_by_kind_and_mechanism(built):
    model = built[0].sbml.getModel()
    assert all(s.isSetSBOTerm() for s in model.getListOfSpecies())
    assert all(r.isSetSBOTerm() for r in model.getListOfReactions())
    species = {s.getId(): s.getSBOTermID() for s in model.getListOfSpecies()}
    assert species["protein_vm1_SYN__0001"] == "SBO:0000252"          # polypeptide chain
    assert species["mRNA_vm1_SYN__0001"] == "SBO:0000250"             # ribonucleic acid
    assert species["mRNA_vm1_SYN__0001__ribosome_o1"] == "SBO:0000296"  # macromolecular complex
    assert species["energy"] == "SBO:0000247"                        # simple chemical
    reactions = {r.getId(): r.getSBOTermID() for r in model.getListOfReactions()}
    assert reactions["transcription_vm1_SYN__0001"] == "SBO:0000183"
    assert reactions["elongation_vm1_SYN__0001"] == "SBO:0000184"
    assert reactions["decay_mRNA_vm1_SYN__0001"] == "SBO:0000179"
    assert reactions["initiation_vm1_SYN__0001"] == "SBO:0000177"


def _origin(element) -> dict[str, str]:
    """The attributes of an element's bioxen annotation (empty without one)."""
    annotation = element.getAnnotation()
    for i in range(annotation.getNumChildren() if annotation else 0):
        child = annotation.getChild(i)
        if child.getURI() == ANNOTATION_NS:
            return {child.getAttrName(j): child.getAttrValue(j) for j in range(child.getAttributesLength())}
    return {}


def test_locus_tags_and_parameter_sources_are_machine_readable(built):
    build, _, paths = built
    model = libsbml.readSBMLFromFile(str(paths["xml"])).getModel()
    expected = locus_map(build)
    for sid, tags in expected["species"].items():
        found = _origin(model.getSpecies(sid)).get("locus_tags", "")
        assert found.split() == tags, sid
    for rid, tags in expected["reactions"].items():
        assert _origin(model.getReaction(rid)).get("locus_tags", "").split() == tags, rid
    gmax = _origin(model.getParameter("gmax"))
    assert gmax["units"] == "aa/min" and "Weisse 2015" in gmax["source"]


def test_timed_commands_stay_sbml_events(built):
    model = built[0].sbml.getModel()
    triggers = {e.getId(): libsbml.formulaToL3String(e.getTrigger().getMath()) for e in model.getListOfEvents()}
    assert triggers == {"pause_vm_vm2_1": f"time >= {PAUSE_AT:g} minute",
                        "resume_vm_vm2_2": f"time >= {RESUME_AT:g} minute"}


def test_writers_replace_atomically_and_leave_nothing_behind(built, tmp_path):
    build, spec, _ = built
    target = tmp_path / "model.xml"
    target.write_text("old")
    assert write_sbml(build.sbml, target) == target and "<sbml" in target.read_text()
    assert write_antimony(build, tmp_path / "model.ant") == tmp_path / "model.ant"
    assert write_omex(build, spec, tmp_path / "model.omex") == tmp_path / "model.omex"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.ant", "model.omex", "model.xml"]


def test_the_archive_takes_the_written_model_file_as_it_is(built, tmp_path, monkeypatch):
    """write_files hands the archive the model.xml it wrote: archived byte for byte, the
    document not written a second time; without the file the archive holds the same text."""
    build, spec, paths = built
    with zipfile.ZipFile(paths["omex"]) as archive:        # written without the file (the fixture)
        assert archive.read("model.xml") == paths["xml"].read_bytes()

    from bioxen.backend import omex

    def unwanted(doc):
        raise AssertionError("the document was written again")

    monkeypatch.setattr(omex, "sbml_bytes", unwanted)
    assert write_omex(build, spec, tmp_path / "model.omex", paths["xml"]) == tmp_path / "model.omex"
    with zipfile.ZipFile(tmp_path / "model.omex") as archive:
        assert archive.read("model.xml") == paths["xml"].read_bytes()
        assert archive.read(SEDML_LOCATION) == zipfile.ZipFile(paths["omex"]).read(SEDML_LOCATION)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.omex"]     # nothing left beside it


# -- Antimony -----------------------------------------------------------------------------------

def _contents(doc: libsbml.SBMLDocument) -> dict:
    model = doc.getModel()
    return {
        "species": {s.getId() for s in model.getListOfSpecies()},
        "reactions": {r.getId(): (sorted(x.getSpecies() for x in r.getListOfReactants()),
                                  sorted(x.getSpecies() for x in r.getListOfProducts()), r.getReversible())
                      for r in model.getListOfReactions()},
        "events": {e.getId(): {a.getVariable(): libsbml.formulaToL3String(a.getMath())
                               for a in e.getListOfEventAssignments()} for e in model.getListOfEvents()},
        "triggers": {e.getId(): libsbml.formulaToL3String(e.getTrigger().getMath()) for e in model.getListOfEvents()},
    }


def test_antimony_round_trip_keeps_species_reactions_and_events(built):
    build, spec, paths = built
    text = paths["ant"].read_text()
    assert f"pause_vm_vm2_1: at time >= {PAUSE_AT:g} minute" in text
    back = libsbml.readSBMLFromString(antimony_to_sbml(text))
    original, returned = _contents(build.sbml), _contents(back)
    assert len(original["species"]) > 100 and len(original["reactions"]) > 300
    for part in ("species", "reactions", "events", "triggers"):
        assert returned[part] == original[part], part
    # and the model that comes back simulates the same
    outputs = Outputs(spec["host"], spec["vms"])
    ours = simulate_sbml(libsbml.writeSBMLToString(build.sbml), outputs, UNTIL, POINTS)
    theirs = simulate_sbml(libsbml.writeSBMLToString(back), outputs, UNTIL, POINTS)
    for column in ("growth_rate_per_min", "vm1_protein_total", "vm2_protein_total"):
        assert np.allclose(theirs[column], ours[column], rtol=1e-6, atol=1e-9), column


def test_antimony_errors_are_compile_errors():
    with pytest.raises(CompileError, match="libAntimony cannot read the Antimony model: .*line 2"):
        antimony_to_sbml("model broken\n  J0: A -> B; k*\nend")


# -- COMBINE archive ----------------------------------------------------------------------------

def test_archive_holds_the_model_a_sedml_l1v4_experiment_and_a_manifest(built, tmp_path):
    _, spec, paths = built
    with zipfile.ZipFile(paths["omex"]) as archive:
        assert {"manifest.xml", "model.xml", SEDML_LOCATION} <= set(archive.namelist())
    combine = libcombine.CombineArchive()
    assert combine.initializeFromArchive(str(paths["omex"]))
    try:
        assert combine.getMasterFile().getLocation() == SEDML_LOCATION
        assert combine.getEntryByLocation("model.xml").getFormat().endswith("sbml.level-3.version-2")
        sed = libsedml.readSedMLFromString(combine.extractEntryToString(SEDML_LOCATION))
    finally:
        combine.cleanUp()
    assert sed.getErrorLog().getNumFailsWithSeverity(libsedml.LIBSEDML_SEV_ERROR) == 0
    assert (sed.getLevel(), sed.getVersion()) == (1, 4)
    assert sed.getModel(0).getSource() == "model.xml"
    course = sed.getSimulation(0)
    assert (course.getInitialTime(), course.getOutputEndTime(), course.getNumberOfSteps()) == (0, UNTIL, POINTS - 1)
    assert course.getAlgorithm().getKisaoID() == "KISAO:0000019"
    report = sed.getOutput(0)
    labels = [report.getDataSet(i).getLabel() for i in range(report.getNumDataSets())]
    assert report.getId() == REPORT_ID
    assert labels == ["time", "growth_rate", "vm1_protein_total", "vm2_protein_total"]


def _roadrunner_reference(build, spec) -> pd.DataFrame:
    ours = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs(spec["host"], spec["vms"]), UNTIL, POINTS)
    return pd.DataFrame({"time": ours["time_min"], "growth_rate": ours["growth_rate_per_min"],
                         **{f"{vm}_protein_total": ours[f"{vm}_protein_total"] for vm in spec["vms"]}})


COMPARED_AT = (60.0, PAUSE_AT, RESUME_AT, 450.0, UNTIL)


def _agree(report: pd.DataFrame, reference: pd.DataFrame, who: str) -> None:
    assert list(report.columns) == list(reference.columns)
    assert np.allclose(report["time"], reference["time"])
    for t in COMPARED_AT:
        theirs = report[np.isclose(report["time"], t)].iloc[0]
        ours = reference[np.isclose(reference["time"], t)].iloc[0]
        for label in reference.columns[1:]:
            print(f"{who} t={t:g} {label}: {theirs[label]:.9g} vs libRoadRunner {ours[label]:.9g}")
            assert theirs[label] == pytest.approx(ours[label], rel=1e-4), (t, label)


def test_tellurium_runs_the_archive_and_agrees_with_roadrunner(built, tmp_path):
    import tellurium as te

    build, spec, paths = built
    outputs = tmp_path / "tellurium"
    outputs.mkdir()
    te.executeCombineArchive(str(paths["omex"]), saveOutputs=True, outputDir=str(outputs), createOutputs=True)
    report = pd.read_csv(outputs / f"{SEDML_LOCATION.rsplit('.', 1)[0]}_{REPORT_ID}.csv")
    assert list(report.columns) == ["time", *report_quantities(spec)]
    assert len(report) == POINTS and report["time"].iloc[-1] == pytest.approx(UNTIL)
    _agree(report, _roadrunner_reference(build, spec), "tellurium")
