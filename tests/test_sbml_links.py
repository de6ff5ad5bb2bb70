"""Database links in the SBML: a guest gene's RNA and protein species carry MIRIAM CV terms to
identifiers.org, from what the GenBank file says of the gene, and libsbml finds nothing wrong."""
import libsbml
import pytest
from Bio import SeqIO

from bioxen.backend.compile import compile_design
from bioxen.backend.sbml import diagnostics, identifiers_link
from bioxen.frontend import read_design
from conftest import write_policy, write_synthetic_genbank

ACCESSION = "ZZ000001.1"          # INSDC-shaped (two letters, six digits, version)


def _annotated_genbank(path):
    """The synthetic genome under an INSDC-shaped accession, each CDS with a /protein_id."""
    record = SeqIO.read(write_synthetic_genbank(path), "genbank")
    record.id, record.name = ACCESSION, ACCESSION.split(".")[0]
    for n, feature in enumerate(f for f in record.features if f.type == "CDS"):
        feature.qualifiers["protein_id"] = [f"QZX{n + 1:05d}.1"]
    SeqIO.write(record, path, "genbank")
    return path


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    directory = tmp_path_factory.mktemp("links")
    genome = _annotated_genbank(directory / "ZZ000001.gb")
    policy = write_policy(directory / "links.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genome.name}, genetic_code: recode, ribosomes: {{share: 0.2}}}}
""")
    build = compile_design(read_design(policy))
    return libsbml.readSBMLFromString(libsbml.writeSBMLToString(build.sbml))


def _links(species) -> dict[str, list[str]]:
    """A species' CV terms: biological qualifier name -> resources."""
    found = {}
    for i in range(species.getNumCVTerms()):
        term = species.getCVTerm(i)
        name = libsbml.BiolQualifierType_toString(term.getBiologicalQualifierType())
        found[name] = [term.getResourceURI(j) for j in range(term.getNumResources())]
    return found


def test_a_protein_is_its_ncbi_protein_record_and_its_mrna_encodes_it(document):
    model = document.getModel()
    genome = f"https://identifiers.org/insdc:{ACCESSION}"
    protein = "https://identifiers.org/ncbiprotein:QZX00001.1"       # SYN_0001's /protein_id
    assert _links(model.getSpecies("protein_vm1_SYN__0001")) == {"is": [protein], "isEncodedBy": [genome]}
    assert _links(model.getSpecies("mRNA_vm1_SYN__0001")) == {"encodes": [protein], "isEncodedBy": [genome]}
    assert _links(model.getSpecies("protein_vm1_SYN__0002"))["is"] == ["https://identifiers.org/ncbiprotein:QZX00002.1"]
    assert _links(model.getSpecies("RNA_vm1_SYN__T001")) == {"isEncodedBy": [genome]}   # a tRNA: no protein
    # complexes and the host's species name no gene of the genome file
    assert _links(model.getSpecies("mRNA_vm1_SYN__0001__ribosome")) == {}
    assert _links(model.getSpecies("energy")) == {}


def test_linked_species_carry_metaids_and_libsbml_reports_nothing(document):
    model = document.getModel()
    linked = [s for s in model.getListOfSpecies() if s.getNumCVTerms()]
    assert len(linked) >= 12 and all(s.getMetaId() == f"meta_{s.getId()}" for s in linked)
    errors = diagnostics(document)
    assert [f"{e.getSeverityAsString()} {e.getErrorId()}: {e.getShortMessage()}" for e in errors] == []


def test_links_are_made_only_for_identifiers_their_namespace_accepts():
    assert identifiers_link("ncbiprotein", "AVX54569.1") == "https://identifiers.org/ncbiprotein:AVX54569.1"
    assert identifiers_link("insdc", "CP016816.2") == "https://identifiers.org/insdc:CP016816.2"
    assert identifiers_link("insdc", "SYN00001.1") is None          # a synthetic record's name
    assert identifiers_link("ncbiprotein", None) is None
    assert identifiers_link("ncbiprotein", "bad id") is None
