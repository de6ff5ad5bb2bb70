"""Context switches: the ribosome gate (default) against the sRNA gate on mRNAs, and both.

Behaviour on a small synthetic two-VM design (fast), and the targets on the three-Syn3A design
(slow). What each mechanism achieves and why is docs/virtualization.md, "Context switch:
mechanisms and the physical limit"."""
from dataclasses import replace

import libsbml
import pytest

from bioxen.backend.compile import compile_design, outputs_spec
from bioxen.frontend import read_design
from bioxen.passes.parameterize import parameterize
from bioxen.passes.isolate import isolate
from bioxen.passes.select_genes import select_genes
from bioxen.report.metrics import compute
from bioxen.runtime.simulate import Outputs, simulate_sbml
from conftest import ROOT, two_vm_policy

pytestmark = pytest.mark.slow   # every test here shares a compiled, simulated design (the fast tier skips it)

SWITCH = """control:
  - {at: 200 min, command: PAUSE_VM, vm: vm2}
  - {at: 260 min, command: RESUME_VM, vm: vm2}"""


def _two_vms(tmp_path, genome, gate: str | None, control: str = SWITCH):
    return two_vm_policy(tmp_path / f"two_{gate}.yaml", genome, 300, 601, control, gate=gate)


def _run(policy):
    build = compile_design(read_design(policy))
    spec = outputs_spec(build)
    table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs.from_spec(spec), 300, 601)
    return build, compute(table, spec), table


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The two-VM design paused and resumed under each mechanism (the default is the ribosome gate)."""
    from conftest import write_synthetic_genbank
    directory = tmp_path_factory.mktemp("switch")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    return {gate or "default": _run(_two_vms(directory, genome, gate)) for gate in (None, "mrna", "both")}


@pytest.mark.slow
def test_the_default_gate_holds_the_pool_and_the_old_gate_stays_selectable(runs):
    monomers = {gate: {m.name for m in build.builder.model.monomers} for gate, (build, _, _) in runs.items()}
    assert {"gate_vm1", "gate_vm2"} <= monomers["default"] and not {"sRNA_vm1", "sRNA_vm2"} & monomers["default"]
    assert {"sRNA_vm1", "sRNA_vm2"} <= monomers["mrna"] and not {"gate_vm1", "gate_vm2"} & monomers["mrna"]
    assert {"gate_vm2", "sRNA_vm2"} <= monomers["both"]
    # a held o-ribosome neither translates nor is free: growth and energy use do not count it
    observables = runs["default"][0].builder.model.observables
    not_translating = {str(cp) for cp in observables["ribosomes_not_translating"].reaction_pattern.complex_patterns}
    for vm in ("vm1", "vm2"):
        assert str(observables[f"{vm}_pool_blocked"].reaction_pattern.complex_patterns[0]) in not_translating


def test_the_ribosome_gate_pauses_and_resumes_in_minutes_and_faster_than_the_srna_gate(runs):
    switches = {gate: metrics["context_switch_min"] for gate, (_, metrics, _) in runs.items()}
    print({gate: (s["pause"], s["resume"]) for gate, s in switches.items()})
    ribosome, mrna = switches["default"], switches["mrna"]
    assert ribosome["pause"] is not None and ribosome["pause"] <= 5          # measured 3.0 min
    assert ribosome["resume"] is not None and ribosome["resume"] <= 10       # measured 7.0 min
    assert mrna["pause"] is not None and mrna["pause"] > 2 * ribosome["pause"]
    assert mrna["resume"] is None or mrna["resume"] > 2 * ribosome["resume"]   # the sRNA gate's pool regrows


def test_a_paused_pool_stays_assembled(runs):
    """Under the ribosome gate the paused VM's o-ribosomes are held, not free, so they do not
    disassemble: the VM's pool after an hour's pause is as large as before it; under the sRNA
    gate they come free, disassemble and the pool shrinks."""
    def pool_left(table):
        before = table[table.time_min <= 200].iloc[-1]
        paused = table[table.time_min <= 260].iloc[-1]
        return paused.vm2_ribosomes_translating, before.vm2_ribosomes_translating

    _, _, ribosome = runs["default"]
    _, _, mrna = runs["mrna"]
    assert pool_left(ribosome)[0] < 0.15 * pool_left(ribosome)[1]      # paused: few o-ribosomes translate
    after = ribosome[ribosome.time_min >= 285].vm2_ribosomes_translating.mean()
    assert after > 0.9 * pool_left(ribosome)[1]                        # resumed: the same pool is back
    assert mrna[mrna.time_min >= 285].vm2_ribosomes_translating.mean() < after


def test_the_gate_promoters_are_sized_by_the_parts_library(tmp_path, synthetic_genbank):
    design = read_design(_two_vms(tmp_path, synthetic_genbank, None, control=""))
    base = parameterize(isolate(select_genes(design)))
    q = dict(design.parts.ribosome_gate)
    q["excess"] = replace(q["excess"], value=2 * q["excess"].value)
    doubled = parameterize(isolate(select_genes(replace(design, parts=replace(design.parts, ribosome_gate=q)))))
    for vm, twice in zip(base.vms, doubled.vms):   # the gate left over the anti-gate doubles
        assert vm.antigate_transcription > 0 and twice.antigate_transcription == vm.antigate_transcription
        left = vm.gate_transcription - vm.antigate_transcription
        assert left > 0 and twice.gate_transcription - twice.antigate_transcription == pytest.approx(2 * left)


@pytest.mark.slow
def test_syn3a_three_vms_switch_in_minutes_with_the_old_gate_selectable(shared, tmp_path, monkeypatch):
    """The targets on models/policies/syn3a_three_vms.yaml (subsystem resolution): vm2 paused at
    300 min and resumed at 360 min, under the default gate and under the sRNA gate."""
    from ruamel.yaml import YAML
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    yaml = YAML(typ="safe")
    switches = {}
    for gate in ("ribosome", "mrna"):
        policy = yaml.load(ROOT / "models" / "policies" / "syn3a_three_vms.yaml")
        policy["isolation"]["gate"] = gate
        policy["control"] = [{"at": "300 min", "command": "PAUSE_VM", "vm": "vm2"},
                             {"at": "360 min", "command": "RESUME_VM", "vm": "vm2"}]
        policy["simulate"] = {"until": "380 min", "points": 761, "method": "ode"}
        with open(tmp_path / f"three_{gate}.yaml", "w") as out:
            yaml.dump(policy, out)
        build = compile_design(read_design(tmp_path / f"three_{gate}.yaml"))
        spec = outputs_spec(build)
        table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs.from_spec(spec), 380, 761)
        switches[gate] = compute(table, spec)["context_switch_min"]
    print({gate: (s["pause"], s["resume"]) for gate, s in switches.items()})
    assert switches["ribosome"]["pause"] <= 5       # measured 4.0 min
    assert switches["ribosome"]["resume"] <= 10     # measured 8.0 min
    assert switches["mrna"]["pause"] is not None and switches["mrna"]["pause"] > switches["ribosome"]["pause"]
