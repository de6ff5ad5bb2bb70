"""SBML Level 3 Version 2 emitter.

PySB's exporter turns the expanded network into SBML; this module then gives
species, observables and reactions readable identifiers, declares model units
(molecules per cell, minutes), and annotates every species and reaction with the
locus tags it stands for.
"""
from __future__ import annotations

import re

import libsbml
from pysb.export.sbml import SbmlExporter

from bioxen.backend.network import species_id
from bioxen.errors import CompileError
from bioxen.names import mangle

ANNOTATION_NS = "https://bioxen.dev/ns/annotation/1"


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}_{n}"
    used.add(candidate)
    return candidate


def _units(model: libsbml.Model) -> None:
    minute = model.createUnitDefinition()
    minute.setId("minute")
    unit = minute.createUnit()
    unit.setKind(libsbml.UNIT_KIND_SECOND)
    unit.setExponent(1), unit.setScale(0), unit.setMultiplier(60)
    model.setTimeUnits("minute")
    model.setSubstanceUnits("item")
    model.setExtentUnits("item")


def _annotate(element, tags: tuple[str, ...], kind: str) -> None:
    if not tags:
        return
    xml = (f'<bioxen:origin xmlns:bioxen="{ANNOTATION_NS}" kind="{kind}" '
           f'locus_tags="{" ".join(tags)}"/>')
    element.appendAnnotation(xml)


def network_ids(model) -> tuple[list[str], list[str]]:
    """Identifiers of species and (bidirectional) reactions, in network order."""
    used: set[str] = set()
    species = [_unique(species_id(cp), used) for cp in model.species]
    reactions = [_unique(mangle("__".join(r["rule"])), used) for r in model.reactions_bidirectional]
    return species, reactions


def _renamed(text: str, species_ids: list[str], observables: list[str], reaction_ids: list[str]) -> str:
    """Replace PySB's positional ids (__s3, __obs1, r7) by readable ones, everywhere."""
    def token(prefix: str, names: list[str]):
        pattern = re.compile(rf"(?<![A-Za-z0-9_]){prefix}(\d+)(?![A-Za-z0-9_])")
        return lambda t: pattern.sub(lambda m: names[int(m.group(1))], t)
    text = token("__s", species_ids)(text)
    text = token("__obs", observables)(text)
    text = re.sub(r'<reaction id="r(\d+)"', lambda m: f'<reaction id="{reaction_ids[int(m.group(1))]}"', text)
    return text.replace('id="default"', 'id="cell"').replace('compartment="default"', 'compartment="cell"')


def to_sbml(builder, species_ids: list[str], reaction_ids: list[str]) -> libsbml.SBMLDocument:
    model = builder.model
    text = libsbml.writeSBMLToString(SbmlExporter(model).convert())
    text = _renamed(text, species_ids, [o.name for o in model.observables], reaction_ids)
    doc = libsbml.readSBMLFromString(text)
    sbml = doc.getModel()
    sbml.setId(model.name)
    for i, sid in enumerate(species_ids):
        _annotate(sbml.getSpecies(sid), builder.species_tags(model.species[i]), "species")
    for i, rid in enumerate(reaction_ids):
        tags = tuple(t for rule in model.reactions_bidirectional[i]["rule"]
                     for t in builder.rule_tags.get(rule, ()))
        _annotate(sbml.getReaction(rid), tags, "reaction")
    _units(sbml)
    return doc


def check_consistency(doc: libsbml.SBMLDocument) -> list[str]:
    """libsbml's consistency errors (not warnings), as text."""
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, False)
    doc.checkConsistency()
    return [doc.getError(i).getMessage() for i in range(doc.getNumErrors())
            if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


def write_sbml(doc: libsbml.SBMLDocument, path) -> None:
    errors = check_consistency(doc)
    if errors:
        raise CompileError(f"generated SBML has {len(errors)} consistency errors; first: {errors[0]}")
    if not libsbml.writeSBMLToFile(doc, str(path)):
        raise CompileError(f"cannot write SBML to {path}")
