"""Hybrid runs of compiled builds (bioxen.runtime.hybrid): timed commands, the ODE's means,
seeds, the runtime's cells and division, the CLI with its progress bar, and sweeps.

One design throughout: two synthetic VMs on orthogonal pools, vm2 paused at 300 min. The
hybrid runs start from the ODE's state at 290 min (the pools take hours to fill) and run to
400 min, so the PAUSE falls inside them; libRoadRunner's ODE of the whole timeline (the PAUSE
an SBML event) is the reference.
"""
from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from bioxen import progress
from bioxen.backend.compile import compile_design, write_build
from bioxen.cli import app
from bioxen.frontend import read_design
from bioxen.runtime.cell import Cell
from bioxen.runtime.engines import simulate
from bioxen.runtime.simulate import simulate_build
from conftest import two_vm_policy, write_synthetic_genbank

pytestmark = pytest.mark.slow

START, PAUSE_AT, END = 290.0, 300.0, 380.0
SEEDS = (1, 2, 3, 4)


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hybrid")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    policy = two_vm_policy(directory / "paused.yaml", genome.name, END, int(END) + 1,
                           control=f"control:\n  - {{at: {PAUSE_AT:g} min, command: PAUSE_VM, vm: vm2}}")
    return write_build(compile_design(read_design(policy)), directory / "build")


@pytest.fixture(scope="module")
def runs(build):
    """(the ODE of the whole timeline, the hybrid cells' tables from START to END)."""
    ode = simulate_build(build, END, int(END) + 1).set_index("time_min")
    founder = Cell(build, "ode")
    founder.run(START)
    tables = []
    for seed in SEEDS:
        cell = Cell(build, "hybrid", seed=seed, amounts=founder.amounts(), time=START)
        tables.append(cell.run(END - START, points=int(END - START) + 1).set_index("time_min"))
    return ode, tables


def test_a_paused_vm_stops_translating_in_a_hybrid_run(runs):
    _, tables = runs
    for table in tables:
        before = table.loc[START:PAUSE_AT, "vm2_translation_flux"].mean()
        after = table.loc[PAUSE_AT + 10:END, "vm2_translation_flux"].mean()
        assert after < 0.05 * before, (before, after)
        assert table.loc[PAUSE_AT + 10:END, "vm1_translation_flux"].mean() > \
            0.8 * table.loc[START:PAUSE_AT, "vm1_translation_flux"].mean()
        negative = (table.drop(columns="doubling_time_min") < 0).any()
        assert not negative.any(), table.loc[:, negative[negative].index].min()   # no negative molecules or fluxes


def test_hybrid_means_follow_the_ode(runs):
    """Host growth, translating ribosomes and each VM's proteins: the mean over the hybrid runs of
    each run's average from 20 min after the PAUSE to the end, against the ODE's (the PAUSE an
    SBML event) within 3 standard errors of that mean plus 3%: a low-copy energy pool (~7
    molecules) whose use follows fluctuating ribosome numbers has a stochastic mean a little
    above the ODE's (Jensen), as exact SSA shows on the host (tests/test_engines.py)."""
    ode, tables = runs
    window = slice(PAUSE_AT + 20, END)
    for column in ("growth_rate_per_min", "ribosomes_translating", "vm1_protein_total", "vm2_protein_total"):
        averages = np.array([table.loc[window, column].mean() for table in tables])
        reference = ode.loc[window, column].mean()
        se = averages.std(ddof=1) / np.sqrt(len(averages))
        assert abs(averages.mean() - reference) < 3 * se + 0.03 * reference, (column, averages, reference)


def test_a_seed_gives_the_same_hybrid_run(build):
    first, again, other = (simulate(build, 2, 5, method="hybrid", seed=seed) for seed in (7, 7, 8))
    assert first.equals(again) and not first.equals(other)
    assert first.attrs["engine"] == "bngsim" and first.attrs["method"] == "hybrid"


def test_a_hybrid_cell_divides_whole_molecules(build, runs):
    cell = Cell(build, "hybrid", seed=5)
    cell.run(2)
    cell.log_mass = np.log(2.0)          # as if it had doubled
    first, second = cell.shares(np.random.default_rng(1))
    content = np.rint(cell.content())
    assert np.array_equal(first + second, content)
    assert np.all(first == np.rint(first)) and not np.array_equal(first, second)


def test_the_cli_runs_hybrid_with_a_progress_bar(build, tmp_path, monkeypatch):
    from rich.console import Console
    import io
    import bioxen.cli

    screen = io.StringIO()
    monkeypatch.setattr(bioxen.cli, "errors", Console(file=screen, force_terminal=True, width=160))
    monkeypatch.delenv(progress.QUIET_VARIABLE, raising=False)
    out = tmp_path / "hybrid.csv"
    result = CliRunner().invoke(app, ["simulate", str(build), "--method", "hybrid", "--until", "6 min",
                                      "--points", "7", "--seed", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    shown = screen.getvalue()
    assert "bngsim (hybrid" in shown and "6/6" in shown.replace(" ", "").replace("min", "")
    import pandas as pd
    table = pd.read_csv(out)
    assert len(table) == 7 and table["vm1_protein_total"].iloc[-1] > 0


def test_a_sweep_runs_hybrid_replicates(build, tmp_path):
    from distributed import Client, LocalCluster

    from bioxen.sweep import run_sweep

    policy = build.parent / "paused.yaml"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster, set_as_default=False) as client:
        sweep = run_sweep(policy, [], replicates=2, method="hybrid", until="3 min", points=4, scheduler=client,
                          seed=11)
    assert len(sweep.runs) == 2
    ends = sweep.runs["vm1_protein_total"]
    assert ends.nunique() == 2 and (ends > 0).all()


def test_hybrid_refusals_name_what_is_missing(build, tmp_path):
    """Hybrid runs in bngsim on model.net: another engine, or a build without the network file,
    is a clear error before any work."""
    import shutil

    from bioxen.errors import SimulationError

    for engine in ("roadrunner", "copasi", "bng"):
        with pytest.raises(SimulationError, match=f"engine '{engine}' cannot run method 'hybrid'"):
            simulate(build, 1, 2, method="hybrid", engine=engine)
    bare = tmp_path / "bare"
    shutil.copytree(build, bare)
    (bare / "model.net").unlink()
    with pytest.raises(SimulationError, match="has no model.net, which hybrid runs need"):
        simulate(bare, 1, 2, method="hybrid")
    with pytest.raises(SimulationError, match="libRoadRunner runs method 'ode' or 'ssa', not 'hybrid'"):
        from bioxen.runtime.simulate import load_simulator
        load_simulator((build / "model.xml").read_text(), "hybrid")


def test_a_policy_may_ask_for_hybrid_and_sedml_says_so(build, tmp_path):
    import zipfile

    policy = build.parent / "hybrid.yaml"               # beside the genome it names
    policy.write_text((build.parent / "paused.yaml").read_text().replace("simulate: {", "simulate: {method: hybrid, "))
    design = read_design(policy)
    assert design.simulation.method == "hybrid"
    out = write_build(compile_design(design), tmp_path / "build", formats=("sbml", "net", "omex"))
    with zipfile.ZipFile(out / "model.omex") as archive:
        sedml = next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".sedml"))
    assert 'kisaoID="KISAO:0000352"' in sedml            # the hybrid method
