"""bioxen.backend.sbml.sbml_bytes: libsbml's own text of a document, through its C writer."""
from __future__ import annotations

import libsbml

from bioxen.backend import sbml


def _document() -> libsbml.SBMLDocument:
    doc = libsbml.SBMLDocument(3, 2)
    model = doc.createModel()
    model.setId("m")
    compartment = model.createCompartment()
    compartment.setId("cell"), compartment.setConstant(True), compartment.setSize(1)
    species = model.createSpecies()
    species.setId("s"), species.setName("σ-factor µM 5′ UTR"), species.setCompartment("cell")
    species.setHasOnlySubstanceUnits(True), species.setBoundaryCondition(False), species.setConstant(False)
    species.setInitialAmount(3)
    return doc


def test_the_c_writer_gives_the_bindings_text_byte_for_byte():
    assert sbml._c_writer() is not None     # exported by the libsbml this project installs
    doc = _document()
    text = sbml.sbml_bytes(doc)
    assert text == libsbml.writeSBMLToString(doc).encode("utf-8")
    assert "σ-factor µM 5′ UTR" in text.decode("utf-8")
    again = libsbml.readSBMLFromString(text.decode("utf-8"))
    assert again.getNumErrors() == 0 and again.getModel().getSpecies("s").getName() == "σ-factor µM 5′ UTR"


def test_without_the_c_writer_the_binding_writes_the_same(monkeypatch):
    doc = _document()
    expected = sbml.sbml_bytes(doc)
    monkeypatch.setattr(sbml, "_c_writer", lambda: None)
    assert sbml.sbml_bytes(doc) == expected


def test_a_document_many_times_over_frees_each_buffer():
    """Each call frees libsbml's buffer (util_free): 200 writes of a 1,000-species document
    leave the process's resident memory within a few MB of one write's."""
    doc = _document()
    model = doc.getModel()
    for i in range(1000):
        clone = model.getSpecies("s").clone()
        clone.setId(f"s{i}")
        model.addSpecies(clone)
    size = len(sbml.sbml_bytes(doc))

    def resident() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096

    sbml.sbml_bytes(doc)
    before = resident()
    for _ in range(200):
        sbml.sbml_bytes(doc)
    assert resident() - before < 10 * size, (resident() - before, size)
