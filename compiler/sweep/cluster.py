"""A sweep's simulations on Dask: one task per (grid point, replicate).

A task carries what it needs, never a path: its grid point's build files (``BuildFiles``:
model.xml and the JSON files, and model.bngl or model.net where its engine reads them) are
scattered to every worker once per grid point (``client.scatter(..., broadcast=True)``), and
each task writes them into a temporary directory on its worker, runs
``bioxen.runtime.engines.simulate`` and returns the results table. A remote cluster
(``--scheduler ADDRESS``) therefore needs no shared filesystem, only bioxen (the same
version, checked on the workers present when the sweep starts) installed where its workers
run; docs/cluster.md shows SLURM/PBS, Kubernetes and plain ``dask scheduler``/``dask worker``.

Losing workers. A worker that dies while it runs a task costs only that attempt: the scheduler
runs it again on another worker (up to ``distributed.scheduler.allowed-failures`` times, then
the run fails with Dask's KilledWorker naming the last worker); results held only by a lost
worker are recomputed. A run is a pure function of its build and seed, so the tables come out
the same. Runs are not retried on an exception of their own (``retries``): a failed integration
fails again. A grid point's build lives on the workers only: if every worker holding it dies
(rather than retiring gracefully, which hands its data on), its remaining runs are cancelled and
the sweep stops, naming the workers lost. A cluster with no worker at all for
``NO_WORKER_TIMEOUT_S`` seconds (``BIOXEN_NO_WORKER_TIMEOUT``) stops the sweep the same way,
rather than waiting for ever.
"""
from __future__ import annotations

import logging
import math
import tempfile
import time
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from bioxen.env import env_number
from bioxen.progress import task as progress_task
from bioxen.errors import BioxenError, SimulationError

NOTHING_WRITTEN = "the other runs were cancelled and nothing was written"
SCHEDULER_HINT = ("start a scheduler with `dask scheduler` and workers with `dask worker ADDRESS` "
                  "in an environment with bioxen installed (docs/cluster.md)")
NO_WORKER_VARIABLE = "BIOXEN_NO_WORKER_TIMEOUT"
NO_WORKER_TIMEOUT_S = 300.0   # a batch queue may take minutes to start a worker; inf waits for ever
POLL_S = 0.1                  # how often the wait for runs looks at the cluster when none finished


def build_formats(engine: str | None, method: str) -> tuple[str, ...]:
    """What to compile for the runs (model.xml and the JSON files always): model.bngl for
    BNG2.pl; model.net where bngsim may run an ODE (it reads the network file when there is one)
    and for hybrid runs (which run on it)."""
    return ("sbml",) + (("bngl",) if engine == "bng" else ()) \
        + (("net",) if method == "hybrid" or (method == "ode" and engine in (None, "bngsim")) else ())


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
        with _connected(scheduler) as client:
            yield client
        return
    if workers < 1:
        raise SimulationError(f"--workers must be at least 1, got {workers}")
    with progress_task(f"starting a Dask LocalCluster of {workers} worker process(es)"):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)
    with cluster, Client(cluster) as client:
        yield client


@contextmanager
def _connected(address: str):
    """A client of the scheduler at ``address``, its workers checked (:func:`check_workers`)."""
    from distributed import Client

    try:
        with progress_task(f"connecting to the Dask scheduler at {address}"):
            client = Client(address)
    except (OSError, ValueError) as exc:
        raise SimulationError(f"cannot connect to the Dask scheduler at {address}: {exc}",
                              hint=SCHEDULER_HINT) from exc
    with client:
        check_workers(client)
        yield client


def check_workers(client) -> None:
    """Every worker present runs this version of bioxen (a worker without it, or with another,
    would fail each run it takes, or give other numbers)."""
    from importlib.metadata import version

    import bioxen

    found = client.run(version, "bioxen", on_error="return")
    wrong = {worker: "not installed" if isinstance(got, Exception) else got
             for worker, got in found.items() if got != bioxen.__version__}
    if wrong:
        raise SimulationError(f"the Dask workers must run bioxen {bioxen.__version__}, as here; "
                              + "; ".join(f"{worker}: {got}" for worker, got in sorted(wrong.items())),
                              hint="install the same bioxen where the workers run (docs/cluster.md)")


def no_worker_timeout() -> float:
    """Seconds a sweep waits while its cluster has no worker (``BIOXEN_NO_WORKER_TIMEOUT``)."""
    return env_number(NO_WORKER_VARIABLE, float, NO_WORKER_TIMEOUT_S, accept=lambda seconds: seconds > 0,
                      error=lambda text: SimulationError(f"{NO_WORKER_VARIABLE}={text!r}: expected a number of "
                                                         "seconds above 0 (inf: no limit)"))


def _failure(exc: BaseException) -> str:
    if isinstance(exc, BioxenError):
        return "; ".join(d.message for d in exc.errors)
    if type(exc).__name__ == "KilledWorker":
        return f"its worker process died ({exc}), e.g. out of memory or a crash inside the simulator"
    return f"{type(exc).__name__}: {exc}"


class _WorkerWatch:
    """The cluster's workers while a sweep runs: every one seen, and since when none is left."""

    def __init__(self, client):
        self.client, self.limit = client, no_worker_timeout()
        self.seen: set[str] = set()
        self.last_look, self.none_since = 0.0, None

    def present(self) -> set[str]:
        present = set(self.client.nthreads())
        self.seen |= present
        return present

    def lost(self) -> list[str]:
        """Workers seen during the sweep and gone now."""
        return sorted(self.seen - self.present())

    def wait_for_one(self) -> None:
        """Return once the cluster has a worker (a build is scattered to those present)."""
        try:
            self.client.wait_for_workers(1, timeout=None if math.isinf(self.limit) else self.limit)
        except TimeoutError:
            raise self._stopped(0, 0) from None
        self.present()

    def look(self, finished: int, total: int) -> None:
        """Raise a SimulationError once the cluster has had no worker for the time limit."""
        now = time.monotonic()
        if now - self.last_look < 1.0:
            return
        self.last_look = now
        if self.present():
            self.none_since = None
            return
        self.none_since = self.none_since or now
        if now - self.none_since > self.limit:
            raise self._stopped(finished, total)

    def _stopped(self, finished: int, total: int) -> SimulationError:
        lost = f"lost every worker: {', '.join(sorted(self.seen))}" if self.seen else "no worker ever joined"
        done = f"; {finished} of {total} run(s) had finished" if total else ""
        return SimulationError(f"the Dask cluster has had no worker for {self.limit:g} s ({lost}){done}",
                               hint=f"{NOTHING_WRITTEN}; start workers (docs/cluster.md) or wait longer "
                                    f"({NO_WORKER_VARIABLE}=SECONDS)")


def _completed(client, futures: list, waiting: Callable[[], None]):
    """The futures as they complete (``distributed.as_completed``), calling ``waiting()`` every
    ``POLL_S`` while none does."""
    from distributed import as_completed

    pending = as_completed(futures, loop=client.loop)
    while not pending.is_empty():
        if pending.has_ready():
            yield from pending.next_batch(block=False)
            continue
        waiting()
        with pending.thread_condition:   # notified as each future completes
            pending.thread_condition.wait(timeout=POLL_S)


def _table(future, run: Run, describe: Callable[[Run], str], watch: _WorkerWatch,
           waiting: Callable[[], None]) -> pd.DataFrame:
    """The run's table, or a SimulationError naming the run and why it has none. A finished
    run's result lost with its worker is made again elsewhere: wait for it, as for any run."""
    while True:
        try:
            return future.result(timeout=1.0)
        except TimeoutError:
            if future.status != "error":
                waiting()
                continue
            exc = future.exception()
        except CancelledError as cancelled:
            raise _cancelled(run, describe, watch.lost(), cancelled) from cancelled
        except Exception as raised:     # the run's own error, raised again here by Dask
            exc = raised
        raise SimulationError(f"run failed: {describe(run)}: {_failure(exc)}", hint=NOTHING_WRITTEN) from exc


def _cancelled(run: Run, describe: Callable[[Run], str], lost: list[str], cancelled) -> SimulationError:
    """A run the scheduler dropped: with every copy of its build, when the workers holding them died."""
    why = (f"the cluster lost worker(s) {', '.join(lost)}, and with them every copy of its grid point's build"
           if lost else "the scheduler went away or cancelled it")
    return SimulationError(f"run cancelled: {describe(run)}: {why} (Dask: {cancelled})",
                           hint=f"{NOTHING_WRITTEN}; a worker that must stop should retire gracefully "
                                "(`dask worker --lifetime`), which hands its data to the others")


def run_on_cluster(client, jobs: Iterable[tuple[BuildFiles, list[Run]]], describe: Callable[[Run], str],
                   progress: Callable[[int, int], None] | None = None) -> dict[Run, pd.DataFrame]:
    """Submit every job's runs (a job's build scattered once) and gather their tables as they
    complete; ``jobs`` may compile lazily, and runs start while later points compile.
    ``progress(runs finished, runs submitted)`` is called as they do. The first failed run
    cancels the rest and raises a SimulationError naming it (``describe(run)``); so does a
    cluster left without workers (module docstring)."""
    runs: dict = {}
    report = progress or (lambda done, total: None)
    watch = _WorkerWatch(client)
    try:
        for build, point_runs in jobs:
            watch.wait_for_one()
            [shared] = client.scatter([build], broadcast=True)
            runs.update({client.submit(simulate_run, shared, run, pure=False): run for run in point_runs})
            report(0, len(runs))
        tables: dict = {}

        def waiting() -> None:
            watch.look(len(tables), len(runs))

        for future in _completed(client, list(runs), waiting):
            tables[runs[future]] = _table(future, runs[future], describe, watch, waiting)
            report(len(tables), len(runs))
        return tables
    finally:
        client.cancel(list(runs))
