"""Virtual membranes (issue 21, item 3): a VM whose proteins are held in encapsulin shells.

Two synthetic VMs: vm1's proteins carry the targeting peptide and are taken into encapsulin
shells its own ribosomes make; vm2 has none. Behaviour is read from libRoadRunner on model.xml
(and BNG2.pl on model.bngl); the SBML is opened in COPASI (basico) and VCell (its SBML importer).
"""
import libsbml
import pytest
import roadrunner
from Bio import SeqIO

from bioxen.backend.compile import compile_design, write_build
from bioxen.buildspec import read_spec
from bioxen.errors import PolicyError
from bioxen.frontend import read_design
from bioxen.report.metrics import compute
from bioxen.runtime.engines import simulate
from bioxen.runtime.simulate import simulate_build
from conftest import assert_same_columns, write_policy, write_synthetic_genbank

UNTIL = 600.0
POLICY = """schema_version: 1
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.1}}{shell}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.1}}}}
control:
  - {{at: {at:g} min, command: DESTROY_VM, vm: {destroyed}}}
simulate: {{until: {until:g} min, points: {points}}}
"""
SHELL = ", compartment: {shell: encapsulin, max_leak: 0.05}"


def _compile(directory, destroyed: str = "vm1", shell: str = SHELL, at: float = 400.0):
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    policy = write_policy(directory / "p.yaml", POLICY.format(genome=genome.name, shell=shell, destroyed=destroyed,
                                                               at=at, until=UNTIL, points=int(UNTIL) + 1))
    build = compile_design(read_design(policy))
    return build, write_build(build, directory / "build")


@pytest.fixture(scope="module")
def shells(tmp_path_factory):
    """vm1 in shells, destroyed at 400 min; compiled once, simulated once (libRoadRunner)."""
    build, out = _compile(tmp_path_factory.mktemp("shells"))
    return build, out, simulate_build(out, UNTIL, int(UNTIL) + 1)


def test_leak_stays_below_the_stated_bound(shells):
    """metrics.json `compartment`: under 5% of vm1's proteins (the policy's max_leak) stay outside
    its shells while it runs; the shells hold the rest."""
    _, out, table = shells
    found = compute(table, read_spec(out))["compartment"]
    assert set(found) == {"vm1"}
    entry = found["vm1"]
    assert entry["max_leak"] == 0.05 and entry["within_bound"] and entry["leak_max"] < 0.05
    assert entry["encapsulated_mean"] > 1000 and entry["shell_units_per_protein"] >= 1
    rows = table.set_index("time_min")
    assert rows.loc[390.0, "vm1_encapsulated"] > 0.95 * rows.loc[390.0, "vm1_protein_total"]


def test_destroy_opens_the_shells_and_clears_the_vm(shells):
    """DESTROY_VM at 400 min: vm1's protease degrades its shells (their protein ends in vm1's
    degron) with the cargo in them: under 1% of vm1's proteins are left 60 min later; vm2's stay."""
    rows = shells[2].set_index("time_min")
    assert rows.loc[460.0, "vm1_protein_total"] < 0.01 * rows.loc[399.0, "vm1_protein_total"]
    assert rows.loc[460.0, "vm1_shell_units"] < 0.01 * rows.loc[399.0, "vm1_shell_units"]
    assert rows.loc[460.0, "vm2_protein_total"] >= 0.9 * rows.loc[399.0, "vm2_protein_total"]


def test_sbml_has_the_lumen_compartment_with_units(shells):
    """model.xml is valid SBML L3V2 with consistent units, a compartment lumen_vm1 (fL) beside the
    cell, and every encapsulated species in it (nothing of vm2's)."""
    _, out, _ = shells
    doc = libsbml.readSBMLFromFile(str(out / "model.xml"))
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    assert doc.checkConsistency() == 0, [doc.getError(i).getMessage() for i in range(doc.getNumErrors())]
    model = doc.getModel()
    compartments = {c.getId(): c for c in model.getListOfCompartments()}
    assert set(compartments) == {"cell", "lumen_vm1"}
    assert compartments["lumen_vm1"].getUnits() == compartments["cell"].getUnits()
    inside = [s.getId() for s in model.getListOfSpecies() if s.getCompartment() == "lumen_vm1"]
    assert inside and all("_lumen" in s for s in inside) and not any("vm2" in s for s in inside)
    assert all("_lumen" not in s.getId() for s in model.getListOfSpecies() if s.getCompartment() == "cell")


def test_copasi_loads_both_compartments_and_agrees(shells):
    """COPASI (basico) reads model.xml with its two compartments; the molecules in the lumen at
    120 min are libRoadRunner's."""
    import basico

    _, out, _ = shells
    model = basico.load_model(str(out / "model.xml"))
    assert len(basico.get_compartments(model=model)) == 2
    course = basico.run_time_course(duration=120, intervals=12, model=model, use_numbers=True)
    inside = sum(course[c].iloc[-1] for c in course.columns if "_lumen" in c)
    rr = roadrunner.RoadRunner(str(out / "model.xml"))
    reference = rr.simulate(0, 120, 13, ["time", "vm1_encapsulated"])[-1, 1]
    assert inside == pytest.approx(reference, rel=1e-3)


@pytest.mark.slow
def test_vcell_imports_the_compartments(tmp_path):
    """VCell's SBML importer (libvcell) accepts a one-gene VM in shells, the lumen a compartment of
    its own, and its ODE solver runs it over the policy's hour, the lumen's species included. (Its trajectories
    of the lumen's molecules differ from the SBML's: the importer reads amounts in a compartment
    smaller than 1 um3 as concentrations; docs/virtualization.md "Virtual membranes".)"""
    import libvcell
    import pyvcell_odesolver
    from test_vcell import _read_ida

    genome = write_synthetic_genbank(tmp_path / "SYN00002.1.gb", genes=1)
    policy = write_policy(tmp_path / "p.yaml", f"schema_version: 1\nvms:\n  - {{id: vm1, genome: {genome.name}, "
                                               "genetic_code: recode, ribosomes: {share: 0.15}" + SHELL + "}\n"
                                               "simulate: {until: 60 min, points: 61}\n")
    out = write_build(compile_design(read_design(policy)), tmp_path / "build", formats=("sbml",))
    ok, message = libvcell.sbml_to_ode_input((out / "model.xml").read_text(), tmp_path / "vcell", 60.0, 1.0)
    assert ok, message
    assert pyvcell_odesolver.solve(str(tmp_path / "vcell" / message), str(tmp_path / "vcell.ida")) == 0
    header, vcell = _read_ida(tmp_path / "vcell.ida")
    assert len(vcell) == 61 and any(name.endswith("_lumen") for name in header)


@pytest.mark.slow
def test_bng2_matches_roadrunner_with_shells(shells):
    """BNG2.pl (model.bngl: its own network and ODE) gives libRoadRunner's table within 0.1%,
    DESTROY included (the cleared VM's proteins fall five orders of magnitude in 30 min, where the
    two solvers' tolerances part by up to 3e-4 of the value)."""
    _, out, reference = shells
    table = simulate(out, UNTIL, int(UNTIL) + 1, engine="bng")
    assert_same_columns(table, reference, ("growth_rate_per_min", "vm1_protein_total", "vm1_encapsulated",
                                           "vm1_shell_units", "vm2_protein_total"), rtol=1e-3)


def test_images_list_the_shell_and_the_targeting_peptide(shells):
    """hypervisor.gb has vm1's shell cassette (its CDS not in BioXen's sources: a bill-of-materials
    row of 798 nt) behind vm1's UTR; every vm1 CDS notes the targeting peptide; vm2's do not."""
    _, out, _ = shells
    bom = (out / "bom.csv").read_text()
    assert "hv_vm1_shell,encapsulin shell vm1,CDS,798," in bom and "hv_vm2_shell" not in bom
    for vm, carries in (("vm1", True), ("vm2", False)):
        record = SeqIO.read(out / f"vm_{vm}.gb", "genbank")
        notes = [" ".join(f.qualifiers.get("note", [])) for f in record.features if f.type == "CDS"]
        assert notes and all(("Flp" in n) == carries for n in notes), vm


@pytest.mark.parametrize("compartment, message", [
    ("{shell: carboxysome}", "shell: Input should be 'encapsulin'"),
    ("{shell: encapsulin, max_leak: 1.5}", "max_leak"),
    ("{shell: encapsulin, pores: 4}", "pores"),
])
def test_compartment_policies_are_checked_where_written(tmp_path, compartment, message):
    genome = write_synthetic_genbank(tmp_path / "SYN00001.1.gb")
    policy = write_policy(tmp_path / "p.yaml", f"schema_version: 1\nvms:\n  - {{id: vm1, genome: {genome.name}, "
                                               f"genetic_code: recode, compartment: {compartment}}}\n")
    with pytest.raises(PolicyError) as caught:
        read_design(policy)
    assert message in str(caught.value) and "p.yaml:3" in str(caught.value)
