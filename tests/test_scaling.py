"""Eight VMs (issue 19): an 8-VM design compiles and runs, and `bioxen report DIR --sweep 8`
finds the resource contention threshold (bioxen.report.scaling)."""
import doctest
import json
import time

import libsbml
import numpy as np
import pytest
from typer.testing import CliRunner

import bioxen.report.scaling as scaling
from bioxen.backend.compile import compile_design, outputs_spec
from bioxen.backend.isolation import isolation_report
from bioxen.cli import app
from bioxen.frontend import read_design
from bioxen.report.metrics import compute
from bioxen.runtime.simulate import Outputs, simulate_sbml
from conftest import ROOT, write_policy, write_synthetic_genbank
from test_report import assert_self_contained, plot_ids

pytestmark = pytest.mark.slow   # every test here shares a compiled, simulated design (the fast tier skips it)

VMS = 8
runner = CliRunner()


def test_docstring_examples_hold():
    assert doctest.testmod(scaling).failed == 0


def _point(vms, growth, fairness, isolation):
    return {"vms": vms, "growth_rate_per_min": growth, "fairness_error": fairness, "isolation": isolation}


def test_the_threshold_is_the_first_vm_count_at_which_any_criterion_breaks():
    alone = 0.024
    points = [_point(1, 0.020, 0.0, 0.995), _point(2, 0.015, 0.01, 0.992), _point(3, 0.011, 0.06, 0.991),
              _point(4, 0.008, 0.07, 0.98)]
    found = scaling.contention(points, alone)
    assert found["first_broken"] == {"growth": 3, "fairness": 3, "isolation": 4}
    assert found["threshold_vms"] == 3 and found["broken_at_threshold"] == ["growth", "fairness"]
    healthy = scaling.contention(points[:2], alone)
    assert healthy["threshold_vms"] is None and healthy["broken_at_threshold"] == []


def test_shares_are_capped_so_every_count_up_to_eight_can_be_built():
    for template in (0.08, 0.15, 0.3):
        shares = [scaling.share_each(template, n) for n in range(1, VMS + 1)]
        assert all(n * s <= scaling.MAX_TOTAL_SHARE + 1e-12 for n, s in enumerate(shares, start=1))
        assert all(s <= template for s in shares) and shares[0] == template


def _eight_vm_policy(directory, genome, until="120 min", points=13):
    vms = "\n".join(f"  - {{id: vm{i}, genome: {genome.name}, genetic_code: recode, ribosomes: {{share: 0.08}}}}"
                    for i in range(1, VMS + 1))
    return write_policy(directory / "eight.yaml", f"schema_version: 1\nname: eight\nvms:\n{vms}\n"
                                                  f"simulate: {{until: {until}, points: {points}}}\n")


def _compile_and_run(policy, until, points):
    build = compile_design(read_design(policy))
    spec = outputs_spec(build)
    table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs.from_spec(spec), until, points)
    return build, compute(table, spec, isolation_report(build.design)), table


def _assert_eight_isolated_vms_run(build, metrics, table):
    vms = [f"vm{i}" for i in range(1, VMS + 1)]
    parts = [vm.parts for vm in build.design.vms]
    assert [vm.id for vm in build.design.vms] == vms
    # eight pools, eight tags, eight proteases: each VM its own
    for field in ("pool", "tag_name", "tag", "protease"):
        assert len({getattr(p, field) for p in parts}) == VMS, field
    assert all(table[f"{vm}_translation_flux"].iloc[-1] > 0 for vm in vms)
    assert metrics["fairness"]["max_abs_error"] < 0.05                  # equal shares, equal translation
    assert metrics["growth"]["rate_per_min"] > 0
    # no protease is induced, so no VM's proteins are degraded by another's
    assert all(s["degraded_by_other_proteases"] < 1e-3 for s in metrics["isolation"]["simulated"].values())


@pytest.mark.slow
def test_an_eight_vm_design_compiles_and_runs(tmp_path, record_property):
    """Eight VMs of a two-gene synthetic genome (the model's load and run time grow with genes x VMs)."""
    genome = write_synthetic_genbank(tmp_path / "SYN00001.1.gb", genes=2)
    start = time.perf_counter()
    build, metrics, table = _compile_and_run(_eight_vm_policy(tmp_path, genome, "60 min", 7), 60, 7)
    _assert_eight_isolated_vms_run(build, metrics, table)
    record_property("measured", f"8 synthetic VMs: compiled and ran 1 h in {time.perf_counter() - start:.1f} s; "
                                f"fairness error {metrics['fairness']['max_abs_error']:.2%}, simulated isolation "
                                f"{metrics['isolation']['min_simulated']:.2%} (worst VM)")


@pytest.mark.slow
def test_the_eight_syn3a_vm_policy_compiles_and_runs(shared, genome_path, monkeypatch, tmp_path, record_property):
    """models/policies/syn3a_eight_vms.yaml: eight Syn3A VMs at subsystem resolution, 0.08 each,
    compiled, written (SBML and model.net, no images) and run for 3 h on the default engine for its
    size (bngsim; libRoadRunner takes about 80 s more to load and run this network). CPU time is
    recorded beside wall time, which a loaded machine stretches."""
    from bioxen import pipeline
    from bioxen.runtime.engines import simulate

    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    start, cpu = time.perf_counter(), time.process_time()
    build = pipeline.compile(pipeline.load(ROOT / "models" / "policies" / "syn3a_eight_vms.yaml"))
    pipeline.write(build, tmp_path / "eight", formats=("sbml", "net"))
    table = simulate(tmp_path / "eight", 180, 19)
    assert table.attrs["engine"] == "bngsim"
    metrics = compute(table, outputs_spec(build), isolation_report(build.design))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    _assert_eight_isolated_vms_run(build, metrics, table)
    record_property("measured", f"8 Syn3A VMs (subsystem): compiled and ran 3 h in {elapsed:.0f} s "
                                f"({cpu:.0f} s CPU); growth {metrics['growth']['rate_per_min']:.4f} /min, "
                                f"fairness error {metrics['fairness']['max_abs_error']:.2%}, simulated isolation "
                                f"{metrics['isolation']['min_simulated']:.2%} (worst VM)")


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """`bioxen run` then `bioxen report --sweep 8` of one VM (share 0.15) of a two-gene synthetic
    genome for 5 h: 1..8 copies, each compiled and simulated (about 30 s of CPU)."""
    directory = tmp_path_factory.mktemp("sweep")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb", genes=2)
    policy = write_policy(directory / "one.yaml", f"""schema_version: 1
name: one
vms:
  - {{id: vm1, genome: {genome.name}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
simulate: {{until: 300 min, points: 31}}
""")
    out = directory / "out"
    assert runner.invoke(app, ["run", str(policy), "-o", str(out)]).exit_code == 0
    start = time.perf_counter()
    result = runner.invoke(app, ["report", str(out), "--sweep", str(VMS)])
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "metrics.json").read_text()), time.perf_counter() - start


@pytest.mark.slow
def test_the_sweep_reaches_eight_vms_with_shares_capped(swept):
    """The parts library has a degron tag and a protease for each of eight VMs, and the shares
    are capped (0.15 up to 5 VMs, then 0.8/N), so every N up to 8 is built and simulated."""
    _, metrics, _ = swept
    result = metrics["scalability"]
    points = result["points"]
    assert [p["vms"] for p in points] == list(range(1, VMS + 1)) and result["stops"] is None
    assert [p["share_each"] for p in points[:5]] == [0.15] * 5
    assert all(p["total_share"] <= scaling.MAX_TOTAL_SHARE + 1e-12 for p in points)
    growth, flux = [p["growth_rate_per_min"] for p in points], [p["per_vm_flux"] for p in points]
    assert growth[0] < result["host_alone_growth_rate_per_min"]
    assert all(b < a for a, b in zip(growth[:5], growth[1:5]))    # more full-size VMs, slower host
    assert all(b < a for a, b in zip(flux, flux[1:]))             # and less translation each
    assert max(growth[5:]) < 1.2 * min(growth[5:])                # a fixed VM budget: the host's growth holds


def test_the_sweep_names_the_contention_threshold_and_fits(swept, record_property):
    out, metrics, seconds = swept
    scaling_result = metrics["scalability"]
    points, contention = scaling_result["points"], scaling_result["contention"]
    first = [n for n in contention["first_broken"].values() if n is not None]
    assert contention["threshold_vms"] == min(first) and contention["broken_at_threshold"]
    # two VMs of 0.15 already halve the host's growth. Fair share holds (error < 5%) at every N but
    # four: four VMs' eight commands take every Marionette sensor and a decoder, and two PAUSEs fall
    # on the leakiest sensors (naringenin 4.5%, cumate 8%), which hold part of their pools at rest;
    # from five VMs on one sensor pauses every VM (bioxen.passes.wiring), equal leaks, equal shares
    assert contention["first_broken"]["growth"] == 2 and contention["first_broken"]["fairness"] in (None, 4)
    assert all(0 <= p["fairness_error"] < 0.05 for p in points if p["vms"] != 4), [p["fairness_error"] for p in points]
    assert all(0.9 < p["isolation"] <= 1 for p in points), [p["isolation"] for p in points]
    assert scaling_result["growth_fit"]["slope"] < 0 and 0 <= scaling_result["growth_fit"]["r2"] <= 1
    assert -1.5 < scaling_result["per_vm_flux_exponent"] < 0
    assert scaling_result["isolation_loss_fit"]["slope"] is not None
    rows = {r["metric"]: r["bioxen"] for r in metrics["against_seed"]}
    threshold = contention["threshold_vms"]
    assert rows["resource contention threshold"].startswith(f"{threshold} VM{'s' if threshold > 1 else ''} (")
    assert "per-VM translation ∝ N^" in rows["degradation as VMs are added"]
    assert rows["VMs per host"] == f"still growing at {VMS} (the sweep's end)"
    page = (out / "report.html").read_text()
    assert_self_contained(page)
    assert plot_ids(page)[-1] == "plot-scaling"
    record_property("measured", f"report --sweep 8 (two-gene synthetic VM): {seconds:.0f} s; growth "
                                f"{np.round([p['growth_rate_per_min'] for p in points], 4).tolist()}, isolation "
                                f"{[round(p['isolation'], 4) for p in points]}; contention {contention['first_broken']}")
