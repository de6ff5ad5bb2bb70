"""Clean DESTROY_VM (issue 19): the destroyed VM's proteins are cleared, then its protease, which
carries the VM's degron and is made as a pulse (rules/pulse.py), stops degrading its neighbours."""
import re

import libsbml
import pytest

from bioxen.backend.compile import compile_design, outputs_spec
from bioxen.buildspec import coerce
from bioxen.frontend import read_design
from bioxen.parts import DEFAULT_DIR as PARTS_DIR, load_parts
from bioxen.report.metrics import after_destroy
from bioxen.rules.proteolysis import pulsed
from bioxen.runtime.simulate import Outputs, advance, load_simulator, selections, tabulate
from conftest import ROOT, write_policy, write_synthetic_genbank

NEIGHBOUR_LIMIT = 0.01   # neighbour degradation after DESTROY, per protein the neighbour makes


def _parts(directory, **switches):
    """The shipped parts library with protease design switches set (``self_tagged=0`` ...)."""
    text = (PARTS_DIR / "isolation.yaml").read_text()
    for key, level in switches.items():
        text, found = re.subn(rf"(\n  {key}:\s*\{{value: )[^,]+", rf"\g<1>{level}", text)
        assert found == 1, key
    path = directory / "parts.yaml"
    path.write_text(text)
    return path


def _simulate(policy):
    """The results table of a policy's run, with each VM's protease and pulse repressor levels."""
    build = compile_design(read_design(policy))
    spec = coerce(outputs_spec(build))
    outputs = Outputs.from_spec(spec)
    extra = [f"protease_level_{vm}" for vm in spec.vms]
    if pulsed(build.design.parts.protease):
        extra += [f"pulse_repressor_protease_{vm}_level" for vm in spec.vms]
    selected = selections(outputs)
    plan = build.design.simulation
    data = advance(load_simulator(libsbml.writeSBMLToString(build.sbml), "ode", None), 0, plan.until,
                   plan.points, selected + extra)
    table = tabulate(data[:, :len(selected)], selected, outputs)
    for i, name in enumerate(extra):
        table[name] = data[:, len(selected) + i]
    return table, spec


def _two_vms(directory, parts="isolation"):
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    return write_policy(directory / "two.yaml", f"""
schema_version: 1
isolation: {{parts: {parts}}}
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
control: [{{at: 300 min, command: DESTROY_VM, vm: vm2}}]
simulate: {{until: 600 min, points: 301}}
""")


@pytest.fixture(scope="module")
def destroyed(tmp_path_factory):
    return _simulate(_two_vms(tmp_path_factory.mktemp("destroy")))


def test_destroy_clears_the_vm_and_spares_its_neighbour(destroyed):
    table, spec = destroyed
    found = after_destroy(table, spec)["vm2"]
    print(f"vm2 cleared in {found['cleared_min']} min; vm1 degraded after: {found['neighbour_degradation']}")
    assert found["cleared_min"] is not None and found["cleared_min"] < 60
    assert found["max_neighbour_degradation"] < NEIGHBOUR_LIMIT


def test_the_protease_pulse_ends_and_the_protease_clears_itself(destroyed):
    table, spec = destroyed
    after = table[table["time_min"] >= 300]
    protease = after["protease_level_vm2"]
    repressor = after["pulse_repressor_protease_vm2_level"]
    print(f"vm2 protease peak {protease.max():.0f}, end {protease.iloc[-1]:.1f}; "
          f"repressor end {repressor.iloc[-1]:.0f}")
    assert protease.iloc[-1] < 0.1 * protease.max()
    K = load_parts().protease["pulse_repressor_K"].value
    assert repressor.iloc[-1] > 2 * K   # the pulse's repressor holds the protease promoter shut


def test_todays_protease_keeps_degrading_the_neighbour(tmp_path):
    """Without self-tagging and pulse (the parts-library switches at 0) the measure fails: it can."""
    table, spec = _simulate(_two_vms(tmp_path, _parts(tmp_path, self_tagged=0, pulse=0)))
    found = after_destroy(table, spec)["vm2"]
    print(f"switches off: vm1 degraded after vm2's DESTROY {found['max_neighbour_degradation']:.3f}")
    assert "pulse_repressor_protease_vm2_level" not in table
    assert found["max_neighbour_degradation"] > 10 * NEIGHBOUR_LIMIT


@pytest.mark.slow
def test_destroying_one_of_three_syn3a_vms_spares_the_others(shared, genome_path, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    text = (ROOT / "models" / "policies" / "syn3a_three_vms.yaml").read_text()
    text = text.replace("simulate:", "control: [{at: 300 min, command: DESTROY_VM, vm: vm3}]\nsimulate:")
    text = re.sub(r"until: .*", "until: 420 min", text)
    table, spec = _simulate(write_policy(tmp_path / "p.yaml", text))
    found = after_destroy(table, spec)["vm3"]
    # vm3's DESTROY sensor (cumate, 8% leak) reaches its protease through a buffer of two NOT gates
    # (bioxen.passes.wiring): the pulse starts once the second repressor has cleared
    protease = table["protease_level_vm3"]
    rest = float(protease[table["time_min"] <= 300].iloc[-1])
    start = float(table["time_min"][(table["time_min"] >= 300) & (protease > 3 * rest + 10)].iloc[0]) - 300
    print(f"vm3 cleared in {found['cleared_min']:.0f} min (pulse from {start:.0f} min); "
          f"after: {found['neighbour_degradation']}")
    assert start < 60 and found["cleared_min"] - start < 60
    assert found["max_neighbour_degradation"] < NEIGHBOUR_LIMIT
