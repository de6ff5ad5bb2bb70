"""Every simulator gives the same results table: libRoadRunner, bngsim, COPASI (basico), BNG2.pl.

Real clients throughout: each engine loads the build's own files (model.xml, model.cps,
model.bngl) and is compared with libRoadRunner on the same build.
"""
import logging
import time

import numpy as np
import pytest

from bioxen.backend.compile import compile_design, write_build
from bioxen.backend.copasi import _basico as copasi_basico, copasi_model, time_course, write_cps
from bioxen.errors import SimulationError
from bioxen.frontend import read_design
from bioxen.runtime.engines import (ENGINES, SPARSE_FROM_SPECIES, Engine, bngl_species, choose_engine, simulate,
                                    split_reversible, ssa_sbml)
from bioxen.runtime.simulate import Outputs, read_build, selections, simulate_build, simulate_sbml, tabulate
from conftest import write_policy, write_synthetic_genbank

PAUSE_AT, RESUME_AT, UNTIL = 300.0, 360.0, 600.0
POINTS = int(UNTIL) + 1
OBSERVABLES = ("growth_rate_per_min", "vm1_protein_total", "vm2_protein_total", "vm1_translation_flux",
               "vm2_translation_flux", "ribosomes_free", "energy")


@pytest.fixture(scope="module")
def timed(tmp_path_factory):
    """Two VMs; vm2 paused at 300 min and resumed at 360 min (SBML events, BNGL actions)."""
    directory = tmp_path_factory.mktemp("engines")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    policy = write_policy(directory / "p.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genome.name}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {genome.name}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
control:
  - {{at: {PAUSE_AT:g} min, command: PAUSE_VM, vm: vm2}}
  - {{at: {RESUME_AT:g} min, command: RESUME_VM, vm: vm2}}
simulate: {{until: {UNTIL:g} min, points: {POINTS}}}
""")
    build = compile_design(read_design(policy))
    out = write_build(build, directory / "build")
    write_cps(out / "model.xml", out / "model.cps", build.design.simulation)  # as write_build does once wired
    return out


@pytest.fixture(scope="module")
def roadrunner_table(timed):
    return simulate_build(timed, UNTIL, POINTS)


def _assert_same(table, reference, columns=OBSERVABLES, rtol=1e-4):
    assert list(table.columns) == list(reference.columns)
    assert np.allclose(table["time_min"], reference["time_min"], rtol=1e-12)
    worst = {}
    for column in columns:
        ours, theirs = table[column].to_numpy(), reference[column].to_numpy()
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)), column  # e.g. no essential protein
        ours, theirs = ours[~np.isnan(theirs)], theirs[~np.isnan(theirs)]
        if not len(theirs):
            continue
        floor = 1e-9 * max(np.abs(theirs).max(), 1.0)
        worst[column] = float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), floor)))
        assert worst[column] <= rtol, (column, worst[column])
    return worst


def _paused(table) -> bool:
    flux = table.set_index("time_min")["vm2_translation_flux"]
    return flux[RESUME_AT] < 0.1 * flux[PAUSE_AT] and flux[UNTIL] > 0.5 * flux[PAUSE_AT]


@pytest.mark.slow
def test_roadrunner_run_pauses_and_resumes_vm2(roadrunner_table):
    assert _paused(roadrunner_table)


@pytest.mark.parametrize("engine", ["bngsim", "copasi", "bng"])
@pytest.mark.slow
def test_each_engine_matches_roadrunner_on_the_whole_table(timed, roadrunner_table, engine):
    start = time.perf_counter()
    table = simulate(timed, UNTIL, POINTS, engine=engine)
    elapsed = time.perf_counter() - start
    assert table.attrs["engine"] == engine
    every = [c for c in table.columns if c not in ("time_min", "doubling_time_min")]
    worst = _assert_same(table, roadrunner_table, every)
    print(f"{engine}: {elapsed:.1f} s, worst relative difference {max(worst.values()):.1e} "
          f"({max(worst, key=worst.get)})")
    assert _paused(table)


@pytest.mark.parametrize("name", ["model.xml", "model.cps"])
@pytest.mark.slow
def test_copasi_loads_the_build_and_matches_roadrunner(timed, roadrunner_table, name):
    basico = copasi_basico()   # keeps the locale (COPASI resets it on import)

    outputs = Outputs.from_spec(read_build(timed)[1])
    selected = selections(outputs)
    with copasi_model(timed / name) as model:
        units = basico.get_model_units(model=model)
        assert (units["time_unit"], units["quantity_unit"]) == ("min", "#")  # minutes, molecules
        cell = basico.get_compartments(model=model).iloc[0]
        assert (cell["initial_size"], cell["unit"]) == (1.0, "fl")
        assert len(basico.get_events(model=model)) == 2  # PAUSE and RESUME
        table = tabulate(time_course(model, selected, UNTIL, POINTS), selected, outputs)
    worst = _assert_same(table, roadrunner_table)
    print(f"COPASI from {name}: worst relative difference {max(worst.values()):.1e}")
    assert _paused(table)


def test_model_cps_keeps_the_policy_time_course(timed):
    basico = copasi_basico()   # keeps the locale (COPASI resets it on import)

    with copasi_model(timed / "model.cps") as model:
        problem = basico.get_task_settings(basico.T.TIME_COURSE, model=model)["problem"]
        assert (problem["Duration"], problem["StepNumber"]) == (UNTIL, POINTS - 1)
        assert model.getModel().getObjectName() == "p"


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """The host alone: 17 species, the cheapest whole cell to run 100 SSA trajectories of."""
    directory = tmp_path_factory.mktemp("host")
    policy = write_policy(directory / "host.yaml", "schema_version: 1\nname: host\n")
    return write_build(compile_design(read_design(policy)), directory / "build")


SSA_UNTIL, SSA_POINTS, SSA_RUNS = 0.01, 3, 100


@pytest.mark.slow
def test_bngsim_ssa_mean_agrees_with_the_ode(host):
    """The mean of 100 bngsim SSA runs is within 3 standard errors of the ODE from the same
    whole-molecule state. Energy is left out: ~11 molecules turned over ~2e5 times a minute, its
    stochastic mean really lies ~20% above the ODE (the ODE is not the mean of a nonlinear
    low-copy process); growth rate and ribosomes, in thousands, are where the two must agree."""
    sbml, spec = read_build(host)
    whole, _ = ssa_sbml(sbml)
    ode = simulate_sbml(whole, Outputs.from_spec(spec), SSA_UNTIL, SSA_POINTS)
    start = time.perf_counter()
    runs = [simulate(host, SSA_UNTIL, SSA_POINTS, method="ssa", seed=seed, engine="bngsim")
            for seed in range(SSA_RUNS)]
    elapsed = time.perf_counter() - start
    for column in ("growth_rate_per_min", "ribosomes_free", "ribosomes_translating"):
        values = np.array([run[column].to_numpy() for run in runs])
        assert np.all(values[:, 0] == ode[column].iloc[0])  # every run starts where the ODE does
        mean, error = values.mean(axis=0)[1:], values.std(axis=0, ddof=1)[1:] / np.sqrt(SSA_RUNS)
        z = (mean - ode[column].to_numpy()[1:]) / error
        print(f"{column}: ODE {ode[column].iloc[-1]:.6g}, SSA mean {mean[-1]:.6g} +- {error[-1]:.2g} "
              f"(z = {', '.join(f'{v:+.2f}' for v in z)}); {SSA_RUNS} runs in {elapsed:.1f} s")
        assert np.all(np.abs(z) < 3), column
    assert np.all(np.mod(values, 1) == 0)  # counts, not concentrations


@pytest.mark.parametrize("engine", ["roadrunner", "bngsim", "copasi", "bng"])
def test_ssa_runs_in_every_engine_from_the_same_whole_molecules(host, engine):
    first = simulate(host, 0.002, 3, method="ssa", seed=5, engine=engine)
    again = simulate(host, 0.002, 3, method="ssa", seed=5, engine=engine)
    reference = simulate_build(host, 0.002, 3, method="ssa", seed=5)
    assert first.iloc[0].equals(reference.iloc[0])  # same rounded start as libRoadRunner's SSA
    assert np.all(np.mod(first[["ribosomes_free", "energy"]], 1) == 0)
    assert first.equals(again)  # a seed repeats a run


def test_split_reversible_keeps_the_ode(host):
    import libsbml

    sbml, spec = read_build(host)
    doc = libsbml.readSBMLFromString(sbml)
    reverse_of = split_reversible(doc.getModel())
    assert "initiation_host_r" in reverse_of
    forward = doc.getModel().getReaction("initiation_host_r")
    backward = doc.getModel().getReaction(reverse_of["initiation_host_r"])
    assert not forward.getReversible() and not backward.getReversible()
    assert [s.getSpecies() for s in backward.getListOfReactants()] == ["mRNA_host_r__ribosome"]
    assert libsbml.formulaToL3String(backward.getKineticLaw().getMath()) == "k_u * mRNA_host_r__ribosome"
    outputs = Outputs.from_spec(spec)
    before = simulate_sbml(sbml, outputs, 60, 61)
    after = simulate_sbml(libsbml.writeSBMLToString(doc), outputs, 60, 61)
    assert np.allclose(after["growth_rate_per_min"], before["growth_rate_per_min"], rtol=1e-6)


def test_bngl_species_from_pysb_species():
    assert bngl_species("mRNA_x(rib=1, sd='o1') % ribosome(mrna=1)") == "mRNA_x(rib!1,sd~o1).ribosome(mrna!1)"
    assert bngl_species("energy()") == "energy()"
    assert bngl_species("A(s=('p', 2), b=None) % B(a=2)") == "A(s~p!2,b).B(a!2)"
    with pytest.raises(SimulationError, match="cannot write species"):
        bngl_species("A(b=ANY)")


def test_default_engine_follows_network_size(host, caplog):
    assert choose_engine(17) == "roadrunner" and choose_engine(SPARSE_FROM_SPECIES) == "bngsim"
    with caplog.at_level(logging.INFO, logger="bioxen.runtime.engines"):
        table = simulate(host, 1, 2)
    assert table.attrs["engine"] == "roadrunner"
    assert "engine: roadrunner (default for 17 species" in caplog.text


def test_unknown_engine_or_method_is_a_clear_error(host, monkeypatch):
    with pytest.raises(SimulationError, match="unknown engine 'tellurium' .expected one of: roadrunner, bngsim"):
        simulate(host, 1, 2, engine="tellurium")
    with pytest.raises(SimulationError, match="unknown method 'tau'"):
        simulate(host, 1, 2, method="tau", engine="bngsim")
    monkeypatch.setitem(ENGINES, "ode_only", Engine("ode_only", ("ode",), ENGINES["roadrunner"].run))
    with pytest.raises(SimulationError, match="engine 'ode_only' cannot run method 'ssa' .it runs: ode."):
        simulate(host, 1, 2, method="ssa", engine="ode_only")
