"""VCell: model.vcml opens in VCell (libvcell) with no unit warnings, its mathematics is the one
VCell generates, its time course runs in VCell's ODE solver as written and matches
libRoadRunner; VCell's SBML importer also accepts model.xml."""
import random
import re
import time
from xml.etree import ElementTree as ET

import libsbml
import numpy as np
import pytest
import roadrunner

from bioxen.backend.compile import compile_design, write_build
from bioxen.backend.formats import FormatRefused
from bioxen.backend.vcell import SIMULATION, VCML_NS, vcml_text, write_vcml
from bioxen.frontend import read_design
from bioxen.ir import SimulationPlan
from bioxen.rules.ribosome_gate import gate_name
from conftest import write_policy, write_synthetic_genbank

UNTIL = 60.0
NS = f"{{{VCML_NS}}}"
RESERVED_CONSTANTS = {"KMOLE", "K_millivolts_per_volt", "_F_", "_F_nmol_", "_K_GHK_", "_N_pmol_", "_PI_", "_R_", "_T_"}


@pytest.fixture(scope="module")
def paused(tmp_path_factory):
    """One guest gene, paused at 30 min (an event): its build with model.xml and model.vcml."""
    directory = tmp_path_factory.mktemp("vcell")
    genome = write_synthetic_genbank(directory / "SYN00002.1.gb", genes=1)
    policy = write_policy(directory / "one.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
control:
  - {{at: 30 min, command: PAUSE_VM, vm: vm1}}
simulate: {{until: {UNTIL:g} min, points: 61}}
""")
    build = compile_design(read_design(policy))
    return build, write_build(build, directory / "build", formats=["vcml"])


def _read_ida(path):
    lines = path.read_text().splitlines()
    header = lines[0].split(":")
    return header, np.array([[float(x) for x in line.split()] for line in lines[1:]])


def _against_roadrunner(sbml: str, header, vcell) -> tuple[list[str], np.ndarray, float]:
    """The species VCell reports, their time courses in VCell, and the worst relative
    difference from libRoadRunner's at VCell's times."""
    rr = roadrunner.RoadRunner(sbml)
    rr.getIntegrator().setValue("relative_tolerance", 1e-10)
    rr.getIntegrator().setValue("absolute_tolerance", 1e-10)
    species = [name for name in header[1:] if name in rr.model.getFloatingSpeciesIds()]
    assert len(species) == len(rr.model.getFloatingSpeciesIds())
    ours = np.asarray(rr.simulate(0, float(vcell[-1, 0]), len(vcell), ["time"] + species))
    theirs = vcell[:, [header.index(name) for name in species]]
    assert np.allclose(vcell[:, 0], ours[:, 0])
    scale = np.maximum(np.abs(ours[:, 1:]).max(axis=0), 1e-6)
    return species, theirs, float((np.abs(theirs - ours[:, 1:]) / scale).max())


def test_vcml_runs_in_vcell_as_written_and_matches_roadrunner(paused, tmp_path, capfd):
    import libvcell              # the test extras install VCell's converter and ODE solver
    import pyvcell_odesolver

    build, out = paused
    vcml = (out / "model.vcml").read_text()
    task = ET.fromstring(vcml).find(f".//{NS}Simulation[@Name='{SIMULATION}']/{NS}SolverTaskDescription")
    assert task.find(f"{NS}TimeBound").get("EndTime") == "60.0"       # the policy's until (min)
    assert task.find(f"{NS}OutputOptions").get("OutputTimeStep") == "1.0"   # and its 61 points
    ok, message = libvcell.vcml_to_ode_input(vcml, SIMULATION, tmp_path / "vcell")
    assert ok, message
    assert pyvcell_odesolver.solve(str(tmp_path / "vcell" / message.split(";")[0]), str(tmp_path / "run.ida")) == 0
    logged = "".join(capfd.readouterr())
    assert "vcmlToOdeInput" in logged or "Returning" in logged        # VCell's log was captured
    assert "Unit exception" not in logged     # VCell found every expression's units consistent
    header, vcell = _read_ida(tmp_path / "run.ida")
    assert len(vcell) == 61 and vcell[-1, 0] == UNTIL
    species, theirs, worst = _against_roadrunner((out / "model.xml").read_text(), header, vcell)
    print(f"model.vcml in VCell vs libRoadRunner over {len(species)} species: worst {worst:.1e}")
    assert worst < 1e-6
    paused_gate = species.index(gate_name("vm1"))   # the PAUSE event fired in VCell: the gate RNA rises
    assert theirs[-1, paused_gate] > 10 * theirs[29, paused_gate] + 1


def _math(vcml: str) -> dict:
    """A MathDescription's constants, functions, variables, ODEs (rate, initial) and events."""
    math = ET.fromstring(vcml).find(f".//{NS}MathDescription")
    found = {"constants": {}, "functions": {}, "variables": set(), "odes": {}, "events": {}}
    for element in math:
        tag, name = element.tag.removeprefix(NS), element.get("Name")
        if tag == "Constant":
            found["constants"][name] = float(element.text)
        elif tag == "Function":
            found["functions"][name] = element.text
        elif tag == "VolumeVariable":
            found["variables"].add(name)
        elif tag == "CompartmentSubDomain":
            found["odes"] = {o.get("Name"): (o.find(f"{NS}Rate").text, o.find(f"{NS}Initial").text)
                             for o in element.findall(f"{NS}OdeEquation")}
        elif tag == "Event":
            found["events"][name] = {a.get("Variable"): a.text for a in element.findall(f"{NS}EventAssignment")}
    return found


def test_the_written_mathematics_is_the_one_vcell_generates(paused, tmp_path):
    """VCell reads model.vcml and regenerates its mathematics from the BioModel: the same
    variables, constants, functions, ODEs and events, every expression equal in value (VCell's
    own evaluator, all expressions at random symbol values in one sum of squared differences)."""
    import libvcell

    _, out = paused
    ours = _math((out / "model.vcml").read_text())
    ok, message = libvcell.vcml_to_vcml((out / "model.vcml").read_text(), tmp_path / "regenerated.vcml")
    assert ok, message
    theirs = _math((tmp_path / "regenerated.vcml").read_text())
    assert ours["variables"] == theirs["variables"] and ours["odes"].keys() == theirs["odes"].keys()
    assert set(theirs["constants"]) - set(ours["constants"]) == RESERVED_CONSTANTS
    assert ours["constants"] == {name: theirs["constants"][name] for name in ours["constants"]}
    assert ours["functions"].keys() == theirs["functions"].keys() and ours["events"] == theirs["events"]
    pairs = [(ours["functions"][n], theirs["functions"][n]) for n in ours["functions"]]
    pairs += [pair for n in ours["odes"] for pair in zip(ours["odes"][n], theirs["odes"][n])]
    symbols = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", " ".join(a + " " + b for a, b in pairs)))
    rng = random.Random(17)
    values = {s: rng.uniform(0.5, 2.0) for s in symbols - {"pow", "log", "exp", "abs", "min", "max"}}
    difference = libvcell.evaluate_expression(" + ".join(f"pow(({a}) - ({b}), 2)" for a, b in pairs), values)
    size = libvcell.evaluate_expression(" + ".join(f"pow({a}, 2)" for a, _ in pairs), values)
    assert len(pairs) > 100 and difference <= 1e-20 * size


def test_vcell_reports_a_unit_mistake_so_none_is_missed(paused, tmp_path, capfd):
    """The control for the unit checks above: a bimolecular rate constant given first-order
    units makes VCell log a unit exception for its reaction."""
    import libvcell

    build, _ = paused
    document = build.sbml.clone()
    document.getModel().getParameter("kb_host_r").setUnits("per_minute")
    capfd.readouterr()
    ok, message = libvcell.vcml_to_vcml(vcml_text(document.getModel(), build.design.simulation),
                                         tmp_path / "wrong.vcml")
    assert ok, message
    logged = "".join(capfd.readouterr())
    assert "Unit exception" in logged and "kb_host_r" in logged


def test_vcml_refuses_what_it_cannot_hold(tmp_path):
    document = libsbml.readSBMLFromString(
        "<sbml xmlns='http://www.sbml.org/sbml/level3/version2/core' level='3' version='2'><model id='m'>"
        "<listOfFunctionDefinitions><functionDefinition id='f'><math xmlns='http://www.w3.org/1998/Math/MathML'>"
        "<lambda><bvar><ci>x</ci></bvar><ci>x</ci></lambda></math></functionDefinition></listOfFunctionDefinitions>"
        "<listOfCompartments><compartment id='cell' size='1' constant='true'/>"
        "<compartment id='outside' size='1' constant='true'/></listOfCompartments></model></sbml>")
    with pytest.raises(FormatRefused, match="function definitions, more than one compartment"):
        write_vcml(document, tmp_path / "model.vcml", SimulationPlan(60.0, 61, "ode", None))
    assert not (tmp_path / "model.vcml").exists()


@pytest.mark.slow
def test_vcells_sbml_importer_accepts_model_xml_and_solves_it_like_roadrunner(paused, tmp_path):
    """model.xml itself opens in VCell (its SBML importer) and simulates, events included."""
    import libvcell
    import pyvcell_odesolver

    _, out = paused
    sbml = (out / "model.xml").read_text()
    ok, message = libvcell.sbml_to_ode_input(sbml, tmp_path / "vcell", UNTIL, 1.0)
    assert ok, message
    assert pyvcell_odesolver.solve(str(tmp_path / "vcell" / message), str(tmp_path / "vcell.ida")) == 0
    header, vcell = _read_ida(tmp_path / "vcell.ida")
    species, theirs, worst = _against_roadrunner(sbml, header, vcell)
    print(f"VCell (SBML import) vs libRoadRunner over {len(species)} species and {len(vcell)} times: worst {worst:.1e}")
    assert worst < 1e-4
    paused_gate = species.index(gate_name("vm1"))
    assert theirs[-1, paused_gate] > 10 * theirs[29, paused_gate] + 1


def test_vcml_is_written_in_seconds(paused, tmp_path):
    """VCell's SBML importer took 18.7 s for this model's 101 reactions (quadratic in them)."""
    build, _ = paused
    start = time.perf_counter()
    write_vcml(build.sbml, tmp_path / "model.vcml", build.design.simulation)
    assert time.perf_counter() - start < 5
