"""Python's cyclic garbage collector around genome-scale work.

A genome-scale compile makes millions of small objects and frees few. Every full collection
walks all of them, and a collector turned back on walks them again as they age (about 0.9 s of
a three-VM compile and its SBML check); a collection in a forked child also writes to every
object it walks, so the child copies the parent's whole heap. :func:`paused` turns the collector
off for a block (reference counting still frees what the block drops).

A process that ends after its command (the ``bioxen`` CLI, a benchmark's measurement) calls
:func:`one_shot`: from then on what a paused block leaves is frozen (``gc.freeze``) when it
ends, so the collector never walks a build again. A long-lived process (a notebook, the API, a
test session) must not: cyclic garbage that is frozen is never collected.

:func:`one_shot` also freezes what the process holds by then (the modules it has imported) and
makes full collections ten times rarer (:data:`FULL_EVERY`); the young and middle generations
are collected as before, so cyclic garbage that dies young (most of it) still goes. Python runs
a full collection, a walk of every object alive, after every ten middle-generation ones, and a
command imports most of what it uses once it has started (bngsim, pandas, matplotlib), as does
bngsim reading a network: ``bioxen simulate`` of one Syn3A VM ran five full collections, each
finding next to nothing, 0.5 of its 0.7 s of collection. Measured in fresh processes, each
pair alternating old and new (a slowed machine, 2026-12-03): that command 6.62 -> 5.87 s (four
pairs, each faster), bngsim's load of three Syn3A VMs' network 4.41 -> 3.56 s (four pairs,
each faster), a 2-h hybrid run's collection 1.2 -> 0.23 s; peak memory the same.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

_one_shot = False
FULL_EVERY = 100   # middle-generation collections per full one in a one-shot process (Python's: 10)


def one_shot() -> None:
    """This process ends after its command: what it holds now is frozen, full collections come
    :data:`FULL_EVERY` middle-generation ones apart, and paused blocks freeze what they leave
    (see above)."""
    global _one_shot
    _one_shot = True
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_EVERY)


@contextmanager
def paused() -> Iterator[None]:
    """The collector off in the block, as it was after (blocks may nest)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _one_shot:
            gc.freeze()
        if enabled:
            gc.enable()
