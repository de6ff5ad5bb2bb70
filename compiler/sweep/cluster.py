"""A sweep's simulations on Dask: one task per (grid point, replicate).

A task carries what it needs, never a path: its grid point's build files (``BuildFiles``:
model.xml and the JSON files, and model.bngl or model.net where its engine reads them) are
scattered to every worker once per grid point (``client.scatter(..., broadcast=True)``), and
each task writes them into a temporary directory on its worker, runs
``bioxen.runtime.engines.simulate`` and returns the results table. A remote cluster
(``--scheduler ADDRESS``) therefore needs no shared filesystem, only bioxen (the same
version) installed where its workers run.
"""
from __future__ import annotations

import logging
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from bioxen.errors import BioxenError, SimulationError

NOTHING_WRITTEN = "the other runs were cancelled and nothing was written"
SCHEDULER_HINT = ("start a scheduler with `dask scheduler` and workers with `dask worker ADDRESS` "
                  "in an environment with bioxen installed")


def build_formats(engine: str | None, method: str) -> tuple[str, ...]:
    """What to compile for the runs (model.xml and the JSON files always): model.bngl for
    BNG2.pl; model.net where bngsim may run an ODE (it reads the network file when there is one)."""
    return ("sbml",) + (("bngl",) if engine == "bng" else ()) \
        + (("net",) if method == "ode" and engine in (None, "bngsim") else ())


@dataclass(frozen=True)
class BuildFiles:
    """A compiled build's files, by name (text). The build holds only what its runs need
    (``build_formats``), and engines read more than model.xml (bngsim's network-file path reads
    locus_map.json), so all of it travels."""

    files: tuple[tuple[str, str], ...]

    @classmethod
    def read(cls, build_dir: Path) -> "BuildFiles":
        return cls(tuple((path.name, path.read_text()) for path in sorted(build_dir.iterdir()) if path.is_file()))

    def materialise(self, directory: Path) -> Path:
        for name, text in self.files:
            (directory / name).write_text(text)
        return directory


@dataclass(frozen=True)
class Run:
    """One simulation of a sweep: which grid point and replicate, its seed and how it runs."""

    point: int
    replicate: int
    seed: int
    until: float
    points: int
    method: str
    engine: str


def simulate_run(build: BuildFiles, run: Run) -> pd.DataFrame:
    """The task a worker runs: the build's files in a temporary directory, simulated."""
    from bioxen.runtime import engines

    with tempfile.TemporaryDirectory(prefix="bioxen-run-") as work:
        directory = build.materialise(Path(work))
        return engines.simulate(directory, run.until, run.points, run.method, run.seed, run.engine)


@contextmanager
def dask_client(scheduler=None, workers: int = 2):
    """A Dask client: ``scheduler`` itself if it is a ``distributed.Client`` (left open), a
    client of the scheduler at that address, or of a new ``LocalCluster`` of ``workers``
    single-threaded worker processes (closed on leaving)."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler:
        try:
            client = Client(scheduler)
        except (OSError, ValueError) as exc:
            raise SimulationError(f"cannot connect to the Dask scheduler at {scheduler}: {exc}",
                                  hint=SCHEDULER_HINT) from exc
        with client:
            yield client
        return
    if workers < 1:
        raise SimulationError(f"--workers must be at least 1, got {workers}")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def _failure(exc: BaseException) -> str:
    if isinstance(exc, BioxenError):
        return "; ".join(d.message for d in exc.errors)
    if type(exc).__name__ == "KilledWorker":
        return f"its worker process died ({exc}), e.g. out of memory or a crash inside the simulator"
    return f"{type(exc).__name__}: {exc}"


def run_on_cluster(client, jobs: Iterable[tuple[BuildFiles, list[Run]]], describe: Callable[[Run], str],
                   progress: Callable[[int, int], None] | None = None) -> dict[Run, pd.DataFrame]:
    """Submit every job's runs (a job's build scattered once) and gather their tables as they
    complete; ``jobs`` may compile lazily, and runs start while later points compile. The first
    failed run cancels the rest and raises a SimulationError naming it (``describe(run)``)."""
    from distributed import as_completed

    runs: dict = {}
    try:
        for build, point_runs in jobs:
            [shared] = client.scatter([build], broadcast=True)
            runs.update({client.submit(simulate_run, shared, run, pure=False): run for run in point_runs})
            if progress is not None:
                progress(0, len(runs))
        tables: dict = {}
        for future in as_completed(list(runs)):
            run = runs[future]
            if future.status == "error":
                exc = future.exception()
                raise SimulationError(f"run failed: {describe(run)}: {_failure(exc)}", hint=NOTHING_WRITTEN) from exc
            if future.status != "finished":
                raise SimulationError(f"run {future.status}: {describe(run)} (the cluster lost it: a worker or "
                                      "the scheduler went away)", hint=NOTHING_WRITTEN)
            tables[run] = future.result()
            if progress is not None:
                progress(len(tables), len(runs))
        return tables
    finally:
        client.cancel(list(runs))
