"""Outputs written ahead: a format that reads only the design (the DNA: GenBank images, the
hypervisor's constructs, SBOL3) is written by a forked process while the model compiles.

The DNA of a Syn3A VM takes as long to write as its model takes to build (about 3 s each on
this project's 2-core machines), and neither needs the other, so a build that asks for both
finishes in the time of the longer. The child writes into a directory of its own; the parent
moves the files into the build when it reaches that format (:meth:`Ahead.into`), and re-raises
there whatever the child raised, so a refusal or an error reads as if the format had been
written in place. Where ``fork`` is not a start method (Windows), or the design has no VM,
nothing is written ahead and the format is written in its turn.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable

from bioxen import forked

Writer = Callable[[object, Path], None]      # (design, directory) -> files in directory


class _Job:
    def __init__(self, name: str, write: Writer, design):
        self.directory = Path(tempfile.mkdtemp(prefix=f"bioxen-{name}-"))
        self.child = forked.Forked(lambda: write(design, self.directory), f"writing {name} ahead")

    def close(self) -> None:
        self.child.close()
        shutil.rmtree(self.directory, ignore_errors=True)


class Ahead:
    """The formats being written ahead, by name. A context manager: leaving it stops any child
    still running and removes what the children wrote and nobody took."""

    def __init__(self, writers: dict[str, Writer], formats):
        self.writers = {name: write for name, write in writers.items() if name in formats}
        self.jobs: dict[str, _Job] = {}

    def start(self, design) -> None:
        """Fork one child per format (called with the design after the passes)."""
        if not design.vms or not forked.available():
            return
        for name, write in self.writers.items():
            self.jobs[name] = _Job(name, write, design)

    def __contains__(self, name: str) -> bool:
        return name in self.jobs

    def into(self, name: str, directory: Path) -> None:
        """Wait for ``name``'s child; move its files into ``directory``, or raise its error."""
        job = self.jobs.pop(name)
        try:
            job.child.result()
            for path in sorted(job.directory.iterdir()):
                shutil.move(str(path), directory / path.name)
        finally:
            job.close()

    def __enter__(self) -> "Ahead":
        return self

    def __exit__(self, *exc) -> None:
        for job in self.jobs.values():
            job.close()
        self.jobs.clear()
