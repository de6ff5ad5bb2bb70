"""VCell's own model format (model.vcml): the SBML model as a VCell BioModel, with a time course.

VCell's SBML importer (libvcell ``sbml_to_vcml``) takes time quadratic in the number of
reactions (each reaction it adds refreshes the whole model): measured 2 s for 50 reactions,
35 s for 200, 150 s for 400, 93 s for the 281 of the Syn3A subsystem design. Its mathematics
generator, which any VCell reading of a BioModel runs, is quadratic too (0.5 s for 101
reactions, 12 min for the 6,985 of one Syn3A VM at gene resolution). So BioXen writes the
whole document itself, in seconds at any size (2 s for 6,985 reactions): the physiology
(compartment, species, parameters, reactions with their rate laws), one deterministic
application (initial conditions, events), its mathematics (:mod:`bioxen.backend.vcell_math`)
and a Simulation, a time course of the policy's ``simulate:`` plan on VCell's stiff solver,
so VCell runs the file as it is.

Units: VCell's species are concentrations, so a species' amount (what an SBML symbol of a
``hasOnlySubstanceUnits`` species means) is written ``(S * cell)``, its initial concentration
is its amount over the compartment size, and the rates are lumped (molecules/min), as in the
SBML. The compartment is 1 fL = 1 um3, so the numbers are the SBML's, and every expression is
unit-consistent (VCell's SBML importer reads the amounts as concentrations: 53 unit warnings
for the subsystem design). tests/test_vcell.py has VCell read the file, regenerate its
mathematics and compare it with this module's, run the Simulation in VCell's ODE solver and
compare the time course with libRoadRunner on model.xml.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

import libsbml

from bioxen.backend.formats import FormatRefused
from bioxen.backend.vcell_math import (Expressions, event_value, initial_amount, math_description, number,
                                       subelement)

VCML_NS = "http://sourceforge.net/projects/vcell/vcml"
APPLICATION = "deterministic"   # the document's one application (VCell's SimulationSpec)
SIMULATION = "time_course"      # its one Simulation
SOLVER = "Combined Stiff Solver (IDA/CVODE)"
TOLERANCE = 1e-9                # absolute and relative, VCell's default for its ODE solvers
# VCell's built-in names, which no model quantity may take
RESERVED = {"t", "x", "y", "z", "KMOLE", "_F_", "_R_", "_T_", "_N_pmol_", "_PI_", "_K_GHK_", "_F_nmol_",
            "K_millivolts_per_volt"}
# (SBML unit kind, scale, multiplier) -> (VCell's unit, its power): 1 fL is 1 um3
UNIT_SYMBOLS = {
    (libsbml.UNIT_KIND_ITEM, 0, 1.0): ("molecules", 1), (libsbml.UNIT_KIND_SECOND, 0, 1.0): ("s", 1),
    (libsbml.UNIT_KIND_SECOND, 0, 60.0): ("min", 1), (libsbml.UNIT_KIND_SECOND, 0, 3600.0): ("h", 1),
    (libsbml.UNIT_KIND_LITRE, 0, 1.0): ("l", 1), (libsbml.UNIT_KIND_LITRE, -15, 1.0): ("um", 3),
    (libsbml.UNIT_KIND_MOLE, -9, 1.0): ("nmol", 1), (libsbml.UNIT_KIND_MOLE, -6, 1.0): ("umol", 1),
    (libsbml.UNIT_KIND_MOLE, -3, 1.0): ("mmol", 1), (libsbml.UNIT_KIND_DIMENSIONLESS, 0, 1.0): ("", 0),
}


def write_vcml(sbml: libsbml.SBMLDocument, path: Path, plan) -> Path:
    """Write the model as VCML with a time course of ``plan`` (its ``until`` in minutes and
    ``points``) at ``path``, or :class:`FormatRefused` saying what VCML cannot hold."""
    Path(path).write_text(vcml_text(sbml.getModel(), plan), encoding="utf-8")
    return Path(path)


def vcml_text(model: libsbml.Model, plan) -> str:
    document = biomodel(model, plan)
    ET.indent(document, space=" ")
    return "<?xml version='1.0' encoding='UTF-8'?>\n" + ET.tostring(document, encoding="unicode") + "\n"


def biomodel(model: libsbml.Model, plan) -> ET.Element:
    """The VCML document of an SBML model (one compartment, amounts, assignment rules, events)."""
    _check_supported(model)
    compartment, units = model.getCompartment(0), _Units(model)
    root = ET.Element("vcml", {"xmlns": VCML_NS, "Version": "BioXen"})   # VCML's default namespace
    document = subelement(root, "BioModel", Name=model.getId())
    physiology = subelement(document, "Model", Name=model.getId())
    expressions = Expressions(model, compartment.getId())   # a compartment's size is its name here
    _parameters(physiology, model, expressions, units)
    for species in model.getListOfSpecies():
        subelement(physiology, "Compound", Name=species.getId())
    subelement(physiology, "Feature", Name=compartment.getId())
    for species in model.getListOfSpecies():
        subelement(physiology, "LocalizedCompound", Name=species.getId(), SbmlName=species.getName() or species.getId(),
                   CompoundRef=species.getId(), Structure=compartment.getId(), OverrideName="true")
    for reaction in model.getListOfReactions():
        _reaction(physiology, reaction, compartment.getId(), expressions, units)
    subelement(physiology, "Diagram", Name=compartment.getId(), Structure=compartment.getId())
    subelement(physiology, "ModelUnitSystem", VolumeSubstanceUnit=units.substance,
               MembraneSubstanceUnit=units.substance, LumpedReactionSubstanceUnit=units.substance,
               VolumeUnit=units.volume, AreaUnit="um2", LengthUnit="um", TimeUnit=units.time)
    _application(document, model, expressions, units, plan)
    return root


def _check_supported(model: libsbml.Model) -> None:
    """What VCML cannot hold, or this writer does not translate (BioXen's models use none of
    it), is refused by name."""
    counts = (
        ("function definitions", model.getNumFunctionDefinitions()),
        ("initial assignments", model.getNumInitialAssignments()),
        ("constraints", model.getNumConstraints()),
        ("rules other than assignment rules", sum(not r.isAssignment() for r in model.getListOfRules())),
        ("assignment rules on species", sum(model.getSpecies(r.getVariable()) is not None
                                            for r in model.getListOfRules())),
        ("more than one compartment", model.getNumCompartments() - 1),
        ("boundary species", sum(s.getBoundaryCondition() for s in model.getListOfSpecies())),
        ("local parameters", sum(r.getKineticLaw().getNumLocalParameters() for r in model.getListOfReactions()
                                 if r.isSetKineticLaw())),
        ("reactions without a kinetic law", sum(not r.isSetKineticLaw() for r in model.getListOfReactions())),
        ("event delays or priorities", sum(e.isSetDelay() or e.isSetPriority() for e in model.getListOfEvents())),
    )
    unsupported = [what for what, count in counts if count > 0]
    if model.getNumCompartments() == 0:
        unsupported.append("no compartment")
    clashes = sorted(RESERVED & {e.getId() for e in _named_elements(model)})
    if clashes:
        unsupported.append(f"identifiers VCell reserves ({', '.join(clashes)})")
    if unsupported:
        raise FormatRefused(f"VCML: the model has {', '.join(unsupported)}, which this writer does not "
                            "translate to VCell")


def _named_elements(model: libsbml.Model):
    for elements in (model.getListOfSpecies(), model.getListOfParameters(), model.getListOfReactions(),
                     model.getListOfCompartments(), model.getListOfEvents()):
        yield from elements


def _parameters(physiology, model: libsbml.Model, expressions: Expressions, units: "_Units") -> None:
    rules = {rule.getVariable(): rule.getMath() for rule in model.getListOfRules()}
    listed = subelement(physiology, "ModelParameters")
    for parameter in model.getListOfParameters():
        sid = parameter.getId()
        value = expressions.infix(rules[sid]) if sid in rules else number(parameter.getValue())
        attributes = {"Name": sid, "Role": "user defined", "Unit": units.symbol(parameter.getUnits())}
        if parameter.isSetName() and parameter.getName() != sid:
            attributes["SbmlName"] = parameter.getName()
        subelement(listed, "Parameter", value, **attributes)


def _reaction(physiology, reaction: libsbml.Reaction, structure: str, expressions: Expressions,
              units: "_Units") -> None:
    """A reaction, its participants by stoichiometry, the species its rate reads besides them
    as catalysts (as VCell's SBML importer adds them), and its lumped rate."""
    rate = reaction.getKineticLaw().getMath()
    element = subelement(physiology, "SimpleReaction", Structure=structure, Name=reaction.getId(),
                         Reversible=str(reaction.getReversible()).lower(), FluxOption="MolecularOnly")
    participants = set()
    for role, references in (("Reactant", reaction.getListOfReactants()), ("Product", reaction.getListOfProducts())):
        counts = Counter()
        for reference in references:
            counts[reference.getSpecies()] += reference.getStoichiometry()
        for species, count in counts.items():
            if count != int(count):
                raise FormatRefused(f"VCML: reaction {reaction.getId()} has a non-integer stoichiometry ({count:g})")
            subelement(element, role, LocalizedCompoundRef=species, Stoichiometry=int(count))
        participants |= set(counts)
    for species in sorted(expressions.species_in(rate) - participants):
        subelement(element, "Catalyst", LocalizedCompoundRef=species)
    kinetics = subelement(element, "Kinetics", KineticsType="GeneralLumpedKinetics")
    subelement(kinetics, "Parameter", expressions.infix(rate), Name="LumpedJ", Role="lumped reaction rate",
               Unit=f"{units.substance}.{units.time}-1")


def _application(document, model: libsbml.Model, expressions: Expressions, units: "_Units", plan) -> None:
    """The deterministic application: the compartment, initial conditions, events, the
    mathematics and the time course."""
    compartment = model.getCompartment(0)
    spec = subelement(document, "SimulationSpec", Name=APPLICATION, Stochastic="false", UseConcentration="true",
                      MassConservationModelReduction="false")
    geometry = subelement(spec, "Geometry", Name="Compartmental", Dimension="0")
    subelement(geometry, "Extent", X="10.0", Y="10.0", Z="10.0")
    subelement(geometry, "Origin", X="0.0", Y="0.0", Z="0.0")
    subelement(geometry, "SubVolume", Name="Compartment", Handle="0", Type="Compartmental")
    mapping = subelement(subelement(spec, "GeometryContext"), "FeatureMapping", Feature=compartment.getId(),
                         GeometryClass="Compartment", SubVolume="Compartment", Size=number(compartment.getSize()))
    subelement(mapping, "BoundariesTypes", Xm="Flux", Xp="Flux", Ym="Flux", Yp="Flux", Zm="Flux", Zp="Flux")
    context = subelement(spec, "ReactionContext")
    for species in model.getListOfSpecies():
        conditions = subelement(context, "LocalizedCompoundSpec", LocalizedCompoundRef=species.getId(),
                                ForceConstant=str(species.getConstant()).lower(), WellMixed="false",
                                ForceContinuous="false")
        subelement(conditions, "InitialConcentration", number(initial_amount(species) / compartment.getSize()))
        subelement(conditions, "Diffusion", "0.0")
    for reaction in model.getListOfReactions():
        subelement(context, "ReactionSpec", ReactionStepRef=reaction.getId(), ReactionMapping="included")
    spec.append(math_description(model, f"{APPLICATION}_generated", units.concentration))
    if model.getNumEvents():
        events = subelement(spec, "BioEvents")
        for event in model.getListOfEvents():
            _bioevent(events, event, expressions, units)
    spec.append(simulation(plan))


def _bioevent(events, event: libsbml.Event, expressions: Expressions, units: "_Units") -> None:
    element = subelement(events, "BioEvent", Name=event.getId(), TriggerType="GeneralTrigger",
                         UseValuesFromTriggerTime=str(event.getUseValuesFromTriggerTime()).lower())
    subelement(element, "Parameter", "0.0", Name="delay", Role="TriggerDelay", Unit=units.time)
    subelement(element, "Parameter", expressions.infix(event.getTrigger().getMath()), Name="triggerFunction",
               Role="GeneralTriggerFunction", Unit="1")
    for assignment in event.getListOfEventAssignments():
        subelement(element, "EventAssignment", event_value(assignment, expressions), Variable=assignment.getVariable())


def simulation(plan) -> ET.Element:
    """A time course from 0 to the plan's ``until`` (min), output at its ``points``, on
    VCell's stiff solver (CVODE, or IDA if the mathematics has fast systems)."""
    element = ET.Element("Simulation", {"Name": SIMULATION})
    task = subelement(element, "SolverTaskDescription", TaskType="Unsteady", UseSymbolicJacobian="false",
                      Solver=SOLVER)
    subelement(task, "TimeBound", StartTime="0.0", EndTime=number(plan.until))
    subelement(task, "TimeStep", DefaultTime="0.1", MinTime="1.0E-8", MaxTime=number(min(1.0, plan.until)))
    subelement(task, "ErrorTolerance", Absolut=number(TOLERANCE), Relative=number(TOLERANCE))
    subelement(task, "OutputOptions", OutputTimeStep=number(plan.until / (plan.points - 1)))
    subelement(task, "NumberProcessors", "1")
    subelement(element, "MathOverrides")
    return element


class _Units:
    """The model's units as VCell writes them (``molecules``, ``um3``, ``min``, ``molecules.um-3``)."""

    def __init__(self, model: libsbml.Model):
        self.model = model
        self.substance = self.symbol(model.getExtentUnits())
        self.volume = self.symbol(model.getCompartment(0).getUnits())
        self.time = self.symbol(model.getTimeUnits())
        self.concentration = _written(self.powers(model.getExtentUnits())
                                      + self.powers(model.getCompartment(0).getUnits(), -1))

    def symbol(self, sid: str) -> str:
        """VCell's symbol for an SBML unit (``molecules-1.min-1``); "1" for dimensionless."""
        return _written(self.powers(sid))

    def powers(self, sid: str, sign: int = 1) -> list[tuple[str, float]]:
        """An SBML unit as VCell units and their powers: ``fL`` is ``[("um", 3)]``."""
        if not sid or sid == "dimensionless":
            return []
        definition = self.model.getUnitDefinition(sid)
        found = []
        for unit in list(definition.getListOfUnits()) if definition else [self._builtin(sid)]:
            key = (unit.getKind(), unit.getScale(), float(unit.getMultiplier()))
            if key not in UNIT_SYMBOLS:
                raise FormatRefused(f"VCML: unit '{sid}' ({libsbml.UnitKind_toString(unit.getKind())}, scale "
                                    f"{unit.getScale()}, multiplier {unit.getMultiplier():g}) has no VCell symbol here")
            base, power = UNIT_SYMBOLS[key]
            if base:
                found.append((base, sign * power * unit.getExponentAsDouble()))
        return found

    def _builtin(self, sid: str) -> libsbml.Unit:
        """A built-in SBML unit (``item``, ``second``) as a Unit."""
        kind = libsbml.UnitKind_forName(sid)
        if kind == libsbml.UNIT_KIND_INVALID:
            raise FormatRefused(f"VCML: unknown unit '{sid}'")
        unit = libsbml.Unit(self.model.getLevel(), self.model.getVersion())
        unit.setKind(kind), unit.setExponent(1), unit.setScale(0), unit.setMultiplier(1.0)
        return unit


def _written(powers: list[tuple[str, float]]) -> str:
    """``[("molecules", 1), ("um", -3)]`` as ``molecules.um-3``; nothing as "1"."""
    return ".".join(base + ("" if power == 1 else f"{power:g}") for base, power in powers) or "1"
