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
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

_one_shot = False


def one_shot() -> None:
    """This process ends after its command: paused blocks freeze what they leave (see above)."""
    global _one_shot
    _one_shot = True


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
