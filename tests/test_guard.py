"""The ATP guard: when energy runs short, lower-priority VMs give way; essential genes are spared."""
import libsbml
import pytest
import roadrunner

from bioxen.backend.compile import compile_design
from bioxen.errors import CompileError, PolicyError
from bioxen.frontend import read_design
from conftest import write_policy

ESSENTIAL = "[SYN_0001, synB]"  # a locus tag and a gene name


def _policy(tmp_path, genome, guard=True, essential=ESSENTIAL):
    scheduler = "scheduler: {policy: priority, atp_guard: {threshold: 4}}\n" if guard else ""
    return write_policy(tmp_path / f"guard{guard}.yaml", f"""
schema_version: 1
{scheduler}vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, priority: 2, essential: {essential}, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, priority: 1, essential: {essential}, ribosomes: {{share: 0.15}}}}
""")


def _starve(policy):
    """Steady state in the normal medium, then 10 h in a medium with 3% of the nutrient."""
    rr = roadrunner.RoadRunner(libsbml.writeSBMLToString(compile_design(read_design(policy)).sbml))
    rr.simulate(0, 3000, 3)
    before = {vm: rr[f"{vm}_essential_protein"] for vm in ("vm1", "vm2")}
    energy = rr["energy_level"]
    rr["s"] = 0.03 * rr["s"]
    rr.simulate(3000, 3600, 3)
    return {vm: rr[f"{vm}_essential_protein"] / before[vm] for vm in before}, energy, rr["energy_level"]


@pytest.mark.slow
def test_guard_keeps_the_high_priority_vms_essential_protein_when_energy_runs_short(tmp_path, synthetic_genbank):
    guarded, energy, starved = _starve(_policy(tmp_path, synthetic_genbank))
    unguarded, _, _ = _starve(_policy(tmp_path, synthetic_genbank, guard=False))
    print(f"energy {energy:.2f} -> {starved:.2f}; essential protein kept: guarded {guarded}, unguarded {unguarded}")
    assert starved < 4 < energy  # the medium really starves the host below the guard's threshold
    assert guarded["vm1"] >= 0.80
    assert guarded["vm2"] < 0.9 and guarded["vm2"] < guarded["vm1"]
    assert guarded["vm1"] > unguarded["vm1"]  # the guard is what protects it


def test_guard_is_a_genetic_switch_in_the_model(tmp_path, synthetic_genbank):
    model = compile_design(read_design(_policy(tmp_path, synthetic_genbank))).builder.model
    assert "transcription_atp_guard" in model.rules.keys()
    repressed = str(model.expressions["transcription_rate_vm2_SYN__0003"].expr)
    spared = str(model.expressions["transcription_rate_vm2_SYN__0001"].expr)
    leader = str(model.expressions["transcription_rate_vm1_SYN__0003"].expr)
    assert "atp_guard_repression" in repressed
    assert "atp_guard_repression" not in spared and "atp_guard_repression" not in leader


def test_guard_needs_a_threshold_and_known_essential_genes(tmp_path, synthetic_genbank):
    policy = write_policy(tmp_path / "p.yaml", f"""
schema_version: 1
scheduler: {{policy: priority}}
vms:
  - {{id: vm1, genome: {synthetic_genbank}, genetic_code: recode}}
""")
    with pytest.raises(PolicyError, match="scheduler 'priority' needs atp_guard"):
        read_design(policy)
    with pytest.raises(CompileError, match="VM 'vm1': essential genes the genome lacks: lacZ"):
        compile_design(read_design(_policy(tmp_path, synthetic_genbank, essential="[SYN_0001, lacZ]")))
