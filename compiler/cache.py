"""Content-addressed cache of compiled builds.

A build is determined by its inputs' contents (policy, genomes, expression tables, chassis,
parts library: the SHA-256 each :class:`bioxen.ir.InputFile` records), the formats asked for
and the compiler itself (a hash of every source file of ``bioxen`` and ``bioxen.rules``, and
the versions of the tools that write the files). :mod:`bioxen.pipeline` computes that key
either from a Design or, without parsing anything but the policy, from the files it names
(:func:`bioxen.frontend.input_files`): both give the same key. The cache keeps each build directory under
that key in ``$BIOXEN_CACHE_DIR/builds`` (default ``~/.cache/bioxen/builds``), so compiling an
unchanged design again copies its files instead of recompiling.

Safe to delete, whole or entry by entry: an entry is moved into place complete (a temporary
directory renamed), one without its manifest is ignored, and a miss simply compiles. Every
file of an entry is checked against the SHA-256 its manifest lists as it is copied out; an
entry with a file changed, missing or added is deleted and compiled afresh. Beside its files an
entry keeps ``.bioxen-entry.json`` (its key, the design's name and the warnings reading its
inputs gave), so a cache hit can repeat them without reading the inputs again.
``BIOXEN_NO_CACHE=1`` (or ``bioxen compile --no-cache``) turns it off.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from importlib import metadata, util
from pathlib import Path
from typing import TYPE_CHECKING

from bioxen.genome.resolve import cache_dir
from bioxen.outdir import MANIFEST, replacing_dir, signals_deferred

if TYPE_CHECKING:
    from bioxen.ir import Design, InputFile

ENTRY = ".bioxen-entry.json"    # an entry's key, design name and warnings (not a build file)
_TOOLS = ("pysb", "bionetgen", "python-libsbml", "biopython", "ViennaRNA", "sbol3", "antimony",
          "python-libsedml", "python-libcombine")


def root() -> Path:
    """Where builds are cached (beside the genome cache)."""
    return cache_dir().parent / "builds"


def enabled() -> bool:
    return os.environ.get("BIOXEN_NO_CACHE", "") not in ("1", "true", "yes")


@lru_cache(maxsize=1)
def compiler_fingerprint() -> str:
    """SHA-256 of the compiler's and mechanism library's source, and the writing tools' versions."""
    digest = hashlib.sha256()
    for package in ("bioxen", "bioxen.rules"):      # found, not imported: importing rules costs seconds
        base = Path(util.find_spec(package).origin).parent
        for path in sorted(base.rglob("*.py")):
            digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    for tool in _TOOLS:
        try:
            digest.update(f"{tool}={metadata.version(tool)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{tool}=none".encode())
    return digest.hexdigest()


def key_of(inputs: "tuple[InputFile, ...]", formats) -> str:
    """The cache key of compiling a design read from ``inputs`` (each file's role and SHA-256)
    into ``formats``."""
    content = {"inputs": sorted((i.role, i.sha256) for i in inputs), "formats": sorted(formats),
               "compiler": compiler_fingerprint()}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def build_key(design: "Design", formats) -> str:
    """The cache key of compiling ``design`` (as read from its inputs) into ``formats``."""
    return key_of(design.inputs, formats)


def entry_info(key: str) -> dict | None:
    """What the entry ``key`` recorded when it was stored (``key``, ``name``, ``warnings``), or
    None: no such entry, caching off, or an entry from before the record was kept."""
    entry = root() / key
    if not enabled() or not (entry / MANIFEST).is_file():
        return None
    try:
        info = json.loads((entry / ENTRY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    good = (isinstance(info, dict) and info.get("key") == key and isinstance(info.get("name"), str)
            and isinstance(info.get("warnings"), list) and all(isinstance(w, str) for w in info["warnings"]))
    return info if good else None


def record(key: str, name: str, warnings=()) -> None:
    """Give the entry ``key`` its record (design name, warnings) if it has none (an entry stored
    before records were kept, or by a caller that had no name)."""
    entry = root() / key
    if not enabled() or not (entry / MANIFEST).is_file() or entry_info(key) is not None:
        return
    partial = entry.parent / f".{key[:12]}.entry.{os.getpid()}.part"    # not inside: a restore would see it
    try:
        partial.write_text(json.dumps({"key": key, "name": name, "warnings": list(warnings)}))
        os.replace(partial, entry / ENTRY)
    except OSError:                 # deleted meanwhile, or read-only: the entry serves full reads only
        partial.unlink(missing_ok=True)


def same_build(key: str, out_dir: Path) -> bool:
    """``out_dir`` holds exactly the cached build ``key`` already: the same manifest, and every
    file it lists unchanged (nothing to copy)."""
    from bioxen.outdir import build_problems

    entry = root() / key
    try:
        same = _unplaced(Path(out_dir) / MANIFEST) == _unplaced(entry / MANIFEST)
    except (OSError, ValueError):
        return False
    return same and not build_problems(Path(out_dir))


def _unplaced(manifest: Path) -> dict:
    """A manifest without its inputs' paths: builds of the same inputs read from other places
    are the same build (:func:`relocate`)."""
    found = json.loads(manifest.read_text(encoding="utf-8"))
    found["inputs"] = [{k: v for k, v in entry.items() if k != "path"} for entry in found.get("inputs", ())]
    return found


def relocate(out_dir: Path, inputs) -> None:
    """Give a build's manifest the paths its inputs (:class:`bioxen.ir.InputFile`) are read from
    now: a cached build was compiled from the same contents, maybe elsewhere (another checkout, a
    temporary directory since deleted), and `bioxen report --sweep` reads the policy it names."""
    manifest = Path(out_dir) / MANIFEST
    found = json.loads(manifest.read_text(encoding="utf-8"))
    here = {(i.role, i.sha256): i.path for i in inputs}
    moved = [{**entry, "path": here.get((entry.get("role"), entry.get("sha256")), entry.get("path"))}
             for entry in found.get("inputs", ())]
    if moved != found.get("inputs", []):
        found["inputs"] = moved
        manifest.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")


def restore(key: str, out_dir: Path, inputs=()) -> bool:
    """Copy the cached build ``key`` into ``out_dir`` (replacing it whole, as
    :func:`bioxen.outdir.replacing_dir` does; ``inputs`` must not be inside it), each file
    checked against the SHA-256 its manifest lists; False on a miss. A damaged entry is
    deleted and counts as a miss."""
    entry = root() / key
    if not enabled() or not (entry / MANIFEST).is_file():
        return False
    try:
        with replacing_dir(out_dir, inputs) as staging:
            try:
                complete = _copy_checked(entry, staging)
            except FileNotFoundError:       # the entry was deleted while being copied
                raise _Miss(damaged=False) from None
            if not complete:
                raise _Miss(damaged=True)
    except _Miss as miss:
        if miss.damaged:
            with signals_deferred():
                shutil.rmtree(entry, ignore_errors=True)
        return False
    return True


class _Miss(Exception):
    """A cache entry that cannot be served: gone, or ``damaged`` (its files are not those
    its manifest lists)."""

    def __init__(self, damaged: bool):
        self.damaged = damaged


def _copy_checked(source: Path, target: Path) -> bool:
    """Copy a build's files and manifest from ``source`` into ``target``, hashing each as it
    is copied; False (and a partial copy) if they are not exactly the files the manifest
    lists, with the SHA-256 it gives."""
    text = (source / MANIFEST).read_bytes()
    try:
        listed = json.loads(text).get("files")
    except (ValueError, AttributeError):
        return False
    on_disk = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()} - {MANIFEST, ENTRY}
    if not isinstance(listed, dict) or on_disk != set(listed) or any(".." in Path(n).parts for n in listed):
        return False
    for name, digest in listed.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if _copy_hashed(source / name, target / name) != digest:
            return False
    (target / MANIFEST).write_bytes(text)
    return True


def _copy_hashed(source: Path, target: Path) -> str:
    digest = hashlib.sha256()
    with open(source, "rb") as reading, open(target, "wb") as writing:
        while chunk := reading.read(1 << 20):
            digest.update(chunk)
            writing.write(chunk)
    return digest.hexdigest()


def store(key: str, build_dir: Path, name: str | None = None, warnings=()) -> None:
    """Keep a copy of a finished build directory under ``key`` (nothing if caching is off, or
    if its files are not those its manifest lists), with the design's ``name`` and the
    ``warnings`` reading its inputs gave (an entry stored without a name serves only a caller
    that has read the design)."""
    if not enabled():
        return
    entry = root() / key
    if (entry / MANIFEST).is_file():
        if name is not None:
            record(key, name, warnings)
        return
    staging = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=entry.parent))
        if _copy_checked(Path(build_dir), staging):
            if name is not None:
                (staging / ENTRY).write_text(json.dumps({"key": key, "name": name, "warnings": list(warnings)}))
            shutil.rmtree(entry, ignore_errors=True)      # a damaged entry (no manifest)
            os.replace(staging, entry)
    except OSError:                 # another process stored it first, the disk is full, or the
        pass                        # cache directory cannot be made or written: no cache
    finally:
        if staging is not None:
            with signals_deferred():
                shutil.rmtree(staging, ignore_errors=True)
