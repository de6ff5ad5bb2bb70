"""The compile pipeline: policy -> Design -> (passes) -> Build -> files, with the build cache.

The one driver every caller uses (the CLI, the Hypervisor, the API, sweeps, reports)::

    load(policy)            -> Design    front end: the policy and every file it names
    check(policy)           -> Design    load + the compiler passes (what `bioxen check` runs)
    compile(design)         -> Build     passes + rules + back end (nothing written)
    write(build, out)       -> Path      the files, swapped into ``out`` whole
    build(policy, out)      -> Built     all of it, through the cache (:mod:`bioxen.cache`)

``build`` first takes the *quick key*: the inputs' SHA-256 computed from the files the policy
names (:func:`bioxen.frontend.input_files`) without parsing a genome, chassis or parts
library. It is the same key the full path computes from the Design; when the policy's files
cannot be told cheaply (an error, a download), ``build`` reads the whole design instead.
A cache hit therefore imports none of the back end, PySB or Biopython's parsers.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bioxen.formats import DEFAULT_FORMATS, check_formats
from bioxen.progress import task as progress_task

if TYPE_CHECKING:
    from bioxen.backend.compile import Build
    from bioxen.ir import Design

__all__ = ["Built", "load", "check", "compile", "write", "build"]


@dataclass(frozen=True)
class Built:
    """What :func:`build` did."""

    name: str                      # the design's name
    out: Path                      # the build directory
    key: str                       # the cache key of its inputs, formats and compiler
    cached: bool                   # copied from the cache, or already in place (nothing compiled)
    network: dict                  # manifest.json's "network" (species, reactions, ...)
    warnings: tuple[str, ...]      # "VM 'vm1': <genome>: <note>"; also on a cache hit
    design: "Design | None"        # None on a quick hit (only the input files were hashed)
    build: "Build | None"          # None when copied from the cache or already in place


def load(policy: str | Path | Mapping, *, text: str | None = None, base_dir: Path | None = None) -> "Design":
    """The design a policy describes (:func:`bioxen.frontend.read_design`). ``policy``: a path,
    or a mapping (the policy's YAML as data; paths in it resolve against ``base_dir``, default
    the working directory; nothing is written). ``text``: YAML read in place of the policy
    file's own (its paths resolve against the file's folder)."""
    from bioxen.frontend import read_design

    return read_design(policy, text, base_dir)


def check(policy, **load_options) -> "Design":
    """Every check compile makes short of building the model: :func:`load` (policy, genomes,
    tables, chassis, parts, commands), then the compiler passes (gene selection, genetic code,
    isolation, parameters, clock). The design after the passes."""
    from bioxen.passes import run_passes

    return run_passes(load(policy, **load_options))


def compile(design: "Design", timings: dict | None = None, after_passes=None) -> "Build":
    """Compile a design (passes, rules, back end) into a Build; nothing is written. ``timings``
    (stage -> seconds, e.g. ``{"parse": ...}`` from reading the design) join the Build's;
    ``after_passes`` is called with the design after the passes."""
    from bioxen.backend.compile import compile_design

    built = compile_design(design, after_passes=after_passes)
    built.timings.update({key: round(value, 4) for key, value in (timings or {}).items()})
    return built


def write(build: "Build", out, formats=DEFAULT_FORMATS) -> Path:
    """Write a Build's files (``formats``; model.xml and the JSON files always) into ``out``,
    swapped in whole (:func:`bioxen.outdir.replacing_dir`)."""
    from bioxen.backend.compile import write_build

    return write_build(build, out, formats)


def genome_warnings(design: "Design") -> tuple[str, ...]:
    """What BioXen assumed reading each VM's genome (topology, table, partial and renamed genes)."""
    from bioxen.genome.checks import genome_notes

    return tuple(f"VM '{vm.id}': {vm.genome.source}: {note}" for vm in design.vms for note in genome_notes(vm.genome))


def build(policy, out=None, formats=DEFAULT_FORMATS, *, use_cache: bool = True, text: str | None = None,
          quick: bool = True, out_root: Path = Path("build"), base_dir: Path | None = None) -> Built:
    """Compile ``policy`` (a path, a mapping as :func:`load` takes, or a Design already read)
    into ``out`` (default ``out_root/<design name>``), or copy its build from the cache.

    With ``quick`` (and the cache on) the inputs are only hashed (:func:`bioxen.frontend.input_files`);
    on a hit nothing else is read, and ``Built.design`` is None. Ask ``quick=False`` when the
    Design is needed. A build already in ``out`` with this key is left as it is."""
    from bioxen import cache
    from bioxen.ir import Design
    from bioxen.outdir import check_out_dir

    formats = check_formats(formats)     # before any work: a typo costs nothing
    if out is not None:
        check_out_dir(out)               # so does a -o that is not a build's place
    use_cache = use_cache and cache.enabled()
    if quick and use_cache and not isinstance(policy, Design):
        hit = _quick_hit(policy, out, formats, text, out_root, base_dir)
        if hit is not None:
            return hit
    timings: dict = {}
    if isinstance(policy, Design):
        design = policy
    else:
        start = time.perf_counter()
        with progress_task("reading inputs"):
            design = load(policy, text=text, base_dir=base_dir)
        timings["parse"] = time.perf_counter() - start
    _refuse_dna_early(design, formats)
    warnings = genome_warnings(design)
    out = Path(out) if out is not None else Path(out_root) / design.name
    inputs = [i.path for i in design.inputs]
    check_out_dir(out, inputs)
    key = cache.build_key(design, formats)
    if use_cache and (cache.same_build(key, out) or cache.restore(key, out, inputs)):
        cache.relocate(out, design.inputs)
        cache.record(key, design.name, warnings)
        return Built(design.name, out, key, True, _network(out), warnings, design, None)
    from bioxen.backend.compile import write_files, writing_ahead
    from bioxen.outdir import replacing_dir

    with writing_ahead(formats) as ahead:       # the DNA, written while the model compiles
        with progress_task("compiling"):
            compiled = compile(design, timings, after_passes=ahead.start)
        with progress_task("writing " + ", ".join(formats)), replacing_dir(out, inputs) as staging:
            write_files(compiled, staging, formats, ahead)
            if use_cache:
                cache.store(key, staging, design.name, warnings)
    return Built(design.name, out, key, False, _network(out), warnings, design, compiled)


def _refuse_dna_early(design: "Design", formats: tuple[str, ...]) -> None:
    """The ``dna`` format asked for (not under ``all``, which leaves it out) of a VM whose genome
    gives no sequence: refused before the model is compiled, as its writer would refuse after."""
    if "dna" not in formats:
        return
    from bioxen.backend.images import no_sequence

    refusals = [r for r in map(no_sequence, design.vms) if r is not None]
    if refusals:
        raise type(refusals[0]).collected([d for r in refusals for d in r.errors])


def _quick_hit(policy, out, formats, text, out_root, base_dir) -> Built | None:
    """The cached build of an unchanged policy, found by hashing its input files only; None
    (read the design) when they cannot be hashed cheaply or the cache has no such entry with
    its record."""
    from bioxen import cache
    from bioxen.frontend import input_files
    from bioxen.outdir import check_out_dir

    found = input_files(policy, text, base_dir)
    if found is None:
        return None
    name, inputs = found
    key = cache.key_of(inputs, formats)
    info = cache.entry_info(key)
    if info is None or info["name"] != name:
        return None
    out = Path(out) if out is not None else Path(out_root) / name
    paths = [i.path for i in inputs]
    check_out_dir(out, paths)
    if not (cache.same_build(key, out) or cache.restore(key, out, paths)):
        return None
    cache.relocate(out, inputs)
    return Built(name, out, key, True, _network(out), tuple(info["warnings"]), None, None)


def _network(out: Path) -> dict:
    """manifest.json's ``network`` (species, reactions, expander) of the build in ``out``."""
    import json

    from bioxen.outdir import MANIFEST

    return dict(json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("network") or {})
