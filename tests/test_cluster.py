"""`bioxen sweep --scheduler ADDRESS` on an external Dask cluster (docs/cluster.md): a scheduler
and single-threaded worker processes started here with `dask scheduler` and `dask worker`, on
loopback only, as a user starts them by hand or a batch job does. Its tables must equal, bit for
bit, those of the same sweep on a LocalCluster, also when a worker is killed mid-sweep; a
cluster that loses every worker stops the sweep with an error naming them."""
from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from bioxen.cli import app
from bioxen.errors import SimulationError
from bioxen.sweep import run_sweep
from conftest import write_small_policy, write_synthetic_genbank

runner = CliRunner()
SHARE = "vms.vm1.ribosomes.share"
SSA = dict(method="ssa", until=0.01, points=3)
STARTUP_S = 60


@dataclass
class ExternalCluster:
    """A `dask scheduler` process, its `dask worker` processes (no nanny: a worker killed stays
    dead) and a client to watch them."""

    address: str
    workers: list[subprocess.Popen]
    watcher: object                  # a distributed.Client

    def kill_busy_worker(self) -> tuple[str, int]:
        """SIGKILL a worker process that holds runs; its address and how many runs it held."""
        holding = {address: len(keys) for address, keys in self.watcher.processing().items() if keys}
        assert holding, "no worker held a run when one was to be killed: make the runs longer"
        address = max(holding, key=holding.get)
        pid = self.watcher.run(os.getpid, workers=[address])[address]
        [process] = [p for p in self.workers if p.pid == pid]
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        return address, holding[address]


def _started(command: list[str], log: Path, processes: list) -> subprocess.Popen:
    with open(log, "wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    processes.append(process)
    return process


def _scheduler_address(path: Path, scheduler: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        assert scheduler.poll() is None, f"dask scheduler exited:\n{log.read_text()[-2000:]}"
        try:
            return json.loads(path.read_text())["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.2)
    pytest.fail(f"dask scheduler wrote no address in {STARTUP_S} s:\n{log.read_text()[-2000:]}")


def _stop(processes: list[subprocess.Popen]) -> None:
    """End the processes this test started, workers first (SIGKILL: nothing of theirs is kept),
    then the scheduler; each led its own session, and whatever it started there goes too."""
    for process in reversed(processes):
        if process.poll() is None:
            process.kill()
        process.wait(10)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@pytest.fixture
def external_cluster(tmp_path):
    """``start(n)``: a scheduler on 127.0.0.1 (port chosen by the system, found through its
    scheduler file) and ``n`` workers of one process and one thread; all stopped afterwards."""
    from distributed import Client

    processes, clients = [], []
    dask = [sys.executable, "-m", "dask"]

    def start(n_workers: int) -> ExternalCluster:
        scheduler_file, log = tmp_path / "scheduler.json", tmp_path / "scheduler.log"
        scheduler = _started(dask + ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                     "--scheduler-file", str(scheduler_file)], log, processes)
        address = _scheduler_address(scheduler_file, scheduler, log)
        workers = [_started(dask + ["worker", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1",
                                    "--nworkers", "1", "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                    "--death-timeout", "30", "--local-directory", str(tmp_path / f"worker{i}")],
                            tmp_path / f"worker{i}.log", processes) for i in range(n_workers)]
        watcher = Client(address, set_as_default=False)
        clients.append(watcher)
        if n_workers:
            watcher.wait_for_workers(n_workers, timeout=STARTUP_S)
        return ExternalCluster(address, workers, watcher)

    try:
        yield start
    finally:
        for client in clients:
            client.close()
        _stop(processes)


@pytest.fixture(scope="module")
def local_cluster():
    """The reference: a LocalCluster of two single-threaded worker processes."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster, set_as_default=False) as client:
        yield client


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_cache(shared_cache, monkeypatch):
    """One build cache for this module's tests (conftest gives each test its own): the same grid
    points are compiled once, whichever cluster runs them."""
    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(shared_cache))


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    directory = tmp_path_factory.mktemp("policy")
    return write_small_policy(directory, write_synthetic_genbank(directory / "SYN00001.1.gb"), simulate="")


@pytest.mark.slow
def test_sweeps_on_an_external_cluster_equal_local_ones_bit_for_bit_also_when_a_worker_dies(
        policy, external_cluster, local_cluster, tmp_path):
    """An SSA ensemble, the busiest worker SIGKILLed once two runs have finished (Dask runs its
    runs again on the other): the same seeds and trajectories as on a LocalCluster. Then an ODE
    grid through `bioxen sweep --scheduler` on what is left: the same numbers."""
    cluster = external_cluster(2)
    killed = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "run" and done >= 2 and not killed:
            killed.append(cluster.kill_busy_worker())

    remote = run_sweep(policy, replicates=5, seed=5, scheduler=cluster.address, progress=progress, **SSA)
    [(address, held)] = killed
    assert held >= 1 and address not in cluster.watcher.scheduler_info(n_workers=-1)["workers"]
    assert [p.returncode for p in cluster.workers].count(-signal.SIGKILL) == 1
    local = run_sweep(policy, replicates=5, seed=5, scheduler=local_cluster, **SSA)
    assert remote.runs["seed"].nunique() == 5 and remote.runs["energy"].nunique() > 1   # five distinct runs
    pd.testing.assert_frame_equal(remote.results, local.results, check_exact=True)
    pd.testing.assert_frame_equal(remote.runs, local.runs, check_exact=True)

    grid = [f"{SHARE}=0.2,0.3"]
    out = tmp_path / "grid.parquet"
    result = runner.invoke(app, ["sweep", str(policy), "--set", grid[0], "--until", "30 min", "--points", "7",
                                 "--scheduler", cluster.address, "-o", str(out)])
    assert result.exit_code == 0, result.output
    local = run_sweep(policy, grid, until="30 min", points=7, scheduler=local_cluster)
    remote, remote_runs = pd.read_parquet(out), pd.read_parquet(tmp_path / "grid_runs.parquet")
    assert list(remote_runs["method"]) == ["ode", "ode"] and remote_runs["vm1_translation_flux"].nunique() == 2
    pd.testing.assert_frame_equal(remote, local.results, check_exact=True)
    pd.testing.assert_frame_equal(remote_runs, local.runs, check_exact=True)


@pytest.mark.slow
def test_a_cluster_that_loses_every_worker_stops_the_sweep_naming_them(policy, external_cluster, monkeypatch):
    """The one worker killed after the first run: the build it held is gone with it, so the
    scheduler drops the remaining runs (or, were it to keep them, none could start)."""
    cluster = external_cluster(1)
    [worker] = cluster.watcher.scheduler_info(n_workers=-1)["workers"]
    monkeypatch.setenv("BIOXEN_NO_WORKER_TIMEOUT", "5")
    killed = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "run" and done >= 1 and not killed:
            killed.append(cluster.kill_busy_worker())

    start = time.perf_counter()
    with pytest.raises(SimulationError) as caught:
        run_sweep(policy, replicates=4, seed=0, scheduler=cluster.address, progress=progress, **SSA)
    message = " ".join(str(d) for d in caught.value.errors)
    lost = re.escape(worker)
    assert re.search(rf"run cancelled: grid point 0 \(the policy as written\), replicate \d, seed \d+: the cluster "
                     rf"lost worker\(s\) {lost}, and with them every copy of its grid point's build"
                     rf"|the Dask cluster has had no worker for 5 s \(lost every worker: {lost}\)", message), message
    assert "nothing was written" in message and time.perf_counter() - start < 30


def test_a_cluster_without_workers_stops_the_sweep_after_the_time_allowed(policy, external_cluster, monkeypatch):
    cluster = external_cluster(0)
    monkeypatch.setenv("BIOXEN_NO_WORKER_TIMEOUT", "1")
    with pytest.raises(SimulationError, match=r"the Dask cluster has had no worker for 1 s \(no worker ever joined\)"):
        run_sweep(policy, replicates=2, scheduler=cluster.address, **SSA)
