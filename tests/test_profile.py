"""The profiler (`bioxen profile DIR`): bottlenecks from measured sensitivities, verified suggestions."""
import json

import libsbml
import pytest
from typer.testing import CliRunner

from bioxen.backend.compile import compile_design, outputs_spec
from bioxen.cli import app
from bioxen.frontend import read_design
from bioxen.report.profile import PROFILE_FILE, read_profile
from bioxen.runtime.simulate import Outputs, simulate_sbml
from conftest import write_policy

runner = CliRunner()
RESOURCES = {"pool", "host_ribosomes", "energy", "mrna", "protease"}
STEADY_MIN = 4000         # the two synthetic VMs settle well within this (the profiler's own horizon)


def _two_vms(directory, genome, share1=0.15, nutrient_quality=None, scheduler="",
             simulate="{until: 300 min, points: 31}", name="two.yaml"):
    host = "" if nutrient_quality is None else f"host: {{nutrient_quality: {nutrient_quality}}}"
    return write_policy(directory / name, f"""
schema_version: 1
{host}
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: {share1}}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
{scheduler}
simulate: {simulate}
""")


@pytest.fixture(scope="module")
def profiled(tmp_path_factory):
    from conftest import write_synthetic_genbank
    directory = tmp_path_factory.mktemp("profile")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    out = directory / "out"
    ran = runner.invoke(app, ["run", str(_two_vms(directory, genome)), "-o", str(out)])
    assert ran.exit_code == 0, ran.output
    result = runner.invoke(app, ["profile", str(out)])
    assert result.exit_code == 0, result.output
    return directory, genome, out, result.output


def _steady_flux(policy, vm: str) -> float:
    """The VM's translation flux at steady state, from a fresh compile of ``policy``."""
    build = compile_design(read_design(policy))
    table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs.from_spec(outputs_spec(build)),
                          STEADY_MIN, 3)
    return float(table[f"{vm}_translation_flux"].iloc[-1])


@pytest.mark.slow
def test_each_vm_has_a_bottleneck_from_measured_sensitivities(profiled):
    _, _, out, output = profiled
    content = read_profile(out)
    assert set(content["vms"]) == {"vm1", "vm2"}
    for vm, found in content["vms"].items():
        rows = {row["resource"]: row for row in found["sensitivities"]}
        assert set(rows) == RESOURCES, vm
        largest = max(rows.values(), key=lambda row: row["flux"])
        assert found["bottleneck"] == largest["resource"]
        # more of its own o-ribosome pool gives the VM more translation and costs the host growth
        assert rows["pool"]["flux"] > 0.05 and rows["pool"]["growth"] < 0
        assert found["suggestions"], vm
    assert "(bottleneck)" in output and " runs in " in output


@pytest.mark.slow
def test_vm1s_suggestions_raise_its_flux_when_compiled_and_simulated_anew(profiled):
    """The bottleneck's suggestion (first) and the ribosome share's, each as its policy edit."""
    directory, genome, out, _ = profiled
    suggestions = read_profile(out)["vms"]["vm1"]["suggestions"]
    assert [s["resource"] for s in suggestions][-1] == "pool"
    before = _steady_flux(_two_vms(directory, genome), "vm1")
    for suggestion in suggestions:
        path, value = suggestion["policy"].split("=")
        edits = {"host.nutrient_quality": {"nutrient_quality": float(value)},
                 "vms.vm1.ribosomes.share": {"share1": float(value)}}
        assert path in edits, f"the test compiles this suggestion's policy edit: {suggestion['policy']}"
        after = _steady_flux(_two_vms(directory, genome, **edits[path]), "vm1")
        print(f"{suggestion['change']}: vm1 flux {before:.4g} -> {after:.4g}; profiler said "
              f"{suggestion['flux_change']:+.1%}")
        assert after > before * 1.01
        assert after / before - 1 == pytest.approx(suggestion["flux_change"], rel=0.25)


@pytest.mark.slow
def test_profile_json_and_the_reports_profile_section(profiled):
    _, _, out, _ = profiled
    assert json.loads((out / PROFILE_FILE).read_text())["bioxen_profile"] == 1
    page = (out / "report.html").read_text()
    assert "<h2>Profile</h2>" in page and "(bottleneck)" in page
    metrics = json.loads((out / "metrics.json").read_text())
    genes = metrics["hypervisor_genes"]
    spec = json.loads((out / "outputs.json").read_text())
    assert genes["protein"] == len(spec["hypervisor"]) >= 4           # a protease and a reporter per VM
    assert genes["orrna"] == 2 and genes["gate_rna"] >= 2             # an o-rRNA and a gate per VM
    assert "hypervisor genes" in page and f"{genes['protein']} protein genes + {genes['rna']} RNA genes" in page


@pytest.mark.slow
def test_a_round_robin_on_the_external_clock_is_profiled_over_its_run(profiled):
    """Its turns are timed commands: the profile runs the policy (120 min, 30-min turns) each time."""
    from bioxen.report.profile import profile
    directory, genome, _, _ = profiled
    policy = _two_vms(directory, genome, scheduler="scheduler: {policy: round_robin, quantum: 30 min}",
                      simulate="{until: 120 min, points: 121}", name="round_robin.yaml")
    out = directory / "round_robin"
    assert runner.invoke(app, ["compile", str(policy), "-o", str(out)]).exit_code == 0
    content = profile(out)
    assert content["operating_point"]["measured"].startswith("over the policy's run")
    for vm, found in content["vms"].items():
        rows = {row["resource"]: row for row in found["sensitivities"]}
        assert found["bottleneck"] in RESOURCES and rows["pool"]["flux"] > 0.05, vm


def test_a_directory_that_is_not_a_build_is_one_clear_error(tmp_path):
    result = runner.invoke(app, ["profile", str(tmp_path)])
    assert result.exit_code == 1
    first = result.output.strip().splitlines()[0]
    assert first == f"error: {tmp_path} is not a BioXen build (no model.xml/outputs.json)"
    assert not (tmp_path / PROFILE_FILE).exists()
