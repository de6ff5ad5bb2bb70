"""`bioxen sweep`: parameter grids and SSA ensembles of a policy on Dask (bioxen.sweep)."""
import doctest
import logging
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import bioxen.sweep.grid
import bioxen.sweep.tables
from bioxen.cli import app
from bioxen.errors import BioxenError, PolicyError, SimulationError
from bioxen.sweep import parse_setting, replicate_seed, run_sweep
from bioxen.sweep.variants import policy_grid
from conftest import ROOT, write_policy, write_small_policy, write_synthetic_genbank

pytestmark = pytest.mark.slow   # every test here shares a compiled, simulated design (the fast tier skips it)

runner = CliRunner()
SHARE = "vms.vm1.ribosomes.share"
SSA = dict(method="ssa", until=0.01, points=3)   # SSA costs ~1.4e7 events per min of cell time


@pytest.fixture(scope="module")
def scheduler():
    """A 2-worker LocalCluster, reached by its address as a remote scheduler would be."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    """The small one-VM design of conftest's ``small_policy``, its genome named by a relative path."""
    directory = tmp_path_factory.mktemp("policy")
    return write_small_policy(directory, write_synthetic_genbank(directory / "SYN00001.1.gb"))


@pytest.fixture(scope="module")
def share_sweep(policy, scheduler, tmp_path_factory):
    """ODE over vm1's ribosome share, run from another directory (relative paths still resolve)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("elsewhere"))
        return run_sweep(policy, [f"{SHARE}=0.1:0.3:3"], method="ode", until="6 h", points=13, scheduler=scheduler)


def _no_variants_left(directory):
    return not [p.name for p in directory.iterdir() if p.name.startswith(".")]


# -- the grid ------------------------------------------------------------------------------------

def test_docstring_examples_hold():
    for module in (bioxen.sweep.grid, bioxen.sweep.tables):
        assert doctest.testmod(module).failed == 0, module.__name__


@pytest.mark.parametrize("option, values", [
    (f"{SHARE}=0.1:0.5:5", (0.1, 0.2, 0.3, 0.4, 0.5)),
    (f"{SHARE}=0.1,0.25", (0.1, 0.25)),
    (f"{SHARE}=0.3", (0.3,)),
    ("vms.0.priority=1:5:3", (1, 3, 5)),
    ("vms.vm1.resolution=operon,subsystem", ("operon", "subsystem")),
    ("simulate.until=2 h", ("2 h",)),
])
def test_specs_give_the_grid_values(option, values):
    setting = parse_setting(option)
    assert setting.values == values and setting.path == option.partition("=")[0]
    assert [type(v) for v in setting.values] == [type(v) for v in values]


@pytest.mark.parametrize("option, message", [
    (SHARE, "expected PATH=VALUES"),
    (f"{SHARE}=0.1:0.5", "expected start:stop:n, got '0.1:0.5'"),
    (f"{SHARE}=a:0.5:3", "start of start:stop:n must be a finite number"),
    (f"{SHARE}=0.1:0.5:2.5", "n of start:stop:n must be a whole number"),
    (f"{SHARE}=0.1,,0.2", "expected a single value"),
    (f"{SHARE}=0.1,0.1", "repeats 0.1"),
    ("vms..share=0.1", "expected PATH=VALUES"),
])
def test_a_malformed_set_names_the_option_and_what_is_expected(option, message):
    with pytest.raises(PolicyError, match=message) as caught:
        parse_setting(option)
    assert str(caught.value).startswith(f"error: --set {option}:")


@pytest.mark.parametrize("option, message", [
    (f"{SHARE}=0.2,1.5", r"--set vms.vm1.ribosomes.share=0.2,1.5: share: Input should be less than 1 \(got 1.5\)"),
    ("vms.vm9.ribosomes.share=0.2", "'vms' has no item with id 'vm9' .ids: vm1"),
    ("vms.4.ribosomes.share=0.2", "'vms' has 1 item.s.; index 4 is out of range"),
    ("vms.vm1.ribosomes.sharee=0.2", "unknown key 'sharee'"),
    ("vms.vm1.id.x=3", "'vms.vm1.id' is a value"),
    ("vms.vm1.resolution=operon,bogus", "Input should be 'gene', 'operon' or 'subsystem' .got 'bogus'"),
])
def test_the_policy_loader_checks_every_value(policy, option, message):
    with pytest.raises(PolicyError, match=message):
        policy_grid(policy, [parse_setting(option)])
    assert _no_variants_left(policy.parent)


def test_combinations_are_checked_point_by_point(tmp_path, synthetic_genbank):
    two_vms = write_policy(tmp_path / "two.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {synthetic_genbank.name}, ribosomes: {{share: 0.2}}}}
  - {{id: vm2, genome: {synthetic_genbank.name}, ribosomes: {{share: 0.2}}}}
""")
    settings = [parse_setting(f"{SHARE}=0.5,0.7"), parse_setting("vms.1.ribosomes.share=0.2,0.4")]
    with pytest.raises(PolicyError) as caught:
        policy_grid(two_vms, settings)
    assert [d.message.split(":")[0] for d in caught.value.errors] == [
        "grid point 3 (vms.vm1.ribosomes.share=0.7, vms.1.ribosomes.share=0.4)"]
    assert "add up to 1.1" in str(caught.value)
    _, points = policy_grid(two_vms, settings[:1])
    assert [p.policy.vms[0].ribosomes.share for p in points] == [0.5, 0.7]
    assert points[0].policy.name == "two"   # the original's name, not the hidden variant's
    assert _no_variants_left(tmp_path)


def test_seeds_are_independent_per_point_and_replicate():
    seeds = {replicate_seed(0, point, replicate) for point in range(10) for replicate in range(100)}
    assert len(seeds) == 1000 and all(0 <= s < 2 ** 31 for s in seeds)
    child = np.random.SeedSequence(0).spawn(3)[2].spawn(5)[4]
    assert replicate_seed(0, 2, 4) == int(child.generate_state(1, np.uint32)[0] >> 1)
    assert replicate_seed(1, 2, 4) != replicate_seed(0, 2, 4)


def _folder(directory):
    """Every entry under ``directory``, hidden ones too, with a file's bytes."""
    return {p.relative_to(directory).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(directory.rglob("*"))}


@pytest.mark.slow
def test_a_sweep_never_writes_beside_the_policy_even_when_stopped(policy, scheduler, monkeypatch):
    """Variants are read from memory: the policy's folder is byte-for-byte what it was while each
    grid point compiles (what a kill would leave) and after the sweep is stopped."""
    from bioxen import pipeline

    before, seen, real = _folder(policy.parent), [], pipeline.build

    def spying(source, out, formats, **options):
        seen.append(_folder(policy.parent))
        if len(seen) == 2:
            raise KeyboardInterrupt   # stopped while the second grid point compiles
        return real(source, out, formats, **options)

    monkeypatch.setattr(pipeline, "build", spying)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(policy, [f"{SHARE}=0.15,0.25,0.35"], method="ode", until="30 min", points=4, scheduler=scheduler)
    assert seen == [before, before] and _folder(policy.parent) == before


def test_a_grid_points_error_points_into_the_policy_file(policy, scheduler):
    """A value the schema accepts but the front end does not (a genome that is not there): the
    error names the grid point and the policy's own line, not a temporary file's."""
    line = next(n for n, text in enumerate(policy.read_text().splitlines(), start=1) if "genome:" in text)
    with pytest.raises(BioxenError) as caught:
        run_sweep(policy, ["vms.vm1.genome=nowhere.gb"], method="ode", until="30 min", points=4,
                  scheduler=scheduler)
    error = caught.value.errors[0]
    assert error.message.startswith("grid point 0 (vms.vm1.genome=nowhere.gb): ")
    assert error.location.file == str(policy) and error.location.line == line


# -- ODE: biology ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_vms_translation_and_protein_rise_with_its_ribosome_share(share_sweep, policy):
    runs = share_sweep.runs.sort_values(SHARE)
    assert list(runs[SHARE]) == [0.1, 0.2, 0.3]
    for column in ("vm1_translation_flux", "vm1_protein_total"):
        assert np.all(np.diff(runs[column]) > 0), runs[column].tolist()
    assert np.all(np.diff(runs["growth_rate_per_min"]) < 0)   # the host pays for it
    assert set(runs["engine"]) == {"roadrunner"} and set(runs["replicate"]) == {0}
    assert _no_variants_left(policy.parent)


def test_the_results_table_is_tidy(share_sweep):
    results = share_sweep.results
    assert list(results.columns[:5]) == ["point", SHARE, "replicate", "seed", "time_min"]
    assert len(results) == 3 * 13 and results.groupby("point").size().tolist() == [13, 13, 13]
    assert results.groupby("point")[SHARE].nunique().eq(1).all()
    assert {"growth_rate_per_min", "vm1_translation_flux", "vm1_protein_total"} <= set(results.columns)
    summary = share_sweep.summary
    assert list(summary.columns) == ["point", SHARE, "quantity", "n", "mean", "std", "sem"]
    growth = summary[summary["quantity"] == "growth_rate_per_min"]
    assert growth["mean"].tolist() == share_sweep.runs["growth_rate_per_min"].tolist()
    assert growth["n"].eq(1).all() and growth["std"].isna().all()


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_parquet_and_csv_read_back_in_pandas(share_sweep, tmp_path, suffix):
    paths = share_sweep.write(tmp_path / "out" / f"sweep{suffix}")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"sweep{kind}{suffix}" for kind in ("", "_runs", "_summary"))
    read = pd.read_parquet if suffix == ".parquet" else pd.read_csv
    for kind, table in share_sweep._asdict().items():
        back = read(paths[kind])
        assert list(back.columns) == list(table.columns) and len(back) == len(table), kind
        pd.testing.assert_frame_equal(back, table, check_dtype=False, check_exact=False, rtol=1e-12)
    if suffix == ".parquet":
        assert read(paths["results"]).attrs["bioxen_sweep"]["settings"] == {SHARE: [0.1, 0.2, 0.3]}


# -- SSA ensembles ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_an_ssa_ensemble_is_reproducible_and_its_mean_agrees_with_the_ode(policy, scheduler):
    start = time.perf_counter()
    ensemble = run_sweep(policy, replicates=6, seed=0, scheduler=scheduler, **SSA)
    again = run_sweep(policy, replicates=2, seed=0, scheduler=scheduler, **SSA)
    other = run_sweep(policy, replicates=1, seed=1, scheduler=scheduler, **SSA)
    ode = run_sweep(policy, method="ode", until=SSA["until"], points=3, scheduler=scheduler)
    elapsed = time.perf_counter() - start

    runs = ensemble.runs
    assert set(runs["engine"]) == {"bngsim"} and runs["seed"].nunique() == 6
    first_two = ensemble.results[ensemble.results["replicate"] < 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(again.results, first_two)   # same seeds, same trajectories
    first = ensemble.results[ensemble.results["replicate"] == 0].reset_index(drop=True)
    assert other.runs["seed"][0] != first["seed"][0]
    assert not other.results.drop(columns="seed").equals(first.drop(columns="seed"))   # another trajectory
    assert runs["energy"].nunique() > 1 and runs["growth_rate_per_min"].nunique() > 1   # replicates differ
    assert np.all(np.mod(ensemble.results["ribosomes_free"], 1) == 0)   # molecules, counted

    stats = ensemble.summary.set_index("quantity").loc["growth_rate_per_min"]
    expected = ode.runs["growth_rate_per_min"].iloc[0]
    assert stats["n"] == 6 and stats["sem"] == pytest.approx(stats["std"] / np.sqrt(6))
    assert abs(stats["mean"] - expected) < 3 * stats["sem"], (stats["mean"], stats["sem"], expected)
    print(f"growth rate: SSA {stats['mean']:.5f} ± {stats['sem']:.5f} (sem, 6 runs), ODE {expected:.5f}; "
          f"4 sweeps in {elapsed:.1f} s")


def test_ode_replicates_are_refused(policy):
    with pytest.raises(SimulationError, match="--replicates 5 with method ode: an ODE run is deterministic"):
        run_sweep(policy, replicates=5, method="ode")


# -- the command -------------------------------------------------------------------------------

@pytest.mark.slow
def test_sweep_command_writes_three_tables_and_prints_a_summary(policy, scheduler, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sweep", str(policy), "--set", f"{SHARE}=0.1,0.2", "--set",
                                 "host.nutrient_quality=0.5,1.0", "--until", "30 min", "--points", "4",
                                 "--scheduler", scheduler])
    assert result.exit_code == 0, result.output
    assert "mean ± sd over replicates" in result.output and "4 run(s), ode in roadrunner" in result.output
    out = tmp_path / "build" / "small"
    results = pd.read_parquet(out / "sweep.parquet")
    assert len(results) == 4 * 4 and list(results.columns[:3]) == ["point", SHARE, "host.nutrient_quality"]
    assert len(pd.read_parquet(out / "sweep_runs.parquet")) == 4
    assert set(pd.read_parquet(out / "sweep_summary.parquet")["n"]) == {1}


@pytest.mark.parametrize("arguments, message", [
    (["--set", f"{SHARE}=0.1,1.5"], "--set vms.vm1.ribosomes.share=0.1,1.5: share: Input should be less than 1"),
    (["--replicates", "3", "--method", "ode"], "an ODE run is deterministic"),
    (["--set", "simulate.until=1 h", "--until", "2 h"], "is overridden by --until"),
    (["--engine", "cvode"], "unknown engine 'cvode'"),
    (["-o", "results.xlsx"], "expected a .parquet or .csv file"),
    (["--until", "5"], "--until: duration '5' has no unit|cannot read duration '5'"),
])
def test_sweep_command_reports_mistakes_before_any_work(policy, arguments, message):
    result = runner.invoke(app, ["sweep", str(policy), *arguments])
    assert result.exit_code == 1
    assert any(part in result.output for part in message.split("|")), result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_a_failed_run_names_itself_and_leaves_no_output(policy, tmp_path, monkeypatch):
    """A run that fails on a worker: the sweep stops, says which, and writes nothing."""
    from distributed import LocalCluster

    from bioxen.runtime import engines

    real, doomed = engines.simulate, replicate_seed(0, 1, 0)

    def failing(directory, until, points, method, seed, engine):
        if seed == doomed:
            raise SimulationError("integration failed: CV_CONV_FAILURE (test)")
        return real(directory, until, points, method, seed, engine)

    monkeypatch.setattr(engines, "simulate", failing)   # seen by the in-process worker below
    out = tmp_path / "out"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        result = runner.invoke(app, ["sweep", str(policy), "--set", f"{SHARE}=0.1,0.2,0.3", "--until", "30 min",
                                     "--points", "4", "--scheduler", cluster.scheduler_address,
                                     "-o", str(out / "r.parquet")])
    assert result.exit_code == 1
    assert (f"run failed: grid point 1 (vms.vm1.ribosomes.share=0.2), replicate 0, seed {doomed}: "
            "integration failed: CV_CONV_FAILURE (test)") in " ".join(result.output.split())
    assert not out.exists() or not list(out.iterdir())


# -- the acceptance run --------------------------------------------------------------------------

@pytest.mark.slow
def test_a_100_run_ssa_ensemble_of_syn3a(genome_path, shared, tmp_path, monkeypatch, record_property):
    """Issue acceptance: a 100-run SSA ensemble of a one-VM subsystem-resolution Syn3A design
    through `bioxen sweep` on a 2-worker LocalCluster, with per-run results and a summary. The
    policy is copied, so its hidden variants never appear in models/policies (other tests read it)."""
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    policy = tmp_path / "syn3a_subsystem_vm.yaml"
    policy.write_text((ROOT / "models" / "policies" / "syn3a_subsystem_vm.yaml").read_text())
    start = time.perf_counter()
    result = runner.invoke(app, ["sweep", str(policy), "--method", "ssa", "--replicates", "100",
                                 "--until", "0.1 s", "--points", "3", "--workers", "2",
                                 "-o", str(tmp_path / "ensemble.parquet")])
    elapsed = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    results = pd.read_parquet(tmp_path / "ensemble.parquet")
    runs = pd.read_parquet(tmp_path / "ensemble_runs.parquet")
    summary = pd.read_parquet(tmp_path / "ensemble_summary.parquet")
    assert len(runs) == 100 and runs["seed"].nunique() == 100 and sorted(runs["replicate"]) == list(range(100))
    assert len(results) == 100 * 3 and set(runs["engine"]) == {"bngsim"}
    assert runs["energy"].nunique() > 1
    growth = summary.set_index("quantity").loc["growth_rate_per_min"]
    assert growth["n"] == 100 and growth["sem"] > 0
    record_property("measured", f"100 SSA runs of syn3a_subsystem_vm (0.1 s each) on 2 workers: "
                                f"{elapsed:.0f} s; growth rate {growth['mean']:.5f} ± {growth['sem']:.5f} (sem)")
