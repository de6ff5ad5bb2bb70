"""Work done by a forked child while the parent goes on: the compiler's two cores used at once
where two stages need nothing of each other (the DNA while the model compiles,
:mod:`bioxen.backend.ahead`; the SBML file written, and half its check, while the other half is
checked, :mod:`bioxen.backend.consistency`).

A forked child starts with the parent's memory as it is (the design included: nothing is
pickled on the way in), runs one function, and hands back its value or the exception it raised
(pickled), which :meth:`Forked.result` returns or raises in the parent, so an error reads as if
the work had been done in place; :meth:`Forked.close` stops a child still running. Where
``fork`` is not a start method (Windows), :func:`available` is False and callers do the work in
place. A child that shares a genome-scale compile's memory costs what the pages both sides
touch cost to copy; that stays small only while Python's collector is off on both sides
(:func:`bioxen.collector.paused`), since a collection writes to every object it walks.
"""
from __future__ import annotations

import multiprocessing
from typing import Callable

from bioxen.errors import BioxenError


def available() -> bool:
    """``fork`` is a start method here, and this process may start children (a forked child
    may: :func:`_child`; a daemonic process multiprocessing started otherwise may not)."""
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def _child(work: Callable[[], object], send) -> None:
    # The child is daemonic to its parent (stopped if the parent exits); to itself it is not, so
    # that its work may fork a helper of its own (the DNA written ahead writes its SBOL3 in two
    # processes). The flag only decides, in this process, whether it may start children.
    try:
        multiprocessing.current_process().daemon = False
    except AssertionError:             # another multiprocessing: available() then says no
        pass
    try:
        outcome = (True, work())
    except BaseException as exc:       # handed to the parent, raised there
        outcome = (False, exc)
    try:
        send.send(outcome)
    except Exception:                  # a value or exception that does not pickle: its text
        send.send((False, BioxenError(f"{type(outcome[1]).__name__}: {outcome[1]}")))


class Forked:
    """``work()`` in a forked child; ``label`` names it in the error if the child dies."""

    def __init__(self, work: Callable[[], object], label: str):
        context = multiprocessing.get_context("fork")
        self.label = label
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(work, send), daemon=True)
        self._process.start()
        send.close()

    def result(self):
        """Wait for the child: its value, or raise what it raised."""
        try:
            succeeded, value = self._receive.recv()
        except EOFError:               # the child died before it could say (killed, out of memory)
            self._process.join()
            raise BioxenError(f"{self.label}: its process ended with exit code {self._process.exitcode}") from None
        self._process.join()
        if not succeeded:
            raise value
        return value

    def close(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._receive.close()
