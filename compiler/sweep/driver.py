"""``run_sweep``: a policy, a parameter grid and replicates, compiled once per grid point and
simulated on Dask into one tidy table (what ``bioxen sweep`` runs).

Decisions a user sees:

* Duration, output points and method come from the arguments, else from each grid point's own
  ``simulate:`` section (so ``--set simulate.until=...`` sweeps the duration).
* ``method="ode"`` with more than one replicate is an error: an ODE run is deterministic and
  every replicate would be the same table.
* Engine: the one asked for; else bngsim for SSA (its direct method ran 0.1 min of a one-VM
  Syn3A design in 19 s against libRoadRunner's 177 s) and, for ODE,
  ``engines.resolve_engine``'s choice by network size.
* Seeds: one per (grid point, replicate) from the base seed, ``grid.replicate_seed``; each
  run's seed is in its rows. The same call gives the same tables, SSA included.
* The first failed run cancels the others and raises a SimulationError naming its grid
  point, replicate and seed; nothing is written.
* Size: grid points x replicates at most ``grid.MAX_RUNS`` (``max_runs``, or the environment's
  ``BIOXEN_MAX_SWEEP_RUNS``), checked before anything is compiled.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Callable, NamedTuple

import pandas as pd

import bioxen
from bioxen.errors import SimulationError
from bioxen.progress import task as progress_task
from bioxen.sweep.cluster import BuildFiles, Run, build_formats, dask_client, run_on_cluster
from bioxen.sweep.grid import Setting, check_settings, check_size, check_values, parse_setting, replicate_seed
from bioxen.sweep.tables import results_and_runs, summary_table, write_tables
from bioxen.sweep.variants import GridPoint, compile_point, describe, design_name, policy_grid
from bioxen.units import minutes

SSA_ENGINE = "bngsim"
SEED_SCHEME = "numpy.random.SeedSequence(base_seed, spawn_key=(point, replicate)).generate_state(1, uint32)[0] >> 1"
Progress = Callable[[str, int, int], None]   # (stage "compile" or "run", done, total)


class SweepResult(NamedTuple):
    """A sweep's tables (``bioxen.sweep.tables``): ``results``, one row per run and time
    point; ``runs``, one row per run with its final values; ``summary``, mean, std and sem of
    the final values per grid point and quantity."""

    results: pd.DataFrame
    runs: pd.DataFrame
    summary: pd.DataFrame

    def write(self, path: str | Path) -> dict[str, Path]:
        """Write the three tables (``path`` ends in .parquet or .csv), all or none."""
        return write_tables(self._asdict(), path)


def settings_from(settings, limit: int | None = None) -> list[Setting]:
    """``--set`` texts (``"vms.vm1.ribosomes.share=0.1:0.5:5"``), Settings, or a mapping of
    path -> values."""
    if isinstance(settings, Mapping):
        found = [_mapped(path, values) for path, values in settings.items()]
    elif isinstance(settings, str):
        found = [parse_setting(settings, limit)]
    else:
        found = [s if isinstance(s, Setting) else parse_setting(s, limit) for s in settings]
    check_settings(found)
    return found


def _mapped(path, values) -> Setting:
    """A setting given as ``{path: values}``."""
    from bioxen.errors import PolicyError

    option = f"setting {path}"
    if not isinstance(path, str) or isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple, range)):
        raise PolicyError(f"{option}: give a dotted path and a list of its values, got {values!r:.80}")
    check_values(tuple(values), option)
    return Setting(path, tuple(values), option)


def _minutes(until: float | str) -> float:
    if not isinstance(until, str):
        return float(until)
    try:
        return minutes(until)
    except ValueError as exc:
        raise SimulationError(f"--until: {exc}") from None


def _plan(point: GridPoint, until, points, method) -> tuple[float, int, str]:
    """Duration (min), output points and method of a grid point's runs."""
    plan = point.policy.simulate
    return (plan.until if until is None else _minutes(until), plan.points if points is None else int(points),
            plan.method if method is None else method)


def _check_overrides(settings: list[Setting], **given) -> None:
    """A swept ``simulate.X`` that an argument overrides, or ``simulate.seed`` (the sweep seeds
    each run from its base seed), would be swept in name only."""
    for setting in settings:
        key = setting.path.removeprefix("simulate.")
        if setting.path.startswith("simulate.") and given.get(key) is not None:
            raise SimulationError(f"{setting.option} is overridden by --{key} {given[key]}; give one of them")
        if setting.path == "simulate.seed":
            raise SimulationError(f"{setting.option}: a sweep seeds each run from --seed (see replicate_seed); "
                                  "sweep replicates instead", hint="use --replicates N --seed S")


def _check_plans(plans: list[tuple[float, int, str]], replicates: int, engine: str | None) -> None:
    from bioxen.runtime.engines import resolve_engine
    from bioxen.runtime.simulate import METHODS

    if replicates < 1:
        raise SimulationError(f"--replicates must be at least 1, got {replicates}")
    for until, points, method in set(plans):
        if method not in METHODS:
            raise SimulationError(f"unknown method '{method}' (expected one of: {', '.join(METHODS)})")
        if until <= 0 or points < 2:
            raise SimulationError(f"a sweep needs a positive duration and at least 2 points "
                                  f"(got {until:g} min, {points} points)")
        if method == "ode" and replicates > 1:
            raise SimulationError(f"--replicates {replicates} with method ode: an ODE run is deterministic, "
                                  "so every replicate would be the same table",
                                  hint="use --replicates 1 for ODE, or --method ssa for a stochastic ensemble")
        if engine is not None:
            resolve_engine(Path("."), engine, method)   # an unknown engine or method fails before compiling


def _engine(build_dir: Path, engine: str | None, method: str) -> str:
    from bioxen.runtime.engines import resolve_engine

    chosen, _ = resolve_engine(build_dir, engine or (SSA_ENGINE if method == "ssa" else None), method)
    return chosen.name


def _jobs(policy_path, tree, settings, points, plans, replicates, engine, seed, work_dir, progress):
    """Compile each grid point in turn and give its build files and runs."""
    for number, (point, (until, n_points, method)) in enumerate(zip(points, plans), start=1):
        build_dir = compile_point(policy_path, tree, settings, point, build_formats(engine, method), work_dir)
        chosen = _engine(build_dir, engine, method)
        files = BuildFiles.read(build_dir)
        shutil.rmtree(build_dir)   # the runs read only what they carry
        if progress:
            progress("compile", number, len(points))
        yield files, [Run(point.index, r, replicate_seed(seed, point.index, r), until, n_points, method, chosen)
                      for r in range(replicates)]


def run_sweep(policy: str | Path, settings: Iterable | Mapping = (), replicates: int = 1,
              method: str | None = None, until: float | str | None = None, points: int | None = None,
              engine: str | None = None, seed: int = 0, scheduler=None, workers: int = 2,
              progress: Progress | None = None, max_runs: int | None = None) -> SweepResult:
    """Sweep ``policy`` over the grid of ``settings`` with ``replicates`` runs per grid point.

    ``until`` in minutes or with a unit ("30 min"); ``scheduler`` a Dask scheduler address or a
    ``distributed.Client``; without one, a LocalCluster of ``workers`` processes is started and
    closed. ``progress(stage, done, total)`` is called as grid points compile and runs finish;
    in a terminal, bars on stderr show the same (:mod:`bioxen.progress`).
    ``max_runs``: the most runs (grid points x replicates) allowed (module docstring).
    """
    policy_path = Path(policy)
    settings = settings_from(settings, max_runs)
    check_size(settings, replicates, max_runs)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SimulationError(f"--seed must be a non-negative integer, got {seed!r}")
    _check_overrides(settings, until=until, points=points, method=method)
    with progress_task("checking the grid's policies"):
        tree, grid_points = policy_grid(policy_path, settings)
    plans = [_plan(point, until, points, method) for point in grid_points]
    _check_plans(plans, replicates, engine)
    values = {p.index: p.values for p in grid_points}

    def described(run: Run) -> str:
        return f"grid point {run.point} ({describe(values[run.point])}), replicate {run.replicate}, seed {run.seed}"

    with tempfile.TemporaryDirectory(prefix="bioxen-sweep-") as work, dask_client(scheduler, workers) as client, \
            progress_task("simulating runs", len(grid_points) * replicates, "runs") as simulated, \
            progress_task("compiling grid points", len(grid_points), "points") as compiled:
        shown = {"compile": compiled, "run": simulated}

        def report(stage: str, done: int, total: int) -> None:
            shown[stage](done)
            if progress is not None:
                progress(stage, done, total)

        jobs = _jobs(policy_path, tree, settings, grid_points, plans, replicates, engine, seed, Path(work), report)
        tables = run_on_cluster(client, jobs, described, lambda done, total: report("run", done, total))
    paths = [s.path for s in settings]
    results, runs = results_and_runs(tables, grid_points, paths)
    results.attrs["bioxen_sweep"] = {
        "policy": str(policy_path), "design": design_name(tree), "bioxen": bioxen.__version__,
        "settings": {s.path: list(s.values) for s in settings}, "replicates": replicates,
        "base_seed": seed, "seed_scheme": SEED_SCHEME, "runs": len(runs),
        "engines": sorted(set(runs["engine"])), "methods": sorted(set(runs["method"])),
    }
    return SweepResult(results, runs, summary_table(runs, paths))
