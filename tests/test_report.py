"""Hypervisor metrics, report.html/metrics.json and the comparison with the founding expectations."""
import json
import re

import libsbml
import numpy as np
import pytest
from typer.testing import CliRunner

from bioxen.backend.compile import compile_design, outputs_spec
from bioxen.cli import app
from bioxen.frontend import read_design
from bioxen.report.metrics import compute
from bioxen.runtime.simulate import Outputs, simulate_sbml
from conftest import two_vm_policy

runner = CliRunner()


def assert_self_contained(page: str) -> None:
    """plotly.js inlined once; no script, image or link outside the page (the inlined library's
    own code aside, which names URLs it never loads here)."""
    assert page.count("* plotly.js v") == 1
    assert not re.findall(r"<script[^>]*\bsrc=", page)
    markup = re.sub(r"<script>.*?</script>", "", page, flags=re.S)
    assert not re.search(r'(src|href)="(?!data:)', markup)


def plot_ids(page: str) -> list[str]:
    return re.findall(r'<div id="(plot-[a-z]+)" class="plotly-graph-div"', page)


def _two_vms(tmp_path, genome, control="", scheduler="", gate=None):
    return two_vm_policy(tmp_path / "two.yaml", genome, 600, 601, control, scheduler, gate)


def _metrics(policy):
    build = compile_design(read_design(policy))
    spec = outputs_spec(build)
    table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs.from_spec(spec), 600, 601)
    return compute(table, spec), table


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    from conftest import write_synthetic_genbank
    directory = tmp_path_factory.mktemp("report")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    policy = _two_vms(directory, genome, """control:
  - {at: 300 min, command: PAUSE_VM, vm: vm2}
  - {at: 360 min, command: RESUME_VM, vm: vm2}""")
    out = directory / "out"
    result = runner.invoke(app, ["run", str(policy), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.mark.slow
def test_run_ends_with_the_comparison_and_writes_the_report(ran):
    out, output = ran
    for text in ("against the founding expectations", "hypervisor tax", "15-20%", "about 30 s",
                 "within ±5%", "above 99%", "at most 3-4", "linear"):
        assert text in output, text
    page = (out / "report.html").read_text()
    assert_self_contained(page)
    # the time courses (flux, pools, shares, energy, growth) and the cross-talk heatmap
    assert plot_ids(page) == ["plot-timecourses", "plot-isolation", "plot-crosstalk"]
    assert "results.png" in page and (out / "results.png").is_file()    # the static figure for papers
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"hypervisor_tax", "context_switch_min", "fairness", "isolation", "viability", "growth",
            "against_seed"} <= set(metrics)


@pytest.mark.slow
def test_metrics_measure_what_happened(ran):
    out, _ = ran
    metrics = json.loads((out / "metrics.json").read_text())
    tax = metrics["hypervisor_tax"]
    print(f"tax {tax}")
    assert 0 < tax["ribosomes"] < 0.05 and 0 < tax["energy"] < 0.05 and 0 < tax["proteome"] < 0.05
    switch = metrics["context_switch_min"]
    assert 0 < switch["pause"] < 30 and switch["resume"] > switch["pause"]
    assert [e["command"] for e in switch["each"]] == ["PAUSE_VM", "RESUME_VM"]
    isolation = metrics["isolation"]
    assert isolation["min_matrix"] > 0.99                    # on/off ratios of about 300
    for vm in ("vm1", "vm2"):
        simulated = isolation["simulated"][vm]
        # some of each VM's proteins are made on other pools, none go to another's protease (uninduced)
        assert 0 < simulated["made_on_other_pools"] < 0.1
        assert simulated["degraded_by_other_proteases"] < 1e-4
    growth = metrics["growth"]
    assert growth["burden"] > 0 and growth["host_alone_doubling_time_min"] == pytest.approx(28.8, abs=0.5)
    assert set(metrics["viability"]) == {"vm1", "vm2"}
    viability = metrics["viability"]
    print(f"viability {viability}")
    assert viability["vm1"] > 0.99 and viability["vm2"] < 0.95   # vm2 was paused for an hour


@pytest.mark.slow
def test_the_ring_oscillator_is_hypervisor_tax_and_round_robin_is_fair(tmp_path, synthetic_genbank):
    # the sRNA gate's ring (under the default ribosome gate the repressors' proteome share is 1.65
    # times the external clock's: tests/test_context_switch.py measures that gate's turns). Since
    # issue 20 both designs also carry each VM's sourced command parts (pulse repressors on host
    # ribosomes, measured sensor leaks), and the ring is designed for the loaded cell (bioxen.ring):
    # measured 1.44x in proteome (was 2x), the ring still the larger tax in every resource
    external, _ = _metrics(_two_vms(tmp_path, synthetic_genbank,
                                    scheduler="scheduler: {policy: round_robin, quantum: 30 min}", gate="mrna"))
    internal, table = _metrics(_two_vms(tmp_path, synthetic_genbank, scheduler="scheduler: {policy: round_robin, "
                                                                               "quantum: 30 min, clock: internal}",
                                        gate="mrna"))
    print(f"tax external {external['hypervisor_tax']}, internal {internal['hypervisor_tax']}")
    for key in ("ribosomes", "energy", "proteome"):
        assert internal["hypervisor_tax"][key] > 1.3 * external["hypervisor_tax"][key], key
    for metrics in (external, internal):
        assert metrics["fairness"]["intended"] == {"vm1": 0.5, "vm2": 0.5}
        assert metrics["fairness"]["max_abs_error"] < 0.1
        turn = metrics["context_switch_min"]["round_robin_turn"]
        assert turn is not None and 0 < turn < 30
    print(f"turn switch external {external['context_switch_min']['round_robin_turn']:.1f} min, internal "
          f"{internal['context_switch_min']['round_robin_turn']:.1f} min")


@pytest.mark.slow
def test_another_vms_protease_is_counted_as_cross_contamination(tmp_path, synthetic_genbank):
    plain, _ = _metrics(_two_vms(tmp_path, synthetic_genbank))
    destroyed, _ = _metrics(_two_vms(tmp_path, synthetic_genbank,
                                     "control: [{at: 300 min, command: DESTROY_VM, vm: vm2}]"))
    before = plain["isolation"]["simulated"]["vm1"]["degraded_by_other_proteases"]
    after = destroyed["isolation"]["simulated"]["vm1"]["degraded_by_other_proteases"]
    print(f"vm1 proteins degraded by vm2's protease per protein made: {before:.2e} -> {after:.2e}")
    assert after > 10 * before


def test_report_needs_a_build(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code != 0 and "is not a BioXen build" in result.output


def test_the_time_courses_mark_the_commands_and_group_each_vms_traces(ran):
    import pandas as pd
    from bioxen.report.html import plot_figures

    out, _ = ran
    read = lambda name: json.loads((out / name).read_text())   # noqa: E731
    plots = plot_figures(pd.read_csv(out / "results.csv"), read("outputs.json"), read("metrics.json"),
                         read("isolation.json"), None)
    assert list(plots) == ["timecourses", "isolation", "crosstalk"]
    figure = plots["timecourses"]
    traces = {trace.name: trace for trace in figure.data}
    # one legend entry per VM hides or shows every trace of that VM
    assert [t.name for t in figure.data if t.showlegend and t.legendgroup in ("vm1", "vm2")] == ["vm1", "vm2"]
    for vm in ("vm1", "vm2"):
        assert {t.name for t in figure.data if t.legendgroup == vm} == {
            vm, f"{vm} translating", f"{vm} pool free", f"{vm} share", f"{vm} intended share", f"{vm} starved below"}
    assert {"host free ribosomes", "hypervisor genes translating", "energy", "growth rate"} <= set(traces)
    assert figure.layout.yaxis2.type == "log"                      # the ribosome pools
    # PAUSE_VM at 300 min and RESUME_VM at 360 min: a line on each of the five panels, a band for each switch
    lines = [s for s in figure.layout.shapes if s.type == "line"]
    assert sorted({s.x0 for s in lines}) == [300, 360] and len(lines) == 10
    switch = {e["command"]: e["minutes"] for e in read("metrics.json")["context_switch_min"]["each"]}
    bands = {(s.x0, s.x1) for s in figure.layout.shapes if s.type == "rect"}
    assert bands == {(300, 300 + switch["PAUSE_VM"]), (360, 360 + switch["RESUME_VM"])}
    assert list(traces["commands"].hovertext) == [f"300 min: PAUSE_VM vm2 (switch {switch['PAUSE_VM']:g} min)",
                                                   f"360 min: RESUME_VM vm2 (switch {switch['RESUME_VM']:g} min)"]
    # the share panel shows what viability measures: paused, vm2 falls below its starvation line
    time, share = np.asarray(traces["vm2 share"].x), np.asarray(traces["vm2 share"].y)
    starved = traces["vm2 starved below"].y[0]
    assert share[(time > 300) & (time <= 360)].min() < starved < share[(time > 60) & (time <= 300)].min()
    assert starved < traces["vm2 intended share"].y[0] == 0.5
