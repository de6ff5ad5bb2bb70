"""VCell: its SBML converter (libvcell) accepts model.xml and its ODE solver matches libRoadRunner."""
import numpy as np
import roadrunner

from bioxen.backend.compile import compile_design, write_build
from bioxen.frontend import read_design
from conftest import write_policy, write_synthetic_genbank

UNTIL = 60.0


def _read_ida(path):
    lines = path.read_text().splitlines()
    header = lines[0].split(":")
    return header, np.array([[float(x) for x in line.split()] for line in lines[1:]])


def test_vcell_converts_and_solves_the_model_like_roadrunner(tmp_path):
    import libvcell            # the test extras install VCell's converter and ODE solver
    import pyvcell_odesolver

    genome = write_synthetic_genbank(tmp_path / "SYN00002.1.gb", genes=1)
    policy = write_policy(tmp_path / "one.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
control:
  - {{at: 30 min, command: PAUSE_VM, vm: vm1}}
simulate: {{until: {UNTIL:g} min, points: 61}}
""")
    out = write_build(compile_design(read_design(policy)), tmp_path / "build", formats=["sbml"])
    sbml = (out / "model.xml").read_text()
    ok, message = libvcell.sbml_to_ode_input(sbml, tmp_path / "vcell", UNTIL, 1.0)
    assert ok, message
    assert pyvcell_odesolver.solve(str(tmp_path / "vcell" / message), str(tmp_path / "vcell.ida")) == 0
    header, vcell = _read_ida(tmp_path / "vcell.ida")
    rr = roadrunner.RoadRunner(sbml)
    rr.getIntegrator().setValue("relative_tolerance", 1e-10)
    rr.getIntegrator().setValue("absolute_tolerance", 1e-10)
    species = [name for name in header[1:] if name in rr.model.getFloatingSpeciesIds()]
    assert len(species) == len(rr.model.getFloatingSpeciesIds())
    ours = np.asarray(rr.simulate(0, UNTIL, len(vcell), ["time"] + species))
    theirs = vcell[:, [header.index(name) for name in species]]
    assert np.allclose(vcell[:, 0], ours[:, 0])
    scale = np.maximum(np.abs(ours[:, 1:]).max(axis=0), 1e-6)
    worst = float((np.abs(theirs - ours[:, 1:]) / scale).max())
    print(f"VCell vs libRoadRunner over {len(species)} species and {len(vcell)} times: worst {worst:.1e}")
    assert worst < 1e-4
    paused = species.index("sRNA_vm1")   # the PAUSE event fired in VCell too: the gate sRNA rises
    assert theirs[-1, paused] > 10 * theirs[29, paused] + 1


def test_vcml_format_is_written_by_vcells_importer(tmp_path):
    genome = write_synthetic_genbank(tmp_path / "SYN00002.1.gb", genes=1)
    policy = write_policy(tmp_path / "one.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode}}
""")
    out = write_build(compile_design(read_design(policy)), tmp_path / "build", formats=["vcml"])
    vcml = (out / "model.vcml").read_text()
    assert "<vcml" in vcml.lower() and "protein_vm1_SYN__0001" in vcml
