"""The build as a COMBINE archive (OMEX): the SBML model, a SED-ML L1V4 experiment, a manifest.

The experiment is the policy's simulation: a uniform time course from 0 to
``until`` minutes with the policy's number of points, run with the method the
runtime uses (CVODE with relative and absolute tolerance 1e-8, or Gillespie's
direct method with the policy's seed), and one report of time, the host's
growth rate and each VM's total protein (the quantities outputs.json names).

Any COMBINE client runs it, e.g. tellurium::

    te.executeCombineArchive("model.omex", saveOutputs=True, outputDir=existing_dir)

The SSA runtime first rounds initial amounts to whole molecules; SED-ML cannot
say that, so an SSA archive starts from the model's (non-integer) amounts.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import libcombine
import libsbml
import libsedml

from bioxen.backend.sbml import sbml_bytes
from bioxen.buildspec import BuildSpec, RunPlan, coerce
from bioxen.errors import CompileError
from bioxen.outdir import signals_deferred, staged_files

MODEL_LOCATION = "model.xml"
SEDML_LOCATION = "simulation.sedml"
REPORT_ID = "report"
SBML_FORMAT = "http://identifiers.org/combine.specifications/sbml.level-3.version-2"
# the unversioned SED-ML format: libcombine's KnownFormats (and so tellurium) do not recognise
# "sed-ml.level-1.version-4"; the document itself declares Level 1 Version 4
SEDML_FORMAT = "http://identifiers.org/combine.specifications/sed-ml"
OMEX_FORMAT = "http://identifiers.org/combine.specifications/omex"
SBML_LANGUAGE = "urn:sedml:language:sbml.level-3.version-2"
# method -> (KiSAO algorithm, name, {KiSAO parameter: value}) as the runtime sets it up
ALGORITHMS = {
    "ode": ("KISAO:0000019", "CVODE", {"KISAO:0000209": 1e-8, "KISAO:0000211": 1e-8}),
    "ssa": ("KISAO:0000029", "Gillespie direct method", {}),
    # BioXen's own ODE/SSA splitting (bioxen.runtime.hybrid); a client without it substitutes
    "hybrid": ("KISAO:0000352", "hybrid method", {}),
}
_SEED = "KISAO:0000488"


def report_quantities(spec: BuildSpec | dict) -> dict[str, str]:
    """Report label -> model quantity: the host's growth rate and each VM's total protein."""
    spec = coerce(spec)
    found = {"growth_rate": spec.host["growth_rate"]}
    found.update({f"{vm}_protein_total": v.protein_total for vm, v in spec.vms.items() if v.protein_total})
    return found


def _check(result, what: str):
    if isinstance(result, int) and result != libsedml.LIBSEDML_OPERATION_SUCCESS:
        raise CompileError(f"libsedml refused {what} (code {result})")
    return result


def _target(model: libsbml.Model, sid: str) -> str:
    kind = "species" if model.getSpecies(sid) is not None else "parameter"
    if kind == "parameter" and model.getParameter(sid) is None:
        raise CompileError(f"SED-ML output '{sid}' is neither a species nor a parameter of the model")
    plural = "Species" if kind == "species" else "Parameters"
    return f"/sbml:sbml/sbml:model/sbml:listOf{plural}/sbml:{kind}[@id='{sid}']"


def _data_generator(sed: libsedml.SedDocument, label: str, variable, what: str) -> str:
    generator = sed.createDataGenerator()
    _check(generator.setId(f"data_{label}"), what), generator.setName(label)
    var = generator.createVariable()
    _check(var.setId(label), what), var.setTaskReference("task")
    variable(var)
    generator.setMath(libsedml.parseL3Formula(label))
    return generator.getId()


def _simulation(sed: libsedml.SedDocument, plan: RunPlan) -> None:
    if plan.method not in ALGORITHMS:
        raise CompileError(f"no SED-ML algorithm for method '{plan.method}' "
                           f"(expected one of: {', '.join(ALGORITHMS)})")
    kisao, name, parameters = ALGORITHMS[plan.method]
    course = sed.createUniformTimeCourse()
    course.setId("time_course"), course.setName(f"0 to {plan.until_min:g} min")
    course.setInitialTime(0.0), course.setOutputStartTime(0.0), course.setOutputEndTime(float(plan.until_min))
    _check(course.setNumberOfSteps(int(plan.points) - 1), "the number of steps")
    algorithm = course.createAlgorithm()
    algorithm.setKisaoID(kisao), algorithm.setName(name)
    if plan.method in ("ssa", "hybrid") and plan.seed is not None:
        parameters = {**parameters, _SEED: plan.seed}
    for term, value in parameters.items():
        parameter = algorithm.createAlgorithmParameter()
        parameter.setKisaoID(term), parameter.setValue(repr(value))


def to_sedml(sbml: libsbml.SBMLDocument, spec: BuildSpec | dict,
             model_location: str = MODEL_LOCATION) -> libsedml.SedDocument:
    """The policy's simulation (``spec.simulate``) of the model at ``model_location``, reporting
    time, growth rate and each VM's total protein."""
    spec = coerce(spec)
    sed = libsedml.SedDocument(1, 4)
    # the prefix the targets' XPaths use
    _check(sed.getNamespaces().add(libsbml.SBMLNamespaces(3, 2).getURI(), "sbml"), "the SBML namespace")
    model = sed.createModel()
    model.setId("model"), model.setSource(model_location), model.setLanguage(SBML_LANGUAGE)
    _simulation(sed, spec.simulate)
    task = sed.createTask()
    task.setId("task"), task.setModelReference("model"), task.setSimulationReference("time_course")
    report = sed.createReport()
    report.setId(REPORT_ID), report.setName("time, growth rate and each VM's total protein")
    columns = {"time": _data_generator(sed, "time", lambda v: v.setSymbol("urn:sedml:symbol:time"), "time")}
    for label, sid in report_quantities(spec).items():
        target = _target(sbml.getModel(), sid)
        columns[label] = _data_generator(sed, label, lambda v, t=target: v.setTarget(t), label)
    for label, generator in columns.items():
        data_set = report.createDataSet()
        data_set.setId(f"column_{label}"), data_set.setLabel(label), data_set.setDataReference(generator)
    return sed


def sedml_text(sed: libsedml.SedDocument) -> str:
    """SED-ML as XML, read back first so a document libsedml cannot read is never written."""
    text = libsedml.writeSedMLToString(sed)
    errors = libsedml.readSedMLFromString(text).getErrorLog()
    problems = [errors.getError(i).getMessage() for i in range(errors.getNumErrors())
                if errors.getError(i).getSeverity() >= libsedml.LIBSEDML_SEV_ERROR]
    if problems:
        raise CompileError(f"generated SED-ML has {len(problems)} errors; first: {problems[0]}")
    return text


def _description(archive: libcombine.CombineArchive, design_name: str) -> None:
    description = libcombine.OmexDescription()
    description.setAbout(".")
    description.setDescription(f"BioXen build of design '{design_name}': SBML model and its simulation")
    description.setCreated(libcombine.OmexDescription.getCurrentDateAndTime())
    archive.addMetadata(".", description)


def to_omex(sbml: libsbml.SBMLDocument, spec: BuildSpec | dict, path, design_name: str = "",
            model_xml: Path | None = None) -> Path:
    """Write the archive to ``path`` (via a temporary file beside it) and read it back; return ``path``.

    ``model_xml``: the file ``sbml`` was just written to (:func:`bioxen.backend.sbml.write_sbml`,
    libsbml's text of it), archived as it is instead of writing the document a second time (three
    Syn3A VMs: a 36 MB document, 1.2-2.7 s to write again); without it the document is written.

    libcombine's ``addFileFromString`` writes each entry to ``./temp<time><rand()>.tmp`` in the
    working directory (traced with strace), so in a directory that cannot be written it
    archived empty files and said it succeeded, and two processes in one directory could
    take each other's files. Entries are handed to ``addFile`` from files of their own
    instead: the model file, or one written beside ``path``."""
    path = Path(path)
    model = Path(model_xml) if model_xml is not None else None
    expected = {MODEL_LOCATION: model.read_bytes() if model is not None else sbml_bytes(sbml),
                SEDML_LOCATION: sedml_text(to_sedml(sbml, spec)).encode("utf-8")}
    if not expected[MODEL_LOCATION]:
        raise CompileError(f"cannot write the SBML model into {path}")
    formats = {MODEL_LOCATION: (SBML_FORMAT, False), SEDML_LOCATION: (SEDML_FORMAT, True)}
    with staged_files(path) as (written,):
        written_here = {location: written.with_name(f"{written.name}.{location}") for location in expected
                        if location != MODEL_LOCATION or model is None}
        sources = {location: written_here.get(location, model) for location in expected}
        try:
            for location, source in written_here.items():
                source.write_bytes(expected[location])
            _write_archive({location: (sources[location], *formats[location]) for location in expected},
                           written, design_name)
        finally:
            with signals_deferred():
                for source in written_here.values():
                    source.unlink(missing_ok=True)
        _check_archive(written, expected, path)
    return path


def _write_archive(entries: dict[str, tuple[Path, str, bool]], written: Path, design_name: str) -> None:
    """``entries``: location in the archive -> (the file holding it, its format, master)."""
    archive = libcombine.CombineArchive()
    try:
        for location, (source, file_format, master) in entries.items():
            if not archive.addFile(str(source), location, file_format, master):
                raise CompileError(f"libcombine refused {location}")
        itself = archive.getManifest().createContent()
        itself.setLocation("."), itself.setFormat(OMEX_FORMAT), itself.setMaster(False)
        _description(archive, design_name)
        if not archive.writeToFile(str(written)):
            raise CompileError(f"cannot write the COMBINE archive {written.name}")
    finally:
        archive.cleanUp()


def _check_archive(written: Path, expected: dict[str, bytes], path: Path) -> None:
    """The archive holds every entry as it was made (never an empty model or experiment)."""
    try:
        with zipfile.ZipFile(written) as archive:
            found = {location: archive.read(location) for location in expected}
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise CompileError(f"the COMBINE archive written to {path} cannot be read back: {exc}") from None
    damaged = [location for location, content in expected.items() if found[location] != content]
    if damaged:
        raise CompileError(f"the COMBINE archive written to {path} does not hold {', '.join(damaged)} as made")


def write_omex(build, spec: BuildSpec | dict, path, model_xml: Path | None = None) -> Path:
    """``model.omex`` for a compiled :class:`~bioxen.backend.compile.Build` and its spec
    (:func:`~bioxen.backend.compile.build_spec`, or its JSON form); ``model_xml``: the build's
    model.xml as :func:`bioxen.backend.sbml.write_sbml` wrote it (see :func:`to_omex`)."""
    return to_omex(build.sbml, spec, path, build.design.name or "", model_xml)
