"""Progress bars (bioxen.progress): drawn on stderr in a terminal, never on stdout, and nothing at
all when stderr is not a terminal, under ``--quiet`` or ``BIOXEN_QUIET``."""
from __future__ import annotations

import io
import os
import pty
import re
import signal
import sys
import threading
import time

import pytest
from rich.console import Console
from typer.testing import CliRunner

import bioxen.cli
from bioxen import progress
from bioxen.cli import app
from bioxen.outdir import signals_deferred
from bioxen.runtime.failures import native_stderr
from bioxen.sweep import run_sweep
from conftest import write_policy

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def terminal() -> tuple[Console, io.StringIO]:
    """A console that takes itself for a terminal, writing into a string."""
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=120), screen


def drawn(screen: io.StringIO) -> str:
    return ANSI.sub("", screen.getvalue())


@pytest.fixture(autouse=True)
def _not_quiet(monkeypatch):
    monkeypatch.delenv(progress.QUIET_VARIABLE, raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)


# -- the display --------------------------------------------------------------------------------

def test_a_terminal_shows_a_bar_with_counts_and_a_line_for_slow_outer_work(monkeypatch):
    monkeypatch.setattr(progress, "REPORT_AFTER_S", 0.0)
    console, screen = terminal()
    with progress.shown(console=console):
        with progress.task("simulating runs", total=12, unit="runs") as advance:
            with progress.task("compiling grid points"):
                advance(3)
            advance(12)
    text = drawn(screen)
    assert "simulating runs" in text and "compiling grid points" in text and "12/12 runs" in text
    assert re.search(r"^\r?simulating runs: \d+\.\d s$", text, re.M)          # the outer task's line stays
    assert not re.search(r"compiling grid points: ", text)                   # an inner one's does not


@pytest.mark.parametrize("width", [60, 80, 200])
def test_a_narrow_terminal_cuts_the_label_not_the_numbers(width):
    """Each task keeps one line with its amount, elapsed time and time left whole; a label too
    long for the terminal ends in an ellipsis (rich would otherwise cut every column: ``0…``)."""
    long_label = "simulating 120 min in bngsim (hybrid; the engine of hybrid runs)"
    console = Console(file=io.StringIO(), force_terminal=True, width=width)
    screen = io.StringIO()
    with progress.shown(console=console):
        with progress.task("simulating runs", total=1, unit="runs"):
            with progress.task(long_label, total=120, unit="min") as advance:
                advance(42.5)
                display = progress._current.get()
                table = display.bar.make_tasks_table(display.bar.tasks)
                Console(file=screen, force_terminal=True, width=width, color_system=None).print(table)
    rows = drawn(screen).splitlines()
    assert len(rows) == 2, rows                       # one line per task: nothing wrapped
    assert all(len(row) <= width for row in rows)
    assert re.search(r"0/1 runs +\d:\d\d:\d\d +(-|\d):", rows[0]), rows[0]
    assert re.search(r"42\.5/120 min +\d:\d\d:\d\d +(-|\d):", rows[1]), rows[1]
    assert (long_label in rows[1]) == (width >= 200) and ("…" in rows[1]) == (width < 200)


def test_a_bar_reaches_the_terminal_while_native_output_is_held_back(monkeypatch):
    """A simulator's native messages are held back while it runs by pointing descriptor 2
    elsewhere (native_stderr); the bar, drawn meanwhile, still reaches the terminal (a pty
    here) as the run goes, and the messages follow when it is over."""
    master, slave = pty.openpty()
    saved = os.dup(2)
    os.dup2(slave, 2)
    monkeypatch.setattr(sys, "stderr", open(2, "w", closefd=False))
    try:
        console = Console(stderr=True)
        assert console.is_terminal
        with progress.shown(console=console):
            with progress.task("simulating", total=120, unit="min") as advance:
                with native_stderr() as native:
                    advance(42.5)
                    progress._current.get().bar.refresh()
                    during = _read_all(master)
                    os.write(2, b"solver message\n")
                after = _read_all(master)
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved), os.close(slave)
    os.close(master)
    assert "42.5/120 min" in drawn(io.StringIO(during))
    assert "solver message" not in during and native.text == "solver message\n" and "solver message" in after


def _read_all(descriptor: int) -> str:
    """What a pty's master end holds now."""
    time.sleep(0.2)
    os.set_blocking(descriptor, False)
    found = b""
    while True:
        try:
            chunk = os.read(descriptor, 65536)
        except (BlockingIOError, OSError):
            return found.decode(errors="replace")
        if not chunk:
            return found.decode(errors="replace")
        found += chunk


@pytest.mark.parametrize("how", ["not a terminal", "quiet", "environment", "worker thread"])
def test_nothing_is_drawn_off_a_terminal_or_when_asked(how, monkeypatch):
    console, screen = terminal()
    if how == "not a terminal":
        console = Console(file=screen)
    if how == "environment":
        monkeypatch.setenv(progress.QUIET_VARIABLE, "1")

    def work():
        with progress.shown(quiet=how == "quiet", console=console), progress.shown(console=console):
            with progress.task("expanding the network", total=2) as advance:
                advance(2)

    if how == "worker thread":
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    else:
        work()
    assert screen.getvalue() == ""


def test_results_printed_during_a_task_stay_on_stdout(capsys):
    console, screen = terminal()
    with progress.shown(console=console), progress.task("simulating"):
        print("time_min,growth_rate_per_min")
    assert capsys.readouterr().out == "time_min,growth_rate_per_min\n"
    assert "time_min" not in screen.getvalue() and "simulating" in drawn(screen)


def test_signals_still_wait_for_a_swap_while_a_bar_is_drawn():
    """outdir swaps builds with SIGINT deferred; the display's refresh thread must not undo that."""
    console, _ = terminal()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    finished = False
    try:
        with pytest.raises(KeyboardInterrupt), progress.shown(console=console), progress.task("writing"):
            with signals_deferred():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.3)                       # three refreshes of the bar
                finished = True
    finally:
        signal.signal(signal.SIGINT, previous)
    assert finished


# -- the commands and the API -------------------------------------------------------------------

def _compile(policy, out, monkeypatch, console=None, *options):
    if console is not None:
        monkeypatch.setattr(bioxen.cli, "errors", console)
    return runner.invoke(app, [*options, "compile", str(policy), "-o", str(out), "--no-cache", "--formats", "sbml"])


def test_compile_draws_its_stages_on_stderr_only_in_a_terminal(small_policy, tmp_path, monkeypatch):
    plain = _compile(small_policy, tmp_path / "out", monkeypatch)
    assert plain.exit_code == 0, plain.output
    assert plain.stderr == ""                                   # not a terminal: nothing extra
    console, screen = terminal()
    shown = _compile(small_policy, tmp_path / "out", monkeypatch, console)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == plain.stdout                         # results unchanged
    text = drawn(screen)
    for stage in ("reading inputs", "compiling", "running the passes", "building the rules", "expanding the network",
                  "building the SBML model", "writing sbml"):
        assert stage in text, stage
    console, screen = terminal()
    quiet = _compile(small_policy, tmp_path / "out", monkeypatch, console, "--quiet")
    assert quiet.exit_code == 0 and quiet.stdout == plain.stdout and screen.getvalue() == ""


@pytest.mark.slow
def test_a_sweep_counts_its_runs_and_grid_points(tmp_path, synthetic_genbank):
    from distributed import Client, LocalCluster

    policy = write_policy(tmp_path / "grid.yaml", f"""
schema_version: 1
name: grid
vms:
  - {{id: vm1, genome: {synthetic_genbank.name}, ribosomes: {{share: 0.2}}, genetic_code: recode}}
""")
    console, screen = terminal()
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster, set_as_default=False) as client, progress.shown(console=console):
        sweep = run_sweep(policy, ["vms.vm1.ribosomes.share=0.1,0.2"], until="30 min", points=3, scheduler=client)
    assert len(sweep.runs) == 2
    text = drawn(screen)
    assert "simulating runs" in text and "2/2 runs" in text and "2/2 points" in text
