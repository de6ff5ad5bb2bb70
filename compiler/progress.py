"""Progress of long work, drawn on stderr while it runs (``rich.progress``).

Library code says what it is doing; whether anyone sees it is decided once, here:

    from bioxen import progress

    with progress.task("expanding the network"):             # a spinner and the time so far
        ...
    with progress.task("simulating runs", total=12, unit="runs") as advance:
        advance(3)                                             # a bar, 3/12 runs, elapsed, ETA

A task draws nothing when stderr is not a terminal (``rich.console.Console.is_terminal``: a
pipe, a file, a CI log, pytest's capture, a notebook), when the environment sets
``BIOXEN_QUIET`` (to anything but ``0`` or empty), inside ``shown(quiet=True)`` (``bioxen
--quiet``), or off the main thread (a Dask worker thread). Progress never goes to stdout, which
carries results (tables, ``--json``), and never into a file BioXen writes.

:func:`shown` opens the display for a block (``bioxen`` opens it around every command, on its
stderr console); a task outside any ``shown`` block opens one for itself, so an API call such
as ``run_sweep`` or ``population`` in a terminal shows its bars with no setup. Nested tasks
share the one display (rich draws one live display per console), each on its own line; the
display runs only while a task is open, so a table printed between tasks never meets a
redrawing bar. An outermost task that took more than ``REPORT_AFTER_S`` leaves one line,
``compiling: 12.3 s``; inner ones vanish when done.

The cost is a refresh thread drawing ten times a second while a task is open; a simulator that
holds the GIL (libRoadRunner) only delays it. Measured on a 65-species design, medians of
four runs drawn into a forced terminal against none: bngsim SSA of 0.03 min 3.5 s against
4.0 s, libRoadRunner SSA of 0.05 min in 20 legs 3.19 s against 3.09 s, bngsim ODE of 10 h
0.037 s against 0.034 s (the display's start): within the runs' own scatter.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Column
from rich.text import Text

QUIET_VARIABLE = "BIOXEN_QUIET"
REPORT_AFTER_S = 1.0
Advance = Callable[..., None]        # advance(done, total=None): work done so far (and a new total)


LABEL_LEAST = 16           # characters of a task's label kept however narrow the terminal
ROOM_FOR_THE_REST = 46     # a row's other columns at their narrowest (amount, times, a short bar)


class _Label(TextColumn):
    """A task's label, cut short with an ellipsis where the terminal is too narrow for it and
    the rest of its row: the amount and the times are never cut or wrapped (rich shares a
    narrow width out among all columns otherwise: ``0…`` for ``42.5/120 min`` in 80 columns).
    Worked out at each redraw, so a resized terminal is followed."""

    def __init__(self, console: Console):
        super().__init__("{task.description}")
        self.console = console

    def get_table_column(self) -> Column:
        return Column(no_wrap=True, overflow="ellipsis",
                      max_width=max(LABEL_LEAST, self.console.width - ROOM_FOR_THE_REST))


def _whole() -> Column:
    """A column rich may not shorten or wrap."""
    return Column(no_wrap=True)


class _Amount(ProgressColumn):
    """``3/12 runs``, ``42.5/360 min``; nothing for work of unknown extent."""

    def render(self, task) -> Text:
        if task.total is None:
            return Text("")
        unit = task.fields.get("unit", "")
        return Text(f"{_number(task.completed)}/{_number(task.total)} {unit}".rstrip(), style="progress.download")


class _Remaining(TimeRemainingColumn):
    """The ETA, only where the work's extent is known."""

    def render(self, task) -> Text:
        return Text("") if task.total is None else super().render(task)


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:.4g}"


def _beside_native_output(console: Console) -> Console:
    """What a display on ``console`` draws on: where ``console`` writes to this process's
    standard error (descriptor 2), a console like it on a descriptor of its own for the same
    terminal, since a simulator's native messages are held back while it runs by pointing
    descriptor 2 elsewhere (:func:`bioxen.runtime.failures.native_stderr`), which would hold
    the bar back with them: a hybrid run's minutes, or the clock of an ODE, reached the
    terminal only when the run was over. Any other console (a file, a string) is drawn on as
    it is."""
    try:
        if console.file is not sys.stderr or sys.stderr.fileno() != 2:
            return console
        descriptor = os.dup(2)
    except (AttributeError, OSError, ValueError):       # io.UnsupportedOperation is a ValueError
        return console
    own = os.fdopen(descriptor, "w", encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
                    errors="replace")
    return Console(file=own, force_terminal=console.is_terminal, color_system=console.color_system,
                   legacy_windows=console.legacy_windows)


class _Display:
    """Tasks on one console: a rich Progress, made anew each time a first task opens (a
    stopped rich display keeps the height it last drew and would erase that many lines of
    whatever was printed since, were it started again)."""

    def __init__(self, console: Console):
        self.console = console
        self.bar: Progress | None = None
        self.drawing: Console | None = None      # what the bar draws on (_beside_native_output)
        self.open = 0

    def _started(self) -> Progress:
        # stdout and stderr stay as they are: redirected, a result printed meanwhile would go
        # to the progress console (stderr)
        self.drawing = _beside_native_output(self.console)
        bar = Progress(SpinnerColumn(table_column=_whole()), _Label(self.drawing), BarColumn(),
                       _Amount(table_column=_whole()), TimeElapsedColumn(table_column=_whole()),
                       _Remaining(table_column=_whole()), console=self.drawing, transient=True,
                       redirect_stdout=False, redirect_stderr=False)
        bar.start()
        return bar

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        if self.drawing is not None and self.drawing is not self.console:
            self.drawing.file.close()
        self.drawing = None

    @contextmanager
    def task(self, label: str, total: float | None, unit: str) -> Iterator[Advance]:
        bar = self.bar = self.bar or self._started()
        number = bar.add_task(escape(label), total=total, unit=unit)
        self.open += 1
        outermost = self.open == 1
        start = time.perf_counter()

        def advance(done: float, new_total: float | None = None) -> None:
            bar.update(number, completed=done, **({} if new_total is None else {"total": new_total}))

        try:
            yield advance
        finally:
            self.open -= 1
            if self.open == 0:
                self.stop()           # its last frame shows this task done, then it is erased
            else:
                bar.remove_task(number)
        elapsed = time.perf_counter() - start
        if outermost and elapsed > REPORT_AFTER_S:
            self.console.print(f"[dim]{escape(label)}: {elapsed:.1f} s[/dim]", highlight=False)


_QUIET = False
_current: ContextVar[_Display | bool | None] = ContextVar("bioxen_progress", default=None)
# None: nothing decided yet; _QUIET: draw nothing; a _Display: draw on it


def quiet_by_environment() -> bool:
    return os.environ.get(QUIET_VARIABLE, "").strip() not in ("", "0")


def drawable(console: Console) -> bool:
    """Whether progress may be drawn on ``console`` (see the module docstring)."""
    return (not quiet_by_environment() and console.is_terminal and not console.is_dumb_terminal
            and threading.current_thread() is threading.main_thread())


@contextmanager
def shown(quiet: bool = False, console: Console | None = None) -> Iterator[None]:
    """Tasks in this block draw on ``console`` (a new stderr console by default), or nowhere if
    ``quiet`` or not :func:`drawable`. Inside another ``shown`` block, that one's choice holds."""
    if _current.get() is not None:
        yield
        return
    console = console or Console(stderr=True)
    display = _Display(console) if not quiet and drawable(console) else _QUIET
    token = _current.set(display)
    try:
        yield
    finally:
        _current.reset(token)
        if display is not _QUIET:
            display.stop()


def _ignore(done: float, new_total: float | None = None) -> None:
    pass


@contextmanager
def task(label: str, total: float | None = None, unit: str = "") -> Iterator[Advance]:
    """Show ``label`` while the block runs: a bar of ``total`` (in ``unit``) with the time so
    far and the time left, or, with no ``total``, a spinner and the time so far. Yields
    ``advance(done, new_total=None)``, which the block calls as work gets done."""
    if _current.get() is None:
        with shown(), task(label, total, unit) as advance:
            yield advance
        return
    display = _current.get()
    if display is _QUIET:
        yield _ignore
        return
    with display.task(label, total, unit) as advance:
        yield advance
